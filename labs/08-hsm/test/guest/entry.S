# entry.S: where a secondary hart of the lab 8 guest starts (SBI 9.1:
# VS-mode, a0 = hart id, a1 = opaque, satp = 0, sstatus.SIE = 0, every
# other register undefined). satp and sstatus are read first, before any
# code could change them, and passed on for the checks. Stack: slot
# 1 + hartid % GUEST_MAX_HARTS of lab8_stacks (slot 0 is never used).
#include "memlayout.h"

	.text
	.globl lab8_secondary_entry
lab8_secondary_entry:
	csrr	a2, satp
	csrr	a3, sstatus
	li	t0, GUEST_MAX_HARTS
	remu	t1, a0, t0
	addi	t1, t1, 2
	li	t0, GUEST_STACK_SIZE
	mul	t1, t1, t0
	la	sp, lab8_stacks
	add	sp, sp, t1
	call	lab8_secondary
	call	guest_hart_stop
1:	j	1b

	.section .bss.stacks
	.balign 16
lab8_stacks:
	.space	GUEST_STACK_SIZE * (GUEST_MAX_HARTS + 1)
