# entry.S: where the SMP fuzz guest's secondary harts start (SBI 9.1:
# VS-mode, a0 = hart id, a1 = opaque, satp = 0, sstatus.SIE = 0, every
# other register undefined). The fuzzer starts them anywhere in a sled of
# c.nop (any 2-byte boundary is an instruction there); satp and sstatus are
# read first, before any code could change them, and passed on to C.
# Stack: slot a0 - smp_base of smp_stacks; a hart id outside the VM (a bug
# the C code reports) gets the spare slot GUEST_MAX_HARTS.
#include "memlayout.h"
#include "smpfuzz.h"

	.text
	.balign 4
	.globl smp_entry
smp_entry:
	.rept	SMP_ENTRY_SLED
	c.nop
	.endr
	csrr	a2, satp
	csrr	a3, sstatus
	la	t0, smp_base
	ld	t0, 0(t0)
	sub	t1, a0, t0
	li	t2, GUEST_MAX_HARTS
	bltu	t1, t2, 1f
	mv	t1, t2
1:	addi	t1, t1, 1               # the top of slot t1
	li	t2, GUEST_STACK_SIZE
	mul	t1, t1, t2
	la	sp, smp_stacks
	add	sp, sp, t1
	call	smp_secondary           # (hartid, opaque, satp, sstatus): never returns
2:	j	2b

	.section .bss.stacks
	.balign 16
smp_stacks:
	.space	GUEST_STACK_SIZE * (GUEST_MAX_HARTS + 1)
