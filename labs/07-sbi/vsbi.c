// Lab 7, the dispatcher of your SBI (read common/include/vsbi.h first).
//
// The guest's ecalls reach the hypervisor as VS-ecall exits, which your lab
// 6 decoder turns into EXIT_SBI_CALL {eid, fid, args} (or EXIT_HYPERCALL for
// the kit's own EID), with sepc already past the ecall. This file finds the
// extension that owns the EID and puts its answer where the guest expects it
// (SBI spec 3, "Binary Encoding": a0 = error, a1 = value).
//
// Every extension is its own file (sbi_base.c, sbi_time.c, ...) with a
// struct vsbi_ext descriptor that VSBI_EXTENSION() puts into a table in the
// linker section .sbi_ext: the table runs from __sbi_ext_start to
// __sbi_ext_end (common/hyp/hyp.ld). This is how OpenSBI does it
// (lib/sbi/sbi_ecall.c), and it lets lab 8 add extensions by adding files.
//
// Check yourself: make grade LAB=7 (every test needs this file).
#include "hyp.h"
#include "vcpu.h"
#include "vmexit.h"
#include "vsbi.h"

void vsbi_init(const struct hyp_caps *caps)
{
	// Nothing to do here but to tell the virtual timer which path it
	// takes (vtimer.c).
	vtimer_setup(caps);
}

void vsbi_vcpu_init(struct vcpu *v)
{
	vtimer_vcpu_init(v);
}

const struct vsbi_ext *vsbi_find_ext(ulong eid)
{
	// TODO(lab 7): walk the table of descriptor pointers from
	// __sbi_ext_start up to (not including) __sbi_ext_end and return the
	// extension whose [eid_min, eid_max] contains eid; NULL if none does.
	UNUSED(eid);
	return NULL;
}

enum vm_exit_reason vsbi_handle_exit(struct vcpu *v, struct vm_exit *e)
{
	if (e->reason != EXIT_SBI_CALL && e->reason != EXIT_HYPERCALL)
		return e->reason;
	// TODO(lab 7): the dispatcher.
	//  1. Build a struct vsbi_call from the exit. For EXIT_SBI_CALL:
	//     eid and fid from e->sbi. For EXIT_HYPERCALL: the kit's extension
	//     SBI_EXT_RVHLAB_HYPERCALL, with fid = the hypercall number
	//     (e->hypercall.nr). args points at the guest's own a0..a5
	//     (&v->gprs[REG_A0]), not into e: e->sbi and e->hypercall share a
	//     union with the exits a handler may produce (vmexit.h).
	//  2. Set e->reason = EXIT_NOTHING (the call completes and the guest
	//     resumes); a handler may change it (SRST: EXIT_SYSTEM_DOWN).
	//  3. Find the extension (vsbi_find_ext) and call its handler with
	//     *value = 0. No extension: SBI_ERR_NOT_SUPPORTED (SBI 3: an
	//     unknown EID or FID "must return SBI_ERR_NOT_SUPPORTED").
	//  4. Write the error into the guest's a0 and the value into its a1
	//     (v->gprs[REG_A0], v->gprs[REG_A1]), except for legacy extensions
	//     (ext->flags & VSBI_LEGACY): their result is a0 only, and a1 must
	//     keep the guest's value (SBI 5).
	//  5. Do not touch v->sepc: the decoder already moved it (vmexit.h).
	// Until then every call fails, as an unknown one must:
	v->gprs[REG_A0] = (ulong)SBI_ERR_NOT_SUPPORTED;
	e->reason = EXIT_NOTHING;
	return e->reason;
}
