// probe.h: probe_vcpu_run() (probe.S) calls vcpu_run() with the
// callee-saved registers and gp set to canary values, and records what
// every register the hypervisor relies on holds when vcpu_run() returns.
// Offsets shared with probe.S, checked in hyp_state.c.
#ifndef LAB4_PROBE_H
#define LAB4_PROBE_H

#define PROBE_S        0       // s0..s11 after the call
#define PROBE_SP       96
#define PROBE_GP       104
#define PROBE_TP       112
#define PROBE_RA       120
#define PROBE_WANT_SP  128     // sp, tp and ra as they must be after it
#define PROBE_WANT_TP  136
#define PROBE_WANT_RA  144

#define PROBE_CANARIES 13      // s0..s11, then gp

#ifndef __ASSEMBLER__
#include "types.h"
struct vcpu;

struct probe_regs {
	ulong s[12];
	ulong sp, gp, tp, ra;
	ulong want_sp, want_tp, want_ra;
};

void probe_vcpu_run(struct vcpu *v, const ulong canary[PROBE_CANARIES],
		    struct probe_regs *out);
#endif

#endif
