// deleg_harness.h: the pieces of the lab 3 harness (hypervisor side).
#ifndef DELEG_HARNESS_H
#define DELEG_HARNESS_H

#include "types.h"
#include "riscv.h"
#include "trap.h"
#include "scenario.h"

// The exceptions a guest kernel handles itself, and the VS interrupts: what
// the tests expect hedeleg/hideleg to delegate (see the handout). Without
// delegation these exceptions exit and the harness reflects them.
#define GUEST_EXCEPTIONS (HEDELEG_MISALIGNED_FETCH | HEDELEG_ILLEGAL_INSTRUCTION |  \
			  HEDELEG_BREAKPOINT | HEDELEG_USER_ECALL |                 \
			  HEDELEG_FETCH_PAGE_FAULT | HEDELEG_LOAD_PAGE_FAULT |      \
			  HEDELEG_STORE_PAGE_FAULT)
#define GUEST_INTERRUPTS (HIDELEG_VSSI | HIDELEG_VSTI | HIDELEG_VSEI)

// exits.c: every guest exit comes through hyp_guest_trap(), which counts it
// per cause. exits_report() prints the counts once, as FACT lines.
void exits_report(void);

// reflect.c: deliver an exception to the guest's vstvec by hand (the slow
// path taken when hedeleg does not delegate it). 0 if the guest has no vstvec.
int reflect_to_guest(struct trapframe *tf);

// gstage_hole.c: an Sv39x4 identity G-stage with a hole, and its fault path.
void  gstage_hole_enable(void);
int   gstage_hole_fault(struct trapframe *tf);
ulong gstage_hole_faults(void);

// Test names (the grader's test=... bootarg); "" runs every guest scenario.
int test_is(const char *name);

#endif
