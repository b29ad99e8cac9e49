// Lab 7 reference solution: the kit's hypercall extension
// (SBI_EXT_RVHLAB_HYPERCALL, in the SBI spec's "Firmware Specific
// Extension Space", EIDs 0x0A000000-0x0AFFFFFF).
//
// Lab 6 decodes these ecalls as EXIT_HYPERCALL {nr = a6, args = a0..a5};
// the dispatcher hands them here as fid = nr. What a hypercall does is
// decided by whoever runs the VM (vsbi_hypercall()): the SBI side only
// carries the call and its results. Registering the extension makes
// sbi_probe_extension() report it, so a guest can find out that it runs
// on this hypervisor before it uses it.
#include "hyp.h"
#include "vsbi.h"

// Default when nobody provides hypercalls (a lab harness may).
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
	return vsbi_hypercall(v, call->fid, call->args, value);
}

static const struct vsbi_ext vsbi_ext_hypercall = {
	.name = "rvhlab-hypercall",
	.eid_min = SBI_EXT_RVHLAB_HYPERCALL,
	.eid_max = SBI_EXT_RVHLAB_HYPERCALL,
	.handle = hypercall_handle,
};
VSBI_EXTENSION(vsbi_ext_hypercall);
