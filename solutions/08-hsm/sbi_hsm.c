// Lab 8 reference solution: the HSM extension (SBI 9, EID "HSM").
//
// hart_start and hart_stop change what runs where, which only the run loop
// can do: they become EXIT_CPU_UP / EXIT_CPU_DOWN (vmexit.h), and the loop
// calls hsm_cpu_up() / hsm_cpu_down(). get_status and suspend are answered
// here, on the calling vCPU's hart. Every VM has hart management, one with
// a single vCPU too (SBI 9: the caller is STARTED, starting it again is
// SBI_ERR_ALREADY_AVAILABLE).
#include "hyp.h"
#include "vcpu.h"
#include "vsbi.h"
#include "smp.h"
#include "gstage.h"

// SBI 9.1: start_addr must be a guest-physical address the guest may
// execute (G-stage X), else SBI_ERR_INVALID_ADDRESS: the new vCPU's first
// fetch would be a guest-page fault that no handler could resolve. An odd
// address is no instruction address either (instructions are 2-byte
// aligned; sepc[0] is always zero, Priv. 4.1.7, but QEMU 7.2 keeps the bit
// and would run the vCPU at the odd address). The caller's vCPU runs on
// this hart, so hgatp holds the VM's G-stage, the one all its vCPUs share.
static int guest_can_execute(ulong gpa)
{
	gpte_t *root = (gpte_t *)((csr_read(hgatp) & HGATP_PPN_MASK) << PAGE_SHIFT);
	ulong perms = 0;
	return !(gpa & 1) && gstage_translate(root, gpa, &perms) != -1UL && (perms & PTE_X);
}

static long guest_hart_start(struct vm *vm, const struct vsbi_call *c, struct vm_exit *exit)
{
	ulong target = c->args[0];
	if (!vm_vcpu_by_hartid(vm, target))
		return SBI_ERR_INVALID_PARAM;
	if (!guest_can_execute(c->args[1]))
		return SBI_ERR_INVALID_ADDRESS;
	exit->reason = EXIT_CPU_UP;
	exit->cpu_up = (struct vm_exit_cpu_up){ target, c->args[1], c->args[2] };
	return SBI_SUCCESS;   // the loop replaces it with hsm_cpu_up()'s answer
}

// SBI 9.4: suspend_type is 32 bits wide; a non-retentive suspend resumes
// at resume_addr, which must be executable like hart_start's start_addr.
static long guest_hart_suspend(struct vm *vm, struct vcpu *v, const struct vsbi_call *c)
{
	ulong type = c->args[0] & 0xffffffffUL;
	if (type == SBI_HSM_SUSPEND_NON_RETENTIVE && !guest_can_execute(c->args[1]))
		return SBI_ERR_INVALID_ADDRESS;
	return hsm_suspend(vm, v, type, c->args[1], c->args[2]);
}

static long hsm_handle(struct vcpu *v, const struct vsbi_call *call, ulong *value,
		       struct vm_exit *exit)
{
	struct vm *vm = v->vm;
	if (!vm)            // a vCPU of no VM (some labs' test harnesses)
		return SBI_ERR_NOT_SUPPORTED;
	switch (call->fid) {
	case SBI_HSM_HART_START:
		return guest_hart_start(vm, call, exit);
	case SBI_HSM_HART_STOP:
		// SBI 9.2: no return on success: the loop never resumes it.
		exit->reason = EXIT_CPU_DOWN;
		exit->cpu_down.state = 0;
		return SBI_SUCCESS;
	case SBI_HSM_HART_GET_STATUS:
		return hsm_get_status(vm, call->args[0], value);
	case SBI_HSM_HART_SUSPEND:
		return guest_hart_suspend(vm, v, call);
	default:
		return SBI_ERR_NOT_SUPPORTED;
	}
}

static const struct vsbi_ext vsbi_ext_hsm = {
	.name = "hsm",
	.eid_min = SBI_EXT_HSM,
	.eid_max = SBI_EXT_HSM,
	.handle = hsm_handle,
};
VSBI_EXTENSION(vsbi_ext_hsm);
