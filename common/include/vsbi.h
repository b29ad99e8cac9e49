// vsbi.h: the hypervisor's own SBI, the one its guests call (lab 7 on).
//
// To a guest kernel the hypervisor IS the SBI implementation: its ecall
// leaves VS-mode as a VS-ecall exit (scause 10), which lab 6 decodes into
// EXIT_SBI_CALL {eid, fid, args} (or EXIT_HYPERCALL for the kit's own EID)
// and moves sepc past the ecall. vsbi_handle_exit() then finds the
// extension that owns the EID, runs its handler, and writes the result into
// the guest's a0/a1 (SBI spec 3, "Binary Encoding").
//
// The structure is OpenSBI's (lib/sbi/sbi_ecall_*.c): one file per
// extension, each with a small descriptor (name, EID range, handler) that
// registers itself in a linker section; one dispatcher walks that table.
// Adding an extension (lab 8: HSM, IPI, RFENCE) means adding a file:
//
//   static long hsm_handle(struct vcpu *v, const struct vsbi_call *call,
//                          ulong *value, struct vm_exit *exit) { ... }
//   static const struct vsbi_ext vsbi_ext_hsm = {
//           .name = "hsm", .eid_min = SBI_EXT_HSM, .eid_max = SBI_EXT_HSM,
//           .handle = hsm_handle,
//   };
//   VSBI_EXTENSION(vsbi_ext_hsm);
//
// Who does what:
//   - the handler returns the SBI error code (a0) and sets *value (a1);
//   - a call that the rest of the hypervisor must act on (SRST: stop the
//     VM; lab 8's HSM: start or stop a vCPU) turns the exit into another
//     one: the handler sets exit->reason (EXIT_SYSTEM_DOWN...) and fills
//     exit's union; `call` does not live in the exit, so overwriting
//     exit->sbi is safe;
//   - the dispatcher writes a0/a1 into v->gprs and never moves v->sepc:
//     the decoder already did (vmexit.h, "Who moves the guest's pc");
//   - a handler that moves v->sepc itself says that the call did NOT
//     return where it was made: a fault redirected to the guest (SBI 5's
//     legacy calls), a non-retentive suspend that resumes elsewhere (SBI
//     9.4, lab 8). The dispatcher then leaves a0 and a1 as they are: the
//     handler has set whatever the guest finds there.
#ifndef VSBI_H
#define VSBI_H

#include "types.h"
#include "sbi.h"
#include "vcpu.h"
#include "vmexit.h"
#include "hypinit.h"

// ---------------------------------------------------------------------------
// Who we are (SBI 4.1-4.3). The spec version is encoded as in
// sbi_get_spec_version: major in bits 30:24, minor in 23:0.
#define VSBI_SPEC_VERSION  ((2UL << 24) | 0)      // SBI v2.0

// sbi_get_impl_id (SBI 4.9 lists the registered ids: 0 BBL, 1 OpenSBI,
// 2 Xvisor, 3 KVM, 4 RustSBI, ... all small numbers). The kit is not
// registered: it answers "RVHL" in ASCII, far from every registered id.
#define SBI_IMPL_RVHLAB    0x5256484CUL

// sbi_get_impl_version: the encoding is the implementation's choice. The
// kit uses OpenSBI's: major << 16 | minor, here 1.0.
#define VSBI_IMPL_VERSION  ((1UL << 16) | 0)

// ---------------------------------------------------------------------------
// One call, as a handler sees it. args points at the guest's own a0..a5
// (v->gprs + REG_A0): nothing is copied, and a handler that turns the exit
// into another one (the union in struct vm_exit) cannot overwrite them.
// The dispatcher writes a0/a1 only after the handler returned.
struct vsbi_call {
	ulong eid;                       // a7 (SBI_EXT_RVHLAB_HYPERCALL for a hypercall)
	ulong fid;                       // a6 (the hypercall number for a hypercall)
	const ulong *args;               // a0..a5: args[0] .. args[HYPERCALL_NARGS - 1]
};

// A handler: returns the SBI error code (SBI_SUCCESS or SBI_ERR_*) for a0
// and sets *value for a1 (the dispatcher passes *value = 0). For a legacy
// extension (VSBI_LEGACY) the return value is the whole result, a0, and
// *value is ignored. It may change exit (see above).
typedef long vsbi_handler_fn(struct vcpu *v, const struct vsbi_call *call, ulong *value,
			     struct vm_exit *exit);

// Descriptor flags.
#define VSBI_LEGACY  BIT(0)   // SBI 5: the result is in a0 only, a1 is preserved

struct vsbi_ext {
	const char *name;
	ulong eid_min, eid_max;          // the EIDs it owns, inclusive
	ulong flags;                     // VSBI_*
	// Optional: what sbi_probe_extension(eid) answers for an EID in range,
	// asked on behalf of vCPU v: whether an extension is there is a
	// question about v's VM (SBI 4.4: 0 = not available, non-zero =
	// available). NULL means 1.
	long (*probe)(struct vcpu *v, ulong eid);
	vsbi_handler_fn *handle;
};

// Registration: every struct vsbi_ext given to VSBI_EXTENSION ends up in
// the table between __sbi_ext_start and __sbi_ext_end (common/hyp/hyp.ld,
// section .sbi_ext), in link order. EID ranges must not overlap.
#define VSBI_EXTENSION(ext)                                                   \
	static const struct vsbi_ext *const vsbi_ext_entry_##ext              \
		__attribute__((used, section(".sbi_ext"))) = &(ext)
extern const struct vsbi_ext *const __sbi_ext_start[];
extern const struct vsbi_ext *const __sbi_ext_end[];

// ---------------------------------------------------------------------------
// The dispatcher (lab 7, vsbi.c).

// Once, at start-up, after hyp_hart_init() (lab 2) has probed the hart:
// remembers what the virtual timer can use (caps->sstc).
void vsbi_init(const struct hyp_caps *caps);
// A new vCPU's SBI state (no timer armed, none pending). Call it before
// the vCPU's first vcpu_load() (lab 4), which loads v->vs into the CSRs.
void vsbi_vcpu_init(struct vcpu *v);
// Handle an EXIT_SBI_CALL or EXIT_HYPERCALL in place: a0/a1 written into
// v->gprs (unless the handler moved v->sepc, see above), e->reason changed to EXIT_NOTHING (resume the guest) or to the
// exit the caller must act on (EXIT_SYSTEM_DOWN...). The vCPU must be
// loaded on this hart (its VS CSRs live: vsatp, htimedelta, hvip...).
// Returns the new e->reason. Any other reason is returned unchanged.
enum vm_exit_reason vsbi_handle_exit(struct vcpu *v, struct vm_exit *e);
// The extension that owns eid, or NULL (for sbi_probe_extension).
const struct vsbi_ext *vsbi_find_ext(ulong eid);

// ---------------------------------------------------------------------------
// The virtual timer behind SBI set_timer (lab 7, vtimer.c).
//
// Guest time = host time + htimedelta (Priv. 8.2.7). The guest's deadline,
// in guest time, is kept in v->vs.vstimecmp on both paths: in the CSR
// itself with Sstc, emulated without it (host timer + hvip.VSTIP).

// Which path: Sstc (vstimecmp) if caps->sstc, else the host timer.
void vtimer_setup(const struct hyp_caps *caps);
// No deadline, nothing pending: v->vs.vstimecmp = never, hvip.VSTIP = 0.
void vtimer_vcpu_init(struct vcpu *v);
// SBI set_timer (SBI 6.1, legacy 5.1): the next timer interrupt at guest
// time stime_value (~0UL: never); clears a pending one. v is loaded.
void vtimer_set(struct vcpu *v, ulong stime_value);
// EXIT_TIMER (lab 6): the host timer that vtimer_set() armed for v fired.
// Injects the guest's timer interrupt (hvip.VSTIP) if its deadline passed.
void vtimer_expired(struct vcpu *v);

// ---------------------------------------------------------------------------
// The kit's hypercalls (SBI_EXT_RVHLAB_HYPERCALL, sbi.h): a7 = the EID,
// a6 = nr, a0-a5 = args; a0 = error, a1 = value. The extension (lab 7,
// sbi_hypercall.c) passes each one to this function, which whoever runs the
// VM provides (a lab's test harness, your VMM); the default (weak) answers
// SBI_ERR_NOT_SUPPORTED. Returns the error code, sets *value.
long vsbi_hypercall(struct vcpu *v, ulong nr, const ulong *args, ulong *value);

#endif
