// Lab 8 reference solution: the RFENCE extension (SBI 8, EID "RFNC").
//
// The guest's remote fences, done on the harts that run the named vCPUs.
// Each target flushes ALL of the guest's VS-stage translations
// (hfence.vvma with x0, x0): more than the range and ASID asked for, which
// the spec allows (a fence may always do more), and one request bit is
// enough however many senders there are. The call returns once every
// target has fenced (rfence_run).
#include "hyp.h"
#include "vcpu.h"
#include "vsbi.h"
#include "smp.h"

static long rfence_handle(struct vcpu *v, const struct vsbi_call *call, ulong *value,
			  struct vm_exit *exit)
{
	UNUSED(value);
	UNUSED(exit);
	struct vm *vm = v->vm;
	ulong targets, req;
	if (!vm)
		return SBI_ERR_NOT_SUPPORTED;
	switch (call->fid) {
	case SBI_RFENCE_FENCE_I:
		req = VIPI_REQ_FENCE_I;
		break;
	case SBI_RFENCE_SFENCE_VMA:
	case SBI_RFENCE_SFENCE_VMA_ASID:
		req = VIPI_REQ_FENCE_VMA;
		break;
	default:    // FIDs 3-6, the hfence.* forms (SBI 8.4-8.7): our guests have no H

		return SBI_ERR_NOT_SUPPORTED;
	}
	long err = vipi_mask_targets(vm, call->args[0], call->args[1], &targets);
	if (err)
		return err;
	rfence_run(vm, v, targets, req);
	return SBI_SUCCESS;
}

static const struct vsbi_ext vsbi_ext_rfence = {
	.name = "rfence",
	.eid_min = SBI_EXT_RFENCE,
	.eid_max = SBI_EXT_RFENCE,
	.handle = rfence_handle,
};
VSBI_EXTENSION(vsbi_ext_rfence);
