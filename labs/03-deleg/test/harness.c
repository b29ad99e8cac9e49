// Lab 3 harness: set up the hart (lab 2), delegate (your deleg.c), then run
// the test guest and count what reaches the hypervisor (exits.c).
//
// Tests (the grader's test=... bootarg):
//   deleg_csrs        what hedeleg/hideleg read back after deleg_init()
//   deleg_breakpoint  ebreak in the guest; VS ecalls must still exit
//   deleg_illegal     illegal instructions in the guest
//   deleg_user_ecall  ecalls from the guest's own VU-mode program
//   deleg_page_fault  VS-stage page faults; guest-page faults must exit
//   deleg_soft_irq    the guest's self-IPI through its own sip.SSIP
//   deleg_timer       the guest's own Sstc timer (stimecmp)
#include "hyp.h"
#include "hypinit.h"
#include "vcpu.h"
#include "minisbi.h"
#include "deleg_harness.h"

static struct vcpu vcpu0;

int test_is(const char *name)
{
	return !strcmp(run_test(), name);
}

// One line per missing bit, named: "hedeleg bit 3 not set: breakpoint".
static void print_missing(const char *csr, ulong missing, ulong cause_flag)
{
	for (ulong i = 0; i < 64; i++)
		if (missing & BIT(i))
			printf("deleg: %s bit %lu not set: %s\n", csr, i, cause_name(cause_flag | i));
}

// WARL probe (Priv. 8.2.2): write all ones, see what sticks.
static void measure_writable(void)
{
	csr_write(hedeleg, ~0UL);
	csr_write(hideleg, ~0UL);
	printf("deleg: all ones written: hedeleg reads 0x%lx, hideleg reads 0x%lx\n",
	       csr_read(hedeleg), csr_read(hideleg));
	csr_write(hedeleg, 0);
	csr_write(hideleg, 0);
}

static int deleg_csrs_test(void)
{
	measure_writable();
	ulong he_want = hedeleg_bits(), hi_want = hideleg_bits();
	deleg_init();
	ulong he = csr_read(hedeleg), hi = csr_read(hideleg);
	printf("deleg: asked hedeleg=0x%lx hideleg=0x%lx, read back 0x%lx 0x%lx\n", he_want,
	       hi_want, he, hi);
	print_missing("hedeleg", GUEST_EXCEPTIONS & ~he, 0);
	print_missing("hideleg", GUEST_INTERRUPTS & ~hi, CAUSE_INTERRUPT);
	check("hedeleg_guest_exceptions", (he & GUEST_EXCEPTIONS) == GUEST_EXCEPTIONS,
	      "hedeleg=0x%lx lacks 0x%lx", he, GUEST_EXCEPTIONS & ~he);
	check("hideleg_vs_interrupts", (hi & GUEST_INTERRUPTS) == GUEST_INTERRUPTS,
	      "hideleg=0x%lx lacks 0x%lx", hi, GUEST_INTERRUPTS & ~hi);
	check("deleg_readback_exact", he == he_want && hi == hi_want && he && hi,
	      "asked hedeleg=0x%lx hideleg=0x%lx, read back 0x%lx 0x%lx (bits lost: 0x%lx 0x%lx)",
	      he_want, hi_want, he, hi, he_want & ~he, hi_want & ~hi);
	return 0;
}

int lab_main(ulong hartid, const void *dtb)
{
	struct hyp_caps caps = { 0, 0 };
	hyp_hart_init(&caps);
	if (test_is("deleg_csrs"))
		return deleg_csrs_test();
	deleg_init();
	printf("deleg: hedeleg=0x%lx hideleg=0x%lx\n", csr_read(hedeleg), csr_read(hideleg));
	// VS interrupts that hideleg does not delegate should interrupt us
	// (and be counted) instead of staying pending unseen (Priv. 8.2.3).
	csr_set(hie, HIE_VSSIE | HIE_VSTIE);
	if (test_is("deleg_page_fault") || test_is(""))
		gstage_hole_enable();
	guest_image_load(GUEST_BARE_BASE);
	vcpu_init(&vcpu0, guest_image_entry, hartid, (ulong)dtb);
	vcpu_launch(&vcpu0);
}
