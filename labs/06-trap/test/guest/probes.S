# probes.S: the lab-6 guest's trapping instructions, with exact encodings.
#
# Each probe returns 1 when execution resumed exactly after the trapping
# instruction, 0 otherwise. The 32-bit accesses use ra (x1) as the base
# register with offset 0: their upper halfword is then 0x0000, a defined
# illegal instruction, so a hypervisor that resumes 2 bytes too early makes
# the guest trap (delegated to the guest, which reports it) instead of
# silently running on. The 16-bit accesses are followed by a 16-bit marker
# that a 4-byte advance would skip.
#
# Registers: only caller-saved ones, plus ra (saved in t0).

	.text
	.option norvc

	# long probe_load32(ulong gpa): lb a1, 0(ra) = 0x00008583.
	.globl probe_load32
probe_load32:
	mv	t0, ra
	mv	ra, a0
	li	a0, 0
	lb	a1, 0(ra)
	li	a0, 1
	mv	ra, t0
	ret

	# long probe_store32(ulong gpa): sb zero, 0(ra) = 0x00008023.
	.globl probe_store32
probe_store32:
	mv	t0, ra
	mv	ra, a0
	li	a0, 0
	sb	zero, 0(ra)
	li	a0, 1
	mv	ra, t0
	ret

	# long probe_load16(ulong gpa): c.lw a2, 0(a0) = 0x4110 (gpa 4-aligned).
	.globl probe_load16
probe_load16:
	li	a1, 0
	.option push
	.option rvc
	c.lw	a2, 0(a0)
	c.li	a1, 1
	.option pop
	mv	a0, a1
	ret

	# long probe_store16(ulong gpa): c.sd a1, 0(a0) = 0xe10c (gpa 8-aligned).
	.globl probe_store16
probe_store16:
	li	a1, 0
	.option push
	.option rvc
	c.sd	a1, 0(a0)
	c.li	a1, 1
	.option pop
	mv	a0, a1
	ret

	# long probe_fetch(ulong gpa): jump to an unmapped guest-physical
	# address. The hypervisor resumes the guest at ra, as if the call
	# had returned.
	.globl probe_fetch
probe_fetch:
	addi	sp, sp, -16
	sd	ra, 8(sp)
	li	a1, 0
	jalr	ra, 0(a0)
	li	a1, 1
	ld	ra, 8(sp)
	addi	sp, sp, 16
	mv	a0, a1
	ret

	# void probe_wfi(void): wfi = 0x10500073, trapped with hstatus.VTW = 1.
	.globl probe_wfi
probe_wfi:
	wfi
	ret

	# ulong probe_hcsr_read(void): csrr a4, hstatus = 0x60002773.
	.globl probe_hcsr_read
probe_hcsr_read:
	li	a4, 0
	csrr	a4, hstatus
	mv	a0, a4
	ret

	# void probe_hcsr_write(ulong v): csrw hideleg, a5 = 0x60379073.
	.globl probe_hcsr_write
probe_hcsr_write:
	mv	a5, a0
	csrw	hideleg, a5
	ret

	# void probe_ebreak(ulong a0): ebreak = 0x00100073 with a0 as given.
	.globl probe_ebreak
probe_ebreak:
	ebreak
	ret
