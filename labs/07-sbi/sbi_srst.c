// Lab 7: the System Reset extension (SBI spec 10, EID "SRST").
//
// A guest's shutdown or reboot concerns its VM, not the machine: the call
// becomes an exit for whoever runs the VM (vmexit.h, EXIT_SYSTEM_DOWN),
// which in the kit ends the run with the guest's reason as its status.
//
// Check yourself: make grade LAB=7 (tests srst_shutdown, srst_failure,
// srst_reboot).
#include "hyp.h"
#include "vsbi.h"

static long srst_handle(struct vcpu *v, const struct vsbi_call *call, ulong *value,
			struct vm_exit *exit)
{
	UNUSED(v);
	UNUSED(value);
	UNUSED(exit);
	// TODO(lab 7): SBI_SRST_SYSTEM_RESET (10.1), args = (reset_type,
	// reset_reason), both 32-bit values (use only the low 32 bits, SBI 3).
	//  - reserved types (3 - 0xEFFFFFFF) or reasons (2 - 0xDFFFFFFF):
	//    SBI_ERR_INVALID_PARAM, and the guest goes on;
	//  - vendor types (0xF0000000 and up) are valid, but you implement
	//    none: SBI_ERR_NOT_SUPPORTED;
	//  - shutdown, cold or warm reboot: exit->reason = EXIT_SYSTEM_DOWN
	//    with exit->system_down.type and .reason. Is OpenSBI's own SRST an
	//    option here? Write down why not.
	//  - any other FID: SBI_ERR_NOT_SUPPORTED.
	UNUSED(call);
	return SBI_ERR_NOT_SUPPORTED;
}

static const struct vsbi_ext vsbi_ext_srst = {
	.name = "srst",
	.eid_min = SBI_EXT_SRST,
	.eid_max = SBI_EXT_SRST,
	.handle = srst_handle,
};
VSBI_EXTENSION(vsbi_ext_srst);
