// Lab 8 test guest: hart state management (SBI 9) as a guest kernel uses it.
#include "lab8guest.h"
#include "../lab8.h"

// All secondary harts, each with its own opaque; each checks its a0/a1.
int test_bringup(void)
{
	int up = 1, entry_ok = 1;
	long err[MAX_VCPUS];
	g.mode = MODE_RECORD;
	g.hello = 1;
	for (int i = 1; i < g.n; i++) {
		err[i] = start_hart(g.base + i, opaque_for(g.base + i, 0));
		if (err[i])
			printf("guest: hart_start(%lu) returned %ld\n", g.base + i, err[i]);
	}
	// One bound for all of them (they were all started above): a
	// hypervisor that never wakes a hart costs WAIT_US, not WAIT_US each.
	ulong t0 = now_us();
	for (int i = 1; i < g.n; i++) {
		struct hart_rec *r = &g.rec[i];
		ulong spent = now_us() - t0;
		if (err[i] || !wait_for(&r->starts, 1, spent < WAIT_US ? WAIT_US - spent : 0))
			continue;
		up++;
		// SBI 9.1: satp = 0 and sstatus.SIE = 0 at the start address.
		if (r->satp != 0 || (r->sstatus & SSTATUS_SIE)) {
			printf("guest: hart %lu started with satp 0x%lx sstatus 0x%lx\n",
			       r->hartid, r->satp, r->sstatus);
			entry_ok = 0;
		}
	}
	fact("harts_up", "%d", up);
	check("bringup_all", up == g.n, "%d of %d harts ran", up, g.n);
	// Only the harts that ran can be judged: a hart that never started
	// says nothing about the VS CSR reset (not judged, see bringup_all).
	if (!entry_ok)
		check("bringup_entry_state", 0, "a secondary hart started with satp != 0 or "
		      "sstatus.SIE = 1 (the guest's line above names it)");
	else
		check("bringup_entry_state", up == g.n, up == g.n ? "satp = 0, SIE = 0 on every "
		      "hart" : "not judged: %d of %d harts ran, and those started clean (see "
		      "bringup_all)", up, g.n);
	return !(up == g.n && entry_ok);
}

// One hart stops and is started again, each time with a new opaque.
int test_stopstart(void)
{
	ulong t = pick_target(), cycles = 3 + g.seed % 4, good = 0;
	struct hart_rec *r = &g.rec[idx_of(t)];
	g.mode = MODE_RECORD;
	for (ulong round = 1; round <= cycles; round++) {
		ulong before = r->starts, opaque = opaque_for(t, round);
		long err = start_hart(t, opaque);
		if (err) {
			printf("guest: round %lu: hart_start(%lu) returned %ld\n", round, t, err);
			break;
		}
		if (!wait_for(&r->starts, before + 1, WAIT_US)) {
			printf("guest: round %lu: hart %lu did not run\n", round, t);
			break;
		}
		if (r->hartid != t || r->opaque != opaque) {
			printf("guest: round %lu: hart %lu got a0 %lu a1 0x%lx (opaque 0x%lx)\n",
			       round, t, r->hartid, r->opaque, opaque);
			break;
		}
		if (!wait_status(t, SBI_HSM_STATE_STOPPED, WAIT_US)) {
			printf("guest: round %lu: hart %lu never became STOPPED (status %ld)\n",
			       round, t, sbi_hart_get_status(t));
			break;
		}
		good++;
	}
	check("stopstart_cycles", good == cycles, "%lu of %lu stop/start cycles of hart %lu",
	      good, cycles, t);
	return good != cycles;
}

// What another hart sees: STOPPED -> START_PENDING/STARTED -> STARTED -> STOPPED.
int test_status(void)
{
	ulong t = pick_target();
	struct hart_rec *r = &g.rec[idx_of(t)];
	int fails = 0;
	long s = sbi_hart_get_status(t);
	fails += !check("status_stopped_before", s == SBI_HSM_STATE_STOPPED,
			"hart %lu before hart_start: %ld (STOPPED = 1)", t, s);
	g.mode = MODE_HOLD;
	g.release = 0;
	long err = start_hart(t, opaque_for(t, 7));
	s = sbi_hart_get_status(t);
	fails += !check("status_after_start", err == 0 && (s == SBI_HSM_STATE_START_PENDING ||
							   s == SBI_HSM_STATE_STARTED),
			"hart_start %ld, then status %ld (START_PENDING = 2 or STARTED = 0)", err, s);
	int ran = err == 0 && wait_for(&r->running, 1, WAIT_US);
	s = sbi_hart_get_status(t);
	fails += !check("status_started", ran && s == SBI_HSM_STATE_STARTED,
			"hart %lu %s, status %ld (STARTED = 0)", t, ran ? "runs" : "never ran", s);
	s = sbi_hart_get_status(g.base);
	fails += !check("status_self", s == SBI_HSM_STATE_STARTED,
			"the calling hart's own status: %ld", s);
	g.release = 1;
	int stopped = ran && wait_status(t, SBI_HSM_STATE_STOPPED, WAIT_US);
	fails += !check("status_stopped_after", stopped,
			"after hart_stop, hart %lu is %ld", t, sbi_hart_get_status(t));
	long bad1 = sbi_hart_get_status(g.base + g.n), bad2 = sbi_hart_get_status(~0UL);
	fails += !check("status_invalid", bad1 == SBI_ERR_INVALID_PARAM &&
			bad2 == SBI_ERR_INVALID_PARAM,
			"get_status of harts %lu and -1: %ld, %ld (INVALID_PARAM = -3)",
			g.base + g.n, bad1, bad2);
	return fails;
}

// Guest-physical addresses with nothing behind them in lab 8's VM, which
// maps only its RAM (at 0x80000000): low memory, and a page above 4 GiB
// that moves with the seed.
#define NOTHING_LOW   0x1000UL
#define NOTHING_HIGH  (0x100000000UL + (g.seed & 0xfff000UL))

// SBI 9.1's errors: no such hart, a hart that is already running, a start
// address the hart could not execute.
int test_errors(void)
{
	ulong t = pick_target();
	int fails = 0;
	long e1 = start_hart(g.base + g.n, 1), e2 = start_hart(~0UL, 1);
	long e3 = g.base ? start_hart(g.base - 1, 1) : SBI_ERR_INVALID_PARAM;
	fails += !check("start_invalid", e1 == SBI_ERR_INVALID_PARAM &&
			e2 == SBI_ERR_INVALID_PARAM && e3 == SBI_ERR_INVALID_PARAM,
			"hart_start of harts %lu, -1, base-1: %ld, %ld, %ld (INVALID_PARAM = -3)",
			g.base + g.n, e1, e2, e3);
	long e4 = start_hart(g.base, 1);
	fails += !check("start_self_available", e4 == SBI_ERR_ALREADY_AVAILABLE,
			"hart_start of the calling hart: %ld (ALREADY_AVAILABLE = -6)", e4);
	g.mode = MODE_HOLD;
	g.release = 0;
	long e5 = start_hart(t, opaque_for(t, 9));
	int ran = e5 == 0 && wait_for(&g.rec[idx_of(t)].running, 1, WAIT_US);
	long e6 = start_hart(t, opaque_for(t, 10));
	fails += !check("start_started_available", ran && e6 == SBI_ERR_ALREADY_AVAILABLE,
			"hart %lu: first start %ld (%s), second %ld (ALREADY_AVAILABLE = -6)",
			t, e5, ran ? "it runs" : "it never ran", e6);
	g.release = 1;
	if (ran)
		wait_status(t, SBI_HSM_STATE_STOPPED, WAIT_US);
	// Last: a hypervisor that accepts these starts a vCPU whose first
	// fetch faults, and its run loop may end the whole VM.
	long a1 = sbi_hart_start(t, NOTHING_LOW, 1), a2 = sbi_hart_start(t, NOTHING_HIGH, 1);
	long st = sbi_hart_get_status(t);
	fails += !check("start_bad_address", a1 == SBI_ERR_INVALID_ADDRESS &&
			a2 == SBI_ERR_INVALID_ADDRESS && st == SBI_HSM_STATE_STOPPED,
			"hart_start of hart %lu at 0x%lx and 0x%lx: %ld, %ld (INVALID_ADDRESS = -5), "
			"then its status %ld (STOPPED = 1)", t, NOTHING_LOW, NOTHING_HIGH, a1, a2, st);
	// Mapped (the guest can read it), but the G-stage leaf has no X.
	ulong seen = *(volatile ulong *)LAB8_NOEXEC_GPA;
	long a3 = sbi_hart_start(t, LAB8_NOEXEC_GPA, 1);
	st = sbi_hart_get_status(t);
	fails += !check("start_noexec", a3 == SBI_ERR_INVALID_ADDRESS &&
			st == SBI_HSM_STATE_STOPPED,
			"hart_start of hart %lu at 0x%lx, mapped R|W but not X (it reads 0x%lx): %ld "
			"(INVALID_ADDRESS = -5), then its status %ld (STOPPED = 1)", t,
			LAB8_NOEXEC_GPA, seen, a3, st);
	return fails;
}
