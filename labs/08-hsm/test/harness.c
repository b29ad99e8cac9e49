// Lab 8 harness: a VM with one vCPU per physical hart.
//
// The boot hart creates the VM (RAM and G-stage from lab 5, the guest
// image), starts every other physical hart (SBI HSM to OpenSBI), and each
// hart then runs the same loop for its own vCPU. That loop is given, in
// smprun.c: its header says which of your functions it calls, and when.
// This file picks the VM's size and guest hart ids (lab8.h) and reports
// the guest's shutdown (FACT system_down).
#include "hyp.h"
#include "hypinit.h"
#include "vmram.h"
#include "vsbi.h"
#include "fdt.h"
#include "smprun.h"
#include "lab8.h"

static struct smp_vm vm;
static struct vm_ram ram;
static struct hyp_caps caps;

static void report_system_down(struct vcpu *v, const struct vm_exit *e)
{
	UNUSED(v);
	fact("system_down", "type=%lu reason=%lu", e->system_down.type, e->system_down.reason);
}

static const struct smprun_config run = {
	.who = "lab8",
	.vm = &vm,
	.ram = &ram,
	.vmid = LAB8_VMID,
	.on_system_down = report_system_down,
};

int lab_main(ulong hartid, const void *dtb)
{
	struct fdt_platform p;
	ulong seed = run_seed();
	if (fdt_read_platform(dtb, &p) || p.nharts < 1) {
		printf("lab8: cannot read the device tree\n");
		return 1;
	}
	hyp_hart_init(&caps);
	deleg_init();
	if (vm_ram_setup(&ram, LAB8_RAM_SIZE, LAB8_VMID))
		return 1;
	csr_set(sie, SIE_SSIE);
	vsbi_init(&caps);
	smprun_create(&run, &p, hartid, LAB8_HART_BASE(seed));
	printf("lab8: test '%s', seed 0x%lx: %d vCPUs, guest hart ids %lu..%lu\n", run_test(),
	       seed, vm.nvcpus, vm.hart_base, vm.hart_base + vm.nvcpus - 1);
	fact("vcpus", "%d", vm.nvcpus);
	int up = smprun_start_secondaries();
	if (up != vm.nvcpus - 1) {
		check("harness_harts", 0, "only %d of %d secondary physical harts came up",
		      up, vm.nvcpus - 1);
		return 1;
	}
	return smprun_run();
}
