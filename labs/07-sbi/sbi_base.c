// Lab 7: the Base extension (SBI spec 4, EID 0x10).
//
// Base describes the SBI the guest talks to: yours, not OpenSBI's. The
// guest uses it first of all: which spec version, which implementation,
// and, for every other extension, "is it there?" (probe_extension) before
// it calls it.
//
// Check yourself: make grade LAB=7 (tests base and errors).
#include "hyp.h"
#include "vsbi.h"

static long base_handle(struct vcpu *v, const struct vsbi_call *call, ulong *value,
			struct vm_exit *exit)
{
	UNUSED(v);
	UNUSED(exit);
	UNUSED(value);
	// TODO(lab 7): one case per function (sbi.h, SBI_BASE_*):
	//  - GET_SPEC_VERSION (4.1): VSBI_SPEC_VERSION (vsbi.h: 2.0).
	//  - GET_IMPL_ID (4.2), GET_IMPL_VERSION (4.3): the kit's own,
	//    SBI_IMPL_RVHLAB and VSBI_IMPL_VERSION (vsbi.h). You are the SBI
	//    implementation now; do not claim to be OpenSBI.
	//  - PROBE_EXTENSION (4.4): for the EID in args[0], 0 if no extension
	//    owns it (vsbi_find_ext), else its probe op's answer for this vCPU
	//    (ext->probe(v, eid)), or 1 when it has none. Always SBI_SUCCESS:
	//    the answer is in the value.
	//  - GET_MVENDORID, GET_MARCHID, GET_MIMPID (4.5-4.7): "a value that
	//    is legal for the m*id CSR". Decide what a virtual hart reports
	//    and write why in a comment (the handout discusses it; the test
	//    expects the real hart's ids, which only the firmware can read:
	//    sbi_ecall() to OpenSBI).
	//  - anything else: SBI_ERR_NOT_SUPPORTED.
	switch (call->fid) {
	default:
		return SBI_ERR_NOT_SUPPORTED;
	}
}

static const struct vsbi_ext vsbi_ext_base = {
	.name = "base",
	.eid_min = SBI_EXT_BASE,
	.eid_max = SBI_EXT_BASE,
	.handle = base_handle,
};
VSBI_EXTENSION(vsbi_ext_base);
