// Lab 5 test guest: runs at GPA 0x80000000 in memory that the harness
// mapped with your gstage_map(). It asks the harness where this run's test
// pages are (their GPAs come from the seed), touches them with one probe
// each (probe.S) at offsets it picks from the seed, and reports every
// outcome. The harness, not the guest, decides pass or fail (see lab5.h).
#include "guest.h"
#include "../lab5.h"

struct probe {
	ulong value;
	ulong faulted;
};
struct probe probe_ld(ulong gpa);
struct probe probe_lbu(ulong gpa);
struct probe probe_sd(ulong gpa, ulong value);
struct probe probe_sb(ulong gpa, ulong value);
struct probe probe_call(ulong gpa);
extern char probe_code_start[], probe_code_end[];

static ulong rng;    // offsets and values: from the run's seed

static ulong hc(ulong fid, ulong a0, ulong a1, ulong a2, ulong a3)
{
	return sbi_ecall(LAB5_EID, fid, a0, a1, a2, a3, 0, 0).error;
}

static ulong addr(enum lab5_addr which)
{
	return hc(HC_ADDR, which, 0, 0, 0);
}

static ulong action(enum lab5_action what)
{
	return hc(HC_ACTION, what, 0, 0, 0);
}

// A seed-derived offset in [0, span), a multiple of align.
static ulong pick(ulong span, ulong align)
{
	return rand_next(&rng) % (span / align) * align;
}

static struct probe probe(enum lab5_kind kind, ulong gpa, ulong value)
{
	switch (kind) {
	case K_LD:   return probe_ld(gpa);
	case K_LBU:  return probe_lbu(gpa);
	case K_SD:   return probe_sd(gpa, value);
	case K_SB:   return probe_sb(gpa, value);
	default:     return probe_call(gpa);
	}
}

// Probe once and tell the harness what happened.
static void probe_report(enum lab5_check check, enum lab5_kind kind, ulong gpa, ulong value)
{
	struct probe p = probe(kind, gpa, value);
	hc(HC_REPORT, check | kind << 8, gpa, p.faulted, p.value);
}

// A byte store that must change the byte if it goes through: the guest
// reads the byte first (the page is readable) and writes its complement.
static void probe_flip_byte(enum lab5_check check, ulong gpa)
{
	struct probe old = probe_lbu(gpa);
	probe_report(check, K_SB, gpa, ~old.value & 0xff);
}

static void test_guest_reads(void)
{
	ulong data = addr(A_DATA);
	probe_report(C_READS, K_LD, data, 0);
	probe_report(C_READS, K_LD, data + PAGE_SIZE - 8, 0);
	for (int i = 0; i < 4; i++)
		probe_report(C_READS, K_LD, data + pick(PAGE_SIZE, 8), 0);
	probe_report(C_READS, K_LBU, data + pick(PAGE_SIZE, 1), 0);
	probe_report(C_WRITES, K_SD, data + pick(PAGE_SIZE, 8), rand_next(&rng));
	probe_report(C_WRITES, K_SB, data + pick(PAGE_SIZE, 1), rand_next(&rng) & 0xff);
}

static void test_store_fault(void)
{
	ulong ro = addr(A_RO), rw = addr(A_RW);
	probe_report(C_RO_LOAD, K_LD, ro + pick(PAGE_SIZE, 8), 0);
	probe_flip_byte(C_RO_STORE, ro + pick(PAGE_SIZE, 1));
	probe_flip_byte(C_RO_STORE, ro + pick(PAGE_SIZE, 1));
	probe_flip_byte(C_PROTECT_R, rw + pick(PAGE_SIZE, 1));    // still RW
	action(ACT_PROTECT_R);
	probe_flip_byte(C_PROTECT_R, rw + pick(PAGE_SIZE, 1));    // now read-only
	probe_report(C_PROTECT_R, K_LD, rw + pick(PAGE_SIZE, 8), 0);
	action(ACT_PROTECT_RW);
	probe_flip_byte(C_PROTECT_RW, rw + pick(PAGE_SIZE, 1));
}

static void test_load_fault(void)
{
	ulong end = addr(A_RAM_END), hole = addr(A_HOLE), gone = addr(A_UNMAP);
	probe_report(C_LOAD_UNMAPPED, K_LBU, end + pick(PAGE_SIZE, 1), 0);
	probe_report(C_LOAD_UNMAPPED, K_LD, hole + pick(PAGE_SIZE, 8), 0);
	probe_report(C_LOAD_UNMAPPED, K_LBU, hole + pick(PAGE_SIZE, 1), 0);
	probe_report(C_UNMAP, K_LD, gone + pick(PAGE_SIZE, 8), 0);        // still mapped
	action(ACT_UNMAP);
	probe_report(C_UNMAP, K_LD, gone + pick(PAGE_SIZE, 8), 0);
	probe_report(C_UNMAP, K_LBU, gone + pick(PAGE_SIZE, 1), 0);
}

static void test_fetch_fault(void)
{
	probe_report(C_FETCH_EXEC, K_CALL, addr(A_CODE_X), 0);
	probe_report(C_FETCH_UNMAPPED, K_CALL, addr(A_HOLE) + pick(PAGE_SIZE, 2), 0);
	probe_report(C_FETCH_NOEXEC, K_CALL, addr(A_CODE_NX), 0);
}

static void test_megapage(void)
{
	ulong m = addr(A_MEGA);
	probe_report(C_MEGA_READS, K_LD, m, 0);                           // first doubleword
	probe_report(C_MEGA_READS, K_LD, m + MEGA_SIZE - 8, 0);          // last doubleword
	probe_report(C_MEGA_READS, K_LD, m + pick(MEGA_SIZE, 8), 0);
	probe_report(C_MEGA_READS, K_LD, m - 8, 0);                       // the 4 KiB page before
	probe_report(C_MEGA_READS, K_LD, m + MEGA_SIZE, 0);              // the 4 KiB page after
}

static void test_remap(void)
{
	ulong r = addr(A_REMAP);
	ulong a = pick(PAGE_SIZE, 8), b = pick(PAGE_SIZE, 8);
	probe_report(C_REMAP_BEFORE, K_LD, r + a, 0);
	action(ACT_REMAP);
	probe_report(C_REMAP_AFTER, K_LD, r + a, 0);
	probe_report(C_REMAP_AFTER, K_LD, r + b, 0);
	probe_report(C_REMAP_WRITE, K_SD, r + pick(PAGE_SIZE, 8), rand_next(&rng));
}

static void test_isolation(void)
{
	ulong next = addr(A_ISO_NEXT), canary = addr(A_ISO_CANARY);
	probe_report(C_ISO_FAULTS, K_LD, next - PAGE_SIZE, 0);            // the one mapped page
	probe_report(C_ISO_FAULTS, K_LD, next + pick(PAGE_SIZE, 8), 0);
	probe_report(C_ISO_FAULTS, K_SB, next + pick(PAGE_SIZE, 1), 0x5a);
	probe_report(C_ISO_FAULTS, K_LD, next - PAGE_SIZE + MEGA_SIZE - 8, 0);
	probe_report(C_ISO_FAULTS, K_LD, canary + pick(PAGE_SIZE, 8), 0);
	probe_report(C_ISO_FAULTS, K_SD, canary + pick(PAGE_SIZE, 8), rand_next(&rng));
	probe_report(C_ISO_FAULTS, K_LD, addr(A_ISO_HIGH) + pick(PAGE_SIZE, 8), 0);
	probe_report(C_ISO_FAULTS, K_LD, addr(A_ISO_ROOT) + pick(PAGE_SIZE, 8), 0);
	probe_report(C_ISO_FAULTS, K_LBU, addr(A_RAM_END) + pick(PAGE_SIZE, 1), 0);
}

static const struct {
	const char *name;
	void (*run)(void);
} tests[] = {
	{ "guest_reads", test_guest_reads },
	{ "store_fault", test_store_fault },
	{ "load_fault", test_load_fault },
	{ "fetch_fault", test_fetch_fault },
	{ "megapage", test_megapage },
	{ "remap", test_remap },
	{ "isolation", test_isolation },
};

int guest_main(ulong hartid, ulong arg)
{
	UNUSED(arg);
	rng = run_seed() ^ 0x6a09e667f3bcc908UL;
	hc(HC_HELLO, (ulong)probe_code_start, (ulong)probe_code_end, 0, 0);
	printf("guest: hart %lu running at GPA %p, test %s\n", hartid, (void *)guest_main,
	       run_test());
	for (ulong i = 0; i < ARRAY_SIZE(tests); i++)
		if (!strcmp(run_test(), tests[i].name))
			tests[i].run();
	hc(HC_DONE, 0, 0, 0, 0);
	return 0;
}
