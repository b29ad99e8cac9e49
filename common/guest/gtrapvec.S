# gtrapvec.S: the test guest's own trap vector (vstvec). Runs in VS-mode,
# where sepc/sstatus/scause/stval are the guest's vsepc/vsstatus/... (Priv.
# 8.2: "when V=1, the VS CSRs substitute for the S CSRs"). The frame is a
# struct trapframe on the current stack; hstatus/htval/htinst stay 0.
#include "trap.h"
#include "asm.h"

	.option norvc
	.text
	.balign 4
	.globl guest_trapvec
guest_trapvec:
	addi	sp, sp, -TF_SIZE
	SAVE_GPRS_EXCEPT_SP_TP sp
	sd	tp, 4*8(sp)
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
	LOAD_GPRS_EXCEPT_SP_A0 sp
	ld	a0, 10*8(sp)
	addi	sp, sp, TF_SIZE
	sret
