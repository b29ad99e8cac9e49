// Lab 8 reference solution: the HSM extension (SBI 9, EID "HSM").
//
// hart_start and hart_stop change what runs where, which only the run loop
// can do: they become EXIT_CPU_UP / EXIT_CPU_DOWN (vmexit.h), and the loop
// calls hsm_cpu_up() / hsm_cpu_down(). get_status and suspend are answered
// here, on the calling vCPU's hart.
#include "hyp.h"
#include "vcpu.h"
#include "vsbi.h"
#include "smpvm.h"
#include "gstage.h"

// Only a VM with several vCPUs (lab 8's) has hart management; the
// single-vCPU VMs of other labs keep lab 7's answer.
static long hsm_probe(ulong eid)
{
	UNUSED(eid);
	return smpvm_active != NULL;
}

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

static long guest_hart_start(struct smp_vm *vm, const struct vsbi_call *c, struct vm_exit *exit)
{
	ulong target = c->args[0];
	if (!smpvm_vcpu_by_hartid(vm, target))
		return SBI_ERR_INVALID_PARAM;
	if (!guest_can_execute(c->args[1]))
		return SBI_ERR_INVALID_ADDRESS;
	exit->reason = EXIT_CPU_UP;
	exit->cpu_up = (struct vm_exit_cpu_up){ target, c->args[1], c->args[2] };
	return SBI_SUCCESS;   // the loop replaces it with hsm_cpu_up()'s answer
}

static long hsm_handle(struct vcpu *v, const struct vsbi_call *call, ulong *value,
		       struct vm_exit *exit)
{
	struct smp_vm *vm = smpvm_of(v);
	if (!vm)
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
		return hsm_suspend(vm, v, call->args[0] & 0xffffffffUL, call->args[1],
				   call->args[2]);
	default:
		return SBI_ERR_NOT_SUPPORTED;
	}
}

static const struct vsbi_ext vsbi_ext_hsm = {
	.name = "hsm",
	.eid_min = SBI_EXT_HSM,
	.eid_max = SBI_EXT_HSM,
	.probe = hsm_probe,
	.handle = hsm_handle,
};
VSBI_EXTENSION(vsbi_ext_hsm);
