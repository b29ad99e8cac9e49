// fuzz.c: the harness of the fuzz image (make fuzz, docs/fuzz.md).
//
// Built as lab 10's reference VMM with this file instead of lab 10's
// harness (make LAB=10 SOLUTION=1 FUZZ=1). The fuzz guest (guest/) makes a
// seeded stream of hostile operations and checks what comes back; this
// side sets the VM up, plants a canary in host memory the guest cannot
// reach, runs the guest and checks the canary afterwards.
// Scenarios (bootarg test=), the same guest operations in both, under the
// kit's run loop (vm.h):
//   fuzz  with a handler of its own before the reference VMM's, which
//         counts the virtual instructions (an H or VS CSR from VS, hfence,
//         hlv) the VMM reflects to the guest as illegal instructions, as a
//         guest kernel expects of a CSR that does not exist for it (FACT
//         reflected), and stops the VM on any other exit the VMM would
//         not expect.
//   vmm   the reference VMM, untouched: it reflects them the same way
//         (EXIT_VIRTUAL_INSN); the loop's count of those exits is the FACT.
// Bootargs: seed=<hex> (the run's seed) ops=<n> (default 100000).
#include "../bench/refvm.h"   // shared with make bench
#include "vsbi.h"
#include "fuzz.h"
#include "canary.h"

extern const char guest_image_start[];
ulong guest_image_size(void);

#define DEFAULT_OPS 100000

static struct vm vm;

long vsbi_hypercall(struct vcpu *v, ulong nr, const ulong *args, ulong *value)
{
	UNUSED(v);
	if (nr != FUZZ_HC_ECHO) {
		*value = 0;
		return SBI_ERR_NOT_SUPPORTED;
	}
	*value = ~args[0];
	return SBI_SUCCESS;
}

// ---- the canary: host pages next to the guest's RAM, never mapped ----------
#define CANARY_WORDS (FUZZ_CANARY_PAGES * PAGE_SIZE / sizeof(ulong))
static ulong *canary[2];

// Lab 10's VM set-up (refvm.c). The canary pages are taken just before
// and just after the guest's RAM.
static int vm_prepare(const char *bootargs, ulong seed, const struct vm_ops *ops)
{
	struct hyp_caps caps;
	refvm_hart_init(&caps);
	vm.ops = ops;
	canary[0] = kalloc_pages(FUZZ_CANARY_PAGES, PAGE_SIZE);
	if (!canary[0] || vm_create(&vm, FUZZ_GUEST_MEM, 1))
		return -1;
	canary[1] = kalloc_pages(FUZZ_CANARY_PAGES, PAGE_SIZE);
	if (!canary[1])
		return -1;
	canary_fill(canary[0], CANARY_WORDS, seed);
	canary_fill(canary[1], CANARY_WORDS, ~seed);
	return refvm_load(&vm, &caps, guest_image_start, guest_image_size(), bootargs, "fuzz");
}

// ---- scenario fuzz: the reference VMM, watched -------------------------------
static ulong reflected;

static enum vm_verdict fuzz_exit(struct vm *vm, struct vcpu *v, struct vm_exit *e)
{
	switch (e->reason) {
	case EXIT_NESTED_PAGE_FAULT:
		return vmm_handle_exit(vm, v, e);
	case EXIT_VIRTUAL_INSN:
		reflected++;
		return vmm_handle_exit(vm, v, e);
	default:
		vcpu_dump(v, "fuzz: exit not handled");
		return VM_STOP_FAIL;
	}
}

static const struct vm_ops fuzz_ops = { .who = "fuzz", .handle_exit = fuzz_exit };
static const struct vm_ops vmm_ops = { .who = "fuzz", .handle_exit = vmm_handle_exit };

// ---- the run --------------------------------------------------------------
static void report_exits(void)
{
	for (int i = 0; i < EXIT_REASON_COUNT; i++)
		if (vm.exits[i])
			fact("exits", "%s %lu", vm_exit_reason_name(i), vm.exits[i]);
	fact("reflected", "%lu", reflected);
}

int lab_main(ulong hartid, const void *dtb)
{
	UNUSED(hartid);
	UNUSED(dtb);
	const char *test = run_test();
	int use_vmm = !strcmp(test, "vmm");
	if (!use_vmm && strcmp(test, "fuzz")) {
		printf("fuzz: unknown test '%s' (fuzz, vmm)\n", test);
		return 1;
	}
	ulong seed = run_seed();
	ulong ops = bootarg_ulong("ops", DEFAULT_OPS);
	char args[VM_BOOTARGS_MAX];
	snprintf(args, sizeof(args), "fuzz=%s seed=0x%lx ops=%lu nonce=%s", test, seed, ops,
		 run_nonce());
	if (vm_prepare(args, seed, use_vmm ? &vmm_ops : &fuzz_ops))
		return 1;
	printf("fuzz: %s run, seed 0x%lx, %lu operations\n", test, seed, ops);
	int rc = vm_run(&vm);
	if (use_vmm)   // the VMM reflects every EXIT_VIRTUAL_INSN, counted as an exit
		reflected = vm.exits[EXIT_VIRTUAL_INSN];
	report_exits();
	ulong bad = canary_bad(canary[0], CANARY_WORDS, seed) +
		    canary_bad(canary[1], CANARY_WORDS, ~seed);
	check("canary", bad == 0, "%lu of %lu host words next to the guest's RAM changed", bad,
	      2 * CANARY_WORDS);
	check("guest_exit", rc == 0, "the guest %s", rc == 0 ? "shut down cleanly" :
	      "was stopped, or shut down with a failure");
	return rc || bad;
}
