// Lab 8 harness: a VM with one vCPU per physical hart.
//
// The boot hart creates the VM (RAM and G-stage from lab 5, the guest
// image), starts every other physical hart (SBI HSM to OpenSBI), and each
// hart then runs the kit's loop for its own vCPU (vm.h, common/vm/vmrun.c):
// its header says which of your functions it calls, and when. This file
// picks the VM's size and guest hart ids (lab8.h), answers the test
// guest's hypercalls (lab8.h: an interrupt line it can raise and lower on
// any hart) and reports the guest's shutdown (FACT system_down).
#include "hyp.h"
#include "hypinit.h"
#include "vmram.h"
#include "vsbi.h"
#include "smp.h"
#include "lab8.h"

static struct vm vm;
static struct vm_ram ram;
static struct hyp_caps caps;

static void report_system_down(struct vm *m, struct vcpu *v, const struct vm_exit *e)
{
	UNUSED(m);
	UNUSED(v);
	fact("system_down", "type=%lu reason=%lu", e->system_down.type, e->system_down.reason);
}

// LAB8_HC_BUSY: this hart stays in the harness for LAB8_BUSY_US, doing
// nothing of the VM's (a host IPI waits, pending). LAB8_HC_FENCES and
// LAB8_HC_IS_BUSY: another vCPU's physical hart, seen from here.
static volatile int busy[MAX_HARTS];

static long busy_call(struct vcpu *v)
{
	ulong hz = platform.timebase ? platform.timebase : 10000000;
	busy[v->phys_hartid] = 1;
	for (ulong t0 = rdtime(); rdtime() - t0 < hz / 1000000 * LAB8_BUSY_US;)
		;
	busy[v->phys_hartid] = 0;
	return SBI_SUCCESS;
}

static long peek_call(struct vcpu *v, ulong nr, ulong hartid, ulong *value)
{
	struct vcpu *t = vm_vcpu_by_hartid(v->vm, hartid);
	if (!t)
		return SBI_ERR_INVALID_PARAM;
	*value = nr == LAB8_HC_FENCES ? cpus[t->phys_hartid].hfence_vvmas
				      : (ulong)busy[t->phys_hartid];
	return SBI_SUCCESS;
}

// The test guest's hypercall LAB8_HC_EXT_IRQ(hartid, level): the harness
// plays an interrupt controller. It sets the target's line and asks the
// target's hart to apply it (VIPI_REQ_EXT_IRQ, your vipi_send/vipi_handle).
// And the rfence test's LAB8_HC_BUSY, _FENCES, _IS_BUSY (lab8.h).
long vsbi_hypercall(struct vcpu *v, ulong nr, const ulong *args, ulong *value)
{
	if (nr == LAB8_HC_BUSY)
		return busy_call(v);
	if (nr == LAB8_HC_FENCES || nr == LAB8_HC_IS_BUSY)
		return peek_call(v, nr, args[0], value);
	if (nr != LAB8_HC_EXT_IRQ)
		return SBI_ERR_NOT_SUPPORTED;
	struct vcpu *t = vm_vcpu_by_hartid(v->vm, args[0]);
	if (!t)
		return SBI_ERR_INVALID_PARAM;
	__atomic_store_n(&t->ext_irq, args[1] != 0, __ATOMIC_SEQ_CST);
	vipi_send(v->vm, t->id, VIPI_REQ_EXT_IRQ);
	return SBI_SUCCESS;
}

static const struct vm_ops ops = {
	.who = "lab8",
	.on_system_down = report_system_down,
};

int lab_main(ulong hartid, const void *dtb)
{
	UNUSED(hartid);
	UNUSED(dtb);
	ulong seed = run_seed();
	hyp_hart_init(&caps);
	deleg_init();
	if (vm_ram_setup(&ram, LAB8_RAM_SIZE, LAB8_VMID))
		return 1;
	// Mapped, but not executable (lab8.h): for test errors.
	void *noexec = kalloc();
	if (!noexec || gstage_map(ram.root, LAB8_NOEXEC_GPA, (ulong)noexec, PAGE_SIZE,
				  PTE_R | PTE_W)) {
		check("harness_noexec_page", 0, "gstage_map() of one R|W page at 0x%lx failed (lab 5)",
		      LAB8_NOEXEC_GPA);
		return 1;
	}
	vsbi_init(&caps);
	vm.ops = &ops;
	vm.root = ram.root;
	vm.vmid = LAB8_VMID;
	vm.ram_gpa = ram.gpa;
	vm.ram_size = ram.size;
	vm.ram_hva = ram.hva;
	vm.timebase = platform.timebase;
	vm.caps = caps;
	int n = platform.nharts < VM_MAX_VCPUS ? platform.nharts : VM_MAX_VCPUS;
	if (vm_place_vcpus(&vm, n, LAB8_HART_BASE(seed)))
		return 1;
	// vCPU 0 is the guest's boot hart: it starts at the image's entry with
	// the device tree (SBI boot convention), already STARTED (SBI 9: the
	// supervisor starts on one hart, the others are STOPPED).
	vcpu_init(&vm.vcpus[0], ram.gpa, vm.hart_base, ram.dtb_gpa);
	vsbi_vcpu_init(&vm.vcpus[0]);
	printf("lab8: test '%s', seed 0x%lx: %d vCPUs, guest hart ids %lu..%lu\n", run_test(),
	       seed, vm.nvcpus, vm.hart_base, vm.hart_base + vm.nvcpus - 1);
	fact("vcpus", "%d", vm.nvcpus);
	int up = vm_start_harts(&vm);
	if (up != vm.nvcpus - 1) {
		check("harness_harts", 0, "only %d of %d secondary physical harts came up",
		      up, vm.nvcpus - 1);
		return 1;
	}
	return vm_run(&vm);
}
