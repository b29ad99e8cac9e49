// riscv.h: every CSR bit the kit uses, with its spec name, and tiny accessors.
//
// One source of truth: labs never write a raw number for a CSR bit; they use
// the names below. Section numbers refer to the RISC-V Privileged Architecture
// (version 20211203, "Priv."), chapter 8 "Hypervisor Extension", and chapter 4
// "Supervisor-Level ISA".

#ifndef RISCV_H
#define RISCV_H

#ifndef __ASSEMBLER__
#include "types.h"
#endif

// ---------------------------------------------------------------------------
// Accessors. The CSR name is pasted into the instruction, so any name that gas
// knows (including hstatus, hgatp, vsatp...) works: csr_read(hstatus).
// "memory" clobbers keep the compiler from moving loads and stores across a
// CSR access that changes translation or traps.
#ifndef __ASSEMBLER__
#define csr_read(csr) ({                                              \
	ulong __v;                                                    \
	asm volatile("csrr %0, " #csr : "=r"(__v) : : "memory");      \
	__v; })
#define csr_write(csr, val) ({                                        \
	ulong __v = (ulong)(val);                                     \
	asm volatile("csrw " #csr ", %0" : : "rK"(__v) : "memory"); })
#define csr_swap(csr, val) ({                                         \
	ulong __v = (ulong)(val);                                     \
	asm volatile("csrrw %0, " #csr ", %1"                         \
		     : "=r"(__v) : "rK"(__v) : "memory");             \
	__v; })
#define csr_set(csr, bits) ({                                         \
	ulong __v = (ulong)(bits);                                    \
	asm volatile("csrs " #csr ", %0" : : "rK"(__v) : "memory"); })
#define csr_clear(csr, bits) ({                                       \
	ulong __v = (ulong)(bits);                                    \
	asm volatile("csrc " #csr ", %0" : : "rK"(__v) : "memory"); })
#endif

#define BIT(n)  (1UL << (n))

// ---------------------------------------------------------------------------
// sstatus (Priv. 4.1.1). In HS-mode these bits describe the hypervisor;
// while V=1 the guest sees vsstatus under the name sstatus.
#define SSTATUS_SIE   BIT(1)   // S-mode interrupt enable
#define SSTATUS_SPIE  BIT(5)   // SIE before the trap
#define SSTATUS_SPP   BIT(8)   // privilege before the trap: 1 = S (VS when SPV=1)
#define SSTATUS_FS    (3UL << 13) // floating-point state (Off/Initial/Clean/Dirty)
#define SSTATUS_FS_INITIAL (1UL << 13) // FS = Initial: FP on, nothing to save yet
#define SSTATUS_SUM   BIT(18)  // S-mode may access U pages
#define SSTATUS_MXR   BIT(19)  // loads from execute-only pages succeed

// ---------------------------------------------------------------------------
// scause values (Priv. 4.1.8, table 4.2; H additions in 8.6.1, table 8.7).
#define CAUSE_INTERRUPT           BIT(63)
#define CAUSE_MISALIGNED_FETCH    0
#define CAUSE_FETCH_ACCESS        1
#define CAUSE_ILLEGAL_INSTRUCTION 2
#define CAUSE_BREAKPOINT          3
#define CAUSE_MISALIGNED_LOAD     4
#define CAUSE_LOAD_ACCESS         5
#define CAUSE_MISALIGNED_STORE    6
#define CAUSE_STORE_ACCESS        7
#define CAUSE_USER_ECALL          8   // ecall from U or VU
#define CAUSE_SUPERVISOR_ECALL    9   // ecall from HS
#define CAUSE_VIRTUAL_SUPERVISOR_ECALL 10 // ecall from VS: the guest's SBI call
#define CAUSE_MACHINE_ECALL       11
#define CAUSE_FETCH_PAGE_FAULT    12
#define CAUSE_LOAD_PAGE_FAULT     13
#define CAUSE_STORE_PAGE_FAULT    15
#define CAUSE_FETCH_GUEST_PAGE_FAULT 20  // G-stage translation failed
#define CAUSE_LOAD_GUEST_PAGE_FAULT  21
#define CAUSE_VIRTUAL_INSTRUCTION    22  // VS/VU ran something only HS may run
#define CAUSE_STORE_GUEST_PAGE_FAULT 23
#define CAUSE_MAX_EXCEPTION          24

// Interrupt numbers (the low bits of scause when CAUSE_INTERRUPT is set, and
// the bit positions in sip/sie/hip/hie/hvip/hideleg). Priv. 8.2.3.
#define IRQ_S_SOFT    1
#define IRQ_VS_SOFT   2
#define IRQ_S_TIMER   5
#define IRQ_VS_TIMER  6
#define IRQ_S_EXT     9
#define IRQ_VS_EXT    10
#define IRQ_S_GEXT    12  // guest external (hgeip), Priv. 8.2.4

#define SIP_SSIP   BIT(IRQ_S_SOFT)
#define SIP_STIP   BIT(IRQ_S_TIMER)
#define SIP_SEIP   BIT(IRQ_S_EXT)
#define SIE_SSIE   SIP_SSIP
#define SIE_STIE   SIP_STIP
#define SIE_SEIE   SIP_SEIP

// ---------------------------------------------------------------------------
// hstatus (Priv. 8.2.1).
#define HSTATUS_VSBE   BIT(5)   // VS-mode accesses are big-endian (we leave 0)
#define HSTATUS_GVA    BIT(6)   // stval holds a guest virtual address
#define HSTATUS_SPV    BIT(7)   // the trap came from V=1; sret returns to V=1
#define HSTATUS_SPVP   BIT(8)   // privilege the guest had (1 = VS); also used
                                // by HLV/HSV as their effective privilege
#define HSTATUS_HU     BIT(9)   // U-mode may run HLV/HSV
#define HSTATUS_VGEIN_SHIFT 12  // which guest external interrupt is VSEIP
#define HSTATUS_VGEIN_MASK  (0x3fUL << HSTATUS_VGEIN_SHIFT)
#define HSTATUS_VTVM   BIT(20)  // trap VS sfence.vma / satp accesses
#define HSTATUS_VTW    BIT(21)  // trap VS wfi (after an implementation delay)
#define HSTATUS_VTSR   BIT(22)  // trap VS sret
#define HSTATUS_VSXL_SHIFT 32   // VS-mode XLEN: 2 = 64-bit (WARL)
#define HSTATUS_VSXL_MASK  (3UL << HSTATUS_VSXL_SHIFT)
#define HSTATUS_VSXL_64    (2UL << HSTATUS_VSXL_SHIFT)

// ---------------------------------------------------------------------------
// hedeleg: exceptions the hardware sends straight to the guest's vstvec
// (Priv. 8.2.2). Bits 9-11 (ecall from HS/VS/M) and 20-23 (guest-page
// faults, virtual instruction) are read-only zero: only HS can handle them.
#define HEDELEG_MISALIGNED_FETCH  BIT(CAUSE_MISALIGNED_FETCH)
#define HEDELEG_FETCH_ACCESS      BIT(CAUSE_FETCH_ACCESS)
#define HEDELEG_ILLEGAL_INSTRUCTION BIT(CAUSE_ILLEGAL_INSTRUCTION)
#define HEDELEG_BREAKPOINT        BIT(CAUSE_BREAKPOINT)
#define HEDELEG_MISALIGNED_LOAD   BIT(CAUSE_MISALIGNED_LOAD)
#define HEDELEG_LOAD_ACCESS       BIT(CAUSE_LOAD_ACCESS)
#define HEDELEG_MISALIGNED_STORE  BIT(CAUSE_MISALIGNED_STORE)
#define HEDELEG_STORE_ACCESS      BIT(CAUSE_STORE_ACCESS)
#define HEDELEG_USER_ECALL        BIT(CAUSE_USER_ECALL)
#define HEDELEG_FETCH_PAGE_FAULT  BIT(CAUSE_FETCH_PAGE_FAULT)
#define HEDELEG_LOAD_PAGE_FAULT   BIT(CAUSE_LOAD_PAGE_FAULT)
#define HEDELEG_STORE_PAGE_FAULT  BIT(CAUSE_STORE_PAGE_FAULT)

// hideleg: VS-level interrupts the guest takes itself (Priv. 8.2.2). Only
// the VS bits (2, 6, 10) are writable; the rest are read-only zero.
#define HIDELEG_VSSI  BIT(IRQ_VS_SOFT)
#define HIDELEG_VSTI  BIT(IRQ_VS_TIMER)
#define HIDELEG_VSEI  BIT(IRQ_VS_EXT)

// hvip: pending VS interrupts the hypervisor injects (Priv. 8.2.3).
#define HVIP_VSSIP    BIT(IRQ_VS_SOFT)
#define HVIP_VSTIP    BIT(IRQ_VS_TIMER)
#define HVIP_VSEIP    BIT(IRQ_VS_EXT)

// hie / hip use the same VS bit positions plus SGEI.
#define HIE_VSSIE     BIT(IRQ_VS_SOFT)
#define HIE_VSTIE     BIT(IRQ_VS_TIMER)
#define HIE_VSEIE     BIT(IRQ_VS_EXT)
#define HIE_SGEIE     BIT(IRQ_S_GEXT)

// ---------------------------------------------------------------------------
// hcounteren: which counters VS/VU may read (Priv. 8.2.6). A clear bit makes
// the read a virtual-instruction exception, so the hypervisor can emulate it.
#define HCOUNTEREN_CY  BIT(0)   // cycle
#define HCOUNTEREN_TM  BIT(1)   // time (htimedelta is added)
#define HCOUNTEREN_IR  BIT(2)   // instret

// henvcfg (Priv. 8.2.5): environment of VS/VU.
#define HENVCFG_FIOM   BIT(0)
#define HENVCFG_CBIE_SHIFT 4
#define HENVCFG_CBCFE  BIT(6)
#define HENVCFG_CBZE   BIT(7)
#define HENVCFG_PBMTE  BIT(62)  // Svpbmt page-based memory types
#define HENVCFG_STCE   BIT(63)  // Sstc: the guest may use vstimecmp as stimecmp

// ---------------------------------------------------------------------------
// hgatp (Priv. 8.2.10): G-stage root, VMID, mode.
#define HGATP_MODE_SHIFT 60
#define HGATP_MODE_BARE   0UL
#define HGATP_MODE_SV39X4 8UL
#define HGATP_MODE_SV48X4 9UL
#define HGATP_MODE_SV57X4 10UL
#define HGATP_VMID_SHIFT 44
#define HGATP_VMID_MASK  (0x3fffUL << HGATP_VMID_SHIFT)
#define HGATP_PPN_MASK   ((1UL << 44) - 1)

// satp / vsatp (Priv. 4.1.11).
#define SATP_MODE_SHIFT 60
#define SATP_MODE_BARE  0UL
#define SATP_MODE_SV39  8UL
#define SATP_PPN_MASK   ((1UL << 44) - 1)

// Page-table entry bits (Priv. 4.3.1), shared by VS-stage and G-stage.
#define PTE_V  BIT(0)
#define PTE_R  BIT(1)
#define PTE_W  BIT(2)
#define PTE_X  BIT(3)
#define PTE_U  BIT(4)   // G-stage leaves need U = 1 (Priv. 8.5.1)
#define PTE_G  BIT(5)
#define PTE_A  BIT(6)
#define PTE_D  BIT(7)
#define PTE_PPN_SHIFT 10

#define PAGE_SIZE  4096UL
#define PAGE_SHIFT 12

#ifndef __ASSEMBLER__
// Fences. hfence.* need the H extension in the assembler; GCC 12 refuses
// "h" in -march, so each asm enables it locally (see docs/qemu-facts.md).
static inline void hfence_gvma_all(void)
{
	asm volatile(".option push\n.option arch, +h\nhfence.gvma zero, zero\n.option pop"
		     ::: "memory");
}
// Every hfence.vvma made through this helper is counted on its hart
// (cpu_count_hfence_vvma(), cpu.c): lab 8's rfence test reads the count of
// the target's hart to see that a remote fence was done THERE before the
// call returned. Use the helper, not your own asm.
void cpu_count_hfence_vvma(void);
static inline void hfence_vvma_all(void)
{
	asm volatile(".option push\n.option arch, +h\nhfence.vvma zero, zero\n.option pop"
		     ::: "memory");
	cpu_count_hfence_vvma();
}
static inline void sfence_vma_all(void)
{
	asm volatile("sfence.vma zero, zero" ::: "memory");
}
static inline ulong rdtime(void)
{
	ulong t;
	asm volatile("rdtime %0" : "=r"(t));
	return t;
}
static inline ulong rdinstret(void)
{
	ulong n;
	asm volatile("rdinstret %0" : "=r"(n));
	return n;
}
static inline void wfi(void) { asm volatile("wfi" ::: "memory"); }
#endif

#endif // RISCV_H
