// lab8.h: what the lab 8 harness and its test guest agree on.
#ifndef LAB8_H
#define LAB8_H

#define LAB8_RAM_SIZE   (8UL << 20)
#define LAB8_VMID       1
// The guest's hart ids start at a per-run base (vCPU i is base + i), so
// that code which assumes "hart 0 is the boot hart" fails the tests.
#define LAB8_HART_BASE(seed)  (((seed) >> 5) % 6)

#endif
