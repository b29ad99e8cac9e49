# refuse.S: device accesses a hypervisor cannot (or should not) emulate.
#
# long refuse_<what>(ulong addr, ulong sentinel): a0 = the address (every
# access has offset 0), a1 = a value the access must not change (it is the
# destination of the integer loads and of the AMO). Each probe returns a1.
# refuse_<what>_at labels the access itself, which is where the guest's
# trap handler must see sepc.

	.text
	.option norvc
	.option arch, +d

.macro REFUSE name, insn:vararg
	.globl	refuse_\name, refuse_\name\()_at
	.balign	4
refuse_\name:
refuse_\name\()_at:
	\insn
	mv	a0, a1
	ret
.endm

	REFUSE amo, amoadd.w a1, a1, (a0)       # A extension: read-modify-write
	REFUSE lr, lr.d a1, (a0)                # load-reserved
	REFUSE flw, flw fa0, 0(a0)              # floating point (LOAD-FP)
	REFUSE fsd, fsd fa0, 0(a0)              # floating point (STORE-FP)
	REFUSE ld, ld a1, 0(a0)                 # integer accesses: refused for where
	REFUSE lw, lw a1, 0(a0)                 # they go (no device, a misaligned
	REFUSE sw, sw a1, 0(a0)                 # address, a device that says no)
	REFUSE sh, sh a1, 0(a0)

	# A 16-bit FP load: the handler must skip 2 bytes, not 4.
	.globl	refuse_cfld, refuse_cfld_at
	.balign	4
refuse_cfld:
	.option	push
	.option	rvc
refuse_cfld_at:
	c.fld	fa0, 0(a0)
	.option	pop
	mv	a0, a1
	ret

	# The same refused load from VU-mode: sret to U at the access (guest
	# paging is off, so VU reaches every address the G-stage allows), then
	# ecall, which the guest's handler (gtrap.c) turns into a return to VS
	# right after it.
	.globl	refuse_user, refuse_user_at
	.balign	4
refuse_user:
	la	t0, refuse_user_at
	csrw	sepc, t0
	li	t0, 1 << 8              # sstatus.SPP = 0: sret goes to (V)U-mode
	csrc	sstatus, t0
	sret
refuse_user_at:
	ld	a1, 0(a0)
	ecall
	mv	a0, a1
	ret
