// Lab 5: G-stage page tables (Sv39x4, Priv. 8.5.1).
//
// The guest believes its RAM starts at guest-physical address 0x80000000.
// It does not: the hypervisor backs it with pages from its own allocator,
// somewhere else in host memory. The G-stage tables you build here tell
// the hardware, for every guest-physical page, which host page backs it
// and what the guest may do with it. hgatp points the hardware at them.
//
// The interface (and its exact contract) is in common/include/gstage.h.
// Read docs/labs/05-gstage.md first: it has the address split, the PTE
// format and the traps. Check yourself with `make grade LAB=5`.
#include "hyp.h"
#include "gstage.h"

// Suggested helpers (you may organise the file differently):
//   - the table index of a GPA at a level (mind the wider root index),
//   - a walk that returns the PTE slot for a GPA at a given level,
//     creating the intermediate tables on the way when asked to,
//   - a walk that finds the leaf covering a GPA, whatever its size.

gpte_t *gstage_create(void)
{
	// TODO: return a new, empty Sv39x4 root table. How big is it, and how
	// must it be aligned (Priv. 8.5.1)? kalloc.h has what you need; its
	// memory comes zeroed, and a zero PTE is an invalid one.
	return NULL;
}

int gstage_map(gpte_t *root, ulong gpa, ulong hpa, ulong size, ulong perms)
{
	// TODO: map [gpa, gpa + size) onto [hpa, hpa + size).
	//  - Refuse bad arguments first (see gstage.h), before touching the
	//    table: misaligned addresses or size, an empty range, a range
	//    that leaves the 41-bit guest-physical space, and permissions that
	//    do not make a valid leaf (Priv. 4.3.1, the R/W/X encodings).
	//  - Use a 2 MiB leaf (level 1) wherever gpa and hpa are both 2 MiB
	//    aligned and at least 2 MiB remain; 4 KiB leaves (level 0)
	//    elsewhere. Never replace an existing mapping: fail instead.
	//  - Intermediate (non-leaf) entries carry V only (Priv. 4.3.1).
	//  - Leaf bits: V, the requested R/W/X, and U = 1, because every
	//    G-stage access is checked as a U-mode access (Priv. 8.5.1).
	//    A and D: see the handout (what QEMU does, what hardware may do).
	//  - Afterwards the hardware may still hold old translations: fence
	//    with HFENCE.GVMA (riscv.h has a helper, Priv. 8.3.2).
	UNUSED(root);
	UNUSED(gpa);
	UNUSED(hpa);
	UNUSED(size);
	UNUSED(perms);
	return -1;
}

int gstage_unmap(gpte_t *root, ulong gpa, ulong size)
{
	// TODO: invalidate the leaves covering [gpa, gpa + size), each at the
	// size it was mapped with; -1 if part of the range was not mapped.
	// The guest must not reach the old page afterwards: fence.
	UNUSED(root);
	UNUSED(gpa);
	UNUSED(size);
	return -1;
}

int gstage_protect(gpte_t *root, ulong gpa, ulong size, ulong perms)
{
	// TODO: change R/W/X of the leaves covering [gpa, gpa + size), keeping
	// everything else in them. The same permission rules as gstage_map;
	// removing all access is gstage_unmap's job. Fence afterwards.
	UNUSED(root);
	UNUSED(gpa);
	UNUSED(size);
	UNUSED(perms);
	return -1;
}

ulong gstage_translate(gpte_t *root, ulong gpa, ulong *perms)
{
	// TODO: walk the table as the hardware would (Priv. 4.3.2 with the
	// Sv39x4 root): the host physical address of gpa, including its offset
	// inside a 4 KiB or 2 MiB leaf, or -1UL when nothing maps it (or gpa
	// does not fit in 41 bits). Fill *perms with R/W/X when perms != NULL.
	UNUSED(root);
	UNUSED(gpa);
	UNUSED(perms);
	return -1UL;
}

ulong gstage_hgatp(gpte_t *root, ulong vmid)
{
	// TODO: the hgatp value for this root and VMID in Sv39x4 mode
	// (Priv. 8.2.10; the field names are in riscv.h).
	UNUSED(root);
	UNUSED(vmid);
	return 0;
}

void gstage_activate(gpte_t *root, ulong vmid)
{
	// TODO: install the table in hgatp. Writing hgatp does not order or
	// flush earlier translations (Priv. 8.2.10): what must follow?
	UNUSED(root);
	UNUSED(vmid);
}
