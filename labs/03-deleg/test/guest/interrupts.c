// interrupts.c: the guest's own software and timer interrupts.
//
// In VS-mode the guest sees its interrupts with S-level numbers: the VS
// software interrupt is its "SSI" (sip.SSIP, code 1), the VS timer its "STI"
// (code 5). They reach the guest only if hideleg delegates bits 2 and 6
// (Priv. 8.2.2); otherwise vsip.SSIP / vsie.STIE are read-only zero (8.2.12), the
// guest's own sip write has no effect, and the timer (if the hypervisor
// enabled it in hie) interrupts the hypervisor instead.
//
// Every wait is bounded, so that a missing interrupt fails the check
// instead of hanging the run.
#include "deleg_guest.h"

#define SOFT_SPIN     1000         // loop turns to wait for a self-IPI
#define TIMER_DELTA   1000         // ticks until the next timer interrupt
#define TIMER_WAIT    20000        // ticks (2 ms at 10 MHz) before giving up

static int wait_irq(ulong code, ulong before, ulong spins, ulong deadline)
{
	for (ulong i = 0; seen.irq[code] == before; i++) {
		if ((spins && i >= spins) || (deadline && rdtime() > deadline))
			return 0;
	}
	return seen.irq[code] == before + 1;
}

int scenario_soft_irq(void)
{
	ulong n = deleg_count(CNT_SOFT_IRQ), ok = 0;
	csr_set(sie, SIE_SSIE);
	csr_set(sstatus, SSTATUS_SIE);
	for (ulong i = 0; i < n; i++) {
		ulong before = seen.irq[IRQ_S_SOFT];
		csr_set(sip, SIP_SSIP);           // an IPI to myself
		ok += wait_irq(IRQ_S_SOFT, before, SOFT_SPIN, 0);
	}
	csr_clear(sstatus, SSTATUS_SIE);
	csr_clear(sie, SIE_SSIE);
	printf("guest: %lu of %lu self-IPIs (sip.SSIP) reached my vstvec\n", ok, n);
	check("guest_soft_irq", ok == n && seen.irq[IRQ_S_SOFT] == n,
	      "%lu self-IPIs, %lu taken by the guest", n, ok);
	return 0;
}

// Sstc: in VS-mode, stimecmp is vstimecmp. Writing it needs henvcfg.STCE
// and hcounteren.TM (lab 2), or it is a virtual-instruction exception.
int scenario_timer(void)
{
	ulong n = deleg_count(CNT_TIMER_IRQ), ok = 0;
	csr_write(stimecmp, ~0UL);
	csr_set(sie, SIE_STIE);
	csr_set(sstatus, SSTATUS_SIE);
	for (ulong i = 0; i < n; i++) {
		ulong before = seen.irq[IRQ_S_TIMER], now = rdtime();
		csr_write(stimecmp, now + TIMER_DELTA);
		ok += wait_irq(IRQ_S_TIMER, before, 0, now + TIMER_WAIT);
	}
	csr_clear(sstatus, SSTATUS_SIE);
	csr_clear(sie, SIE_STIE);
	csr_write(stimecmp, ~0UL);
	printf("guest: %lu of %lu timer interrupts (stimecmp) reached my vstvec\n", ok, n);
	check("guest_timer", ok == n && seen.irq[IRQ_S_TIMER] == n,
	      "%lu timer ticks, %lu taken by the guest", n, ok);
	return 0;
}
