// Lab 8 test guest: IPIs (SBI 7) and a retentive suspend (SBI 9.4).
//
// An IPI arrives as the guest's supervisor software interrupt (sip.SSIP,
// really hvip.VSSIP set by the hypervisor on the target's hart). Harts that
// take them point stvec at the runtime's guest_trapvec; guest_trap() below
// counts them per hart (tp = the hart's index, set at its start).
#include "lab8guest.h"

#define SCAUSE_SOFT_IRQ  (CAUSE_INTERRUPT | IRQ_S_SOFT)
#define SCAUSE_EXT_IRQ   (CAUSE_INTERRUPT | IRQ_S_EXT)

void guest_trap(struct trapframe *tf)
{
	ulong me = tf->regs[REG_TP];
	if (tf->scause == SCAUSE_SOFT_IRQ) {
		csr_clear(sip, SIP_SSIP);         // acknowledge (SBI 7: the supervisor clears it)
		if (me < MAX_VCPUS)
			g.rec[me].ipis++;
		return;
	}
	if (tf->scause == SCAUSE_EXT_IRQ && me < MAX_VCPUS) {
		// The "device" is served: its line drops (test ext_irq, lines.c).
		lower_my_line(g.base + me);
		g.rec[me].exts++;
		return;
	}
	printf("guest: unexpected trap: scause 0x%lx (%s) sepc 0x%lx stval 0x%lx\n",
	       tf->scause, cause_name(tf->scause), tf->sepc, tf->stval);
	guest_exit(0);
}

static void take_ipis(void)
{
	csr_write(stvec, (ulong)guest_trapvec);
	csr_set(sie, SIE_SSIE);
	csr_set(sstatus, SSTATUS_SIE);
}

static void no_ipis(void)
{
	csr_clear(sstatus, SSTATUS_SIE);
	csr_clear(sie, SIE_SSIE);
}

// The other end: one IPI back to the boot hart for each one received.
void pingpong_secondary(int me)
{
	struct hart_rec *r = &g.rec[me];
	ulong answered = 0, t0 = now_us();
	take_ipis();
	r->running = 1;
	while (answered < g.rounds && now_us() - t0 < 4 * WAIT_US) {
		if (r->ipis > answered) {
			answered++;
			sbi_send_ipi(1, g.base);      // mask bit 0, base = boot hart
		}
	}
	no_ipis();
	r->done = 1;
}

int test_ipi(void)
{
	ulong t = pick_target(), rounds = 8 + g.seed % 17, done = 0;
	int ti = idx_of(t);
	long err = 0;
	g.mode = MODE_PINGPONG;
	g.rounds = rounds;
	take_ipis();
	long started = start_hart(t, opaque_for(t, 3));
	if (started == 0 && wait_for(&g.rec[ti].running, 1, WAIT_US)) {
		for (ulong round = 1; round <= rounds; round++) {
			// Both encodings of "hart t" (SBI 3): a bit relative to the
			// base hart id, or bit 0 with base = t itself.
			err = round & 1 ? sbi_send_ipi(1UL << ti, g.base) : sbi_send_ipi(1, t);
			if (err || !wait_for(&g.rec[ti].ipis, round, WAIT_US) ||
			    !wait_for(&g.rec[0].ipis, round, WAIT_US))
				break;
			done = round;
		}
	}
	no_ipis();
	check("ipi_pingpong", done == rounds,
	      "%lu of %lu IPI round trips between harts %lu and %lu (hart_start %ld, send_ipi %ld)",
	      done, rounds, g.base, t, started, err);
	long bad = sbi_send_ipi(1UL << g.n, g.base);
	check("ipi_invalid", bad == SBI_ERR_INVALID_PARAM,
	      "send_ipi to hart %lu (none): %ld (INVALID_PARAM = -3)", g.base + g.n, bad);
	return done != rounds || bad != SBI_ERR_INVALID_PARAM;
}

// SBI 9.4: a retentive suspend returns (error 0) once an interrupt is
// pending, here the boot hart's IPI. SIE stays 0: the IPI is not taken,
// just left pending for us to see.
void suspend_secondary(int me)
{
	struct hart_rec *r = &g.rec[me];
	csr_set(sie, SIE_SSIE);
	r->running = 1;
	struct sbiret ret = sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, 0, 0, 0, 0, 0, 0);
	g.susp_after_send = g.ipi_sent;
	g.susp_pending = csr_read(sip) & SIP_SSIP;
	g.susp_status = sbi_hart_get_status(g.base + me);
	g.susp_ret = ret.error;
	csr_clear(sip, SIP_SSIP);
	csr_clear(sie, SIE_SSIE);
	asm volatile("fence rw, rw" ::: "memory");
	r->done = 1;
}

int test_suspend(void)
{
	ulong t = pick_target();
	struct hart_rec *r = &g.rec[idx_of(t)];
	g.mode = MODE_SUSPEND;
	long err = start_hart(t, opaque_for(t, 5));
	int ran = err == 0 && wait_for(&r->running, 1, WAIT_US);
	int suspended = ran && wait_status(t, SBI_HSM_STATE_SUSPENDED, WAIT_US);
	check("suspend_state", suspended, "hart %lu %s; its status: %ld (SUSPENDED = 4)", t,
	      ran ? "called hart_suspend" : "never ran", sbi_hart_get_status(t));
	g.ipi_sent = 1;
	asm volatile("fence rw, rw" ::: "memory");
	long ipi = ran ? sbi_send_ipi(1, t) : -1;
	int woke = ran && wait_for(&r->done, 1, WAIT_US);
	check("suspend_wakes", suspended && woke && g.susp_ret == 0 && g.susp_after_send &&
	      g.susp_pending,
	      "after send_ipi (%ld) hart_suspend %s: error %ld, SSIP %s, IPI sent before: %s",
	      ipi, woke ? "returned" : "did not return", woke ? g.susp_ret : 0,
	      g.susp_pending ? "pending" : "not pending", g.susp_after_send ? "yes" : "no");
	check("suspend_resumed_state", woke && g.susp_status == SBI_HSM_STATE_STARTED,
	      "the hart's own status after the suspend: %ld (STARTED = 0)",
	      woke ? g.susp_status : -100);
	int retentive = suspended && woke && g.susp_ret == 0 &&
			g.susp_status == SBI_HSM_STATE_STARTED;
	if (ran)                        // a hart that never ran has nothing to stop
		wait_status(t, SBI_HSM_STATE_STOPPED, WAIT_US);
	return !(retentive && test_suspend_nonretentive(t));
}

// SBI 9.4, the non-retentive type: the hart resumes at resume_addr like a
// started hart (a0 = hart id, a1 = opaque, satp = 0, SIE = 0), with the
// interrupt that woke it still pending. A resume_addr it could not execute
// is SBI_ERR_INVALID_ADDRESS (checked on the boot hart: it does not
// suspend then).
int test_suspend_nonretentive(ulong t)
{
	struct hart_rec *r = &g.rec[idx_of(t)];
	ulong opaque = opaque_for(t, 31);
	long bad = sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, SBI_HSM_SUSPEND_NON_RETENTIVE,
			     0x1000, 1, 0, 0, 0).error;
	check("suspend_bad_resume", bad == SBI_ERR_INVALID_ADDRESS,
	      "non-retentive hart_suspend with resume_addr 0x1000 (nothing there): %ld "
	      "(INVALID_ADDRESS = -5)", bad);
	r->running = r->done = 0;
	g.susp_nr_ret = -100;
	g.mode = MODE_SUSPEND_NR;
	long err = start_hart(t, opaque_for(t, 30));
	int ran = err == 0 && wait_for(&r->running, 1, WAIT_US);
	int suspended = ran && wait_status(t, SBI_HSM_STATE_SUSPENDED, WAIT_US);
	long ipi = suspended ? sbi_send_ipi(1, t) : -100;
	int back = ran && wait_for(&r->done, 1, WAIT_US);
	int resumed = back && r->done == 1 && r->hartid == t && r->opaque == opaque &&
		      r->satp == 0 && !(r->sstatus & SSTATUS_SIE) && (r->resumed_sip & SIP_SSIP);
	check("suspend_nonretentive", resumed,
	      "hart %lu %s; after send_ipi (%ld): %s", t,
	      suspended ? "was SUSPENDED" : "never became SUSPENDED", ipi,
	      !back ? "it never came back" :
	      r->done == 2 ? "the call returned (it must resume at resume_addr)" :
	      r->hartid != t || r->opaque != opaque ? "resumed with the wrong a0/a1" :
	      r->satp || (r->sstatus & SSTATUS_SIE) ? "resumed with satp or SIE not 0" :
	      !(r->resumed_sip & SIP_SSIP) ? "resumed, but the IPI that woke it is not pending" :
	      "resumed at resume_addr, a0/a1/satp/SIE right, SSIP pending");
	if (back && r->done == 2)
		printf("guest: the non-retentive hart_suspend returned %ld\n", g.susp_nr_ret);
	if (ran)
		wait_status(t, SBI_HSM_STATE_STOPPED, WAIT_US);
	return resumed && bad == SBI_ERR_INVALID_ADDRESS;
}
