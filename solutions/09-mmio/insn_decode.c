// Lab 9 reference solution, part 1: decoding loads and stores (mmio.h).
//
// Pure C: no CSR, no guest memory. The same file compiles for the host,
// where labs/09-mmio/test/host/ checks it over every encoding.
//
// Formats (ISA vol. I 20191213, chapter 2 "RV32I Base Integer Instruction
// Set", 2.6 "Load and Store Instructions"; chapter 16 "C Standard
// Extension", 16.3 "Load and Store Instructions"):
//
//   I  (loads)   imm[11:0] rs1 funct3 rd       opcode
//   S  (stores)  imm[11:5] rs2 rs1 funct3 imm[4:0] opcode
//   CL           funct3 uimm rs1' uimm rd'  op     (rd', rs1' = x8 + 3 bits)
//   CS           funct3 uimm rs1' uimm rs2' op
//   CI (lwsp)    funct3 uimm[5] rd uimm      op
//   CSS (swsp)   funct3 uimm rs2             op
#include "types.h"
#include "mmio.h"

// 32-bit major opcodes (ISA vol. I, table 24.1 "RISC-V base opcode map").
#define OP_LOAD      0x03
#define OP_LOAD_FP   0x07
#define OP_STORE     0x23
#define OP_STORE_FP  0x27
#define OP_AMO       0x2f
#define FUNCT5_LR    0x02

// Compressed quadrants (bits 1:0) and their funct3 values (bits 15:13).
#define C_Q0 0
#define C_Q2 2
#define C_FLD  1      // Q0: C.FLD      Q2: C.FLDSP
#define C_LW   2      // Q0: C.LW       Q2: C.LWSP
#define C_LD   3      // Q0: C.LD       Q2: C.LDSP   (RV64)
#define C_FSD  5      // Q0: C.FSD      Q2: C.FSDSP
#define C_SW   6      // Q0: C.SW       Q2: C.SWSP
#define C_SD   7      // Q0: C.SD       Q2: C.SDSP   (RV64)

#define XREG_SP 2

static u32 field(u32 bits, int hi, int lo)
{
	return (bits >> lo) & ((1U << (hi - lo + 1)) - 1);
}

// Sign-extend the low `nbits` bits of x.
static long sext(ulong x, int nbits)
{
	int shift = 64 - nbits;
	return (long)(x << shift) >> shift;
}

static int set(struct insn_mem *m, u8 cls, u8 width, u8 sign, u8 reg, u8 base, long offset)
{
	m->cls = cls;
	m->width = width;
	m->sign_extend = sign;
	m->reg = reg;
	m->base = base;
	m->offset = offset;
	return cls == INSN_MEM_LOAD || cls == INSN_MEM_STORE ? 0 : -1;
}

// LOAD funct3: bits 1:0 give log2(width), bit 2 means unsigned (LBU LHU
// LWU); 7 would be LDU, which RV64 does not have. So sign_extend is 1 for
// LD too, and for C.LD and C.LDSP below (mmio.h: every load but LBU LHU
// LWU; for width 8 the flag changes nothing).
static int decode_load(u32 bits, struct insn_mem *m)
{
	u32 f3 = field(bits, 14, 12);
	if (f3 == 7)
		return set(m, INSN_MEM_NONE, 0, 0, 0, 0, 0);
	return set(m, INSN_MEM_LOAD, 1 << (f3 & 3), !(f3 & 4), field(bits, 11, 7),
		   field(bits, 19, 15), sext(field(bits, 31, 20), 12));
}

// STORE funct3 0-3: SB SH SW SD. The immediate is split in two (so that
// rs1/rs2 stay where every format has them): imm[11:5] | imm[4:0].
static int decode_store(u32 bits, struct insn_mem *m)
{
	u32 f3 = field(bits, 14, 12);
	if (f3 > 3)
		return set(m, INSN_MEM_NONE, 0, 0, 0, 0, 0);
	u32 imm = field(bits, 31, 25) << 5 | field(bits, 11, 7);
	return set(m, INSN_MEM_STORE, 1 << f3, 0, field(bits, 24, 20), field(bits, 19, 15),
		   sext(imm, 12));
}

// The AMO opcode with funct3 2 (.W) or 3 (.D); funct5 (31:27) 2 is LR,
// everything else (SC, AMOSWAP, AMOADD...) writes memory.
static u8 atomic_class(u32 bits)
{
	u32 f3 = field(bits, 14, 12);
	if (f3 != 2 && f3 != 3)
		return INSN_MEM_NONE;
	return field(bits, 31, 27) == FUNCT5_LR ? INSN_MEM_LR : INSN_MEM_AMO;
}

static int decode_32(u32 bits, struct insn_mem *m)
{
	switch (bits & 0x7f) {
	case OP_LOAD:     return decode_load(bits, m);
	case OP_STORE:    return decode_store(bits, m);
	case OP_LOAD_FP:  return set(m, INSN_MEM_FP_LOAD, 0, 0, 0, 0, 0);
	case OP_STORE_FP: return set(m, INSN_MEM_FP_STORE, 0, 0, 0, 0, 0);
	case OP_AMO:      return set(m, atomic_class(bits), 0, 0, 0, 0, 0);
	default:          return set(m, INSN_MEM_NONE, 0, 0, 0, 0, 0);
	}
}

// CL/CS offsets, scaled by the access size: C.LW/C.SW uimm[5:3] = 12:10,
// uimm[2] = 6, uimm[6] = 5; C.LD/C.SD uimm[5:3] = 12:10, uimm[7:6] = 6:5.
static long cl_offset_w(u32 b)
{
	return field(b, 12, 10) << 3 | field(b, 6, 6) << 2 | field(b, 5, 5) << 6;
}

static long cl_offset_d(u32 b)
{
	return field(b, 12, 10) << 3 | field(b, 6, 5) << 6;
}

// Quadrant 0: rd'/rs2' in 4:2, rs1' in 9:7, both meaning x8..x15.
static int decode_q0(u32 b, struct insn_mem *m)
{
	u8 r42 = 8 + field(b, 4, 2), r97 = 8 + field(b, 9, 7);
	switch (field(b, 15, 13)) {
	case C_LW:  return set(m, INSN_MEM_LOAD, 4, 1, r42, r97, cl_offset_w(b));
	case C_LD:  return set(m, INSN_MEM_LOAD, 8, 1, r42, r97, cl_offset_d(b));
	case C_SW:  return set(m, INSN_MEM_STORE, 4, 0, r42, r97, cl_offset_w(b));
	case C_SD:  return set(m, INSN_MEM_STORE, 8, 0, r42, r97, cl_offset_d(b));
	case C_FLD: return set(m, INSN_MEM_FP_LOAD, 0, 0, 0, 0, 0);
	case C_FSD: return set(m, INSN_MEM_FP_STORE, 0, 0, 0, 0, 0);
	default:    return set(m, INSN_MEM_NONE, 0, 0, 0, 0, 0);   // ADDI4SPN, reserved
	}
}

// Quadrant 2, sp-relative: CI loads (rd in 11:7, rd = 0 reserved) and CSS
// stores (rs2 in 6:2, any register):
//   C.LWSP uimm[5] = 12, uimm[4:2] = 6:4, uimm[7:6] = 3:2
//   C.LDSP uimm[5] = 12, uimm[4:3] = 6:5, uimm[8:6] = 4:2
//   C.SWSP uimm[5:2] = 12:9, uimm[7:6] = 8:7
//   C.SDSP uimm[5:3] = 12:10, uimm[8:6] = 9:7
static int decode_q2(u32 b, struct insn_mem *m)
{
	u8 rd = field(b, 11, 7), rs2 = field(b, 6, 2);
	switch (field(b, 15, 13)) {
	case C_LW:
		if (!rd)
			break;
		return set(m, INSN_MEM_LOAD, 4, 1, rd, XREG_SP,
			   field(b, 12, 12) << 5 | field(b, 6, 4) << 2 | field(b, 3, 2) << 6);
	case C_LD:
		if (!rd)
			break;
		return set(m, INSN_MEM_LOAD, 8, 1, rd, XREG_SP,
			   field(b, 12, 12) << 5 | field(b, 6, 5) << 3 | field(b, 4, 2) << 6);
	case C_SW:
		return set(m, INSN_MEM_STORE, 4, 0, rs2, XREG_SP,
			   field(b, 12, 9) << 2 | field(b, 8, 7) << 6);
	case C_SD:
		return set(m, INSN_MEM_STORE, 8, 0, rs2, XREG_SP,
			   field(b, 12, 10) << 3 | field(b, 9, 7) << 6);
	case C_FLD:
		return set(m, INSN_MEM_FP_LOAD, 0, 0, 0, 0, 0);
	case C_FSD:
		return set(m, INSN_MEM_FP_STORE, 0, 0, 0, 0, 0);
	}
	return set(m, INSN_MEM_NONE, 0, 0, 0, 0, 0);
}

int insn_decode_mem(const struct guest_insn *insn, struct insn_mem *m)
{
	u32 bits = insn->bits;
	int rc;
	if (INSN_IS_32BIT(bits))
		rc = decode_32(bits, m);
	else if ((bits & 3) == C_Q0)
		rc = decode_q0(bits & 0xffff, m);
	else if ((bits & 3) == C_Q2)
		rc = decode_q2(bits & 0xffff, m);
	else
		rc = set(m, INSN_MEM_NONE, 0, 0, 0, 0, 0);  // quadrant 1: no memory access
	// The length of what the guest executed: from htinst, a 32-bit
	// transformed instruction may stand for a 16-bit one.
	m->len = insn->len ? insn->len : (INSN_IS_32BIT(bits) ? 4 : 2);
	return rc;
}

// The width's bits moved to the top, then back down: an arithmetic shift
// copies the sign bit on the way, a logical one zeros.
ulong mmio_extend(ulong raw, u8 width, u8 sign_extend)
{
	if (width >= sizeof(ulong))
		return raw;
	int shift = 64 - width * 8;
	raw <<= shift;
	return sign_extend ? (ulong)((long)raw >> shift) : raw >> shift;
}
