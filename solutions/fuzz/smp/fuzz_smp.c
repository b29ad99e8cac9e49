// fuzz_smp.c: the harness of the SMP fuzz image (make fuzz, scenario hsm;
// docs/fuzz.md, "Several harts").
//
// Built as lab 8's reference hypervisor with this file instead of lab 8's
// harness (make LAB=8 SOLUTION=1 FUZZ=smp). The VM is lab 8's: one vCPU
// per physical hart, vCPU 0 STARTED, the others STOPPED until the guest
// starts them with SBI HSM. The run loop is the kit's (vm.h), with three
// additions for the fuzzer:
//   - every exit is counted, per reason, and reported at the end (the
//     loop's hooks, below; an exit it cannot handle is also kept);
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
#include "vmram.h"
#include "vsbi.h"
#include "fdt.h"
#include "smp.h"
#include "../canary.h"
#include "fuzz_smp.h"

// The VM between two rows of guard words (watch_check()).
static struct {
	ulong before[FUZZ_SMP_GUARD_WORDS];
	struct vm vm;
	ulong after[FUZZ_SMP_GUARD_WORDS];
} guarded;
static struct vm *const vm = &guarded.vm;

static struct vm_ram ram;
static struct hyp_caps caps;
static int vm_status;
static volatile int guest_clean;     // SRST with reason "none"
static ulong host_ipis;
static volatile int bad_exit_vcpu = -1;   // the first exit the loop could not handle
static struct vm_exit bad_exit;

// ---- host memory the guest must not reach ----------------------------------
#define CANARY_WORDS (FUZZ_SMP_CANARY_PAGES * PAGE_SIZE / sizeof(ulong))
static ulong *canary[2];

static void watch_fill(ulong seed)
{
	canary_fill(canary[0], CANARY_WORDS, seed);
	canary_fill(canary[1], CANARY_WORDS, ~seed);
	canary_fill(guarded.before, FUZZ_SMP_GUARD_WORDS, seed + 1);
	canary_fill(guarded.after, FUZZ_SMP_GUARD_WORDS, seed + 2);
}

static void watch_check(ulong seed)
{
	ulong pages = canary_bad(canary[0], CANARY_WORDS, seed) +
		      canary_bad(canary[1], CANARY_WORDS, ~seed);
	check("canary", pages == 0, "%lu of %lu host words next to the guest's RAM changed",
	      pages, 2 * CANARY_WORDS);
	ulong guard = canary_bad(guarded.before, FUZZ_SMP_GUARD_WORDS, seed + 1) +
		      canary_bad(guarded.after, FUZZ_SMP_GUARD_WORDS, seed + 2);
	check("vm_guard", guard == 0, "%lu of %d guard words around the VM's struct changed",
	      guard, 2 * FUZZ_SMP_GUARD_WORDS);
}

// ---- the kit's run loop, with the fuzzer's hooks ------------------------------
static void count_exit(struct vm *m, struct vcpu *v, const struct vm_exit *e)
{
	UNUSED(m);
	UNUSED(v);
	if (e->reason == EXIT_HOST_IPI)
		__atomic_fetch_add(&host_ipis, 1, __ATOMIC_RELAXED);
}

static void note_system_down(struct vm *m, struct vcpu *v, const struct vm_exit *e)
{
	UNUSED(m);
	UNUSED(v);
	guest_clean = e->system_down.reason == SBI_SRST_REASON_NONE;
}

static void keep_bad_exit(struct vm *m, struct vcpu *v, const struct vm_exit *e)
{
	UNUSED(m);
	if (__atomic_exchange_n(&bad_exit_vcpu, v->id, __ATOMIC_SEQ_CST) == -1)
		bad_exit = *e;
	vcpu_dump(v, "fuzz: unexpected exit");
}

static const struct vm_ops ops = {
	.who = "fuzz",
	.on_exit = count_exit,
	.on_system_down = note_system_down,
	.on_bad_exit = keep_bad_exit,
};

// ---- after the run ---------------------------------------------------------
static void report(void)
{
	for (int i = 0; i < EXIT_REASON_COUNT; i++)
		if (vm->exits[i])
			fact("exits", "%s %lu", vm_exit_reason_name(i), vm->exits[i]);
	fact("host_ipis", "%lu", host_ipis);
	ulong ipis = 0, fences = 0, stopped = 0;
	for (int i = 0; i < vm->nvcpus; i++) {
		ipis += vm->vcpus[i].ipis_received;
		fences += vm->vcpus[i].fences_pending;
		stopped += i > 0 && vm->vcpus[i].hsm_state == SBI_HSM_STATE_STOPPED;
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
	check("hsm_final_states", vm->vcpus[0].hsm_state == SBI_HSM_STATE_STARTED &&
	      stopped == (ulong)vm->nvcpus - 1,
	      "vCPU 0 state %d, %lu of %d others STOPPED at the guest's shutdown",
	      vm->vcpus[0].hsm_state, stopped, vm->nvcpus - 1);
}

int lab_main(ulong hartid, const void *dtb)
{
	UNUSED(hartid);
	UNUSED(dtb);
	ulong seed = run_seed();
	if (strcmp(run_test(), "hsm")) {
		printf("fuzz: unknown test '%s' (hsm)\n", run_test());
		return 1;
	}
	if (platform.nharts < 2) {
		printf("fuzz: the hsm scenario needs 2 or more harts (QEMU -smp)\n");
		return 1;
	}
	hyp_hart_init(&caps);
	deleg_init();
	canary[0] = kalloc_pages(FUZZ_SMP_CANARY_PAGES, PAGE_SIZE);
	if (!canary[0] || vm_ram_setup(&ram, FUZZ_SMP_RAM_SIZE, FUZZ_SMP_VMID))
		return 1;
	canary[1] = kalloc_pages(FUZZ_SMP_CANARY_PAGES, PAGE_SIZE);
	if (!canary[1])
		return 1;
	watch_fill(seed);
	vsbi_init(&caps);
	vm->ops = &ops;
	vm->root = ram.root;
	vm->vmid = FUZZ_SMP_VMID;
	vm->ram_gpa = ram.gpa;
	vm->ram_size = ram.size;
	vm->ram_hva = ram.hva;
	int n = platform.nharts < VM_MAX_VCPUS ? platform.nharts : VM_MAX_VCPUS;
	if (vm_place_vcpus(vm, n, FUZZ_SMP_HART_BASE(seed)))
		return 1;
	vcpu_init(&vm->vcpus[0], ram.gpa, vm->hart_base, ram.dtb_gpa);
	vsbi_vcpu_init(&vm->vcpus[0]);
	printf("fuzz: hsm run, seed 0x%lx, %lu operations per hart, %d vCPUs, hart ids %lu..%lu\n",
	       seed, bootarg_ulong("ops", 0), vm->nvcpus, vm->hart_base,
	       vm->hart_base + vm->nvcpus - 1);
	fact("vcpus", "%d", vm->nvcpus);
	int up = vm_start_harts(vm);
	if (up != vm->nvcpus - 1) {
		check("harness_harts", 0, "only %d of %d secondary physical harts came up",
		      up, vm->nvcpus - 1);
		return 1;
	}
	vm_status = vm_run(vm);
	report();
	watch_check(seed);
	check("guest_exit", vm_status == 0 && guest_clean, "the guest %s",
	      guest_clean ? "shut down cleanly" : "was stopped, or shut down with a failure");
	return vm_status;
}
