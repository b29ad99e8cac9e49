// Lab 2 harness, part 2: the guest-exit hook. The kit's guest_trapvec
// (common/hyp/trapvec.S) saves the guest's registers in a trapframe and
// calls hyp_guest_trap(tf); returning resumes the guest from the frame.
// Lab 4 replaces this path with your own world switch.
//
// Every exit is classified here, and the checks that need the guest's side
// of the story are made: where the guest was when it trapped, which a0/a1
// it started with, whether its rdtime exited.
#include "hyp.h"
#include "minisbi.h"
#include "lab2test.h"

// CSR numbers (Priv. 2.2, table 2.1-2.5) the decoder recognizes.
#define CSR_NUM_HSTATUS  0x600
#define CSR_NUM_TIME     0xc01

// Fields of a 32-bit SYSTEM instruction (ISA vol. I, "Zicsr").
#define OPCODE_SYSTEM    0x73
#define FUNCT3_CSRRS     2

static struct lab2_expect expect;

static struct {
	ulong exits;           // guest exits so far
	ulong rdtime_exits;    // rdtime reads the harness emulated
	ulong rdtime_not_vs;   // ...of which did not come from VS-mode
	ulong mark_exits;      // rdtime_exits when the guest said MARK
	ulong mark_time;       // the guest's time at the MARK call
	ulong emulated;        // the last value handed back for rdtime
} seen;

void exits_arm(const struct lab2_expect *e)
{
	expect = *e;
	memset(&seen, 0, sizeof(seen));
}

// What the guest reads as time: the host's plus htimedelta (Priv. 8.2.7).
static ulong guest_time(void)
{
	return rdtime() + expect.timedelta;
}

// Where the guest was when it trapped: hstatus.SPV holds V, sstatus.SPP
// the privilege (Priv. 8.6.2, trap entry).
static int from_vs(const struct trapframe *tf)
{
	return (tf->hstatus & HSTATUS_SPV) && (tf->sstatus & SSTATUS_SPP);
}

static const char *mode_name(const struct trapframe *tf)
{
	if (!(tf->hstatus & HSTATUS_SPV))
		return "HS (hstatus.SPV=0)";
	return tf->sstatus & SSTATUS_SPP ? "VS" : "VU (sstatus.SPP=0)";
}

static void check_first_exit(const struct trapframe *tf)
{
	check("guest_entered_vs", from_vs(tf) && tf->scause == CAUSE_VIRTUAL_SUPERVISOR_ECALL,
	      "first exit: scause=%lu (%s) from %s; want an ecall (10) from VS", tf->scause,
	      cause_name(tf->scause), mode_name(tf));
}

// ---- the guest's reports (LAB2_TEST_EID) -------------------------------------

static void report_args(ulong a0, ulong a1)
{
	printf("csr: the guest started with a0=0x%lx a1=0x%lx\n", a0, a1);
	check("guest_a0_hartid", a0 == expect.hartid,
	      "guest_main got a0=0x%lx; the vCPU was started for hart %lu", a0, expect.hartid);
	check("guest_a1_dtb", a1 == expect.dtb,
	      "guest_main got a1=0x%lx; the device tree is at 0x%lx", a1, expect.dtb);
}

static void report_time(ulong got)
{
	ulong now = guest_time();
	ulong n = seen.rdtime_exits - seen.mark_exits;
	printf("csr: the guest read time %lu (%lu rdtime exit(s))\n", got, n);
	if (!strcmp(run_test(), "rdtime_trapped")) {
		check("rdtime_trapped", n == 1 && seen.rdtime_not_vs == 0 && got == seen.emulated,
		      "%lu rdtime exit(s) (%lu not from VS), want 1 from VS; guest read %lu, "
		      "harness gave %lu", n, seen.rdtime_not_vs, got, seen.emulated);
		return;
	}
	int in_window = got >= seen.mark_time && got <= now;
	check("rdtime_direct", n == 0 && in_window,
	      "%lu rdtime exit(s), want 0 (hcounteren.TM); read %lu, window [%lu, %lu]", n, got,
	      seen.mark_time, now);
}

static void test_call(struct trapframe *tf)
{
	ulong *r = tf->regs;
	switch (r[REG_A6]) {
	case LAB2_FID_ARGS:
		report_args(r[REG_A0], r[REG_A1]);
		break;
	case LAB2_FID_MARK:
		seen.mark_exits = seen.rdtime_exits;
		seen.mark_time = guest_time();
		break;
	case LAB2_FID_TIME:
		report_time(r[REG_A0]);
		break;
	}
	r[REG_A0] = SBI_SUCCESS;
	r[REG_A1] = 0;
	tf->sepc += 4;               // ecall is 4 bytes
}

// ---- virtual-instruction exits (scause 22) -------------------------------------

// The instruction at the guest's pc. In labs 2-3 vsatp = 0 and hgatp is
// Bare, so that pc is also a host physical address and can be read
// directly (two halves: it may be only 2-byte aligned). htinst does not
// help: QEMU 7.2 always writes 0 there.
static u32 guest_insn(ulong pc)
{
	const volatile u16 *p = (const volatile u16 *)pc;
	return p[0] | (u32)p[1] << 16;
}

static ulong on_hstatus_read(const struct trapframe *tf)
{
	check("h_csr_virtual_insn", from_vs(tf),
	      "csrr hstatus exited with cause 22 from %s; want VS", mode_name(tf));
	printf("csr: the guest's csrr hstatus exited (virtual instruction) from %s\n",
	       mode_name(tf));
	return lab2_csr_token(run_seed());
}

static ulong on_rdtime(const struct trapframe *tf)
{
	seen.rdtime_exits++;
	if (!from_vs(tf))
		seen.rdtime_not_vs++;
	seen.emulated = guest_time();
	printf("csr: the guest's rdtime exited (virtual instruction) from %s: emulated\n",
	       mode_name(tf));
	return seen.emulated;
}

// Only `csrr rd, hstatus` and `rdtime rd` (both CSRRS rd, csr, x0) are
// expected. Returns 1 when handled: rd written, sepc past the instruction.
static int virtual_insn(struct trapframe *tf)
{
	u32 insn = guest_insn(tf->sepc);
	ulong rd = (insn >> 7) & 31, rs1 = (insn >> 15) & 31, csr = insn >> 20;
	if ((insn & 0x7f) != OPCODE_SYSTEM || ((insn >> 12) & 7) != FUNCT3_CSRRS || rs1 != 0)
		return 0;
	ulong val;
	if (csr == CSR_NUM_HSTATUS)
		val = on_hstatus_read(tf);
	else if (csr == CSR_NUM_TIME)
		val = on_rdtime(tf);
	else
		return 0;
	if (rd)
		tf->regs[rd] = val;
	tf->sepc += 4;
	return 1;
}

void hyp_guest_trap(struct trapframe *tf)
{
	if (++seen.exits == 1)
		check_first_exit(tf);
	switch (tf->scause) {
	case CAUSE_VIRTUAL_SUPERVISOR_ECALL:
		if (tf->regs[REG_A7] == LAB2_TEST_EID)
			test_call(tf);
		else
			minisbi_handle(tf->regs, &tf->sepc);
		return;
	case CAUSE_VIRTUAL_INSTRUCTION:
		if (virtual_insn(tf))
			return;
		break;
	}
	trap_dump("unexpected guest exit", tf, 1);
	hyp_shutdown(0);
}
