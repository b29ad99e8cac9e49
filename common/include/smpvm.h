// smpvm.h: lab 8's interface: a VM with several vCPUs, one per physical
// hart, and the SBI extensions that let its harts talk to each other:
// HSM (SBI 9), IPI (SBI 7) and RFENCE (SBI 8).
//
// The picture (docs/labs/08-hsm.md has the long version):
//
//   physical hart   p0            p1            p2   ...
//   runs            vCPU 0        vCPU 1        vCPU 2
//   guest hart id   base + 0      base + 1      base + 2
//
// Each physical hart runs one loop (the lab's harness): wait until its vCPU
// is STARTED (hsm_wait_start), run it, handle its exits, repeat. Nothing is
// ever migrated: a vCPU's VS CSRs (hvip, vsatp...) live in its own hart, so
// another hart that wants to change them (an IPI, a fence) leaves a request
// in the vCPU's struct vcpu_smp and sends the owning hart a host IPI
// (SBI sbi_send_ipi to OpenSBI). That IPI is a supervisor software
// interrupt (scause = CAUSE_INTERRUPT | IRQ_S_SOFT): it makes vcpu_run()
// return, and the owning hart carries the requests out (vipi_handle).
//
// Locking: vm->lock protects every vCPU's HSM state (state, start_entry,
// start_opaque). Requests are single words changed with atomic operations
// (AMOs), so posting one never waits for a lock.
#ifndef SMPVM_H
#define SMPVM_H

#include "types.h"
#include "spinlock.h"
#include "vcpu.h"
#include "vmexit.h"

#define SMPVM_MAX_VCPUS  8

// Requests one hart leaves for the hart that owns a vCPU (vipi.c).
#define VIPI_REQ_SOFT      BIT(0)  // inject the guest's software interrupt (hvip.VSSIP)
#define VIPI_REQ_FENCE_VMA BIT(1)  // flush the guest's VS-stage TLB entries (hfence.vvma)
#define VIPI_REQ_FENCE_I   BIT(2)  // synchronize the instruction stream (fence.i)
#define VIPI_REQ_WAKE      BIT(3)  // nothing to do but look at the HSM state again

// What the VM knows about each vCPU beyond struct vcpu.
struct vcpu_smp {
	ulong phys_hartid;              // the physical hart that runs this vCPU
	// HSM (SBI 9.1-9.4), under vm->lock:
	int   state;                    // SBI_HSM_STATE_*
	ulong start_entry;              // START_PENDING: where to begin ...
	ulong start_opaque;             // ... and the value for a1
	// Posted by any hart, taken by the owner (atomic):
	volatile ulong requests;        // VIPI_REQ_* bits
	volatile ulong fences_pending;  // remote fences asked for, not yet done
	ulong ipis_received;            // statistics (owner only)
};

struct smp_vm {
	struct spinlock lock;           // protects vcpu_smp[*].state, start_*
	int   nvcpus;
	ulong hart_base;                // guest hart id of vCPU 0; vCPU i is base + i
	struct vcpu      vcpus[SMPVM_MAX_VCPUS];
	struct vcpu_smp  smp[SMPVM_MAX_VCPUS];
	volatile int down;              // the guest stopped the VM (SRST): every loop ends
	struct vm_exit_system_down down_how;
};

// The one multi-vCPU VM of this hypervisor, or NULL (labs 9, 10 run their
// own single-vCPU VMs; lab 8's extensions then answer NOT_SUPPORTED, as lab
// 7 did). Defined in hsm.c, set by whoever creates the VM.
extern struct smp_vm *smpvm_active;

// The multi-vCPU VM that v belongs to, or NULL.
static inline struct smp_vm *smpvm_of(struct vcpu *v)
{
	struct smp_vm *vm = smpvm_active;
	if (!vm || v < &vm->vcpus[0] || v >= &vm->vcpus[vm->nvcpus])
		return NULL;
	return vm;
}
static inline int smpvm_index(struct smp_vm *vm, struct vcpu *v)
{
	return (int)(v - vm->vcpus);
}
static inline struct vcpu_smp *smpvm_smp(struct smp_vm *vm, struct vcpu *v)
{
	return &vm->smp[smpvm_index(vm, v)];
}
// The vCPU with guest hart id `hartid`, or NULL if the VM has none.
static inline struct vcpu *smpvm_vcpu_by_hartid(struct smp_vm *vm, ulong hartid)
{
	if (hartid < vm->hart_base || hartid - vm->hart_base >= (ulong)vm->nvcpus)
		return NULL;
	return &vm->vcpus[hartid - vm->hart_base];
}

// ---------------------------------------------------------------------------
// Lab 8, hsm.c: the HSM state machine of each vCPU (SBI 9, "Hart State
// Management Extension"). The run loop (the harness) calls:

// EXIT_CPU_UP (from the HSM extension's hart_start): STOPPED ->
// START_PENDING for the target, remember entry and opaque, wake the
// target's hart. Returns the SBI error for the caller's a0 (the loop writes
// it there): SBI_SUCCESS, SBI_ERR_INVALID_PARAM (no such hart),
// SBI_ERR_ALREADY_AVAILABLE (not STOPPED).
long hsm_cpu_up(struct smp_vm *vm, const struct vm_exit_cpu_up *up);
// EXIT_CPU_DOWN (hart_stop): this vCPU is now STOPPED. Its hart is about
// to wait in hsm_wait_start() again.
void hsm_cpu_down(struct smp_vm *vm, struct vcpu *v);
// On v's own hart, with v not loaded: wait (wfi) until v is
// START_PENDING, give it its start state (SBI 9.1: pc = entry, a0 = hart
// id, a1 = opaque, satp = 0, interrupts off), mark it STARTED, return 1.
// Returns 0 as soon as vm->down is set. Requests that arrive meanwhile are
// handled (vipi_handle).
int hsm_wait_start(struct smp_vm *vm, struct vcpu *v);
// hart_get_status (SBI 9.3): the state of hart `hartid` into *state.
long hsm_get_status(struct smp_vm *vm, ulong hartid, ulong *state);
// hart_suspend (SBI 9.4), on the calling vCPU's own hart (v loaded).
long hsm_suspend(struct smp_vm *vm, struct vcpu *v, ulong type, ulong resume_addr,
		 ulong opaque);

// ---------------------------------------------------------------------------
// Lab 8, vipi.c: requests between harts.

// The vCPU indexes (bit i = vCPU i) named by an SBI hart mask (SBI 3,
// "hart_mask and hart_mask_base"), into *targets. SBI_SUCCESS, or
// SBI_ERR_INVALID_PARAM if it names a hart this VM does not have.
long vipi_mask_targets(struct smp_vm *vm, ulong hart_mask, ulong hart_mask_base,
		       ulong *targets);
// Post `req` (VIPI_REQ_*) for vCPU `target` and make its hart notice.
void vipi_send(struct smp_vm *vm, int target, ulong req);
// On v's own hart: take this vCPU's requests and carry them out.
void vipi_handle(struct smp_vm *vm, struct vcpu *v);
// A remote fence for every vCPU in `targets` (VIPI_REQ_FENCE_VMA or
// VIPI_REQ_FENCE_I); returns when all of them have done it (SBI 8: the
// call completes after the fence).
void rfence_run(struct smp_vm *vm, struct vcpu *self, ulong targets, ulong req);

#endif
