// main.c: the SMP fuzz guest's harts, its trap handler, and the end of the
// run (the rendezvous, the last checks, the report). smpfuzz.h has the plan.
#include "smpfuzz.h"

struct smp_state g;
struct hart harts[MAX_VCPUS];
ulong smp_base;

#define LIFE_MAX        64        // a secondary stops after 1..LIFE_MAX operations
#define SATP_LEFTOVER   ((1UL << 60) - 1)   // satp's ASID and PPN, MODE = Bare

// ---- small helpers -----------------------------------------------------------------
ulong rnd(struct hart *h)            { return rand_next(&h->rng); }
ulong below(struct hart *h, ulong n) { return rnd(h) % n; }
int chance(struct hart *h, ulong n)  { return below(h, n) == 0; }

ulong now_us(void)
{
	return rdtime() / (g.timebase / 1000000);
}

ulong us_to_ticks(ulong us)
{
	return us * (g.timebase / 1000000);
}

void atomic_add(volatile ulong *p, ulong n)
{
	__atomic_fetch_add(p, n, __ATOMIC_SEQ_CST);
}

void expect(struct hart *h, enum inv i, int ok, const char *fmt, ...)
{
	h->inv_n[i]++;
	if (ok)
		return;
	if (h->inv_bad[i]++ == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(h->inv_first[i], sizeof(h->inv_first[i]), fmt, ap);
		va_end(ap);
	}
}

// A start's opaque: random, with the target's index in the low four bits,
// so that the started hart can tell an opaque meant for another hart.
ulong opaque_for(struct hart *h, int target)
{
	return (rnd(h) << 4) | (ulong)target;
}

// Somewhere in the sled at the secondary entry (entry.S).
ulong entry_addr(struct hart *h)
{
	return (ulong)smp_entry + 2 * below(h, SMP_ENTRY_SLED);
}

// A hart_start that returned SUCCESS: the target must come in exactly once
// with this opaque (checked at the end).
void count_start(int target, ulong opaque)
{
	atomic_add(&g.starts_ok[target], 1);
	atomic_add(&g.start_sum[target], opaque);
}

// ---- traps -----------------------------------------------------------------------------
// Interrupts: a software interrupt is an IPI (acknowledged by clearing
// sip.SSIP, SBI 7); a timer interrupt is one of our own deadlines, armed
// to end a suspend or a wfi: it is only disabled here (sie.STIE), not
// cancelled, so that a suspend that follows still finds it pending (its
// wake-up); the code that armed it sets the timer to "never" afterwards.
// Exceptions: counted, remembered and stepped over; only legacy calls with
// a bad mask pointer cause them (SBI 5: the fault comes back to the caller
// at its ecall).
void guest_trap(struct trapframe *tf)
{
	ulong me = tf->regs[REG_TP];
	struct hart *h = &harts[me < MAX_VCPUS ? me : 0];
	if (tf->scause & CAUSE_INTERRUPT) {
		ulong irq = tf->scause & ~CAUSE_INTERRUPT;
		if (irq == IRQ_S_SOFT) {
			csr_clear(sip, SIP_SSIP);
			atomic_add(&h->ssi, 1);
			atomic_add(&h->ipi_got, 1);
		} else if (irq == IRQ_S_TIMER) {
			csr_clear(sie, SIE_STIE);
			atomic_add(&h->sti, 1);
		} else {
			csr_clear(sie, 1UL << irq);
			atomic_add(&h->other_irq, 1);
		}
		return;
	}
	atomic_add(&h->traps, 1);
	h->last_cause = tf->scause;
	h->last_tval = tf->stval;
	u16 low = *(volatile u16 *)tf->sepc;
	tf->sepc += (low & 3) == 3 ? 4 : 2;
}

// ---- one hart's operations -----------------------------------------------------------
// The boot hart says how far the run is, every quarter of its share: a
// run that times out shows where it stopped.
static void progress_line(struct hart *h, int me)
{
	if (me != 0 || (h->ops_done * 4) % g.ops >= 4 || h->ops_done == 0)
		return;
	ulong all = 0;
	for (int i = 0; i < g.n; i++)
		all += harts[i].ops_done;
	printf("guest: %lu%%: %lu of %lu operations\n", h->ops_done * 100 / g.ops, all,
	       g.ops * (ulong)g.n);
}

static void run_ops(struct hart *h, int me)
{
	while (h->ops_done < g.ops) {
		progress_line(h, me);
		ulong w = below(h, 100);
		enum op op = w < 18 ? OP_START : w < 31 ? OP_STATUS : w < 36 ? OP_SUSPEND :
			     w < 54 ? OP_IPI : w < 68 ? OP_RFENCE : w < 76 ? OP_LEGACY :
			     w < 83 ? OP_WAIT : w < 89 ? OP_IRQ : w < 95 ? OP_UNKNOWN : OP_STOP;
		if (op == OP_STOP && me == 0)
			op = OP_STATUS;            // vCPU 0 never stops
		h->ops_done++;
		h->op_n[op]++;
		if (op == OP_STOP)
			return;
		ulong t0 = h->traps, want = op_run(h, me, op);
		expect(h, INV_TRAP, h->traps - t0 == want,
		       "op %d: %lu exceptions (%lu expected), last cause %lu stval 0x%lx", op,
		       h->traps - t0, want, h->last_cause, h->last_tval);
		if (me != 0 && --h->life_left == 0)
			return;
	}
	h->done = 1;
}

// SBI 9.2: hart_stop does not return (the hart's next start counts the
// stop as done). Before it, the hart leaves some state behind that its
// next start must not find (SBI 9.1: satp = 0, sstatus.SIE = 0): half of
// the time satp with garbage in ASID and PPN (MODE stays Bare: nothing
// changes for the hart itself), a quarter of the time sstatus.SIE = 1 with
// every interrupt disabled in sie. SBI 9.2 wants SIE = 0 for the call: an
// SBI that refuses the call then (SBI_ERR_FAILED) is right too, and the
// hart tries again properly.
static void NORETURN stop_self(struct hart *h)
{
	csr_clear(sstatus, SSTATUS_SIE);
	if (chance(h, 2))
		csr_write(satp, rnd(h) & SATP_LEFTOVER);
	int sie_on = chance(h, 4);
	if (sie_on) {
		csr_write(sie, 0);
		csr_set(sstatus, SSTATUS_SIE);
	}
	h->stopping = 1;
	asm volatile("fence rw, rw" ::: "memory");
	for (;;) {
		long err = sbi_hart_stop();
		expect(h, INV_STOP, sie_on && err == SBI_ERR_FAILED, "hart_stop returned %ld", err);
		csr_clear(sstatus, SSTATUS_SIE);
		sie_on = 0;
	}
}

// entry.S: every start of a secondary hart comes here (SBI 9.1's state).
void NORETURN smp_secondary(ulong hartid, ulong opaque, ulong satp, ulong sstatus)
{
	ulong me = hartid - g.base;
	if (me == 0 || me >= (ulong)g.n) {         // not a hart we could have started
		asm volatile("mv tp, zero");
		atomic_add(&g.bad_entries, 1);
		stop_self(&harts[0]);
	}
	asm volatile("mv tp, %0" : : "r"(me));     // the trap handler's "who am I"
	struct hart *h = &harts[me];
	csr_write(stvec, (ulong)guest_trapvec);    // a started hart's CSRs are fresh
	h->entries++;
	h->entry_sum += opaque;
	if (h->stopping)
		expect(h, INV_STOP, 1, "hart_stop returned");
	h->stopping = 0;
	expect(h, INV_ENTRY, (opaque & 0xf) == me && satp == 0 && !(sstatus & SSTATUS_SIE),
	       "hart %lu started with a1 0x%lx (meant for vCPU %lu), satp 0x%lx sstatus 0x%lx",
	       hartid, opaque, opaque & 0xf, satp, sstatus);
	if (g.final_phase)
		final_secondary(h);
	else if (!h->done) {
		h->life_left = 1 + below(h, LIFE_MAX);
		run_ops(h, (int)me);
	}
	stop_self(h);
}

// ---- the end -------------------------------------------------------------------------
static ulong progress(void)
{
	ulong sum = 0;
	for (int i = 0; i < g.n; i++)
		sum += harts[i].ops_done + harts[i].entries;
	return sum;
}

static int all_done(void)
{
	for (int i = 1; i < g.n; i++)
		if (!harts[i].done)
			return 0;
	return 1;
}

static int all_stopped(void)
{
	for (int i = 1; i < g.n; i++)
		if (sbi_hart_get_status(g.base + i) != SBI_HSM_STATE_STOPPED)
			return 0;
	return 1;
}

// Until every secondary has used up its budget (the boot hart restarts
// the ones that stopped), then until all of them are STOPPED. Once every
// one is done nobody starts a hart any more, so one pass that sees them
// all STOPPED means they stay so. Fails when nothing moves for STALL_US.
static int rendezvous(struct hart *h)
{
	ulong last = progress(), t0 = now_us();
	while (!all_done() || !all_stopped()) {
		for (int i = 1; i < g.n; i++) {
			if (harts[i].done || sbi_hart_get_status(g.base + i) != SBI_HSM_STATE_STOPPED)
				continue;
			ulong opaque = opaque_for(h, i);
			if (sbi_hart_start(g.base + i, entry_addr(h), opaque) == SBI_SUCCESS)
				count_start(i, opaque);
		}
		if (progress() != last)
			last = progress(), t0 = now_us();
		else if (now_us() - t0 > STALL_US)
			return 0;
	}
	return 1;
}

static const char *const inv_names[INV_COUNT] = {
	"sbi_probe", "hsm_start", "hsm_entry", "hsm_status", "hsm_suspend", "hsm_stop",
	"sbi_unknown_fid", "ipi_send", "ipi_self", "sbi_legacy", "rfence", "no_trap",
};
static const char *const op_names[OP_COUNT] = {
	"start", "status", "suspend", "ipi", "rfence", "legacy", "wait", "irq", "unknown", "stop",
};

// One CHECK per invariant, over every hart: the count and the first failure.
static int report_invariants(void)
{
	int ok = 1;
	for (int i = 0; i < INV_COUNT; i++) {
		ulong n = 0, bad = 0;
		int first = -1;
		for (int k = 0; k < g.n; k++) {
			n += harts[k].inv_n[i];
			bad += harts[k].inv_bad[i];
			if (first < 0 && harts[k].inv_bad[i])
				first = k;
		}
		if (bad)
			ok &= check(inv_names[i], 0, "%lu of %lu wrong; first (hart %lu): %s", bad, n,
				    g.base + first, harts[first].inv_first[i]);
		else
			check(inv_names[i], 1, "%lu of %lu as the spec says", n, n);
	}
	return ok;
}

// Every successful hart_start led to exactly one start, with its opaque;
// no IPI arrived that nobody sent (legacy send_ipi reaches only the
// caller: lab 7's reference, documented there).
static int report_totals(void)
{
	ulong starts = 0, entries = 0, bad_sum = 0, got = 0, sent = 0, over = 0, irq = 0;
	for (int i = 0; i < g.n; i++) {
		struct hart *h = &harts[i];
		starts += g.starts_ok[i];
		entries += h->entries;
		bad_sum += i > 0 && (h->entries != g.starts_ok[i] || h->entry_sum != g.start_sum[i]);
		got += h->ipi_got;
		sent += g.ipi_sent[i];
		over += h->ipi_got > g.ipi_sent[i];
		irq += h->other_irq;
		fact("hart", "%lu: %lu operations, %lu starts, %lu IPIs sent to it, %lu taken, "
		     "%lu timer interrupts", g.base + i, h->ops_done, h->entries, g.ipi_sent[i],
		     h->ipi_got, h->sti);
	}
	int ok = check("hsm_starts_match", bad_sum == 0 && g.bad_entries == 0 && harts[0].entries == 0,
		       "%lu successful hart_start, %lu starts; %lu harts differ in count or opaque "
		       "sum; %lu starts with a0 outside the VM", starts, entries, bad_sum,
		       g.bad_entries);
	ok &= check("ipi_no_spurious", over == 0 && irq == 0,
		    "%lu IPIs sent, %lu received; %lu harts received more than was sent to them; "
		    "%lu other interrupts", sent, got, over, irq);
	return ok;
}

static void report_ops(void)
{
	for (int op = 0; op < OP_COUNT; op++) {
		ulong n = 0;
		for (int k = 0; k < g.n; k++)
			n += harts[k].op_n[op];
		fact("ops", "%s %lu", op_names[op], n);
	}
}

int guest_main(ulong hartid, ulong arg)
{
	struct fdt_platform p;
	asm volatile("mv tp, zero");
	csr_write(stvec, (ulong)guest_trapvec);
	if (fdt_read_platform((const void *)arg, &p) || p.nharts < 2 || p.nharts > MAX_VCPUS) {
		printf("guest: the hsm scenario needs 2..%d harts (QEMU -smp)\n", MAX_VCPUS);
		return 1;
	}
	g.base = smp_base = hartid;
	g.n = p.nharts;
	g.timebase = p.timebase ? p.timebase : 10000000;
	g.ops = bootarg_ulong("ops", 2000);
	ulong seed = run_seed();
	for (int i = 0; i < g.n; i++)
		harts[i].rng = (seed ^ 0x5eed5eed5eedUL) + (ulong)i * 0x9e3779b97f4a7c15UL + 1;
	asm volatile("fence rw, rw" ::: "memory");
	struct hart *h = &harts[0];
	probe_all(h);
	// Everyone starts once, then the operations restart them at random.
	for (int i = 1; i < g.n; i++) {
		ulong opaque = opaque_for(h, i);
		long err = sbi_hart_start(g.base + i, entry_addr(h), opaque);
		// One started before may have started it already (ALREADY_AVAILABLE).
		expect(h, INV_START, err == SBI_SUCCESS || err == SBI_ERR_ALREADY_AVAILABLE,
		       "first hart_start(%lu): %ld", g.base + i, err);
		if (err == SBI_SUCCESS)
			count_start(i, opaque);
	}
	run_ops(h, 0);
	csr_clear(sstatus, SSTATUS_SIE);
	int met = rendezvous(h);
	ulong done = 0;
	for (int i = 0; i < g.n; i++)
		done += harts[i].ops_done;
	if (!met)
		for (int i = 1; i < g.n; i++)
			printf("guest: hart %lu: %s, %lu of %lu operations, status %ld\n", g.base + i,
			       harts[i].done ? "done" : "not done", harts[i].ops_done, g.ops,
			       sbi_hart_get_status(g.base + i));
	int ok = check("rendezvous", met, "%lu of %lu operations; every hart %s", done,
		       g.ops * g.n, met ? "done and STOPPED" : "NOT done and STOPPED (a hang?)");
	if (met)
		ok &= final_checks(h);
	report_ops();
	ok &= report_totals();
	ok &= report_invariants();
	return ok ? 0 : 1;
}
