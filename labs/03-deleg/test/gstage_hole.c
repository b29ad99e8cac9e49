// gstage_hole.c: a tiny Sv39x4 G-stage table with a hole, so that the guest
// can provoke the one kind of trap that can never be delegated to it.
//
// With hgatp = Bare (labs 2-4) every guest-physical address is a host
// physical address and a guest-page fault cannot happen. Here the harness
// (not your code: lab 5 is where you build G-stage tables) identity-maps the
// gigabyte of guest-physical space at RAM_BASE, except GSTAGE_HOLE_PAGES
// pages at GSTAGE_HOLE_GPA. A guest access there is a load/store guest-page
// fault (scause 21/23, Priv. 8.5.1); hedeleg bits 20-23 are read-only zero,
// so it always exits to HS. The harness then maps a fresh host page filled
// with gstage_pattern() and lets the guest retry: demand paging in miniature.
//
//   groot[2048] (16 KiB, Sv39x4 root)   GPA[40:30]
//     [2] -> l1[512]                    GPA[29:21], 2 MiB leaves...
//              [hole's 2 MiB] -> l0[512] GPA[20:12], 4 KiB leaves, hole = invalid
#include "hyp.h"
#include "deleg_harness.h"

#define SV39X4_ROOT_ENTRIES 2048     // 2 extra GPA bits: 4x the Sv39 root
#define PT_ENTRIES          512
#define GIGA                (1UL << 30)
#define MEGA2               (1UL << 21)
#define LEAF_RWXU           (PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D)

// Priv. 8.5.1: the Sv39x4 root is 16 KiB and must be 16 KiB aligned.
static u64 groot[SV39X4_ROOT_ENTRIES] __attribute__((aligned(16384)));
static u64 gl1[PT_ENTRIES] __attribute__((aligned(4096)));
static u64 gl0[PT_ENTRIES] __attribute__((aligned(4096)));

static ulong gstage_faults;

static u64 pte_table(const void *next)
{
	return ((ulong)next >> PAGE_SHIFT) << PTE_PPN_SHIFT | PTE_V;
}

static u64 pte_leaf(ulong hpa)
{
	// G-stage leaves must have U = 1: every guest access counts as a
	// U-mode access for the G-stage check (Priv. 8.5.1).
	return (hpa >> PAGE_SHIFT) << PTE_PPN_SHIFT | LEAF_RWXU;
}

static int in_hole(ulong gpa)
{
	return gpa >= GSTAGE_HOLE_GPA && gpa < GSTAGE_HOLE_GPA + GSTAGE_HOLE_PAGES * PAGE_SIZE;
}

void gstage_hole_enable(void)
{
	ulong hole_2m = ALIGN_DOWN(GSTAGE_HOLE_GPA, MEGA2);
	groot[RAM_BASE / GIGA] = pte_table(gl1);
	for (ulong i = 0; i < PT_ENTRIES; i++) {
		ulong gpa = RAM_BASE + i * MEGA2;
		gl1[i] = gpa == hole_2m ? pte_table(gl0) : pte_leaf(gpa);
	}
	for (ulong i = 0; i < PT_ENTRIES; i++) {
		ulong gpa = hole_2m + i * PAGE_SIZE;
		gl0[i] = in_hole(gpa) ? 0 : pte_leaf(gpa);
	}
	csr_write(hgatp, HGATP_MODE_SV39X4 << HGATP_MODE_SHIFT | (ulong)groot >> PAGE_SHIFT);
	hfence_gvma_all();
	printf("deleg: G-stage Sv39x4 identity map, %lu-page hole at GPA 0x%lx\n",
	       GSTAGE_HOLE_PAGES, GSTAGE_HOLE_GPA);
}

// A guest-page fault exit. Returns 1 if it hit the hole and is now mapped
// (the guest retries the access), 0 if it is something else.
int gstage_hole_fault(struct trapframe *tf)
{
	// Priv. 8.2.8: htval holds the faulting guest-physical address >> 2.
	ulong gpa = tf->htval << 2 | (tf->stval & 3);
	if (!in_hole(gpa) || (csr_read(hgatp) >> HGATP_MODE_SHIFT) != HGATP_MODE_SV39X4)
		return 0;
	ulong page = ALIGN_DOWN(gpa, PAGE_SIZE);
	ulong index = (page - GSTAGE_HOLE_GPA) / PAGE_SIZE;
	ulong *backing = kalloc();
	if (!backing)
		panic("deleg: out of memory for a G-stage page");
	for (ulong i = 0; i < PAGE_SIZE / sizeof(ulong); i++)
		backing[i] = gstage_pattern(index);
	gl0[(page / PAGE_SIZE) % PT_ENTRIES] = pte_leaf((ulong)backing);
	hfence_gvma_all();
	gstage_faults++;
	return 1;
}

ulong gstage_hole_faults(void)
{
	return gstage_faults;
}
