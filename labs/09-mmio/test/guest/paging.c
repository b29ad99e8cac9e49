// paging.c: the test "paging": the guest turns on its own Sv39 paging and
// reaches the test device through guest-virtual addresses that differ from
// the device's guest-physical ones. The hypervisor must find the device by
// the GPA the G-stage reported (htval << 2 | stval & 3) and report refusals
// at the guest-virtual address (stval), as hardware would.
#include "lab9guest.h"

#define VA_WIN     0xc0000000UL               // root entry 3: free in the guest
#define VA_DEV     (VA_WIN + 0x0000)          // -> the test device's page
#define VA_NODEV   (VA_WIN + 0x1000)          // -> a GPA with nothing behind it

#define PTE_LEAF_RWX (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define PTE_LEAF_RW  (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)

refuse_fn refuse_ld;
extern const char refuse_ld_at[];

static ulong pt_root[512] __attribute__((aligned(4096)));
static ulong pt_l1[512] __attribute__((aligned(4096)));
static ulong pt_l0[512] __attribute__((aligned(4096)));

static ulong pte(ulong pa, ulong bits)
{
	return (pa >> PAGE_SHIFT) << PTE_PPN_SHIFT | bits;
}

// Sv39 (Priv. 4.4): the guest's RAM stays identity mapped by a 1 GiB leaf;
// VA_WIN gets two 4 KiB pages.
static void paging_on(ulong nodev_page)
{
	pt_root[(GUEST_RAM_GPA >> 30) & 511] = pte(GUEST_RAM_GPA, PTE_LEAF_RWX);
	pt_root[(VA_WIN >> 30) & 511] = pte((ulong)pt_l1, PTE_V);
	pt_l1[(VA_WIN >> 21) & 511] = pte((ulong)pt_l0, PTE_V);
	pt_l0[(VA_DEV >> 12) & 511] = pte(testdev_base, PTE_LEAF_RW);
	pt_l0[(VA_NODEV >> 12) & 511] = pte(nodev_page, PTE_LEAF_RW);
	asm volatile("sfence.vma zero, zero" ::: "memory");
	csr_write(satp, SATP_MODE_SV39 << SATP_MODE_SHIFT | (ulong)pt_root >> PAGE_SHIFT);
	asm volatile("sfence.vma zero, zero" ::: "memory");
}

struct result {
	int failed;
	char why[120];
};

static void fail(struct result *r, const char *what, ulong off, ulong got, ulong want)
{
	if (!r->failed++)
		snprintf(r->why, sizeof(r->why), "%s at va 0x%lx (device offset 0x%lx): got 0x%lx, "
			 "expected 0x%lx", what, VA_DEV + off, off, got, want);
}

// One load of each width and signedness through VA_DEV. The device must
// see the offset inside its own window.
static void loads(struct result *r)
{
	for (int i = 0; i < 7; i++) {
		int width = 1 << (i % 4), sign = i < 4;
		ulong off = 8 * (rand_next(&rng) % (TESTDEV_SIZE / 8)) + (i & 1) * (8 - width);
		ulong va = VA_DEV + off, got;
		ulong want = extend(hcall(HC_PEEK, off) >> (8 * (off & 7)), width, sign);
		switch (i) {
		case 0:  got = (ulong)(long)*(volatile s8 *)va; break;
		case 1:  got = (ulong)(long)*(volatile s16 *)va; break;
		case 2:  got = (ulong)(long)*(volatile s32 *)va; break;
		case 3:  got = *(volatile u64 *)va; break;
		case 4:  got = *(volatile u8 *)va; break;
		case 5:  got = *(volatile u16 *)va; break;
		default: got = *(volatile u32 *)va; break;
		}
		ulong last = hcall(HC_LAST, 0);
		if (TD_LAST_OFFSET(last) != off || TD_LAST_KIND(last) != TD_READ)
			fail(r, "load: device offset", off, TD_LAST_OFFSET(last), off);
		else if (got != want)
			fail(r, "load", off, got, want);
	}
}

static void stores(struct result *r)
{
	for (int width = 1; width <= 8; width *= 2) {
		ulong off = 8 * (rand_next(&rng) % (TESTDEV_SIZE / 8));
		ulong va = VA_DEV + off, val = rand_next(&rng);
		switch (width) {
		case 1:  *(volatile u8 *)va = (u8)val; break;
		case 2:  *(volatile u16 *)va = (u16)val; break;
		case 4:  *(volatile u32 *)va = (u32)val; break;
		default: *(volatile u64 *)va = val; break;
		}
		ulong last = hcall(HC_LAST, 0), data = hcall(HC_LAST_DATA, 0);
		if (TD_LAST_OFFSET(last) != off || TD_LAST_KIND(last) != TD_WRITE)
			fail(r, "store: device offset", off, TD_LAST_OFFSET(last), off);
		else if (data != extend(val, width, 0))
			fail(r, "store: data", off, data, extend(val, width, 0));
	}
}

void test_paging(void)
{
	struct result r = { 0, "" };
	ulong nodev_page = NODEV_GPA(seed) & ~(PAGE_SIZE - 1);
	csr_write(stvec, (ulong)guest_trapvec);
	paging_on(nodev_page);
	loads(&r);
	stores(&r);
	check("paging_emulate", !r.failed, "%s", r.why);
	ulong va = VA_NODEV + 8 * (rand_next(&rng) % (PAGE_SIZE / 8));
	const struct rcase c = { "ld", refuse_ld, refuse_ld_at, va, CAUSE_LOAD_ACCESS, 1, 0, 0 };
	if (refuse_one("paging_refuse", &c))
		check("paging_refuse", 1, NULL);
	hcall(HC_EXIT_CHECK, 0);
}
