// bench.c: the harness of the bench image (make bench, docs/bench.md).
//
// Built as lab 10's reference VMM with this file instead of lab 10's
// harness (make LAB=10 SOLUTION=1 BENCH=1). Scenarios (bootarg test=):
//   micro    the bench guest under the reference run loop vmm_run(): ecall,
//            MMIO read and DBCN round trips, counted by the guest itself
//   fault    the same guest under bench_run(), vmm_run()'s dispatch plus
//            a G-stage fault handler (map the page / skip the load), and
//            without the fast path: every hypercall takes the full exit
//   profile  bench_run() reading instret around each step of every exit:
//            where the instructions of one full round trip go
//   slow     vmm_run() with the fast path off: a null hypercall through the
//            full exit, decode and dispatch
//   ecall    vmm_run(), the guest makes 1000 null hypercalls and nothing else
//            (a short run to trace, e.g. with QEMU -d exec)
//   run      U-Boot (or any raw image), exactly as lab 10's "run"
#include "refvm.h"
#include "vsbi.h"
#include "smp.h"
#include "bench.h"

extern const char guest_image_start[];
ulong guest_image_size(void);

static struct vm vm;
static void *map_page;   // host page behind every page mapped on demand

// The null hypercall; anything else is not supported.
long vsbi_hypercall(struct vcpu *v, ulong nr, const ulong *args, ulong *value)
{
	UNUSED(v);
	UNUSED(args);
	*value = 0;
	return nr == BENCH_HC_NULL ? SBI_SUCCESS : SBI_ERR_NOT_SUPPORTED;
}

// Lab 10's VM set-up (refvm.c). img/size: the raw image.
static int vm_prepare(const void *img, ulong size, ulong mem, const char *bootargs,
		      const struct vm_ops *ops)
{
	struct hyp_caps caps;
	refvm_hart_init(&caps);
	vm.ops = ops;
	if (vm_create(&vm, mem, 1))
		return -1;
	return refvm_load(&vm, &caps, img, size, bootargs, "bench");
}

static const struct vm_ops vmm_ops = { .who = "bench", .handle_exit = vmm_handle_exit };

// ---- the fault scenario: demand paging before the VMM's own handler ----------
static int in_window(ulong gpa, ulong base, ulong size)
{
	return gpa >= base && gpa - base < size;
}

static enum vm_verdict fault_exit(struct vm *vm, struct vcpu *v, struct vm_exit *e)
{
	ulong gpa = e->page_fault.gpa;
	if (e->reason != EXIT_NESTED_PAGE_FAULT)
		return vmm_handle_exit(vm, v, e);
	if (in_window(gpa, BENCH_MAP_GPA, BENCH_MAP_SIZE)) {
		// Demand paging: map the page, leave sepc at the load (vmexit.h:
		// the retried load now succeeds). gstage_map() ends with hfence.gvma.
		if (gstage_map(vm->root, gpa & ~(PAGE_SIZE - 1), (ulong)map_page, PAGE_SIZE, PTE_R))
			return VM_STOP_FAIL;
		return VM_RESUME;
	}
	if (in_window(gpa, BENCH_SKIP_GPA, BENCH_SKIP_SIZE) && e->page_fault.insn.len) {
		v->sepc += e->page_fault.insn.len;   // nothing there: skip the load
		return VM_RESUME;
	}
	return vmm_handle_exit(vm, v, e);
}

static const struct vm_ops fault_ops = { .who = "bench", .handle_exit = fault_exit };

// Instructions per step of an exit, summed per exit reason (profile). The
// first exit of each reason is left out: its "run" step holds whatever the
// guest did before it (start-up, the previous probe's wind-down).
struct step_sum { ulong seen, n, run, decode, handle; };
static struct step_sum steps[EXIT_REASON_COUNT];

// The kit's loop for one vCPU (vmrun.c: vcpu_loop), step by step, with
// instret read between the steps. Same calls, same order.
static int bench_run(struct vm *vm)
{
	struct vcpu *v = &vm->vcpus[0];
	struct vm_exit e;
	enum vm_verdict verdict;
	vcpu_load(v);
	do {
		if (v->requests | v->fences_pending)
			vipi_handle(vm, v);
		ulong t0 = rdinstret();
		vcpu_run(v);
		ulong t1 = rdinstret();
		vm_exit_decode(v, &e);
		ulong t2 = rdinstret();
		verdict = vm_handle_exit(vm, v, &e);
		ulong t3 = rdinstret();
		struct step_sum *s = &steps[e.reason];
		if (s->seen++ > 0) {
			s->n++;
			s->run += t1 - t0;
			s->decode += t2 - t1;
			s->handle += t3 - t2;
		}
		vm->exits[e.reason]++;
	} while (verdict == VM_RESUME);
	vcpu_put(v);
	return verdict == VM_STOP_OK ? 0 : 1;
}

// What single library calls on the exit path cost, timed alone (the same
// rdinstret pair around nothing is subtracted).
static void report_parts(void)
{
	static struct vm_exit e;
	static ulong args[HYPERCALL_NARGS], copy[HYPERCALL_NARGS];
	ulong t0 = rdinstret();
	ulong t1 = rdinstret();
	ulong empty = t1 - t0;
	t0 = rdinstret();
	memset(&e, 0, sizeof(e));
	t1 = rdinstret();
	fact("part", "memset_vm_exit bytes=%lu insns=%lu", sizeof(e), t1 - t0 - empty);
	t0 = rdinstret();
	memcpy(copy, args, sizeof(args));
	t1 = rdinstret();
	fact("part", "memcpy_sbi_args bytes=%lu insns=%lu", sizeof(args), t1 - t0 - empty);
	t0 = rdinstret();
	const struct vsbi_ext *ext = vsbi_find_ext(SBI_EXT_RVHLAB_HYPERCALL);
	t1 = rdinstret();
	fact("part", "vsbi_find_ext_hypercall found=%d insns=%lu", ext != NULL, t1 - t0 - empty);
}

static void report_profile(void)
{
	report_parts();
	for (int i = 0; i < EXIT_REASON_COUNT; i++)
		if (steps[i].n)
			fact("profile", "%s n=%lu run=%lu decode=%lu handle=%lu",
			     vm_exit_reason_name(i), steps[i].n, steps[i].run,
			     steps[i].decode, steps[i].handle);
}

// ---- scenarios --------------------------------------------------------------
static int bench_guest(const char *test)
{
	char args[VM_BOOTARGS_MAX];
	int loop = !strcmp(test, "micro") || !strcmp(test, "ecall") || !strcmp(test, "slow");
	snprintf(args, sizeof(args), "bench=%s nonce=%s", test, run_nonce());
	map_page = kalloc_pages(1, PAGE_SIZE);
	if (!map_page || vm_prepare(guest_image_start, guest_image_size(), BENCH_GUEST_MEM, args,
				    loop ? &vmm_ops : &fault_ops))
		return 1;
	if (loop) {
		if (!strcmp(test, "slow"))
			vm.vcpus[0].fast_ecall = NULL;     // (no device access in it)
		return vm_run(&vm);          // the kit's loop, the reference VMM
	}
	// The full exit (lab 4's switch without the fast paths, lab 6's decode,
	// the loop's dispatch): nothing is answered early, and the G-stage
	// faults reach fault_exit().
	vm.vcpus[0].fast_ecall = NULL;
	vm.vcpus[0].fast_mmio = NULL;
	if (strcmp(test, "profile"))
		return vm_run(&vm);
	int rc = bench_run(&vm);
	report_profile();
	return rc;
}

static int run_image(void)
{
	ulong size = bootarg_ulong("guest_size", 0);
	ulong mem = bootarg_ulong("guest_mem", 128UL << 20);
	if (vm_prepare((const void *)LOADER_BASE, size, mem, "console=ttyS0", &vmm_ops))
		return 1;
	return vm_run(&vm);
}

int lab_main(ulong hartid, const void *dtb)
{
	UNUSED(hartid);
	UNUSED(dtb);
	const char *test = run_test();
	if (!strcmp(test, "run"))
		return run_image();
	if (!strcmp(test, "micro") || !strcmp(test, "fault") || !strcmp(test, "profile") ||
	    !strcmp(test, "ecall") || !strcmp(test, "slow"))
		return bench_guest(test);
	printf("bench: unknown test '%s' (micro, slow, fault, profile, ecall, run)\n", test);
	return 1;
}
