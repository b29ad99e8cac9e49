// legacy.c: the other legacy calls (SBI 5.4-5.9) and System Reset (SBI 10).
#include "lab7guest.h"

#define IPI_RUNAWAY   20
#define VA_UNMAPPED(seed)  (0x40000000UL + (((seed) & 0xfff) << 3))

static volatile ulong soft_irqs;
static volatile long clear_in_handler = -99;

// The VS software interrupt (hvip.VSSIP, delegated by hideleg.VSSI): the
// guest sees its supervisor software interrupt, code 1.
void soft_irq(struct trapframe *tf)
{
	UNUSED(tf);
	if (++soft_irqs >= IPI_RUNAWAY)
		csr_clear(sie, SIE_SSIE);
	clear_in_handler = sbi0(SBI_EXT_LEGACY_CLEAR_IPI, seed).error;
}

// A fault at the ecall, redirected by the SBI (SBI 5): record it, skip it.
static volatile int fault_armed;
static volatile ulong fault_cause, fault_tval, fault_insn;

int legacy_fault(struct trapframe *tf)
{
	if (!fault_armed || (tf->scause != CAUSE_LOAD_PAGE_FAULT &&
			     tf->scause != CAUSE_LOAD_ACCESS))
		return 0;
	fault_armed = 0;
	fault_cause = tf->scause;
	fault_tval = tf->stval;
	fault_insn = *(volatile u32 *)tf->sepc;
	tf->sepc += 4;
	return 1;
}

// Hart masks are virtual addresses (SBI 5.5). The mask is passed as the
// virtual address a inside a swapped frame: read through the guest's page
// table it has our bit; the guest-PHYSICAL address a (a wrong reading)
// holds a mask without it.
static ulong mask_va;

static void masks_setup(ulong hartid)
{
	paging_on();
	ulong a = frames_pa() + 8 * (seed % 64);
	mask_va = a;
	*(volatile ulong *)a = 1UL << (hartid % 64);     // virtual a
	*(volatile ulong *)swap_va(a) = 0;               // physical a
}

static void test_ipi(void)
{
	ulong junk = SEEDED(0xa1, seed);
	csr_set(sie, SIE_SSIE);
	csr_set(sstatus, SSTATUS_SIE);
	struct sbiret r = sbi_ecall(SBI_EXT_LEGACY_SEND_IPI, seed, mask_va, junk, 0, 0, 0, 0);
	for (int i = 0; i < 1000 && !soft_irqs; i++)
		;
	csr_clear(sstatus, SSTATUS_SIE);
	long again = sbi0(SBI_EXT_LEGACY_CLEAR_IPI, 0).error;
	t_check("legacy_ipi", r.error == 0 && (ulong)r.value == junk && soft_irqs == 1,
		"send_ipi to myself (mask at virtual 0x%lx): a0 %ld, a1 %s, %lu software "
		"interrupts (expected 1)", mask_va, r.error,
		(ulong)r.value == junk ? "kept" : "CHANGED", soft_irqs);
	t_check("legacy_clear_ipi", soft_irqs == 1 && clear_in_handler > 0 && again == 0,
		"clear_ipi: %ld while the IPI was pending (expected > 0), %ld afterwards "
		"(expected 0)", clear_in_handler, again);
	csr_clear(sie, SIE_SSIE);
}

static void test_fences(void)
{
	ulong junk = SEEDED(0xf0, seed);
	struct sbiret r[3] = {
		sbi_ecall(SBI_EXT_LEGACY_REMOTE_FENCE_I, 0, mask_va, junk, 0, 0, 0, 0),
		sbi_ecall(SBI_EXT_LEGACY_REMOTE_SFENCE_VMA, 0, mask_va, junk, PAGE_SIZE, 0, 0, 0),
		sbi_ecall(SBI_EXT_LEGACY_REMOTE_SFENCE_VMA_ASID, 0, mask_va, junk, 0, seed & 0xff, 0,
			  0),
	};
	int ok = 1;
	for (int i = 0; i < 3; i++)
		ok &= r[i].error == 0 && (ulong)r[i].value == junk;
	t_check("legacy_fences", ok, "remote fence.i / sfence.vma / sfence.vma_asid: a0 %ld %ld "
		"%ld (expected 0), a1 must stay unchanged", r[0].error, r[1].error, r[2].error);
}

// SBI 5: a fault while the SBI reads the caller's memory is the caller's,
// with sepc at its ecall.
static void test_fault(void)
{
	ulong bad = VA_UNMAPPED(seed);
	fault_armed = 1;
	struct sbiret r = sbi_ecall(SBI_EXT_LEGACY_SEND_IPI, 0, bad, 0, 0, 0, 0, 0);
	int taken = !fault_armed;
	fault_armed = 0;
	if (taken)
		t_line("guest: the SBI redirected a fault to me: scause %lu, stval 0x%lx", fault_cause,
		       fault_tval);
	t_check("legacy_fault", taken && fault_tval == bad && fault_insn == 0x00000073,
		"send_ipi with an unmapped mask 0x%lx: %s (a0 %ld)", bad,
		!taken ? "no fault reached my vstvec" : "fault with the wrong stval or sepc",
		r.error);
}

void test_legacy(void)
{
	masks_setup(guest_hartid);
	test_ipi();
	test_fences();
	test_fault();
}

// ---------------------------------------------------------------- SRST
// SBI 10.1: reserved types and reasons are invalid, vendor types are valid
// but not implemented here.
static void srst_bad_calls(void)
{
	ulong type = 3 + seed % 0x1000, reason = 2 + (seed >> 12) % 0x1000;
	long e1 = sbi3(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, type, 0, 0).error;
	long e2 = sbi3(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, 0, reason, 0).error;
	t_check("srst_invalid", e1 == SBI_ERR_INVALID_PARAM && e2 == SBI_ERR_INVALID_PARAM,
		"reserved reset_type 0x%lx gave %ld, reserved reason 0x%lx gave %ld (expected -3)",
		type, e1, reason, e2);
	long e3 = sbi3(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, 0xF0000000UL | (seed & 0xff), 0, 0).error;
	t_check("srst_vendor", e3 == SBI_ERR_NOT_SUPPORTED && e1 == SBI_ERR_INVALID_PARAM,
		"vendor reset_type: expected -2, got %ld", e3);
}

static void srst(ulong type, ulong reason)
{
	long err = sbi3(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, type, reason, 0).error;
	t_check("srst_no_return", 0, "SRST system_reset(%lu, %lu) returned %ld: the VM should "
		"have stopped", type, reason, err);
	t_done(0);
}

void test_srst_shutdown(void)
{
	srst_bad_calls();
	srst(SBI_SRST_TYPE_SHUTDOWN, SBI_SRST_REASON_NONE);
}

void test_srst_failure(void)
{
	srst(SBI_SRST_TYPE_SHUTDOWN, SBI_SRST_REASON_FAILURE);
}

void test_srst_reboot(void)
{
	srst(SBI_SRST_TYPE_COLD_REBOOT, SBI_SRST_REASON_NONE);
}

void test_legacy_shutdown(void)
{
	long a0 = sbi0(SBI_EXT_LEGACY_SHUTDOWN, seed).error;
	t_check("srst_no_return", 0, "legacy shutdown returned %ld: the VM should have stopped",
		a0);
	t_done(0);
}
