// lab2test.h: what lab 2's harness (labs/02-csr/test/*.c) and its test
// guest (labs/02-csr/test/guest/guest.c) agree on.
//
// The guest reports to the harness with SBI-style calls (ecall from VS,
// scause 10) in the firmware-specific extension space (SBI spec 3, "EID
// 0x0A000000-0x0AFFFFFF"). The harness answers them itself; every other
// ecall goes to the kit's stand-in SBI (minisbi_handle).
#ifndef LAB2TEST_H
#define LAB2TEST_H

#include "types.h"

#define LAB2_TEST_EID   0x0A000002UL
#define LAB2_FID_ARGS   0   // a0, a1 = the registers guest_main() received
#define LAB2_FID_MARK   1   // a timed window starts (rdtime scenarios)
#define LAB2_FID_TIME   2   // a0 = the value the guest's rdtime returned

// The value the harness hands back for the guest's `csrr rd, hstatus`
// after the virtual-instruction exit: derived from the run's seed, which
// both sides read from the bootargs, so only a real round trip through the
// harness produces it.
static inline ulong lab2_csr_token(ulong seed)
{
	return (seed * 0x9e3779b97f4a7c15UL) ^ 0x4c41423243535221UL;
}

#ifndef GUEST
// What the harness knows without asking the student's code.
struct lab2_expect {
	ulong hartid;       // the hart the vCPU runs on: its a0
	ulong dtb;          // the device tree passed in a1
	ulong timedelta;    // htimedelta, set by the harness
};

// exits.c: arm the guest-exit hook (hyp_guest_trap) for this run.
void exits_arm(const struct lab2_expect *e);
#endif

#endif
