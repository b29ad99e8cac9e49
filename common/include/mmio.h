// mmio.h: trap-and-emulate devices (lab 9 on).
//
// A device the guest should see, but that has no real memory behind it, is
// simply left out of the G-stage (lab 5). Every load or store the guest
// makes to it then stops with a load/store guest-page fault (causes 21, 23,
// Priv. 8.6.1), which lab 6 decodes into EXIT_NESTED_PAGE_FAULT with the
// guest-physical address and the faulting instruction. This header is what
// happens next:
//
//   1. insn_decode_mem()  which load or store was it? (insn_decode.c: pure
//                         C, no CSRs: it also compiles for the host, where
//                         labs/09-mmio/test/host/ tests it over every
//                         encoding)
//   2. mmio_find()        which emulated device owns the address?
//                         (a small registry, struct mmio_bus)
//   3. the device's read/write callback does the access; for a load,
//      mmio_extend() applies the width and the sign extension, the result
//      goes to rd (never to x0); sepc moves past the instruction (2 or 4)
//   4. anything that cannot be emulated is refused: the guest receives an
//      access fault, as from a bus error on real hardware
//      (mmio_inject_access_fault)
//
// mmio_handle_fault() (mmio.c) runs the whole sequence for one exit.
#ifndef MMIO_H
#define MMIO_H

#include "types.h"
#include "guestmem.h"

struct vcpu;
struct vm_exit;

// ---------------------------------------------------------------------------
// 1. The decoded instruction (insn_decode.c)

// What kind of memory instruction insn_decode_mem() found.
enum insn_mem_class {
	INSN_MEM_NONE = 0,   // not a load or store, or a reserved encoding
	INSN_MEM_LOAD,       // integer load: LB LH LW LD LBU LHU LWU, C.LW C.LD
	                     // C.LWSP C.LDSP: emulated
	INSN_MEM_STORE,      // integer store: SB SH SW SD, C.SW C.SD C.SWSP C.SDSP:
	                     // emulated
	INSN_MEM_FP_LOAD,    // LOAD-FP opcode (FLW FLD...), C.FLD C.FLDSP: refused
	INSN_MEM_FP_STORE,   // STORE-FP opcode (FSW FSD...), C.FSD C.FSDSP: refused
	INSN_MEM_LR,         // LR.W LR.D (A extension): refused
	INSN_MEM_AMO,        // SC.W SC.D and every AMO*.W/.D: refused. Priv.
	                     // table 3.6: these raise store/AMO exceptions, not
	                     // load ones, even though an AMO also reads
};

struct insn_mem {
	u8   cls;           // enum insn_mem_class
	u8   width;         // bytes accessed: 1, 2, 4 or 8 (LOAD, STORE)
	u8   sign_extend;   // LOAD: 0 for LBU LHU LWU, 1 for every other load
	                    // (LB LH LW LD C.LW C.LD C.LWSP C.LDSP; for
	                    // width 8 it changes nothing). STORE: 0
	u8   reg;           // LOAD: rd; STORE: rs2 (the register whose value
	                    // is stored). 0 is x0
	u8   base;          // rs1, the base register (2 = sp for the *SP forms)
	u8   len;           // length of the original instruction: 2 or 4
	long offset;        // the immediate, sign-extended (compressed forms:
	                    // the zero-extended, scaled offset)
};

// Decode the instruction behind a guest-page fault (from guest_fetch_insn(),
// lab 6). insn->bits with bits 1:0 = 11 is a 32-bit encoding (also when it
// came from htinst for a compressed original: then insn->len is 2 and the
// decoder keeps that length; base and offset are then whatever htinst
// holds, Priv. 8.6.3). Fills *m; returns 0 for an integer load or store
// (cls LOAD or STORE), -1 for anything else (m->cls says what it was;
// the other fields are then unspecified).
int insn_decode_mem(const struct guest_insn *insn, struct insn_mem *m);

// The value a load of `width` bytes puts into rd when the device returned
// `raw`: the low 8 * width bits of raw, sign-extended to 64 bits when
// sign_extend is set, zero-extended otherwise (ISA vol. I, "Load and
// Store Instructions"). Bits of raw above the width are ignored.
ulong mmio_extend(ulong raw, u8 width, u8 sign_extend);

// ---------------------------------------------------------------------------
// 2. Emulated devices and the registry (mmio.c)

#define MMIO_OK   0
#define MMIO_ERR  (-1)     // the device refuses the access (a bus error)

struct mmio_device;
// offset: from the device's base; width: 1, 2, 4 or 8 and the access is
// naturally aligned (mmio_handle_fault() refuses anything else). A read
// returns the value in *value (only the low 8 * width bits matter); a write
// gets the stored register's value truncated to width. MMIO_OK or MMIO_ERR.
typedef int mmio_read_fn(struct mmio_device *dev, ulong offset, u8 width, ulong *value);
typedef int mmio_write_fn(struct mmio_device *dev, ulong offset, u8 width, ulong value);

struct mmio_device {
	const char    *name;
	ulong          base;    // guest-physical window [base, base + size)
	ulong          size;
	mmio_read_fn  *read;
	mmio_write_fn *write;
	void          *priv;    // the device's own state
};

#define MMIO_MAX_DEVICES 8

// The devices of one VM. Zero-initialise it (or memset) before use.
struct mmio_bus {
	struct mmio_device *devs[MMIO_MAX_DEVICES];
	int count;
};

// Add dev to bus. MMIO_OK, or MMIO_ERR (bus unchanged) when dev is NULL,
// has size 0, a window that wraps past the end of the address space, no
// read or write callback, overlaps a device already registered, or the
// bus is full. The bus keeps the pointer: dev must stay alive.
int mmio_register(struct mmio_bus *bus, struct mmio_device *dev);

// The device whose window holds all `width` bytes at gpa, or NULL.
struct mmio_device *mmio_find(const struct mmio_bus *bus, ulong gpa, u8 width);

// ---------------------------------------------------------------------------
// 3. One exit, start to finish (mmio.c)

enum mmio_result {
	MMIO_UNHANDLED = 0,  // nothing was done (the skeleton): stop the guest
	MMIO_EMULATED,       // a device did the access: rd written (loads),
	                     // sepc past the instruction; *e is now
	                     // EXIT_MMIO_READ or EXIT_MMIO_WRITE (vmexit.h)
	MMIO_REFUSED,        // not emulated (no device there, an AMO, LR/SC, an
	                     // FP access, a misaligned access, the device said
	                     // MMIO_ERR, the instruction could not be read): the
	                     // guest got an access fault at its vstvec: a load
	                     // access fault (5) for LOAD, FP_LOAD and LR, a
	                     // store/AMO access fault (7) for STORE, FP_STORE and
	                     // AMO, and for anything else the fault's own kind
};

// e is an EXIT_NESTED_PAGE_FAULT for a load or store (access READ or
// WRITE), from vm_exit_decode() (lab 6); v is loaded on this hart (its VS
// CSRs are live). Emulates the access on the device of bus that owns
// e->page_fault.gpa, or refuses it. Either way the guest can be resumed.
enum mmio_result mmio_handle_fault(struct mmio_bus *bus, struct vcpu *v, struct vm_exit *e);

// Make the guest take exception `cause` (CAUSE_LOAD_ACCESS or
// CAUSE_STORE_ACCESS) with stval = tval at its own trap vector, exactly as
// if hedeleg had sent it there (trap entry into VS-mode, Priv. 8.6.2 and
// 4.1.1): vsepc = the faulting pc, vscause, vstval, vsstatus.SPP = the
// guest's privilege at the fault, vsstatus.SPIE = vsstatus.SIE, SIE = 0,
// and the guest resumes at vstvec in VS-mode.
void mmio_inject_access_fault(struct vcpu *v, ulong cause, ulong tval);

#endif
