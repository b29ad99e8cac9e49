// fuzz.h: what the fuzz hypervisor (fuzz.c) and the fuzz guest (guest/)
// agree on. docs/fuzz.md explains the run.
#ifndef FUZZ_H
#define FUZZ_H

#define FUZZ_GUEST_MEM      (64UL << 20)   // guest RAM at GUEST_RAM_GPA (memlayout.h)

// Guest RAM the guest may store into at random: above the device tree's
// slot (vmm.h: GUEST_DTB_GPA + GUEST_DTB_MAX), far from its image and stack.
#define FUZZ_SCRATCH_GPA    0x82400000UL
#define FUZZ_SCRATCH_SIZE   (16UL << 20)

// The kit's hypercall (fid = nr): FUZZ_HC_ECHO returns ~args[0]; any other
// number is not supported.
#define FUZZ_HC_ECHO        7

// Host pages filled with a seeded pattern and never mapped for the guest.
#define FUZZ_CANARY_PAGES   16

#endif
