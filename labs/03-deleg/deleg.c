// Lab 3: trap delegation with hedeleg and hideleg.
//
// Read docs/labs/03-deleg.md first. Check yourself with: make grade LAB=3
// Watch one scenario with: make qemu LAB=3 TEST=deleg_breakpoint
// (test names: deleg_csrs deleg_breakpoint deleg_illegal deleg_user_ecall
//  deleg_page_fault deleg_soft_irq deleg_timer; no TEST runs them all)
//
// Without delegation, every trap the guest takes lands in the hypervisor
// (an "exit"), even the ones the guest kernel is perfectly able to handle
// itself. The test harness counts those exits per cause; the grader wants
// zero for everything a guest kernel handles on its own.
#include "hyp.h"
#include "hypinit.h"

// Task 1. Which exceptions go straight to the guest's own vstvec?
//
// Return a mask of hedeleg bits (Priv. 8.2.2), built from the HEDELEG_*
// names in common/include/riscv.h, never from raw numbers.
//   - Bit n delegates exception cause n (Priv. 8.6.1) taken while V=1.
//   - Pick the exceptions a guest kernel expects in its own handler, as it
//     would on bare metal: its debugger's breakpoints, its instructions the
//     CPU does not know, system calls from its user programs, faults from
//     its own page tables, and misaligned instruction fetches.
//   - Some bits are read-only zero and writing them does nothing: ask
//     yourself which traps only the hypervisor can handle (what does the
//     guest call the hypervisor with? whose page table does a "guest-page
//     fault" come from?). The grader checks that what you ask for is what
//     the register reads back.
//   - On QEMU, OpenSBI handles illegal instructions first (in M-mode) and
//     then honours hedeleg for traps from V=1: see the handout.
ulong hedeleg_bits(void)
{
	// TODO: your code here.
	return 0;
}

// Task 2. Which interrupts go straight to the guest?
//
// Return a mask of hideleg bits (Priv. 8.2.2) from the HIDELEG_* names.
//   - Only the VS-level interrupts can be delegated to VS-mode; every other
//     bit is read-only zero. Which interrupt numbers are VS-level?
//   - Once delegated, the guest sees them under its S-level numbers (a VS
//     timer interrupt arrives in the guest with scause code 5, not 6).
ulong hideleg_bits(void)
{
	// TODO: your code here.
	return 0;
}

// Task 3. Write both masks into the CSRs on this hart.
//   - csr_write() from riscv.h; the registers are per hart (lab 4 calls this
//     on every hart that runs a guest).
//   - make grade LAB=3: test deleg_csrs reads the CSRs back after this call.
void deleg_init(void)
{
	// TODO: your code here.
}
