# entry.S: where OpenSBI hands over. Priv. 3.3 / SBI spec: the boot hart
# enters at 0x80200000 in HS-mode with a0 = hart id, a1 = DTB address,
# translation off and interrupts disabled. Other harts stay stopped in
# OpenSBI until hart_start() sends them to _secondary_start.
#
# State set up here: sp = top of hart_stacks[hartid] (hart ids need not start
# at 0, so the stack is indexed by id, never by arrival order); .bss zeroed by
# the boot hart before any C runs.
#include "memlayout.h"
#include "asm.h"

	.section .text.entry
	.globl _start
_start:
	li	t0, MAX_HARTS
	bgeu	a0, t0, park            # a hart id we have no stack for
	# Only the first hart here boots. QEMU 7.2 + OpenSBI 1.1 sometimes
	# send a hart that hart_start() started early (during OpenSBI's own
	# start-up) here instead of to _secondary_start: it must not zero
	# .bss under the running boot hart. hart_start() has recorded its
	# function already, so the secondary path is the right one.
	la	t0, boot_claimed
	li	t1, 1
	amoswap.w t1, t1, (t0)
	bnez	t1, _secondary_start
	call	set_stack
	ZERO_BSS
	call	hyp_boot                # (hartid, dtb); never returns
	j	park

	# SBI HSM hart_start lands here: a0 = hart id, a1 = opaque (its struct cpu).
	.globl _secondary_start
_secondary_start:
	li	t0, MAX_HARTS
	bgeu	a0, t0, park
	call	set_stack
	call	hyp_secondary
	j	park

	# sp = hart_stacks + (a0 + 1) * HART_STACK_SIZE. Uses t0, t1 only.
set_stack:
	la	sp, hart_stacks
	li	t0, HART_STACK_SIZE
	addi	t1, a0, 1
	mul	t0, t0, t1
	add	sp, sp, t0
	ret

	.globl park
park:
	wfi
	j	park

	.data
	.balign 4
boot_claimed:
	.word	0

	.section .bss.stacks
	.balign 16
	.globl hart_stacks
hart_stacks:
	.space	HART_STACK_SIZE * MAX_HARTS
