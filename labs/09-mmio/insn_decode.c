// Lab 9, part 1: decoding the load or store behind a guest-page fault
// (read common/include/mmio.h first).
//
// This file is plain C: no CSR, no asm, no guest memory. Keep it that way:
// it is also compiled for your PC by the host test (the command is at the
// top of labs/09-mmio/test/host/decode_host.c), which tries every encoding
// of every form; `make grade LAB=9` runs a smaller version in QEMU (test
// "decoder").
//
// The formats are in the unprivileged ISA manual (volume I, 20191213):
//   chapter 2 "RV32I Base Integer Instruction Set", 2.6 "Load and Store
//   Instructions" (LB LH LW LBU LHU SB SH SW), and chapter 5 "RV64I" for LD
//   LWU SD; the opcode map is table 24.1;
//   chapter 16 "C Standard Extension", 16.3 "Load and Store Instructions"
//   (CL, CS, CI and CSS formats: C.LW C.LD C.SW C.SD and the sp-relative
//   C.LWSP C.LDSP C.SWSP C.SDSP); the quadrant maps are tables 16.5-16.7.
// docs/labs/09-mmio.md has the bit diagrams.
#include "types.h"
#include "mmio.h"

// Bits hi..lo of an instruction, shifted down: field(bits, 11, 7) is rd.
static inline u32 field(u32 bits, int hi, int lo)
{
	return (bits >> lo) & ((1U << (hi - lo + 1)) - 1);
}

int insn_decode_mem(const struct guest_insn *insn, struct insn_mem *m)
{
	// TODO(lab 9): decode insn->bits into *m (mmio.h says what each field
	// means). Return 0 for an integer load or store, -1 for anything else.
	//
	//  - Which length? Bits 1:0 = 11 is a 32-bit encoding (INSN_IS_32BIT,
	//    guestmem.h), anything else a 16-bit one in bits 15:0. m->len is
	//    insn->len: from htinst a 32-bit "transformed" instruction may
	//    stand for a 16-bit original (Priv. 8.6.3), and sepc must move by
	//    the length of what the guest ran.
	//  - 32-bit: the opcode is bits 6:0. LOAD (I-type: imm[11:0] in 31:20)
	//    and STORE (S-type: the immediate is split, imm[11:5] in 31:25 and
	//    imm[4:0] in 11:7) have funct3 in 14:12, which gives the width and,
	//    for loads, signed or unsigned. Which funct3 values exist on RV64?
	//    Immediates are sign-extended 12-bit numbers: -2048..2047.
	//  - 16-bit: the quadrant is bits 1:0, funct3 is 15:13. Quadrant 0
	//    holds C.LW C.LD C.SW C.SD with 3-bit register fields rd'/rs1'/rs2'
	//    that mean x8..x15; quadrant 2 holds the sp-relative forms with full
	//    5-bit registers (base = x2). Their offsets are unsigned, already
	//    scaled, and their bits are scattered: read the tables carefully
	//    (offset[5:3] in 12:10, offset[2|6] in 6:5 for C.LW...). C.LWSP and
	//    C.LDSP with rd = x0 are reserved encodings: not a load.
	//  - Not emulated, but say what it is (mmio_handle_fault() needs it to
	//    pick the exception): the floating-point loads and stores (LOAD-FP,
	//    STORE-FP, C.FLD, C.FSD, C.FLDSP, C.FSDSP), LR, and SC / the AMOs
	//    (opcode AMO; funct5 in 31:27 tells LR from the others).
	//
	// Check yourself: make grade LAB=9 (test decoder), or the host test.
	m->cls = INSN_MEM_NONE;
	m->len = insn->len;
	return -1;
}

ulong mmio_extend(ulong raw, u8 width, u8 sign_extend)
{
	// TODO(lab 9): the value a load of `width` bytes leaves in rd when the
	// device answered `raw` (ISA vol. I 2.6: "LW loads a 32-bit value
	// from memory and sign-extends this to 64 bits before storing it in
	// rd"; LWU, LHU, LBU zero-extend). Keep only the low 8 * width bits of
	// raw, then copy bit 8 * width - 1 into every bit above when
	// sign_extend is set. Careful with width 8: a shift by 64 is undefined
	// in C.
	UNUSED(width);
	UNUSED(sign_extend);
	return raw;
}
