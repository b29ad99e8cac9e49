// refvm.h: lab 10's reference VM, set up and driven by the instructor tools
// (make bench: bench.c, make fuzz: ../fuzz/fuzz.c). Each tool runs its own
// exit loop; what the loops share lives here, once.
#ifndef REFVM_H
#define REFVM_H

#include "hyp.h"
#include "hypinit.h"
#include "vmm.h"
#include "vmexit.h"

int vm_create(struct vm *vm, ulong ram_size, int nvcpus);   // lab 10's test/vm.c

// What an exit handler decided.
enum verdict { RESUME, STOP_OK, STOP_FAIL };

// This hart as every lab-10 VM needs it: hypervisor CSRs, delegation, SBI.
void refvm_hart_init(struct hyp_caps *caps);
// After vm_create(): the raw image, the guest device tree, the UART and
// vCPU 0, as lab 10's harness does. who names the tool in messages.
int refvm_load(struct vm *vm, const struct hyp_caps *caps, const void *img, ulong size,
	       const char *bootargs, const char *who);
// The exits every loop handles alike: SBI calls and hypercalls, the
// virtual timer, wfi. *mine = 0 (and RESUME) for any other reason.
enum verdict refvm_common_exit(struct vm *vm, struct vcpu *v, struct vm_exit *e,
			       const char *who, int *mine);

#endif
