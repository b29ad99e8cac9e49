# probe.S: probe_vcpu_run(v, canary, out) for the hyp_state scenario.
#
# Loads s0-s11 and gp from canary[0..12], calls vcpu_run(v), and stores
# s0-s11, sp, gp, tp and ra as they are on return into *out, next to the
# sp, tp and ra they must have (want_*). The ABI says a callee keeps s0-s11
# and sp; gp and tp belong to the whole program; ra must be the address
# after our call, or vcpu_run() would not have come back here.
#
# Whatever vcpu_run() did to them, sp, tp, gp and the caller's s0-s11 are
# put back from safe copies before returning, so a broken world switch
# gives a FAIL line rather than a crash. The copy of `out` lives in .bss
# because sp may be wrong right after the call.
#include "probe.h"

	.option norvc

	.text
	.globl probe_vcpu_run
	.balign 4
probe_vcpu_run:
	addi	sp, sp, -112
	sd	ra, 0(sp)
	sd	gp, 8(sp)
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11
	sd	s\n, (16 + \n*8)(sp)
	.endr
	la	t0, probe_out
	sd	a2, 0(t0)
	sd	sp, PROBE_WANT_SP(a2)
	sd	tp, PROBE_WANT_TP(a2)
	la	t0, 1f
	sd	t0, PROBE_WANT_RA(a2)

	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11
	ld	s\n, \n*8(a1)
	.endr
	ld	gp, 12*8(a1)
	call	vcpu_run                # a0 = v
1:
	la	t0, probe_out           # t0 is free: caller-saved
	ld	t0, 0(t0)
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11
	sd	s\n, PROBE_S + \n*8(t0)
	.endr
	sd	sp, PROBE_SP(t0)
	sd	gp, PROBE_GP(t0)
	sd	tp, PROBE_TP(t0)
	sd	ra, PROBE_RA(t0)

	ld	sp, PROBE_WANT_SP(t0)
	ld	tp, PROBE_WANT_TP(t0)
	ld	ra, 0(sp)
	ld	gp, 8(sp)
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11
	ld	s\n, (16 + \n*8)(sp)
	.endr
	addi	sp, sp, 112
	ret

	.bss
	.balign 8
probe_out:
	.space	8
