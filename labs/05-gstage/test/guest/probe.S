# probe.S: the test guest's memory probes, one access each.
#
# Every probe returns struct probe { ulong value; ulong faulted; } in a0/a1.
# t6 is cleared before the access; when the access ends in a guest-page
# fault, the harness sets t6 = 1 and resumes after the faulting
# instruction (loads and stores: sepc + 4, which is why this file is
# assembled without compressed instructions) or, for a call, at the
# return address in ra. The harness only does so for faults whose sepc
# (or ra) lies between probe_code_start and probe_code_end: a fault
# anywhere else in the guest is a real failure.
	.option norvc
	.text
	.balign 4
	.globl probe_code_start, probe_code_end
	.globl probe_ld, probe_lbu, probe_sd, probe_sb, probe_call
probe_code_start:

# struct probe probe_ld(ulong gpa): one 8-byte load.
probe_ld:
	li	t6, 0
	ld	a0, 0(a0)
	mv	a1, t6
	ret

# struct probe probe_lbu(ulong gpa): one byte load.
probe_lbu:
	li	t6, 0
	lbu	a0, 0(a0)
	mv	a1, t6
	ret

# struct probe probe_sd(ulong gpa, ulong value): one 8-byte store.
probe_sd:
	li	t6, 0
	sd	a1, 0(a0)
	mv	a0, a1
	mv	a1, t6
	ret

# struct probe probe_sb(ulong gpa, ulong value): one byte store.
probe_sb:
	li	t6, 0
	sb	a1, 0(a0)
	mv	a0, a1
	mv	a1, t6
	ret

# struct probe probe_call(ulong gpa): jump to gpa; the code there returns a
# value in a0. No stack: the return address waits in t5.
probe_call:
	mv	t5, ra
	li	t6, 0
	jalr	ra, 0(a0)
	mv	a1, t6
	mv	ra, t5
	ret

probe_code_end:
