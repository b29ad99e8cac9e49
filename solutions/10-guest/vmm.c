// vmm.c: devices, vCPUs and the run loop of the VMM (reference solution).
//
// Every piece was built in an earlier lab; this file only connects them.
// One exit at a time: vcpu_run() (lab 4) runs the guest until it traps,
// vm_exit_decode() (lab 6) says why, and exactly one handler deals with
// each reason. A reason nobody handles stops the guest loudly: resuming a
// guest whose trap was ignored would only make it trap again, or worse.
#include "hyp.h"
#include "vmm.h"
#include "vsbi.h"

// Priv. 8.2, "Virtual Supervisor Status Register": with V = 1 a
// floating-point instruction needs FS != Off in vsstatus (the guest's own
// sstatus, U-Boot sets it) AND in the HS-level sstatus. The world switch
// loads v->sstatus into sstatus, so the vCPU's copy must enable it.
#define SSTATUS_FS_INITIAL (1UL << 13)   // Priv. 3.1.6.6: FS = Initial

enum verdict { RESUME, STOP_OK, STOP_FAIL };

int vm_devices_init(struct vm *vm)
{
	memset(&vm->bus, 0, sizeof(vm->bus));
	uart_init(&vm->uart, UART_VIRT_BASE);
	return mmio_register(&vm->bus, &vm->uart.dev) == MMIO_OK ? 0 : -1;
}

// The fast path (docs/labs/04-switch.md, "The fast path"; not part of the
// lab): the world switch calls this for a guest ecall before it leaves
// the trap. The kit's hypercalls need nothing but a0-a7 and
// vsbi_hypercall(), so they are answered right there, in about a fifth
// of the instructions of a trip through vmm_run(). Everything else takes
// the full exit. Counted in vm->exits like any other hypercall.
static int vmm_fast_ecall(struct vcpu *v)
{
	ulong *r = v->gprs;
	if (r[REG_A7] != SBI_EXT_RVHLAB_HYPERCALL)
		return 0;
	ulong value = 0;
	long error = vsbi_hypercall(v, r[REG_A6], &r[REG_A0], &value);
	r[REG_A0] = (ulong)error;
	r[REG_A1] = value;
	((struct vm *)v->vm)->exits[EXIT_HYPERCALL]++;
	return 1;
}

void vm_vcpu_init(struct vm *vm, int id, ulong hartid)
{
	struct vcpu *v = &vm->vcpus[id];
	memset(v, 0, sizeof(*v));
	vcpu_init(v, vm->entry, hartid, vm->dtb_gpa);
	v->sstatus |= SSTATUS_FS_INITIAL;
	v->id = id;
	v->vm = vm;
	v->fast_ecall = vmm_fast_ecall;
	vsbi_vcpu_init(v);
}

// SBI SRST (SBI 10): the guest is done. A shutdown with no reason is the
// clean end; a reboot is not emulated, so it ends the run too.
static enum verdict on_system_down(struct vm *vm, const struct vm_exit *e)
{
	vm->down = e->system_down;
	printf("vmm: the guest asked for a %s (reason %lu): stopping the VM\n",
	       e->system_down.type == SBI_SRST_TYPE_SHUTDOWN ? "shutdown" : "reboot",
	       e->system_down.reason);
	return e->system_down.reason == SBI_SRST_REASON_NONE ? STOP_OK : STOP_FAIL;
}

static enum verdict on_sbi(struct vm *vm, struct vcpu *v, struct vm_exit *e)
{
	switch (vsbi_handle_exit(v, e)) {
	case EXIT_NOTHING:
		return RESUME;
	case EXIT_SYSTEM_DOWN:
		return on_system_down(vm, e);
	default:
		printf("vmm: SBI call EID 0x%lx FID 0x%lx became a %s exit: not handled\n",
		       e->sbi.eid, e->sbi.fid, vm_exit_reason_name(e->reason));
		return STOP_FAIL;
	}
}

// Guest-page faults outside RAM are device accesses (lab 9). An
// instruction fetch there cannot be emulated.
static enum verdict on_page_fault(struct vm *vm, struct vcpu *v, struct vm_exit *e)
{
	if (e->page_fault.access == GUEST_ACCESS_EXEC) {
		vcpu_dump(v, "vmm: the guest jumped outside its RAM");
		return STOP_FAIL;
	}
	if (mmio_handle_fault(&vm->bus, v, e) == MMIO_UNHANDLED) {
		printf("vmm: guest-page fault at gpa 0x%lx not handled\n", e->page_fault.gpa);
		return STOP_FAIL;
	}
	return RESUME;
}

// Priv. 8.6.1: a virtual-instruction exception is what VS or VU ran that
// only HS may run. This VMM sets none of hstatus.VTSR/VTW/VTVM (lab 2) and
// emulates no CSR, so what arrives here (an H or VS CSR, hfence.*, hlv/hsv,
// a counter hcounteren hides; lab 6 makes a trapped wfi EXIT_HALT) is an
// instruction that does not exist for the guest, whose device tree says
// "no H": it gets what a CPU without H gives, an illegal-instruction
// exception (cause 2, stval = the instruction bits, Priv. 4.1.9) at its
// own vstvec, sepc still at the instruction. Lab 9's injection is a
// generic VS trap entry.
static enum verdict on_virtual_insn(struct vcpu *v, const struct vm_exit *e)
{
	mmio_inject_access_fault(v, CAUSE_ILLEGAL_INSTRUCTION, e->vinsn.insn.bits);
	return RESUME;
}

static enum verdict vmm_handle_exit(struct vm *vm, struct vcpu *v, struct vm_exit *e)
{
	switch (e->reason) {
	case EXIT_SBI_CALL:
	case EXIT_HYPERCALL:
		return on_sbi(vm, v, e);
	case EXIT_NESTED_PAGE_FAULT:
		return on_page_fault(vm, v, e);
	case EXIT_VIRTUAL_INSN:
		return on_virtual_insn(v, e);
	case EXIT_TIMER:
		vtimer_expired(v);
		return RESUME;
	case EXIT_HALT:            // wfi, already stepped over: poll again
	case EXIT_NOTHING:
		return RESUME;
	case EXIT_UNKNOWN:         // vm_exit_decode() printed the dump
		return STOP_FAIL;
	default:
		vcpu_dump(v, "vmm: exit not handled");
		printf("vmm: %s exit at pc 0x%lx: stopping the guest\n",
		       vm_exit_reason_name(e->reason), e->pc);
		return STOP_FAIL;
	}
}

int vmm_run(struct vm *vm)
{
	struct vcpu *v = &vm->vcpus[0];
	struct vm_exit e;
	vcpu_load(v);
	for (;;) {
		vcpu_run(v);
		vm_exit_decode(v, &e);
		vm->exits[e.reason]++;
		enum verdict verdict = vmm_handle_exit(vm, v, &e);
		if (verdict != RESUME) {
			vcpu_put(v);
			return verdict == STOP_OK ? 0 : 1;
		}
	}
}
