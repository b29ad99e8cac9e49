// Scenario "hyp_state": vcpu_run() must look like an ordinary C function to
// its caller. The guest fills all its registers with junk before each of
// its hypercalls; every vcpu_run() goes through probe_vcpu_run() (probe.S),
// which sets s0-s11 and gp to fresh seed-derived canaries and records them
// after the call, with sp, tp and ra. Around each run the harness also puts
// a fresh value in sscratch and flips sstatus.SUM, then checks that stvec,
// sscratch and sstatus.SUM are the hypervisor's again and hstatus.SPV is 0
// (lab 3 handout: OpenSBI leaves SPV = 1, and an HS trap with SPV = 1
// would sret into the guest).
#include "harness.h"
#include "probe.h"

_Static_assert(offsetof(struct probe_regs, s) == PROBE_S, "s");
_Static_assert(offsetof(struct probe_regs, sp) == PROBE_SP, "sp");
_Static_assert(offsetof(struct probe_regs, gp) == PROBE_GP, "gp");
_Static_assert(offsetof(struct probe_regs, tp) == PROBE_TP, "tp");
_Static_assert(offsetof(struct probe_regs, ra) == PROBE_RA, "ra");
_Static_assert(offsetof(struct probe_regs, want_sp) == PROBE_WANT_SP, "want_sp");
_Static_assert(offsetof(struct probe_regs, want_tp) == PROBE_WANT_TP, "want_tp");
_Static_assert(offsetof(struct probe_regs, want_ra) == PROBE_WANT_RA, "want_ra");

static const char *const hyp_state_checks[] = {
	"hyp_callee_saved",       // s0-s11
	"hyp_sp_gp_tp_ra",
	"hyp_csrs_after_exit",    // stvec, sscratch, sstatus.SUM, hstatus.SPV
	NULL,
};

// The first thing found wrong in one category, and how often.
struct finding {
	ulong count;
	char first[120];
};

struct hyp_state {
	ulong seed;
	ulong runs;             // vcpu_run() calls that reached the guest
	ulong junk_calls;       // HC_JUNK exits
	long  reported;         // the guest's count of junk calls (HC_DONE)
	struct finding sregs, sp_gp_tp_ra, csrs;
};

static void note(struct finding *f, ulong run, const char *what, ulong want, ulong got)
{
	if (f->count++)
		return;
	snprintf(f->first, sizeof(f->first), "run %lu: %s 0x%lx before vcpu_run(), 0x%lx after",
		 run, what, want, got);
}

static void compare_regs(struct hyp_state *h, const ulong *canary, const struct probe_regs *r)
{
	static const char *const names[12] = {
		"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
	};
	for (int i = 0; i < 12; i++)
		if (r->s[i] != canary[i])
			note(&h->sregs, h->runs, names[i], canary[i], r->s[i]);
	if (r->sp != r->want_sp)
		note(&h->sp_gp_tp_ra, h->runs, "sp", r->want_sp, r->sp);
	if (r->gp != canary[12])
		note(&h->sp_gp_tp_ra, h->runs, "gp", canary[12], r->gp);
	if (r->tp != r->want_tp)
		note(&h->sp_gp_tp_ra, h->runs, "tp", r->want_tp, r->tp);
	if (r->ra != r->want_ra)
		note(&h->sp_gp_tp_ra, h->runs, "ra", r->want_ra, r->ra);
}

// The hypervisor CSRs a world switch borrows. Compared, then put back, so
// that one mistake does not derail the rest of the run.
struct hyp_csrs {
	ulong stvec, sscratch, sum;
};

static void compare_csrs(struct hyp_state *h, const struct hyp_csrs *before)
{
	ulong stvec = csr_read(stvec), sscratch = csr_read(sscratch);
	ulong sum = csr_read(sstatus) & SSTATUS_SUM, hstatus = csr_read(hstatus);
	if (stvec != before->stvec)
		note(&h->csrs, h->runs, "stvec", before->stvec, stvec);
	if (sscratch != before->sscratch)
		note(&h->csrs, h->runs, "sscratch", before->sscratch, sscratch);
	if (sum != before->sum)
		note(&h->csrs, h->runs, "sstatus.SUM", before->sum, sum);
	if (hstatus & HSTATUS_SPV)
		note(&h->csrs, h->runs, "hstatus.SPV", 0, 1);
	csr_write(stvec, before->stvec);
	csr_write(sscratch, before->sscratch);
	csr_clear(sstatus, SSTATUS_SUM);
	csr_set(sstatus, before->sum);
	csr_clear(hstatus, HSTATUS_SPV);
}

static void probed_run(struct vcpu *v, void *ctx)
{
	struct hyp_state *h = ctx;
	ulong canary[PROBE_CANARIES];
	struct probe_regs after;
	for (int i = 0; i < PROBE_CANARIES; i++)
		canary[i] = mix64(h->seed ^ (h->runs << 20) ^ ((ulong)i << 8) ^ 0xca9a);
	struct hyp_csrs before = {
		.stvec = csr_read(stvec),
		.sscratch = mix64(h->seed ^ h->runs ^ 0x5c5c),
		.sum = (h->runs & 1) ? SSTATUS_SUM : 0,
	};
	csr_write(sscratch, before.sscratch);
	csr_clear(sstatus, SSTATUS_SUM);
	csr_set(sstatus, before.sum);
	probe_vcpu_run(v, canary, &after);
	if (v->trap.scause == NO_TRAP)
		return;
	compare_regs(h, canary, &after);
	compare_csrs(h, &before);
	h->runs++;
}

static enum step hyp_state_hypercall(struct vcpu *v, void *ctx)
{
	struct hyp_state *h = ctx;
	if (v->gprs[REG_A6] == HC_JUNK)
		h->junk_calls++;
	else if (v->gprs[REG_A6] == HC_DONE)
		h->reported = (long)v->gprs[REG_A0];
	hc_return(v, 0, 0);
	return STEP_RESUME;
}

static void report_finding(const char *name, const struct hyp_state *h, const struct finding *f)
{
	if (f->count) {
		check(name, 0, "%s (%lu of %lu runs wrong)", f->first, f->count, h->runs);
		return;
	}
	check(name, h->reported > 0 && (ulong)h->reported == h->junk_calls,
	      "%lu runs; the guest made %ld junk hypercalls, the harness saw %lu", h->runs,
	      h->reported, h->junk_calls);
}

int scenario_hyp_state(ulong hartid, const void *dtb)
{
	static struct vcpu v;
	struct hyp_state h = { .seed = run_seed(), .reported = -1 };
	struct driver d = {
		.checks = hyp_state_checks, .run = probed_run, .hypercall = hyp_state_hypercall,
		.ctx = &h, .max_steps = 20000,
	};
	vcpu_init(&v, guest_image_entry, hartid, (ulong)dtb);
	vcpu_load(&v);
	if (vcpu_drive(&v, &d) != STEP_SHUTDOWN)
		return 1;
	report_finding("hyp_callee_saved", &h, &h.sregs);
	report_finding("hyp_sp_gp_tp_ra", &h, &h.sp_gp_tp_ra);
	report_finding("hyp_csrs_after_exit", &h, &h.csrs);
	return guest_shutdown_ok(&v) ? 0 : 1;
}
