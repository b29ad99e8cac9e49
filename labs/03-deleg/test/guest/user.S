# user.S: a VU-mode program for the user-ecall scenario, and the way in and
# out of VU-mode for the guest kernel.
#
# user_run(n, stack_top)   VS: saves ra, sp, s0-s11 in user_ctx, then
#                          enters user_program(n) in VU-mode with sret
#                          (sstatus.SPP = 0: sret goes to U, and with V = 1
#                          that is VU; Priv. 8.4 / 4.1.1).
# user_program             VU: n "counting" ecalls, then an exit ecall with
#                          a0 = the value the last one returned.
# user_return              VS: gtrap.c sends the exit ecall here; restores
#                          what user_run saved and returns to its caller.
#include "riscv.h"
#include "../scenario.h"

	.option norvc
	.text
	.balign 4
	.globl user_run
user_run:
	la	t0, user_ctx
	sd	ra, 0*8(t0)
	sd	sp, 1*8(t0)
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11
	sd	s\n, (2+\n)*8(t0)
	.endr
	la	t0, user_program
	csrw	sepc, t0
	li	t0, SSTATUS_SPP
	csrc	sstatus, t0             # return to VU
	mv	sp, a1
	sret

	.globl user_return
user_return:
	la	t0, user_ctx
	ld	ra, 0*8(t0)
	ld	sp, 1*8(t0)
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11
	ld	s\n, (2+\n)*8(t0)
	.endr
	ret

	# VU-mode from here: nothing privileged, no calls into the runtime.
user_program:
	mv	s0, a0                  # ecalls left
	li	a0, 0
1:	beqz	s0, 2f
	li	a7, USER_ECALL_COUNT
	ecall                           # cause 8: the guest kernel answers in a0
	addi	s0, s0, -1
	j	1b
2:	li	a7, USER_ECALL_EXIT
	ecall                           # does not come back
3:	j	3b

	.bss
	.balign 8
user_ctx:
	.space	14 * 8
