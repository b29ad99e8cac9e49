// Lab 2 harness: runs your hyp_hart_init(), hgatp_probe_modes(),
// vcpu_init() and vcpu_launch(), and checks what they did against the
// hardware. The grader picks the scenario with test=NAME (lab.json):
//
//   hart_init         poison the H CSRs, hyp_hart_init(), read each one back
//   hart_init_nosstc  the same on -cpu rv64,sstc=off: STCE must end up 0
//   gstage_modes      hgatp_probe_modes() against the harness's own probe
//   vcpu_state        vcpu_init() with arguments drawn from this run's seed
//   guest_vs          launch; the guest's `csrr hstatus` must exit from VS
//   guest_args        launch; the guest reports the a0/a1 it started with
//   guest_args_smp    the same on a secondary hart, whose id is never 0
//   rdtime_direct     launch; the guest's rdtime must not exit
//   rdtime_trapped    the harness clears hcounteren.TM: rdtime must exit
//
// Poison: before hyp_hart_init() the harness writes a wrong value into every
// CSR it checks afterwards, as firmware, a previous kernel or an earlier
// run may leave them. Reset values cannot pass for work done.
#include "hyp.h"
#include "hypinit.h"
#include "vcpu.h"
#include "minisbi.h"
#include "lab2test.h"

#define CAPS_UNSET  (-1)

// hstatus bits the harness sets before hyp_hart_init() (Priv. 8.2.1), all
// legal values. SPV, HU, VTVM, VTW and VTSR would change what happens next.
#define HSTATUS_POISON (HSTATUS_SPV | HSTATUS_SPVP | HSTATUS_HU | HSTATUS_VTVM | \
			HSTATUS_VTW | HSTATUS_VTSR)
// ...and the ones that must be clear afterwards (SPVP does no harm).
#define HSTATUS_STALE  (HSTATUS_SPV | HSTATUS_HU | HSTATUS_VGEIN_MASK | HSTATUS_VTVM | \
			HSTATUS_VTW | HSTATUS_VTSR)

static struct vcpu vcpu0;

// What the harness finds out without asking the student's code.
struct hart_measure {
	int   sstc;          // DTB names Sstc and stimecmp is readable in HS
	ulong gstage_modes;  // the harness's own hgatp probe
};

struct bitname {
	ulong bit;
	const char *name;
};

static const struct bitname hstatus_names[] = {
	{ HSTATUS_SPV, "SPV" }, { HSTATUS_HU, "HU" }, { HSTATUS_VGEIN_MASK, "VGEIN" },
	{ HSTATUS_VTVM, "VTVM" }, { HSTATUS_VTW, "VTW" }, { HSTATUS_VTSR, "VTSR" },
};

static const struct bitname mode_names[] = {
	{ BIT(HGATP_MODE_BARE), "Bare" }, { BIT(HGATP_MODE_SV39X4), "Sv39x4" },
	{ BIT(HGATP_MODE_SV48X4), "Sv48x4" }, { BIT(HGATP_MODE_SV57X4), "Sv57x4" },
};

// "A B C" for the bits of `bits` named in t, or "none".
static const char *bit_list(ulong bits, const struct bitname *t, size_t n, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((bits & t[i].bit) && used < size)
			used += snprintf(buf + used, size - used, "%s%s", used ? " " : "", t[i].name);
	return used ? buf : "none";
}

static int contains(const char *s, const char *word)
{
	size_t n = strlen(word);
	for (; s && *s; s++)
		if (!strncmp(s, word, n))
			return 1;
	return 0;
}

// ---- what the hardware offers, measured by the harness --------------------

// Sstc, two ways that do not depend on henvcfg: the device tree's ISA string
// names it, and its CSR, stimecmp, can be read from HS-mode.
static int measure_sstc(void)
{
	trap_expect_begin();
	(void)csr_read(stimecmp);
	int trapped = trap_expect_end(NULL);
	return contains(platform.isa, "_sstc") && !trapped;
}

// The defined hgatp modes that read back as written, starting each write
// from a non-Bare value with every VMID and PPN bit set (Priv. 8.2.10).
static ulong measure_gstage_modes(void)
{
	static const ulong defined[] = { HGATP_MODE_SV39X4, HGATP_MODE_SV48X4,
					 HGATP_MODE_SV57X4 };
	ulong mask = BIT(HGATP_MODE_BARE);
	for (size_t i = 0; i < ARRAY_SIZE(defined); i++) {
		ulong m = defined[i];
		csr_write(hgatp, HGATP_VMID_MASK | HGATP_PPN_MASK | (m << HGATP_MODE_SHIFT));
		if (csr_read(hgatp) >> HGATP_MODE_SHIFT == m)
			mask |= BIT(m);
	}
	csr_write(hgatp, 0);
	hfence_gvma_all();
	return mask;
}

static void hart_measure(struct hart_measure *m)
{
	m->sstc = measure_sstc();
	m->gstage_modes = measure_gstage_modes();
}

// ---- poison, init, read back -------------------------------------------------

static void hart_poison(const struct hart_measure *m)
{
	ulong rng = run_seed();
	ulong ppn = 0x80000 + ((rand_next(&rng) & 0xffff) << 2);
	csr_write(hstatus, HSTATUS_VSXL_64 | HSTATUS_POISON);
	csr_write(hedeleg, ~0UL);            // WARL: keeps the writable bits
	csr_write(hideleg, ~0UL);
	csr_write(hcounteren, 0);
	csr_write(henvcfg, m->sstc ? 0 : HENVCFG_STCE);   // the wrong answer
	csr_write(hvip, HVIP_VSSIP | HVIP_VSTIP | HVIP_VSEIP);
	csr_write(vsatp, (SATP_MODE_SV39 << SATP_MODE_SHIFT) | ppn);
	csr_write(hgatp, (HGATP_MODE_SV39X4 << HGATP_MODE_SHIFT) | HGATP_VMID_MASK | ppn);
}

// Measure, poison, and call the student's hyp_hart_init() on this hart.
static void hart_init_poisoned(struct hart_measure *m, struct hyp_caps *caps)
{
	hart_measure(m);
	hart_poison(m);
	*caps = (struct hyp_caps){ .sstc = CAPS_UNSET, .gstage_modes = 0 };
	hyp_hart_init(caps);
	if (caps->sstc == CAPS_UNSET && caps->gstage_modes == 0)
		printf("csr: hyp_hart_init() did not fill in *caps: not implemented yet?\n");
}

static int check_hstatus(void)
{
	char names[64];
	ulong hs = csr_read(hstatus);
	ulong vsxl = (hs & HSTATUS_VSXL_MASK) >> HSTATUS_VSXL_SHIFT;
	return check("hstatus_init", vsxl == 2 && !(hs & HSTATUS_STALE),
		     "hstatus=0x%lx: VSXL=%lu (want 2), still set: %s", hs, vsxl,
		     bit_list(hs & HSTATUS_STALE, hstatus_names, ARRAY_SIZE(hstatus_names),
			      names, sizeof(names)));
}

static int check_counters(void)
{
	ulong hc = csr_read(hcounteren);
	fact("hcounteren", "0x%lx", hc);
	return check("hcounteren_tm", (hc & HCOUNTEREN_TM) != 0,
		     "hcounteren=0x%lx: TM=%d (want 1, else every guest rdtime exits)", hc,
		     (hc & HCOUNTEREN_TM) != 0);
}

static int check_sstc(const struct hyp_caps *caps, const struct hart_measure *m)
{
	int stce = (csr_read(henvcfg) & HENVCFG_STCE) != 0;
	fact("sstc", "%d", caps->sstc);
	return check("henvcfg_stce", stce == m->sstc && caps->sstc == m->sstc,
		     "this hart %s Sstc; henvcfg.STCE=%d caps.sstc=%d, want %d and %d",
		     m->sstc ? "has" : "lacks", stce, caps->sstc, m->sstc, m->sstc);
}

static int check_zero(const char *name, const char *csr, ulong val, const char *why)
{
	return check(name, val == 0, "%s=0x%lx, want 0: %s", csr, val, why);
}

// Every per-hart CSR, read back after hyp_hart_init(); one CHECK each,
// then hart_init_ok when all of them passed.
static int hart_check(const struct hyp_caps *caps, const struct hart_measure *m)
{
	int ok = check_hstatus();
	ulong he = csr_read(hedeleg), hi = csr_read(hideleg);
	ok &= check("deleg_clear", he == 0 && hi == 0,
		    "hedeleg=0x%lx hideleg=0x%lx, want 0: in lab 2 every guest trap comes to HS",
		    he, hi);
	ok &= check_counters();
	ok &= check_sstc(caps, m);
	ok &= check_zero("hvip_clear", "hvip", csr_read(hvip), "no virtual interrupt pending");
	ok &= check_zero("vsatp_clear", "vsatp", csr_read(vsatp), "guest translation starts off");
	ok &= check_zero("hgatp_bare", "hgatp", csr_read(hgatp), "G-stage Bare, GPA = HPA");
	check("hart_init_ok", ok, "see the CHECK lines above");
	return ok;
}

static void print_modes(const char *who, ulong mask)
{
	char names[64];
	printf("csr: G-stage modes (%s): %s (mask 0x%lx)\n", who,
	       bit_list(mask, mode_names, ARRAY_SIZE(mode_names), names, sizeof(names)), mask);
}

// ---- scenarios without a guest -------------------------------------------------

static void scenario_hart_init(void)
{
	struct hart_measure m;
	struct hyp_caps caps;
	hart_init_poisoned(&m, &caps);
	hart_check(&caps, &m);
	printf("csr: Sstc %s, hcounteren=0x%lx\n", caps.sstc == 1 ? "usable" : "not usable",
	       csr_read(hcounteren));
	print_modes("caps", caps.gstage_modes);
}

static void scenario_gstage_modes(void)
{
	struct hart_measure m;
	struct hyp_caps caps;
	hart_measure(&m);
	print_modes("measured by the harness", m.gstage_modes);
	hart_poison(&m);
	ulong got = hgatp_probe_modes();
	print_modes("hgatp_probe_modes", got);
	check("probe_modes", got == m.gstage_modes,
	      "hgatp_probe_modes() = 0x%lx, the harness measured 0x%lx (bit m = MODE m)", got,
	      m.gstage_modes);
	ulong left = csr_read(hgatp);
	check("probe_leaves_bare", left == 0,
	      "hgatp=0x%lx after the probe (the harness had set Sv39x4), want 0 (Bare)", left);
	hart_init_poisoned(&m, &caps);
	check("caps_modes", caps.gstage_modes == m.gstage_modes,
	      "caps.gstage_modes=0x%lx after hyp_hart_init(), want 0x%lx", caps.gstage_modes,
	      m.gstage_modes);
}

// The first GPR of *v that is not what vcpu_init() should have put there,
// or -1 when all are right.
static int vcpu_bad_gpr(const struct vcpu *v, ulong hartid, ulong dtb)
{
	for (int i = 0; i < 32; i++) {
		ulong want = i == REG_A0 ? hartid : i == REG_A1 ? dtb : 0;
		if (v->gprs[i] != want)
			return i;
	}
	return -1;
}

static void scenario_vcpu_state(void)
{
	ulong rng = run_seed();
	ulong entry = GUEST_BARE_BASE + (rand_next(&rng) & 0xfffc);
	ulong hartid = 1 + rand_next(&rng) % 1000;
	ulong dtb = RAM_BASE + ((0x100 + rand_next(&rng) % 0x7000) << PAGE_SHIFT);
	struct vcpu *v = &vcpu0;
	// Stale data from an earlier vCPU, wrong in every field checked below.
	memset(v, 0xa5, sizeof(*v));
	v->sstatus = SSTATUS_SPIE;
	v->hstatus = HSTATUS_VSXL_64;
	vcpu_init(v, entry, hartid, dtb);
	printf("csr: vcpu_init(entry=0x%lx, hartid=%lu, dtb=0x%lx)\n", entry, hartid, dtb);

	int bad = vcpu_bad_gpr(v, hartid, dtb);
	char gpr[48] = "all GPRs right";
	if (bad >= 0)
		snprintf(gpr, sizeof(gpr), "x%d=0x%lx", bad, v->gprs[bad]);
	check("vcpu_regs", bad < 0 && v->sepc == entry && v->hartid == hartid,
	      "%s (a0 hartid, a1 dtb, others 0); sepc=0x%lx want 0x%lx; hartid=0x%lx", gpr,
	      v->sepc, entry, v->hartid);
	check("vcpu_sstatus_spp", (v->sstatus & SSTATUS_SPP) != 0,
	      "v->sstatus=0x%lx: SPP must be 1 so that sret enters VS, not VU", v->sstatus);
	check("vcpu_sstatus_fs", (v->sstatus & SSTATUS_FS) != 0,
	      "v->sstatus=0x%lx: FS is Off, so the guest could not use floating point",
	      v->sstatus);
	ulong hs = v->hstatus;
	int good = (hs & HSTATUS_SPV) && (hs & HSTATUS_SPVP) &&
		   (hs & HSTATUS_VSXL_MASK) == HSTATUS_VSXL_64;
	check("vcpu_hstatus", good, "v->hstatus=0x%lx: want SPV=1, SPVP=1, VSXL=2", hs);
}

// ---- scenarios with a guest -----------------------------------------------------

static int is_test(const char *name)
{
	return !strcmp(run_test(), name);
}

// Everything a launch needs, on the calling hart; never returns.
static NORETURN void launch_here(ulong hartid)
{
	struct hart_measure m;
	struct hyp_caps caps;
	hart_init_poisoned(&m, &caps);
	if (is_test("guest_args_smp"))
		hart_check(&caps, &m);

	struct lab2_expect e = { .hartid = hartid, .dtb = (ulong)boot_dtb, .timedelta = 0 };
	if (!strncmp(run_test(), "rdtime_", 7)) {
		// The guest's time is the host's plus htimedelta (Priv. 8.2.7).
		e.timedelta = (run_seed() & 0xffffff) << 8;
		csr_write(htimedelta, e.timedelta);
	}
	if (is_test("rdtime_trapped")) {
		csr_clear(hcounteren, HCOUNTEREN_TM);
		printf("csr: harness cleared hcounteren.TM: the guest's rdtime must exit\n");
	}
	exits_arm(&e);
	guest_image_load(GUEST_BARE_BASE);
	vcpu_init(&vcpu0, guest_image_entry, hartid, e.dtb);
	printf("csr: launching the guest at 0x%lx on hart %lu\n", guest_image_entry, hartid);
	vcpu_launch(&vcpu0);
}

static void secondary_main(ulong hartid)
{
	launch_here(hartid);
}

// The vCPU runs on the highest-numbered hart that is not the boot hart:
// with three harts or more its id is never 0, whoever won OpenSBI's lottery.
static int scenario_smp(ulong boot)
{
	long target = -1;
	for (int i = 0; i < platform.nharts; i++) {
		long id = (long)platform.hartids[i];
		if ((ulong)id != boot && id > target)
			target = id;
	}
	if (target <= 0) {
		printf("csr: guest_args_smp needs -smp 3 or more\n");
		return 1;
	}
	printf("csr: boot hart %lu starts hart %ld for the vCPU\n", boot, target);
	long err = hart_start((ulong)target, secondary_main, (ulong)target);
	if (err) {
		printf("csr: hart_start(%ld) failed: %ld\n", target, err);
		return 1;
	}
	for (;;)                 // the guest's shutdown ends the run
		wfi();
}

int lab_main(ulong hartid, const void *dtb)
{
	UNUSED(dtb);
	if (is_test("hart_init") || is_test("hart_init_nosstc"))
		scenario_hart_init();
	else if (is_test("gstage_modes"))
		scenario_gstage_modes();
	else if (is_test("vcpu_state"))
		scenario_vcpu_state();
	else if (is_test("guest_args_smp"))
		return scenario_smp(hartid);
	else
		launch_here(hartid);        // guest_vs, guest_args, rdtime_*, or none
	// A stale SPV = 1 would turn the next HS trap's sret into a guest entry.
	csr_clear(hstatus, HSTATUS_SPV);
	return 0;
}
