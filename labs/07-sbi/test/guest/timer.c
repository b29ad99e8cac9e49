// timer.c: SBI set_timer (TIME 6.1 and legacy 5.1), as the guest sees it.
//
// The guest enables its own timer interrupt (sie.STIE, sstatus.SIE; in
// VS-mode these are vsie/vsstatus) and counts the interrupts its vstvec
// receives (scause = interrupt 5: the VS timer, delegated by hideleg.VSTI,
// looks like the supervisor timer to the guest). Its handler clears the
// interrupt the SBI way, with set_timer(-1). Every phase checks how many
// interrupts came and when, in the guest's own time (rdtime, which includes
// htimedelta). Under the grader (-icount) the interrupt comes 1-12 ticks
// after its deadline, every time. Without -icount (make qemu) time is the
// host's, and a loaded host can make QEMU late by milliseconds: each phase
// waits TIMER_SETTLE past its deadline before it counts.
#include "lab7guest.h"

#define TIMER_SETTLE    20000   // ticks (2 ms at 10 MHz) allowed for delivery
#define TIMER_RUNAWAY   20      // interrupts: the handler cannot clear it

static volatile ulong ticks, tick_at;
static volatile int clear_legacy;

static long set_timer(ulong when)
{
	return sbi1(SBI_EXT_TIME, SBI_TIME_SET_TIMER, when).error;
}

static long legacy_set_timer(ulong when)
{
	return sbi1(SBI_EXT_LEGACY_SET_TIMER, seed, when).error;   // a6 is ignored
}

void timer_irq(struct trapframe *tf)
{
	UNUSED(tf);
	tick_at = rdtime();
	if (++ticks >= TIMER_RUNAWAY)
		csr_clear(sie, SIE_STIE);       // not cleared: stop the storm
	if (clear_legacy)
		legacy_set_timer(NEVER);
	else
		set_timer(NEVER);
}

// 0.5-0.9 ms at 10 MHz, different for each phase and run.
static ulong delay(int k)
{
	return 5000 + ((seed >> (4 * k)) & 0xfff);
}

static void spin_until(ulong t)
{
	while (rdtime() < t)
		;
}

// Exactly one interrupt since `before`, and not before the deadline.
static int one_at(const char *name, long err, ulong before, ulong deadline)
{
	ulong n = ticks - before, at = tick_at;
	if (n)
		t_line("guest: %s: deadline %lu, interrupt at %lu (%s%lu ticks)", name, deadline, at,
		       at < deadline ? "-" : "+", at < deadline ? deadline - at : at - deadline);
	if (err)
		return t_check(name, 0, "set_timer returned %ld", err);
	if (n != 1)
		return t_check(name, 0, "%lu timer interrupts (expected 1)%s", n,
			       n > 1 ? ": does set_timer clear the pending one?" : "");
	return t_check(name, at >= deadline,
		       "the interrupt came at guest time %lu, BEFORE the deadline %lu", at,
		       deadline);
}

// Phase 1: from enabling the interrupt to well after T, exactly one
// interrupt, at T. An interrupt before set_timer means the vCPU started
// with a timer pending.
static void phase_once(void)
{
	ulong d = delay(0), before = ticks;
	csr_set(sie, SIE_STIE);
	csr_set(sstatus, SSTATUS_SIE);
	ulong t = rdtime() + d;
	long err = set_timer(t);
	spin_until(t + TIMER_SETTLE);
	one_at("timer_once", err, before, t);
}

// Phase 2: a second set_timer replaces the first deadline (SBI 6.1 "programs
// the clock for the next event").
static void phase_reprogram(void)
{
	ulong d = delay(1), before = ticks;
	long err = set_timer(rdtime() + d);
	ulong t = rdtime() + 3 * d;
	err |= set_timer(t);
	spin_until(t + TIMER_SETTLE);
	one_at("timer_reprogram", err, before, t);
}

// Phase 3: set_timer(-1) before the deadline: no interrupt at all.
static void phase_cancel(void)
{
	ulong d = delay(2), before = ticks;
	long err = set_timer(rdtime() + d);
	err |= set_timer(NEVER);
	spin_until(rdtime() + d + TIMER_SETTLE);
	ulong n = ticks - before;
	t_check("timer_cancel", err == 0 && n == 0,
		"set_timer(deadline) then set_timer(-1): errors %ld, %lu interrupts (expected 0)",
		err, n);
}

// Phase 4: the same through the legacy call (EID 0x00, result in a0).
static void phase_legacy(void)
{
	ulong d = delay(3), before = ticks;
	clear_legacy = 1;
	ulong t = rdtime() + d;
	long err = legacy_set_timer(t);
	spin_until(t + TIMER_SETTLE);
	one_at("timer_legacy", err, before, t);
	clear_legacy = 0;
}

void test_timer(void)
{
	t_check("timer_probe", probe_is(SBI_EXT_TIME, 1), "probe_extension(TIME) should be 1");
	phase_once();
	phase_reprogram();
	phase_cancel();
	phase_legacy();
	csr_clear(sstatus, SSTATUS_SIE);
	csr_clear(sie, SIE_STIE);
	t_line("guest: %lu timer interrupts in all (%d expected)", ticks, TIMER_FIRINGS);
}
