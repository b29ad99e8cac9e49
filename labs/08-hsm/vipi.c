// Lab 8: requests between harts: virtual IPIs, remote fences and interrupt
// lines (smp.h).
//
// A hart cannot write another hart's CSRs: hvip.VSSIP of vCPU 2 exists only
// in the hart that runs vCPU 2, and so do its TLB entries. So:
//
//   sender's hart                          target vCPU's hart
//   vipi_send(vm, t, VIPI_REQ_SOFT)
//     vcpus[t].requests |= req  (AMO)
//     sbi_send_ipi(its phys hart) ----->   host IPI = supervisor software
//                        (OpenSBI, SBI 7)  interrupt: vcpu_run() returns
//                                          (or its wfi ends)
//                                          vipi_handle(vm, v):
//                                            clear sip.SSIP
//                                            req = swap(requests, 0)
//                                            SOFT: csr_set(hvip, HVIP_VSSIP)
//                                            FENCE_VMA: hfence_vvma_all()
//
// Use the GCC atomic builtins (__atomic_fetch_or, __atomic_exchange_n,
// ..., __ATOMIC_SEQ_CST): they compile to the A extension's AMOs.
//
// Check yourself: make grade LAB=8 (tests ipi, suspend, rfence; and every
// test that starts a hart: hsm_cpu_up wakes the target with vipi_send).
#include "hyp.h"
#include "vcpu.h"
#include "smp.h"

long vipi_mask_targets(struct vm *vm, ulong hart_mask, ulong hart_mask_base,
		       ulong *targets)
{
	// TODO(lab 8): SBI 3 ("hart_mask and hart_mask_base"): bit i of
	// hart_mask names hart id hart_mask_base + i; hart_mask_base = -1
	// (~0UL) names every hart (hart_mask ignored). Set bit k of *targets
	// for vCPU index k (vm_vcpu_by_hartid gives the vCPU, v->id its
	// index). A bit for a hart id the VM does not have:
	// SBI_ERR_INVALID_PARAM.
	UNUSED(vm);
	UNUSED(hart_mask);
	UNUSED(hart_mask_base);
	*targets = 0;
	return SBI_ERR_NOT_SUPPORTED;
}

void vipi_send(struct vm *vm, int target, ulong req)
{
	// TODO(lab 8): OR req into vm->vcpus[target].requests atomically, then
	// make the owner look: sbi_send_ipi() to OpenSBI for its physical hart
	// (vm->vcpus[target].phys_hartid; a mask and a base, SBI 7.1). If that
	// hart is this one (mycpu()->hartid), no IPI is needed: the run loop
	// calls vipi_handle() before it resumes the guest.
	UNUSED(vm);
	UNUSED(target);
	UNUSED(req);
}

void vipi_handle(struct vm *vm, struct vcpu *v)
{
	// TODO(lab 8): on v's own hart (the run loop calls it before a run when
	// something is waiting, and your wait loops call it each time they
	// wake):
	//  - clear sip.SSIP FIRST (an IPI that arrives later stays pending);
	//  - take the requests (atomic exchange with 0) and carry them out:
	//    SOFT -> hvip.VSSIP (Priv. 8.2.3), FENCE_VMA -> hfence_vvma_all(),
	//    FENCE_I -> fence.i, WAKE -> nothing (the caller re-reads state),
	//    EXT_IRQ -> hvip.VSEIP set if v->ext_irq is 1, cleared if 0 (read
	//    the line after the exchange: a later change brings its own
	//    request);
	//  - remote fences: tell the waiting senders they are done
	//    (fences_pending, see rfence_run). Read fences_pending BEFORE you
	//    take the requests, and subtract what you read after the fences.
	UNUSED(vm);
	UNUSED(v);
}

void rfence_run(struct vm *vm, struct vcpu *self, ulong targets, ulong req)
{
	// TODO(lab 8): SBI 8: the call returns after the targets fenced.
	//  - for each target: OR req into its requests, THEN add 1 to its
	//    fences_pending, then send its hart a host IPI (in that order:
	//    see vipi_handle);
	//  - wait until each target's fences_pending is 0. While waiting, call
	//    vipi_handle(vm, self): two harts fencing each other at once must
	//    not wait for each other forever. Stop waiting if vm->down.
	UNUSED(vm);
	UNUSED(self);
	UNUSED(targets);
	UNUSED(req);
}
