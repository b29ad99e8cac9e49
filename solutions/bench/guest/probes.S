# probes.S: the measured loops of the bench guest (docs/bench.md).
#
# Every probe is a pair: ulong NAME(ulong n, ulong addr) runs n iterations
# of SETUP; OP; addi; bnez and returns the instret delta around the loop;
# NAME_base does the same with a nop instead of OP. With -icount
# shift=0 instret counts every instruction of every mode (VS, HS, M), so
#     (NAME - NAME_base) / n + 1
# is what one OP costs: itself plus all the hypervisor (and firmware) code
# it made run. Loop registers are t-registers: the world switch restores
# every GPR, and an ecall clobbers a0/a1 (SBI return values).

	.option norvc
	.text

.macro PROBE name, setup, op
	.globl \name
	.balign 4
\name:
	mv	t1, a0                 # iterations left
	mv	t4, a1                 # the address the op uses
	li	t5, 4096               # stride of the page probe
	csrr	t2, instret
1:	\setup
	\op
	addi	t1, t1, -1
	bnez	t1, 1b
	csrr	a0, instret
	sub	a0, a0, t2
	ret
.endm

# SBI spec 3: a7 = EID, a6 = FID, a0.. = arguments. The kit's hypercall
# extension is EID 0x0A000000 (sbi.h), fid 0 = BENCH_HC_NULL; DBCN
# (0x4442434E, SBI 12) write: a0 = bytes, a1/a2 = address low/high.
#define SETUP_HC   "li a7, 0x0A000000; li a6, 0"
#define SETUP_DBCN "li a7, 0x4442434E; li a6, 0; li a0, 64; mv a1, t4; li a2, 0"

PROBE bench_ecall,         SETUP_HC,   ecall
PROBE bench_ecall_base,    SETUP_HC,   nop
PROBE bench_dbcn,          SETUP_DBCN, ecall
PROBE bench_dbcn_base,     SETUP_DBCN, nop
# A load from the device register at addr (the UART's LSR).
PROBE bench_mmio,          nop,        "lbu t3, 0(t4)"
PROBE bench_mmio_base,     nop,        nop
# One load per page from addr on: every page faults once (MAP window).
PROBE bench_fault_map,     nop,        "lbu t3, 0(t4); add t4, t4, t5"
PROBE bench_fault_map_base,nop,        "nop; add t4, t4, t5"
# The same unbacked address every time (SKIP window).
PROBE bench_fault_skip,    nop,        "lbu t3, 0(t4)"
PROBE bench_fault_skip_base, nop,      nop
