// smpfuzz.h: the SMP fuzz guest (make fuzz, scenario hsm; docs/fuzz.md,
// "Several harts"), shared by its files.
//
// Every hart of the VM runs the same seeded stream of hostile HSM, IPI and
// RFENCE calls (ops.c) and checks each answer against the SBI spec. vCPU 0
// (the boot hart, main.c) never stops: it brings the others up, does its
// own share, and at the end gathers everyone (the rendezvous), checks what
// only the whole run can show (every successful hart_start led to exactly
// one start with its opaque, no IPI came from nowhere, IPIs still work) and
// prints the CHECK lines. The other harts live in short "lives": started
// by anyone, they run some operations and stop, until their budget of
// operations is used up.
#ifndef SMPFUZZ_H
#define SMPFUZZ_H

// The secondary entry (entry.S) begins with this many c.nop: a hart
// started anywhere in that sled, at any 2-byte boundary, runs the same code.
#define SMP_ENTRY_SLED  16

#ifndef __ASSEMBLER__
#include "guest.h"
#include "../fuzz_smp.h"

#define MAX_VCPUS      GUEST_MAX_HARTS
#define STALL_US       5000000UL   // no progress for this long: a hart hangs

// ---- invariants (one CHECK line each, per run) -------------------------------
enum inv {
	INV_PROBE, INV_START, INV_ENTRY, INV_STATUS, INV_SUSPEND, INV_STOP, INV_UNKNOWN_FID,
	INV_IPI, INV_IPI_SELF, INV_LEGACY, INV_RFENCE, INV_TRAP, INV_COUNT
};

// ---- operations ----------------------------------------------------------------
enum op {
	OP_START, OP_STATUS, OP_SUSPEND, OP_IPI, OP_RFENCE, OP_LEGACY, OP_WAIT, OP_IRQ,
	OP_UNKNOWN, OP_STOP, OP_COUNT
};

// The last start of a secondary (final.c): flags between it and the boot
// hart, and what it saw.
struct final_rec {
	volatile ulong ready, ssi;                   // waiting for the IPI; IPIs taken
	volatile ulong mapped, changed, stale_read, fenced, done;
	volatile ulong before, stale, after;         // read at the test page
};

// One per vCPU (index = hart id - base). Written by its own hart only,
// apart from the counters marked "any hart", which use AMOs. The boot hart
// reads them all once every other hart is STOPPED.
struct hart {
	ulong rng;
	ulong ops_done;                  // over all its lives
	ulong life_left;                 // operations before it stops itself
	volatile ulong done;             // budget used up: it only stops from now on
	volatile ulong stopping;         // called hart_stop (its next start: it worked)
	volatile ulong entries;          // times it came in at smp_entry
	volatile ulong entry_sum;        // sum of the a1 (opaque) it came in with
	// Interrupts (the trap handler, AMOs: it may interrupt the code).
	volatile ulong ssi, sti, other_irq;
	volatile ulong ipi_got;          // software interrupts consumed, any way
	// Exceptions (the trap handler skips the instruction).
	volatile ulong traps, last_cause, last_tval;
	struct final_rec fin;            // final.c
	ulong op_n[OP_COUNT];
	ulong inv_n[INV_COUNT], inv_bad[INV_COUNT];
	char  inv_first[INV_COUNT][112];
	ulong legacy_mask[2];            // legacy hart masks are read from here
};

// What every hart shares.
struct smp_state {
	ulong base;                      // guest hart id of the boot hart (vCPU 0)
	int   n;                         // harts in the VM
	ulong ops;                       // operations per hart
	ulong timebase;
	volatile int final_phase;
	// Any hart (AMOs), per target vCPU index:
	volatile ulong starts_ok[MAX_VCPUS];   // hart_start that returned SUCCESS
	volatile ulong start_sum[MAX_VCPUS];   // sum of their opaques
	volatile ulong ipi_sent[MAX_VCPUS];    // valid send_ipi calls naming it
	volatile ulong bad_entries;            // came in at smp_entry with a0 outside the VM
};

extern struct smp_state g;
extern struct hart harts[MAX_VCPUS];
extern ulong smp_base;                     // g.base, for entry.S

// entry.S: where secondary harts start.
void smp_entry(void);

// main.c helpers.
ulong rnd(struct hart *h);
ulong below(struct hart *h, ulong n);
int   chance(struct hart *h, ulong n);    // 1 in n
ulong now_us(void);
ulong us_to_ticks(ulong us);
void  expect(struct hart *h, enum inv i, int ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
ulong opaque_for(struct hart *h, int target);
ulong entry_addr(struct hart *h);
void  count_start(int target, ulong opaque);
void  atomic_add(volatile ulong *p, ulong n);

// ops.c: one operation of kind op by vCPU me; returns the number of
// exceptions it must have caused (legacy calls with a bad mask pointer).
ulong op_run(struct hart *h, int me, enum op op);
void  probe_all(struct hart *h);
// The valid ways to send vCPU t an IPI (the final check, final.c).
long  ipi_to(struct hart *h, int t);

// final.c: the last start of a secondary hart; the boot hart's side
// (1 when every check passed).
void  final_secondary(struct hart *h);
int   final_checks(struct hart *h);

#endif
#endif
