// Lab 5 harness: tests your G-stage page tables (gstage.c).
//
// Each test (bootarg test=NAME) is one scenario. Guest scenarios give the
// test guest 4 MiB of RAM at GPA 0x80000000 through vm_ram_setup() (which
// calls your gstage_create/gstage_map/gstage_activate), add the scenario's
// test pages, and run the guest with lab 4's vcpu_run(). The guest probes
// memory and reports (lab5.h); the harness judges each report against its
// own record of what should be mapped (model.c). Guest-page faults of the
// guest's probes are resumed after the probe; any other exit ends the run
// with a decoded dump. Scenarios without a guest (tableapi.c) call your
// functions directly and look at the tables with their own walker.
#include "harness.h"
#include "hypinit.h"
#include "vcpu.h"
#include "minisbi.h"

#define MAX_EXITS 100000

struct lab5 L;
static struct vcpu vcpu0;
static ulong probe_start, probe_end;    // the guest's probe code (HC_HELLO)

ulong pick(ulong span, ulong align)
{
	return rand_next(&L.rng) % (span / align) * align;
}

// Test pages hold a pattern that depends on the run's seed and a salt, so
// no two pages (and no two runs) look alike.
static u64 pattern_word(ulong salt, ulong i)
{
	ulong x = (run_seed() ^ salt) + i * 0x9e3779b97f4a7c15UL;
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9UL;
	return x ^ (x >> 29);
}

void fill_pattern(void *p, ulong size, ulong salt)
{
	u64 *w = p;
	for (ulong i = 0; i < size / 8; i++)
		w[i] = pattern_word(salt, i);
}

int pattern_intact(const void *p, ulong size, ulong salt)
{
	const volatile u64 *w = p;
	for (ulong i = 0; i < size / 8; i++)
		if (w[i] != pattern_word(salt, i))
			return 0;
	return 1;
}

// HLV/HSV (Priv. 8.3.1) with the expected-trap guard: the hardware walks
// the tables exactly as for the guest, and a guest-page fault comes back
// to us as a cause instead of a panic.
ulong hlv_d(ulong gpa, ulong *val)
{
	struct trap_record rec;
	ulong v = 0;
	trap_expect_begin();
	asm volatile(".option push\n.option arch, +h\nhlv.d %0, (%1)\n.option pop"
		     : "+r"(v) : "r"(gpa) : "memory");
	if (trap_expect_end(&rec))
		return rec.scause;
	*val = v;
	return 0;
}

ulong hsv_d(ulong gpa, ulong val)
{
	struct trap_record rec;
	trap_expect_begin();
	asm volatile(".option push\n.option arch, +h\nhsv.d %0, (%1)\n.option pop"
		     : : "r"(val), "r"(gpa) : "memory");
	return trap_expect_end(&rec) ? rec.scause : 0;
}

static const struct scenario *scenario_find(const char *name)
{
	for (int i = 0; i < nguest_scenarios; i++)
		if (!strcmp(name, guest_scenarios[i].name))
			return &guest_scenarios[i];
	for (int i = 0; i < ntable_scenarios; i++)
		if (!strcmp(name, table_scenarios[i].name))
			return &table_scenarios[i];
	return NULL;
}

// ---- guest exits -----------------------------------------------------------

static void dump_exit(const char *why, struct vcpu *v)
{
	struct trapframe tf;
	memcpy(tf.regs, v->gprs, sizeof(tf.regs));
	tf.sepc = v->sepc;
	tf.sstatus = v->sstatus;
	tf.hstatus = v->hstatus;
	tf.scause = v->trap.scause;
	tf.stval = v->trap.stval;
	tf.htval = v->trap.htval;
	tf.htinst = v->trap.htinst;
	trap_dump(why, &tf, 1);
}

// A guest-page fault (Priv. 8.5.2). 0: a probe faulted, resume after it.
static int on_guest_page_fault(struct vcpu *v)
{
	ulong cause = v->trap.scause;
	ulong gpa = v->trap.htval << 2 | (v->trap.stval & 3);
	int fetch = cause == CAUSE_FETCH_GUEST_PAGE_FAULT;
	ulong where = fetch ? v->gprs[REG_RA] : v->sepc;
	printf("hyp: %s at GPA 0x%lx (htval 0x%lx << 2 | stval 0x%lx & 3), sepc 0x%lx\n",
	       cause_name(cause), gpa, v->trap.htval, v->trap.stval, v->sepc);
	if (where < probe_start || where >= probe_end) {
		printf("hyp: the guest's own code or data faulted, not one of its probes\n");
		gwalk_explain(L.ram.root, gpa);
		dump_exit("unexpected guest-page fault", v);
		return -1;
	}
	model_fault(cause, gpa);
	v->gprs[REG_T6] = 1;                     // tells the probe it faulted
	v->sepc = fetch ? v->gprs[REG_RA] : v->sepc + 4;
	return 0;
}

// A lab-5 hypercall. Returns 1 when the scenario is over.
static int on_hypercall(const struct scenario *s, struct vcpu *v)
{
	ulong *a = &v->gprs[REG_A0];
	int over = 0;
	switch (v->gprs[REG_A6]) {
	case HC_HELLO:
		probe_start = a[0];
		probe_end = a[1];
		check_ok(C_GUEST_BOOTS);
		break;
	case HC_ADDR:
		a[0] = a[0] < A_COUNT ? L.addr[a[0]] : 0;
		break;
	case HC_REPORT:
		model_judge(a[0] & 0xff, a[0] >> 8, a[1], a[2], a[3]);
		break;
	case HC_ACTION:
		a[0] = s->action ? (ulong)s->action(a[0]) : (ulong)-1;
		break;
	case HC_DONE:
		over = 1;
		break;
	}
	v->sepc += 4;
	return over;
}

// Runs the guest until HC_DONE (returns NULL) or until something goes
// wrong (returns why).
static const char *guest_loop(const struct scenario *s)
{
	struct vcpu *v = &vcpu0;
	for (int n = 0; n < MAX_EXITS; n++) {
		vcpu_run(v);
		ulong cause = v->trap.scause;
		if (cause == CAUSE_VIRTUAL_SUPERVISOR_ECALL) {
			ulong eid = v->gprs[REG_A7];
			if (eid == LAB5_EID) {
				if (on_hypercall(s, v))
					return NULL;
			} else if (eid == SBI_EXT_SRST || eid == SBI_EXT_LEGACY_SHUTDOWN) {
				return "the guest shut down before it finished";
			} else {
				minisbi_handle(v->gprs, &v->sepc);
			}
		} else if (cause == CAUSE_FETCH_GUEST_PAGE_FAULT ||
			   cause == CAUSE_LOAD_GUEST_PAGE_FAULT ||
			   cause == CAUSE_STORE_GUEST_PAGE_FAULT) {
			if (on_guest_page_fault(v))
				return "the guest took a guest-page fault outside its probes";
		} else {
			dump_exit("unexpected guest exit", v);
			return "unexpected guest exit (see the dump)";
		}
	}
	return "the guest did not finish (too many exits)";
}

static const char *run_with_guest(const struct scenario *s, ulong hartid)
{
	L.vmid = 1 + pick(0x3ffe, 1);
	if (vm_ram_setup(&L.ram, GUEST_RAM_SIZE, L.vmid))
		return "guest RAM could not be set up (vm_ram_setup failed, see above)";
	model_add(L.ram.gpa, L.ram.size, L.ram.hva, PTE_RWX);
	L.addr[A_RAM_END] = L.ram.gpa + L.ram.size;
	// A hole: below 2^39 (QEMU 7.2 faults on any GPA with bit 40 set).
	L.addr[A_HOLE] = 0x4000000000UL + pick(1UL << 36, PAGE_SIZE);
	const char *why = s->setup();
	if (why)
		return why;
	printf("hyp: lab 5 %s: guest RAM at GPA 0x%lx -> host 0x%lx, hgatp 0x%lx\n", s->name,
	       L.ram.gpa, (ulong)L.ram.hva, csr_read(hgatp));
	vcpu_init(&vcpu0, GUEST_RAM_GPA, hartid, L.ram.dtb_gpa);
	vcpu_load(&vcpu0);
	why = guest_loop(s);
	if (!why && s->finish)
		s->finish();
	return why;
}

int lab_main(ulong hartid, const void *dtb)
{
	UNUSED(dtb);
	const char *name = run_test()[0] ? run_test() : "guest_reads";
	const struct scenario *s = scenario_find(name);
	if (!s) {
		printf("hyp: lab 5 has no test '%s'\n", name);
		return 1;
	}
	L.rng = run_seed() ^ 0xbb67ae8584caa73bUL;
	checks_begin(s->checks, s->nchecks);
	struct hyp_caps caps;
	hyp_hart_init(&caps);
	deleg_init();
	const char *why = s->setup ? run_with_guest(s, hartid) : s->run();
	checks_end(why);
	return why != NULL;
}
