// Lab 7 reference solution: the SBI dispatcher (vsbi.h).
//
// Every extension lives in its own file and registers a descriptor in the
// .sbi_ext table (VSBI_EXTENSION). This file only finds the owner of an EID,
// calls it, and puts the answer where the guest's ecall expects it.
#include "hyp.h"
#include "vcpu.h"
#include "vmexit.h"
#include "vsbi.h"

void vsbi_init(const struct hyp_caps *caps)
{
	vtimer_setup(caps);
}

void vsbi_vcpu_init(struct vcpu *v)
{
	vtimer_vcpu_init(v);
}

static int owns(const struct vsbi_ext *ext, ulong eid)
{
	return eid >= ext->eid_min && eid <= ext->eid_max;
}

// Calls come in runs (a kernel's timer, its IPIs, an early console's
// putchars): the extension found last is tried first. Any hart may replace
// it; a pointer is read and written in one piece, so every hart sees one
// extension or another, never half of one.
const struct vsbi_ext *vsbi_find_ext(ulong eid)
{
	static const struct vsbi_ext *last;
	const struct vsbi_ext *hit = __atomic_load_n(&last, __ATOMIC_RELAXED);
	if (hit && owns(hit, eid))
		return hit;
	for (const struct vsbi_ext *const *p = __sbi_ext_start; p < __sbi_ext_end; p++)
		if (owns(*p, eid)) {
			__atomic_store_n(&last, *p, __ATOMIC_RELAXED);
			return *p;
		}
	return NULL;
}

// Both exits carry the same registers under different names (vmexit.h);
// a hypercall is the kit's extension SBI_EXT_RVHLAB_HYPERCALL with the
// hypercall number as its function ID. The arguments are read where they
// are, in the guest's a0..a5: the exit's union may be overwritten by the
// handler, the registers are not (the dispatcher writes a0/a1 last).
static void call_from_exit(const struct vcpu *v, const struct vm_exit *e,
			   struct vsbi_call *call)
{
	call->eid = e->reason == EXIT_HYPERCALL ? SBI_EXT_RVHLAB_HYPERCALL : e->sbi.eid;
	call->fid = e->reason == EXIT_HYPERCALL ? e->hypercall.nr : e->sbi.fid;
	call->args = &v->gprs[REG_A0];
}

enum vm_exit_reason vsbi_handle_exit(struct vcpu *v, struct vm_exit *e)
{
	struct vsbi_call call;
	if (e->reason != EXIT_SBI_CALL && e->reason != EXIT_HYPERCALL)
		return e->reason;
	call_from_exit(v, e, &call);
	// The handler may turn the exit into another one; by default the
	// call is complete and the guest continues after its ecall.
	e->reason = EXIT_NOTHING;

	const struct vsbi_ext *ext = vsbi_find_ext(call.eid);
	ulong value = 0, pc = v->sepc;
	// SBI 3: an unknown EID, or an unknown FID of a known one (the
	// handler's own default case), is SBI_ERR_NOT_SUPPORTED.
	long error = ext ? ext->handle(v, &call, &value, e) : SBI_ERR_NOT_SUPPORTED;

	// A handler that moved sepc sent the guest elsewhere (a redirected
	// fault, a non-retentive suspend): the call did not return, and a0/a1
	// are the handler's business.
	if (v->sepc != pc)
		return e->reason;
	v->gprs[REG_A0] = (ulong)error;
	// Legacy calls (SBI 5) return in a0 only: a1 is the guest's own.
	if (!ext || !(ext->flags & VSBI_LEGACY))
		v->gprs[REG_A1] = value;
	return e->reason;
}
