// Lab 6, part 1: decoding guest exits (read common/include/vmexit.h first).
//
// vcpu_run() (lab 4) comes back with the raw trap in v->trap (scause,
// stval, htval, htinst) and the guest's pc in v->sepc. vm_exit_decode()
// turns them into a struct vm_exit. The routing is a table per kind of trap,
// indexed by the cause code (the Bao hypervisor's style): a cause without a
// handler is, by construction, unknown. Each handler fills the part of
// struct vm_exit that its reason owns, and moves v->sepc only as vmexit.h
// says (ecall and wfi: past the instruction; faults and other virtual
// instructions: not at all; interrupts: not at all).
//
// Check yourself: make grade LAB=6 (each test is one kind of exit; the
// handout docs/labs/06-trap.md has the cause table).
#include "hyp.h"
#include "vcpu.h"
#include "vmexit.h"
#include "guestmem.h"

typedef void exit_handler_fn(struct vcpu *v, struct vm_exit *e);

// A cause nobody handles: never resume the guest after this one.
static void exit_unknown(struct vcpu *v, struct vm_exit *e)
{
	e->reason = EXIT_UNKNOWN;
	// TODO(lab 6): keep the raw trap for the logs: e->unknown gets scause,
	// stval, htval and htinst from v->trap. Then print the decoded dump
	// with vcpu_dump() (below): cause name, sepc, the instruction, every
	// register. Do not move v->sepc.
	UNUSED(v);
}

// Cause 10, ecall from VS-mode. The guest follows the SBI calling
// convention (SBI spec 3): a7 = extension ID, a6 = function ID, a0-a5 =
// arguments.
static void exit_ecall(struct vcpu *v, struct vm_exit *e)
{
	// TODO(lab 6): a7 == SBI_EXT_RVHLAB_HYPERCALL (sbi.h) is the kit's
	// hypercall: EXIT_HYPERCALL with nr = a6 and args pointing at a0..a5
	// where the switch saved them (&v->gprs[REG_A0]: args[i] is then
	// a<i>; nothing is copied). Any other a7 is an SBI call for lab 7:
	// EXIT_SBI_CALL with eid = a7, fid = a6 and args as for a hypercall.
	// An ecall completes: move v->sepc past it (how long is ecall?).
	exit_unknown(v, e);
}

// Causes 20, 21, 23: the G-stage (lab 5) refused a fetch, load or store.
static void exit_guest_page_fault(struct vcpu *v, struct vm_exit *e)
{
	// TODO(lab 6): EXIT_NESTED_PAGE_FAULT.
	//  - gpa: htval holds the guest-physical address shifted right by 2
	//    (Priv. 8.2.8), the two low bits are those of stval;
	//  - gva = stval, gva_valid = hstatus.GVA (v->hstatus, saved at exit);
	//  - access: GUEST_ACCESS_EXEC / _READ / _WRITE from the cause;
	//  - insn: for a load or store, guest_fetch_insn() (guestmem.c) gives
	//    the instruction and its length, which the handler needs to skip
	//    or emulate it. A fetch fault has no instruction (len 0): its
	//    sepc is the unreachable address itself.
	// Leave v->sepc alone: the handler retries or emulates the access.
	exit_unknown(v, e);
}

// Cause 22: the guest ran something only HS-mode may run.
static void exit_virtual_insn(struct vcpu *v, struct vm_exit *e)
{
	// TODO(lab 6): read the instruction with guest_fetch_insn() (stval
	// is not reliable for this, see the handout).
	//  - wfi (0x10500073, trapped because hstatus.VTW = 1) is the guest
	//    idling: EXIT_HALT, and it completes: sepc past it.
	//  - anything else: EXIT_VIRTUAL_INSN with the instruction in
	//    e->vinsn.insn and, for a Zicsr instruction (opcode SYSTEM 0x73
	//    with funct3 != 0), is_csr = 1 and its fields csr (31:20), rs1
	//    (19:15), op = funct3 (14:12) and rd (11:7); for any other, is_csr
	//    and those fields 0. Leave sepc at it.
	//  - an instruction that cannot be read: treat the exit as unknown.
	exit_unknown(v, e);
}

// Interrupt 5: the hypervisor's own timer fired while the guest ran.
static void exit_timer(struct vcpu *v, struct vm_exit *e)
{
	// TODO(lab 6): EXIT_TIMER, irq.irq = the interrupt number. Nothing
	// was executed: do not touch sepc. (Why did it trap although the
	// hypervisor's sstatus.SIE is 0? See the handout, Priv. 4.1.3, 8.2.3.)
	exit_unknown(v, e);
}

// Interrupt 9: a device interrupt for the hypervisor (labs 8-9).
static void exit_external_irq(struct vcpu *v, struct vm_exit *e)
{
	// TODO(lab 6): EXIT_EXTERNAL_IRQ, irq.irq = the interrupt number.
	exit_unknown(v, e);
}

// Interrupt 1: another hart of the hypervisor sent this one an IPI (lab 8
// uses them: a hart that leaves requests for another hart's vCPU wakes it).
static void exit_host_ipi(struct vcpu *v, struct vm_exit *e)
{
	// TODO(lab 6): EXIT_HOST_IPI, irq.irq = the interrupt number. Nothing
	// was executed: do not touch sepc.
	exit_unknown(v, e);
}

// The routing tables. With lab 3's delegation these are the only traps
// from the guest that reach the hypervisor on purpose.
static exit_handler_fn *const exception_handlers[CAUSE_MAX_EXCEPTION] = {
	[CAUSE_VIRTUAL_SUPERVISOR_ECALL] = exit_ecall,
	[CAUSE_FETCH_GUEST_PAGE_FAULT]   = exit_guest_page_fault,
	[CAUSE_LOAD_GUEST_PAGE_FAULT]    = exit_guest_page_fault,
	[CAUSE_STORE_GUEST_PAGE_FAULT]   = exit_guest_page_fault,
	[CAUSE_VIRTUAL_INSTRUCTION]      = exit_virtual_insn,
};

static exit_handler_fn *const interrupt_handlers[] = {
	[IRQ_S_SOFT]  = exit_host_ipi,
	[IRQ_S_TIMER] = exit_timer,
	[IRQ_S_EXT]   = exit_external_irq,
};

enum vm_exit_reason vm_exit_decode(struct vcpu *v, struct vm_exit *e)
{
	// Given: the fields every exit has. Each handler then writes the part
	// of the union its reason owns, and only that (vmexit.h).
	e->reason = EXIT_UNKNOWN;
	e->scause = v->trap.scause;
	e->pc = v->sepc;
	// TODO(lab 6): route the exit. scause bit 63 (CAUSE_INTERRUPT) says
	// interrupt; the rest is the code that indexes interrupt_handlers or
	// exception_handlers. A code past the end of its table, or an empty
	// slot, goes to exit_unknown(). Return e->reason.
	UNUSED(exception_handlers);
	UNUSED(interrupt_handlers);
	exit_unknown(v, e);
	return e->reason;
}

void vcpu_dump(const struct vcpu *v, const char *why)
{
	// TODO(lab 6): trap_dump(why, &tf, 1) (trap.h) prints a decoded dump
	// of a struct trapframe. Build one on the stack from the vCPU: the 32
	// GPRs, sepc, sstatus, hstatus, and scause/stval/htval/htinst from
	// v->trap.
	UNUSED(v);
	UNUSED(why);
}
