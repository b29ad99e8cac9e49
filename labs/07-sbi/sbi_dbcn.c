// Lab 7: the Debug Console extension (SBI spec 12, EID "DBCN").
//
// write (12.1) and read (12.2) pass a buffer by GUEST-PHYSICAL address
// (base_addr_lo, base_addr_hi), write_byte (12.3) a single byte. The guest
// may run with its own paging on: its page table must NOT be used for these
// addresses. Two ways to reach guest-physical memory from HS-mode:
//  - translate page by page with gstage_translate() (lab 5) and access the
//    host memory behind each page; or
//  - lab 6's copy_from_guest()/copy_to_guest() with vsatp set to Bare for
//    the duration (with vsatp.MODE = Bare, guest virtual = guest physical,
//    and only the G-stage translates: Priv. 8.5). The kit's reference does
//    this one. QEMU 7.2 does not flush its TLB when vsatp is written: put
//    an hfence_vvma_all() after each switch (the handout explains).
// A buffer may cross a page boundary (the pages behind it need not be
// adjacent in host memory) and a bad one must give an error, not a crash.
//
// Check yourself: make grade LAB=7 (tests dbcn_write, dbcn_read, dbcn_bad).
#include "hyp.h"
#include "vsbi.h"
#include "guestmem.h"

static long dbcn_handle(struct vcpu *v, const struct vsbi_call *call, ulong *value,
			struct vm_exit *exit)
{
	UNUSED(v);
	UNUSED(value);
	UNUSED(exit);
	// TODO(lab 7): one case per function (sbi.h, SBI_DBCN_*), args =
	// (num_bytes, base_addr_lo, base_addr_hi):
	//  - WRITE: copy the bytes out of the guest and console_write() them;
	//    value = the number written. You may write fewer than num_bytes
	//    (12.1: "partial writes"; the guest loops), e.g. at most a small
	//    buffer's worth per call.
	//  - READ: up to num_bytes from console_getc() (-1: nothing waiting;
	//    never wait), copied into the guest; value = the number read.
	//  - WRITE_BYTE: args[0] is the byte; value 0.
	//  - memory that is not the guest's (no RAM there, base_addr_hi != 0
	//    on RV64, a range that wraps around, a buffer that runs past the
	//    end of RAM): SBI_ERR_INVALID_PARAM, as SBI v2.0's DBCN tables say,
	//    and nothing printed or consumed.
	//  - anything else: SBI_ERR_NOT_SUPPORTED.
	UNUSED(call);
	return SBI_ERR_NOT_SUPPORTED;
}

static const struct vsbi_ext vsbi_ext_dbcn = {
	.name = "dbcn",
	.eid_min = SBI_EXT_DBCN,
	.eid_max = SBI_EXT_DBCN,
	.handle = dbcn_handle,
};
VSBI_EXTENSION(vsbi_ext_dbcn);
