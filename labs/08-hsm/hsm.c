// Lab 8: the HSM state machine of each vCPU (SBI spec v2.0, chapter 9,
// "Hart State Management Extension"; interface in smp.h, the VM in vm.h).
//
// One vCPU per physical hart. A vCPU's state changes on two harts:
//
//        hart_start (caller's hart)          its own hart
//   STOPPED ---------------> START_PENDING ---------------> STARTED
//      ^                                                      |  ^
//      |                  hart_stop (its own hart)            |  | interrupt
//      +------------------------------------------------------+  | pending
//                                      hart_suspend (retentive)  v  |
//                                                            SUSPENDED
//
// Every change and every read of a vCPU's hsm_state (and start_entry,
// start_opaque) happens under vm->lock: otherwise two harts that start
// the same vCPU at once could both see STOPPED, and both "win".
//
// Check yourself: make grade LAB=8 (tests bringup, stopstart, status,
// errors, suspend).
#include "hyp.h"
#include "vcpu.h"
#include "vsbi.h"
#include "smp.h"

long hsm_cpu_up(struct vm *vm, const struct vm_exit_cpu_up *up)
{
	// TODO(lab 8): SBI 9.1 hart_start, the caller's side.
	//  - up->target names no vCPU (vm_vcpu_by_hartid): INVALID_PARAM;
	//  - under vm->lock: a vCPU that is not STOPPED gives
	//    SBI_ERR_ALREADY_AVAILABLE; otherwise store up->entry and up->arg
	//    in its start_entry, start_opaque and make it START_PENDING;
	//  - after the unlock, wake its physical hart: vipi_send(...,
	//    VIPI_REQ_WAKE). It waits in hsm_wait_start() and does the rest.
	UNUSED(vm);
	UNUSED(up);
	return SBI_ERR_NOT_SUPPORTED;
}

void hsm_cpu_down(struct vm *vm, struct vcpu *v)
{
	// TODO(lab 8): SBI 9.2 hart_stop: the vCPU is STOPPED (under vm->lock).
	UNUSED(vm);
	UNUSED(v);
}

int hsm_wait_start(struct vm *vm, struct vcpu *v)
{
	for (;;) {
		vipi_handle(vm, v);
		if (vm->down)
			return 0;
		// TODO(lab 8): under vm->lock, if this vCPU is START_PENDING:
		//  - give it the start state of SBI 9.1: vcpu_init() with its
		//    start_entry, its hart id (v->hartid) and start_opaque (a1);
		//    the VS CSRs in v->vs as after a reset (vsatp = 0, vsstatus
		//    with SIE = 0, nothing pending in hvip) but keep htimedelta;
		//    vsbi_vcpu_init() for its timer;
		//  - flush this hart's VS-stage TLB entries (hfence_vvma_all):
		//    the vCPU's previous life used the same VMID;
		//  - make it STARTED, unlock, and return 1.
		// While nothing is pending, sleep: a host IPI (vipi_send) ends the
		// wfi (sie.SSIE is set; sstatus.SIE = 0 only stops the trap).
		wfi();
	}
}

long hsm_get_status(struct vm *vm, ulong hartid, ulong *state)
{
	// TODO(lab 8): SBI 9.3: INVALID_PARAM for a hart id that names no
	// vCPU; else its state (read under vm->lock) into *state, SBI_SUCCESS.
	UNUSED(vm);
	UNUSED(hartid);
	UNUSED(state);
	return SBI_ERR_NOT_SUPPORTED;
}

long hsm_suspend(struct vm *vm, struct vcpu *v, ulong type, ulong resume_addr,
		 ulong opaque)
{
	// TODO(lab 8): SBI 9.4, the two default types (sbi.h):
	//  - SUSPENDED (under vm->lock) while waiting;
	//  - wait on this hart like a wfi would: loop { vipi_handle(); stop
	//    when a VS interrupt is pending (hip: VSSIP, VSTIP, VSEIP) or
	//    vm->down; wfi(); };
	//  - retentive (SBI_HSM_SUSPEND_RETENTIVE): every register kept; the
	//    guest continues after its ecall with SBI_SUCCESS;
	//  - non-retentive (SBI_HSM_SUSPEND_NON_RETENTIVE): the hart lost its
	//    state and resumes like a started one (9.1): at resume_addr with
	//    a0 = its hart id, a1 = opaque (vcpu_init), satp = 0 and
	//    sstatus.SIE = 0. v is loaded: those two are the live vsatp and
	//    vsstatus CSRs. Leave what is pending in hvip: the guest takes the
	//    interrupt that woke it once it enables interrupts. v->sepc moves,
	//    so lab 7's dispatcher leaves a0 and a1 as you set them (vsbi.h);
	//  - either way STARTED again afterwards.
	// The platform-specific types (0x10000000-0x7fffffff and
	// 0x90000000-0xffffffff) are SBI_ERR_NOT_SUPPORTED; every other type
	// is reserved: SBI_ERR_INVALID_PARAM (SBI 9.4, table of types).
	UNUSED(vm);
	UNUSED(v);
	UNUSED(type);
	UNUSED(resume_addr);
	UNUSED(opaque);
	return SBI_ERR_NOT_SUPPORTED;
}
