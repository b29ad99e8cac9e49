// fuzz_smp.h: what the SMP fuzz harness (fuzz_smp.c) and its guest (guest/)
// agree on. docs/fuzz.md, "Several harts", explains the run.
#ifndef FUZZ_SMP_H
#define FUZZ_SMP_H

#define FUZZ_SMP_RAM_SIZE     (8UL << 20)   // guest RAM at GUEST_RAM_GPA
#define FUZZ_SMP_VMID         1
// The guest's hart ids start at a seed-chosen base (vCPU i is base + i),
// as in lab 8: "hart 0" and "the boot hart" are different things.
#define FUZZ_SMP_HART_BASE(seed)  (((seed) >> 5) % 6)
// Host pages filled with a seeded pattern next to the guest's RAM, never
// mapped for it; and guard words on both sides of the VM's own struct.
#define FUZZ_SMP_CANARY_PAGES 16
#define FUZZ_SMP_GUARD_WORDS  64

#endif
