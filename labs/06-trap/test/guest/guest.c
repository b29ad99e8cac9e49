// Lab 6 test guest: triggers one kind of exit per test and checks, from the
// inside, that the hypervisor resumed it at the right place.
#include "guest.h"
#include "memlayout.h"
#include "../lab6.h"

long probe_load32(ulong gpa);
long probe_store32(ulong gpa);
long probe_load16(ulong gpa);
long probe_store16(ulong gpa);
long probe_fetch(ulong gpa);
void probe_wfi(void);
ulong probe_hcsr_read(void);
void probe_hcsr_write(ulong v);
void probe_ebreak(ulong a0);

static ulong seed;

static struct sbiret hypercall(ulong nr, ulong a0, ulong a1, ulong a2)
{
	return sbi_ecall(SBI_EXT_RVHLAB_HYPERCALL, nr, a0, a1, a2, 0, 0, 0);
}

// ---------------------------------------------------------------- ecall
static void test_ecall(void)
{
	ulong a[6];
	for (int k = 0; k < 6; k++)
		a[k] = SEEDED(k + 1, seed);
	struct sbiret r = sbi_ecall(SBI_EXT_RVHLAB_HYPERCALL, seed, a[0], a[1], a[2], a[3],
				    a[4], a[5]);
	ulong want = seed + a[0] + a[1] + a[2] + a[3] + a[4] + a[5];
	check("hypercall_ret", r.error == 0 && (ulong)r.value == want,
	      "expected a0=0 a1=0x%lx (set by the harness), got a0=%ld a1=0x%lx", want, r.error,
	      (ulong)r.value);
	for (int k = 0; k < 6; k++)
		a[k] = SEEDED(k + 7, seed);
	r = sbi_ecall(TEST_SBI_EID, seed, a[0], a[1], a[2], a[3], a[4], a[5]);
	check("sbi_ret", r.error == SBI_ERR_NOT_SUPPORTED,
	      "expected SBI_ERR_NOT_SUPPORTED from the stand-in SBI, got %ld", r.error);
}

// ---------------------------------------------------------------- guest-page faults
static void test_gpf_load(void)
{
	long r = probe_load32(GPA_LOAD32(seed));
	check("load32_resumed", r == 1,
	      "probe returned %ld (1: resumed right after the 4-byte lb)", r);
	r = probe_load16(GPA_LOAD16(seed));
	check("load16_resumed", r == 1,
	      "probe returned %ld (1: resumed right after the 2-byte c.lw, 0: 2 bytes too far)", r);
}

static void test_gpf_store(void)
{
	long r = probe_store32(GPA_STORE32(seed));
	check("store32_resumed", r == 1,
	      "probe returned %ld (1: resumed right after the 4-byte sb)", r);
	r = probe_store16(GPA_STORE16(seed));
	check("store16_resumed", r == 1,
	      "probe returned %ld (1: resumed right after the 2-byte c.sd, 0: 2 bytes too far)", r);
}

static void test_gpf_fetch(void)
{
	long r = probe_fetch(GPA_FETCH(seed));
	check("fetch_returned", r == 1, "probe returned %ld (1: back from the jump to nowhere)", r);
}

// ---------------------------------------------------------------- virtual instructions
static void test_wfi(void)
{
	probe_wfi();
	check("wfi_returned", 1, NULL);
}

static void test_hcsr(void)
{
	ulong got = probe_hcsr_read();
	check("hcsr_read_emulated", got == HCSR_READ_VALUE(seed),
	      "csrr a4, hstatus gave 0x%lx; the harness writes 0x%lx into the decoded rd", got,
	      HCSR_READ_VALUE(seed));
	probe_hcsr_write(seed);
	check("hcsr_write_returned", 1, NULL);
}

// ---------------------------------------------------------------- timer
static void test_timer(void)
{
	const ulong delta = 5000;
	hypercall(HC_ARM_TIMER, delta, 0, 0);
	ulong start = rdtime();
	while (rdtime() - start < 4 * delta)
		;
	struct sbiret r = hypercall(HC_TIMER_DONE, 0, 0, 0);
	check("timer_resumed", r.error == 0, "HC_TIMER_DONE returned %ld", r.error);
}

// ---------------------------------------------------------------- copies, with paging on
#define PTE_BITS_RWX (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define PTE_BITS_RW  (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define PTE_BITS_RO  (PTE_V | PTE_R | PTE_A)

static ulong pt_root[512] __attribute__((aligned(4096)));
static ulong pt_l1[512] __attribute__((aligned(4096)));
static ulong pt_l0[512] __attribute__((aligned(4096)));
static u8 frames[4][4096] __attribute__((aligned(4096)));

static ulong pte(ulong pa, ulong bits)
{
	return (pa >> PAGE_SHIFT) << PTE_PPN_SHIFT | bits;
}

// Sv39 (Priv. 4.4): the guest's code and data stay identity mapped by a
// 1 GiB leaf at 0x80000000; VA_WINDOW gets 4 KiB pages whose frames are
// NOT in VA order, so a copy that translates only its first byte fails.
static void paging_on(void)
{
	pt_root[(GUEST_RAM_GPA >> 30) & 511] = pte(GUEST_RAM_GPA, PTE_BITS_RWX);
	pt_root[(VA_WINDOW >> 30) & 511] = pte((ulong)pt_l1, PTE_V);
	pt_l1[(VA_WINDOW >> 21) & 511] = pte((ulong)pt_l0, PTE_V);
	pt_l0[0] = pte((ulong)frames[2], PTE_BITS_RW);      // VA_PAGE0
	pt_l0[1] = pte((ulong)frames[0], PTE_BITS_RW);      // VA_PAGE1
	pt_l0[2] = 0;                                       // VA_HOLE
	pt_l0[3] = pte(GPA_NORAM(seed), PTE_BITS_RW);       // VA_NOGPA
	pt_l0[4] = pte((ulong)frames[3], PTE_BITS_RO);      // VA_RO
	asm volatile("sfence.vma zero, zero" ::: "memory");
	csr_write(satp, SATP_MODE_SV39 << SATP_MODE_SHIFT | (ulong)pt_root >> PAGE_SHIFT);
	asm volatile("sfence.vma zero, zero" ::: "memory");
}

static long copy_call(ulong nr, ulong gva, ulong len, ulong tag)
{
	return hypercall(nr, gva, len, tag).error;
}

static void test_copy_from(void)
{
	char s[COPY_MAX];
	paging_on();
	snprintf(s, sizeof(s), "lab6 copy_from_guest %08lx: this string crosses a page boundary",
		 seed);
	ulong gva = VA_PAGE1 - COPY_FROM_OFFSET(seed);
	memcpy((char *)gva, s, strlen(s) + 1);
	long rc = copy_call(HC_COPY_FROM, gva, strlen(s) + 1, TAG_COPY_FROM);
	check("copy_from_rc", rc == 0, "the hypercall returned %ld", rc);
}

static void test_copy_to(void)
{
	paging_on();
	char *window = (char *)VA_PAGE0;
	memset(window, '#', 2 * PAGE_SIZE);
	ulong gva = VA_PAGE1 - COPY_TO_OFFSET(seed);
	ulong len = 64;
	long rc = copy_call(HC_COPY_TO, gva, len, TAG_COPY_TO);
	fact("copy_to_seen", "rc=%ld str=%s", rc, (char *)gva);
	int intact = window[gva - VA_PAGE0 - 1] == '#' && window[gva - VA_PAGE0 + len] == '#';
	check("copy_to_bounds", intact, "the bytes just outside the %lu-byte buffer: %s", len,
	      intact ? "untouched" : "overwritten");
}

static void test_copy_bad(void)
{
	paging_on();
	memset(frames[3], 'r', 16);          // VA_RO's frame, through the 1 GiB map
	// Starts 16 bytes before the hole: the copy must stop there, not crash,
	// with those 16 bytes copied.
	for (int i = 0; i < 16; i++)
		((char *)VA_HOLE - 16)[i] = (char)('a' + i);
	copy_call(HC_COPY_FROM, VA_HOLE - 16, 32, TAG_BAD_VS);
	copy_call(HC_COPY_FROM, VA_NOGPA + 0x10, 8, TAG_BAD_G);
	copy_call(HC_COPY_TO, VA_RO + 8, 8, TAG_BAD_RO);
	int ro_intact = ((char *)VA_RO)[8] == 'r';
	check("copy_bad_survived", ro_intact, "the read-only page after the refused write: %s",
	      ro_intact ? "unchanged" : "changed");
}

// ---------------------------------------------------------------- unknown cause
static void test_unknown(void)
{
	printf("guest: ebreak next (the harness un-delegated breakpoints)\n");
	probe_ebreak(seed);
	printf("guest: still running after ebreak\n");
}

static const struct {
	const char *name;
	void (*run)(void);
} tests[] = {
	{ "ecall", test_ecall },         { "gpf_load", test_gpf_load },
	{ "gpf_store", test_gpf_store }, { "gpf_fetch", test_gpf_fetch },
	{ "wfi", test_wfi },             { "hcsr", test_hcsr },
	{ "timer", test_timer },         { "copy_from", test_copy_from },
	{ "copy_to", test_copy_to },     { "copy_bad", test_copy_bad },
	{ "unknown", test_unknown },
};

int guest_main(ulong hartid, ulong arg)
{
	UNUSED(arg);
	// Our own vstvec: a trap the hypervisor delegates (an illegal
	// instruction after a wrong sepc advance) is reported, not a hang.
	csr_write(stvec, guest_trapvec);
	seed = run_seed();
	printf("guest: lab 6 test guest on hart %lu, test '%s'\n", hartid, run_test());
	for (ulong i = 0; i < ARRAY_SIZE(tests); i++) {
		if (!strcmp(run_test(), tests[i].name)) {
			tests[i].run();
			printf("guest: test '%s' done\n", tests[i].name);
			return 0;
		}
	}
	printf("guest: no test named '%s'\n", run_test());
	return 1;
}
