// Lab 8 test guest: a remote fence (SBI 8.2, remote_sfence_vma) that must
// reach another hart's TLB.
//
// Both harts could use one Sv39 page table (Priv. 4.4): RAM identity-mapped
// by a 1 GiB page, and TEST_VA mapped by a 4 KiB page to page_a. The
// target hart enables it and reads TEST_VA (value A: its TLB now holds the
// translation). The boot hart then points the leaf at page_b and asks for
// a remote sfence.vma on the target; after it, the target must read B.
#include "lab8guest.h"
#include "../lab8.h"

#define TEST_VA     0xC0000000UL          // VPN[2] = 3, VPN[1] = VPN[0] = 0
#define PTE_LEAF    (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define PTE_TABLE   PTE_V
#define PTE_FOR(pa, flags) ((((ulong)(pa)) >> PAGE_SHIFT) << PTE_PPN_SHIFT | (flags))

static ulong root[512] __attribute__((aligned(PAGE_SIZE)));
static ulong l1[512] __attribute__((aligned(PAGE_SIZE)));
static ulong l0[512] __attribute__((aligned(PAGE_SIZE)));
static ulong page_a[512] __attribute__((aligned(PAGE_SIZE)));
static ulong page_b[512] __attribute__((aligned(PAGE_SIZE)));

static ulong read_test_va(void)
{
	return *(volatile ulong *)TEST_VA;
}

static ulong hc(ulong nr, ulong arg)
{
	return (ulong)sbi_ecall(SBI_EXT_RVHLAB_HYPERCALL, nr, arg, 0, 0, 0, 0, 0).value;
}

// SBI 8: the call returns once the target has fenced. The target sits in
// the harness (LAB8_HC_BUSY) when the call is made, so it can fence only
// after that: a hypervisor that does not wait returns first, one that does
// not fence never adds to the count (hfence_vvma_all(), riscv.h).
static int fenced_before_return(ulong t, ulong *before, ulong *after, int *busy)
{
	ulong t0 = now_us();
	while (!hc(LAB8_HC_IS_BUSY, t) && now_us() - t0 < WAIT_US)
		;
	*busy = (int)hc(LAB8_HC_IS_BUSY, t);
	*before = hc(LAB8_HC_FENCES, t);
	long ret = sbi_ecall(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, 1UL << idx_of(t), g.base,
			     TEST_VA, PAGE_SIZE, 0, 0).error;
	*after = hc(LAB8_HC_FENCES, t);
	return (int)ret;
}

void rfence_secondary(int me)
{
	struct hart_rec *r = &g.rec[me];
	csr_write(satp, SATP_MODE_SV39 << SATP_MODE_SHIFT | (ulong)root >> PAGE_SHIFT);
	asm volatile("sfence.vma zero, zero" ::: "memory");
	g.got1 = read_test_va();
	r->running = 1;
	ulong t0 = now_us();
	while (!g.peek && now_us() - t0 < WAIT_US)
		;
	g.got_peek = read_test_va();       // no fence yet: may still be A
	asm volatile("fence rw, rw" ::: "memory");
	r->done = 1;
	if (g.busy_round)                  // in the harness, IPIs pending, for a while
		hc(LAB8_HC_BUSY, 0);
	while (!g.go && now_us() - t0 < 2 * WAIT_US)
		;
	g.got2 = read_test_va();           // after the remote fence: must be B
	csr_write(satp, 0);
	asm volatile("sfence.vma zero, zero" ::: "memory");
	asm volatile("fence rw, rw" ::: "memory");
	r->done = 2;
}

int test_rfence(void)
{
	return !rfence_round(0);
}

// SBI 8.2 remote_sfence_vma, or with legacy its SBI 5.7 form (the mask by
// address), which a VM of several harts must pass on to every hart in it.
int rfence_round(int legacy)
{
	ulong t = pick_target();
	int ti = idx_of(t);
	struct hart_rec *r = &g.rec[ti];
	ulong a = opaque_for(t, 11), b = opaque_for(t, 12);
	g.peek = g.go = 0;
	r->running = r->done = 0;
	page_a[0] = a;
	page_b[0] = b;
	root[2] = PTE_FOR(RAM_BASE, PTE_LEAF | PTE_X);   // 0x80000000: 1 GiB identity
	root[3] = PTE_FOR(l1, PTE_TABLE);
	l1[0] = PTE_FOR(l0, PTE_TABLE);
	l0[0] = PTE_FOR(page_a, PTE_LEAF);
	asm volatile("fence rw, rw" ::: "memory");
	g.mode = MODE_RFENCE;
	g.busy_round = !legacy;
	ulong before = 0, after = 0;
	int busy = 0;
	long err = start_hart(t, opaque_for(t, 13)), ret = -100;
	int ran = err == 0 && wait_for(&r->running, 1, WAIT_US);
	if (ran) {
		l0[0] = PTE_FOR(page_b, PTE_LEAF);          // change the mapping ...
		asm volatile("fence rw, rw" ::: "memory");
		g.peek = 1;                                 // (what a stale TLB shows)
		wait_for(&r->done, 1, WAIT_US);
		legacy_mask[0] = 1UL << t;
		if (legacy)                                 // ... and fence it there
			ret = sbi_ecall(SBI_EXT_LEGACY_REMOTE_SFENCE_VMA, 0, (ulong)legacy_mask,
					TEST_VA, PAGE_SIZE, 0, 0, 0).error;
		else
			ret = fenced_before_return(t, &before, &after, &busy);
		g.go = 1;
		wait_for(&r->done, 2, WAIT_US);
	}
	int effect = ran && ret == 0 && g.got1 == a && r->done == 2 && g.got2 == b;
	if (legacy)
		return check("legacy_rfence", effect, "legacy remote_sfence_vma naming hart %lu "
			     "(mask at 0x%lx): %ld; it read 0x%lx before and 0x%lx after (A = 0x%lx, "
			     "B = 0x%lx)", t, (ulong)legacy_mask, ret, g.got1, g.got2, a, b);
	fact("rfence_stale_before_fence", "%s", g.got_peek == a ? "yes" : "no");
	check("rfence_call", ran && ret == 0, "remote_sfence_vma(hart %lu): %ld", t, ret);
	check("rfence_waits", ran && ret == 0 && busy && after > before,
	      "hart %lu's physical hart made %lu hfence.vvma (hfence_vvma_all) between the call "
	      "and its return (want >= 1; it was %s in the harness when the call began)", t,
	      after - before, busy ? "busy" : "NOT yet");
	return check("rfence_effect", effect,
		     "hart %lu read 0x%lx before and 0x%lx after the fence (A = 0x%lx, B = 0x%lx)",
		     t, g.got1, g.got2, a, b);
}
