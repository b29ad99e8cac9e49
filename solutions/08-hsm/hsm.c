// Lab 8 reference solution: the HSM state machine of each vCPU (SBI 9).
//
// One vCPU per physical hart. A vCPU's state changes on two harts: the
// caller of hart_start moves it STOPPED -> START_PENDING, its own hart
// START_PENDING -> STARTED, STARTED -> STOPPED (hart_stop) and STARTED ->
// SUSPENDED -> STARTED (hart_suspend). Every change and every read of a
// state happens under vm->lock, so two harts racing to start the same vCPU
// cannot both succeed (SBI 9.1: the loser gets SBI_ERR_ALREADY_AVAILABLE).
#include "hyp.h"
#include "vcpu.h"
#include "vsbi.h"
#include "smp.h"

// SBI 9.4: where the platform-specific suspend types begin (retentive
// 0x10000000-0x7fffffff, non-retentive 0x90000000-0xffffffff); the two
// default types are in sbi.h, the rest is reserved.
#define HSM_SUSPEND_RET_PLATFORM      0x10000000UL
#define HSM_SUSPEND_NON_RET_PLATFORM  0x90000000UL
// Pending VS interrupts that end a suspend (hip: hvip's bits and the Sstc
// timer's VSTIP, Priv. 8.2.3).
#define HIP_VS_ANY  (HVIP_VSSIP | HVIP_VSTIP | HVIP_VSEIP)

static void set_state(struct vm *vm, struct vcpu *v, int state)
{
	spin_lock(&vm->lock);
	v->hsm_state = state;
	spin_unlock(&vm->lock);
}

long hsm_cpu_up(struct vm *vm, const struct vm_exit_cpu_up *up)
{
	struct vcpu *t = vm_vcpu_by_hartid(vm, up->target);
	if (!t)
		return SBI_ERR_INVALID_PARAM;
	spin_lock(&vm->lock);
	if (t->hsm_state != SBI_HSM_STATE_STOPPED) {
		spin_unlock(&vm->lock);
		return SBI_ERR_ALREADY_AVAILABLE;
	}
	t->start_entry = up->entry;
	t->start_opaque = up->arg;
	t->hsm_state = SBI_HSM_STATE_START_PENDING;
	spin_unlock(&vm->lock);
	vipi_send(vm, t->id, VIPI_REQ_WAKE);
	return SBI_SUCCESS;
}

void hsm_cpu_down(struct vm *vm, struct vcpu *v)
{
	set_state(vm, v, SBI_HSM_STATE_STOPPED);
}

// SBI 9.1: the new hart starts at start_addr in S-mode (VS for us) with
// a0 = hartid, a1 = opaque, satp = 0 and sstatus.SIE = 0; everything else
// is undefined, so a clean slate is the safe choice.
static void vcpu_start_state(struct vcpu *v, ulong entry, ulong opaque)
{
	ulong delta = v->vs.htimedelta;       // the VM's clock, kept
	vcpu_init(v, entry, v->hartid, opaque);
	memset(&v->vs, 0, sizeof(v->vs));     // vsatp = 0, vsstatus.SIE = 0, no hvip
	v->vs.htimedelta = delta;
	vsbi_vcpu_init(v);
	// The previous run of this vCPU may have left translations of its old
	// page tables in this hart's TLB, tagged with the same VMID.
	hfence_vvma_all();
}

int hsm_wait_start(struct vm *vm, struct vcpu *v)
{
	for (;;) {
		vipi_handle(vm, v);
		if (vm->down)
			return 0;
		spin_lock(&vm->lock);
		if (v->hsm_state == SBI_HSM_STATE_START_PENDING) {
			vcpu_start_state(v, v->start_entry, v->start_opaque);
			v->hsm_state = SBI_HSM_STATE_STARTED;
			spin_unlock(&vm->lock);
			return 1;
		}
		spin_unlock(&vm->lock);
		// A host IPI (vipi_send) wakes us: sie.SSIE is set, and wfi
		// resumes on a pending enabled interrupt even with SIE = 0.
		wfi();
	}
}

long hsm_get_status(struct vm *vm, ulong hartid, ulong *state)
{
	struct vcpu *t = vm_vcpu_by_hartid(vm, hartid);
	if (!t)
		return SBI_ERR_INVALID_PARAM;
	spin_lock(&vm->lock);
	*state = (ulong)t->hsm_state;
	spin_unlock(&vm->lock);
	return SBI_SUCCESS;
}

// A suspend type that is not reserved (the kit implements the two default
// ones; the platform-specific ranges are valid but not implemented).
static int suspend_type_valid(ulong type)
{
	return type == SBI_HSM_SUSPEND_NON_RETENTIVE ||
	       (type >= HSM_SUSPEND_RET_PLATFORM && type < SBI_HSM_SUSPEND_NON_RETENTIVE) ||
	       type >= HSM_SUSPEND_NON_RET_PLATFORM;
}

// SBI 9.4, non-retentive: the hart lost its state and resumes like a
// started hart (9.1): at resume_addr, a0 = hartid, a1 = opaque, satp = 0,
// sstatus.SIE = 0. v is loaded: its VS CSRs are live. The interrupt that
// woke it stays pending (hvip, vstimecmp), for the guest to take once it
// enables interrupts again. v->sepc moves, so the dispatcher leaves a0 and
// a1 alone (vsbi.h): the call does not return.
static void vcpu_resume_state(struct vcpu *v, ulong resume_addr, ulong opaque)
{
	vcpu_init(v, resume_addr, v->hartid, opaque);
	csr_write(vsatp, 0);
	csr_clear(vsstatus, SSTATUS_SIE);
	hfence_vvma_all();
}

// Retentive (type 0): like wfi, the call returns once an interrupt is
// pending for the vCPU (enabled or not), with every register kept.
// Non-retentive (type 0x80000000): the same wait, then the vCPU resumes at
// resume_addr (the HSM extension checked that it is executable). Platform
// types are valid but not implemented (SBI_ERR_NOT_SUPPORTED, as lab 7's
// SRST answers vendor types); reserved types are SBI_ERR_INVALID_PARAM.
// type is 32 bits (the caller masks it).
long hsm_suspend(struct vm *vm, struct vcpu *v, ulong type, ulong resume_addr, ulong opaque)
{
	if (type != SBI_HSM_SUSPEND_RETENTIVE && type != SBI_HSM_SUSPEND_NON_RETENTIVE)
		return suspend_type_valid(type) ? SBI_ERR_NOT_SUPPORTED : SBI_ERR_INVALID_PARAM;
	set_state(vm, v, SBI_HSM_STATE_SUSPENDED);
	for (;;) {
		vipi_handle(vm, v);
		if (vm->down || (csr_read(hip) & HIP_VS_ANY))
			break;
		wfi();
	}
	if (type == SBI_HSM_SUSPEND_NON_RETENTIVE)
		vcpu_resume_state(v, resume_addr, opaque);
	set_state(vm, v, SBI_HSM_STATE_STARTED);
	return SBI_SUCCESS;
}
