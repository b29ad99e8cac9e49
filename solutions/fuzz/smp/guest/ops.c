// ops.c: the SMP fuzz guest's operations. Each draws its arguments from
// the hart's own seeded stream, makes one SBI call (or waits, or changes
// its interrupt enables) and checks the answer against the SBI spec:
// chapter 9 (HSM), 7 (IPI), 8 (RFENCE) and 5 (the legacy calls). Where the
// answer depends on a race with another hart (hart_start of a hart that
// another one may start or stop at the same moment), every answer the
// spec allows for one of the possible orders is accepted.
#include "smpfuzz.h"

#define RAM_END        (GUEST_RAM_GPA + FUZZ_SMP_RAM_SIZE)
#define HART_MASK_ALL  (~0UL)            // SBI 3: hart_mask_base = -1: every hart
#define BITS           64

// ---- addresses and hart ids of every kind ----------------------------------------
// QEMU virt's devices (the real ones: the guest's G-stage maps none of them).
static const ulong devices[] = { 0x100000, 0x2000000, 0xc000000, 0x10000000, 0x10001000 };

// Guest-physical addresses with nothing behind them: below RAM (devices
// included), past RAM, the top of Sv39x4's 41-bit space, beyond it.
static ulong unmapped_addr(struct hart *h)
{
	switch (below(h, 6)) {
	case 0:  return below(h, GUEST_RAM_GPA);
	case 1:  return devices[below(h, ARRAY_SIZE(devices))] + below(h, 0x1000);
	case 2:  return RAM_END + below(h, 256UL << 20);
	case 3:  return (1UL << 41) - 1 - below(h, 1UL << 30);
	case 4:  return rnd(h) | (1UL << 41);
	default: return GUEST_RAM_GPA - 2 * (1 + below(h, 64));
	}
}

static int exists(ulong hartid)
{
	return hartid - g.base < (ulong)g.n;
}

// A hart id the VM does not have: just past the last one, below the base,
// -1 and its neighbours, huge, anything.
static ulong no_hart(struct hart *h)
{
	ulong id;
	switch (below(h, 5)) {
	case 0:  id = g.base + (ulong)g.n + below(h, 8); break;
	case 1:  id = g.base - 1 - below(h, 4); break;     // wraps to huge when base is small
	case 2:  id = ~0UL - below(h, 4); break;
	case 3:  id = rnd(h) | (1UL << 63); break;
	default: id = rnd(h) >> below(h, 64); break;
	}
	return exists(id) ? g.base + (ulong)g.n : id;
}

// Another secondary hart than me, or -1 if there is none.
static int other_hart(struct hart *h, int me)
{
	int choices = g.n - 1 - (me != 0);
	if (choices <= 0)
		return -1;
	int k = 1 + (int)below(h, (ulong)choices);
	return me != 0 && k >= me ? k + 1 : k;
}

// ---- hart masks (SBI 3) ----------------------------------------------------------
struct mask {
	ulong mask, base;
	int valid;          // every hart it names exists
	ulong targets;      // bit i: vCPU i is named
};

// The rule the guest expects: base -1 is every hart; otherwise bit i names
// hart base + i, which must exist, without wrapping around.
static void mask_decode(struct mask *m)
{
	m->valid = 1;
	m->targets = 0;
	if (m->base == HART_MASK_ALL) {
		m->targets = (1UL << g.n) - 1;
		return;
	}
	for (int i = 0; i < BITS; i++) {
		if (!(m->mask & (1UL << i)))
			continue;
		ulong id = m->base + (ulong)i;
		if (id < m->base || !exists(id)) {
			m->valid = 0;
			return;
		}
		m->targets |= 1UL << (id - g.base);
	}
}

static void random_mask(struct hart *h, struct mask *m)
{
	ulong j = below(h, (ulong)g.n);
	switch (below(h, 10)) {
	case 0:  m->base = HART_MASK_ALL, m->mask = rnd(h); break;
	case 1: case 2: case 3:
		 m->base = g.base + j, m->mask = rnd(h) & ((1UL << (g.n - j)) - 1); break;
	case 4:  m->base = g.base + j, m->mask = (rnd(h) & 0xff) | 1; break;
	case 5:  m->base = g.base + j, m->mask = 1UL << below(h, BITS); break;
	case 6:  m->base = rnd(h), m->mask = 0; break;
	case 7:  m->base = rnd(h) >> below(h, BITS), m->mask = rnd(h) | 1; break;
	case 8:  {   // base + bit wraps around onto a hart that exists
		ulong k = below(h, 32), bit = 2 + k + g.base + j;
		m->base = HART_MASK_ALL - 1 - k;
		m->mask = (bit < BITS ? 1UL << bit : 1) | (chance(h, 2) ? rnd(h) : 0);
		break;
	}
	default: m->base = g.base - 1 - below(h, 3), m->mask = rnd(h) & 0xff; break;
	}
	mask_decode(m);
}

// Interrupt enables, for the IPIs the caller sends itself.
static int ssi_enabled(void)
{
	return (csr_read(sstatus) & SSTATUS_SIE) && (csr_read(sie) & SIE_SSIE);
}

// Take sip.SSIP if it is pending (csrrc: no interrupt can come in between).
static int ssip_take(struct hart *h)
{
	ulong old;
	asm volatile("csrrc %0, sip, %1" : "=r"(old) : "r"(SIP_SSIP) : "memory");
	if (old & SIP_SSIP)
		atomic_add(&h->ipi_got, 1);
	return (old & SIP_SSIP) != 0;
}

// An IPI this hart sent itself is there when the call returns (the
// hypervisor raises VSSIP before it resumes us): taken at once if enabled,
// pending otherwise.
static void self_ipi_check(struct hart *h, ulong ssi_before, const char *how)
{
	int ok = ssi_enabled() ? h->ssi != ssi_before : ssip_take(h);
	expect(h, INV_IPI_SELF, ok, "%s to itself: no software interrupt %s", how,
	       ssi_enabled() ? "taken" : "pending");
}

static void count_sent(ulong targets)
{
	for (int t = 0; t < g.n; t++)
		if (targets & (1UL << t))
			atomic_add(&g.ipi_sent[t], 1);
}

// ---- HSM (SBI 9) ---------------------------------------------------------------
// hart_start of another hart, itself, the boot hart (which never stops) or
// a hart that does not exist; in the sled (valid, 2-byte aligned), at an
// odd address in it, or at an address with nothing behind it. SBI 9.1:
// INVALID_PARAM for no such hart, ALREADY_AVAILABLE unless it is STOPPED,
// INVALID_ADDRESS when the address cannot be executed (nothing there, no
// X in the G-stage, or odd: no instruction starts there); the spec does
// not order the checks, so two of them may both be right.
static void op_start(struct hart *h, int me)
{
	ulong k = below(h, 10);
	int t = k < 5 ? other_hart(h, me) : k == 5 ? me : k == 6 ? 0 : -1;
	if (k < 5 && t < 0)
		t = 0;
	ulong hart = t >= 0 ? g.base + (ulong)t : no_hart(h);
	int good = !chance(h, 3);
	ulong addr = good ? entry_addr(h) : chance(h, 4) ? entry_addr(h) | 1 : unmapped_addr(h);
	ulong opaque = t >= 0 ? opaque_for(h, t) : rnd(h);
	long err = sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_START, hart, addr, opaque, rnd(h), rnd(h),
			     rnd(h)).error;
	int ok, bad_addr = !good && err == SBI_ERR_INVALID_ADDRESS;
	if (t < 0)
		ok = err == SBI_ERR_INVALID_PARAM || bad_addr;
	else if (t == me || t == 0)
		ok = err == SBI_ERR_ALREADY_AVAILABLE || bad_addr;
	else
		ok = err == SBI_ERR_ALREADY_AVAILABLE || err == (good ? SBI_SUCCESS : SBI_ERR_INVALID_ADDRESS);
	if (err == SBI_SUCCESS && t > 0)
		count_start(t, opaque);
	expect(h, INV_START, ok, "hart_start(%lu%s, 0x%lx): %ld", hart,
	       t < 0 ? " none" : t == me ? " self" : t == 0 ? " boot" : "", addr, err);
}

// SBI 9.3. The caller is STARTED; the boot hart STARTED or SUSPENDED;
// another hart in any state this hypervisor uses (lab 8's handout: the
// *_PENDING states other than START_PENDING are never seen).
static void op_status(struct hart *h, int me)
{
	ulong k = below(h, 10);
	int t = k < 2 ? me : k == 2 ? 0 : k < 7 ? other_hart(h, me) : -1;
	if (k >= 3 && k < 7 && t < 0)
		t = me;
	ulong hart = t >= 0 ? g.base + (ulong)t : no_hart(h);
	struct sbiret r = sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, hart, rnd(h), rnd(h),
				    0, 0, 0);
	long s = r.value;
	int ok;
	if (t < 0)
		ok = r.error == SBI_ERR_INVALID_PARAM;
	else if (t == me)
		ok = r.error == 0 && s == SBI_HSM_STATE_STARTED;
	else if (t == 0)
		ok = r.error == 0 && (s == SBI_HSM_STATE_STARTED || s == SBI_HSM_STATE_SUSPENDED);
	else
		ok = r.error == 0 && (s == SBI_HSM_STATE_STARTED || s == SBI_HSM_STATE_STOPPED ||
				      s == SBI_HSM_STATE_START_PENDING || s == SBI_HSM_STATE_SUSPENDED);
	expect(h, INV_STATUS, ok, "hart_get_status(%lu%s): %ld/%ld", hart,
	       t < 0 ? " none" : t == me ? " self" : t == 0 ? " boot" : "", r.error, s);
}

// SBI 9.4's suspend types (32 bits: the upper half of a0 is ignored, as
// lab 8's handout says). Lab 8's reference implements both default types;
// the platform-specific ones are valid but not implemented here
// (NOT_SUPPORTED, the kit's reading, as lab 7's SRST does for vendor
// types); reserved ones are INVALID_PARAM. The fuzzer gives a
// non-retentive suspend a resume address with nothing behind it:
// INVALID_ADDRESS (lab 8's own test resumes one for real).
static long suspend_answer(ulong type)
{
	if (type == SBI_HSM_SUSPEND_RETENTIVE)
		return SBI_SUCCESS;
	if (type == SBI_HSM_SUSPEND_NON_RETENTIVE)
		return SBI_ERR_INVALID_ADDRESS;
	if ((type >= 0x10000000UL && type < 0x80000000UL) || type >= 0x90000000UL)
		return SBI_ERR_NOT_SUPPORTED;
	return SBI_ERR_INVALID_PARAM;
}

static ulong suspend_type(struct hart *h)
{
	switch (below(h, 10)) {
	case 0: case 1: case 2: case 3: case 4: return 0;
	case 5:  return 0x80000000UL;
	case 6:  return 1 + below(h, 0x0fffffffUL);
	case 7:  return 0x80000001UL + below(h, 0x0fffffffUL);
	case 8:  return (chance(h, 2) ? 0x10000000UL : 0x90000000UL) + below(h, 0x70000000UL);
	default: return rnd(h) & 0xffffffffUL;
	}
}

// A retentive suspend returns once an interrupt is pending: the guest arms
// its timer first (a deadline within 300 us, sie.STIE on) so that one
// always comes; an IPI may come first. Afterwards: error 0, and the
// deadline passed or a software interrupt is there; the hart is STARTED.
static void op_suspend(struct hart *h, int me)
{
	ulong low = suspend_type(h), type = low | (chance(h, 3) ? rnd(h) << 32 : 0);
	long want = suspend_answer(low);
	if (want != SBI_SUCCESS) {
		ulong resume = low == SBI_HSM_SUSPEND_NON_RETENTIVE ? unmapped_addr(h) : rnd(h);
		long err = sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, type, resume, rnd(h), 0, 0,
				     0).error;
		expect(h, INV_SUSPEND, err == want, "hart_suspend(0x%lx): %ld (want %ld)", type,
		       err, want);
		return;
	}
	ulong sie0 = csr_read(sie), sie_on = csr_read(sstatus) & SSTATUS_SIE;
	ulong got0 = h->ipi_got, sti0 = h->sti;
	ulong deadline = rdtime() + us_to_ticks(below(h, 300));
	sbi_set_timer(deadline);
	csr_set(sie, SIE_STIE | SIE_SSIE);
	if (chance(h, 2))
		csr_set(sstatus, SSTATUS_SIE);
	long err = sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, type, rnd(h), rnd(h), 0, 0,
			     0).error;
	ulong now = rdtime(), pending = csr_read(sip) & SIP_SSIP;
	int woke = now >= deadline || pending || h->ipi_got != got0 || h->sti != sti0;
	csr_clear(sstatus, SSTATUS_SIE);
	sbi_set_timer(~0UL);
	csr_write(sie, sie0);
	csr_set(sstatus, sie_on);
	long s = sbi_hart_get_status(g.base + (ulong)me);
	expect(h, INV_SUSPEND, err == 0 && woke && s == SBI_HSM_STATE_STARTED,
	       "hart_suspend(0x%lx): %ld, %s, then status %ld", type, err,
	       woke ? "after its deadline or an IPI" : "back before its deadline with no IPI", s);
}

// ---- IPI (SBI 7) -----------------------------------------------------------------
static void op_ipi(struct hart *h, int me)
{
	struct mask m;
	random_mask(h, &m);
	if (m.valid)
		count_sent(m.targets);
	ulong ssi0 = h->ssi;
	long err = sbi_ecall(SBI_EXT_IPI, SBI_IPI_SEND_IPI, m.mask, m.base, rnd(h), rnd(h), 0,
			     0).error;
	expect(h, INV_IPI, err == (m.valid ? SBI_SUCCESS : SBI_ERR_INVALID_PARAM),
	       "send_ipi(0x%lx, base 0x%lx): %ld", m.mask, m.base, err);
	if (m.valid && err == SBI_SUCCESS && (m.targets & (1UL << me)))
		self_ipi_check(h, ssi0, "send_ipi");
}

long ipi_to(struct hart *h, int t)
{
	struct mask m;
	switch (below(h, 3)) {
	case 0:  m.mask = 1UL << t, m.base = g.base; break;
	case 1:  m.mask = 1, m.base = g.base + (ulong)t; break;
	default: m.mask = rnd(h), m.base = HART_MASK_ALL; break;
	}
	mask_decode(&m);
	count_sent(m.targets);
	return sbi_send_ipi(m.mask, m.base);
}

// ---- RFENCE (SBI 8) --------------------------------------------------------------
// FIDs 0-2 with any mask and range: SUCCESS, or INVALID_PARAM for a bad
// mask (a range that wraps around may also be INVALID_ADDRESS). FIDs 3-6,
// the hfence forms, are NOT_SUPPORTED: the vCPUs have no H extension (lab
// 8's reference, documented there). FIDs past 6 do not exist.
static void op_rfence(struct hart *h)
{
	ulong k = below(h, 10), fid = k < 3 ? 0 : k < 6 ? 1 : k < 8 ? 2 : k == 8 ? 3 + below(h, 4)
				      : 7 + (rnd(h) >> below(h, BITS));
	if (fid < 7 && k == 9)
		fid = 7;                              // wrapped around
	struct mask m;
	random_mask(h, &m);
	ulong start, size;
	switch (below(h, 4)) {
	case 0:  start = 0, size = 0; break;
	case 1:  start = 0, size = ~0UL; break;
	case 2:  start = rnd(h), size = below(h, 1UL << 20); break;
	default: start = rnd(h), size = rnd(h); break;
	}
	int wraps = size != ~0UL && start + size < start;
	long err = sbi_ecall(SBI_EXT_RFENCE, fid, m.mask, m.base, start, size, rnd(h), rnd(h)).error;
	int ok;
	if (fid <= SBI_RFENCE_SFENCE_VMA_ASID)
		ok = m.valid ? err == SBI_SUCCESS || (wraps && err == SBI_ERR_INVALID_ADDRESS)
			     : err == SBI_ERR_INVALID_PARAM;
	else
		ok = err == SBI_ERR_NOT_SUPPORTED || (fid < 7 && !m.valid && err == SBI_ERR_INVALID_PARAM);
	expect(h, INV_RFENCE, ok, "rfence fid %lu (0x%lx, base 0x%lx, 0x%lx+0x%lx): %ld", fid,
	       m.mask, m.base, start, size, err);
}

// ---- the legacy calls (SBI 5) ------------------------------------------------------
// clear_ipi: > 0 if an IPI was pending (then it is gone), else 0.
static void op_clear_ipi(struct hart *h)
{
	ulong was = csr_read(sip) & SIP_SSIP;
	long ret = sbi_ecall(SBI_EXT_LEGACY_CLEAR_IPI, rnd(h), 0, 0, 0, 0, 0, 0).error;
	if (ret > 0)
		atomic_add(&h->ipi_got, 1);
	expect(h, INV_LEGACY, ret >= 0 && (!was || ret > 0), "clear_ipi with SSIP %s: %ld",
	       was ? "pending" : "clear", ret);
}

// send_ipi and the remote fences read their hart mask from a virtual
// address (vsatp = 0 here: guest-physical). In RAM, aligned or not: no
// trap; on lab 8's VM the call is the v0.2 one (IPI or RFENCE) with the
// mask's first word and base 0 (lab 7's reference passes it on), so it
// reaches every hart the word names, or answers INVALID_PARAM when it
// names a hart that does not exist. Nothing there (or the 8 bytes running
// off the end of RAM): the load access fault comes back to the caller at
// its ecall, with stval within the mask (SBI 5). Returns the exceptions
// expected.
static ulong op_legacy(struct hart *h, int me)
{
	ulong eid = SBI_EXT_LEGACY_CLEAR_IPI + below(h, 5), hartid = g.base + (ulong)me;
	if (eid == SBI_EXT_LEGACY_CLEAR_IPI) {
		op_clear_ipi(h);
		return 0;
	}
	ulong kind = below(h, 5), p, t0 = h->traps, ssi0 = h->ssi;
	int fault = kind >= 3;
	struct mask m = { 0 };
	if (kind == 3) {
		p = unmapped_addr(h);
	} else if (kind == 4) {
		p = RAM_END - 1 - below(h, 7);   // the mask's 8 bytes cross the end of RAM
	} else {
		// Mostly harts that exist (some of them, often this one), else
		// anything.
		ulong mine = hartid < BITS && chance(h, 2) ? 1UL << hartid : 0;
		ulong ours = ((1UL << g.n) - 1) << g.base;
		m.mask = chance(h, 4) ? rnd(h) : (rnd(h) & ours) | mine;
		p = (ulong)h->legacy_mask + (kind == 2 ? 1 + below(h, 7) : 0);
		for (int i = 0; i < 8; i++)     // byte stores: p may be misaligned
			((volatile u8 *)p)[i] = (u8)(m.mask >> (8 * i));
		mask_decode(&m);
	}
	if (eid == SBI_EXT_LEGACY_SEND_IPI && m.valid)
		count_sent(m.targets);
	long ret = sbi_ecall(eid, rnd(h), p, rnd(h), rnd(h), rnd(h), 0, 0).error;
	if (fault) {
		expect(h, INV_LEGACY, h->traps == t0 + 1 && h->last_cause == CAUSE_LOAD_ACCESS &&
		       h->last_tval >= p && h->last_tval < p + 8,
		       "legacy 0x%lx mask at 0x%lx: %lu exceptions, cause %lu stval 0x%lx", eid, p,
		       h->traps - t0, h->last_cause, h->last_tval);
		return 1;
	}
	expect(h, INV_LEGACY, ret == (m.valid ? SBI_SUCCESS : SBI_ERR_INVALID_PARAM),
	       "legacy 0x%lx mask 0x%lx at 0x%lx: %ld", eid, m.mask, p, ret);
	if (eid == SBI_EXT_LEGACY_SEND_IPI && m.valid && (m.targets & (1UL << me)))
		self_ipi_check(h, ssi0, "legacy send_ipi");
	return 0;
}

// ---- waiting, interrupt enables, unknown functions ---------------------------------
static void spin_us(ulong us)
{
	ulong t0 = now_us();
	while (now_us() - t0 < us)
		;
}

// Random waits: with interrupts on (IPIs land anywhere in the loop), or a
// wfi that the guest's own timer ends (sie.STIE on, sstatus.SIE off), or
// just time passing with the enables as they are.
static void op_wait(struct hart *h)
{
	ulong sie0 = csr_read(sie), sie_on = csr_read(sstatus) & SSTATUS_SIE;
	switch (below(h, 3)) {
	case 0:
		csr_set(sie, SIE_SSIE);
		csr_set(sstatus, SSTATUS_SIE);
		spin_us(below(h, 100));
		break;
	case 1:
		csr_clear(sstatus, SSTATUS_SIE);
		sbi_set_timer(rdtime() + us_to_ticks(1 + below(h, 50)));
		csr_set(sie, SIE_STIE);
		asm volatile("wfi" ::: "memory");
		sbi_set_timer(~0UL);
		break;
	default:
		spin_us(below(h, 20));
		break;
	}
	csr_clear(sstatus, SSTATUS_SIE);
	csr_write(sie, sie0);
	csr_set(sstatus, sie_on);
}

static void op_irq(struct hart *h)
{
	switch (below(h, 4)) {
	case 0:  csr_set(sie, SIE_SSIE); break;
	case 1:  csr_clear(sie, SIE_SSIE); break;
	case 2:  csr_set(sstatus, SSTATUS_SIE); break;
	default: csr_clear(sstatus, SSTATUS_SIE); break;
	}
}

void probe_all(struct hart *h)
{
	static const ulong eids[] = { SBI_EXT_HSM, SBI_EXT_IPI, SBI_EXT_RFENCE, SBI_EXT_TIME };
	for (ulong i = 0; i < ARRAY_SIZE(eids); i++) {
		struct sbiret r = sbi_ecall(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, eids[i], 0, 0, 0,
					    0, 0);
		expect(h, INV_PROBE, r.error == 0 && r.value == 1, "probe(0x%lx) = %ld/%ld", eids[i],
		       r.error, r.value);
	}
}

// SBI 3: a FID past the last one an extension defines is NOT_SUPPORTED.
static void op_unknown(struct hart *h)
{
	static const ulong eids[] = { SBI_EXT_HSM, SBI_EXT_IPI, SBI_EXT_RFENCE };
	static const ulong first_unused[] = { 4, 1, 7 };
	ulong i = below(h, 4);
	if (i == 3) {
		probe_all(h);
		return;
	}
	ulong fid = first_unused[i] + (rnd(h) >> below(h, BITS));
	if (fid < first_unused[i])
		fid = first_unused[i];
	long err = sbi_ecall(eids[i], fid, rnd(h), rnd(h), rnd(h), rnd(h), rnd(h), rnd(h)).error;
	expect(h, INV_UNKNOWN_FID, err == SBI_ERR_NOT_SUPPORTED, "eid 0x%lx fid 0x%lx: %ld",
	       eids[i], fid, err);
}

ulong op_run(struct hart *h, int me, enum op op)
{
	switch (op) {
	case OP_START:   op_start(h, me); break;
	case OP_STATUS:  op_status(h, me); break;
	case OP_SUSPEND: op_suspend(h, me); break;
	case OP_IPI:     op_ipi(h, me); break;
	case OP_RFENCE:  op_rfence(h); break;
	case OP_LEGACY:  return op_legacy(h, me);
	case OP_WAIT:    op_wait(h); break;
	case OP_IRQ:     op_irq(h); break;
	case OP_UNKNOWN: op_unknown(h); break;
	default:         break;
	}
	return 0;
}
