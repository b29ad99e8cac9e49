// paging.c: the guest's own Sv39 page table (Priv. 4.4), with a twist.
//
// Guest RAM [0x80000000, LAB7_RAM_END) is identity mapped, with 2 MiB
// leaves, except the 2 MiB region that holds `frames`, which gets 4 KiB
// leaves: identity too, but with the two frames exchanged. Code, data,
// stacks and the channel buffer keep VA == PA; only guest-physical
// frames[0] appears at the virtual address of frames[1] and vice versa.
//
// SBI calls that take a PHYSICAL address (DBCN) must therefore ignore this
// table, and calls that take a VIRTUAL one (legacy hart masks) must use it:
// the two frames tell the difference.
#include "lab7guest.h"

#define PTE_LEAF_RWX  (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define MEGAPAGE      (2UL << 20)
#define VPN2(va)      (((va) >> 30) & 511)
#define VPN1(va)      (((va) >> 21) & 511)
#define VPN0(va)      (((va) >> 12) & 511)

static ulong pt_root[512] __attribute__((aligned(PAGE_SIZE)));
static ulong pt_l1[512] __attribute__((aligned(PAGE_SIZE)));
static ulong pt_l0[512] __attribute__((aligned(PAGE_SIZE)));
static u8 frames[2][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static ulong pte(ulong pa, ulong bits)
{
	return (pa >> PAGE_SHIFT) << PTE_PPN_SHIFT | bits;
}

ulong frames_pa(void)
{
	return (ulong)frames[0];
}

ulong swap_va(ulong pa)
{
	ulong f0 = frames_pa(), f1 = f0 + PAGE_SIZE;
	if (pa >= f0 && pa < f1)
		return pa + PAGE_SIZE;
	if (pa >= f1 && pa < f1 + PAGE_SIZE)
		return pa - PAGE_SIZE;
	return pa;
}

void paging_on(void)
{
	ulong f0 = frames_pa(), region = ALIGN_DOWN(f0, MEGAPAGE);
	pt_root[VPN2(GUEST_RAM_GPA)] = pte((ulong)pt_l1, PTE_V);
	for (ulong pa = GUEST_RAM_GPA; pa < LAB7_RAM_END; pa += MEGAPAGE)
		pt_l1[VPN1(pa)] = pa == region ? pte((ulong)pt_l0, PTE_V) : pte(pa, PTE_LEAF_RWX);
	for (ulong pa = region; pa < region + MEGAPAGE; pa += PAGE_SIZE)
		pt_l0[VPN0(pa)] = pte(swap_va(pa), PTE_LEAF_RWX);
	asm volatile("sfence.vma zero, zero" ::: "memory");
	csr_write(satp, SATP_MODE_SV39 << SATP_MODE_SHIFT | (ulong)pt_root >> PAGE_SHIFT);
	asm volatile("sfence.vma zero, zero" ::: "memory");
}

// Byte by byte through the swapped mapping: what lands at guest-physical
// pa.. is exactly s.
void phys_write_str(ulong pa, const char *s, ulong n)
{
	for (ulong i = 0; i < n; i++)
		*(volatile char *)swap_va(pa + i) = s[i];
}

void phys_read_str(char *dst, ulong pa, ulong n)
{
	for (ulong i = 0; i < n; i++)
		dst[i] = *(volatile char *)swap_va(pa + i);
}
