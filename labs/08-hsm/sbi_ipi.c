// Lab 8: the IPI extension (SBI spec v2.0, chapter 7, EID 0x735049 "sPI").
//
// send_ipi(hart_mask, hart_mask_base) raises a supervisor software
// interrupt on every hart it names: for a vCPU, hvip.VSSIP on the hart
// that runs it, which only that hart can set (vipi.c).
//
// Check yourself: make grade LAB=8 (tests ipi, suspend).
#include "hyp.h"
#include "vcpu.h"
#include "vsbi.h"
#include "smpvm.h"

// Given (see sbi_hsm.c).
static long ipi_probe(ulong eid)
{
	UNUSED(eid);
	return smpvm_active != NULL;
}

static long ipi_handle(struct vcpu *v, const struct vsbi_call *call, ulong *value,
		       struct vm_exit *exit)
{
	UNUSED(value);
	UNUSED(exit);
	struct smp_vm *vm = smpvm_of(v);
	if (!vm)
		return SBI_ERR_NOT_SUPPORTED;
	// TODO(lab 8): FID SBI_IPI_SEND_IPI (7.1), args hart_mask,
	// hart_mask_base: the targets from vipi_mask_targets() (an invalid
	// mask sends nothing and returns its error), then vipi_send(...,
	// VIPI_REQ_SOFT) to each. Other FIDs: SBI_ERR_NOT_SUPPORTED.
	UNUSED(call);
	return SBI_ERR_NOT_SUPPORTED;
}

static const struct vsbi_ext vsbi_ext_ipi = {
	.name = "ipi",
	.eid_min = SBI_EXT_IPI,
	.eid_max = SBI_EXT_IPI,
	.probe = ipi_probe,
	.handle = ipi_handle,
};
VSBI_EXTENSION(vsbi_ext_ipi);
