// Lab 4 test guest (VS-mode): one image, four scenarios, chosen by the
// test name in the bootargs like the harness (test/harness.c).
#include "lab4guest.h"

ulong hypercall(ulong fid, ulong a0, ulong a1)
{
	return (ulong)sbi_ecall(SBI_EXT_RVHLAB_HYPERCALL, fid, a0, a1, 0, 0, 0, 0).error;
}

// ---- torture ----------------------------------------------------------------

struct reg_fail {
	ulong calls;              // calls with at least one wrong register
	ulong call;               // the first of them
	int   reg;
	ulong want, got;
};

// One call: every register from the seed, a6/a7 the hypercall; afterwards
// a0/a1 must be the hypervisor's answers and the other 29 unchanged.
static void torture_call(ulong seed, ulong call, struct reg_fail *f)
{
	ulong frame[32], want[32];
	for (int r = 1; r < 32; r++)
		frame[r] = torture_value(seed, call, r);
	frame[0] = 0;
	frame[REG_A6] = HC_TORTURE;
	frame[REG_A7] = SBI_EXT_RVHLAB_HYPERCALL;
	memcpy(want, frame, sizeof(want));
	want[REG_A0] = torture_ret0(&frame[REG_A0]);
	want[REG_A1] = torture_ret1(&frame[REG_A0]);
	regfill_ecall(frame);
	for (int r = 1; r < 32; r++) {
		if (frame[r] == want[r])
			continue;
		if (!f->calls++) {
			f->call = call;
			f->reg = r;
			f->want = want[r];
			f->got = frame[r];
		}
		return;
	}
}

static int torture(void)
{
	struct reg_fail f = { 0 };
	ulong seed = run_seed();
	hypercall(HC_HELLO, (ulong)regfill_ecall_pc, 0);
	for (ulong call = 0; call < TORTURE_CALLS; call++)
		torture_call(seed, call, &f);
	hypercall(HC_DONE, TORTURE_CALLS, 0);
	if (f.calls)
		check("torture_guest_regs", 0, "call %lu: %s = 0x%lx after the ecall, expected 0x%lx "
		      "(%lu of %d calls wrong)", f.call, reg_name(f.reg), f.got, f.want, f.calls,
		      TORTURE_CALLS);
	else
		check("torture_guest_regs", 1, "%d calls, all registers as expected", TORTURE_CALLS);
	return 0;
}

// ---- hyp_state ----------------------------------------------------------------

// Junk in every register, including sp, gp, tp and ra: a world switch that
// forgets to restore one of the hypervisor's shows it at once.
static int hyp_state(void)
{
	ulong seed = run_seed(), calls = 64 + seed % 64;
	for (ulong call = 0; call < calls; call++) {
		ulong frame[32];
		for (int r = 1; r < 32; r++)
			frame[r] = mix64(seed ^ (call << 24) ^ ((ulong)r << 8) ^ 0x6a6b);
		frame[REG_A6] = HC_JUNK;
		frame[REG_A7] = SBI_EXT_RVHLAB_HYPERCALL;
		regfill_ecall(frame);
	}
	hypercall(HC_DONE, calls, 0);
	return 0;
}

// ---- exit_count -----------------------------------------------------------------

// VS-mode may not read hstatus: virtual-instruction exception (22).
static void read_hstatus(void)
{
	ulong x;
	asm volatile(".option push\n.option norvc\ncsrr %0, hstatus\n.option pop"
		     : "=r"(x) : : "memory");
	UNUSED(x);
}

// n null hypercalls in a tight loop (ecall, addi, bnez), timed by instret.
static ulong roundtrip_insns(ulong n)
{
	register ulong a6 asm("a6") = HC_NULL;
	register ulong a7 asm("a7") = SBI_EXT_RVHLAB_HYPERCALL;
	ulong left = n, start = rdinstret();
	asm volatile("1: ecall\n addi %0, %0, -1\n bnez %0, 1b"
		     : "+r"(left) : "r"(a6), "r"(a7) : "a0", "a1", "memory");
	return (rdinstret() - start) / n;
}

static int exit_count(void)
{
	ulong seed = run_seed(), state = seed | 1;
	ulong total = 16 + seed % 48, virt = 0;
	hypercall(HC_COUNT_BEGIN, 0, 0);
	for (ulong i = 0; i < total; i++) {
		if ((rand_next(&state) & 3) == 0) {
			read_hstatus();
			virt++;
		} else {
			hypercall(HC_NULL, i, 0);
		}
	}
	hypercall(HC_COUNT_END, total, virt);
	printf("guest: caused %lu exits, %lu of them virtual-instruction traps\n", total, virt);
	fact("ecall_roundtrip_insns", "%lu", roundtrip_insns(200));
	hypercall(HC_DONE, total, 0);
	return 0;
}

int guest_main(ulong hartid, ulong arg)
{
	UNUSED(hartid);
	UNUSED(arg);
	const char *test = run_test()[0] ? run_test() : "torture";
	if (!strcmp(test, "torture"))
		return torture();
	if (!strcmp(test, "hyp_state"))
		return hyp_state();
	if (!strcmp(test, "two_vcpus"))
		return two_vcpus_main();
	if (!strcmp(test, "exit_count"))
		return exit_count();
	printf("guest: unknown test '%s'\n", test);
	return 1;
}
