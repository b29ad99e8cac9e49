// Scenario "two_vcpus": two vCPUs take turns on this one hart.
//
// vCPU 0 boots the guest image normally and tells the harness where vCPU 1
// starts (HC_VCPU1_ENTRY: an entry with its own stack, test/guest/vcpu1.S).
// Each vCPU, in every round, writes its own values into its VS CSRs
// (sscratch, sepc, scause, stval, sie, satp with its own Sv39 table,
// stimecmp, sstatus.SUM/MXR, sip.SSIP, and its own stvec), yields
// (HC_YIELD), and once resumed checks that all of them are still its own,
// that `time` carries its own htimedelta, and that an ebreak lands in its
// own trap handler. The harness switches on every yield:
//     vcpu_put(current); vcpu_load(other);
// and compares struct vcpu_vs_csrs with the hardware after each call.
#include "harness.h"

static const char *const two_vcpus_checks[] = {
	"vcpu0_vs_csrs",          // guest, vCPU 0
	"vcpu1_vs_csrs",          // guest, vCPU 1
	"vcpu_load_put",          // harness: the hardware and struct vcpu agree
	"vcpus_alternate",        // harness: 2 x TWO_VCPU_ROUNDS yields, in turn
	NULL,
};

struct two {
	struct vcpu cpu[2];
	int cur;                  // the vCPU loaded on the hart
	int started[2];           // vcpu_init done
	int done[2];              // HC_DONE seen
	ulong rounds[2];          // yields seen from each, in order
	ulong out_of_order;
	struct vcpu_vs_csrs reset; // the VS CSRs when the scenario began
	ulong switches;
	ulong bad;                // struct/hardware disagreements
	char first_bad[160];
};

static int have_sstc(void)
{
	return (csr_read(henvcfg) & HENVCFG_STCE) != 0;
}

// The harness's own reading of the VS CSRs (never the student's code).
static void vs_snapshot(struct vcpu_vs_csrs *s)
{
	s->vsstatus = csr_read(vsstatus);
	s->vsie = csr_read(vsie);
	s->vstvec = csr_read(vstvec);
	s->vsscratch = csr_read(vsscratch);
	s->vsepc = csr_read(vsepc);
	s->vscause = csr_read(vscause);
	s->vstval = csr_read(vstval);
	s->vsatp = csr_read(vsatp);
	s->htimedelta = csr_read(htimedelta);
	s->vstimecmp = have_sstc() ? csr_read(vstimecmp) : 0;
	s->hvip = csr_read(hvip);
}

// A vCPU's VS CSRs before its first run: legal values (the hardware's at
// the start of the scenario), no trap vector, translation off, its own
// htimedelta, and no timer interrupt for a long time.
static void vs_initial(struct vcpu_vs_csrs *s, const struct vcpu_vs_csrs *reset,
		       ulong htimedelta)
{
	*s = *reset;
	s->vsie = s->vstvec = s->vsscratch = s->vsepc = s->vscause = s->vstval = 0;
	s->vsatp = 0;
	s->hvip = 0;
	s->htimedelta = htimedelta;
	s->vstimecmp = have_sstc() ? ~0UL : 0;
}

// Compare field by field; note the first difference. Returns 1 if equal.
static int vs_compare(struct two *t, const char *when, int id, const struct vcpu_vs_csrs *want,
		      const struct vcpu_vs_csrs *got, const char *want_is, const char *got_is)
{
	static const char *const names[] = {
		"vsstatus", "vsie", "vstvec", "vsscratch", "vsepc", "vscause", "vstval", "vsatp",
		"htimedelta", "vstimecmp", "hvip",
	};
	_Static_assert(sizeof(struct vcpu_vs_csrs) == sizeof(names) / sizeof(names[0]) * 8,
		       "one name per field");
	const ulong *w = (const ulong *)want, *g = (const ulong *)got;
	for (ulong i = 0; i < ARRAY_SIZE(names); i++) {
		if (w[i] == g[i])
			continue;
		if (!t->first_bad[0])
			snprintf(t->first_bad, sizeof(t->first_bad), "switch %lu, after %s(vCPU %d): "
				 "%s: %s 0x%lx, %s 0x%lx", t->switches, when, id, names[i],
				 want_is, w[i], got_is, g[i]);
		return 0;
	}
	return 1;
}

// Put the current vCPU away and the other one on the hart.
static void switch_vcpu(struct two *t)
{
	struct vcpu_vs_csrs hw;
	int from = t->cur, to = !t->cur, ok;
	vs_snapshot(&hw);
	vcpu_put(&t->cpu[from]);
	ok = vs_compare(t, "vcpu_put", from, &hw, &t->cpu[from].vs, "hardware", "v->vs");
	vcpu_load(&t->cpu[to]);
	vs_snapshot(&hw);
	ok &= vs_compare(t, "vcpu_load", to, &t->cpu[to].vs, &hw, "v->vs", "hardware");
	if (!ok)
		t->bad++;
	t->cur = to;
	t->switches++;
}

static enum step on_yield(struct two *t, ulong id, ulong round)
{
	if (id != (ulong)t->cur || round != t->rounds[t->cur])
		t->out_of_order++;
	t->rounds[t->cur]++;
	return STEP_YIELD;
}

// After HC_DONE: let the other vCPU finish; vCPU 0 ends the run (SRST).
static enum step on_done(struct two *t)
{
	t->done[t->cur] = 1;
	if (!t->done[!t->cur] || t->cur == 1)
		return STEP_YIELD;
	return STEP_RESUME;
}

static enum step two_hypercall(struct vcpu *v, void *ctx)
{
	struct two *t = ctx;
	ulong fid = v->gprs[REG_A6], a0 = v->gprs[REG_A0], a1 = v->gprs[REG_A1];
	hc_return(v, 0, 0);
	switch (fid) {
	case HC_VCPU1_ENTRY:
		vcpu_init(&t->cpu[1], a0, 1, vcpu1_htimedelta(run_seed()));
		vs_initial(&t->cpu[1].vs, &t->reset, vcpu1_htimedelta(run_seed()));
		t->started[1] = 1;
		v->gprs[REG_A1] = (ulong)have_sstc();   // may the guests use stimecmp?
		return STEP_RESUME;
	case HC_YIELD:
		return on_yield(t, a0, a1);
	case HC_DONE:
		return on_done(t);
	}
	v->gprs[REG_A0] = (ulong)SBI_ERR_NOT_SUPPORTED;
	return STEP_RESUME;
}

static void two_report(const struct two *t)
{
	if (t->bad)
		check("vcpu_load_put", 0, "%s (%lu of %lu switches wrong)", t->first_bad, t->bad,
		      t->switches);
	else
		check("vcpu_load_put", t->switches >= 2 * TWO_VCPU_ROUNDS,
		      "%lu switches, want at least %d", t->switches,
		      2 * TWO_VCPU_ROUNDS);
	check("vcpus_alternate", t->rounds[0] == TWO_VCPU_ROUNDS &&
	      t->rounds[1] == TWO_VCPU_ROUNDS && !t->out_of_order && t->done[0] && t->done[1],
	      "yields: vCPU 0 %lu, vCPU 1 %lu (want %d each, in turn), %lu out of order, "
	      "done %d/%d", t->rounds[0], t->rounds[1], TWO_VCPU_ROUNDS, t->out_of_order,
	      t->done[0], t->done[1]);
}

// Runs until vCPU 0 shuts the guest down; switches vCPUs on STEP_YIELD.
static int two_loop(struct two *t, const struct driver *d)
{
	for (ulong n = 0; n < d->max_steps; n++) {
		enum step s = vcpu_step(&t->cpu[t->cur], d);
		if (s == STEP_SHUTDOWN || s == STEP_ERROR)
			return s;
		if (s != STEP_YIELD)
			continue;
		if (!t->started[1]) {
			fail_checks(d->checks, "vCPU 0 yielded before telling where vCPU 1 starts");
			return STEP_ERROR;
		}
		switch_vcpu(t);
	}
	fail_checks(d->checks, "the vCPUs never finished (too many exits)");
	return STEP_ERROR;
}

int scenario_two_vcpus(ulong hartid, const void *dtb)
{
	static struct two t;
	struct driver d = {
		.checks = two_vcpus_checks, .hypercall = two_hypercall, .ctx = &t,
		.max_steps = 100000,
	};
	vs_snapshot(&t.reset);
	vcpu_init(&t.cpu[0], guest_image_entry, hartid, (ulong)dtb);
	vs_initial(&t.cpu[0].vs, &t.reset, 0);
	t.cpu[0].id = 0;
	t.cpu[1].id = 1;
	t.started[0] = 1;
	vcpu_load(&t.cpu[0]);
	if (two_loop(&t, &d) != STEP_SHUTDOWN)
		return 1;
	if (t.cur != 0)
		printf("lab4: the guest shut down from vCPU 1\n");
	two_report(&t);
	return guest_shutdown_ok(&t.cpu[t.cur]) ? 0 : 1;
}
