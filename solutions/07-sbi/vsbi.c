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
// extension or another, never half of one. It is never NULL: it starts at
// an extension that owns no EID (eid_min > eid_max), so the lookup needs
// no NULL test.
static const struct vsbi_ext owns_nothing = { .name = "none", .eid_min = 1, .eid_max = 0 };
static const struct vsbi_ext *last_found = &owns_nothing;

static __attribute__((noinline)) const struct vsbi_ext *find_in_table(ulong eid)
{
	for (const struct vsbi_ext *const *p = __sbi_ext_start; p < __sbi_ext_end; p++)
		if (owns(*p, eid)) {
			__atomic_store_n(&last_found, *p, __ATOMIC_RELAXED);
			return *p;
		}
	return NULL;
}

// The dispatcher's lookup, inlined: a hit on the last extension is a few
// loads and compares.
static inline __attribute__((always_inline)) const struct vsbi_ext *find_ext(ulong eid)
{
	const struct vsbi_ext *hit = __atomic_load_n(&last_found, __ATOMIC_RELAXED);
	return owns(hit, eid) ? hit : find_in_table(eid);
}

const struct vsbi_ext *vsbi_find_ext(ulong eid)
{
	return find_ext(eid);
}

// Both exits carry the same registers under different names (vmexit.h);
// a hypercall is the kit's extension SBI_EXT_RVHLAB_HYPERCALL with the
// hypercall number as its function ID. The arguments are read where they
// are, in the guest's a0..a5: the exit's union may be overwritten by the
// handler, the registers are not (the dispatcher writes a0/a1 last).
enum vm_exit_reason vsbi_handle_exit(struct vcpu *v, struct vm_exit *e)
{
	struct vsbi_call call = { .args = &v->gprs[REG_A0] };
	if (e->reason == EXIT_HYPERCALL) {
		call.eid = SBI_EXT_RVHLAB_HYPERCALL;
		call.fid = e->hypercall.nr;
	} else if (e->reason == EXIT_SBI_CALL) {
		call.eid = e->sbi.eid;
		call.fid = e->sbi.fid;
	} else {
		return e->reason;
	}
	// The handler may turn the exit into another one; by default the
	// call is complete and the guest continues after its ecall.
	e->reason = EXIT_NOTHING;

	// SBI 3: an unknown EID, or an unknown FID of a known one (the
	// handler's own default case), is SBI_ERR_NOT_SUPPORTED.
	const struct vsbi_ext *ext = find_ext(call.eid);
	if (!ext) {
		v->gprs[REG_A0] = (ulong)SBI_ERR_NOT_SUPPORTED;
		v->gprs[REG_A1] = 0;
		return EXIT_NOTHING;
	}
	ulong value = 0;
	long error = ext->handle(v, &call, &value, e);

	// A handler that moved sepc sent the guest elsewhere (a redirected
	// fault, a non-retentive suspend): the call did not return, and a0/a1
	// are the handler's business. The decoder left sepc just past the
	// ecall (vmexit.h), and e->pc is outside the union a handler may
	// overwrite: nothing needs to be kept across the call to tell.
	if (v->sepc != e->pc + VMEXIT_ECALL_LEN)
		return e->reason;
	v->gprs[REG_A0] = (ulong)error;
	// Legacy calls (SBI 5) return in a0 only: a1 is the guest's own.
	if (!(ext->flags & VSBI_LEGACY))
		v->gprs[REG_A1] = value;
	return e->reason;
}
