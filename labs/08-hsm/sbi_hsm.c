// Lab 8: the HSM extension (SBI spec v2.0, chapter 9, EID 0x48534D "HSM").
//
// Registered like lab 7's extensions (vsbi.h): this file is all it takes
// for your dispatcher to find it. The handler runs on the CALLER's hart:
//  - hart_start and hart_stop change what runs where, which only the run
//    loop can do: they turn the exit into EXIT_CPU_UP / EXIT_CPU_DOWN
//    (vmexit.h), and the loop calls hsm_cpu_up() / hsm_cpu_down();
//  - get_status and suspend are answered here (hsm.c).
// Every VM has hart management, one with a single vCPU too (SBI 9: the
// caller is STARTED, starting it again is SBI_ERR_ALREADY_AVAILABLE).
//
// Check yourself: make grade LAB=8.
#include "hyp.h"
#include "vcpu.h"
#include "vsbi.h"
#include "smp.h"

static long hsm_handle(struct vcpu *v, const struct vsbi_call *call, ulong *value,
		       struct vm_exit *exit)
{
	struct vm *vm = v->vm;
	if (!vm)            // given: a vCPU of no VM (some labs' test harnesses)
		return SBI_ERR_NOT_SUPPORTED;
	// TODO(lab 8): one case per FID (sbi.h, SBI_HSM_HART_*):
	//  - HART_START (9.1), args hartid, start_addr, opaque: a hart id that
	//    names no vCPU is SBI_ERR_INVALID_PARAM; a start_addr the guest
	//    cannot execute (no G-stage leaf with X there: lab 5's
	//    gstage_translate() on the root in hgatp, which this hart holds
	//    for the VM) is SBI_ERR_INVALID_ADDRESS; otherwise set
	//    exit->reason = EXIT_CPU_UP and fill exit->cpu_up. The loop writes
	//    hsm_cpu_up()'s answer into the caller's a0, so return SBI_SUCCESS.
	//  - HART_STOP (9.2): exit->reason = EXIT_CPU_DOWN (it never returns
	//    on success: the loop does not resume this vCPU).
	//  - HART_GET_STATUS (9.3): hsm_get_status(), the state in *value.
	//  - HART_SUSPEND (9.4), args suspend_type (32 bits!), resume_addr,
	//    opaque: hsm_suspend(). For the non-retentive type
	//    (SBI_HSM_SUSPEND_NON_RETENTIVE) resume_addr must be executable,
	//    as start_addr above: else SBI_ERR_INVALID_ADDRESS.
	//  - anything else: SBI_ERR_NOT_SUPPORTED.
	UNUSED(vm);
	UNUSED(call);
	UNUSED(value);
	UNUSED(exit);
	return SBI_ERR_NOT_SUPPORTED;
}

static const struct vsbi_ext vsbi_ext_hsm = {
	.name = "hsm",
	.eid_min = SBI_EXT_HSM,
	.eid_max = SBI_EXT_HSM,
	.handle = hsm_handle,
};
VSBI_EXTENSION(vsbi_ext_hsm);
