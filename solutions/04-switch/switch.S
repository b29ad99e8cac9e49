# switch.S: the world switch (reference solution).
#
# vcpu_switch_to_guest(struct vcpu *v) saves the hypervisor's callee-saved
# registers (ra, sp, gp, tp, s0-s11) and the CSRs it changes (sstatus,
# hstatus, stvec, sscratch) into v, loads the guest's sepc, sstatus,
# hstatus and all 31 GPRs from v, and executes sret into the guest.
#
# The guest's next trap lands on vcpu_exit_vector, with sscratch = v. It
# saves all guest GPRs, sepc, sstatus, hstatus and the trap CSRs (scause,
# stval, htval, htinst) into v, restores the hypervisor's state, and
# returns from vcpu_switch_to_guest() as if it were an ordinary call, with
# a0 = v (vcpu_run.c relies on that).
# Offsets: VCPU_* in vcpu.h, checked against the struct at build time.
#
# Beyond lab 4: the fast path (docs/labs/04-switch.md, "The fast path").
# A VMM may set v->fast_ecall. The exit vector then saves only the
# registers a C call can clobber (ra, sp, tp, t0-t6, a0-a7), calls
# v->fast_ecall(v) for a guest ecall, still inside the trap, and if it
# returns non-zero resumes the guest after the ecall at once: no
# callee-saved spill and fill, no HS CSR swap, no run loop. Otherwise
# (and for every other exit) it goes on to the full exit above. The same
# for device accesses with v->fast_mmio: a guest-page fault on a load or
# store is answered in the trap too, after saving all 31 registers and the
# trap's CSRs (the decoder and the bus need them all), without the
# hypervisor's own registers and CSRs or the run loop. Lab 4's tests never
# set the pointers; a switch without the fast paths is correct.
#include "riscv.h"
#include "vcpu.h"

	# stval, htval and htinst into v->trap (a0 = v; clobbers t0).
	.macro SAVE_TRAP_VALUES
	csrr	t0, stval
	sd	t0, VCPU_TRAP_STVAL(a0)
	csrr	t0, htval
	sd	t0, VCPU_TRAP_HTVAL(a0)
	csrr	t0, htinst
	sd	t0, VCPU_TRAP_HTINST(a0)
	.endm

	# A fast path's handler, the C function in register fn, called from
	# inside the trap with v: on the hypervisor's stack and with its tp
	# (struct cpu); sscratch = v again, for the next exit and to find v
	# after the call. Its answer ends up in register answer, and a0 = v.
	.macro CALL_IN_TRAP fn, answer
	csrw	sscratch, a0
	ld	sp, VCPU_HYP + 1*8(a0)
	ld	tp, VCPU_HYP + 3*8(a0)
	jalr	\fn
	mv	\answer, a0
	csrr	a0, sscratch
	.endm

	.option norvc

	.text
	.globl vcpu_switch_to_guest
	.balign 4
vcpu_switch_to_guest:
	# Hypervisor state: callee-saved registers and the CSRs we replace.
	sd	ra, VCPU_HYP + 0*8(a0)
	sd	sp, VCPU_HYP + 1*8(a0)
	sd	gp, VCPU_HYP + 2*8(a0)
	sd	tp, VCPU_HYP + 3*8(a0)
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11
	sd	s\n, VCPU_HYP + (4 + \n)*8(a0)
	.endr

	# Where the guest resumes, and in which mode (SPP, SPV/SPVP). Each
	# CSR the switch borrows is swapped with csrrw, which reads the
	# hypervisor's value and writes the guest's in one instruction.
	# Writing the guest's sstatus also clears SIE (it is 0 in
	# v->sstatus) before stvec changes below: no HS interrupt can reach
	# the exit vector while the hypervisor's own registers are still live.
	ld	t0, VCPU_SEPC(a0)
	csrw	sepc, t0
	ld	t1, VCPU_SSTATUS(a0)
	csrrw	t0, sstatus, t1
	sd	t0, VCPU_HYP_SSTATUS(a0)
	ld	t1, VCPU_HSTATUS(a0)
	csrrw	t0, hstatus, t1
	sd	t0, VCPU_HYP_HSTATUS(a0)
	# The next trap from the guest comes to us, with sscratch = v.
	la	t1, vcpu_exit_vector
	csrrw	t0, stvec, t1
	sd	t0, VCPU_HYP_STVEC(a0)
	csrrw	t0, sscratch, a0
	sd	t0, VCPU_HYP_SSCRATCH(a0)

	# Guest GPRs; a0 last because it is the base.
	.irp n, 1,2,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ld	x\n, VCPU_GPRS + \n*8(a0)
	.endr
	ld	a0, VCPU_GPRS + 10*8(a0)
	sret

	# stvec requires 4-byte alignment (Priv. 4.1.2, direct mode).
	.balign 4
vcpu_exit_vector:
	csrrw	a0, sscratch, a0            # a0 = v, sscratch = guest a0
	# First the registers a C function may clobber (the psABI's
	# caller-saved ones) and the two the fast path replaces (sp, tp).
	.irp n, 1,2,4,5,6,7,11,12,13,14,15,16,17,28,29,30,31
	sd	x\n, VCPU_GPRS + \n*8(a0)
	.endr
	csrr	t0, sscratch
	sd	t0, VCPU_GPRS + 10*8(a0)

	# The cause, saved here once for both paths (the full exit does not
	# read it again). The fast path: a guest ecall, and a VMM that
	# handles some in place.
	csrr	t0, scause
	sd	t0, VCPU_TRAP_SCAUSE(a0)
	li	t1, CAUSE_VIRTUAL_SUPERVISOR_ECALL
	bne	t0, t1, vcpu_exit_other
	ld	t1, VCPU_FAST_ECALL(a0)
	beqz	t1, vcpu_exit_ecall
	# Call it as C (CALL_IN_TRAP). gp, s0-s11 still hold guest values:
	# the callee preserves them (and the kit's C never uses gp: no linker
	# script defines __global_pointer$, so nothing is relaxed to
	# gp-relative). SIE is 0 (the trap cleared it), so no HS interrupt
	# arrives meanwhile. A trap in the handler itself would come back here
	# as a strange exit of the guest, sepc in the hypervisor and the
	# handler's registers saved as the guest's (SPV may be 0 or 1: OpenSBI
	# redirects some traps without touching it): the handler must not
	# fault (vcpu.h).
	CALL_IN_TRAP t1, t0
	beqz	t0, vcpu_exit_ecall         # not one it handles: the full exit
	# Handled: resume after the ecall (it has no compressed form).
	csrr	t0, sepc
	addi	t0, t0, 4
	csrw	sepc, t0
	.irp n, 1,2,4,5,6,7,11,12,13,14,15,16,17,28,29,30,31
	ld	x\n, VCPU_GPRS + \n*8(a0)
	.endr
	ld	a0, VCPU_GPRS + 10*8(a0)
	sret

	# The fast path for device accesses: a guest-page fault on a load (21)
	# or a store (23), so t0 - 21 is 0 or 2, and a VMM that sets
	# v->fast_mmio. It needs the decoder and the bus, which read any
	# register and the trap's CSRs: v is first made what a full exit
	# leaves (the other 13 GPRs, sepc, sstatus, hstatus, the trap values),
	# and stvec is the hypervisor's while it runs (lab 6's fetch relies on
	# the kit's expected-trap guard; a fault there is the hypervisor's). A
	# trap inside it changes sepc, sstatus.SPP and hstatus.SPV: all three
	# come back from v, on either way out.
vcpu_exit_other:
	addi	t1, t0, -CAUSE_LOAD_GUEST_PAGE_FAULT
	andi	t1, t1, ~(CAUSE_STORE_GUEST_PAGE_FAULT - CAUSE_LOAD_GUEST_PAGE_FAULT)
	bnez	t1, vcpu_exit_full
	ld	t1, VCPU_FAST_MMIO(a0)
	beqz	t1, vcpu_exit_full
	.irp n, 3,8,9,18,19,20,21,22,23,24,25,26,27
	sd	x\n, VCPU_GPRS + \n*8(a0)
	.endr
	csrr	t0, sepc
	sd	t0, VCPU_SEPC(a0)
	csrr	t0, sstatus
	sd	t0, VCPU_SSTATUS(a0)
	csrr	t0, hstatus
	sd	t0, VCPU_HSTATUS(a0)
	SAVE_TRAP_VALUES
	ld	t0, VCPU_HYP_STVEC(a0)
	csrw	stvec, t0
	CALL_IN_TRAP t1, t1
	la	t0, vcpu_exit_vector
	csrw	stvec, t0
	ld	t0, VCPU_SEPC(a0)
	csrw	sepc, t0
	ld	t0, VCPU_SSTATUS(a0)
	csrw	sstatus, t0
	ld	t0, VCPU_HSTATUS(a0)
	csrw	hstatus, t0
	# Not handled (nothing was done): the full exit, its trap values
	# saved already (a trap in the handler may have changed the CSRs).
	beqz	t1, .Lexit_rest
	.irp n, 1,2,3,4,5,6,7,8,9,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	ld	x\n, VCPU_GPRS + \n*8(a0)
	.endr
	ld	a0, VCPU_GPRS + 10*8(a0)
	sret

	# The full exit of an ecall. Its trap values are 0 by the spec (stval:
	# Priv. 4.1.9, "for other traps"; htval: 8.2.8; htinst: 8.6.3 allows
	# a transformed instruction only for the memory traps): stored, not read.
vcpu_exit_ecall:
	sd	zero, VCPU_TRAP_STVAL(a0)
	sd	zero, VCPU_TRAP_HTVAL(a0)
	sd	zero, VCPU_TRAP_HTINST(a0)
	j	.Lexit_rest

vcpu_exit_full:
	SAVE_TRAP_VALUES
.Lexit_rest:
	# The rest of the guest's registers: gp, s0-s11. (sp and tp are saved
	# already; after a declined fast call they hold the hypervisor's.)
	.irp n, 3,8,9,18,19,20,21,22,23,24,25,26,27
	sd	x\n, VCPU_GPRS + \n*8(a0)
	.endr

	csrr	t0, sepc
	sd	t0, VCPU_SEPC(a0)

	# Back to the hypervisor. Its hstatus has SPV = 0, so a later trap in
	# HS is not mistaken for a guest trap (docs/qemu-facts.md: OpenSBI redirects
	# illegal-instruction traps without touching SPV). hstatus and sstatus
	# are swapped: the guest's values (SPV, SPP as the trap left them) go
	# to v, the hypervisor's come back. sstatus goes last: it may set SIE
	# again, and an interrupt taken then (the one that caused this exit
	# may still be pending) must find the hypervisor's stvec, not this
	# vector.
	ld	t0, VCPU_HYP_STVEC(a0)
	csrw	stvec, t0
	ld	t0, VCPU_HYP_SSCRATCH(a0)
	csrw	sscratch, t0
	ld	t1, VCPU_HYP_HSTATUS(a0)
	csrrw	t0, hstatus, t1
	sd	t0, VCPU_HSTATUS(a0)
	ld	t1, VCPU_HYP_SSTATUS(a0)
	csrrw	t0, sstatus, t1
	sd	t0, VCPU_SSTATUS(a0)
	ld	ra, VCPU_HYP + 0*8(a0)
	ld	sp, VCPU_HYP + 1*8(a0)
	ld	gp, VCPU_HYP + 2*8(a0)
	ld	tp, VCPU_HYP + 3*8(a0)
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11
	ld	s\n, VCPU_HYP + (4 + \n)*8(a0)
	.endr
	ret
