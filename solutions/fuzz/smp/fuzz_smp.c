// fuzz_smp.c: the harness of the SMP fuzz image (make fuzz, scenario hsm;
// docs/fuzz.md, "Several harts").
//
// Built as lab 8's reference hypervisor with this file instead of lab 8's
// harness (make LAB=8 SOLUTION=1 FUZZ=smp). The VM is lab 8's: one vCPU
// per physical hart, vCPU 0 STARTED, the others STOPPED until the guest
// starts them with SBI HSM. The run loop is lab 8's (labs/08-hsm/test/
// harness.c), with three additions for the fuzzer:
//   - every exit is counted, per reason, and reported at the end;
//   - host memory the guest must never reach is watched: 2 x 16 pages next
//     to the guest's RAM and guard words on both sides of the VM's struct
//     (the HSM state, the request words, the vCPUs), filled with a pattern
//     from the seed and checked after the run;
//   - after the guest's shutdown, the VM's own state is checked: no remote
//     fence still counted as pending, every vCPU but vCPU 0 STOPPED (the
//     guest stops them all before it shuts down).
// Bootargs: test=hsm seed=<hex> ops=<n> (operations per hart, read by the
// guest itself from the same bootargs).
#include "hyp.h"
#include "hypinit.h"
#include "gstage.h"
#include "vcpu.h"
#include "vmram.h"
#include "vmexit.h"
#include "vsbi.h"
#include "fdt.h"
#include "smpvm.h"
#include "fuzz_smp.h"

#define SECONDARY_WAIT_US  2000000   // physical harts must be up by then
#define IRQ_HOST_IPI       (CAUSE_INTERRUPT | IRQ_S_SOFT)

enum verdict { RESUME, STOP_OK, STOP_FAIL };

// The VM between two rows of guard words (watch_check()); below it is
// called vm, as in lab 8's harness.
static struct {
	ulong before[FUZZ_SMP_GUARD_WORDS];
	struct smp_vm vm;
	ulong after[FUZZ_SMP_GUARD_WORDS];
} guarded;
#define vm guarded.vm

static struct vm_ram ram;
static struct hyp_caps caps;
static ulong timebase;
static volatile int harts_online;
static volatile int vm_status;       // 0 ok, 1 failure (the first stop decides)
static volatile int guest_clean;     // SRST with reason "none"
static ulong exits[EXIT_REASON_COUNT], host_ipis;
static volatile int bad_exit_vcpu = -1;   // the first exit the loop could not handle
static struct vm_exit bad_exit;

// ---- host memory the guest must not reach ----------------------------------
static ulong *canary[2];

static ulong pattern(ulong seed, ulong i)
{
	ulong x = (seed ^ 0x5ca1ab1e5eedUL) + i * 0x9e3779b97f4a7c15UL;
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9UL;
	return x ^ (x >> 29);
}

static void fill(ulong *p, ulong n, ulong seed)
{
	for (ulong i = 0; i < n; i++)
		p[i] = pattern(seed, i);
}

static ulong count_bad(const ulong *p, ulong n, ulong seed)
{
	ulong bad = 0;
	for (ulong i = 0; i < n; i++)
		bad += p[i] != pattern(seed, i);
	return bad;
}

#define CANARY_WORDS (FUZZ_SMP_CANARY_PAGES * PAGE_SIZE / sizeof(ulong))

static void watch_fill(ulong seed)
{
	fill(canary[0], CANARY_WORDS, seed);
	fill(canary[1], CANARY_WORDS, ~seed);
	fill(guarded.before, FUZZ_SMP_GUARD_WORDS, seed + 1);
	fill(guarded.after, FUZZ_SMP_GUARD_WORDS, seed + 2);
}

static void watch_check(ulong seed)
{
	ulong pages = count_bad(canary[0], CANARY_WORDS, seed) +
		      count_bad(canary[1], CANARY_WORDS, ~seed);
	check("canary", pages == 0, "%lu of %lu host words next to the guest's RAM changed",
	      pages, 2 * CANARY_WORDS);
	ulong guard = count_bad(guarded.before, FUZZ_SMP_GUARD_WORDS, seed + 1) +
		      count_bad(guarded.after, FUZZ_SMP_GUARD_WORDS, seed + 2);
	check("vm_guard", guard == 0, "%lu of %d guard words around the VM's struct changed",
	      guard, 2 * FUZZ_SMP_GUARD_WORDS);
}

// ---- lab 8's run loop ------------------------------------------------------
// The VM is over: every hart leaves its loop (the harness's own host IPIs).
static void vm_stop(int failed)
{
	if (__atomic_exchange_n(&vm.down, 1, __ATOMIC_SEQ_CST))
		return;
	vm_status = failed;
	for (int i = 0; i < vm.nvcpus; i++) {
		ulong phys = vm.smp[i].phys_hartid;
		if (phys != mycpu()->hartid)
			sbi_send_ipi(1UL << (phys % 64), phys - phys % 64);
	}
}

static enum verdict on_sbi(struct vcpu *v, struct vm_exit *e)
{
	ulong eid = e->reason == EXIT_HYPERCALL ? SBI_EXT_RVHLAB_HYPERCALL : e->sbi.eid;
	switch (vsbi_handle_exit(v, e)) {
	case EXIT_NOTHING:
		return RESUME;
	case EXIT_SYSTEM_DOWN:
		vm.down_how = e->system_down;
		guest_clean = e->system_down.reason == SBI_SRST_REASON_NONE;
		return guest_clean ? STOP_OK : STOP_FAIL;
	case EXIT_CPU_UP:
		v->gprs[REG_A0] = (ulong)hsm_cpu_up(&vm, &e->cpu_up);
		return RESUME;
	case EXIT_CPU_DOWN:
		vcpu_put(v);
		hsm_cpu_down(&vm, v);
		if (!hsm_wait_start(&vm, v))
			return STOP_OK;          // the VM ended meanwhile
		vcpu_load(v);
		return RESUME;
	default:
		printf("fuzz: vCPU %d: SBI call EID 0x%lx became a %s exit\n", v->id, eid,
		       vm_exit_reason_name(e->reason));
		return STOP_FAIL;
	}
}

static enum verdict handle_exit(struct vcpu *v, struct vm_exit *e)
{
	__atomic_fetch_add(&exits[e->reason], 1, __ATOMIC_RELAXED);
	switch (e->reason) {
	case EXIT_SBI_CALL:
	case EXIT_HYPERCALL:
		return on_sbi(v, e);
	case EXIT_TIMER:
		vtimer_expired(v);
		return RESUME;
	case EXIT_HALT:
	case EXIT_NOTHING:
		return RESUME;
	default:
		if (__atomic_exchange_n(&bad_exit_vcpu, v->id, __ATOMIC_SEQ_CST) == -1)
			bad_exit = *e;
		printf("fuzz: vCPU %d: %s exit (scause 0x%lx) at pc 0x%lx: stopping the VM\n",
		       v->id, vm_exit_reason_name(e->reason), e->scause, e->pc);
		vcpu_dump(v, "fuzz: unexpected exit");
		return STOP_FAIL;
	}
}

static void vcpu_loop(struct vcpu *v)
{
	struct vm_exit e;
	if (v->id != 0 && !hsm_wait_start(&vm, v))
		return;
	vcpu_load(v);
	for (;;) {
		vipi_handle(&vm, v);
		if (vm.down)
			break;
		vcpu_run(v);
		if (v->trap.scause == IRQ_HOST_IPI) {
			__atomic_fetch_add(&host_ipis, 1, __ATOMIC_RELAXED);
			csr_clear(sip, SIP_SSIP);
			continue;
		}
		vm_exit_decode(v, &e);
		enum verdict verdict = handle_exit(v, &e);
		if (verdict != RESUME) {
			vm_stop(verdict == STOP_FAIL);
			break;
		}
	}
	vcpu_put(v);
}

static void hart_setup(void)
{
	struct hyp_caps c;
	hyp_hart_init(&c);
	deleg_init();
	csr_write(hgatp, gstage_hgatp(ram.root, FUZZ_SMP_VMID));
	hfence_gvma_all();
	csr_set(sie, SIE_SSIE);
}

static void secondary_main(ulong index)
{
	hart_setup();
	__atomic_fetch_add(&harts_online, 1, __ATOMIC_SEQ_CST);
	vcpu_loop(&vm.vcpus[index]);
}

static void vm_create(const struct fdt_platform *p, ulong hartid, ulong seed)
{
	vm.nvcpus = p->nharts < SMPVM_MAX_VCPUS ? p->nharts : SMPVM_MAX_VCPUS;
	vm.hart_base = FUZZ_SMP_HART_BASE(seed);
	for (int i = 0, phys = 0; i < vm.nvcpus; i++) {
		struct vcpu *v = &vm.vcpus[i];
		if (i == 0) {
			vm.smp[i].phys_hartid = hartid;
		} else {
			if (p->hartids[phys] == hartid)
				phys++;
			vm.smp[i].phys_hartid = p->hartids[phys++];
		}
		v->id = i;
		v->hartid = vm.hart_base + i;
		vm.smp[i].state = SBI_HSM_STATE_STOPPED;
	}
	vcpu_init(&vm.vcpus[0], ram.gpa, vm.hart_base, ram.dtb_gpa);
	vsbi_vcpu_init(&vm.vcpus[0]);
	vm.smp[0].state = SBI_HSM_STATE_STARTED;
	smpvm_active = &vm;
}

static int start_secondaries(void)
{
	for (int i = 1; i < vm.nvcpus; i++)
		if (hart_start(vm.smp[i].phys_hartid, secondary_main, (ulong)i))
			printf("fuzz: physical hart %lu did not start\n", vm.smp[i].phys_hartid);
	ulong t0 = rdtime(), limit = timebase / 1000000 * SECONDARY_WAIT_US;
	while (harts_online < vm.nvcpus - 1 && rdtime() - t0 < limit)
		;
	return harts_online == vm.nvcpus - 1 ? 0 : -1;
}

// ---- after the run ---------------------------------------------------------
static void report(void)
{
	for (int i = 0; i < EXIT_REASON_COUNT; i++)
		if (exits[i])
			fact("exits", "%s %lu", vm_exit_reason_name(i), exits[i]);
	fact("host_ipis", "%lu", host_ipis);
	ulong ipis = 0, fences = 0, stopped = 0;
	for (int i = 0; i < vm.nvcpus; i++) {
		ipis += vm.smp[i].ipis_received;
		fences += vm.smp[i].fences_pending;
		stopped += i > 0 && vm.smp[i].state == SBI_HSM_STATE_STOPPED;
	}
	fact("vcpu_ipis", "%lu", ipis);
	// An exit the loop cannot handle (a guest-page fault: a vCPU started
	// where it cannot run, a wild access) stops the whole VM.
	if (bad_exit_vcpu >= 0)
		check("exits_handled", 0, "vCPU %d: %s exit at pc 0x%lx stopped the VM",
		      bad_exit_vcpu, vm_exit_reason_name(bad_exit.reason), bad_exit.pc);
	else
		check("exits_handled", 1, "every exit handled");
	if (!guest_clean) {
		printf("fuzz: the VM was stopped: its fences and HSM states are not checked\n");
		return;
	}
	// SBI 8: a remote fence returns after the targets did it; once every
	// call has returned, nothing may still be counted as pending.
	check("rfence_drained", fences == 0, "%lu remote fences still counted as pending",
	      fences);
	check("hsm_final_states", vm.smp[0].state == SBI_HSM_STATE_STARTED &&
	      stopped == (ulong)vm.nvcpus - 1,
	      "vCPU 0 state %d, %lu of %d others STOPPED at the guest's shutdown",
	      vm.smp[0].state, stopped, vm.nvcpus - 1);
}

int lab_main(ulong hartid, const void *dtb)
{
	struct fdt_platform p;
	ulong seed = run_seed();
	if (strcmp(run_test(), "hsm")) {
		printf("fuzz: unknown test '%s' (hsm)\n", run_test());
		return 1;
	}
	if (fdt_read_platform(dtb, &p) || p.nharts < 2) {
		printf("fuzz: the hsm scenario needs 2 or more harts (QEMU -smp)\n");
		return 1;
	}
	timebase = p.timebase ? p.timebase : 10000000;
	hyp_hart_init(&caps);
	deleg_init();
	canary[0] = kalloc_pages(FUZZ_SMP_CANARY_PAGES, PAGE_SIZE);
	if (!canary[0] || vm_ram_setup(&ram, FUZZ_SMP_RAM_SIZE, FUZZ_SMP_VMID))
		return 1;
	canary[1] = kalloc_pages(FUZZ_SMP_CANARY_PAGES, PAGE_SIZE);
	if (!canary[1])
		return 1;
	watch_fill(seed);
	csr_set(sie, SIE_SSIE);
	vsbi_init(&caps);
	vm_create(&p, hartid, seed);
	printf("fuzz: hsm run, seed 0x%lx, %lu operations per hart, %d vCPUs, hart ids %lu..%lu\n",
	       seed, bootarg_ulong("ops", 0), vm.nvcpus, vm.hart_base,
	       vm.hart_base + vm.nvcpus - 1);
	fact("vcpus", "%d", vm.nvcpus);
	if (start_secondaries()) {
		check("harness_harts", 0, "only %d of %d secondary physical harts came up",
		      harts_online, vm.nvcpus - 1);
		return 1;
	}
	vcpu_loop(&vm.vcpus[0]);
	vm_stop(0);
	report();
	watch_check(seed);
	check("guest_exit", vm_status == 0 && guest_clean, "the guest %s",
	      guest_clean ? "shut down cleanly" : "was stopped, or shut down with a failure");
	return vm_status;
}
