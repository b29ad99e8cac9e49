// Lab 8: the HSM extension (SBI spec v2.0, chapter 9, EID 0x48534D "HSM").
//
// Registered like lab 7's extensions (vsbi.h): this file is all it takes
// for your dispatcher to find it. The handler runs on the CALLER's hart:
//  - hart_start and hart_stop change what runs where, which only the run
//    loop can do: they turn the exit into EXIT_CPU_UP / EXIT_CPU_DOWN
//    (vmexit.h), and the loop calls hsm_cpu_up() / hsm_cpu_down();
//  - get_status and suspend are answered here (hsm.c).
//
// Check yourself: make grade LAB=8.
#include "hyp.h"
#include "vcpu.h"
#include "vsbi.h"
#include "smpvm.h"

// Given: only the multi-vCPU VM of lab 8 offers hart management; the
// single-vCPU VMs of labs 9-10 keep lab 7's answer (not available).
static long hsm_probe(ulong eid)
{
	UNUSED(eid);
	return smpvm_active != NULL;
}

static long hsm_handle(struct vcpu *v, const struct vsbi_call *call, ulong *value,
		       struct vm_exit *exit)
{
	struct smp_vm *vm = smpvm_of(v);
	if (!vm)
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
	//    opaque: hsm_suspend().
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
	.probe = hsm_probe,
	.handle = hsm_handle,
};
VSBI_EXTENSION(vsbi_ext_hsm);
