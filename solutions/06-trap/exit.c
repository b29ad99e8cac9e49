// Lab 6 reference solution, part 1: decoding guest exits (vmexit.h).
//
// One table per kind of trap, indexed by the cause code: a cause with no
// handler is, by construction, unknown (Bao style). Each handler fills the
// part of struct vm_exit its reason owns.
#include "hyp.h"
#include "vcpu.h"
#include "vmexit.h"
#include "guestmem.h"

#define WFI_LEN        4             // wfi has no 16-bit form (nor ecall: vmexit.h)
#define INSN_WFI       0x10500073U   // Priv. 3.3.3 "Wait for Interrupt"
#define OPCODE_MASK    0x7fU
#define OPCODE_SYSTEM  0x73U         // ecall, wfi, csrr*, sret, sfence...

// Each handler fills e and returns e->reason: the decoder's call to it is
// then its last act (a tail call, no frame of its own).
typedef enum vm_exit_reason exit_handler_fn(struct vcpu *v, struct vm_exit *e);

static enum vm_exit_reason exit_unknown(struct vcpu *v, struct vm_exit *e)
{
	e->reason = EXIT_UNKNOWN;
	e->unknown = (struct vm_exit_unknown){ v->trap.scause, v->trap.stval, v->trap.htval,
					       v->trap.htinst };
	vcpu_dump(v, "unknown guest exit: the guest is stopped");
	return EXIT_UNKNOWN;
}

// Cause 10: the guest's ecall. SBI calling convention (SBI spec 3): a7 =
// extension, a6 = function, a0-a5 = arguments. The kit's own EID is a
// hypercall; everything else is SBI, for lab 7. The arguments stay where
// the switch saved them: args points at a0..a5 (vmexit.h).
static enum vm_exit_reason exit_ecall(struct vcpu *v, struct vm_exit *e)
{
	const ulong *r = v->gprs;
	v->sepc += VMEXIT_ECALL_LEN;   // the call completes: resume after it
	if (r[REG_A7] == SBI_EXT_RVHLAB_HYPERCALL) {
		e->hypercall.nr = r[REG_A6];
		e->hypercall.args = &r[REG_A0];
		return e->reason = EXIT_HYPERCALL;
	}
	e->sbi.eid = r[REG_A7];
	e->sbi.fid = r[REG_A6];
	e->sbi.args = &r[REG_A0];
	return e->reason = EXIT_SBI_CALL;
}

static u8 fault_access(ulong cause)
{
	switch (cause) {
	case CAUSE_FETCH_GUEST_PAGE_FAULT: return GUEST_ACCESS_EXEC;
	case CAUSE_STORE_GUEST_PAGE_FAULT: return GUEST_ACCESS_WRITE;
	default:                           return GUEST_ACCESS_READ;
	}
}

// Causes 20, 21, 23 (Priv. 8.6.1). htval = GPA >> 2 (a GPA may be wider
// than XLEN on RV32); the two low bits come from stval. sepc stays at the
// instruction: the handler maps the page and retries, or emulates it.
static enum vm_exit_reason exit_guest_page_fault(struct vcpu *v, struct vm_exit *e)
{
	struct vm_exit_page_fault *pf = &e->page_fault;
	ulong stval = v->trap.stval;
	e->reason = EXIT_NESTED_PAGE_FAULT;
	pf->gpa = v->trap.htval << 2 | (stval & 3);
	pf->gva = stval;
	pf->gva_valid = (v->hstatus & HSTATUS_GVA) != 0;
	pf->access = fault_access(v->trap.scause);
	// A fetch fault has no instruction: sepc IS the unreachable address.
	if (pf->access == GUEST_ACCESS_EXEC || guest_fetch_insn(v, &pf->insn) != GUEST_OK)
		pf->insn.len = 0;
	return EXIT_NESTED_PAGE_FAULT;
}

// The Zicsr fields (ISA vol. I, "Zicsr"): csr[31:20] rs1[19:15]
// funct3[14:12] rd[11:7] opcode SYSTEM.
static void decode_csr(struct vm_exit_virtual_insn *vi)
{
	u32 bits = vi->insn.bits;
	u8 funct3 = (bits >> 12) & 7;
	vi->is_csr = vi->insn.len == 4 && (bits & OPCODE_MASK) == OPCODE_SYSTEM && funct3 != 0;
	if (!vi->is_csr) {
		vi->op = vi->rd = vi->rs1 = 0;
		vi->csr = 0;
		return;
	}
	vi->op = funct3;
	vi->rd = (bits >> 7) & 31;
	vi->rs1 = (bits >> 15) & 31;
	vi->csr = bits >> 20;
}

// Cause 22 (Priv. 8.6.1): wfi with hstatus.VTW = 1 is the guest idling
// (HALT, completed: sepc moves on); anything else is reported decoded,
// with sepc left at it for the handler to emulate.
static enum vm_exit_reason exit_virtual_insn(struct vcpu *v, struct vm_exit *e)
{
	struct guest_insn insn;
	if (guest_fetch_insn(v, &insn) != GUEST_OK)
		return exit_unknown(v, e);
	if (insn.len == 4 && insn.bits == INSN_WFI) {
		v->sepc += WFI_LEN;
		return e->reason = EXIT_HALT;
	}
	e->reason = EXIT_VIRTUAL_INSN;
	e->vinsn.insn = insn;
	decode_csr(&e->vinsn);
	return EXIT_VIRTUAL_INSN;
}

// HS-level interrupts are taken while V=1 whatever sstatus.SIE says (Priv.
// 4.1.3: VS is less privileged than HS, 8.1). Nothing ran: sepc stays.
static enum vm_exit_reason exit_timer(struct vcpu *v, struct vm_exit *e)
{
	UNUSED(v);
	e->irq.irq = IRQ_S_TIMER;
	return e->reason = EXIT_TIMER;
}

static enum vm_exit_reason exit_external_irq(struct vcpu *v, struct vm_exit *e)
{
	UNUSED(v);
	e->irq.irq = IRQ_S_EXT;
	return e->reason = EXIT_EXTERNAL_IRQ;
}

// Interrupt 1: another hart of the hypervisor sent this one an IPI (lab 8:
// it left requests for this hart's vCPU). Nothing ran: sepc stays.
static enum vm_exit_reason exit_host_ipi(struct vcpu *v, struct vm_exit *e)
{
	UNUSED(v);
	e->irq.irq = IRQ_S_SOFT;
	return e->reason = EXIT_HOST_IPI;
}

// Every slot has a handler, exit_unknown unless a line below names another
// (GCC's range designator, then the overrides: the idiom of Linux's syscall
// tables; -Woverride-init is what it is for). The decoder then calls
// through the table with no NULL test: one instruction of every exit.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static exit_handler_fn *const exception_handlers[CAUSE_MAX_EXCEPTION] = {
	[0 ... CAUSE_MAX_EXCEPTION - 1]  = exit_unknown,
	[CAUSE_VIRTUAL_SUPERVISOR_ECALL] = exit_ecall,
	[CAUSE_FETCH_GUEST_PAGE_FAULT]   = exit_guest_page_fault,
	[CAUSE_LOAD_GUEST_PAGE_FAULT]    = exit_guest_page_fault,
	[CAUSE_STORE_GUEST_PAGE_FAULT]   = exit_guest_page_fault,
	[CAUSE_VIRTUAL_INSTRUCTION]      = exit_virtual_insn,
};
#pragma GCC diagnostic pop

static exit_handler_fn *const interrupt_handlers[] = {
	[IRQ_S_SOFT]  = exit_host_ipi,
	[IRQ_S_TIMER] = exit_timer,
	[IRQ_S_EXT]   = exit_external_irq,
};

enum vm_exit_reason vm_exit_decode(struct vcpu *v, struct vm_exit *e)
{
	ulong cause = v->trap.scause;
	exit_handler_fn *handler = NULL;

	// Only what the reason owns is written (vmexit.h): a blanket clear of
	// the whole record would cost more than most exits' own work. Every
	// handler, exit_unknown too, writes e->reason itself.
	e->scause = cause;
	e->pc = v->sepc;
	// One unsigned compare finds an exception with a handler slot: an
	// interrupt's cause has bit 63 set, far past the table's end.
	if (cause < ARRAY_SIZE(exception_handlers))
		return exception_handlers[cause](v, e);
	if (cause & CAUSE_INTERRUPT) {
		ulong code = cause & ~CAUSE_INTERRUPT;
		if (code < ARRAY_SIZE(interrupt_handlers))
			handler = interrupt_handlers[code];
	}
	if (!handler)
		return exit_unknown(v, e);
	return handler(v, e);
}

void vcpu_dump(const struct vcpu *v, const char *why)
{
	struct trapframe tf;
	memset(&tf, 0, sizeof(tf));
	memcpy(tf.regs, v->gprs, sizeof(tf.regs));
	tf.sepc = v->sepc;
	tf.sstatus = v->sstatus;
	tf.hstatus = v->hstatus;
	tf.scause = v->trap.scause;
	tf.stval = v->trap.stval;
	tf.htval = v->trap.htval;
	tf.htinst = v->trap.htinst;
	trap_dump(why, &tf, 1);
}
