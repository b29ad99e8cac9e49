// Lab 5 reference solution: G-stage page tables (Sv39x4, Priv. 8.5).
#include "hyp.h"
#include "gstage.h"

#define PTE_LEAF_BITS (PTE_R | PTE_W | PTE_X)

static ulong vpn(ulong gpa, int level)
{
	ulong bits = level == 2 ? 11 : 9;       // the root index is 2 bits wider
	return (gpa >> (PAGE_SHIFT + 9 * level)) & ((1UL << bits) - 1);
}

static gpte_t *pte_table(gpte_t pte)
{
	return (gpte_t *)((pte >> PTE_PPN_SHIFT) << PAGE_SHIFT);
}

static gpte_t make_pte(ulong pa, ulong bits)
{
	return ((pa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | bits | PTE_V;
}

gpte_t *gstage_create(void)
{
	return kalloc_pages(GSTAGE_ROOT_SIZE / PAGE_SIZE, GSTAGE_ROOT_ALIGN);
}

// The PTE slot for gpa at `level` (0 = 4 KiB leaf, 1 = 2 MiB leaf),
// creating intermediate tables when alloc is set. NULL if a leaf at a
// higher level is in the way, or out of memory / not present.
static gpte_t *walk(gpte_t *root, ulong gpa, int level, int alloc)
{
	gpte_t *table = root;
	for (int l = GSTAGE_LEVELS - 1; l > level; l--) {
		gpte_t *pte = &table[vpn(gpa, l)];
		if (*pte & PTE_V) {
			if (*pte & PTE_LEAF_BITS)
				return NULL;
			table = pte_table(*pte);
			continue;
		}
		if (!alloc)
			return NULL;
		gpte_t *next = kalloc();
		if (!next)
			return NULL;
		*pte = make_pte((ulong)next, 0);   // non-leaf: V only (Priv. 4.3.1)
		table = next;
	}
	return &table[vpn(gpa, level)];
}

// A leaf needs at least one of R/W/X (all clear means "pointer"), and W
// without R is reserved (Priv. 4.3.1, table 4.5).
static int perms_ok(ulong perms)
{
	return (perms & PTE_LEAF_BITS) && !((perms & PTE_W) && !(perms & PTE_R));
}

static int args_ok(ulong gpa, ulong size)
{
	return !((gpa | size) & (PAGE_SIZE - 1)) && size && gpa + size > gpa &&
	       gpa + size <= (1UL << GSTAGE_GPA_BITS);
}

int gstage_map(gpte_t *root, ulong gpa, ulong hpa, ulong size, ulong perms)
{
	if (!args_ok(gpa, size) || (hpa & (PAGE_SIZE - 1)) || !perms_ok(perms))
		return -1;
	// A and D preset: no trap on first access on hardware without Svadu.
	ulong bits = (perms & PTE_LEAF_BITS) | PTE_U | PTE_A | PTE_D;
	int rc = 0;
	while (size) {
		int big = !((gpa | hpa) & (MEGAPAGE_SIZE - 1)) && size >= MEGAPAGE_SIZE;
		ulong step = big ? MEGAPAGE_SIZE : PAGE_SIZE;
		gpte_t *pte = walk(root, gpa, big ? 1 : 0, 1);
		if (!pte || (*pte & PTE_V)) {
			rc = -1;
			break;
		}
		*pte = make_pte(hpa, bits);
		gpa += step, hpa += step, size -= step;
	}
	// Fence even after a failure: the leaves written before it are live.
	hfence_gvma_all();
	return rc;
}

// The leaf PTE covering gpa and its size, or NULL.
static gpte_t *find_leaf(gpte_t *root, ulong gpa, ulong *step)
{
	if (gpa >> GSTAGE_GPA_BITS)
		return NULL;               // no such GPA; vpn() would wrap it
	gpte_t *table = root;
	for (int l = GSTAGE_LEVELS - 1; l >= 0; l--) {
		gpte_t *pte = &table[vpn(gpa, l)];
		if (!(*pte & PTE_V))
			return NULL;
		if (*pte & PTE_LEAF_BITS) {
			*step = 1UL << (PAGE_SHIFT + 9 * l);
			return pte;
		}
		table = pte_table(*pte);
	}
	return NULL;
}

// Apply fn to each leaf covering [gpa, gpa + size); leaves must fit inside.
static int for_each_leaf(gpte_t *root, ulong gpa, ulong size, ulong perms,
			 void (*fn)(gpte_t *pte, ulong perms))
{
	if (!args_ok(gpa, size))
		return -1;
	int rc = 0;
	while (size) {
		ulong step;
		gpte_t *pte = find_leaf(root, gpa, &step);
		if (!pte || (gpa & (step - 1)) || size < step) {
			rc = -1;
			break;
		}
		fn(pte, perms);
		gpa += step, size -= step;
	}
	// Fence even after a failure: the leaves changed before it count.
	hfence_gvma_all();
	return rc;
}

static void clear_leaf(gpte_t *pte, ulong perms)
{
	UNUSED(perms);
	*pte = 0;
}

static void set_perms(gpte_t *pte, ulong perms)
{
	*pte = (*pte & ~PTE_LEAF_BITS) | (perms & PTE_LEAF_BITS);
}

int gstage_unmap(gpte_t *root, ulong gpa, ulong size)
{
	return for_each_leaf(root, gpa, size, 0, clear_leaf);
}

int gstage_protect(gpte_t *root, ulong gpa, ulong size, ulong perms)
{
	if (!perms_ok(perms))
		return -1;
	return for_each_leaf(root, gpa, size, perms, set_perms);
}

ulong gstage_translate(gpte_t *root, ulong gpa, ulong *perms)
{
	ulong step;
	gpte_t *pte = find_leaf(root, gpa, &step);
	if (!pte)
		return -1UL;
	if (perms)
		*perms = *pte & PTE_LEAF_BITS;
	return ((*pte >> PTE_PPN_SHIFT) << PAGE_SHIFT) + (gpa & (step - 1));
}

ulong gstage_hgatp(gpte_t *root, ulong vmid)
{
	return HGATP_MODE_SV39X4 << HGATP_MODE_SHIFT |
	       ((vmid << HGATP_VMID_SHIFT) & HGATP_VMID_MASK) |
	       (((ulong)root >> PAGE_SHIFT) & HGATP_PPN_MASK);
}

void gstage_activate(gpte_t *root, ulong vmid)
{
	csr_write(hgatp, gstage_hgatp(root, vmid));
	hfence_gvma_all();
}
