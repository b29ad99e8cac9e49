// Lab 7 reference solution: the virtual timer behind SBI set_timer.
//
// The guest asks for "a timer interrupt at guest time T" (SBI 6.1). Guest
// time is host time + htimedelta (Priv. 8.2.7), and the interrupt must
// arrive as the guest's own supervisor timer interrupt: VSTIP, which lab 3
// delegates to the guest with hideleg.VSTI. Two ways to raise VSTIP:
//
//  - Sstc (caps.sstc): vstimecmp. The hart raises VSTIP by itself whenever
//    time + htimedelta >= vstimecmp (Sstc spec; Priv. 8.2.7), and drops it
//    when vstimecmp moves into the future. No exit at all.
//  - without Sstc: the hypervisor's own timer (SBI set_timer to OpenSBI,
//    sie.STIE) fires as an HS interrupt while the guest runs (EXIT_TIMER,
//    taken whatever sstatus.SIE says, Priv. 8.1); the hypervisor then sets
//    hvip.VSTIP, and clears it again when the guest sets a new deadline.
//
// On both paths v->vs.vstimecmp holds the guest's deadline in guest time.
#include "hyp.h"
#include "vcpu.h"
#include "vsbi.h"

#define VTIMER_NEVER (~0UL)     // SBI 6.1: "(uint64_t)-1" clears the timer

static int use_sstc;

void vtimer_setup(const struct hyp_caps *caps)
{
	use_sstc = caps->sstc;
}

// vcpu_load() (lab 4) copies v->vs.vstimecmp into the CSR. Its reset value
// 0 would be "already expired": a fresh vCPU would have a timer pending.
void vtimer_vcpu_init(struct vcpu *v)
{
	v->vs.vstimecmp = VTIMER_NEVER;
	v->vs.hvip &= ~HVIP_VSTIP;
}

// The hypervisor's own timer, in host time (only used without Sstc).
// OpenSBI's set_timer also clears a pending STIP (SBI 6.1).
static void host_timer_arm(ulong host_time)
{
	sbi_set_timer(host_time);
	csr_set(sie, SIE_STIE);
}

static void host_timer_disarm(void)
{
	csr_clear(sie, SIE_STIE);
	sbi_set_timer(VTIMER_NEVER);
}

// The guest's clock, as its rdtime would read it now (v is loaded).
static ulong guest_now(void)
{
	return rdtime() + csr_read(htimedelta);
}

// Without Sstc: a deadline already passed (this covers deadlines that would
// be "before host time 0" after subtracting htimedelta) fires at once;
// otherwise the host timer goes off at the same instant in host time.
static void emulated_set(ulong deadline)
{
	if (deadline == VTIMER_NEVER) {
		host_timer_disarm();
	} else if (guest_now() >= deadline) {
		host_timer_disarm();
		csr_set(hvip, HVIP_VSTIP);
	} else {
		host_timer_arm(deadline - csr_read(htimedelta));
	}
}

void vtimer_set(struct vcpu *v, ulong stime_value)
{
	v->vs.vstimecmp = stime_value;
	// SBI 6.1: setting the timer clears the pending timer interrupt.
	csr_clear(hvip, HVIP_VSTIP);
	if (use_sstc)
		csr_write(vstimecmp, stime_value);
	else
		emulated_set(stime_value);
}

void vtimer_expired(struct vcpu *v)
{
	if (use_sstc) {
		// Not ours: with Sstc the guest's timer never uses the host's.
		host_timer_disarm();
		return;
	}
	emulated_set(v->vs.vstimecmp);
}
