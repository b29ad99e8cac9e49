// trap.h: the register frame saved by the kit's trap vectors, and the hooks
// the vectors call. The layout is shared with trapvec.S: the TF_* offsets
// below are the one source of truth, checked against the struct in trap.c.
#ifndef TRAP_H
#define TRAP_H

#define TF_REGS     0            // x0..x31 at 8 * n (x0 slot unused)
#define TF_SEPC     (32 * 8)
#define TF_SSTATUS  (33 * 8)
#define TF_HSTATUS  (34 * 8)
#define TF_SCAUSE   (35 * 8)
#define TF_STVAL    (36 * 8)
#define TF_HTVAL    (37 * 8)
#define TF_HTINST   (38 * 8)
#define TF_SIZE     (40 * 8)     // 16-byte aligned

#ifndef __ASSEMBLER__
#include "types.h"

struct trapframe {
	ulong regs[32];    // regs[n] is xn; regs[0] is always 0
	ulong sepc;
	ulong sstatus;
	ulong hstatus;
	ulong scause;
	ulong stval;
	ulong htval;
	ulong htinst;
	ulong _pad;
};

// Register numbers by ABI name, for tf->regs[REG_A0] and friends.
enum {
	REG_ZERO, REG_RA, REG_SP, REG_GP, REG_TP, REG_T0, REG_T1, REG_T2,
	REG_S0, REG_S1, REG_A0, REG_A1, REG_A2, REG_A3, REG_A4, REG_A5,
	REG_A6, REG_A7, REG_S2, REG_S3, REG_S4, REG_S5, REG_S6, REG_S7,
	REG_S8, REG_S9, REG_S10, REG_S11, REG_T3, REG_T4, REG_T5, REG_T6,
};

// Vectors (trapvec.S).
void hyp_trapvec(void);     // traps taken while the hypervisor runs (HS)
void guest_trapvec(void);   // labs 2-3: exits from a guest started with guest_enter
void probe_trapvec(void);   // lab 1: records scause in probe_cause, skips the insn
extern volatile ulong probe_cause;
#define PROBE_NO_TRAP (~0UL)

// Loads x1..x31 from gprs[1..31] and executes sret. The caller has already
// set sepc, sstatus.SPP and hstatus.SPV/SPVP. Guest exits then arrive at
// guest_trapvec, which calls hyp_guest_trap() (below). Never returns.
// (struct trapframe and struct vcpu both start with the 32 GPRs.)
void guest_enter(const ulong *gprs) NORETURN;

// Hook for guest exits in labs 2-3: called on the hart's trap stack with the
// guest's registers. Return to resume the guest with the (possibly modified)
// frame; the default (weak) version prints a decoded dump and stops.
void hyp_guest_trap(struct trapframe *tf);

// Hook for interrupts taken in HS-mode. Return 1 if handled.
int hyp_irq(struct trapframe *tf);

// Expected-trap guard for code that may fault on purpose (probes, guest
// memory reads): while armed, a trap in HS records its cause and skips the
// faulting instruction instead of panicking.
struct trap_record {
	ulong scause, stval, htval, htinst;
};
// trap_expect_begin() arms it; trap_expect_end(rec) disarms it, returns 1
// and fills *rec (if not NULL) when a trap happened since _begin. Both are
// static inline in cpu.h (they touch this hart's struct cpu): every
// guest-page fault runs them once, to read the guest's instruction.

// Decoding for people.
const char *cause_name(ulong scause);
void trap_dump(const char *why, const struct trapframe *tf, int from_guest);
#endif

#endif
