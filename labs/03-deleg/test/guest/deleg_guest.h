// deleg_guest.h: the lab 3 test guest (VS-mode) and its own trap handler.
#ifndef DELEG_GUEST_H
#define DELEG_GUEST_H

#include "guest.h"
#include "../scenario.h"

// What the guest's own handler (gtrap.c) has seen, updated on every trap
// that reaches vstvec.
struct guest_seen {
	ulong exc[CAUSE_MAX_EXCEPTION];  // exceptions, by scause
	ulong irq[16];                   // interrupts, by scause code as VS sees it
	ulong last_sepc, last_stval;     // of the latest exception
	ulong last_from_user;            // 1 if it came from VU (sstatus.SPP = 0)
	ulong unexpected;                // traps no scenario asked for
	ulong user_result;               // a0 of the VU program's exit ecall
};
extern volatile struct guest_seen seen;

// user.S: run user_program(n) in VU-mode on its own stack; it makes n
// counting ecalls and one exit ecall. Returns when the exit ecall has been
// handled (gtrap.c sends the guest back to user_return).
void user_run(ulong n, ulong stack_top);
void user_return(void);

// vspage.c: the guest's own Sv39 table: identity map of the gigabyte at
// RAM_BASE with one unmapped page, vs_unmapped_page(). Turns vsatp on.
void vs_paging_on(void);
ulong vs_unmapped_page(void);

// The scenarios (exceptions.c, pagefault.c, interrupts.c). Each reports
// its own CHECK lines; the return value is 0 unless it could not run.
int scenario_breakpoint(void);
int scenario_illegal(void);
int scenario_user_ecall(void);
int scenario_page_fault(void);
int scenario_soft_irq(void);
int scenario_timer(void);

// Length of the instruction at pc (ISA vol. I 1.5: low bits 11 = 32-bit).
static inline ulong guest_insn_len(ulong pc)
{
	return (*(volatile u16 *)pc & 3) == 3 ? 4 : 2;
}

#endif
