// harness.h: the pieces of the lab 4 harness shared by its scenario files.
//
// Every scenario runs the guest with the student's vcpu_run() and looks at
// what comes back in struct vcpu: the trap CSRs (v->trap), the guest's
// registers (v->gprs) and sepc. Before each run the harness writes a marker
// into v->trap.scause; if vcpu_run() returns with the marker still there,
// the guest never ran (or its trap never reached the exit vector), and the
// scenario stops with a FAIL for each of its checks instead of looping.
#ifndef LAB4_HARNESS_H
#define LAB4_HARNESS_H

#include "hyp.h"
#include "hypinit.h"
#include "vcpu.h"
#include "minisbi.h"
#include "switch_test.h"

// No real scause has every bit set: "vcpu_run() recorded no trap".
#define NO_TRAP (~0UL)

// What the harness does after one exit has been handled.
enum step {
	STEP_RESUME,     // run the same vCPU again
	STEP_YIELD,      // two_vcpus: run the other vCPU next
	STEP_SHUTDOWN,   // the guest asked for SBI SRST: the scenario is over
	STEP_ERROR,      // something went wrong; FAIL lines have been printed
};

// How one scenario drives a vCPU.
struct driver {
	const char *const *checks;   // its CHECK names, NULL-terminated
	// Runs the vCPU once; NULL means plain vcpu_run(v).
	void (*run)(struct vcpu *v, void *ctx);
	// An ecall with a7 = SBI_EXT_RVHLAB_HYPERCALL; the FID is in a6.
	enum step (*hypercall)(struct vcpu *v, void *ctx);
	// Any exit that is not an ecall; returns 1 if it handled it. NULL: none.
	int (*other_exit)(struct vcpu *v, void *ctx);
	void *ctx;
	ulong max_steps;             // more exits than this: something loops
};

// Run v once and handle the exit (console ecalls go to minisbi).
enum step vcpu_step(struct vcpu *v, const struct driver *d);
// vcpu_step until something other than STEP_RESUME happens.
enum step vcpu_drive(struct vcpu *v, const struct driver *d);

// Answer a hypercall: a0/a1 = results, sepc past the 4-byte ecall.
void hc_return(struct vcpu *v, ulong a0, ulong a1);
// Print "CHECK ... FAIL why" for every name in checks.
void fail_checks(const char *const *checks, const char *why);
// After STEP_SHUTDOWN: did the guest ask for a shutdown without failure?
int guest_shutdown_ok(const struct vcpu *v);

// The scenarios, one per graded test (lab.json). Each returns 0 when the run
// went as planned (whatever its checks said), 1 when it had to stop early.
int scenario_torture(ulong hartid, const void *dtb);
int scenario_hyp_state(ulong hartid, const void *dtb);
int scenario_two_vcpus(ulong hartid, const void *dtb);
int scenario_exit_count(ulong hartid, const void *dtb);

#endif
