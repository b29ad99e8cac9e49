// gwalk.c: the harness's own Sv39x4 walk, written from the spec and not
// from your gstage.c, so the tests can see what the hardware will see.
//
// Priv. 8.5.1: a guest-physical address has 41 bits; VPN[2] = GPA[40:30]
// (11 bits: the 16 KiB root has 2048 entries), VPN[1] = GPA[29:21],
// VPN[0] = GPA[20:12]. The walk itself is the Sv39 one of Priv. 4.3.2.
#include "harness.h"

#define GPA_BITS 41

static ulong vpn(ulong gpa, int level)
{
	ulong mask = level == 2 ? 0x7ff : 0x1ff;
	return (gpa >> (PAGE_SHIFT + 9 * level)) & mask;
}

// A table address from a student PTE is only followed when it lies in
// RAM: the harness must not fault on a broken table.
static int in_ram(ulong pa, ulong len)
{
	return pa >= platform.mem_base && pa + len <= platform.mem_base + platform.mem_size;
}

static ulong pte_pa(gpte_t pte)
{
	return (pte >> PTE_PPN_SHIFT) << PAGE_SHIFT;
}

const char *pte_bits(gpte_t pte, char buf[16])
{
	static const char letters[] = "VRWXUGAD";
	for (int i = 0; i < 8; i++)
		buf[i] = (pte >> i) & 1 ? letters[i] : '-';
	buf[8] = '\0';
	return buf;
}

// Check one leaf as the hardware would (Priv. 4.3.2 steps 5-6).
static int leaf_ok(gpte_t pte, int level, char *why, int len)
{
	ulong ppn = pte >> PTE_PPN_SHIFT;
	if ((pte & PTE_W) && !(pte & PTE_R)) {
		snprintf(why, len, "leaf at level %d has W without R (reserved)", level);
		return -1;
	}
	if (level > 0 && (ppn & ((1UL << (9 * level)) - 1))) {
		snprintf(why, len, "level-%d leaf with a misaligned PPN 0x%lx", level, ppn);
		return -1;
	}
	return 0;
}

int gwalk(gpte_t *root, ulong gpa, struct gleaf *out, char *why, int len)
{
	if (gpa >> GPA_BITS) {
		snprintf(why, len, "GPA 0x%lx is wider than 41 bits", gpa);
		return -1;
	}
	ulong table = (ulong)root;
	for (int level = 2; level >= 0; level--) {
		ulong entries = level == 2 ? 2048 : 512;
		if (!in_ram(table, entries * sizeof(gpte_t))) {
			snprintf(why, len, "level-%d table at 0x%lx is not in RAM", level, table);
			return -1;
		}
		gpte_t pte = ((gpte_t *)table)[vpn(gpa, level)];
		if (!(pte & PTE_V)) {
			snprintf(why, len, "no valid entry at level %d (index %lu)", level,
				 vpn(gpa, level));
			return -1;
		}
		if (pte & (PTE_R | PTE_X)) {
			if (leaf_ok(pte, level, why, len))
				return -1;
			ulong span = 1UL << (PAGE_SHIFT + 9 * level);
			*out = (struct gleaf){ pte, level, pte_pa(pte) + (gpa & (span - 1)) };
			return 0;
		}
		if (pte & PTE_W) {
			snprintf(why, len, "entry at level %d has W without R (reserved)", level);
			return -1;
		}
		table = pte_pa(pte);
	}
	snprintf(why, len, "the level-0 entry is a pointer, not a leaf");
	return -1;
}

int gwalk_pointers_clean(gpte_t *root, ulong gpa, char *why, int len)
{
	ulong table = (ulong)root;
	for (int level = 2; level > 0; level--) {
		if (!in_ram(table, PAGE_SIZE))
			return 0;          // gwalk() reports this one
		gpte_t pte = ((gpte_t *)table)[vpn(gpa, level)];
		if (!(pte & PTE_V) || (pte & (PTE_R | PTE_X)))
			return 0;
		if (pte & (PTE_U | PTE_A | PTE_D | PTE_G)) {
			char b[16];
			snprintf(why, len, "non-leaf entry at level %d has bits %s: U, A, D are "
				 "reserved there and G is meaningless", level, pte_bits(pte, b));
			return -1;
		}
		table = pte_pa(pte);
	}
	return 0;
}

void gwalk_explain(gpte_t *root, ulong gpa)
{
	char why[120], b[16];
	struct gleaf leaf;
	printf("hyp: what the hardware finds for GPA 0x%lx in your table:\n", gpa);
	if (!root) {
		printf("hyp:   no table at all\n");
		return;
	}
	if (gwalk(root, gpa, &leaf, why, sizeof(why))) {
		printf("hyp:   %s\n", why);
		return;
	}
	printf("hyp:   level-%d leaf %s -> host 0x%lx\n", leaf.level, pte_bits(leaf.pte, b),
	       leaf.hpa);
	if (!(leaf.pte & PTE_U))
		printf("hyp:   U = 0: every G-stage access counts as a U-mode access "
		       "(Priv. 8.5.1), so this leaf allows nothing: set U = 1\n");
}
