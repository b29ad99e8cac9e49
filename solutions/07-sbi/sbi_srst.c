// Lab 7 reference solution: the System Reset extension (SBI 10, "SRST").
//
// Emulated, never forwarded: OpenSBI would reset the whole machine, with
// the hypervisor and every other VM on it. A guest's reset only ends (or
// restarts) that VM, which is the business of whoever runs it: the call
// becomes an EXIT_SYSTEM_DOWN exit with the type and the reason.
#include "hyp.h"
#include "vsbi.h"

// SBI 10.1: both parameters are 32-bit (uint32_t); on RV64 the caller's
// register may hold them sign-extended, so only the low 32 bits count
// (SBI 3: "higher privilege software must ensure that it only uses 32 bit
// data").
#define SRST_U32(x)            ((x) & 0xffffffffUL)
#define SRST_TYPE_VENDOR_MIN   0xF0000000UL  // 0xF0000000-0xFFFFFFFF
#define SRST_REASON_IMPL_MIN   0xE0000000UL  // SBI implementation specific
					     // 0xE0000000-0xEFFFFFFF, vendor
					     // 0xF0000000-0xFFFFFFFF

// Reserved values are invalid (SBI_ERR_INVALID_PARAM); vendor types are
// valid but the kit implements none (SBI_ERR_NOT_SUPPORTED).
static long check_request(ulong type, ulong reason)
{
	if (type > SBI_SRST_TYPE_WARM_REBOOT && type < SRST_TYPE_VENDOR_MIN)
		return SBI_ERR_INVALID_PARAM;
	if (reason > SBI_SRST_REASON_FAILURE && reason < SRST_REASON_IMPL_MIN)
		return SBI_ERR_INVALID_PARAM;
	if (type >= SRST_TYPE_VENDOR_MIN)
		return SBI_ERR_NOT_SUPPORTED;
	return SBI_SUCCESS;
}

static long srst_handle(struct vcpu *v, const struct vsbi_call *call, ulong *value,
			struct vm_exit *exit)
{
	UNUSED(v);
	UNUSED(value);
	if (call->fid != SBI_SRST_SYSTEM_RESET)
		return SBI_ERR_NOT_SUPPORTED;
	ulong type = SRST_U32(call->args[0]), reason = SRST_U32(call->args[1]);
	long err = check_request(type, reason);
	if (err != SBI_SUCCESS)
		return err;
	// On success the call does not return to the guest (SBI 10.1).
	exit->reason = EXIT_SYSTEM_DOWN;
	exit->system_down.type = type;
	exit->system_down.reason = reason;
	return SBI_SUCCESS;
}

static const struct vsbi_ext vsbi_ext_srst = {
	.name = "srst",
	.eid_min = SBI_EXT_SRST,
	.eid_max = SBI_EXT_SRST,
	.handle = srst_handle,
};
VSBI_EXTENSION(vsbi_ext_srst);
