// final.c: after the hammering, do IPIs and remote fences still work?
//
// Once every secondary hart is done and STOPPED, the boot hart starts each
// one a last time, in turn (g.final_phase), and:
//  1. sends it an IPI, one of the valid ways (ipi_to()): it must arrive;
//  2. checks a remote fence the way lab 8's rfence test does: the hart
//     turns paging on (Sv39: a 1 GiB identity page for RAM, and one test
//     page at FENCE_VA), reads FENCE_VA (page A, now in its TLB); the boot
//     hart points the PTE at page B; the hart reads again (QEMU usually
//     still gives A: the old translation, FACT rfence_stale_before); the
//     boot hart calls remote_sfence_vma(_asid) for that hart; the hart
//     must now read B (SBI 8: the call returns after the fence was done).
// Limit, measured with mutated references: QEMU 7.2 drops a hart's
// translations whenever it leaves the guest, so a target that is kicked
// out of the guest (host IPI) reads B even when the hypervisor skips the
// hfence.vvma or returns before it. What this catches is a fence that
// never reaches its target (nothing makes the waiting hart leave the guest).
#include "smpfuzz.h"

#define FINAL_WAIT_US  2000000UL
#define FENCE_VA       0x40000000UL      // gigapage 1: only the test page
#define PAGE_A_WORD    0xaaaa0000aaaa0000UL
#define PAGE_B_WORD    0xbbbb0000bbbb0000UL
#define PTE_TABLE      PTE_V
#define PTE_RW         (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define PTE_RWX        (PTE_RW | PTE_X)
#define VPN2(va)       (((va) >> 30) & 0x1ff)

static ulong root[512] __attribute__((aligned(PAGE_SIZE)));
static ulong l1[512] __attribute__((aligned(PAGE_SIZE)));
static ulong l0[512] __attribute__((aligned(PAGE_SIZE)));
static ulong page_a[512] __attribute__((aligned(PAGE_SIZE)));
static ulong page_b[512] __attribute__((aligned(PAGE_SIZE)));

static ulong pte(const void *pa, ulong flags)
{
	return ((ulong)pa >> PAGE_SHIFT) << PTE_PPN_SHIFT | flags;
}

static void tables_init(void)
{
	root[VPN2(GUEST_RAM_GPA)] = pte((void *)GUEST_RAM_GPA, PTE_RWX);   // identity, 1 GiB
	root[VPN2(FENCE_VA)] = pte(l1, PTE_TABLE);
	l1[0] = pte(l0, PTE_TABLE);
	l0[0] = pte(page_a, PTE_RW);
	page_a[0] = PAGE_A_WORD;
	page_b[0] = PAGE_B_WORD;
	asm volatile("fence rw, rw" ::: "memory");
}

static int wait_flag(volatile ulong *p, ulong us)
{
	ulong t0 = now_us();
	while (!*p)
		if (now_us() - t0 > us)
			return 0;
	return 1;
}

static ulong read_va(void)
{
	return *(volatile ulong *)FENCE_VA;
}

// ---- the secondary's side ----------------------------------------------------------
static void final_ipi_wait(struct hart *h)
{
	ulong before = h->ssi;
	csr_set(sie, SIE_SSIE);
	csr_set(sstatus, SSTATUS_SIE);
	h->fin.ready = 1;
	ulong t0 = now_us();
	while (h->ssi == before && now_us() - t0 < FINAL_WAIT_US)
		;
	csr_clear(sstatus, SSTATUS_SIE);
	h->fin.ssi = h->ssi - before;
}

static void final_fence_reads(struct hart *h)
{
	csr_write(satp, SATP_MODE_SV39 << SATP_MODE_SHIFT | (ulong)root >> PAGE_SHIFT);
	sfence_vma_all();
	h->fin.before = read_va();
	h->fin.mapped = 1;
	if (wait_flag(&h->fin.changed, FINAL_WAIT_US)) {
		h->fin.stale = read_va();
		h->fin.stale_read = 1;
		if (wait_flag(&h->fin.fenced, FINAL_WAIT_US))
			h->fin.after = read_va();
	}
	csr_write(satp, 0);
	sfence_vma_all();
}

void final_secondary(struct hart *h)
{
	final_ipi_wait(h);
	final_fence_reads(h);
	asm volatile("fence rw, rw" ::: "memory");
	h->fin.done = 1;
}

// ---- the boot hart's side ----------------------------------------------------------
// remote_sfence_vma or its _asid form (ASID 0: the hart's satp), for the
// test page or for everything, naming hart t one of the valid ways.
static long fence_for(struct hart *h, int t)
{
	ulong mask = 1UL << t, base = g.base, fid = SBI_RFENCE_SFENCE_VMA + below(h, 2);
	if (chance(h, 2))
		mask = 1, base = g.base + (ulong)t;
	int all = chance(h, 2);
	return sbi_ecall(SBI_EXT_RFENCE, fid, mask, base, all ? 0 : FENCE_VA, all ? 0 : PAGE_SIZE,
			 0, 0).error;
}

// Hart t's fence test, once it has read page A through FENCE_VA.
static int fence_test(struct hart *h, int t, ulong *stale)
{
	struct hart *s = &harts[t];
	long err = -100;
	if (wait_flag(&s->fin.mapped, 2 * FINAL_WAIT_US)) {
		l0[0] = pte(page_b, PTE_RW);
		asm volatile("fence rw, rw" ::: "memory");
		s->fin.changed = 1;
		if (wait_flag(&s->fin.stale_read, FINAL_WAIT_US)) {
			err = fence_for(h, t);
			s->fin.fenced = 1;
		}
	}
	int ok = wait_flag(&s->fin.done, 2 * FINAL_WAIT_US) && err == 0 &&
		 s->fin.before == PAGE_A_WORD && s->fin.after == PAGE_B_WORD;
	if (!ok)
		printf("guest: remote fence for hart %lu: error %ld, it read 0x%lx, then 0x%lx "
		       "(stale), then 0x%lx after the fence\n", g.base + (ulong)t, err,
		       s->fin.before, s->fin.stale, s->fin.after);
	*stale += s->fin.stale == PAGE_A_WORD;
	l0[0] = pte(page_a, PTE_RW);             // for the next hart
	asm volatile("fence rw, rw" ::: "memory");
	return ok;
}

// Returns 1 when both checks passed for every secondary hart.
int final_checks(struct hart *h)
{
	int ipis = 0, fences = 0;
	ulong stale = 0;
	tables_init();
	g.final_phase = 1;
	asm volatile("fence rw, rw" ::: "memory");
	for (int i = 1; i < g.n; i++) {
		struct hart *t = &harts[i];
		ulong opaque = opaque_for(h, i);
		long err = sbi_hart_start(g.base + (ulong)i, entry_addr(h), opaque);
		if (err == SBI_SUCCESS)
			count_start(i, opaque);
		long sent = err ? err : wait_flag(&t->fin.ready, FINAL_WAIT_US) ? ipi_to(h, i) : -100;
		int got = sent == 0 && wait_flag(&t->fin.mapped, 2 * FINAL_WAIT_US) && t->fin.ssi;
		if (!got)
			printf("guest: final IPI to hart %lu: start %ld, send %ld, received %lu\n",
			       g.base + (ulong)i, err, sent, t->fin.ssi);
		ipis += got;
		fences += err == SBI_SUCCESS && fence_test(h, i, &stale);
		ulong t0 = now_us();
		while (sbi_hart_get_status(g.base + (ulong)i) != SBI_HSM_STATE_STOPPED &&
		       now_us() - t0 < FINAL_WAIT_US)
			;
	}
	fact("rfence_stale_before", "%lu of %d", stale, g.n - 1);
	int ok = check("ipi_after", ipis == g.n - 1,
		       "%d of %d secondary harts, started again after the run, got an IPI", ipis,
		       g.n - 1);
	ok &= check("rfence_after", fences == g.n - 1,
		    "%d of %d secondary harts read the new page after remote_sfence_vma "
		    "(%lu read the old one before it)", fences, g.n - 1, stale);
	return ok;
}
