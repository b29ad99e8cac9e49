// tableapi.c: lab 5 scenarios without a guest.
//
// table_api calls your functions with good and bad arguments and looks at
// the result with the harness's own walker. fences checks that every
// change is followed by HFENCE.GVMA: it reads guest-physical memory from
// HS-mode with HLV/HSV (Priv. 8.3.1), which go through the same TLB as the
// guest, so a translation cached before a change is still used after it
// unless the change fenced. (A guest would not show this on QEMU 7.2: QEMU
// flushes its TLB whenever V changes, i.e. on every guest entry and exit.
// HS-mode HLV does not change V, and a write to hgatp does not flush.)
#include "harness.h"

// ---- fences ----------------------------------------------------------------------

static ulong word0(const void *page)
{
	return *(volatile const u64 *)page;
}

// Map gpa -> a, read it through the hardware: the starting point.
static int fence_start(gpte_t *root, ulong gpa, u8 *a)
{
	ulong v = 0, cause;
	if (gstage_map(root, gpa, (ulong)a, PAGE_SIZE, PTE_R | PTE_W))
		return -1;
	cause = hlv_d(gpa, &v);
	if (cause || v != word0(a)) {
		printf("hyp: hlv.d of GPA 0x%lx after gstage_map: cause %lu, value 0x%lx "
		       "(host page holds 0x%lx)\n", gpa, cause, v, word0(a));
		return -1;
	}
	return 0;
}

static void fence_unmap(gpte_t *root, ulong gpa)
{
	ulong v = 0;
	int rc = gstage_unmap(root, gpa, PAGE_SIZE);
	ulong cause = hlv_d(gpa, &v);
	if (rc)
		check_bad(C_FENCE_UNMAP, "gstage_unmap(GPA 0x%lx) returned %d", gpa, rc);
	else if (cause != CAUSE_LOAD_GUEST_PAGE_FAULT)
		check_bad(C_FENCE_UNMAP, "GPA 0x%lx still translated after gstage_unmap (read "
			  "0x%lx): the TLB kept the old entry; fence after the change", gpa, v);
	else
		check_ok(C_FENCE_UNMAP);
}

static void fence_protect(gpte_t *root, ulong gpa, u8 *b)
{
	ulong value = rand_next(&L.rng);
	if (gstage_map(root, gpa, (ulong)b, PAGE_SIZE, PTE_R | PTE_W) ||
	    hsv_d(gpa, value) || word0(b) != value) {
		check_bad(C_FENCE_PROTECT, "could not map GPA 0x%lx again and write it", gpa);
		return;
	}
	int rc = gstage_protect(root, gpa, PAGE_SIZE, PTE_R);
	ulong cause = hsv_d(gpa, ~value);
	if (rc)
		check_bad(C_FENCE_PROTECT, "gstage_protect(GPA 0x%lx, R) returned %d", gpa, rc);
	else if (cause != CAUSE_STORE_GUEST_PAGE_FAULT)
		check_bad(C_FENCE_PROTECT, "GPA 0x%lx still writable after gstage_protect(R) "
			  "(cause %lu): the TLB kept the old entry; fence after the change",
			  gpa, cause);
	else
		check_ok(C_FENCE_PROTECT);
}

// A second table with the same VMID: switching to it must not leave the
// first table's translations in the TLB (Priv. 8.2.10: a reused VMID
// needs HFENCE.GVMA).
static void fence_activate(ulong gpa, u8 *b, u8 *c)
{
	gpte_t *root2 = gstage_create();
	ulong v = 0, cause;
	if (!root2 || gstage_map(root2, gpa, (ulong)c, PAGE_SIZE, PTE_R)) {
		check_bad(C_FENCE_ACTIVATE, "could not build a second table");
		return;
	}
	if (hlv_d(gpa, &v) || v != word0(b)) {     // the old table's entry, now cached
		check_bad(C_FENCE_ACTIVATE, "GPA 0x%lx is not readable through the first table",
			  gpa);
		return;
	}
	gstage_activate(root2, L.vmid);
	cause = hlv_d(gpa, &v);
	if (cause || v != word0(c))
		check_bad(C_FENCE_ACTIVATE, "after gstage_activate(new root, same VMID), GPA 0x%lx "
			  "read 0x%lx (cause %lu), the new table maps 0x%lx: fence after writing "
			  "hgatp", gpa, v, cause, word0(c));
	else
		check_ok(C_FENCE_ACTIVATE);
}

static const char *run_fences(void)
{
	u8 *a = kalloc(), *b = kalloc(), *c = kalloc();
	if (!a || !b || !c)
		return "out of memory";
	fill_pattern(a, PAGE_SIZE, 11);
	fill_pattern(b, PAGE_SIZE, 12);
	fill_pattern(c, PAGE_SIZE, 13);
	gpte_t *root = gstage_create();
	if (!root)
		return "gstage_create() returned NULL";
	L.vmid = 1 + pick(0x3ffe, 1);
	gstage_activate(root, L.vmid);
	ulong gpa = 0xf0000000UL + pick(256 * PAGE_SIZE, PAGE_SIZE);
	if (fence_start(root, gpa, a))
		return "a freshly mapped page could not be read through hgatp: "
		       "check gstage_map and gstage_activate first";
	fence_unmap(root, gpa);
	fence_protect(root, gpa, b);
	fence_activate(gpa, b, c);
	csr_write(hgatp, 0);
	hfence_gvma_all();
	return NULL;
}

// ---- table_api -------------------------------------------------------------------

static int root_empty(const gpte_t *root)
{
	for (int i = 0; i < GSTAGE_ROOT_SIZE / 8; i++)
		if (root[i])
			return 0;
	return 1;
}

static void test_root(gpte_t *r1, gpte_t *r2)
{
	ulong d = (ulong)r1 > (ulong)r2 ? (ulong)r1 - (ulong)r2 : (ulong)r2 - (ulong)r1;
	if (((ulong)r1 | (ulong)r2) & (GSTAGE_ROOT_ALIGN - 1))
		check_bad(C_ROOT, "roots 0x%lx and 0x%lx: must be 16 KiB aligned (Priv. 8.5.1)",
			  (ulong)r1, (ulong)r2);
	else if (d < GSTAGE_ROOT_SIZE)
		check_bad(C_ROOT, "two roots 0x%lx and 0x%lx overlap: each needs 16 KiB",
			  (ulong)r1, (ulong)r2);
	else if (!root_empty(r1) || !root_empty(r2))
		check_bad(C_ROOT, "a new root must be all zero (2048 invalid entries)");
	else
		check_ok(C_ROOT);
}

static void test_hgatp(gpte_t *root)
{
	ulong vmids[] = { 1 + pick(0x3ffe, 1), 0x3fff, 0 };
	for (ulong i = 0; i < ARRAY_SIZE(vmids); i++) {
		ulong want = HGATP_MODE_SV39X4 << HGATP_MODE_SHIFT |
			     vmids[i] << HGATP_VMID_SHIFT | (ulong)root >> PAGE_SHIFT;
		ulong got = gstage_hgatp(root, vmids[i]);
		if (got != want) {
			check_bad(C_HGATP_FN, "gstage_hgatp(0x%lx, VMID 0x%lx) = 0x%lx; expected 0x%lx",
				  (ulong)root, vmids[i], got, want);
			return;
		}
	}
	check_ok(C_HGATP_FN);
}

// Each of these must be refused, and leave the table untouched.
static void test_bad_args(gpte_t *root, ulong gpa, u8 *h)
{
	static const struct { ulong gpa_delta, hpa_delta, size, perms; const char *what; } bad[] = {
		{ 0x800, 0, PAGE_SIZE, PTE_R | PTE_W, "a misaligned GPA" },
		{ 0, 8, PAGE_SIZE, PTE_R | PTE_W, "a misaligned host address" },
		{ 0, 0, PAGE_SIZE + 0x800, PTE_R | PTE_W, "a misaligned size" },
		{ 0, 0, 0, PTE_R | PTE_W, "size 0" },
		{ 0, 0, PAGE_SIZE, 0, "no permission at all (R=W=X=0 means a pointer)" },
		{ 0, 0, PAGE_SIZE, PTE_W, "W without R (reserved, Priv. 4.3.1)" },
		{ 0, 0, PAGE_SIZE, PTE_W | PTE_X, "W without R (reserved, Priv. 4.3.1)" },
	};
	for (ulong i = 0; i < ARRAY_SIZE(bad); i++) {
		int rc = gstage_map(root, gpa + bad[i].gpa_delta, (ulong)h + bad[i].hpa_delta,
				    bad[i].size, bad[i].perms);
		if (rc != -1 || !root_empty(root)) {
			check_bad(C_BAD_ARGS, "gstage_map with %s returned %d%s", bad[i].what, rc,
				  root_empty(root) ? "" : " and changed the table");
			return;
		}
	}
	ulong top = 1UL << GSTAGE_GPA_BITS;
	if (gstage_map(root, top, (ulong)h, PAGE_SIZE, PTE_R) != -1 ||
	    gstage_map(root, top - PAGE_SIZE, (ulong)h, 2 * PAGE_SIZE, PTE_R) != -1 ||
	    gstage_map(root, -PAGE_SIZE, (ulong)h, 2 * PAGE_SIZE, PTE_R) != -1) {
		check_bad(C_BAD_ARGS, "gstage_map accepted a range that leaves the 2^41 "
			  "guest-physical space");
		return;
	}
	if (gstage_map(root, gpa, (ulong)h, PAGE_SIZE, PTE_R | PTE_W))
		check_bad(C_BAD_ARGS, "after the bad calls, a good gstage_map failed");
	else
		check_ok(C_BAD_ARGS);
}

static void test_overlap(gpte_t *root, ulong gpa, u8 *h, u8 *big)
{
	ulong m = gpa + 2 * MEGA_SIZE - (gpa & (MEGA_SIZE - 1));   // 2 MiB aligned
	if (gstage_map(root, gpa, (ulong)h, PAGE_SIZE, PTE_R) != -1)
		check_bad(C_OVERLAP, "mapping GPA 0x%lx a second time did not fail", gpa);
	else if (gstage_translate(root, gpa, NULL) != (ulong)h)
		check_bad(C_OVERLAP, "a refused second map changed the first mapping");
	else if (gstage_map(root, m, (ulong)big, MEGA_SIZE, PTE_R))
		check_bad(C_OVERLAP, "gstage_map of 2 MiB at GPA 0x%lx failed", m);
	else if (gstage_map(root, m + 5 * PAGE_SIZE, (ulong)h, PAGE_SIZE, PTE_R) != -1)
		check_bad(C_OVERLAP, "a 4 KiB map inside the 2 MiB leaf at 0x%lx did not fail", m);
	else if (gstage_map(root, m + MEGA_SIZE + PAGE_SIZE, (ulong)h, PAGE_SIZE, PTE_R) ||
		 gstage_map(root, m + MEGA_SIZE, (ulong)big, MEGA_SIZE, PTE_R) != -1)
		check_bad(C_OVERLAP, "a 2 MiB map over a table of 4 KiB leaves did not fail");
	else
		check_ok(C_OVERLAP);
}

// 11 index bits at the root: GPAs 2^40 - 4 KiB and 2^41 - 4 KiB use root
// entries 1023 and 2047 (a 9-bit index would put them in 511).
static void test_top(gpte_t *root, u8 *h)
{
	ulong hi = (1UL << 41) - PAGE_SIZE, mid = (1UL << 40) - PAGE_SIZE, v = 0;
	char why[120];
	struct gleaf leaf;
	if (gstage_map(root, hi, (ulong)h, PAGE_SIZE, PTE_R) ||
	    gstage_map(root, mid, (ulong)h, PAGE_SIZE, PTE_R)) {
		check_bad(C_TOP_OF_RANGE, "gstage_map at GPA 0x%lx or 0x%lx failed", hi, mid);
	} else if (gwalk(root, hi, &leaf, why, sizeof(why))) {
		check_bad(C_TOP_OF_RANGE, "GPA 0x%lx (root entry 2047): %s", hi, why);
	} else if (leaf.hpa != (ulong)h) {
		check_bad(C_TOP_OF_RANGE, "GPA 0x%lx (root entry 2047) leads to 0x%lx, not 0x%lx",
			  hi, leaf.hpa, (ulong)h);
	} else if (hlv_d(mid, &v) || v != word0(h)) {
		// QEMU 7.2 faults on every GPA with bit 40 set, so the hardware
		// check uses the highest GPA below 2^40: root entry 1023.
		check_bad(C_TOP_OF_RANGE, "the hardware could not read GPA 0x%lx (root entry 1023)",
			  mid);
	} else {
		check_ok(C_TOP_OF_RANGE);
	}
}

static void test_translate(gpte_t *root, ulong gpa, u8 *h, u8 *big)
{
	ulong m = 0x40000000UL * 3 + MEGA_SIZE * pick(512, 1);    // its own 1 GiB
	ulong off = pick(PAGE_SIZE, 1), moff = pick(MEGA_SIZE, 1), perms = 0, got;
	if (gstage_map(root, m, (ulong)big, MEGA_SIZE, PTE_R | PTE_X)) {
		check_bad(C_TRANSLATE, "gstage_map of 2 MiB at GPA 0x%lx failed", m);
		return;
	}
	if ((got = gstage_translate(root, gpa + off, &perms)) != (ulong)h + off ||
	    perms != (PTE_R | PTE_W))
		check_bad(C_TRANSLATE, "gstage_translate(0x%lx) = 0x%lx perms 0x%lx; expected "
			  "0x%lx perms 0x%lx", gpa + off, got, perms, (ulong)h + off, PTE_R | PTE_W);
	else if ((got = gstage_translate(root, m + moff, &perms)) != (ulong)big + moff ||
		 perms != (PTE_R | PTE_X))
		check_bad(C_TRANSLATE, "gstage_translate(0x%lx) = 0x%lx perms 0x%lx in a 2 MiB "
			  "leaf; expected 0x%lx perms 0x%lx", m + moff, got, perms, (ulong)big + moff,
			  PTE_R | PTE_X);
	else if (gstage_translate(root, gpa + PAGE_SIZE, NULL) != -1UL ||
		 gstage_translate(root, gpa + (1UL << 41), NULL) != -1UL)
		check_bad(C_TRANSLATE, "gstage_translate of an unmapped GPA (or one of 2^41 or "
			  "more) must return -1");
	else
		check_ok(C_TRANSLATE);
}

static void test_unmap(gpte_t *root, ulong gpa, u8 *h2)
{
	ulong hole = gpa + 64 * PAGE_SIZE;
	char why[120];
	struct gleaf leaf;
	int rc = gstage_unmap(root, gpa, PAGE_SIZE);
	if (gstage_unmap(root, hole, PAGE_SIZE) != -1)
		check_bad(C_UNMAP_API, "gstage_unmap of an unmapped GPA 0x%lx did not fail", hole);
	else if (rc)
		check_bad(C_UNMAP_API, "gstage_unmap(GPA 0x%lx) returned %d", gpa, rc);
	else if (!gwalk(root, gpa, &leaf, why, sizeof(why)))
		check_bad(C_UNMAP_API, "after gstage_unmap, GPA 0x%lx still has a leaf", gpa);
	else if (gstage_translate(root, gpa, NULL) != -1UL)
		check_bad(C_UNMAP_API, "after gstage_unmap, gstage_translate(0x%lx) != -1", gpa);
	else if (gstage_map(root, gpa, (ulong)h2, PAGE_SIZE, PTE_R | PTE_W) ||
		 gstage_translate(root, gpa, NULL) != (ulong)h2)
		check_bad(C_UNMAP_API, "mapping GPA 0x%lx again after the unmap failed", gpa);
	else
		check_ok(C_UNMAP_API);
}

static void test_protect(gpte_t *root, ulong gpa, u8 *h2)
{
	char why[120], b[16];
	struct gleaf leaf;
	ulong perms = 0;
	if (gstage_protect(root, gpa + 64 * PAGE_SIZE, PAGE_SIZE, PTE_R) != -1)
		check_bad(C_PROTECT_API, "gstage_protect of an unmapped GPA did not fail");
	else if (gstage_protect(root, gpa, PAGE_SIZE, 0) != -1 ||
		 gstage_protect(root, gpa, PAGE_SIZE, PTE_W) != -1)
		check_bad(C_PROTECT_API, "gstage_protect to no permission, or to W without R, "
			  "must fail (use gstage_unmap to remove access)");
	else if (gstage_protect(root, gpa, PAGE_SIZE, PTE_R | PTE_X))
		check_bad(C_PROTECT_API, "gstage_protect(GPA 0x%lx, R|X) failed", gpa);
	else if (gstage_translate(root, gpa, &perms) != (ulong)h2 || perms != (PTE_R | PTE_X))
		check_bad(C_PROTECT_API, "after gstage_protect(R|X): translate gives perms 0x%lx",
			  perms);
	else if (gwalk(root, gpa, &leaf, why, sizeof(why)))
		check_bad(C_PROTECT_API, "after gstage_protect(R|X), GPA 0x%lx: %s", gpa, why);
	else if ((leaf.pte & (PTE_V | PTE_U | PTE_RWX)) != (PTE_V | PTE_U | PTE_R | PTE_X))
		check_bad(C_PROTECT_API, "after gstage_protect(R|X) the leaf is %s; expected V, "
			  "R, X and U", pte_bits(leaf.pte, b));
	else
		check_ok(C_PROTECT_API);
}

static const char *run_table_api(void)
{
	gpte_t *r1 = gstage_create(), *r2 = gstage_create();
	u8 *h = kalloc(), *h2 = kalloc(), *big = kalloc_pages(MEGA_SIZE / PAGE_SIZE, MEGA_SIZE);
	if (!h || !h2 || !big)
		return "out of memory";
	if (!r1 || !r2)
		return "gstage_create() returned NULL";
	fill_pattern(h, PAGE_SIZE, 21);
	test_root(r1, r2);
	test_hgatp(r1);
	// Somewhere in the low half of a 2 MiB block of [2 GiB, 3 GiB) + k * 4 GiB:
	// room for the 2 MiB leaves of test_overlap above it and a hole below
	// those; test_translate works in [3 GiB, 4 GiB).
	ulong gpa = 0x80000000UL + pick((1UL << 30) - 8 * MEGA_SIZE, MEGA_SIZE) +
		    pick(MEGA_SIZE / 2, PAGE_SIZE) + (pick(64, 1) << 32);
	test_bad_args(r1, gpa, h);              // leaves gpa -> h mapped
	test_overlap(r1, gpa, h, big);
	test_translate(r1, gpa, h, big);
	test_unmap(r1, gpa, h2);                // leaves gpa -> h2 mapped
	test_protect(r1, gpa, h2);
	L.vmid = 1;
	gstage_activate(r2, L.vmid);
	test_top(r2, h);
	csr_write(hgatp, 0);
	hfence_gvma_all();
	return NULL;
}

const struct scenario table_scenarios[] = {
	{ "fences", (const enum lab5_check[]){ C_FENCE_UNMAP, C_FENCE_PROTECT, C_FENCE_ACTIVATE },
	  3, NULL, NULL, NULL, run_fences },
	{ "table_api", (const enum lab5_check[]){ C_ROOT, C_HGATP_FN, C_BAD_ARGS, C_OVERLAP,
						   C_TOP_OF_RANGE, C_TRANSLATE, C_UNMAP_API,
						   C_PROTECT_API },
	  8, NULL, NULL, NULL, run_table_api },
};
const int ntable_scenarios = ARRAY_SIZE(table_scenarios);
