# regfill.S: regfill_ecall(frame) makes one ecall with every register
# chosen by the caller, and hands back every register as the ecall left it.
#
#   frame[1..31] -> x1..x31, ecall, x1..x31 -> frame[1..31]
#
# That includes ra, sp, gp and tp, so the C caller's own registers (ra, sp,
# gp, tp, s0-s11) wait in regfill_save meanwhile: one caller at a time.
# After the ecall no register is free to hold the frame's address, so it
# waits in sscratch (here the guest's vsscratch): csrrw swaps it with x31,
# the same trick the hypervisor's exit vector uses.
	.option norvc

	.text
	.globl regfill_ecall
	.globl regfill_ecall_pc
	.balign 4
regfill_ecall:
	la	t0, regfill_save
	sd	ra, 0*8(t0)
	sd	sp, 1*8(t0)
	sd	gp, 2*8(t0)
	sd	tp, 3*8(t0)
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11
	sd	s\n, (4 + \n)*8(t0)
	.endr
	csrw	sscratch, a0
	mv	x31, a0
	.irp n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30
	ld	x\n, \n*8(x31)
	.endr
	ld	x31, 31*8(x31)          # the base register goes last
regfill_ecall_pc:
	ecall
	csrrw	x31, sscratch, x31      # x31 = frame, sscratch = x31 after the call
	.irp n, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30
	sd	x\n, \n*8(x31)
	.endr
	csrr	x30, sscratch
	sd	x30, 31*8(x31)

	la	t0, regfill_save
	ld	ra, 0*8(t0)
	ld	sp, 1*8(t0)
	ld	gp, 2*8(t0)
	ld	tp, 3*8(t0)
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11
	ld	s\n, (4 + \n)*8(t0)
	.endr
	ret

	.bss
	.balign 8
regfill_save:
	.space	16 * 8
