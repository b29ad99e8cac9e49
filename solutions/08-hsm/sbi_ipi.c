// Lab 8 reference solution: the IPI extension (SBI 7, EID "sPI").
//
// send_ipi(hart_mask, hart_mask_base) raises a supervisor software
// interrupt on every named hart: for a vCPU, hvip.VSSIP on the hart that
// runs it (vipi.c posts the request and sends that hart a host IPI).
#include "hyp.h"
#include "vcpu.h"
#include "vsbi.h"
#include "smp.h"

static long send_ipi(struct vm *vm, ulong hart_mask, ulong hart_mask_base)
{
	ulong targets;
	long err = vipi_mask_targets(vm, hart_mask, hart_mask_base, &targets);
	if (err)
		return err;          // SBI 7.1: nothing is sent for an invalid mask
	for (int i = 0; i < vm->nvcpus; i++)
		if (targets & (1UL << i))
			vipi_send(vm, i, VIPI_REQ_SOFT);
	return SBI_SUCCESS;
}

static long ipi_handle(struct vcpu *v, const struct vsbi_call *call, ulong *value,
		       struct vm_exit *exit)
{
	UNUSED(value);
	UNUSED(exit);
	struct vm *vm = v->vm;
	if (!vm || call->fid != SBI_IPI_SEND_IPI)
		return SBI_ERR_NOT_SUPPORTED;
	return send_ipi(vm, call->args[0], call->args[1]);
}

static const struct vsbi_ext vsbi_ext_ipi = {
	.name = "ipi",
	.eid_min = SBI_EXT_IPI,
	.eid_max = SBI_EXT_IPI,
	.handle = ipi_handle,
};
VSBI_EXTENSION(vsbi_ext_ipi);
