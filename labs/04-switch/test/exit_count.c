// Scenario "exit_count": between HC_COUNT_BEGIN and HC_COUNT_END the guest
// causes a seed-dependent mix of exits: null hypercalls, and reads of
// hstatus, which VS-mode may not touch (virtual-instruction exception,
// cause 22, Priv. 8.6.1), which the harness skips. The guest reports how
// many of each it caused; v->exits (kept by your vcpu_run) must have grown
// by exactly that much, and the causes recorded in v->trap must match.
//
// Afterwards the guest times null hypercalls with rdinstret (FACT
// ecall_roundtrip_insns, exact under -icount); the harness times the
// vcpu_run() calls in between (FACT vcpu_run_insns): the rest of a round
// trip is the harness's C exit handling.
#include "harness.h"

static const char *const exit_count_checks[] = {
	"exit_count",     // v->exits vs the guest's count
	"exit_causes",    // ecalls and virtual-instruction exits, by v->trap.scause
	NULL,
};

struct exit_count {
	int counting;
	ulong base;               // v->exits after HC_COUNT_BEGIN's exit
	ulong ecalls, virt;       // counted by the harness from v->trap.scause
	ulong delta;              // v->exits at HC_COUNT_END minus base
	long  rep_total, rep_virt;
	ulong steps;              // every vcpu_run() that reached the guest
	ulong exits_at_end;       // v->exits at HC_DONE
	ulong steps_at_end;       // steps at HC_DONE
	// Cost of one vcpu_run() between two null hypercalls.
	int   last_was_null;
	ulong run_insns, run_samples;
};

static int is_null_call(const struct vcpu *v)
{
	return v->trap.scause == CAUSE_VIRTUAL_SUPERVISOR_ECALL &&
	       v->gprs[REG_A7] == SBI_EXT_RVHLAB_HYPERCALL && v->gprs[REG_A6] == HC_NULL;
}

static void timed_run(struct vcpu *v, void *ctx)
{
	struct exit_count *e = ctx;
	ulong start = rdinstret();
	vcpu_run(v);
	ulong insns = rdinstret() - start;
	if (v->trap.scause == NO_TRAP)
		return;
	e->steps++;
	// Only in the timing loop after HC_COUNT_END: in the counting loop the
	// guest runs C code between its calls.
	if (e->rep_total >= 0 && e->last_was_null && is_null_call(v)) {
		e->run_insns += insns;
		e->run_samples++;
	}
	e->last_was_null = is_null_call(v);
}

static enum step exit_count_hypercall(struct vcpu *v, void *ctx)
{
	struct exit_count *e = ctx;
	switch (v->gprs[REG_A6]) {
	case HC_COUNT_BEGIN:
		e->counting = 1;
		e->base = v->exits;
		break;
	case HC_COUNT_END:
		e->counting = 0;
		e->delta = v->exits - e->base;
		e->rep_total = (long)v->gprs[REG_A0];
		e->rep_virt = (long)v->gprs[REG_A1];
		break;
	case HC_DONE:
		e->exits_at_end = v->exits;
		e->steps_at_end = e->steps;
		break;
	default:
		if (e->counting)
			e->ecalls++;
	}
	hc_return(v, 0, 0);
	return STEP_RESUME;
}

// The guest's `csrr rd, hstatus`: skip it (4 bytes, the guest builds it
// without compression); rd keeps its old value.
static int exit_count_other(struct vcpu *v, void *ctx)
{
	struct exit_count *e = ctx;
	if (v->trap.scause != CAUSE_VIRTUAL_INSTRUCTION)
		return 0;
	if (e->counting)
		e->virt++;
	v->sepc += 4;
	return 1;
}

static void exit_count_report(const struct exit_count *e)
{
	// The END call itself is one more exit than the guest's count.
	check("exit_count", e->rep_total > 0 && e->delta == (ulong)e->rep_total + 1 &&
	      e->exits_at_end == e->steps_at_end,
	      "the guest caused %ld exits (+1 for HC_COUNT_END), v->exits grew by %lu; "
	      "over the whole run v->exits = %lu, vcpu_run() calls = %lu", e->rep_total,
	      e->delta, e->exits_at_end, e->steps_at_end);
	check("exit_causes", e->rep_total > 0 && e->virt == (ulong)e->rep_virt &&
	      e->ecalls + e->virt == (ulong)e->rep_total,
	      "guest: %ld exits, %ld of them virtual instruction; v->trap.scause said "
	      "%lu ecalls and %lu virtual instruction", e->rep_total, e->rep_virt, e->ecalls,
	      e->virt);
	if (e->run_samples)
		fact("vcpu_run_insns", "%lu", e->run_insns / e->run_samples);
}

int scenario_exit_count(ulong hartid, const void *dtb)
{
	static struct vcpu v;
	struct exit_count e = { .rep_total = -1, .rep_virt = -1 };
	struct driver d = {
		.checks = exit_count_checks, .run = timed_run, .hypercall = exit_count_hypercall,
		.other_exit = exit_count_other, .ctx = &e, .max_steps = 20000,
	};
	vcpu_init(&v, guest_image_entry, hartid, (ulong)dtb);
	vcpu_load(&v);
	// The guest times the round trip with rdinstret: let it read instret
	// whatever lab 2 chose for hcounteren.IR (the figures are shown, not
	// graded; the counting above ends before the timing starts).
	csr_set(hcounteren, HCOUNTEREN_IR);
	if (vcpu_drive(&v, &d) != STEP_SHUTDOWN)
		return 1;
	exit_count_report(&e);
	return guest_shutdown_ok(&v) ? 0 : 1;
}
