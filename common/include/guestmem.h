// guestmem.h: reaching into the guest's memory from HS-mode (lab 6 on).
//
// The hypervisor never dereferences a guest pointer directly: a guest
// address means nothing in the host's address space. The H extension gives
// HS-mode loads and stores that translate an address exactly as the guest
// would (Priv. 8.3.1, "Hypervisor Virtual-Machine Load and Store
// Instructions"):
//
//   HLV.{B,BU,H,HU,W,WU,D}  load  through vsatp (VS-stage) then hgatp (G-stage)
//   HLVX.{HU,WU}            load that needs execute permission instead of
//                           read: reads an instruction as the guest fetched it
//   HSV.{B,H,W,D}           store through both stages
//
// The access is checked with the privilege in hstatus.SPVP (1 = VS, i.e.
// the guest kernel; 0 = VU) and the guest's own vsstatus.SUM/MXR. Either
// stage may refuse: a VS-stage refusal is a load/store page fault (13/15;
// QEMU 7.2 reports a load/store access fault, 5/7, instead),
// a G-stage refusal a load/store guest-page fault (21/23), both taken by the
// hypervisor itself. The functions below catch those with the kit's
// trap_expect_begin()/trap_expect_end() guard (trap.h) and return an error
// instead of crashing.
//
// Rules for callers:
//  - the guest's VS CSRs must be live in the hardware (vcpu_load(), lab 4):
//    vsatp says which page table "the guest's address" refers to;
//  - hgatp must hold the guest's G-stage (lab 5);
//  - the hypervisor must run in HS-mode with interrupts off (it does).
//
// Guest-physical buffers (the SBI DBCN calls pass physical addresses) are a
// different thing: translate those with gstage_translate() (gstage.h),
// page by page, instead.
#ifndef GUESTMEM_H
#define GUESTMEM_H

#include "types.h"

#define GUEST_OK      0
#define GUEST_EFAULT  (-1)   // the guest's address could not be accessed

// Why a guest access failed: filled by the functions below when they return
// GUEST_EFAULT and the caller passed a non-NULL pointer.
struct guest_fault {
	ulong gva;      // the address of the access that faulted (stval)
	ulong scause;   // 13/15: VS-stage page fault, 21/23: G-stage fault,
	                // 5/7: access fault (PMP), 4/6: misaligned
	ulong gpa;      // for guest-page faults: htval << 2 | stval & 3
};

// Copy len bytes between a guest virtual address and a host buffer, as the
// guest kernel would access them: hstatus.SPVP = 1 for the duration (every
// buffer a hypervisor is handed comes from VS-mode: ecalls from VU go to the
// guest kernel, lab 3). The buffer may span any number of guest pages,
// mapped anywhere. GUEST_OK, or GUEST_EFAULT after a fault: the bytes before
// the faulting access have been copied, and *fault (if not NULL) says why.
int copy_from_guest(void *dst, ulong gva, ulong len, struct guest_fault *fault);
int copy_to_guest(ulong gva, const void *src, ulong len, struct guest_fault *fault);

// ---------------------------------------------------------------------------
// The instruction behind a trap (Priv. 8.6.3, "Transformed Instruction or
// Pseudoinstruction for mtinst or htinst").

// Where guest_fetch_insn() found the instruction.
enum insn_source {
	INSN_FROM_MEMORY,   // read from the guest with HLVX.HU at pc
	INSN_FROM_HTINST,   // htinst held a transformed instruction
	INSN_IMPLICIT,      // htinst held a pseudoinstruction: the trap came
	                    // from the guest's page-table walk, not from an
	                    // instruction (len = 0, bits = the pseudoinstruction)
};

struct guest_insn {
	u32 bits;       // the instruction; a 16-bit one in bits 15:0. From
	                // htinst: the 32-bit transformed form, with bit 1 set
	                // back so that a 32-bit decoder can read it
	u8  len;        // length in bytes of the ORIGINAL instruction: 2 or 4
	                // (0 for INSN_IMPLICIT)
	u8  source;     // enum insn_source
};

// htinst pseudoinstructions (Priv. 8.6.3): a guest-page fault
// hit an implicit read or write of a VS-stage page-table entry.
#define HTINST_PSEUDO_READ32   0x00002000U
#define HTINST_PSEUDO_WRITE32  0x00002020U
#define HTINST_PSEUDO_READ64   0x00003000U
#define HTINST_PSEUDO_WRITE64  0x00003020U

// ISA vol. I 1.5: an instruction whose two lowest bits are 11 is 32 bits
// long (longer encodings are not used by RV64GC); any other value starts a
// 16-bit compressed instruction.
#define INSN_IS_32BIT(lo16)  (((lo16) & 3) == 3)

struct vcpu;

// The instruction behind the exit v is stopped at (v->sepc, v->trap.htinst).
// When htinst is non-zero it is decoded (a transformed instruction has bit
// 0 set; bit 1 clear means the original was compressed: len 2) and guest
// memory is not touched. When htinst is 0 (QEMU 7.2: always) the
// instruction is read with HLVX.HU at sepc, plus a second halfword at
// sepc + 2 when the first says 32 bits, with the privilege the guest had
// at the trap (v->hstatus.SPVP: VU code lives on U pages that VS cannot
// execute). GUEST_OK, or GUEST_EFAULT when sepc cannot be read.
int guest_fetch_insn(const struct vcpu *v, struct guest_insn *insn);

#endif
