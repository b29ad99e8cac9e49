// trap.c: the hypervisor's own traps (one under the expected-trap guard,
// inline in cpu.h, becomes a record), and the decoded register dump that
// every unhandled trap ends in.
#include "hyp.h"

_Static_assert(offsetof(struct trapframe, sepc) == TF_SEPC, "TF_SEPC");
_Static_assert(offsetof(struct trapframe, sstatus) == TF_SSTATUS, "TF_SSTATUS");
_Static_assert(offsetof(struct trapframe, hstatus) == TF_HSTATUS, "TF_HSTATUS");
_Static_assert(offsetof(struct trapframe, scause) == TF_SCAUSE, "TF_SCAUSE");
_Static_assert(offsetof(struct trapframe, stval) == TF_STVAL, "TF_STVAL");
_Static_assert(offsetof(struct trapframe, htval) == TF_HTVAL, "TF_HTVAL");
_Static_assert(offsetof(struct trapframe, htinst) == TF_HTINST, "TF_HTINST");
_Static_assert(sizeof(struct trapframe) == TF_SIZE, "TF_SIZE");
_Static_assert(offsetof(struct cpu, trap_sp) == CPU_TRAP_SP, "CPU_TRAP_SP");
_Static_assert(offsetof(struct cpu, scratch) == CPU_SCRATCH, "CPU_SCRATCH");
_Static_assert(offsetof(struct cpu, self) == CPU_HYP_TP, "CPU_HYP_TP");

extern int rt_has_h;

// Length of the hypervisor's own instruction at pc (ISA vol. I 1.5: the two
// low bits are 11 for a 32-bit instruction).
static ulong insn_len(ulong pc)
{
	return (*(volatile u16 *)pc & 3) == 3 ? 4 : 2;
}

void hyp_trap(struct trapframe *tf)
{
	struct cpu *c = mycpu();
	int is_irq = (tf->scause & CAUSE_INTERRUPT) != 0;
	if (!is_irq && c->trap_expected) {
		c->trap_rec = (struct trap_record){ tf->scause, tf->stval, tf->htval, tf->htinst };
		c->trap_happened = 1;
		c->trap_expected = 0;     // a second fault is a real one
		tf->sepc += insn_len(tf->sepc);
		return;
	}
	if (is_irq && hyp_irq(tf))
		return;
	if (++c->trap_depth > 1) {
		// The dump itself faulted: say so as simply as possible and stop.
		printf("\n*** trap while reporting a trap: scause=0x%lx sepc=0x%lx stval=0x%lx\n",
		       tf->scause, tf->sepc, tf->stval);
		hyp_shutdown(0);
	}
	trap_dump("unhandled trap in the hypervisor (HS-mode)", tf, 0);
	hyp_shutdown(0);
}

WEAK int hyp_irq(struct trapframe *tf)
{
	UNUSED(tf);
	return 0;
}

WEAK void hyp_guest_trap(struct trapframe *tf)
{
	trap_dump("unhandled guest exit", tf, 1);
	hyp_shutdown(0);
}

// Read one halfword of the instruction at pc, surviving a fault. From the
// guest's side this is HLVX.HU (Priv. 8.3.1): a load with the guest's own
// two-stage translation and execute permission, as the guest fetched it.
static int read_insn_half(ulong pc, int guest, u16 *out)
{
	ulong v = 0;
	trap_expect_begin();
	if (guest)
		asm volatile(".option push\n.option arch, +h\n"
			     "hlvx.hu %0, (%1)\n.option pop"
			     : "+r"(v) : "r"(pc) : "memory");
	else
		v = *(volatile u16 *)pc;
	if (trap_expect_end(NULL))
		return -1;
	*out = (u16)v;
	return 0;
}

// 0: both halves read (or one, for a compressed instruction); -1: none; -2:
// only the first.
static int dump_insn_halves(ulong pc, int guest, u16 *lo, u16 *hi)
{
	if (read_insn_half(pc, guest, lo) < 0)
		return -1;
	if ((*lo & 3) == 3 && read_insn_half(pc + 2, guest, hi) < 0)
		return -2;
	return 0;
}

static void dump_insn(ulong pc, int guest, ulong guest_hstatus)
{
	u16 lo = 0, hi = 0;
	// HLVX checks permissions with the privilege in hstatus.SPVP: use the
	// one the guest had when it trapped (VS code sits on supervisor pages).
	ulong saved = 0;
	if (guest) {
		saved = csr_read(hstatus);
		csr_write(hstatus, (saved & ~HSTATUS_SPVP) | (guest_hstatus & HSTATUS_SPVP));
	}
	int rc = dump_insn_halves(pc, guest, &lo, &hi);
	if (guest)
		csr_write(hstatus, saved);
	if (rc == -1)
		printf("insn    : (cannot read the instruction at 0x%lx)\n", pc);
	else if ((lo & 3) != 3)
		printf("insn    : 0x%04x (compressed, 2 bytes)\n", lo);
	else if (rc == -2)
		printf("insn    : 0x????%04x (second half unreadable)\n", lo);
	else
		printf("insn    : 0x%08x\n", (u32)hi << 16 | lo);
}

static const char *const reg_names[32] = {
	"zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1",
	"a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
	"s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

static int is_guest_page_fault(ulong cause)
{
	return cause == CAUSE_FETCH_GUEST_PAGE_FAULT || cause == CAUSE_LOAD_GUEST_PAGE_FAULT ||
	       cause == CAUSE_STORE_GUEST_PAGE_FAULT;
}

// Everything of a dump but its title. insn: read and show the trapping
// instruction (it needs this hart's struct cpu for the read's guard).
static void dump_frame(const struct trapframe *tf, int from_guest, int insn)
{
	ulong code = tf->scause & ~CAUSE_INTERRUPT;
	printf("cause   : %s %lu (%s)\n", tf->scause & CAUSE_INTERRUPT ? "interrupt" : "exception",
	       code, cause_name(tf->scause));
	printf("from    : %s\n", from_guest ? ((tf->sstatus & SSTATUS_SPP) ? "VS-mode (guest kernel)"
					      : "VU-mode (guest user)")
					    : "HS-mode (the hypervisor)");
	printf("sepc    : 0x%016lx   stval  : 0x%016lx\n", tf->sepc, tf->stval);
	if (rt_has_h) {
		printf("htval   : 0x%016lx   htinst : 0x%016lx\n", tf->htval, tf->htinst);
		if (is_guest_page_fault(code) && !(tf->scause & CAUSE_INTERRUPT))
			printf("gpa     : 0x%016lx   (htval << 2 | stval & 3)\n",
			       tf->htval << 2 | (tf->stval & 3));
		printf("hstatus : 0x%016lx   [SPV=%d SPVP=%d GVA=%d]\n", tf->hstatus,
		       !!(tf->hstatus & HSTATUS_SPV), !!(tf->hstatus & HSTATUS_SPVP),
		       !!(tf->hstatus & HSTATUS_GVA));
	}
	printf("sstatus : 0x%016lx   [SPP=%d SPIE=%d]\n", tf->sstatus,
	       !!(tf->sstatus & SSTATUS_SPP), !!(tf->sstatus & SSTATUS_SPIE));
	if (insn && !(tf->scause & CAUSE_INTERRUPT))
		dump_insn(tf->sepc, from_guest && rt_has_h, tf->hstatus);
	for (int i = 0; i < 32; i += 4)
		printf("%4s=%016lx %4s=%016lx %4s=%016lx %4s=%016lx\n",
		       reg_names[i], tf->regs[i], reg_names[i + 1], tf->regs[i + 1],
		       reg_names[i + 2], tf->regs[i + 2], reg_names[i + 3], tf->regs[i + 3]);
}

void trap_dump(const char *why, const struct trapframe *tf, int from_guest)
{
	printf("\n=== %s on hart %lu ===\n", why, mycpu()->hartid);
	dump_frame(tf, from_guest, 1);
}

// hyp_trapvec found sp on none of the hypervisor's stacks (trapvec.S): the
// code that trapped ran with a broken sp, and nothing of its hart (tp, its
// struct cpu) can be trusted either. We are on an emergency stack: report
// with printf and the SBI only, and stop the machine.
void hyp_bad_stack(struct trapframe *tf)
{
	printf("\n=== trap on a broken stack: the hypervisor's sp is 0x%lx ===\n", tf->regs[2]);
	printf("sp is on no stack of the hypervisor (hart_stacks at %p, %d x %d bytes; trap "
	       "stacks at %p), or too close to the bottom of one for a trap frame.\n",
	       hart_stacks, MAX_HARTS, HART_STACK_SIZE, trap_stacks);
	printf("The code at sepc ran with it. After a guest exit that is the world switch's "
	       "fault: check which registers vcpu_run() restores, and from which slots "
	       "(lab 4: the hypervisor's sp, ra, gp, tp, s0-s11 in v->hyp[]).\n");
	dump_frame(tf, 0, 0);
	hyp_shutdown(0);
}
