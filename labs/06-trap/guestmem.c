// Lab 6, part 2: reaching into guest memory (read common/include/guestmem.h
// first).
//
// Never dereference a guest address in the hypervisor: it means nothing in
// the host's address space. The H extension's HLV/HLVX/HSV instructions
// (Priv. 8.3.1) translate it exactly as the guest would, through vsatp
// (the guest's own page table) and hgatp (your G-stage), and check the
// permissions with the privilege in hstatus.SPVP. When either stage says
// no, the hypervisor itself takes the trap: catch it with the kit's guard
// (trap.h):
//
//     struct trap_record rec;
//     trap_expect_begin();
//     ... one 4-byte instruction that may fault ...
//     if (trap_expect_end(&rec))
//             ... it faulted: rec.scause, rec.stval, rec.htval say how ...
//
// While armed, a trap in HS-mode records the cause and skips the faulting
// instruction (4 bytes: every HLV/HSV is), leaving its destination register
// unchanged.
//
// Check yourself: make grade LAB=6 (tests copy_from, copy_to, copy_bad,
// htinst, and every test that needs an instruction length).
#include "hyp.h"
#include "vcpu.h"
#include "guestmem.h"

// One H load or store. GCC 12 refuses "h" in -march, so each asm enables
// the extension locally (docs/qemu-facts.md). Use them as
//     ulong val = 0;  H_LOAD("hlv.bu", gva, val);
//     H_STORE("hsv.b", gva, byte);
// and always between trap_expect_begin() and trap_expect_end().
#define H_LOAD(insn, addr, val) \
	asm volatile(".option push\n.option arch, +h\n" insn " %0, (%1)\n.option pop" \
		     : "+r"(val) : "r"(addr) : "memory")
#define H_STORE(insn, addr, val) \
	asm volatile(".option push\n.option arch, +h\n" insn " %1, (%0)\n.option pop" \
		     : : "r"(addr), "r"(val) : "memory")

int copy_from_guest(void *dst, ulong gva, ulong len, struct guest_fault *fault)
{
	// TODO(lab 6): copy len bytes from guest virtual address gva to dst.
	//  - After an exit the hypervisor runs with its own hstatus; set
	//    hstatus.SPVP = 1 (the guest kernel's privilege: the pages are
	//    supervisor pages) for the copy, and restore hstatus afterwards,
	//    on every path.
	//  - One hlv.bu per byte (hlv.d when gva and dst are both 8-byte
	//    aligned and 8 bytes remain: an aligned doubleword never crosses
	//    a page). Every access is translated on its own: the guest's
	//    pages need not be contiguous anywhere.
	//  - Each access under the guard. On a trap: stop, fill *fault (if
	//    not NULL: gva = rec.stval, scause = rec.scause, and for a
	//    guest-page fault 21/23 gpa = rec.htval << 2 | (rec.stval & 3)),
	//    return GUEST_EFAULT.
	UNUSED(dst);
	UNUSED(gva);
	UNUSED(len);
	UNUSED(fault);
	return GUEST_EFAULT;
}

int copy_to_guest(ulong gva, const void *src, ulong len, struct guest_fault *fault)
{
	// TODO(lab 6): the same with hsv.b / hsv.d.
	UNUSED(gva);
	UNUSED(src);
	UNUSED(len);
	UNUSED(fault);
	return GUEST_EFAULT;
}

int guest_fetch_insn(const struct vcpu *v, struct guest_insn *insn)
{
	// TODO(lab 6): the instruction behind the exit (Priv. 8.6.3).
	//  - v->trap.htinst != 0: decode it, do not touch guest memory.
	//    Bit 0 set: a transformed instruction; bit 1 clear means the
	//    original was compressed (len 2), and bits gets bit 1 set back.
	//    Bit 0 clear: a pseudoinstruction (HTINST_PSEUDO_*): len 0,
	//    source INSN_IMPLICIT, bits = htinst.
	//  - v->trap.htinst == 0 (QEMU 7.2, always): hlvx.hu at v->sepc, with
	//    hstatus.SPVP taken from v->hstatus (the privilege the guest had at
	//    the trap). INSN_IS_32BIT(first halfword)? Then a second hlvx.hu
	//    at sepc + 2 (it may be on another page) and len 4, else len 2.
	//    source INSN_FROM_MEMORY. A trap on either read: GUEST_EFAULT.
	UNUSED(v);
	UNUSED(insn);
	return GUEST_EFAULT;
}
