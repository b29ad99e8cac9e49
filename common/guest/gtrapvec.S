# gtrapvec.S: the test guest's own trap vector (vstvec). Runs in VS-mode,
# where sepc/sstatus/scause/stval are the guest's vsepc/vsstatus/... (Priv.
# 8.2: "when V=1, the VS CSRs substitute for the S CSRs"). The frame is a
# struct trapframe on the current stack; hstatus/htval/htinst stay 0.
#include "trap.h"

	.option norvc
	.text
	.balign 4
	.globl guest_trapvec
guest_trapvec:
	addi	sp, sp, -TF_SIZE
	sd	zero, 0(sp)                    # x0's slot: always 0
	.irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	sd	x\n, \n*8(sp)
	.endr
	addi	t0, sp, TF_SIZE
	sd	t0, 2*8(sp)
	csrr	t0, sepc
	sd	t0, TF_SEPC(sp)
	csrr	t0, sstatus
	sd	t0, TF_SSTATUS(sp)
	csrr	t0, scause
	sd	t0, TF_SCAUSE(sp)
	csrr	t0, stval
	sd	t0, TF_STVAL(sp)
	sd	zero, TF_HSTATUS(sp)
	sd	zero, TF_HTVAL(sp)
	sd	zero, TF_HTINST(sp)
	mv	a0, sp
	call	guest_trap
	ld	t0, TF_SEPC(sp)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(sp)
	csrw	sstatus, t0
	.irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ld	x\n, \n*8(sp)
	.endr
	addi	sp, sp, TF_SIZE
	sret
