// refvm.h: lab 10's reference VM, set up for the instructor tools (make
// bench: bench.c, make fuzz: ../fuzz/fuzz.c). They run it with the kit's
// loop (vm.h) and hooks of their own; what their set-up shares lives here.
#ifndef REFVM_H
#define REFVM_H

#include "hyp.h"
#include "hypinit.h"
#include "vmm.h"
#include "vmexit.h"

// This hart as every lab-10 VM needs it: hypervisor CSRs, delegation, SBI.
void refvm_hart_init(struct hyp_caps *caps);
// After vm_create(): the raw image, one vCPU, the guest device tree, the
// devices and vCPU 0, as lab 10's harness does. who names the tool.
int refvm_load(struct vm *vm, const struct hyp_caps *caps, const void *img, ulong size,
	       const char *bootargs, const char *who);

#endif
