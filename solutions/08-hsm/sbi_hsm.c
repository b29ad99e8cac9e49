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

// Only a VM with several vCPUs (lab 8's) has hart management; the
// single-vCPU VMs of other labs keep lab 7's answer.
static long hsm_probe(ulong eid)
{
	UNUSED(eid);
	return smpvm_active != NULL;
}

static long guest_hart_start(struct smp_vm *vm, const struct vsbi_call *c, struct vm_exit *exit)
{
	ulong target = c->args[0];
	if (!smpvm_vcpu_by_hartid(vm, target))
		return SBI_ERR_INVALID_PARAM;
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
