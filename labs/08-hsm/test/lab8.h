// lab8.h: what the lab 8 harness and its test guest agree on.
#ifndef LAB8_H
#define LAB8_H

#define LAB8_RAM_SIZE   (8UL << 20)
#define LAB8_VMID       1
// The guest's hart ids start at a per-run base (vCPU i is base + i), so
// that code which assumes "hart 0 is the boot hart" fails the tests.
#define LAB8_HART_BASE(seed)  (((seed) >> 5) % 6)

// The harness's one hypercall (a6; a7 = SBI_EXT_RVHLAB_HYPERCALL): drive the
// external interrupt line of hart a0 to level a1 (0 or 1), as an interrupt
// controller would (lab 10's PLIC does exactly this).
#define LAB8_HC_EXT_IRQ  0x801
// Test rfence: the target's hart stays LAB8_BUSY_US in the harness (a
// hypercall that spins there, host IPIs pending but not handled), and the
// boot hart reads how many hfence.vvma the target's hart has made
// (hfence_vvma_all(), riscv.h) and whether it is in that busy call.
#define LAB8_HC_BUSY     0x802
#define LAB8_HC_FENCES   0x803      // a0 = hart id: {0, count}, a1 of the answer: busy
#define LAB8_HC_IS_BUSY  0x804      // a0 = hart id: {0, 1 while it is busy}
#define LAB8_BUSY_US     300000UL

// A page the harness maps into the VM readable and writable but NOT
// executable (G-stage R|W, no X), below the RAM: hart_start there must be
// SBI_ERR_INVALID_ADDRESS, though the address is mapped (SBI 9.1).
#define LAB8_NOEXEC_GPA  0x7fff0000UL

#endif
