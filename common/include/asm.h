// asm.h: assembler macros shared by the hypervisor's and the guest's .S
// files (include only from assembly).
#ifndef ASM_H
#define ASM_H

// Zero [__bss_start, __bss_end) with 8-byte stores. Clobbers t0, t1.
.macro ZERO_BSS
	la	t0, __bss_start
	la	t1, __bss_end
1:	bgeu	t0, t1, 2f
	sd	zero, 0(t0)
	addi	t0, t0, 8
	j	1b
2:
.endm

// Store x0 (as 0), x1, x3, x5-x31 at 8 * n(base): a struct trapframe's
// regs[] without sp and tp, which each vector saves its own way.
.macro SAVE_GPRS_EXCEPT_SP_TP base
	sd	zero, 0*8(\base)
	sd	x1, 1*8(\base)
	sd	x3, 3*8(\base)
	.irp n, 5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	sd	x\n, \n*8(\base)
	.endr
.endm

// Load every GPR but sp and a0 (x10), which may be the base register.
.macro LOAD_GPRS_EXCEPT_SP_A0 base
	.irp n, 1,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ld	x\n, \n*8(\base)
	.endr
.endm

#endif
