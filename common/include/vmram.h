// vmram.h: harness helper for labs 5 on: give a test guest its own RAM.
// (Built only into labs whose test/lab.mk adds common/harness/vmram.c.)
#ifndef VMRAM_H
#define VMRAM_H

#include "types.h"
#include "gstage.h"

struct vm_ram {
	gpte_t *root;       // G-stage root
	ulong   gpa;        // guest-physical base (GUEST_RAM_GPA)
	ulong   size;       // bytes
	u8     *hva;        // host address of the backing memory
	ulong   dtb_gpa;    // where the guest finds its device tree
};

// Allocate `size` bytes of host memory (2 MiB aligned), map it RWX at
// GUEST_RAM_GPA with the student's gstage_map(), copy the lab's guest image
// to its start and the boot device tree (for the bootargs: the nonce) to
// its last 64 KiB, and activate hgatp with vmid. 0 on success.
int vm_ram_setup(struct vm_ram *ram, ulong size, ulong vmid);
// Host address backing gpa inside the RAM, or NULL.
void *vm_ram_hva(struct vm_ram *ram, ulong gpa);

#endif
