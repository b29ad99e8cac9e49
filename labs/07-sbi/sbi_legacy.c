// Lab 7: the legacy extensions (SBI spec 5, EIDs 0x00-0x08).
//
// SBI v0.1 calls are still made by older kernels and boot loaders, and by
// the kit's own test guests (putchar, one exit per character). Their
// convention differs from the rest (SBI 5, first paragraph):
//  - one EID per function: a6 is ignored;
//  - the result is in a0 only, every other register is preserved (the
//    descriptor's VSBI_LEGACY flag tells your dispatcher);
//  - hart masks are passed by VIRTUAL address (a pointer to unsigned
//    longs): read them as the guest would, through its own page table,
//    with lab 6's copy_from_guest() (unlike DBCN!);
//  - a fault while reading the guest's memory is redirected to the guest,
//    with sepc at its ecall: do by hand what the hardware does on a trap
//    into VS-mode (Priv. 8.6.2): vsepc = the ecall's pc (exit->pc; v->sepc
//    is already past it), vscause and vstval from the struct guest_fault,
//    vsstatus.SPP = 1, SPIE = SIE, SIE = 0, and resume at vstvec
//    (v->sepc). The guest will run the same ecall again later; your
//    dispatcher sees that v->sepc moved and leaves a0 unchanged (vsbi.h).
// The VM of this lab has one vCPU, whose hart id is v->hartid: IPIs and
// fences for it happen on this hart. From lab 8 on a VM may have several:
// when vsbi_find_ext(SBI_EXT_IPI) (or SBI_EXT_RFENCE) finds lab 8's
// extension, pass the call on to it instead: read the mask's first
// unsigned long (the kit's hart ids are all below 64) and call its
// handler with fid SBI_IPI_SEND_IPI (or SBI_RFENCE_*) and args
// {mask, 0 (the base), start, size, asid}: it reaches every hart in the
// mask (SBI 7.1, 8.1-8.3). Lab 8's tests check that (test legacy).
//
// Check yourself: make grade LAB=7 (tests console, legacy, timer,
// legacy_shutdown).
#include "hyp.h"
#include "vcpu.h"
#include "vsbi.h"
#include "guestmem.h"

static long legacy_handle(struct vcpu *v, const struct vsbi_call *call, ulong *value,
			  struct vm_exit *exit)
{
	UNUSED(v);
	UNUSED(value);
	UNUSED(exit);
	// TODO(lab 7): one case per EID (sbi.h, SBI_EXT_LEGACY_*); the return
	// value is what the guest finds in a0:
	//  - SET_TIMER (5.1): vtimer_set(), 0.
	//  - CONSOLE_PUTCHAR (5.2): console_write() the byte, 0.
	//  - CONSOLE_GETCHAR (5.3): console_getc(): the byte, or -1.
	//  - CLEAR_IPI (5.4): clear hvip.VSSIP; 0 if none was pending, a
	//    positive value if one was.
	//  - SEND_IPI (5.5): if the mask has this vCPU's bit, set hvip.VSSIP
	//    (the guest's supervisor software interrupt; hideleg.VSSI).
	//  - REMOTE_FENCE_I, REMOTE_SFENCE_VMA(_ASID) (5.6-5.8): if the mask
	//    has this vCPU's bit, do the fence here for the guest: fence.i, or
	//    hfence.vvma (which flushes the guest's VS-stage translations: why
	//    not sfence.vma?) over the range, or all of it (start = size = 0,
	//    or size = -1), for the ASID in the _ASID form.
	//  - SHUTDOWN (5.9): like SRST's shutdown, reason none.
	UNUSED(call);
	return SBI_ERR_NOT_SUPPORTED;
}

static const struct vsbi_ext vsbi_ext_legacy = {
	.name = "legacy",
	.eid_min = SBI_EXT_LEGACY_SET_TIMER,
	.eid_max = SBI_EXT_LEGACY_SHUTDOWN,
	.flags = VSBI_LEGACY,
	.handle = legacy_handle,
};
VSBI_EXTENSION(vsbi_ext_legacy);
