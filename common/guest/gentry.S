# gentry.S: first instructions of a test guest, in VS-mode. The hypervisor
# enters with a0 = hart id, a1 = DTB or argument (SBI boot convention).
# Stacks: the boot vCPU uses slot 0 of guest_stacks; a secondary vCPU
# started through HSM uses slot 1 + hartid % GUEST_MAX_HARTS (see
# guest_secondary_entry). .bss is zeroed by the boot vCPU only.
#include "asm.h"
#include "memlayout.h"

	.section .text.entry
	.globl _start
_start:
	la	sp, guest_stacks + GUEST_STACK_SIZE
	ZERO_BSS
	call	guest_runtime_start
3:	wfi
	j	3b

	# HSM hart_start: a0 = hart id, a1 = opaque (the C function to run).
	# Stack slot 1 + hartid % GUEST_MAX_HARTS.
	.globl guest_secondary_entry
guest_secondary_entry:
	li	t0, GUEST_MAX_HARTS
	remu	t1, a0, t0
	addi	t1, t1, 2
	li	t0, GUEST_STACK_SIZE
	mul	t1, t1, t0
	la	sp, guest_stacks
	add	sp, sp, t1
	jalr	a1                      # fn(hartid)
	call	guest_hart_stop
	j	3b

	.section .bss.stacks
	.balign 16
guest_stacks:
	.space	GUEST_STACK_SIZE * (GUEST_MAX_HARTS + 1)
