// scenario.h: what the lab 3 hypervisor harness and its test guest agree on.
//
// Both sides read the run's seed from the bootargs and derive the same
// iteration counts from it, so the number of breakpoints, page faults or
// timer ticks changes from run to run and hard-coded output cannot pass.
// Included by labs/03-deleg/test/*.c (HS) and test/guest/* (VS).
#ifndef DELEG_SCENARIO_H
#define DELEG_SCENARIO_H

#include "memlayout.h"
#include "riscv.h"

// The guest's "are you there" hypercall: an SBI experimental-range EID (SBI
// spec 3: 0x08000000-0x08FFFFFF), answered by the harness, never by OpenSBI.
#define DELEG_PROBE_EID  0x08DE1E63UL

// a7 values of the VU-mode test program's ecalls (delivered to the guest
// kernel, never to SBI: an ecall from VU is cause 8, not cause 10).
#define USER_ECALL_COUNT 1
#define USER_ECALL_EXIT  2

// The G-stage hole (deleg_page_fault only): guest-physical pages that the
// harness leaves unmapped in its Sv39x4 table until the guest touches them.
// They lie inside the guest's 16 MiB window, past the guest image.
#define GSTAGE_HOLE_GPA    (GUEST_BARE_BASE + GUEST_BARE_SIZE - 16 * PAGE_SIZE)
#define GSTAGE_HOLE_PAGES  8UL

#ifndef __ASSEMBLER__
#include "types.h"
#include "report.h"

// One counter per thing a scenario repeats; each gets its own count.
enum deleg_counter {
	CNT_BREAKPOINT,
	CNT_PROBE_ECALL,     // VS ecalls that must still exit
	CNT_ILLEGAL,
	CNT_USER_ECALL,
	CNT_LOAD_PF,
	CNT_STORE_PF,
	CNT_FETCH_PF,
	CNT_GSTAGE_PF,       // guest-page faults (G-stage hole)
	CNT_SOFT_IRQ,
	CNT_TIMER_IRQ,
};

// 2..7 repetitions, different for every counter and every seed.
static inline ulong deleg_count(enum deleg_counter which)
{
	ulong state = run_seed() * 0x9e3779b97f4a7c15UL + (ulong)which + 1;
	return 2 + rand_next(&state) % 6;
}

// What the harness writes into the page it maps for hole page `index`: the
// guest reads it back to prove that the exit was handled, not skipped.
static inline ulong gstage_pattern(ulong index)
{
	return (run_seed() << 8) ^ (0xd1e9UL << 40) ^ index;
}
#endif

#endif
