// smp.h: lab 8's interface: a VM with several vCPUs (vm.h), and the SBI
// extensions that let its harts talk to each other: HSM (SBI 9), IPI
// (SBI 7) and RFENCE (SBI 8).
//
// Nothing is ever migrated: a vCPU's VS CSRs (hvip, vsatp...) live in its
// own physical hart. Another hart that wants to change them (an IPI, a
// fence, a changed interrupt line) leaves a request in the vCPU's
// struct vcpu (v->requests) and sends the owning hart a host IPI (SBI
// sbi_send_ipi to OpenSBI). That IPI is a supervisor software interrupt:
// it ends the guest's run (vm_exit_decode: EXIT_HOST_IPI) or a wfi in the
// hypervisor, and the owning hart carries the requests out (vipi_handle).
//
// Locking: vm->lock protects every vCPU's HSM state (hsm_state,
// start_entry, start_opaque). Requests are single words changed with
// atomic operations (AMOs), so posting one never waits for a lock.
#ifndef SMP_H
#define SMP_H

#include "types.h"
#include "vm.h"

// Requests one hart leaves for the hart that owns a vCPU (vipi.c).
#define VIPI_REQ_SOFT      BIT(0)  // inject the guest's software interrupt (hvip.VSSIP)
#define VIPI_REQ_FENCE_VMA BIT(1)  // flush the guest's VS-stage TLB entries (hfence.vvma)
#define VIPI_REQ_FENCE_I   BIT(2)  // synchronize the instruction stream (fence.i)
#define VIPI_REQ_WAKE      BIT(3)  // nothing to do but look at the HSM state again
#define VIPI_REQ_EXT_IRQ   BIT(4)  // the guest's external interrupt line (v->ext_irq)
                                   // changed: make hvip.VSEIP say the same

// ---------------------------------------------------------------------------
// Lab 8, hsm.c: the HSM state machine of each vCPU (SBI 9, "Hart State
// Management Extension"). The run loop (vm.h) calls:

// EXIT_CPU_UP (from the HSM extension's hart_start): STOPPED ->
// START_PENDING for the target, remember entry and opaque, wake the
// target's hart. Returns the SBI error for the caller's a0 (the loop writes
// it there): SBI_SUCCESS, SBI_ERR_INVALID_PARAM (no such hart),
// SBI_ERR_ALREADY_AVAILABLE (not STOPPED).
long hsm_cpu_up(struct vm *vm, const struct vm_exit_cpu_up *up);
// EXIT_CPU_DOWN (hart_stop): this vCPU is now STOPPED. Its hart is about
// to wait in hsm_wait_start() again.
void hsm_cpu_down(struct vm *vm, struct vcpu *v);
// On v's own hart, with v not loaded: wait (wfi) until v is
// START_PENDING, give it its start state (SBI 9.1: pc = entry, a0 = hart
// id, a1 = opaque, satp = 0, interrupts off), mark it STARTED, return 1.
// Returns 0 as soon as vm->down is set. Requests that arrive meanwhile are
// handled (vipi_handle).
int hsm_wait_start(struct vm *vm, struct vcpu *v);
// hart_get_status (SBI 9.3): the state of hart `hartid` into *state.
long hsm_get_status(struct vm *vm, ulong hartid, ulong *state);
// hart_suspend (SBI 9.4), on the calling vCPU's own hart (v loaded):
// retentive (the call returns) or non-retentive (the vCPU resumes at
// resume_addr like a started hart: v->sepc moves there).
long hsm_suspend(struct vm *vm, struct vcpu *v, ulong type, ulong resume_addr,
		 ulong opaque);

// ---------------------------------------------------------------------------
// Lab 8, vipi.c: requests between harts.

// The vCPU indexes (bit i = vCPU i) named by an SBI hart mask (SBI 3,
// "hart_mask and hart_mask_base"), into *targets. SBI_SUCCESS, or
// SBI_ERR_INVALID_PARAM if it names a hart this VM does not have.
long vipi_mask_targets(struct vm *vm, ulong hart_mask, ulong hart_mask_base,
		       ulong *targets);
// Post `req` (VIPI_REQ_*) for vCPU `target` and make its hart notice.
void vipi_send(struct vm *vm, int target, ulong req);
// On v's own hart: take this vCPU's requests and carry them out.
void vipi_handle(struct vm *vm, struct vcpu *v);
// A remote fence for every vCPU in `targets` (VIPI_REQ_FENCE_VMA or
// VIPI_REQ_FENCE_I); returns when all of them have done it (SBI 8: the
// call completes after the fence).
void rfence_run(struct vm *vm, struct vcpu *self, ulong targets, ulong req);

#endif
