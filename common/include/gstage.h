// gstage.h: lab 5's interface: G-stage (second-stage) page tables, Sv39x4.
//
// Priv. 8.5.1: Sv39x4 translates a 41-bit guest-physical address. It is
// Sv39 with the root table widened by two bits: 2048 entries, 16 KiB, and
// the root must be 16 KiB aligned. Index bits: VPN[2] = GPA[40:30] (11 bits),
// VPN[1] = GPA[29:21], VPN[0] = GPA[20:12]. Every leaf must have U = 1:
// G-stage accesses are treated as U-mode accesses (Priv. 8.5.1).
#ifndef GSTAGE_H
#define GSTAGE_H

#include "types.h"

#define GSTAGE_ROOT_SIZE   (16 * 1024)
#define GSTAGE_ROOT_ALIGN  (16 * 1024)
#define GSTAGE_GPA_BITS    41
#define GSTAGE_LEVELS      3
#define MEGAPAGE_SIZE      (2UL * 1024 * 1024)   // a level-1 leaf

// perms: any of PTE_R, PTE_W, PTE_X (riscv.h). U, A, D and V are added by
// gstage_map itself.
typedef u64 gpte_t;

// A new, empty root table (16 KiB, 16 KiB aligned, zeroed), or NULL.
gpte_t *gstage_create(void);
// Map [gpa, gpa + size) to [hpa, hpa + size). gpa, hpa and size are 4 KiB
// aligned; wherever gpa and hpa are both 2 MiB aligned and 2 MiB remain, a
// 2 MiB leaf is used. 0 on success, -1 on a bad argument, an overlap with an
// existing leaf, or no memory. Fences the G-stage TLB afterwards.
int gstage_map(gpte_t *root, ulong gpa, ulong hpa, ulong size, ulong perms);
// Remove the leaves covering [gpa, gpa + size), at the granularity they
// were mapped with. 0 on success, -1 if something there was not mapped.
int gstage_unmap(gpte_t *root, ulong gpa, ulong size);
// Change the permissions of the leaves covering [gpa, gpa + size).
int gstage_protect(gpte_t *root, ulong gpa, ulong size, ulong perms);
// Walk the table as the hardware would: the host physical address for gpa,
// or -1UL if unmapped; *perms (if not NULL) gets the leaf's R/W/X bits.
ulong gstage_translate(gpte_t *root, ulong gpa, ulong *perms);
// hgatp value for this root and VMID (mode Sv39x4), and switching to it.
ulong gstage_hgatp(gpte_t *root, ulong vmid);
void gstage_activate(gpte_t *root, ulong vmid);

#endif
