// lab10.h: what the lab 10 harness files share.
#ifndef LAB10_H
#define LAB10_H

#include "vmm.h"

#define LAB10_VMID       1
#define LAB10_GUEST_MEM  (128UL << 20)   // default guest RAM (bootarg guest_mem=)
#define LAB10_TEST_GUEST_MEM (64UL << 20) // the test guest's RAM (virtual_insn)

// The scenarios that need no guest.
int image_test(void);       // image_test.c: "image_checks"
int dtb_test(void);         // dtb_test.c: "guest_dtb"
int plic_test(void);        // plic_test.c: "plic"

#endif
