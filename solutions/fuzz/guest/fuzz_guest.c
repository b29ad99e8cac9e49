// fuzz_guest.c: the fuzz guest (make fuzz, docs/fuzz.md).
//
// A seeded stream of hostile operations against the hypervisor under it:
// SBI calls with random EIDs, FIDs and arguments (pointers into RAM, into
// the UART, into nothing), loads and stores of every width anywhere in the
// guest-physical space, random CSR accesses, illegal instructions and wfi.
// The guest's own trap handler (vstvec) counts every trap and steps over
// the instruction, so a refused access (lab 9: an access fault) or a
// reflected illegal instruction does not stop it. After each operation the
// guest checks what it got against the SBI spec and lab 9's handout; at the
// end it prints one CHECK line per invariant and the operation counts.
// Bootargs (set by fuzz.c): fuzz=fuzz|vmm seed=<hex> ops=<n>. fuzz= only
// names the hypervisor's run loop: the guest does the same in both.
#include "guest.h"
#include "uart16550.h"
#include "../fuzz.h"

// ---- the random stream ------------------------------------------------------
static ulong rng;
static ulong rnd(void) { return rand_next(&rng); }
static ulong below(ulong n) { return rnd() % n; }
static int chance(ulong n) { return below(n) == 0; }   // 1 in n

// ---- traps: count, remember the last, skip the instruction ------------------
static volatile ulong traps, last_cause, last_tval;
static ulong interrupts;

void guest_trap(struct trapframe *tf)
{
	if (tf->scause & CAUSE_INTERRUPT) {   // sstatus.SIE stays 0: never expected
		interrupts++;
		return;
	}
	traps++;
	last_cause = tf->scause;
	last_tval = tf->stval;
	// Priv. (unprivileged 1.5): bits 1:0 = 11 is a 32-bit instruction.
	u16 low = *(volatile u16 *)tf->sepc;
	tf->sepc += (low & 3) == 3 ? 4 : 2;
}

// ---- invariants ---------------------------------------------------------------
enum inv {
	INV_UNKNOWN_EID, INV_UNKNOWN_FID, INV_LEGACY_RANGE, INV_PROBE, INV_HSM, INV_SRST,
	INV_DBCN, INV_HYPERCALL, INV_SBI_NO_TRAP, INV_LEGACY_PTR, INV_RAM, INV_UART,
	INV_UNMAPPED, INV_CSR, INV_ILLEGAL, INV_WFI, INV_COUNT
};
static const char *const inv_names[INV_COUNT] = {
	"sbi_unknown_eid", "sbi_unknown_fid", "sbi_legacy_unused", "sbi_probe", "sbi_hsm",
	"sbi_srst_invalid", "sbi_dbcn", "sbi_hypercall", "sbi_no_trap", "sbi_legacy_pointer",
	"mem_ram", "mem_uart", "mem_unmapped", "csr", "illegal_insn", "wfi",
};
static ulong inv_n[INV_COUNT], inv_bad[INV_COUNT];
static char inv_first[INV_COUNT][120];

static void expect(enum inv i, int ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void expect(enum inv i, int ok, const char *fmt, ...)
{
	inv_n[i]++;
	if (ok)
		return;
	if (inv_bad[i]++ == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(inv_first[i], sizeof(inv_first[i]), fmt, ap);
		va_end(ap);
	}
}

// ---- guest-physical addresses of every kind -----------------------------------
#define RAM_END        (GUEST_RAM_GPA + FUZZ_GUEST_MEM)
#define UART_WINDOW    0x1000UL        // a page: the model answers offsets 0-7

enum where { AT_RAM, AT_SCRATCH, AT_UART, AT_UNMAPPED };

// Somewhere with nothing behind it in the guest's G-stage: low memory (the
// real CLINT and PLIC live there), around the UART, between the UART and
// RAM, the host's memory past the guest's RAM, the top of Sv39x4's 41-bit
// space, and addresses no G-stage can translate.
static ulong unmapped_addr(void)
{
	switch (below(7)) {
	case 0:  return below(UART_VIRT_BASE);
	case 1:  return UART_VIRT_BASE + UART_WINDOW + below(0x1000000);
	case 2:  return UART_VIRT_BASE + UART_WINDOW + below(GUEST_RAM_GPA - UART_VIRT_BASE - UART_WINDOW);
	case 3:  return RAM_END + below(256UL << 20);
	case 4:  return RAM_END + below((1UL << 34) - RAM_END);
	case 5:  return (1UL << 41) - 1 - below(1UL << 30);
	default: return rnd() | (1UL << 41);
	}
}

static ulong addr_of(enum where w)
{
	switch (w) {
	case AT_RAM:     return GUEST_RAM_GPA + below(FUZZ_GUEST_MEM);
	case AT_SCRATCH: return FUZZ_SCRATCH_GPA + below(FUZZ_SCRATCH_SIZE - 64);
	case AT_UART:    return UART_VIRT_BASE + below(chance(2) ? 8 : UART_WINDOW);
	default:         return unmapped_addr();
	}
}

// ---- one load or store of a given width ---------------------------------------
// One instruction each (inline asm), so a trap skips exactly that access.
static ulong load(ulong a, int width, int sign)
{
	ulong v = 0xdeadbeefUL;
	switch (width * 2 + sign) {
	case 2:  asm volatile("lbu %0, 0(%1)" : "+r"(v) : "r"(a) : "memory"); break;
	case 3:  asm volatile("lb  %0, 0(%1)" : "+r"(v) : "r"(a) : "memory"); break;
	case 4:  asm volatile("lhu %0, 0(%1)" : "+r"(v) : "r"(a) : "memory"); break;
	case 5:  asm volatile("lh  %0, 0(%1)" : "+r"(v) : "r"(a) : "memory"); break;
	case 8:  asm volatile("lwu %0, 0(%1)" : "+r"(v) : "r"(a) : "memory"); break;
	case 9:  asm volatile("lw  %0, 0(%1)" : "+r"(v) : "r"(a) : "memory"); break;
	default: asm volatile("ld  %0, 0(%1)" : "+r"(v) : "r"(a) : "memory"); break;
	}
	return v;
}

static void store(ulong a, int width, ulong v)
{
	switch (width) {
	case 1:  asm volatile("sb %0, 0(%1)" : : "r"(v), "r"(a) : "memory"); break;
	case 2:  asm volatile("sh %0, 0(%1)" : : "r"(v), "r"(a) : "memory"); break;
	case 4:  asm volatile("sw %0, 0(%1)" : : "r"(v), "r"(a) : "memory"); break;
	default: asm volatile("sd %0, 0(%1)" : : "r"(v), "r"(a) : "memory"); break;
	}
}

static ulong truncate(ulong v, int width, int sign)
{
	if (width == 8)
		return v;
	int shift = 64 - 8 * width;
	return sign ? (ulong)((long)(v << shift) >> shift) : (v << shift) >> shift;
}

static const int widths[4] = { 1, 2, 4, 8 };

static ulong run_insn(u32 insn, ulong a0, ulong a1);

// Accesses the hypervisor must refuse at a device (lab 9's table): LR, SC,
// AMOs and FP loads/stores, built at run time as "op a0, (a1)" (f0 for FP).
// Lab 9: LR is a load (5); SC and the AMOs are stores (7, Priv. table 3.6)
// even though QEMU reports their guest-page fault as a load (21); FP
// accesses follow their names. Word or doubleword, naturally aligned
// (a misaligned AMO is a misaligned-address exception, not the
// hypervisor's). An SC with no reservation may fail without touching
// memory at all (unprivileged spec, "Load-Reserved/Store-Conditional"),
// which QEMU does: no trap is right for it too.
#define RA0 10
#define RA1 11
struct special { const char *name; u32 insn; int is_store; };
static const struct special specials[] = {
	{ "lr.w",      (0x02U << 27) | (2 << 12) | 0x2f, 0 },
	{ "lr.d",      (0x02U << 27) | (3 << 12) | 0x2f, 0 },
	{ "sc.w",      (0x03U << 27) | (2 << 12) | 0x2f, 1 },
	{ "sc.d",      (0x03U << 27) | (3 << 12) | 0x2f, 1 },
	{ "amoadd.w",  (0x00U << 27) | (2 << 12) | 0x2f, 1 },
	{ "amoswap.d", (0x01U << 27) | (3 << 12) | 0x2f, 1 },
	{ "amoor.w",   (0x08U << 27) | (2 << 12) | 0x2f, 1 },
	{ "amomaxu.d", (0x1cU << 27) | (3 << 12) | 0x2f, 1 },
	{ "flw",       (2 << 12) | 0x07, 0 },
	{ "fld",       (3 << 12) | 0x07, 0 },
	{ "fsw",       (2 << 12) | 0x27, 1 },
	{ "fsd",       (3 << 12) | 0x27, 1 },
};
#define N_SPECIALS (sizeof(specials) / sizeof(specials[0]))

// rd = a0 (f0 for FP loads), rs1 = a1, rs2 = a0 (f0 for FP stores).
static u32 special_insn(const struct special *sp)
{
	u32 insn = sp->insn | (RA1 << 15);
	u32 opcode = insn & 0x7f;
	if (opcode == 0x2f)
		insn |= (RA0 << 7) | (((insn >> 27) == 0x02 ? 0 : RA0) << 20);
	else if (opcode == 0x07)
		insn |= 0 << 7;                        // f0
	return insn;
}

static int special_width(const struct special *sp)
{
	return ((sp->insn >> 12) & 7) == 3 ? 8 : 4;
}

// One refused access at a (a device or nothing): exactly one trap, the
// access fault of the instruction's class, stval = a.
static void op_special(ulong a, enum inv inv)
{
	const struct special *sp = &specials[below(N_SPECIALS)];
	a &= ~(ulong)(special_width(sp) - 1);
	ulong t0 = traps, cause = sp->is_store ? CAUSE_STORE_ACCESS : CAUSE_LOAD_ACCESS;
	run_insn(special_insn(sp), rnd(), a);
	int sc = ((sp->insn >> 27) == 0x03 && (sp->insn & 0x7f) == 0x2f);
	expect(inv, (sc && traps == t0) || (traps == t0 + 1 && last_cause == cause && last_tval == a),
	       "%s at 0x%lx: %lu traps, cause %lu stval 0x%lx (want %lu)", sp->name, a,
	       traps - t0, last_cause, last_tval, cause);
}

// RAM: loads anywhere, stores only in the scratch area, naturally aligned
// (misaligned RAM accesses are OpenSBI's business, not the hypervisor's).
// Nothing may trap; a store reads back.
static void op_ram(void)
{
	int width = widths[below(4)], sign = width < 8 && chance(2);
	ulong t0 = traps;
	if (chance(2)) {
		ulong a = addr_of(AT_RAM) & ~(ulong)(width - 1);
		load(a, width, sign);
		expect(INV_RAM, traps == t0, "load%d at 0x%lx trapped (cause %lu)", width, a,
		       last_cause);
		return;
	}
	ulong a = addr_of(AT_SCRATCH) & ~(ulong)(width - 1), v = rnd();
	store(a, width, v);
	ulong got = load(a, width, sign);
	expect(INV_RAM, traps == t0 && got == truncate(v, width, sign),
	       "store%d at 0x%lx: read back 0x%lx, wrote 0x%lx, %lu traps", width, a, got, v,
	       traps - t0);
}

// Lab 9: the UART answers byte accesses to offsets 0-7; any other width,
// offset or misalignment is refused with an access fault (5 load, 7 store)
// at the address used. THR (offset 0) is not written: its bytes would land
// in the middle of the result lines.
// One read of the UART's LSR into every register but zero and sp (x1,
// x3..x31), each stored to out[n] at once: a hypervisor that answers
// device accesses in its trap (lab 10's fast path) must write whatever
// register the load names, the ones a C function preserves (gp, tp,
// s0-s11) as much as the rest. t6 holds the address, t5 out, until each
// takes its own turn last.
void lsr_into_every_register(ulong addr, ulong *out);
__asm__(".pushsection .text\n"
".balign 4\n"
".globl lsr_into_every_register\n"
"lsr_into_every_register:\n"
"\taddi\tsp, sp, -128\n"
"\tsd\tra, 0(sp)\n"
"\tsd\tgp, 8(sp)\n"
"\tsd\ttp, 16(sp)\n"
"\tsd\ts0, 24(sp)\n"
"\tsd\ts1, 32(sp)\n"
"\tsd\ts2, 40(sp)\n"
"\tsd\ts3, 48(sp)\n"
"\tsd\ts4, 56(sp)\n"
"\tsd\ts5, 64(sp)\n"
"\tsd\ts6, 72(sp)\n"
"\tsd\ts7, 80(sp)\n"
"\tsd\ts8, 88(sp)\n"
"\tsd\ts9, 96(sp)\n"
"\tsd\ts10, 104(sp)\n"
"\tsd\ts11, 112(sp)\n"
"\tmv\tt6, a0\n"
"\tmv\tt5, a1\n"
"\tlbu\tx1, 0(t6)\n\tsd\tx1, 8(t5)\n"
"\tlbu\tx3, 0(t6)\n\tsd\tx3, 24(t5)\n"
"\tlbu\tx4, 0(t6)\n\tsd\tx4, 32(t5)\n"
"\tlbu\tx5, 0(t6)\n\tsd\tx5, 40(t5)\n"
"\tlbu\tx6, 0(t6)\n\tsd\tx6, 48(t5)\n"
"\tlbu\tx7, 0(t6)\n\tsd\tx7, 56(t5)\n"
"\tlbu\tx8, 0(t6)\n\tsd\tx8, 64(t5)\n"
"\tlbu\tx9, 0(t6)\n\tsd\tx9, 72(t5)\n"
"\tlbu\tx10, 0(t6)\n\tsd\tx10, 80(t5)\n"
"\tlbu\tx11, 0(t6)\n\tsd\tx11, 88(t5)\n"
"\tlbu\tx12, 0(t6)\n\tsd\tx12, 96(t5)\n"
"\tlbu\tx13, 0(t6)\n\tsd\tx13, 104(t5)\n"
"\tlbu\tx14, 0(t6)\n\tsd\tx14, 112(t5)\n"
"\tlbu\tx15, 0(t6)\n\tsd\tx15, 120(t5)\n"
"\tlbu\tx16, 0(t6)\n\tsd\tx16, 128(t5)\n"
"\tlbu\tx17, 0(t6)\n\tsd\tx17, 136(t5)\n"
"\tlbu\tx18, 0(t6)\n\tsd\tx18, 144(t5)\n"
"\tlbu\tx19, 0(t6)\n\tsd\tx19, 152(t5)\n"
"\tlbu\tx20, 0(t6)\n\tsd\tx20, 160(t5)\n"
"\tlbu\tx21, 0(t6)\n\tsd\tx21, 168(t5)\n"
"\tlbu\tx22, 0(t6)\n\tsd\tx22, 176(t5)\n"
"\tlbu\tx23, 0(t6)\n\tsd\tx23, 184(t5)\n"
"\tlbu\tx24, 0(t6)\n\tsd\tx24, 192(t5)\n"
"\tlbu\tx25, 0(t6)\n\tsd\tx25, 200(t5)\n"
"\tlbu\tx26, 0(t6)\n\tsd\tx26, 208(t5)\n"
"\tlbu\tx27, 0(t6)\n\tsd\tx27, 216(t5)\n"
"\tlbu\tx28, 0(t6)\n\tsd\tx28, 224(t5)\n"
"\tlbu\tx29, 0(t6)\n\tsd\tx29, 232(t5)\n"
"\tmv\tx29, t5\n"
"\tlbu\tx30, 0(t6)\n"
"\tsd\tx30, 240(x29)\n"
"\tlbu\tx31, 0(t6)\n"
"\tsd\tx31, 248(x29)\n"
"\tld\tra, 0(sp)\n"
"\tld\tgp, 8(sp)\n"
"\tld\ttp, 16(sp)\n"
"\tld\ts0, 24(sp)\n"
"\tld\ts1, 32(sp)\n"
"\tld\ts2, 40(sp)\n"
"\tld\ts3, 48(sp)\n"
"\tld\ts4, 56(sp)\n"
"\tld\ts5, 64(sp)\n"
"\tld\ts6, 72(sp)\n"
"\tld\ts7, 80(sp)\n"
"\tld\ts8, 88(sp)\n"
"\tld\ts9, 96(sp)\n"
"\tld\ts10, 104(sp)\n"
"\tld\ts11, 112(sp)\n"
"\taddi\tsp, sp, 128\n"
"\tret\n"
".popsection\n");

static void op_uart_registers(void)
{
	ulong out[32] = { 0 }, t0 = traps;
	int bad = 0;
	lsr_into_every_register(UART_VIRT_BASE + UART_LSR, out);
	for (int n = 31; n > 0; n--)
		if (n != 2 && (out[n] & (UART_LSR_THRE | 0x40)) != (UART_LSR_THRE | 0x40))
			bad = n;
	expect(INV_UART, traps == t0 && !bad, "LSR loaded into x1, x3..x31: %lu traps%s%d got 0x%lx",
	       traps - t0, bad ? ", x" : ", all right (x", bad ? bad : 31, out[bad ? bad : 31]);
}

static void op_uart(void)
{
	int width = widths[below(4)], sign = width < 8 && chance(2), is_store = chance(2);
	ulong a = addr_of(AT_UART);
	if (chance(8)) {
		op_uart_registers();
		return;
	}
	if (chance(4)) {
		op_special(a, INV_UART);
		return;
	}
	if (is_store && a == UART_VIRT_BASE)
		a += 7;   // SCR: harmless storage
	ulong off = a - UART_VIRT_BASE, t0 = traps, v = 0;
	int emulated = width == 1 && off < 8;
	if (is_store)
		store(a, width, rnd());
	else
		v = load(a, width, sign);
	ulong cause = is_store ? CAUSE_STORE_ACCESS : CAUSE_LOAD_ACCESS;
	if (emulated) {
		int lsr_ok = is_store || off != UART_LSR ||
			     (v & (UART_LSR_THRE | 0x40)) == (UART_LSR_THRE | 0x40);
		expect(INV_UART, traps == t0 && lsr_ok, "%s%d at 0x%lx: %lu traps, value 0x%lx",
		       is_store ? "store" : "load", width, a, traps - t0, v);
	} else {
		expect(INV_UART, traps == t0 + 1 && last_cause == cause && last_tval == a,
		       "%s%d at 0x%lx: %lu traps, cause %lu stval 0x%lx (want %lu)",
		       is_store ? "store" : "load", width, a, traps - t0, last_cause, last_tval,
		       cause);
	}
}

// Nothing there: an access fault of the access's kind, stval = the address.
static void op_unmapped(void)
{
	int width = widths[below(4)], sign = width < 8 && chance(2), is_store = chance(2);
	ulong a = addr_of(AT_UNMAPPED), t0 = traps;
	if (chance(4)) {
		op_special(a, INV_UNMAPPED);
		return;
	}
	if (!chance(4))
		a &= ~(ulong)(width - 1);
	if (is_store)
		store(a, width, rnd());
	else
		load(a, width, sign);
	ulong cause = is_store ? CAUSE_STORE_ACCESS : CAUSE_LOAD_ACCESS;
	expect(INV_UNMAPPED, traps == t0 + 1 && last_cause == cause && last_tval == a,
	       "%s%d at 0x%lx: %lu traps, cause %lu stval 0x%lx (want %lu)",
	       is_store ? "store" : "load", width, a, traps - t0, last_cause, last_tval, cause);
}

// ---- SBI ------------------------------------------------------------------------
static const ulong implemented[] = {
	SBI_EXT_BASE, SBI_EXT_TIME, SBI_EXT_IPI, SBI_EXT_RFENCE, SBI_EXT_HSM, SBI_EXT_SRST,
	SBI_EXT_DBCN, SBI_EXT_RVHLAB_HYPERCALL,
};
#define N_IMPL (sizeof(implemented) / sizeof(implemented[0]))
// The highest FID each of them defines (SBI 4, 6, 7, 8, 9, 10, 12; the
// kit's hypercall takes any number, FUZZ_HC_ECHO is the one it knows).
static const ulong max_fid[N_IMPL] = { 6, 0, 0, 6, 3, 0, 2, ~0UL };

// Which of them this hypervisor offers (base probe_extension, SBI 4.8):
// lab 10's VMM offers all of them, on a VM of one vCPU here (HSM, IPI and
// RFENCE answer on every VM). An extension that is not offered answers
// every call with not supported.
static int avail[N_IMPL];

static void probe_all(void)
{
	for (ulong i = 0; i < N_IMPL; i++) {
		struct sbiret r = sbi_ecall(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, implemented[i],
					    0, 0, 0, 0, 0);
		avail[i] = r.error == 0 && r.value != 0;
		fact("sbi_ext", "0x%lx %s", implemented[i], avail[i] ? "available" : "absent");
	}
}

static int is_implemented(ulong eid)
{
	if (eid <= SBI_EXT_LEGACY_SHUTDOWN)
		return 1;
	for (ulong i = 0; i < N_IMPL; i++)
		if (eid == implemented[i])
			return 1;
	return 0;
}

static struct sbiret ecall6(ulong eid, ulong fid, const ulong *a)
{
	return sbi_ecall(eid, fid, a[0], a[1], a[2], a[3], a[4], a[5]);
}

static void random_args(ulong *a)
{
	for (int i = 0; i < 6; i++)
		a[i] = chance(3) ? addr_of((enum where)below(4)) : rnd() >> below(64);
}

// An EID nobody implements: a 64-bit value, a 32-bit one, or one next to
// an implemented EID (an off-by-one in a range check would answer it).
static ulong unknown_eid(void)
{
	ulong eid;
	do {
		switch (below(3)) {
		case 0:  eid = rnd(); break;
		case 1:  eid = rnd() & 0xffffffffUL; break;
		default: eid = implemented[below(N_IMPL)] + (chance(2) ? 1 : -1UL); break;
		}
	} while (is_implemented(eid) || eid <= 0xf);
	return eid;
}

static void op_sbi_unknown(void)
{
	ulong a[6], eid = unknown_eid(), fid = rnd() >> below(64), t0 = traps;
	random_args(a);
	struct sbiret r = ecall6(eid, fid, a);
	expect(INV_UNKNOWN_EID, r.error == SBI_ERR_NOT_SUPPORTED,
	       "eid 0x%lx fid 0x%lx: error %ld", eid, fid, r.error);
	expect(INV_SBI_NO_TRAP, traps == t0, "eid 0x%lx: the call trapped", eid);
	r = sbi_ecall(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, eid, 0, 0, 0, 0, 0);
	expect(INV_PROBE, r.error == 0 && r.value == 0, "probe(0x%lx) = %ld/%ld", eid, r.error,
	       r.value);
}

// SBI 5: legacy EIDs 0x09-0x0F are not defined; 0x00-0x08 with hostile
// arguments. The mask pointers of 0x04-0x07 are read by the hypervisor and
// a fault while reading is redirected to the caller (SBI 5, lab 7): an
// access fault at the pointer. SHUTDOWN (0x08) is left out.
static void op_sbi_legacy(void)
{
	ulong a[6], t0 = traps;
	random_args(a);
	ulong eid = below(16);
	if (eid >= 0x9) {
		struct sbiret r = ecall6(eid, rnd(), a);
		expect(INV_LEGACY_RANGE, r.error == SBI_ERR_NOT_SUPPORTED, "legacy 0x%lx: %ld", eid,
		       r.error);
		return;
	}
	switch (eid) {
	case SBI_EXT_LEGACY_SHUTDOWN:
		return;
	case SBI_EXT_LEGACY_CONSOLE_PUTCHAR:
		a[0] = '\n';
		break;
	case SBI_EXT_LEGACY_SEND_IPI: case SBI_EXT_LEGACY_REMOTE_FENCE_I:
	case SBI_EXT_LEGACY_REMOTE_SFENCE_VMA: case SBI_EXT_LEGACY_REMOTE_SFENCE_VMA_ASID: {
		enum where w = (enum where)below(4);
		a[0] = addr_of(w == AT_RAM ? AT_SCRATCH : w) & ~7UL;
		int fault = w == AT_UART || w == AT_UNMAPPED;
		if (w == AT_RAM && chance(2)) {
			// Misaligned, or the mask's 8 bytes running off the end of
			// RAM: the fault, if any, is at the first byte that is not
			// RAM (stval within the mask).
			a[0] = chance(2) ? addr_of(AT_SCRATCH) : RAM_END - 1 - below(8);
			fault = a[0] + 8 > RAM_END;
		}
		ecall6(eid, rnd(), a);
		expect(INV_LEGACY_PTR, fault ? (traps == t0 + 1 && last_cause == CAUSE_LOAD_ACCESS &&
						last_tval >= a[0] && last_tval < a[0] + 8)
					     : traps == t0,
		       "legacy 0x%lx mask at 0x%lx: %lu traps, cause %lu stval 0x%lx", eid, a[0],
		       traps - t0, last_cause, last_tval);
		if (eid == SBI_EXT_LEGACY_SEND_IPI)
			sbi_ecall(SBI_EXT_LEGACY_CLEAR_IPI, 0, 0, 0, 0, 0, 0, 0);
		return;
	}
	}
	ecall6(eid, rnd(), a);
	expect(INV_SBI_NO_TRAP, traps == t0, "legacy 0x%lx: the call trapped", eid);
}

// SBI 12: DBCN takes guest-physical pointers; memory that is not the
// guest's RAM is SBI_ERR_INVALID_PARAM, and nothing is printed.
static const char dbcn_line[] = "fuzz: dbcn write\n";

static void op_sbi_dbcn(void)
{
	ulong t0 = traps;
	struct sbiret r;
	enum where w = (enum where)below(4);
	int fid = below(3);
	if (fid == SBI_DBCN_WRITE_BYTE) {
		r = sbi_ecall(SBI_EXT_DBCN, fid, '\n', rnd(), rnd(), 0, 0, 0);
		expect(INV_DBCN, r.error == 0, "write_byte: %ld", r.error);
	} else if (w == AT_RAM || w == AT_SCRATCH) {
		ulong n = sizeof(dbcn_line) - 1, base = (ulong)dbcn_line;
		if (fid == SBI_DBCN_READ)
			base = addr_of(AT_SCRATCH), n = below(64);
		r = sbi_ecall(SBI_EXT_DBCN, fid, n, base, 0, 0, 0, 0);
		ulong want = fid == SBI_DBCN_WRITE ? n : 0;   // no input waits
		expect(INV_DBCN, r.error == 0 && (ulong)r.value == want,
		       "fid %d %lu bytes at 0x%lx: %ld/%ld", fid, n, base, r.error, r.value);
	} else {
		ulong n = 1 + below(64), base = addr_of(w), hi = 0;
		if (chance(4))   // crossing the end of RAM, or base_addr_hi set
			base = RAM_END - below(n);
		if (chance(4))
			hi = 1 + below(0xffff);
		if (chance(8))   // base + num_bytes wraps around: from RAM too
			base = addr_of(AT_SCRATCH), n = -below(1UL << 20) - 1;
		r = sbi_ecall(SBI_EXT_DBCN, fid, n, base, hi, 0, 0, 0);
		expect(INV_DBCN, r.error == SBI_ERR_INVALID_PARAM,
		       "fid %d %lu bytes at 0x%lx hi 0x%lx: error %ld", fid, n, base, hi, r.error);
	}
	expect(INV_SBI_NO_TRAP, traps == t0, "dbcn fid %d: the call trapped", fid);
}

// SBI 9: one vCPU, hart 0. Starting it again: already available; any other
// hart id: invalid. (The spec does not order the checks, so a start address
// the hypervisor refuses first, invalid address, is accepted too.)
static void op_sbi_hsm(void)
{
	ulong t0 = traps, hart = chance(4) ? 0 : (chance(2) ? 1 + below(8) : rnd());
	struct sbiret r;
	if (chance(2)) {
		r = sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_START, hart, addr_of((enum where)below(4)),
			      rnd(), 0, 0, 0);
		long want = hart == 0 ? SBI_ERR_ALREADY_AVAILABLE : SBI_ERR_INVALID_PARAM;
		expect(INV_HSM, r.error == want || r.error == SBI_ERR_INVALID_ADDRESS,
		       "hart_start(%lu): error %ld", hart, r.error);
	} else {
		r = sbi_ecall(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, hart, rnd(), 0, 0, 0, 0);
		expect(INV_HSM, hart == 0 ? (r.error == 0 && r.value == SBI_HSM_STATE_STARTED)
				      : r.error == SBI_ERR_INVALID_PARAM,
		       "hart_get_status(%lu): %ld/%ld", hart, r.error, r.value);
	}
	expect(INV_SBI_NO_TRAP, traps == t0, "hsm: the call trapped");
}

// An implemented extension: a FID past its last one is not supported
// (SBI 3); a defined one with random arguments must only come back.
// Left out: HSM stop/suspend (would stop the only vCPU), a valid SRST.
static void op_sbi_known(void)
{
	ulong i = below(N_IMPL), eid = implemented[i], a[6], t0 = traps;
	random_args(a);
	if (!avail[i]) {
		ulong fid = rnd() >> below(64);
		struct sbiret r = ecall6(eid, fid, a);
		expect(INV_UNKNOWN_EID, r.error == SBI_ERR_NOT_SUPPORTED,
		       "absent eid 0x%lx fid 0x%lx: error %ld", eid, fid, r.error);
		expect(INV_SBI_NO_TRAP, traps == t0, "eid 0x%lx: the call trapped", eid);
		r = sbi_ecall(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, eid, 0, 0, 0, 0, 0);
		expect(INV_PROBE, r.error == 0 && r.value == 0, "probe(0x%lx) = %ld/%ld", eid,
		       r.error, r.value);
		return;
	}
	if (eid == SBI_EXT_HSM && chance(2)) {
		op_sbi_hsm();
		return;
	}
	if (eid == SBI_EXT_DBCN && chance(2)) {
		op_sbi_dbcn();
		return;
	}
	if (eid == SBI_EXT_RVHLAB_HYPERCALL) {
		ulong nr = chance(2) ? FUZZ_HC_ECHO : rnd() >> below(64);
		struct sbiret r = ecall6(eid, nr, a);
		expect(INV_HYPERCALL, nr == FUZZ_HC_ECHO ? (r.error == 0 && (ulong)r.value == ~a[0])
							 : r.error == SBI_ERR_NOT_SUPPORTED,
		       "hypercall %lu: %ld/0x%lx", nr, r.error, r.value);
	} else if (chance(2)) {
		ulong fid = max_fid[i] + 1 + (rnd() >> below(64));
		if (fid <= max_fid[i])   // wrapped around
			fid = max_fid[i] + 1;
		struct sbiret r = ecall6(eid, fid, a);
		expect(INV_UNKNOWN_FID, r.error == SBI_ERR_NOT_SUPPORTED,
		       "eid 0x%lx fid 0x%lx: error %ld", eid, fid, r.error);
	} else if (eid == SBI_EXT_SRST) {
		a[0] = 3 + below(0xeffffffdUL);   // SBI 10.1: reserved reset types
		struct sbiret r = ecall6(eid, SBI_SRST_SYSTEM_RESET, a);
		expect(INV_SRST, r.error == SBI_ERR_INVALID_PARAM, "reset type 0x%lx: error %ld",
		       a[0], r.error);
	} else if (eid == SBI_EXT_BASE) {
		ulong fid = below(7);
		struct sbiret r = ecall6(eid, fid, a);
		if (fid == SBI_BASE_PROBE_EXTENSION) {
			ulong j = below(N_IMPL);
			r = sbi_ecall(eid, fid, implemented[j], 0, 0, 0, 0, 0);
			expect(INV_PROBE, r.error == 0 && (r.value != 0) == avail[j],
			       "probe(0x%lx) = %ld/%ld", implemented[j], r.error, r.value);
		} else {
			expect(INV_PROBE, r.error == 0, "base fid %lu: error %ld", fid, r.error);
		}
	} else {
		ulong fid = below(max_fid[i] + 1);
		if (eid == SBI_EXT_HSM)
			fid = chance(2) ? SBI_HSM_HART_START : SBI_HSM_HART_GET_STATUS;
		if (eid == SBI_EXT_DBCN && fid != SBI_DBCN_READ)
			fid = SBI_DBCN_READ, a[0] &= 63;
		ecall6(eid, fid, a);
		if (eid == SBI_EXT_IPI)
			sbi_ecall(SBI_EXT_LEGACY_CLEAR_IPI, 0, 0, 0, 0, 0, 0, 0);
	}
	expect(INV_SBI_NO_TRAP, traps == t0, "eid 0x%lx: the call trapped", eid);
}

// ---- instructions built at run time ------------------------------------------
// A two-instruction function in RAM: the instruction under test, then ret.
// The guest runs with vsatp = 0, so its data is executable (Priv. 4.1.11);
// fence.i makes the new bytes visible to instruction fetch.
static u32 code[2] __attribute__((aligned(8)));

static ulong run_insn(u32 insn, ulong a0, ulong a1)
{
	code[0] = insn;
	code[1] = 0x00008067;   // ret (jalr x0, 0(ra))
	asm volatile("fence.i" ::: "memory");
	ulong (*fn)(ulong, ulong) = (ulong (*)(ulong, ulong))(ulong)code;
	return fn(a0, a1);
}

#define OP_SYSTEM 0x73
#define REG_A0_N  10
#define REG_A1_N  11
static u32 csr_insn(u32 csr, int funct3, int rd, int rs1)
{
	return (csr << 20) | ((u32)rs1 << 15) | ((u32)funct3 << 12) | ((u32)rd << 7) | OP_SYSTEM;
}

// Hypervisor and VS CSRs (Priv. 8.2): from VS-mode a virtual instruction
// (cause 22, the hypervisor's), which the guest sees as illegal (cause 2).
static const u16 h_csrs[] = {
	0x600, 0x602, 0x603, 0x604, 0x605, 0x606, 0x607, 0x60a, 0x643, 0x644, 0x645, 0x64a,
	0x680, 0xe12, 0x200, 0x204, 0x205, 0x240, 0x241, 0x242, 0x243, 0x244, 0x280,
};
#define N_H_CSRS (sizeof(h_csrs) / sizeof(h_csrs[0]))
// Other H-extension instructions VS may not run (Priv. 8.6.1), and mret.
static const u32 h_insns[] = {
	0x22000073,                                    // hfence.vvma zero, zero
	0x62000073,                                    // hfence.gvma zero, zero
	0x68000073 | (REG_A1_N << 15) | (4 << 12) | (REG_A0_N << 7),   // hlv.w a0, (a1)
	0x6c000073 | (REG_A1_N << 15) | (4 << 12) | (REG_A0_N << 7),   // hlv.d a0, (a1)
};

// The top nibble of the CSR number: where a random write is safe. S-level
// CSRs (0x1xx, 0x5xx) and the user ones (0x0xx) are left alone: changing
// them would change the guest itself, not test the hypervisor.
static int write_ok(u32 csr)
{
	switch (csr >> 8) {
	case 0x0: case 0x1: case 0x4: case 0x5: return 0;
	default: return 1;
	}
}

// A CSR read (any CSR) or write (see write_ok): whatever traps must reach
// the guest as an illegal instruction, whether the hardware raised it
// (a machine CSR: OpenSBI redirects it) or the hypervisor reflected a
// virtual instruction (an H or VS CSR, a hidden counter: fuzz_run() and
// lab 10's vmm_run() alike, docs/fuzz.md).
static void op_csr(void)
{
	u32 csr;
	int must_trap = 0;
	if (chance(3)) {
		csr = h_csrs[below(N_H_CSRS)];
		must_trap = 1;
	} else {
		csr = below(4096);
	}
	int is_write = write_ok(csr) && chance(2);
	u32 insn = is_write ? csr_insn(csr, 1, REG_A0_N, REG_A1_N)     // csrrw a0, csr, a1
			    : csr_insn(csr, 2, REG_A0_N, 0);            // csrrs a0, csr, x0
	ulong t0 = traps;
	run_insn(insn, 0, rnd());
	int trapped = traps != t0;
	expect(INV_CSR, (!trapped || (traps == t0 + 1 && last_cause == CAUSE_ILLEGAL_INSTRUCTION)) &&
			(trapped || !must_trap),
	       "csr 0x%x %s: %lu traps, cause %lu", csr, is_write ? "write" : "read", traps - t0,
	       last_cause);
}

// Illegal instructions: 0 (16-bit, defined illegal, followed by c.nop),
// all ones, the custom opcodes (nothing implements them here), mret, and
// the H instructions (virtual instructions, reflected by the hypervisor).
static void op_illegal(void)
{
	static const u32 custom[] = { 0x0b, 0x2b, 0x5b, 0x7b };
	u32 insn;
	switch (below(5)) {
	case 0:  insn = 0x00010000; break;                 // c.illegal; c.nop
	case 1:  insn = 0xffffffff; break;
	case 2:  insn = 0x30200073; break;                 // mret
	case 3:  insn = ((u32)rnd() & ~0x7fU) | custom[below(4)]; break;
	default: insn = h_insns[below(4)]; break;
	}
	ulong t0 = traps;
	run_insn(insn, 0, addr_of(AT_RAM));
	expect(INV_ILLEGAL, traps == t0 + 1 && last_cause == CAUSE_ILLEGAL_INSTRUCTION,
	       "insn 0x%08x: %lu traps, cause %lu", insn, traps - t0, last_cause);
}

// wfi (hstatus.VTW = 0: it runs in VS). To come back it needs a pending,
// enabled interrupt: the SBI timer set in the past raises STIP, sie.STIE
// enables it, sstatus.SIE = 0 keeps it from being taken (Priv. 3.3.3).
static void op_wfi(void)
{
	ulong t0 = traps;
	sbi_set_timer(0);
	csr_set(sie, SIE_STIE);
	asm volatile("wfi" ::: "memory");
	csr_clear(sie, SIE_STIE);
	sbi_set_timer(~0UL);
	expect(INV_WFI, traps == t0, "wfi: %lu traps", traps - t0);
}

// ---- the run ------------------------------------------------------------------
enum op { OP_SBI_UNKNOWN, OP_SBI_LEGACY, OP_SBI_KNOWN, OP_RAM, OP_UART, OP_UNMAPPED, OP_CSR,
	  OP_ILLEGAL, OP_WFI, OP_COUNT };
static const char *const op_names[OP_COUNT] = {
	"sbi_unknown", "sbi_legacy", "sbi_known", "ram", "uart", "unmapped", "csr", "illegal",
	"wfi",
};
// Relative weights; the ones that make the hypervisor print a line
// (refused device accesses, legacy faults) are kept low.
static const ulong weight[OP_COUNT] = { 16, 10, 24, 20, 5, 4, 8, 6, 2 };
static ulong op_count[OP_COUNT];

static enum op pick(void)
{
	ulong total = 0;
	for (int i = 0; i < OP_COUNT; i++)
		total += weight[i];
	ulong r = below(total);
	for (int i = 0; i < OP_COUNT; i++) {
		if (r < weight[i])
			return (enum op)i;
		r -= weight[i];
	}
	return OP_RAM;
}

int guest_main(ulong hartid, ulong arg)
{
	UNUSED(hartid);
	UNUSED(arg);
	ulong seed = bootarg_ulong("seed", 1), ops = bootarg_ulong("ops", 100000);
	rng = seed ^ 0xf022f022f022f022UL;
	csr_write(stvec, (ulong)guest_trapvec);
	// FP loads and stores need FS != Off in the guest's own sstatus too
	// (Priv. 8.2: with V = 1 both vsstatus.FS and sstatus.FS count).
	csr_set(sstatus, 1UL << 13);   // FS = Initial (Priv. 3.1.6.6)
	probe_all();
	ulong done = 0;
	for (; done < ops; done++) {
		enum op op = pick();
		op_count[op]++;
		switch (op) {
		case OP_SBI_UNKNOWN: op_sbi_unknown(); break;
		case OP_SBI_LEGACY:  op_sbi_legacy(); break;
		case OP_SBI_KNOWN:   op_sbi_known(); break;
		case OP_RAM:         op_ram(); break;
		case OP_UART:        op_uart(); break;
		case OP_UNMAPPED:    op_unmapped(); break;
		case OP_CSR:         op_csr(); break;
		case OP_ILLEGAL:     op_illegal(); break;
		default:             op_wfi(); break;
		}
	}
	for (int i = 0; i < OP_COUNT; i++)
		fact("ops", "%s %lu", op_names[i], op_count[i]);
	fact("traps", "%lu", traps);
	int ok = 1;
	for (int i = 0; i < INV_COUNT; i++) {
		if (inv_bad[i])
			ok &= check(inv_names[i], 0, "%lu of %lu wrong; first: %s", inv_bad[i],
				    inv_n[i], inv_first[i]);
		else
			check(inv_names[i], 1, "%lu of %lu as the spec says", inv_n[i], inv_n[i]);
	}
	ok &= check("ops_done", done == ops && interrupts == 0,
		    "%lu of %lu operations, %lu unexpected interrupts", done, ops, interrupts);
	return ok ? 0 : 1;
}
