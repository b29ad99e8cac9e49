// vspage.c: the guest's own page table (VS-stage, Sv39; Priv. 4.3-4.4).
//
// The guest turns on translation for itself by writing satp, which in
// VS-mode is vsatp (Priv. 8.2.18). It identity-maps the gigabyte at RAM_BASE
// (its code, data, stacks and the device tree all live there) with 2 MiB
// pages, except for the 2 MiB that holds `unmapped`: that one is split into
// 4 KiB pages and the page of `unmapped` is left invalid. Touching it is a
// VS-stage page fault (12/13/15), which belongs to the guest kernel.
//
//   root[2]            VA 0x8000_0000..0xBFFF_FFFF -> l1
//   l1[i]              2 MiB identity leaves, except -> l0
//   l0[j]              4 KiB identity leaves, except `unmapped` (V = 0)
//
// The table walk itself reads guest-physical memory: with hgatp Bare that is
// host memory; with the harness's Sv39x4 table it goes through the G-stage.
#include "deleg_guest.h"

#define PT_ENTRIES  512
#define GIGA        (1UL << 30)
#define MEGA2       (1UL << 21)
// Supervisor pages (U = 0): the guest kernel's own. A and D preset, so no
// hardware A/D update is needed (Priv. 4.3.1).
#define LEAF_RWX    (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)

static u64 root[PT_ENTRIES] __attribute__((aligned(4096)));
static u64 l1[PT_ENTRIES] __attribute__((aligned(4096)));
static u64 l0[PT_ENTRIES] __attribute__((aligned(4096)));
static u8 unmapped[PAGE_SIZE] __attribute__((aligned(4096)));

static u64 pte_table(const void *next)
{
	return ((ulong)next >> PAGE_SHIFT) << PTE_PPN_SHIFT | PTE_V;
}

static u64 pte_leaf(ulong pa)
{
	return (pa >> PAGE_SHIFT) << PTE_PPN_SHIFT | LEAF_RWX;
}

ulong vs_unmapped_page(void)
{
	return (ulong)unmapped;
}

void vs_paging_on(void)
{
	ulong hole = (ulong)unmapped, hole_2m = ALIGN_DOWN(hole, MEGA2);
	root[RAM_BASE / GIGA] = pte_table(l1);
	for (ulong i = 0; i < PT_ENTRIES; i++) {
		ulong va = RAM_BASE + i * MEGA2;
		l1[i] = va == hole_2m ? pte_table(l0) : pte_leaf(va);
	}
	for (ulong i = 0; i < PT_ENTRIES; i++) {
		ulong va = hole_2m + i * PAGE_SIZE;
		l0[i] = va == hole ? 0 : pte_leaf(va);
	}
	asm volatile("sfence.vma" ::: "memory");   // order the PTE stores
	csr_write(satp, SATP_MODE_SV39 << SATP_MODE_SHIFT | (ulong)root >> PAGE_SHIFT);
	asm volatile("sfence.vma" ::: "memory");
}
