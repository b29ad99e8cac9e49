// smprun.h: the run loop of lab 8's SMP VM (smprun.c), shared by lab 8's
// harness (harness.c) and the instructors' SMP fuzzer, which runs the same
// VM with checks of its own (make fuzz, docs/fuzz.md "Several harts").
//
// On the boot hart, after vm_ram_setup() and vsbi_init():
//   smprun_create()            the VM: vCPU 0 STARTED here, the rest STOPPED
//   smprun_start_secondaries() every other physical hart joins its vCPU
//   smprun_run()               vCPU 0's loop, until the VM is over
#ifndef SMPRUN_H
#define SMPRUN_H

#include "fdt.h"
#include "smpvm.h"
#include "vmexit.h"
#include "vmram.h"

// What the caller decides. The hooks are optional (NULL: nothing extra);
// each is called on the physical hart that runs vCPU v.
struct smprun_config {
	const char    *who;   // prefix of the runner's messages: "lab8", "fuzz"
	struct smp_vm *vm;    // the VM, zeroed; the caller owns (and may guard) it
	struct vm_ram *ram;   // its RAM and G-stage, set up with vm_ram_setup()
	ulong          vmid;  // the VMID ram's G-stage was activated with
	// Every decoded exit, before it is handled.
	void (*on_exit)(struct vcpu *v, const struct vm_exit *e);
	// A host IPI ended a run of v (not a decoded exit).
	void (*on_host_ipi)(struct vcpu *v);
	// The guest's SRST (e->system_down), after vm->down_how is set.
	void (*on_system_down)(struct vcpu *v, const struct vm_exit *e);
	// An exit the loop cannot handle, after its message: the VM stops.
	void (*on_bad_exit)(struct vcpu *v, const struct vm_exit *e);
};

// Fill cfg->vm from the platform: one vCPU per physical hart (at most
// SMPVM_MAX_VCPUS), vCPU 0 on `hartid`, guest hart ids from hart_base.
// cfg must stay valid for the whole run.
void smprun_create(const struct smprun_config *cfg, const struct fdt_platform *p,
		   ulong hartid, ulong hart_base);
// Start every other physical hart on its vCPU's loop and wait (2 s at most)
// until they are up. Returns how many came up (all: vm->nvcpus - 1).
int smprun_start_secondaries(void);
// Run vCPU 0 on this hart until the VM is over, then stop every hart.
// Returns 0 if the VM ended well (the guest's SRST with reason "none"), 1 if
// it was stopped by a failure (the first stop decides).
int smprun_run(void);

#endif
