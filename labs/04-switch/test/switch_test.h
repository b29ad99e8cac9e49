// switch_test.h: what the lab 4 harness (test/*.c) and its guest
// (test/guest/*) agree on: the hypercalls the guest makes and the
// seed-derived values both sides compute independently.
//
// Every hypercall is an SBI call (SBI spec 3: a7 = EID, a6 = FID, a0-a5 =
// arguments, a0/a1 = results) with EID SBI_EXT_RVHLAB_HYPERCALL, which the
// firmware-specific range 0x0A000000-0x0AFFFFFF leaves to us.
#ifndef SWITCH_TEST_H
#define SWITCH_TEST_H

#include "types.h"

// Function IDs (a6).
#define HC_HELLO        0   // a0 = address of the ecall in regfill_ecall (its sepc)
#define HC_TORTURE      1   // torture: every GPR holds torture_value(seed, call, reg)
#define HC_JUNK         2   // hyp_state: every GPR holds junk; no answer expected
#define HC_DONE         3   // a0 = how many calls of this scenario the guest made
#define HC_VCPU1_ENTRY  4   // two_vcpus: a0 = where vCPU 1 starts
#define HC_YIELD        5   // two_vcpus: a0 = vCPU id, a1 = round; run the other vCPU
#define HC_COUNT_BEGIN  6   // exit_count: start counting exits
#define HC_COUNT_END    7   // exit_count: a0 = exits caused since BEGIN, a1 = of them
			    // virtual-instruction traps
#define HC_NULL         8   // does nothing: the cost of one round trip

#define TORTURE_CALLS   1000
#define TWO_VCPU_ROUNDS 100

// One 64-bit mixing step (the splitmix64 finaliser): nearby inputs give
// unrelated outputs, so a register copied to the wrong slot cannot match.
static inline ulong mix64(ulong x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9UL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebUL;
	x ^= x >> 31;
	return x;
}

// The value register x<reg> carries in torture call number <call>.
static inline ulong torture_value(ulong seed, ulong call, ulong reg)
{
	return mix64(seed ^ (call << 16) ^ (reg << 8) ^ 0x5157);
}

// The hypervisor's answers to HC_TORTURE, computed from the arguments only,
// so the guest can predict them: a = the guest's a0..a5.
static inline ulong torture_ret0(const ulong *a)
{
	return ((a[0] << 13) | (a[0] >> 51)) ^ a[1] ^ (a[2] + a[3]);
}
static inline ulong torture_ret1(const ulong *a)
{
	return (a[4] * 3) ^ ~a[5];
}

// ABI name of register x<r>, for messages.
static inline const char *reg_name(int r)
{
	static const char *const names[32] = {
		"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2",
		"a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9",
		"s10", "s11", "t3", "t4", "t5", "t6",
	};
	return r >= 0 && r < 32 ? names[r] : "?";
}

// two_vcpus: vCPU 1 sees this htimedelta; vCPU 0 sees 0. Far apart, so a
// guest reading `time` knows whose htimedelta is in the hardware.
#define VCPU1_TIME_MIN  (1UL << 50)
static inline ulong vcpu1_htimedelta(ulong seed)
{
	return VCPU1_TIME_MIN + ((seed & 0xffffUL) << 24);
}
// Either guest's own time (without a delta) stays below this in a test run.
#define GUEST_TIME_SPAN (1UL << 40)

#endif
