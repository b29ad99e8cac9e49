// Lab 7: the virtual timer behind SBI set_timer (TIME and legacy EID 0).
//
// The guest asks for "a timer interrupt at guest time T" (SBI 6.1). Guest
// time is host time + htimedelta (Priv. 8.2.7), and the interrupt must
// reach the guest as its own supervisor timer interrupt: VSTIP, which lab 3
// delegates with hideleg.VSTI. There are two ways to raise VSTIP, and the
// hart decides which one you have (lab 2's caps.sstc):
//
//  - Sstc: vstimecmp. The hart raises VSTIP by itself while
//    time + htimedelta >= vstimecmp, and drops it when vstimecmp moves to
//    the future. No exit at all.
//  - no Sstc (-cpu rv64,sstc=off; vstimecmp does not exist, touching it is
//    an illegal instruction): your own timer, through OpenSBI
//    (sbi_set_timer(), in host time) with sie.STIE set. It fires as an HS
//    interrupt while the guest runs (taken whatever sstatus.SIE says,
//    Priv. 8.1): an EXIT_TIMER, which the harness passes to
//    vtimer_expired(). Then you set hvip.VSTIP (Priv. 8.2.3), and clear it
//    again when the guest sets its next deadline.
//
// Keep the guest's deadline (in guest time) in v->vs.vstimecmp on both
// paths: lab 4's vcpu_load()/vcpu_put() move it to and from the CSR when
// there is one. The vCPU is loaded while these functions run, so the live
// values are in the CSRs (htimedelta, hvip, vstimecmp).
//
// Check yourself: make grade LAB=7 (tests timer and timer_nosstc).
#include "hyp.h"
#include "vcpu.h"
#include "vsbi.h"

#define VTIMER_NEVER (~0UL)     // SBI 6.1: "(uint64_t)-1" = no timer

static int use_sstc;

void vtimer_setup(const struct hyp_caps *caps)
{
	use_sstc = caps->sstc;
}

void vtimer_vcpu_init(struct vcpu *v)
{
	// TODO(lab 7): a new vCPU has no deadline and nothing pending.
	// vcpu_load() copies v->vs.vstimecmp into the CSR: what does its
	// initial value 0 mean to the hart? Clear VSTIP in v->vs.hvip too.
	UNUSED(v);
}

void vtimer_set(struct vcpu *v, ulong stime_value)
{
	// TODO(lab 7): the guest's next deadline.
	//  - remember it in v->vs.vstimecmp;
	//  - SBI 6.1: set_timer also clears the pending timer interrupt
	//    (hvip.VSTIP);
	//  - Sstc: write vstimecmp (it compares against guest time already);
	//  - no Sstc: VTIMER_NEVER stops your host timer; a deadline already
	//    passed (guest time now: rdtime() + htimedelta) injects VSTIP at
	//    once; otherwise arm the host timer at the same instant in HOST
	//    time, and enable sie.STIE so that it can interrupt the guest.
	UNUSED(v);
	UNUSED(stime_value);
	UNUSED(use_sstc);
}

void vtimer_expired(struct vcpu *v)
{
	// TODO(lab 7): the host timer went off (no Sstc). Stop it (or it
	// fires again as soon as the guest runs: clear sie.STIE and/or set a
	// new host deadline), and if the guest's deadline has passed, set
	// hvip.VSTIP. With Sstc this should not happen: just stop the host
	// timer.
	UNUSED(v);
}
