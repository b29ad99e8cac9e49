// gtrap.c: the test guest's own trap handler, reached through vstvec
// (common/guest/gtrapvec.S). It plays the part of a guest kernel: it counts
// what it receives and then does what a kernel would do to go on.
//
// Everything here runs in VS-mode: "sstatus", "scause", "sip" below are the
// guest's vsstatus, vscause, vsip (Priv. 8.2: the VS CSRs substitute for the
// S CSRs while V = 1), and the interrupt numbers are the guest's own view
// (a VS timer interrupt arrives as code 5, not 6).
#include "deleg_guest.h"

volatile struct guest_seen seen;

static void on_interrupt(ulong code)
{
	if (code < ARRAY_SIZE(seen.irq))
		seen.irq[code]++;
	if (code == IRQ_S_SOFT) {
		csr_clear(sip, SIP_SSIP);          // acknowledge our own IPI
	} else if (code == IRQ_S_TIMER) {
		csr_write(stimecmp, ~0UL);         // Sstc: no next tick
	} else {
		seen.unexpected++;
		csr_write(sie, 0);                 // stop it from coming back
	}
}

// An ecall from VU reaches the guest kernel as cause 8 when hedeleg bit 8 is
// set: the VU program's "system calls".
static void on_user_ecall(struct trapframe *tf)
{
	if (tf->regs[REG_A7] == USER_ECALL_EXIT) {
		// Back to the kernel side of user_run(): VS-mode, at user_return.
		seen.user_result = tf->regs[REG_A0];
		tf->sstatus |= SSTATUS_SPP;
		tf->sepc = (ulong)user_return;
		return;
	}
	tf->regs[REG_A0] = seen.exc[CAUSE_USER_ECALL];   // "syscall" result
	tf->sepc += 4;
}

void guest_trap(struct trapframe *tf)
{
	if (tf->scause & CAUSE_INTERRUPT) {
		on_interrupt(tf->scause & ~CAUSE_INTERRUPT);
		return;
	}
	ulong cause = tf->scause;
	if (cause < CAUSE_MAX_EXCEPTION)
		seen.exc[cause]++;
	seen.last_sepc = tf->sepc;
	seen.last_stval = tf->stval;
	seen.last_from_user = !(tf->sstatus & SSTATUS_SPP);
	switch (cause) {
	case CAUSE_BREAKPOINT:
	case CAUSE_ILLEGAL_INSTRUCTION:
	case CAUSE_LOAD_PAGE_FAULT:
	case CAUSE_STORE_PAGE_FAULT:
		tf->sepc += guest_insn_len(tf->sepc);    // skip it
		return;
	case CAUSE_FETCH_PAGE_FAULT:
		tf->sepc = tf->regs[REG_RA];              // the call "returns"
		return;
	case CAUSE_USER_ECALL:
		on_user_ecall(tf);
		return;
	}
	seen.unexpected++;
	printf("guest: unexpected trap in the guest: scause=0x%lx (%s) sepc=0x%lx stval=0x%lx\n",
	       tf->scause, cause_name(tf->scause), tf->sepc, tf->stval);
	guest_exit(0);
}
