// exits.c: every trap of the guest that reaches the hypervisor, counted.
//
// The kit's guest_trapvec (common/hyp/trapvec.S) saves the guest's registers
// and calls hyp_guest_trap(); returning resumes the guest. What a delegated
// trap looks like from here: nothing at all. What an undelegated one looks
// like: an exit, counted below and then forwarded to the guest by hand
// (reflect.c), so the guest runs on either way and only the counts differ.
//
// At the guest's shutdown request the counts are printed as
//     FACT <nonce> exits_<cause> <count>
// and the grader wants zero for every cause the guest handles itself.
#include "hyp.h"
#include "minisbi.h"
#include "deleg_harness.h"

#define MAX_EXITS  100000    // an exit storm means a bug: stop, do not hang

static ulong exc_exits[CAUSE_MAX_EXCEPTION];
static ulong irq_exits[16];
static ulong total_exits, probe_ecalls;

// The causes whose exits the grader counts; all of them can be delegated.
static const struct {
	const char *fact;
	ulong cause;
	int irq;
} counted[] = {
	{ "exits_misaligned_fetch", CAUSE_MISALIGNED_FETCH, 0 },
	{ "exits_illegal_instruction", CAUSE_ILLEGAL_INSTRUCTION, 0 },
	{ "exits_breakpoint", CAUSE_BREAKPOINT, 0 },
	{ "exits_user_ecall", CAUSE_USER_ECALL, 0 },
	{ "exits_fetch_page_fault", CAUSE_FETCH_PAGE_FAULT, 0 },
	{ "exits_load_page_fault", CAUSE_LOAD_PAGE_FAULT, 0 },
	{ "exits_store_page_fault", CAUSE_STORE_PAGE_FAULT, 0 },
	{ "exits_vs_soft_irq", IRQ_VS_SOFT, 1 },
	{ "exits_vs_timer_irq", IRQ_VS_TIMER, 1 },
};

void exits_report(void)
{
	static int done;
	if (done++)
		return;
	printf("deleg: exits to the hypervisor: %lu in all, %lu VS ecalls (%lu probes)\n",
	       total_exits, exc_exits[CAUSE_VIRTUAL_SUPERVISOR_ECALL], probe_ecalls);
	for (ulong i = 0; i < ARRAY_SIZE(counted); i++) {
		ulong n = counted[i].irq ? irq_exits[counted[i].cause] : exc_exits[counted[i].cause];
		fact(counted[i].fact, "%lu", n);
	}
	if (test_is("deleg_breakpoint") || test_is(""))
		check("vs_ecalls_exit", probe_ecalls == deleg_count(CNT_PROBE_ECALL),
		      "the guest made %lu probe ecalls, %lu reached the hypervisor",
		      deleg_count(CNT_PROBE_ECALL), probe_ecalls);
	if (test_is("deleg_page_fault") || test_is(""))
		check("gstage_faults_exit", gstage_hole_faults() == deleg_count(CNT_GSTAGE_PF),
		      "the guest touched %lu hole pages, %lu guest-page faults reached the hypervisor",
		      deleg_count(CNT_GSTAGE_PF), gstage_hole_faults());
}

static NORETURN void exit_unexpected(struct trapframe *tf, const char *why)
{
	trap_dump(why, tf, 1);
	exits_report();
	hyp_shutdown(0);
}

// VS ecalls always exit (hedeleg bit 10 is read-only zero): the probe is
// answered here, everything else goes to the kit's stand-in SBI.
static void vs_ecall(struct trapframe *tf)
{
	ulong eid = tf->regs[REG_A7];
	if (eid == DELEG_PROBE_EID) {
		probe_ecalls++;
		tf->regs[REG_A0] = SBI_SUCCESS;
		tf->regs[REG_A1] = probe_ecalls;
		tf->sepc += 4;
		return;
	}
	if (eid == SBI_EXT_SRST || eid == SBI_EXT_LEGACY_SHUTDOWN)
		exits_report();              // last words before the guest stops us
	minisbi_handle(tf->regs, &tf->sepc);
}

// A VS interrupt that hideleg kept for HS (hie enables it in the harness).
// Nothing can forward it to the guest without delegation, so silence it.
static void vs_interrupt(struct trapframe *tf, ulong code)
{
	if (code == IRQ_VS_TIMER)
		csr_write(vstimecmp, ~0UL);    // Sstc: drops hip.VSTIP
	else if (code == IRQ_VS_SOFT)
		csr_clear(hvip, HVIP_VSSIP);
	else
		exit_unexpected(tf, "unexpected interrupt while the guest ran");
}

void hyp_guest_trap(struct trapframe *tf)
{
	if (++total_exits > MAX_EXITS)
		exit_unexpected(tf, "too many guest exits (a trap loop?)");
	ulong code = tf->scause & ~CAUSE_INTERRUPT;
	if (tf->scause & CAUSE_INTERRUPT) {
		if (code < ARRAY_SIZE(irq_exits))
			irq_exits[code]++;
		vs_interrupt(tf, code);
		return;
	}
	if (code >= CAUSE_MAX_EXCEPTION)
		exit_unexpected(tf, "guest exit with a reserved cause");
	exc_exits[code]++;
	if (code == CAUSE_VIRTUAL_SUPERVISOR_ECALL) {
		vs_ecall(tf);
		return;
	}
	if ((code == CAUSE_LOAD_GUEST_PAGE_FAULT || code == CAUSE_STORE_GUEST_PAGE_FAULT ||
	     code == CAUSE_FETCH_GUEST_PAGE_FAULT) && gstage_hole_fault(tf))
		return;
	if ((BIT(code) & GUEST_EXCEPTIONS) && reflect_to_guest(tf))
		return;
	exit_unexpected(tf, "unexpected guest exit");
}
