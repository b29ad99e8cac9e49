// decode_suite.c: unit tests of the lab-9 decoder (see decode_suite.h).
//
// Every test builds an encoding from its fields with the small encoders
// below (written from the format tables of the ISA manual, the opposite
// direction of a decoder), has the decoder under test decode it (through a
// backend, in batches) and compares every field. The encoders themselves
// are checked against encodings produced by the GNU assembler (first
// group). Nothing here calls the decoder directly: this file is also the
// host oracle, built from the kit's files only.
#include "types.h"
#include "printf.h"
#include "string.h"
#include "guestmem.h"
#include "mmio.h"
#include "decode_suite.h"

#define OP_LOAD     0x03
#define OP_LOAD_FP  0x07
#define OP_STORE    0x23
#define OP_STORE_FP 0x27
#define OP_AMO      0x2f
#define DETAIL_MAX  240
#ifndef DECODE_BATCH
#define DECODE_BATCH 64         // queries per backend call (the host oracle: 65536)
#endif

struct group {
	const char *name;
	long tried, failed;
	char detail[DETAIL_MAX];
};

// What a decode must give. fields = 0: only cls (and the return value).
struct want {
	u8 cls, width, sign, reg, base, len, fields;
	long offset;
};

static const char *const cls_names[] = { "none", "load", "store", "fp_load", "fp_store", "lr",
					  "amo" };

static const char *cls_name(u8 cls)
{
	return cls < ARRAY_SIZE(cls_names) ? cls_names[cls] : "?";
}

static void describe(char *buf, size_t n, const char *tag, u8 cls, u8 width, u8 sign, u8 reg,
		     u8 base, long offset, u8 len)
{
	snprintf(buf, n, "%s{%s w%u s%u reg x%u base x%u off %ld len %u}", tag, cls_name(cls),
		 width, sign, reg, base, offset, len);
}

static void fail(struct group *g, u32 bits, const char *form, const struct want *w,
		 const struct decode_answer *m, const char *gone)
{
	char want[96], got[96];
	if (g->failed++)
		return;
	describe(want, sizeof(want), "", w->cls, w->width, w->sign, w->reg, w->base, w->offset,
		 w->len);
	if (!w->fields)
		snprintf(want, sizeof(want), "{%s}", cls_name(w->cls));
	int want_rc = w->cls == INSN_MEM_LOAD || w->cls == INSN_MEM_STORE ? 0 : -1;
	if (gone) {
		snprintf(g->detail, DETAIL_MAX, "%s 0x%x: expected %s rc %d, got no answer: %s",
			 form, bits, want, want_rc, gone);
		return;
	}
	describe(got, sizeof(got), "", m->cls, m->width, m->sign_extend, m->reg, m->base,
		 m->offset, m->len);
	snprintf(g->detail, DETAIL_MAX, "%s 0x%x: expected %s rc %d, got %s rc %d", form, bits,
		 want, want_rc, got, m->rc);
}

// ---------------------------------------------------------------- batches
// Queries wait here until a batch is full or the group ends; the backend
// answers them all at once and each answer is judged against its want.
static const struct decode_backend *backend;
static struct {
	u32 n;
	struct guest_insn insn[DECODE_BATCH];
	struct decode_answer ans[DECODE_BATCH];
	const char *form[DECODE_BATCH];
	struct want want[DECODE_BATCH];
} q;

static int answer_ok(const struct want *w, const struct decode_answer *m)
{
	int want_rc = w->cls == INSN_MEM_LOAD || w->cls == INSN_MEM_STORE ? 0 : -1;
	int ok = m->rc == want_rc && m->cls == w->cls;
	if (ok && w->fields)
		ok = m->width == w->width && m->sign_extend == w->sign && m->reg == w->reg &&
		     m->base == w->base && m->offset == w->offset && m->len == w->len;
	return ok;
}

static void flush_insns(struct group *g)
{
	if (!q.n)
		return;
	int gone = backend->decode(q.insn, q.ans, q.n) != 0;
	for (u32 i = 0; i < q.n; i++) {
		g->tried++;
		if (gone || !answer_ok(&q.want[i], &q.ans[i]))
			fail(g, q.insn[i].bits, q.form[i], &q.want[i], &q.ans[i],
			     gone ? backend->gone : NULL);
	}
	q.n = 0;
}

static void try_insn(struct group *g, u32 bits, u8 len, const char *form, const struct want *w)
{
	q.insn[q.n] = (struct guest_insn){ bits, len, INSN_FROM_MEMORY };
	q.form[q.n] = form;
	q.want[q.n] = *w;
	if (++q.n == DECODE_BATCH)
		flush_insns(g);
}

// ---------------------------------------------------------------- encoders
// 32-bit formats (ISA vol. I 2.2, figure 2.2).
static u32 enc_i(u32 op, u32 f3, u32 rd, u32 rs1, long imm)
{
	return ((u32)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}

static u32 enc_s(u32 op, u32 f3, u32 rs2, u32 rs1, long imm)
{
	u32 u = (u32)imm & 0xfff;
	return (u >> 5) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (u & 0x1f) << 7 | op;
}

// Compressed formats (ISA vol. I 16.3): where each bit of the scaled
// offset goes, indexed by the offset bit (-1: not encodable).
struct cform {
	const char *name;
	u8 quadrant, funct3, cls, width, sign, sp_based;
	signed char at[9];      // at[k] = instruction bit holding offset bit k
};

static const struct cform cforms[] = {
	{ "c.lw",   0, 2, INSN_MEM_LOAD,  4, 1, 0, { -1, -1, 6, 10, 11, 12, 5, -1, -1 } },
	{ "c.ld",   0, 3, INSN_MEM_LOAD,  8, 1, 0, { -1, -1, -1, 10, 11, 12, 5, 6, -1 } },
	{ "c.sw",   0, 6, INSN_MEM_STORE, 4, 0, 0, { -1, -1, 6, 10, 11, 12, 5, -1, -1 } },
	{ "c.sd",   0, 7, INSN_MEM_STORE, 8, 0, 0, { -1, -1, -1, 10, 11, 12, 5, 6, -1 } },
	{ "c.lwsp", 2, 2, INSN_MEM_LOAD,  4, 1, 1, { -1, -1, 4, 5, 6, 12, 2, 3, -1 } },
	{ "c.ldsp", 2, 3, INSN_MEM_LOAD,  8, 1, 1, { -1, -1, -1, 5, 6, 12, 2, 3, 4 } },
	{ "c.swsp", 2, 6, INSN_MEM_STORE, 4, 0, 1, { -1, -1, 9, 10, 11, 12, 7, 8, -1 } },
	{ "c.sdsp", 2, 7, INSN_MEM_STORE, 8, 0, 1, { -1, -1, -1, 10, 11, 12, 7, 8, 9 } },
};
enum { C_LW, C_LD, C_SW, C_SD, C_LWSP, C_LDSP, C_SWSP, C_SDSP };

static u32 c_offset_bits(const struct cform *f, u32 off)
{
	u32 bits = 0;
	for (int k = 0; k < 9; k++)
		if (off & (1U << k))
			bits |= 1U << f->at[k];
	return bits;
}

// CL/CS: rd'/rs2' in 4:2, rs1' in 9:7 (registers x8..x15).
// CI/CSS (sp forms): rd in 11:7 (loads), rs2 in 6:2 (stores).
static u32 enc_c(const struct cform *f, u32 reg, u32 base, u32 off)
{
	u32 bits = f->funct3 << 13 | f->quadrant | c_offset_bits(f, off);
	if (f->sp_based)
		return bits | (f->cls == INSN_MEM_LOAD ? reg << 7 : reg << 2);
	return bits | (base - 8) << 7 | (reg - 8) << 2;
}

// The offsets a form can encode: multiples of the width below 32 * width.
static int c_offset_ok(const struct cform *f, u32 off)
{
	u32 limit = (f->sp_based ? 64 : 32) * f->width;
	return off % f->width == 0 && off < limit;
}

// ---------------------------------------------------------------- groups
static const char *const load_names[] = { "lb", "lh", "lw", "ld", "lbu", "lhu", "lwu" };
static const char *const store_names[] = { "sb", "sh", "sw", "sd" };

// Immediates that set and clear every bit, both signs, the extremes.
static const long some_imms[] = { 0, 1, -1, 2047, -2048, 0x555, -0x556, 0x2aa, -0x2ab, 8, -8 };

static void try_load(struct group *g, u32 f3, u32 rd, u32 rs1, long imm)
{
	struct want w = { INSN_MEM_LOAD, 1 << (f3 & 3), !(f3 & 4), rd, rs1, 4, 1, imm };
	try_insn(g, enc_i(OP_LOAD, f3, rd, rs1, imm), 4, load_names[f3], &w);
}

static void try_store(struct group *g, u32 f3, u32 rs2, u32 rs1, long imm)
{
	struct want w = { INSN_MEM_STORE, 1 << f3, 0, rs2, rs1, 4, 1, imm };
	try_insn(g, enc_s(OP_STORE, f3, rs2, rs1, imm), 4, store_names[f3], &w);
}

typedef void try_fn(struct group *g, u32 f3, u32 r, u32 rs1, long imm);

// Every register pair with some_imms[], and every immediate with three
// register pairs; or, exhaustively, every combination.
static void sweep_32(struct group *g, try_fn *fn, u32 nf3, int exhaustive)
{
	for (u32 f3 = 0; f3 < nf3; f3++) {
		for (u32 r = 0; r < 32; r++)
			for (u32 rs1 = 0; rs1 < 32; rs1++) {
				if (exhaustive) {
					for (long imm = -2048; imm < 2048; imm++)
						fn(g, f3, r, rs1, imm);
					continue;
				}
				for (u32 i = 0; i < ARRAY_SIZE(some_imms); i++)
					fn(g, f3, r, rs1, some_imms[i]);
			}
		if (exhaustive)
			continue;
		for (long imm = -2048; imm < 2048; imm++) {
			fn(g, f3, 1, 2, imm);
			fn(g, f3, 31, 0, imm);
			fn(g, f3, 10, 10, imm);
		}
	}
}

static void group_loads(struct group *g, int exhaustive)
{
	sweep_32(g, try_load, 7, exhaustive);       // funct3 0..6: LB LH LW LD LBU LHU LWU
}

static void group_stores(struct group *g, int exhaustive)
{
	sweep_32(g, try_store, 4, exhaustive);      // funct3 0..3: SB SH SW SD
}

// Every register and every offset of each compressed form: complete.
static void group_compressed(struct group *g, int first, int count)
{
	for (int i = first; i < first + count; i++) {
		const struct cform *f = &cforms[i];
		u32 rmin = f->sp_based ? (f->cls == INSN_MEM_LOAD ? 1 : 0) : 8;
		u32 rmax = f->sp_based ? 31 : 15;
		u32 bmin = f->sp_based ? 2 : 8, bmax = f->sp_based ? 2 : 15;
		for (u32 r = rmin; r <= rmax; r++)
			for (u32 b = bmin; b <= bmax; b++)
				for (u32 off = 0; off < 512; off++) {
					if (!c_offset_ok(f, off))
						continue;
					struct want w = { f->cls, f->width, f->sign, r, b, 2, 1,
							  off };
					try_insn(g, enc_c(f, r, b, off), 2, f->name, &w);
				}
	}
}

// Priv. 8.6.3: on hardware that fills htinst, a trapping load or store
// arrives as a "transformed" 32-bit instruction: the original's fields
// except rs1, which holds the offset of the faulting address (0 here),
// and the immediate, which is 0; bit 1 is cleared when the original was
// a 16-bit instruction (guest_fetch_insn() sets it back, len = 2).
static void group_htinst(struct group *g)
{
	for (u32 r = 0; r < 32; r++) {
		for (u32 f3 = 0; f3 < 7; f3++)
			for (u8 len = 2; len <= 4; len += 2) {
				struct want w = { INSN_MEM_LOAD, 1 << (f3 & 3), !(f3 & 4), r, 0,
						  len, 1, 0 };
				try_insn(g, enc_i(OP_LOAD, f3, r, 0, 0), len, "transformed load",
					 &w);
			}
		for (u32 f3 = 0; f3 < 4; f3++)
			for (u8 len = 2; len <= 4; len += 2) {
				struct want w = { INSN_MEM_STORE, 1 << f3, 0, r, 0, len, 1, 0 };
				try_insn(g, enc_s(OP_STORE, f3, r, 0, 0), len, "transformed store",
					 &w);
			}
	}
}

static void try_class(struct group *g, u32 bits, u8 len, const char *form, u8 cls)
{
	struct want w = { cls, 0, 0, 0, 0, len, 0, 0 };
	try_insn(g, bits, len, form, &w);
}

// LR/SC/AMO (A extension, funct5 in 31:27, aq/rl in 26:25).
static const u32 amo_funct5[] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x08, 0x0c, 0x10, 0x14,
				  0x18, 0x1c };

static void group_refused(struct group *g)
{
	for (u32 i = 0; i < ARRAY_SIZE(amo_funct5); i++)
		for (u32 f3 = 2; f3 <= 3; f3++)
			for (u32 aqrl = 0; aqrl < 4; aqrl++)
				for (u32 r = 0; r < 32; r += 5)
					try_class(g, amo_funct5[i] << 27 | aqrl << 25 | r << 20 |
						  (31 - r) << 15 | f3 << 12 | r << 7 | OP_AMO, 4,
						  amo_funct5[i] == 2 ? "lr" : "sc/amo",
						  amo_funct5[i] == 2 ? INSN_MEM_LR : INSN_MEM_AMO);
	for (u32 f3 = 2; f3 <= 3; f3++)                         // FLW FLD, FSW FSD
		for (u32 r = 0; r < 32; r += 3) {
			try_class(g, enc_i(OP_LOAD_FP, f3, r, 31 - r, -4), 4, "flw/fld",
				  INSN_MEM_FP_LOAD);
			try_class(g, enc_s(OP_STORE_FP, f3, r, 31 - r, 12), 4, "fsw/fsd",
				  INSN_MEM_FP_STORE);
		}
	for (u32 lo = 0; lo < 0x2000; lo += 0x1d) {             // C.FLD C.FSD, C.FLDSP C.FSDSP
		try_class(g, 1 << 13 | (lo & 0x1ffc), 2, "c.fld", INSN_MEM_FP_LOAD);
		try_class(g, 5 << 13 | (lo & 0x1ffc), 2, "c.fsd", INSN_MEM_FP_STORE);
		try_class(g, 1 << 13 | (lo & 0x1ffc) | 2, 2, "c.fldsp", INSN_MEM_FP_LOAD);
		try_class(g, 5 << 13 | (lo & 0x1ffc) | 2, 2, "c.fsdsp", INSN_MEM_FP_STORE);
	}
}

// Encodings that are not loads or stores, or are reserved.
static const u32 other_32[] = {
	0x00000013,  // nop (addi x0, x0, 0)
	0x00a50513,  // addi a0, a0, 10
	0x00000073,  // ecall
	0x10500073,  // wfi
	0x34011073,  // csrw mscratch, sp
	0x0000000f,  // fence
	0x00b50533,  // add a0, a0, a1
	0x000015b7,  // lui a1, 1
	0x00000517,  // auipc a0, 0
	0x008000ef,  // jal ra, 8
	0x00008067,  // ret
	0xfe000ee3,  // beqz zero, -4
	0x0005051b,  // addiw a0, a0, 0
};

static void group_other(struct group *g)
{
	for (u32 i = 0; i < ARRAY_SIZE(other_32); i++)
		try_class(g, other_32[i], 4, "non-memory", INSN_MEM_NONE);
	for (u32 r = 0; r < 32; r += 7) {
		try_class(g, enc_i(OP_LOAD, 7, r, 31 - r, 16), 4, "load funct3 7", INSN_MEM_NONE);
		for (u32 f3 = 4; f3 < 8; f3++)
			try_class(g, enc_s(OP_STORE, f3, r, 31 - r, 16), 4, "store funct3 4-7",
				  INSN_MEM_NONE);
	}
	// Quadrant 1 has no memory access at all.
	for (u32 h = 1; h < 0x10000; h += 4 * 37)
		try_class(g, h, 2, "quadrant 1", INSN_MEM_NONE);
	for (u32 lo = 0; lo < 0x2000; lo += 0x1d) {
		u32 mid = lo & 0x1ffc;
		try_class(g, 0 << 13 | mid, 2, "c.addi4spn", INSN_MEM_NONE);
		try_class(g, 4 << 13 | mid, 2, "quadrant 0 funct3 4", INSN_MEM_NONE);
		try_class(g, 0 << 13 | mid | 2, 2, "c.slli", INSN_MEM_NONE);
		try_class(g, 4 << 13 | mid | 2, 2, "c.jr/c.mv/c.add", INSN_MEM_NONE);
		// C.LWSP and C.LDSP with rd = x0 are reserved.
		try_class(g, (2 << 13 | mid | 2) & ~(31U << 7), 2, "c.lwsp rd=x0", INSN_MEM_NONE);
		try_class(g, (3 << 13 | mid | 2) & ~(31U << 7), 2, "c.ldsp rd=x0", INSN_MEM_NONE);
	}
}

// Known encodings from the GNU assembler (binutils 2.40) check the
// encoders above, so that a bug in the test cannot pass for one in the
// decoder.
static void group_encoders(struct group *g)
{
	static const struct { u32 got, want; const char *what; } k[] = {
		{ 0, 0x00008583, "lb a1, 0(ra)" }, { 0, 0x80052503, "lw a0, -2048(a0)" },
		{ 0, 0x7ff5e283, "lwu t0, 2047(a1)" }, { 0, 0x00008023, "sb zero, 0(ra)" },
		{ 0, 0xfeb53c23, "sd a1, -8(a0)" }, { 0, 0x4110, "c.lw a2, 0(a0)" },
		{ 0, 0xe10c, "c.sd a1, 0(a0)" }, { 0, 0x5ffe, "c.lwsp t6, 252(sp)" },
		{ 0, 0xe402, "c.sdsp zero, 8(sp)" }, { 0, 0x6122, "c.ldsp sp, 8(sp)" },
		{ 0, 0xc402, "c.swsp zero, 8(sp)" }, { 0, 0x7fe0, "c.ld s0, 248(a5)" },
	};
	u32 got[ARRAY_SIZE(k)] = {
		enc_i(OP_LOAD, 0, 11, 1, 0), enc_i(OP_LOAD, 2, 10, 10, -2048),
		enc_i(OP_LOAD, 6, 5, 11, 2047), enc_s(OP_STORE, 0, 0, 1, 0),
		enc_s(OP_STORE, 3, 11, 10, -8), enc_c(&cforms[C_LW], 12, 10, 0),
		enc_c(&cforms[C_SD], 11, 10, 0), enc_c(&cforms[C_LWSP], 31, 2, 252),
		enc_c(&cforms[C_SDSP], 0, 2, 8), enc_c(&cforms[C_LDSP], 2, 2, 8),
		enc_c(&cforms[C_SWSP], 0, 2, 8), enc_c(&cforms[C_LD], 8, 15, 248),
	};
	for (u32 i = 0; i < ARRAY_SIZE(k); i++) {
		g->tried++;
		if (got[i] != k[i].want && !g->failed++)
			snprintf(g->detail, DETAIL_MAX,
				 "(kit bug) encoder gives 0x%x for %s, gas 0x%x", got[i],
				 k[i].what, k[i].want);
	}
}

// mmio_extend against a computation of its own.
static ulong extend_ref(ulong raw, u8 w, u8 s)
{
	if (w == 8)
		return raw;
	ulong mask = (1UL << (8 * w)) - 1, v = raw & mask;
	return s && (v >> (8 * w - 1)) & 1 ? v | ~mask : v;
}

// Extends are few (144): one batch, judged against a computation of its own.
static void group_extend_batch(struct group *g, const struct extend_query *eq, u32 n)
{
	ulong got[8 * 18];
	int gone = backend->extend(eq, got, n) != 0;
	for (u32 i = 0; i < n; i++) {
		ulong want = extend_ref(eq[i].raw, eq[i].width, eq[i].sign_extend);
		g->tried++;
		if (gone && !g->failed++)
			snprintf(g->detail, DETAIL_MAX, "mmio_extend(0x%lx, width %u, sign_extend "
				 "%u): no answer: %s", eq[i].raw, eq[i].width, eq[i].sign_extend,
				 backend->gone);
		else if (!gone && got[i] != want && !g->failed++)
			snprintf(g->detail, DETAIL_MAX, "mmio_extend(0x%lx, width %u, sign_extend "
				 "%u) = 0x%lx, expected 0x%lx", eq[i].raw, eq[i].width,
				 eq[i].sign_extend, got[i], want);
	}
}

static void group_extend(struct group *g)
{
	static const ulong raws[] = { 0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
				      0x7fffffff, 0x80000000, 0xffffffff, ~0UL, 0x8000000000000000,
				      0x0123456789abcdef, 0xfedcba9876543210, 0x00000000ffff7f80,
				      0x5a5a5a5a8080a5a5, 0xa5a5a5a57f7f5a5a };
	struct extend_query eq[ARRAY_SIZE(raws) * 8];
	u32 n = 0;
	for (u32 i = 0; i < ARRAY_SIZE(raws); i++)
		for (u8 w = 1; w <= 8; w *= 2)
			for (u8 s = 0; s <= 1; s++)
				eq[n++] = (struct extend_query){ raws[i], w, s };
	group_extend_batch(g, eq, n);
}

// ---------------------------------------------------------------- driver
static void finish(struct group *g, decode_report_fn *report)
{
	char buf[DETAIL_MAX + 64];
	flush_insns(g);
	if (!g->failed) {
		report(g->name, 1, "");
		return;
	}
	snprintf(buf, sizeof(buf), "%ld of %ld cases wrong; first: %s", g->failed, g->tried,
		 g->detail);
	report(g->name, 0, buf);
}

void decode_suite_run(int exhaustive, const struct decode_backend *b, decode_report_fn *report)
{
	struct group g;
	backend = b;
	q.n = 0;
#define GROUP(label, call) do { memset(&g, 0, sizeof(g)); g.name = label; call; \
			       finish(&g, report); } while (0)
	GROUP("decode_encoders", group_encoders(&g));
	GROUP("decode_load", group_loads(&g, exhaustive));
	GROUP("decode_store", group_stores(&g, exhaustive));
	GROUP("decode_c_lw_ld", group_compressed(&g, C_LW, 2));
	GROUP("decode_c_sw_sd", group_compressed(&g, C_SW, 2));
	GROUP("decode_c_lwsp_ldsp", group_compressed(&g, C_LWSP, 2));
	GROUP("decode_c_swsp_sdsp", group_compressed(&g, C_SWSP, 2));
	GROUP("decode_htinst", group_htinst(&g));
	GROUP("decode_refused", group_refused(&g));
	GROUP("decode_other", group_other(&g));
	GROUP("decode_extend", group_extend(&g));
#undef GROUP
}
