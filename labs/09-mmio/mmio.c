// Lab 9, part 2: the device registry, and one MMIO exit from start to
// finish (read common/include/mmio.h first, and vmexit.h's rules on who
// moves sepc).
//
// The harness (labs/09-mmio/test/harness.c) registers two devices on a
// struct mmio_bus, runs the guest, and calls mmio_handle_fault() for every
// guest-page fault. The G-stage maps the guest's RAM only, so every access
// to a device page faults: that is the point.
//
// Check yourself: make grade LAB=9 (tests registry, load, store,
// compressed, compressed_sp, x0, refuse; docs/labs/09-mmio.md).
#include "hyp.h"
#include "vcpu.h"
#include "vmexit.h"
#include "guestmem.h"
#include "mmio.h"

// ---------------------------------------------------------------- registry

int mmio_register(struct mmio_bus *bus, struct mmio_device *dev)
{
	// TODO(lab 9): append dev to bus->devs, after checking everything
	// mmio.h lists: a device, a size, both callbacks, a window that does
	// not wrap past 2^64 (a window may end exactly at 2^64: then
	// base + size is 0 in 64 bits, so compare the LAST byte,
	// base + size - 1), no overlap with a registered device (two windows
	// overlap when each starts before the other ends; windows that only
	// touch do not), room on the bus. Refuse with MMIO_ERR and leave the
	// bus unchanged otherwise.
	UNUSED(bus);
	UNUSED(dev);
	return MMIO_ERR;
}

struct mmio_device *mmio_find(const struct mmio_bus *bus, ulong gpa, u8 width)
{
	// TODO(lab 9): the device whose window holds all `width` bytes from
	// gpa on: gpa >= base and the last byte gpa + width - 1 within the
	// window. Write the test so that nothing overflows (gpa - base is safe
	// once gpa >= base). NULL when no device qualifies.
	UNUSED(bus);
	UNUSED(gpa);
	UNUSED(width);
	return NULL;
}

// ---------------------------------------------------------------- refusing

void mmio_inject_access_fault(struct vcpu *v, ulong cause, ulong tval)
{
	// TODO(lab 9): make the guest take this exception in its own trap
	// handler, as if the hardware had delegated it (Priv. 8.6.2: a trap
	// into VS-mode updates the VS CSRs the way Priv. 4.1.1 describes for
	// S-mode). The vCPU is loaded, so write the live CSRs:
	//  - vsepc = the faulting instruction (v->sepc), vscause = cause,
	//    vstval = tval;
	//  - vsstatus: SPP = the privilege the guest had at the fault (VS or
	//    VU: v->sstatus.SPP says which), SPIE = the old SIE, SIE = 0;
	//  - the guest resumes at vstvec's BASE (exceptions never use the
	//    vectored offset), in VS-mode: v->sstatus.SPP = 1 (and
	//    v->hstatus.SPVP = 1 to match).
	UNUSED(v);
	UNUSED(cause);
	UNUSED(tval);
}

// ---------------------------------------------------------------- one exit

enum mmio_result mmio_handle_fault(struct mmio_bus *bus, struct vcpu *v, struct vm_exit *e)
{
	// TODO(lab 9): e is an EXIT_NESTED_PAGE_FAULT (lab 6): e->page_fault
	// has the gpa, the gva (stval), the access and the instruction
	// (insn.len 0 when it could not be read). Return MMIO_UNHANDLED for
	// anything else (another reason, or a fetch fault).
	//
	//  1. Decode the instruction with insn_decode_mem().
	//  2. Refuse when it is not an integer load or store, when the gpa is
	//     not a multiple of the width (a device register is never
	//     accessed in pieces), or when mmio_find() finds no device.
	//  3. Load: call dev->read(dev, gpa - dev->base, width, &raw); turn raw
	//     into the register value with mmio_extend(); write it to
	//     v->gprs[rd] unless rd is x0 (x0 is hardwired to zero: its slot in
	//     v->gprs must stay 0). Fill e->mmio_read and set e->reason =
	//     EXIT_MMIO_READ.
	//     Store: the data is v->gprs[rs2] cut to the width (x0 gives 0);
	//     dev->write(dev, gpa - dev->base, width, data). Fill
	//     e->mmio_write, e->reason = EXIT_MMIO_WRITE. (Copy e->page_fault
	//     first: it shares a union with mmio_read/mmio_write.)
	//     A device callback that returns MMIO_ERR is refused as well.
	//  4. The access is done: sepc past the instruction (m.len: 2 or 4).
	//     Return MMIO_EMULATED.
	//
	// Refusing = mmio_inject_access_fault() with stval = the gva the
	// guest used, then MMIO_REFUSED. Which exception? The instruction
	// decides when it was decoded: LOAD, FP_LOAD and LR give a load
	// access fault (CAUSE_LOAD_ACCESS, 5); STORE, FP_STORE and AMO a
	// store/AMO access fault (7). Do not take it from the fault's cause:
	// QEMU 7.2 reports an AMO's guest-page fault as a load (21), the spec
	// says store/AMO. Only when nothing was decoded use the fault's kind.
	// Print one line saying what was refused and why: it is the first
	// thing you will want to see when a real guest misbehaves.
	UNUSED(bus);
	UNUSED(v);
	UNUSED(e);
	return MMIO_UNHANDLED;
}
