# trapvec.S: the kit's trap vectors (stvec, direct mode: 4-byte aligned).
#
# hyp_trapvec  - traps taken while the hypervisor itself runs. The frame
#                (struct trapframe, trap.h) is pushed on the current stack,
#                so a trap inside a handler nests safely.
# guest_trapvec - labs 2-3 only: exits from a guest started by guest_enter().
#                sscratch holds this hart's struct cpu; the guest's registers
#                go into a frame on the hart's trap stack (cpu->trap_sp), and
#                hyp_guest_trap(frame) decides what happens. Lab 4 replaces
#                this with the student's own world switch.
# probe_trapvec - lab 1: records scause in probe_cause and skips the
#                faulting (32-bit) instruction.
# hyp_bad_stack_vec - where hyp_trapvec goes when sp is on no stack of the
#                hypervisor: an emergency stack, a report, the end.
#
# H-extension CSRs (hstatus, htval, htinst) are only touched when rt_has_h
# is set: on a CPU without H they do not exist and reading them would trap
# again, forever.
#include "trap.h"
#include "cpu.h"
#include "riscv.h"
#include "asm.h"
#include "memlayout.h"

#define BAD_STACK_SIZE 4096            // hyp_bad_stack()'s report: printf only

	.option norvc                  # exact sizes, predictable layout

	# Trap CSRs into the frame at sp. Clobbers t0.
	.macro SAVE_TRAP_CSRS
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
	lw	t0, rt_has_h
	beqz	t0, 1f
	csrr	t0, hstatus
	sd	t0, TF_HSTATUS(sp)
	csrr	t0, htval
	sd	t0, TF_HTVAL(sp)
	csrr	t0, htinst
	sd	t0, TF_HTINST(sp)
1:
	.endm

	# sepc, sstatus (and hstatus) from the frame at a0. Clobbers t0.
	.macro RESTORE_TRAP_CSRS
	ld	t0, TF_SEPC(a0)
	csrw	sepc, t0
	ld	t0, TF_SSTATUS(a0)
	csrw	sstatus, t0
	lw	t0, rt_has_h
	beqz	t0, 1f
	ld	t0, TF_HSTATUS(a0)
	csrw	hstatus, t0
1:
	.endm

	.text
	.balign 4
	.globl hyp_trapvec
hyp_trapvec:
	# Is sp on one of the hypervisor's stacks, with room for the frame?
	# A world switch that restored a wrong sp (lab 4) sends the kit's own
	# C code here with sp pointing anywhere, and pushing the frame there
	# would fault again, forever, silently. One register is needed to
	# check: t0, borrowed through sscratch and given back at once (sscratch
	# belongs to the world switch; nothing else here can be trusted).
	csrrw	t0, sscratch, t0
	la	t0, hart_stacks + TF_SIZE
	bltu	sp, t0, 1f
	la	t0, hart_stacks + HART_STACK_SIZE * MAX_HARTS
	bleu	sp, t0, 2f
1:	la	t0, trap_stacks + TF_SIZE
	bltu	sp, t0, hyp_bad_stack_vec
	la	t0, trap_stacks + TRAP_STACK_SIZE * MAX_HARTS
	bgtu	sp, t0, hyp_bad_stack_vec
2:	csrrw	t0, sscratch, t0
	addi	sp, sp, -TF_SIZE
	SAVE_GPRS_EXCEPT_SP_TP sp
	sd	x4, 4*8(sp)
	addi	t0, sp, TF_SIZE
	sd	t0, 2*8(sp)                 # sp before the trap
	SAVE_TRAP_CSRS
	mv	a0, sp
	call	hyp_trap
	mv	a0, sp
	RESTORE_TRAP_CSRS
	LOAD_GPRS_EXCEPT_SP_A0 sp
	ld	a0, 10*8(sp)
	addi	sp, sp, TF_SIZE
	sret

	# sp is no stack of ours (see hyp_trapvec). One hart at a time (a lock
	# taken with the one free register) moves to an emergency stack, saves
	# what it can and reports: hyp_bad_stack() never returns. t0 of the
	# trapped code is in sscratch.
hyp_bad_stack_vec:
1:	la	t0, bad_stack_lock
	amoswap.w.aq t0, t0, (t0)
	bnez	t0, 1b
	la	t0, bad_stack + BAD_STACK_SIZE - TF_SIZE
	sd	sp, 2*8(t0)                 # the bad sp itself, for the report
	mv	sp, t0
	SAVE_GPRS_EXCEPT_SP_TP sp
	sd	x4, 4*8(sp)
	csrr	t0, sscratch                # the trapped code's t0
	sd	t0, 5*8(sp)
	SAVE_TRAP_CSRS
	mv	a0, sp
	call	hyp_bad_stack
	j	park

	.balign 4
	.globl guest_trapvec
guest_trapvec:
	csrrw	tp, sscratch, tp            # tp = struct cpu, sscratch = guest tp
	sd	sp, CPU_SCRATCH(tp)
	ld	sp, CPU_TRAP_SP(tp)
	addi	sp, sp, -TF_SIZE
	SAVE_GPRS_EXCEPT_SP_TP sp
	ld	t0, CPU_SCRATCH(tp)
	sd	t0, 2*8(sp)                 # guest sp
	csrr	t0, sscratch
	sd	t0, 4*8(sp)                 # guest tp
	SAVE_TRAP_CSRS
	# Back in the hypervisor: its own vector, and SPV cleared so that an
	# HS trap while handling this exit is not mistaken for a guest trap
	# (OpenSBI redirects illegal-instruction traps without touching SPV).
	la	t0, hyp_trapvec
	csrw	stvec, t0
	li	t0, HSTATUS_SPV
	csrc	hstatus, t0
	mv	a0, sp
	call	hyp_guest_trap
	mv	a0, sp
	RESTORE_TRAP_CSRS
	j	enter_from_frame

	# guest_enter(const ulong *gprs): load the guest's GPRs and sret. The
	# caller has set sepc, sstatus.SPP and hstatus.SPV/SPVP already.
	.globl guest_enter
guest_enter:
enter_from_frame:                     # a0 = frame; CSRs are ready
	csrw	sscratch, tp
	la	t0, guest_trapvec
	csrw	stvec, t0
	ld	sp, 2*8(a0)
	LOAD_GPRS_EXCEPT_SP_A0 a0
	ld	a0, 10*8(a0)                # a0 last: it was the base
	sret

	.balign 4
	.globl probe_trapvec
probe_trapvec:
	addi	sp, sp, -16
	sd	t0, 0(sp)
	sd	t1, 8(sp)
	csrr	t0, scause
	la	t1, probe_cause
	sd	t0, 0(t1)
	csrr	t0, sepc                    # every CSR instruction is 4 bytes
	addi	t0, t0, 4
	csrw	sepc, t0
	ld	t0, 0(sp)
	ld	t1, 8(sp)
	addi	sp, sp, 16
	sret

	.data
	.balign 8
	.globl probe_cause
probe_cause:
	.dword	-1
bad_stack_lock:
	.word	0

	.section .bss.stacks
	.balign 16
bad_stack:
	.space	BAD_STACK_SIZE
