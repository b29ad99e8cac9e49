// Lab 7: the kit's hypercall extension (SBI_EXT_RVHLAB_HYPERCALL, in the
// SBI spec's "Firmware Specific Extension Space", 0x0A000000-0x0AFFFFFF).
//
// Lab 6 decodes these ecalls as EXIT_HYPERCALL {nr = a6, args = a0..a5};
// your dispatcher passes them here with fid = nr. What a hypercall does is
// for whoever runs the VM to decide (vsbi_hypercall(), vsbi.h): the lab 7
// harness provides one. Registering the extension also makes
// probe_extension() find it.
//
// Check yourself: make grade LAB=7 (test hypercall).
#include "hyp.h"
#include "vsbi.h"

// The default when nobody provides hypercalls (the harness overrides it).
WEAK long vsbi_hypercall(struct vcpu *v, ulong nr, const ulong *args, ulong *value)
{
	UNUSED(v);
	UNUSED(nr);
	UNUSED(args);
	UNUSED(value);
	return SBI_ERR_NOT_SUPPORTED;
}

static long hypercall_handle(struct vcpu *v, const struct vsbi_call *call, ulong *value,
			     struct vm_exit *exit)
{
	UNUSED(exit);
	// TODO(lab 7): pass the call on: vsbi_hypercall() with the number
	// (call->fid) and the six arguments; its return value is the error,
	// and it sets *value.
	UNUSED(v);
	UNUSED(call);
	UNUSED(value);
	return SBI_ERR_NOT_SUPPORTED;
}

static const struct vsbi_ext vsbi_ext_hypercall = {
	.name = "rvhlab-hypercall",
	.eid_min = SBI_EXT_RVHLAB_HYPERCALL,
	.eid_max = SBI_EXT_RVHLAB_HYPERCALL,
	.handle = hypercall_handle,
};
VSBI_EXTENSION(vsbi_ext_hypercall);
