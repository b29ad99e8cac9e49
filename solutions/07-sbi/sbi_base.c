// Lab 7 reference solution: the Base extension (SBI 4, EID 0x10).
//
// Base describes the SBI the guest talks to, i.e. the hypervisor's, not
// OpenSBI's: spec version, implementation and probing are answered here.
// Only the machine ids are the real hart's (forwarded, see below).
#include "hyp.h"
#include "vsbi.h"

// SBI 4.4: 0 = not available; otherwise 1 unless the extension defines
// another non-zero value (its descriptor's probe op).
static long probe_extension(struct vcpu *v, ulong eid)
{
	const struct vsbi_ext *ext = vsbi_find_ext(eid);
	if (!ext)
		return 0;
	return ext->probe ? ext->probe(v, eid) : 1;
}

// SBI 4.5-4.7: "a value that is legal for the m*id CSR". A vCPU runs on
// the real hart type, so the guest gets the real ids, which it may use to
// apply errata workarounds for that silicon (Linux does). HS-mode cannot
// read m* CSRs: ask the firmware, which can.
static long machine_id(ulong fid, ulong *value)
{
	struct sbiret r = sbi_ecall(SBI_EXT_BASE, fid, 0, 0, 0, 0, 0, 0);
	*value = r.error ? 0 : (ulong)r.value;    // 0 is always legal
	return SBI_SUCCESS;
}

static long base_handle(struct vcpu *v, const struct vsbi_call *call, ulong *value,
			struct vm_exit *exit)
{
	UNUSED(exit);
	switch (call->fid) {
	case SBI_BASE_GET_SPEC_VERSION:
		*value = VSBI_SPEC_VERSION;
		return SBI_SUCCESS;
	case SBI_BASE_GET_IMPL_ID:
		*value = SBI_IMPL_RVHLAB;
		return SBI_SUCCESS;
	case SBI_BASE_GET_IMPL_VERSION:
		*value = VSBI_IMPL_VERSION;
		return SBI_SUCCESS;
	case SBI_BASE_PROBE_EXTENSION:
		*value = (ulong)probe_extension(v, call->args[0]);
		return SBI_SUCCESS;
	case SBI_BASE_GET_MVENDORID:
	case SBI_BASE_GET_MARCHID:
	case SBI_BASE_GET_MIMPID:
		return machine_id(call->fid, value);
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
