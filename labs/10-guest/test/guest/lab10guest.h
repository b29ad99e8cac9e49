// lab10guest.h: the lab's own guest (a raw image, loaded by your
// vm_load_image() like U-Boot): one program, a scenario per test.
#ifndef LAB10GUEST_H
#define LAB10GUEST_H

#include "guest.h"

// vinsn.c: scenario virtual_insn (one vCPU).
int  vinsn_main(void);
void vinsn_trap(struct trapframe *tf);
// irq.c: scenario interrupts (two vCPUs).
int  irq_main(ulong hartid, const void *dtb);
void irq_trap(struct trapframe *tf);

#endif
