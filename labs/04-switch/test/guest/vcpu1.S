# vcpu1.S: vCPU 1 of the two_vcpus scenario runs the same guest image as
# vCPU 0 but must not go through _start (one stack slot, and it zeroes .bss
# that vCPU 0 is using). It starts here with a0 = its id and a1 = the
# htimedelta the harness gave it, on a stack of its own.
#
# vcpu1_trapvec is vCPU 1's own trap vector (its vstvec), different from
# vCPU 0's (the runtime's guest_trapvec): it counts the trap in
# vcpu_traps[1] and skips the 4-byte ebreak that caused it.
#define VCPU1_STACK_SIZE (8 * 1024)

	.option norvc

	.text
	.globl vcpu1_entry
	.balign 4
vcpu1_entry:
	la	sp, vcpu1_stack + VCPU1_STACK_SIZE
	call	vcpu1_main              # does not return
1:	j	1b

	.globl vcpu1_trapvec
	.balign 4                       # stvec: 4-byte aligned (Priv. 4.1.2)
vcpu1_trapvec:
	addi	sp, sp, -16
	sd	t0, 0(sp)
	sd	t1, 8(sp)
	la	t0, vcpu_traps
	ld	t1, 8(t0)
	addi	t1, t1, 1
	sd	t1, 8(t0)
	csrr	t0, sepc
	addi	t0, t0, 4
	csrw	sepc, t0
	ld	t0, 0(sp)
	ld	t1, 8(sp)
	addi	sp, sp, 16
	sret

	.bss
	.balign 16
vcpu1_stack:
	.space	VCPU1_STACK_SIZE
