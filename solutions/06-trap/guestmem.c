// Lab 6 reference solution, part 2: reaching into guest memory (guestmem.h).
#include "hyp.h"
#include "vcpu.h"
#include "guestmem.h"

// One H load or store under the expected-trap guard. The instruction is
// always 4 bytes (HLV/HSV have no compressed forms), which is what the
// guard skips when it faults; `val` keeps its old value then. The
// ".option arch, +h" dance is needed because GCC 12 refuses "h" in -march.
#define H_LOAD(insn, addr, val) \
	asm volatile(".option push\n.option arch, +h\n" insn " %0, (%1)\n.option pop" \
		     : "+r"(val) : "r"(addr) : "memory")
#define H_STORE(insn, addr, val) \
	asm volatile(".option push\n.option arch, +h\n" insn " %1, (%0)\n.option pop" \
		     : : "r"(addr), "r"(val) : "memory")

static int is_guest_page_fault(ulong cause)
{
	return cause == CAUSE_FETCH_GUEST_PAGE_FAULT || cause == CAUSE_LOAD_GUEST_PAGE_FAULT ||
	       cause == CAUSE_STORE_GUEST_PAGE_FAULT;
}

// Translate what the guard recorded into the caller's terms.
static int fault(struct guest_fault *f, const struct trap_record *rec)
{
	if (f) {
		f->gva = rec->stval;
		f->scause = rec->scause;
		f->gpa = is_guest_page_fault(rec->scause) ? rec->htval << 2 | (rec->stval & 3) : 0;
	}
	return GUEST_EFAULT;
}

// HLV/HSV check permissions with the privilege in hstatus.SPVP (Priv.
// 8.3.1). After an exit the hypervisor runs with its own hstatus, whose
// SPVP says nothing about the guest: set it for the duration of the copy.
static ulong spvp_set(ulong spvp)
{
	ulong old = csr_read(hstatus);
	csr_write(hstatus, (old & ~HSTATUS_SPVP) | (spvp & HSTATUS_SPVP));
	return old;
}

// 8 bytes at a time where both sides are 8-byte aligned (an aligned
// doubleword never crosses a page), else one byte at a time.
static ulong chunk(ulong gva, const void *host, ulong len)
{
	return len >= 8 && !((gva | (ulong)host) & 7) ? 8 : 1;
}

int copy_from_guest(void *dst, ulong gva, ulong len, struct guest_fault *f)
{
	struct trap_record rec;
	u8 *d = dst;
	ulong old = spvp_set(HSTATUS_SPVP);
	int rc = GUEST_OK;
	while (len && rc == GUEST_OK) {
		ulong n = chunk(gva, d, len), val = 0;
		trap_expect_begin();
		if (n == 8)
			H_LOAD("hlv.d", gva, val);
		else
			H_LOAD("hlv.bu", gva, val);
		if (trap_expect_end(&rec)) {
			rc = fault(f, &rec);
			break;
		}
		if (n == 8)
			*(u64 *)d = val;
		else
			*d = (u8)val;
		d += n, gva += n, len -= n;
	}
	csr_write(hstatus, old);
	return rc;
}

int copy_to_guest(ulong gva, const void *src, ulong len, struct guest_fault *f)
{
	struct trap_record rec;
	const u8 *s = src;
	ulong old = spvp_set(HSTATUS_SPVP);
	int rc = GUEST_OK;
	while (len) {
		ulong n = chunk(gva, s, len);
		trap_expect_begin();
		if (n == 8)
			H_STORE("hsv.d", gva, *(const u64 *)s);
		else
			H_STORE("hsv.b", gva, *s);
		if (trap_expect_end(&rec)) {
			rc = fault(f, &rec);
			break;
		}
		s += n, gva += n, len -= n;
	}
	csr_write(hstatus, old);
	return rc;
}

// Priv. 8.6.3: bit 0 set = a transformed standard instruction, and then
// bit 1 clear = the original was a 16-bit one (its 32-bit equivalent is
// given). Bits 1:0 = 00 with these values = a pseudoinstruction for an
// implicit page-table access.
static int insn_from_htinst(ulong htinst, struct guest_insn *insn)
{
	insn->bits = (u32)htinst;
	if (!(htinst & 1)) {
		insn->len = 0;
		insn->source = INSN_IMPLICIT;
		return GUEST_OK;
	}
	insn->bits |= 2;
	insn->len = (htinst & 2) ? 4 : 2;
	insn->source = INSN_FROM_HTINST;
	return GUEST_OK;
}

// HLVX (Priv. 8.3.1) needs execute permission, not read, in both stages,
// exactly like the guest's own fetch. One guard for the whole read: when
// the first load faults, the word stays 0 and there is no second one. A
// 4-byte aligned word never crosses a page, so there one HLVX.WU reads
// the whole instruction (for a 16-bit one, the next instruction's half
// comes along: it is on the same page, which the guest just fetched
// from); elsewhere the second half may be on another page and is read
// only when needed.
int guest_fetch_insn(const struct vcpu *v, struct guest_insn *insn)
{
	if (v->trap.htinst)
		return insn_from_htinst(v->trap.htinst, insn);
	ulong pc = v->sepc, word = 0, hi = 0;
	ulong old = spvp_set(v->hstatus);
	trap_expect_begin();
	if (!(pc & 3)) {
		H_LOAD("hlvx.wu", pc, word);
	} else {
		H_LOAD("hlvx.hu", pc, word);
		if (INSN_IS_32BIT(word)) {
			H_LOAD("hlvx.hu", pc + 2, hi);
			word |= hi << 16;
		}
	}
	int faulted = trap_expect_end(NULL);
	csr_write(hstatus, old);
	if (faulted)
		return GUEST_EFAULT;
	int is32 = INSN_IS_32BIT(word);
	insn->bits = is32 ? (u32)word : (u16)word;
	insn->len = is32 ? 4 : 2;
	insn->source = INSN_FROM_MEMORY;
	return GUEST_OK;
}
