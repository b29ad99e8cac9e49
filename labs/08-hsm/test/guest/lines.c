// Lab 8 test guest: a hart's external interrupt line set from another
// hart, the legacy calls on a VM of several harts, a non-retentive
// suspend, and hart management on a VM of one hart.
#include "lab8guest.h"
#include "../lab8.h"

ulong legacy_mask[1];

// The harness's hypercall: drive hart `hartid`'s external interrupt line.
static long set_line(ulong hartid, ulong level)
{
	return sbi_ecall(SBI_EXT_RVHLAB_HYPERCALL, LAB8_HC_EXT_IRQ, hartid, level, 0, 0, 0,
			 0).error;
}

void lower_my_line(ulong hartid)
{
	set_line(hartid, 0);
}

static void take_external(ulong me)
{
	asm volatile("mv tp, %0" : : "r"(me));
	csr_write(stvec, (ulong)guest_trapvec);
	csr_set(sie, SIE_SEIE);
	csr_set(sstatus, SSTATUS_SIE);
}

static void no_external(void)
{
	csr_clear(sstatus, SSTATUS_SIE);
	csr_clear(sie, SIE_SEIE);
}

void extirq_secondary(int me)
{
	struct hart_rec *r = &g.rec[me];
	take_external((ulong)me);
	r->running = 1;
	ulong t0 = now_us();
	while (!g.release && now_us() - t0 < 2 * WAIT_US)
		;
	no_external();
	r->running = 0;
}

static void spin_us(ulong us)
{
	ulong t0 = now_us();
	while (now_us() - t0 < us)
		;
}

// Another hart raises the target's line: the target takes one external
// interrupt (its handler lowers the line: VSEIP must then be gone, or the
// handler would run again). Then the boot hart raises its own.
int test_ext_irq(void)
{
	ulong t = pick_target();
	struct hart_rec *r = &g.rec[idx_of(t)];
	g.mode = MODE_EXTIRQ;
	g.release = 0;
	long err = start_hart(t, opaque_for(t, 21));
	int ran = err == 0 && wait_for(&r->running, 1, WAIT_US);
	long up = ran ? set_line(t, 1) : -100;
	int came = ran && wait_for(&r->exts, 1, WAIT_US);
	spin_us(20000);                       // a line that stays up would come again
	ulong n = r->exts, boot = g.rec[0].exts;
	g.release = 1;
	check("ext_irq_remote", came && up == 0 && boot == 0,
	      "hart %lu's line raised from hart %lu (hypercall: %ld): %s; the boot hart took %lu "
	      "(want 0)", t, g.base, up, came ? "it took the interrupt" :
	      "no external interrupt arrived", boot);
	check("ext_irq_lowered", came && n == 1,
	      "hart %lu took %lu external interrupt(s) after its handler lowered the line (want "
	      "1: lowering the line must clear hvip.VSEIP)", t, n);
	take_external(0);
	long self = set_line(g.base, 1);
	// No other hart is involved: the line is applied at this vCPU's next
	// entry, so a quarter of the bound is still thousands of times enough.
	// A refused raise (the check fails on it anyway) is not waited for.
	int mine = self == 0 && wait_for(&g.rec[0].exts, 1, WAIT_US / 4);
	no_external();
	check("ext_irq_self", self == 0 && mine && g.rec[0].exts == 1,
	      "the boot hart raised its own line: %lu interrupt(s) (want 1)", g.rec[0].exts);
	if (ran)                        // a hart that never ran has nothing to stop
		wait_status(t, SBI_HSM_STATE_STOPPED, WAIT_US);
	return !(came && n == 1 && mine);
}

// SBI 5.5, 5.7 on several harts: the mask names another hart, which must
// be reached (lab 7's legacy extension passes the call on to lab 8's).
int test_legacy(void)
{
	ulong t = pick_target(), rounds = 3, done = 0;
	int ti = idx_of(t);
	g.mode = MODE_PINGPONG;
	g.rounds = rounds;
	csr_write(stvec, (ulong)guest_trapvec);
	csr_set(sie, SIE_SSIE);
	csr_set(sstatus, SSTATUS_SIE);
	long started = start_hart(t, opaque_for(t, 23)), err = 0;
	int ran = started == 0 && wait_for(&g.rec[ti].running, 1, WAIT_US);
	if (ran) {
		for (ulong round = 1; round <= rounds; round++) {
			legacy_mask[0] = 1UL << t;
			err = sbi_ecall(SBI_EXT_LEGACY_SEND_IPI, 0, (ulong)legacy_mask, 0, 0, 0, 0,
					0).error;
			if (err || !wait_for(&g.rec[ti].ipis, round, WAIT_US) ||
			    !wait_for(&g.rec[0].ipis, round, WAIT_US))
				break;
			done = round;
		}
	}
	csr_clear(sstatus, SSTATUS_SIE);
	csr_clear(sie, SIE_SSIE);
	check("legacy_ipi", done == rounds,
	      "%lu of %lu legacy send_ipi round trips to hart %lu (mask at 0x%lx; the call "
	      "returned %ld)", done, rounds, t, (ulong)legacy_mask, err);
	if (ran)
		wait_status(t, SBI_HSM_STATE_STOPPED, WAIT_US);
	return !(done == rounds && rfence_round(1));
}

// SBI 9.4, non-retentive: the hart resumes at resume_addr (here the same
// entry as a started hart: entry.S records a0, a1, satp, sstatus first)
// in MODE_RESUMED, its IPI still pending. If the call returns instead,
// that is recorded too.
void suspend_nr_secondary(int me)
{
	struct hart_rec *r = &g.rec[me];
	csr_set(sie, SIE_SSIE);
	g.mode = MODE_RESUMED;                // what the resumed hart will do
	r->running = 1;
	struct sbiret ret = sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND,
				      SBI_HSM_SUSPEND_NON_RETENTIVE,
				      (ulong)lab8_secondary_entry, opaque_for(g.base + me, 31),
				      0, 0, 0);
	g.susp_nr_ret = ret.error;            // not reached when it works
	csr_clear(sie, SIE_SSIE);
	r->done = 2;
}

int test_single(void)
{
	long self = sbi_hart_get_status(g.base);
	long again = start_hart(g.base, 1), other = start_hart(g.base + 1, 1);
	struct sbiret probe = sbi_ecall(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, SBI_EXT_HSM, 0, 0,
					0, 0, 0);
	return !check("hsm_single", self == SBI_HSM_STATE_STARTED &&
		      again == SBI_ERR_ALREADY_AVAILABLE && other == SBI_ERR_INVALID_PARAM &&
		      probe.error == 0 && probe.value != 0,
		      "one hart: probe(HSM) %ld, its own status %ld (STARTED = 0), hart_start of "
		      "itself %ld (ALREADY_AVAILABLE = -6), of hart %lu %ld (INVALID_PARAM = -3)",
		      probe.value, self, again, g.base + 1, other);
}
