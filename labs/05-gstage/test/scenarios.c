// scenarios.c: lab 5's guest scenarios. Each setup maps this run's test
// pages with your gstage_map() (GPAs and contents come from the seed) and
// records them in the model; actions change mappings while the guest runs.
#include "harness.h"

// Salts for fill_pattern(): one per test page.
enum { S_DATA = 1, S_RO, S_RW, S_UNMAP, S_MEGA, S_REMAP_A, S_REMAP_B, S_ISO, S_CANARY };

static struct region *r_rw, *r_unmap, *r_remap;
static u8 *remap_a, *remap_b, *canary;
static u8 *root_copy;

static void *page_with_pattern(ulong salt)
{
	void *p = kalloc();
	if (p)
		fill_pattern(p, PAGE_SIZE, salt);
	return p;
}

// gstage_map() plus the model's record; a failed call fails check c.
static struct region *map(enum lab5_check c, ulong gpa, void *hva, ulong size, ulong perms)
{
	int rc = gstage_map(L.ram.root, gpa, (ulong)hva, size, perms);
	if (rc)
		check_bad(c, "gstage_map(GPA 0x%lx, host 0x%lx, 0x%lx bytes, perms 0x%lx) returned %d",
			  gpa, (ulong)hva, size, perms, rc);
	return model_add(gpa, size, hva, perms);
}

// ---- guest_reads: the guest sees the host page behind its GPA ----------------

// hgatp as Priv. 8.2.10 lays it out: MODE 8 (Sv39x4), VMID, root PPN.
static void check_hgatp(void)
{
	ulong root = (ulong)L.ram.root;
	ulong want = HGATP_MODE_SV39X4 << HGATP_MODE_SHIFT | L.vmid << HGATP_VMID_SHIFT |
		     root >> PAGE_SHIFT;
	ulong got = csr_read(hgatp);
	if (root & (GSTAGE_ROOT_ALIGN - 1))
		check_bad(C_HGATP, "the root 0x%lx is not 16 KiB aligned (Priv. 8.5.1)", root);
	else if (got != want)
		check_bad(C_HGATP, "hgatp is 0x%lx after gstage_activate(root 0x%lx, VMID 0x%lx); "
			  "expected 0x%lx", got, root, L.vmid, want);
	else
		check_settled(C_HGATP);
}

// The bits gstage_map() must add to a leaf (gstage.h): V and U always;
// A, and D on writable pages, so that hardware which does not set them
// itself never faults on a first access (Priv. 4.3.1: either scheme is
// allowed; QEMU 7.2 sets them itself, other implementations may fault).
static ulong leaf_extra_bits(ulong perms)
{
	return PTE_V | PTE_U | PTE_A | (perms & PTE_W ? PTE_D : 0);
}

// Every leaf under [gpa, gpa + size): V, U, A (D), the requested R/W/X,
// the right host address; every pointer on the way: V only. Runs before
// the guest does, so A and D are the ones gstage_map() wrote.
static void check_leaves(ulong gpa, ulong size, u8 *hva, ulong perms)
{
	char why[120], b[16];
	struct gleaf leaf;
	for (ulong off = 0; off < size; off += PAGE_SIZE) {
		if (gwalk(L.ram.root, gpa + off, &leaf, why, sizeof(why)) ||
		    gwalk_pointers_clean(L.ram.root, gpa + off, why, sizeof(why))) {
			check_bad(C_LEAF_BITS, "GPA 0x%lx: %s", gpa + off, why);
			return;
		}
		ulong extra = leaf_extra_bits(perms);
		if ((leaf.pte & extra) != extra || (leaf.pte & PTE_RWX) != perms ||
		    leaf.hpa != (ulong)hva + off) {
			char e[16];
			check_bad(C_LEAF_BITS, "GPA 0x%lx: leaf %s -> 0x%lx; expected %s -> 0x%lx",
				  gpa + off, pte_bits(leaf.pte, b), leaf.hpa,
				  pte_bits(extra | perms, e), (ulong)hva + off);
			return;
		}
	}
	check_settled(C_LEAF_BITS);
}

static const char *setup_guest_reads(void)
{
	u8 *data = page_with_pattern(S_DATA);
	if (!data)
		return "out of memory";
	L.addr[A_DATA] = 0x90000000UL + pick(256 * PAGE_SIZE, PAGE_SIZE);
	map(C_READS, L.addr[A_DATA], data, PAGE_SIZE, PTE_R | PTE_W);
	check_hgatp();
	check_leaves(L.ram.gpa, L.ram.size, L.ram.hva, PTE_RWX);
	check_leaves(L.addr[A_DATA], PAGE_SIZE, data, PTE_R | PTE_W);
	return NULL;
}

// ---- store_fault: read-only pages, gstage_protect() both ways -------------------

static const char *setup_store_fault(void)
{
	u8 *ro = page_with_pattern(S_RO), *rw = page_with_pattern(S_RW);
	if (!ro || !rw)
		return "out of memory";
	L.addr[A_RO] = 0xa0000000UL + pick(128 * PAGE_SIZE, 2 * PAGE_SIZE);
	L.addr[A_RW] = L.addr[A_RO] + PAGE_SIZE;      // neighbours: protect only one
	map(C_RO_STORE, L.addr[A_RO], ro, PAGE_SIZE, PTE_R);
	r_rw = map(C_PROTECT_R, L.addr[A_RW], rw, PAGE_SIZE, PTE_R | PTE_W);
	return NULL;
}

static long protect_rw_page(enum lab5_check c, ulong perms)
{
	int rc = gstage_protect(L.ram.root, r_rw->gpa, PAGE_SIZE, perms);
	r_rw->perms = perms;
	if (rc)
		check_bad(c, "gstage_protect(GPA 0x%lx, 4 KiB, perms 0x%lx) returned %d", r_rw->gpa,
			  perms, rc);
	return rc;
}

static long action_store_fault(enum lab5_action what)
{
	if (what == ACT_PROTECT_R)
		return protect_rw_page(C_PROTECT_R, PTE_R);
	if (what == ACT_PROTECT_RW)
		return protect_rw_page(C_PROTECT_RW, PTE_R | PTE_W);
	return -1;
}

// ---- load_fault: unmapped GPAs, gstage_unmap() ----------------------------------

static const char *setup_load_fault(void)
{
	u8 *p = page_with_pattern(S_UNMAP);
	if (!p)
		return "out of memory";
	L.addr[A_UNMAP] = 0xb0000000UL + pick(256 * PAGE_SIZE, PAGE_SIZE);
	r_unmap = map(C_UNMAP, L.addr[A_UNMAP], p, PAGE_SIZE, PTE_R | PTE_W);
	return NULL;
}

static long action_load_fault(enum lab5_action what)
{
	if (what != ACT_UNMAP)
		return -1;
	int rc = gstage_unmap(L.ram.root, r_unmap->gpa, PAGE_SIZE);
	r_unmap->perms = 0;
	if (rc)
		check_bad(C_UNMAP, "gstage_unmap(GPA 0x%lx, 4 KiB) returned %d", r_unmap->gpa, rc);
	return rc;
}

// ---- fetch_fault: X permission and instruction guest-page faults ---------------

// auipc a0, 0; ld a0, 16(a0); ret; nop; .dword value (see lab5.h)
static void write_stub(u8 *at, u64 value)
{
	static const u32 code[4] = { 0x00000517, 0x01053503, 0x00008067, 0x00000013 };
	memcpy(at, code, sizeof(code));
	memcpy(at + STUB_VALUE_OFFSET, &value, sizeof(value));
}

static const char *setup_fetch_fault(void)
{
	u8 *x = kalloc(), *nx = kalloc();
	if (!x || !nx)
		return "out of memory";
	ulong gpa = 0xc0000000UL + pick(128 * PAGE_SIZE, 2 * PAGE_SIZE);
	ulong off_x = pick(PAGE_SIZE - STUB_SIZE, 8), off_nx = pick(PAGE_SIZE - STUB_SIZE, 8);
	write_stub(x + off_x, rand_next(&L.rng));
	write_stub(nx + off_nx, rand_next(&L.rng));
	asm volatile("fence.i" ::: "memory");     // we wrote code (Zifencei)
	L.addr[A_CODE_X] = gpa + off_x;
	L.addr[A_CODE_NX] = gpa + PAGE_SIZE + off_nx;
	map(C_FETCH_EXEC, gpa, x, PAGE_SIZE, PTE_R | PTE_X);
	map(C_FETCH_NOEXEC, gpa + PAGE_SIZE, nx, PAGE_SIZE, PTE_R | PTE_W);
	return NULL;
}

// ---- megapage: a 2 MiB leaf between two 4 KiB leaves ----------------------------

static void check_mega_leaf(ulong m, u8 *host)
{
	static const struct { long off; int level; } want[] = {
		{ -(long)PAGE_SIZE, 0 }, { 0, 1 }, { MEGA_SIZE / 2, 1 },
		{ MEGA_SIZE - 8, 1 }, { MEGA_SIZE, 0 },
	};
	char why[120];
	struct gleaf leaf;
	for (ulong i = 0; i < ARRAY_SIZE(want); i++) {
		ulong gpa = m + want[i].off;
		if (gwalk(L.ram.root, gpa, &leaf, why, sizeof(why))) {
			check_bad(C_MEGA_LEAF, "GPA 0x%lx: %s", gpa, why);
			return;
		}
		if (leaf.level != want[i].level || leaf.hpa != (ulong)(host + want[i].off)) {
			check_bad(C_MEGA_LEAF, "GPA 0x%lx: level-%d leaf -> 0x%lx; expected a "
				  "level-%d leaf -> 0x%lx", gpa, leaf.level, leaf.hpa, want[i].level,
				  (ulong)(host + want[i].off));
			return;
		}
	}
	check_settled(C_MEGA_LEAF);
}

static void check_mega_translate(ulong m, u8 *host)
{
	long offs[] = { -(long)PAGE_SIZE + 5, 0, (long)pick(MEGA_SIZE, 1), MEGA_SIZE - 1,
			MEGA_SIZE + PAGE_SIZE - 1 };
	for (ulong i = 0; i < ARRAY_SIZE(offs); i++) {
		ulong perms = 0, got = gstage_translate(L.ram.root, m + offs[i], &perms);
		if (got != (ulong)(host + offs[i]) || perms != (PTE_R | PTE_W)) {
			check_bad(C_MEGA_TRANSLATE, "gstage_translate(0x%lx) gave 0x%lx perms 0x%lx; "
				  "expected 0x%lx perms 0x%lx", m + offs[i], got, perms, (ulong)(host + offs[i]),
				  PTE_R | PTE_W);
			return;
		}
	}
	ulong after = m + MEGA_SIZE + PAGE_SIZE;
	if (gstage_translate(L.ram.root, after, NULL) != -1UL)
		check_bad(C_MEGA_TRANSLATE, "gstage_translate(0x%lx), not mapped, did not give -1",
			  after);
	else
		check_settled(C_MEGA_TRANSLATE);
}

// A 2 MiB aligned GPA whose host memory is NOT 2 MiB aligned: a 2 MiB leaf
// cannot express it (its PPN's low 9 bits must be 0), so every page of it
// needs a 4 KiB leaf to the right host page. A map that looks at the GPA
// alone writes a 2 MiB leaf here.
static void check_mega_host(ulong g, u8 *host)
{
	char why[120];
	struct gleaf leaf;
	const long offs[] = { 0, PAGE_SIZE, (long)pick(MEGA_SIZE / PAGE_SIZE, 1) * PAGE_SIZE,
			      MEGA_SIZE - PAGE_SIZE };
	for (ulong i = 0; i < ARRAY_SIZE(offs); i++) {
		ulong gpa = g + offs[i];
		if (gwalk(L.ram.root, gpa, &leaf, why, sizeof(why))) {
			check_bad(C_MEGA_HOST, "GPA 0x%lx: %s", gpa, why);
			return;
		}
		if (leaf.level != 0 || leaf.hpa != (ulong)(host + offs[i])) {
			check_bad(C_MEGA_HOST, "GPA 0x%lx (2 MiB aligned region, host 0x%lx not 2 MiB "
				  "aligned): level-%d leaf -> 0x%lx; expected a level-0 leaf -> 0x%lx",
				  gpa, (ulong)host, leaf.level, leaf.hpa, (ulong)(host + offs[i]));
			return;
		}
	}
	check_settled(C_MEGA_HOST);
}

static const char *setup_megapage(void)
{
	// 2 MiB and a page: the megapage at block + 2 MiB is used with a page
	// either side, the one after it included.
	u8 *block = kalloc_pages(2 * MEGA_SIZE / PAGE_SIZE + 1, MEGA_SIZE);
	if (!block)
		return "out of memory";
	u8 *host = block + MEGA_SIZE;             // 2 MiB aligned, a page either side
	fill_pattern(host - PAGE_SIZE, MEGA_SIZE + 2 * PAGE_SIZE, S_MEGA);
	ulong m = 0x100000000UL + (1 + pick(255, 1)) * MEGA_SIZE;
	L.addr[A_MEGA] = m;
	map(C_MEGA_READS, m - PAGE_SIZE, host - PAGE_SIZE, MEGA_SIZE + 2 * PAGE_SIZE,
	    PTE_R | PTE_W);
	check_mega_leaf(m, host);
	check_mega_translate(m, host);
	// The same size at a 2 MiB aligned GPA, from a host address that is not.
	u8 *block2 = kalloc_pages(2 * MEGA_SIZE / PAGE_SIZE, MEGA_SIZE);
	if (!block2)
		return "out of memory";
	u8 *host2 = block2 + (1 + pick(MEGA_SIZE / PAGE_SIZE - 2, 1)) * PAGE_SIZE;
	ulong g2 = m + 4 * MEGA_SIZE;
	map(C_MEGA_HOST, g2, host2, MEGA_SIZE, PTE_R | PTE_W);
	check_mega_host(g2, host2);
	return NULL;
}

// ---- remap: the guest sees a new page after unmap + map ------------------------

static const char *setup_remap(void)
{
	remap_a = page_with_pattern(S_REMAP_A);
	remap_b = page_with_pattern(S_REMAP_B);
	if (!remap_a || !remap_b)
		return "out of memory";
	L.addr[A_REMAP] = 0xd0000000UL + pick(256 * PAGE_SIZE, PAGE_SIZE);
	r_remap = map(C_REMAP_BEFORE, L.addr[A_REMAP], remap_a, PAGE_SIZE, PTE_R | PTE_W);
	return NULL;
}

static long action_remap(enum lab5_action what)
{
	if (what != ACT_REMAP)
		return -1;
	ulong gpa = r_remap->gpa;
	int rc = gstage_unmap(L.ram.root, gpa, PAGE_SIZE);
	if (rc)
		check_bad(C_REMAP_AFTER, "gstage_unmap(GPA 0x%lx, 4 KiB) returned %d", gpa, rc);
	r_remap->perms = 0;
	map(C_REMAP_AFTER, gpa, remap_b, PAGE_SIZE, PTE_R | PTE_W);
	return rc;
}

static void finish_remap(void)
{
	if (!pattern_intact(remap_a, PAGE_SIZE, S_REMAP_A))
		check_bad(C_REMAP_WRITE, "the old page (host 0x%lx) changed after the remap", (ulong)remap_a);
}

// ---- isolation: nothing outside the map is reachable ---------------------------

// A 4 KiB page at a 2 MiB aligned GPA, backed by a 2 MiB aligned host page
// whose host neighbour is the canary: a careless map that used a 2 MiB
// leaf here would hand the canary (and more) to the guest.
static const char *setup_isolation(void)
{
	u8 *page = kalloc_pages(2, MEGA_SIZE);
	if (!page)
		return "out of memory";
	canary = page + PAGE_SIZE;
	fill_pattern(page, PAGE_SIZE, S_ISO);
	fill_pattern(canary, PAGE_SIZE, S_CANARY);
	ulong gpa = 0xe0000000UL + pick(64 * MEGA_SIZE, MEGA_SIZE);
	map(C_ISO_FAULTS, gpa, page, PAGE_SIZE, PTE_R | PTE_W);
	L.addr[A_ISO_NEXT] = gpa + PAGE_SIZE;
	L.addr[A_ISO_CANARY] = (ulong)canary;                 // host address as a GPA
	L.addr[A_ISO_HIGH] = (ulong)canary + (1UL << 39);     // root entries 512-1023
	L.addr[A_ISO_ROOT] = (ulong)L.ram.root;
	root_copy = kalloc_pages(GSTAGE_ROOT_SIZE / PAGE_SIZE, PAGE_SIZE);
	if (!root_copy)
		return "out of memory";
	memcpy(root_copy, L.ram.root, GSTAGE_ROOT_SIZE);
	return NULL;
}

static void finish_isolation(void)
{
	if (!pattern_intact(canary, PAGE_SIZE, S_CANARY))
		check_bad(C_ISO_CANARY, "the canary page at host 0x%lx was changed", (ulong)canary);
	else if (memcmp(root_copy, L.ram.root, GSTAGE_ROOT_SIZE))
		check_bad(C_ISO_CANARY, "the G-stage root at 0x%lx was changed", (ulong)L.ram.root);
	else
		check_ok(C_ISO_CANARY);
}

// ---- the table -----------------------------------------------------------------

#define CHECKS(...) (const enum lab5_check[]){ __VA_ARGS__ }, \
	sizeof((const enum lab5_check[]){ __VA_ARGS__ }) / sizeof(enum lab5_check)

const struct scenario guest_scenarios[] = {
	{ "guest_reads", CHECKS(C_GUEST_BOOTS, C_HGATP, C_LEAF_BITS, C_READS, C_WRITES),
	  setup_guest_reads, NULL, NULL, NULL },
	{ "store_fault", CHECKS(C_RO_LOAD, C_RO_STORE, C_PROTECT_R, C_PROTECT_RW),
	  setup_store_fault, action_store_fault, NULL, NULL },
	{ "load_fault", CHECKS(C_LOAD_UNMAPPED, C_UNMAP),
	  setup_load_fault, action_load_fault, NULL, NULL },
	{ "fetch_fault", CHECKS(C_FETCH_EXEC, C_FETCH_UNMAPPED, C_FETCH_NOEXEC),
	  setup_fetch_fault, NULL, NULL, NULL },
	{ "megapage", CHECKS(C_MEGA_LEAF, C_MEGA_TRANSLATE, C_MEGA_READS, C_MEGA_HOST),
	  setup_megapage, NULL, NULL, NULL },
	{ "remap", CHECKS(C_REMAP_BEFORE, C_REMAP_AFTER, C_REMAP_WRITE),
	  setup_remap, action_remap, finish_remap, NULL },
	{ "isolation", CHECKS(C_ISO_FAULTS, C_ISO_CANARY),
	  setup_isolation, NULL, finish_isolation, NULL },
};
const int nguest_scenarios = ARRAY_SIZE(guest_scenarios);
