# probes.S: the lab-9 guest's loads and stores, with exact encodings.
#
# Each probe executes ONE load or store with chosen registers, offset and
# encoding (.option norvc: the 32-bit form even where a 16-bit one exists;
# .option rvc + c.*: the 16-bit form). Any register may be the data or the
# base register, sp included, so every probe first saves everything the
# calling convention wants back (ra, gp, tp, s0-s11) and parks sp in
# sscratch (the guest's own vsscratch: no trap handler of this guest uses
# it). Then:
#   load:  rs1 <- a0 (base); rd <- imm(rs1); a0 <- rd
#   store: rs2 <- a1 (value), rs1 <- a0 (base); rs2 -> imm(rs1)
# and back. The trapping access goes to the hypervisor, which must emulate
# it and resume right after it: the probe then returns normally.
#
# The probe list is probes.def; probe_ld_every / probe_sd_every below
# cover every register as rd of an ld and as rs2 of an sd.

	.text
	.option norvc

	# Frame: ra gp tp s0..s11 (15 slots), a0, a1.
	.equ F_A0, 15 * 8
	.equ F_A1, 16 * 8
	.equ FRAME, 18 * 8

.macro ENTER
	addi	sp, sp, -FRAME
	sd	ra, 0(sp)
	sd	gp, 8(sp)
	sd	tp, 16(sp)
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11
	sd	s\n, (3 + \n) * 8(sp)
	.endr
	sd	a0, F_A0(sp)
	sd	a1, F_A1(sp)
	csrw	sscratch, sp
.endm

.macro LEAVE
	csrr	sp, sscratch
	ld	ra, 0(sp)
	ld	gp, 8(sp)
	ld	tp, 16(sp)
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11
	ld	s\n, (3 + \n) * 8(sp)
	.endr
	addi	sp, sp, FRAME
	ret
.endm

# Load the base (and the value) from the frame; sp, when used, goes last
# because it addresses the frame.
.macro SET_BASE base
	ld	\base, F_A0(sp)
.endm
.macro SET_BASE_VALUE reg, base
	.ifc \reg,sp
	ld	\base, F_A0(sp)
	ld	sp, F_A1(sp)
	.else
	.ifc \reg,x2
	ld	\base, F_A0(sp)
	ld	sp, F_A1(sp)
	.else
	ld	\reg, F_A1(sp)
	ld	\base, F_A0(sp)
	.endif
	.endif
.endm

.macro LOAD name, insn, reg, base, imm
	.globl	probe_\name
	.balign	4
probe_\name:
	ENTER
	SET_BASE \base
	\insn	\reg, \imm(\base)
	mv	a0, \reg
	LEAVE
.endm

.macro STORE name, insn, reg, base, imm
	.globl	probe_\name
	.balign	4
probe_\name:
	ENTER
	SET_BASE_VALUE \reg, \base
	\insn	\reg, \imm(\base)
	LEAVE
.endm

.macro CLOAD name, insn, reg, base, imm
	.globl	probe_\name
	.balign	4
probe_\name:
	ENTER
	SET_BASE \base
	.option	push
	.option	rvc
	\insn	\reg, \imm(\base)
	.option	pop
	mv	a0, \reg
	LEAVE
.endm

.macro CSTORE name, insn, reg, base, imm
	.globl	probe_\name
	.balign	4
probe_\name:
	ENTER
	SET_BASE_VALUE \reg, \base
	.option	push
	.option	rvc
	\insn	\reg, \imm(\base)
	.option	pop
	LEAVE
.endm

#define PROBE(name, kind, insn, reg, base, imm, width, sign) kind name, insn, reg, base, imm
#include "probes.def"
#undef PROBE

# Every register as rd of an ld and as rs2 of an sd (offset 8), with base
# register x(32 - n): all registers appear as base too.
.macro EVERY n, b
	LOAD	ld_x\n, ld, x\n, x\b, 8
	STORE	sd_x\n, sd, x\n, x\b, 8
.endm
	EVERY 1, 31
	EVERY 2, 30
	EVERY 3, 29
	EVERY 4, 28
	EVERY 5, 27
	EVERY 6, 26
	EVERY 7, 25
	EVERY 8, 24
	EVERY 9, 23
	EVERY 10, 22
	EVERY 11, 21
	EVERY 12, 20
	EVERY 13, 19
	EVERY 14, 18
	EVERY 15, 17
	EVERY 16, 16
	EVERY 17, 15
	EVERY 18, 14
	EVERY 19, 13
	EVERY 20, 12
	EVERY 21, 11
	EVERY 22, 10
	EVERY 23, 9
	EVERY 24, 8
	EVERY 25, 7
	EVERY 26, 6
	EVERY 27, 5
	EVERY 28, 4
	EVERY 29, 3
	EVERY 30, 2
	EVERY 31, 1

	.section .rodata
	.balign 8
	.globl probe_ld_every
probe_ld_every:                  # [n - 1] = the probe for rd = xn
	.irp n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.dword	probe_ld_x\n
	.endr
	.globl probe_sd_every
probe_sd_every:                  # [n - 1] = the probe for rs2 = xn
	.irp n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.dword	probe_sd_x\n
	.endr
