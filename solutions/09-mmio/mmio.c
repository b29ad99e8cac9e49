// Lab 9 reference solution, part 2: the device registry and one MMIO exit
// from start to finish (mmio.h).
#include "hyp.h"
#include "vcpu.h"
#include "vmexit.h"
#include "guestmem.h"
#include "mmio.h"

// ---------------------------------------------------------------- registry

// [base, base + size) and [b2, b2 + s2) share a byte. Written without
// base + size, which may be exactly 2^64 for a window at the very top.
static int windows_overlap(ulong base, ulong size, ulong b2, ulong s2)
{
	return base < b2 ? b2 - base < size : base - b2 < s2;
}

int mmio_register(struct mmio_bus *bus, struct mmio_device *dev)
{
	if (!dev || !dev->size || !dev->read || !dev->write || bus->count >= MMIO_MAX_DEVICES)
		return MMIO_ERR;
	if (dev->base + (dev->size - 1) < dev->base)      // wraps around 2^64
		return MMIO_ERR;
	for (int i = 0; i < bus->count; i++) {
		const struct mmio_device *d = bus->devs[i];
		if (windows_overlap(dev->base, dev->size, d->base, d->size))
			return MMIO_ERR;
	}
	bus->devs[bus->count++] = dev;
	return MMIO_OK;
}

// Inlined into mmio_handle_fault(), where every device access looks.
static inline struct mmio_device *find(const struct mmio_bus *bus, ulong gpa, u8 width)
{
	for (int i = 0; i < bus->count; i++) {
		struct mmio_device *d = bus->devs[i];
		// gpa - base < size (below base, the difference wraps to a huge
		// number) and the last byte too, without overflow.
		ulong off = gpa - d->base;
		if (off < d->size && width <= d->size - off)
			return d;
	}
	return NULL;
}

struct mmio_device *mmio_find(const struct mmio_bus *bus, ulong gpa, u8 width)
{
	return find(bus, gpa, width);
}

// ---------------------------------------------------------------- refusing

// Trap entry into VS-mode (Priv. 8.6.2: a trap taken into VS-mode writes
// the VS CSRs the way a trap into S-mode writes the S CSRs, Priv. 4.1.1).
// The vCPU is loaded, so its VS CSRs are the live ones in the hardware.
void mmio_inject_access_fault(struct vcpu *v, ulong cause, ulong tval)
{
	ulong old = csr_read(vsstatus);
	ulong vs = old & ~(SSTATUS_SPP | SSTATUS_SPIE | SSTATUS_SIE);
	if (v->sstatus & SSTATUS_SPP)          // the guest was in VS (else VU)
		vs |= SSTATUS_SPP;
	if (old & SSTATUS_SIE)
		vs |= SSTATUS_SPIE;
	csr_write(vsstatus, vs);
	csr_write(vsepc, v->sepc);
	csr_write(vscause, cause);
	csr_write(vstval, tval);
	// Exceptions always go to BASE, also in vectored mode (Priv. 4.1.2).
	v->sepc = csr_read(vstvec) & ~3UL;
	v->sstatus |= SSTATUS_SPP;             // the handler runs in VS-mode
	v->hstatus |= HSTATUS_SPVP;
}

static const char *const class_names[] = {
	[INSN_MEM_NONE] = "not a load or store", [INSN_MEM_LOAD] = "load",
	[INSN_MEM_STORE] = "store", [INSN_MEM_FP_LOAD] = "floating-point load",
	[INSN_MEM_FP_STORE] = "floating-point store", [INSN_MEM_LR] = "load-reserved",
	[INSN_MEM_AMO] = "store-conditional or AMO",
};

// Which access fault the guest gets. The instruction decides when it is
// known: AMOs and SC raise store/AMO exceptions (Priv. table 3.6), and QEMU 7.2
// reports their guest-page faults as loads (21). Otherwise the fault's kind.
static ulong refusal_cause(const struct vm_exit_page_fault *pf, const struct insn_mem *m)
{
	switch (m ? m->cls : INSN_MEM_NONE) {
	case INSN_MEM_LOAD: case INSN_MEM_FP_LOAD: case INSN_MEM_LR:
		return CAUSE_LOAD_ACCESS;
	case INSN_MEM_STORE: case INSN_MEM_FP_STORE: case INSN_MEM_AMO:
		return CAUSE_STORE_ACCESS;
	default:
		return pf->access == GUEST_ACCESS_WRITE ? CAUSE_STORE_ACCESS : CAUSE_LOAD_ACCESS;
	}
}

// A device access that cannot be emulated: what a bus error does on real
// hardware, an access fault, reported at the address the guest used. Out
// of line: the emulation's own frame stays small.
static __attribute__((noinline)) enum mmio_result refuse(struct vcpu *v, const struct vm_exit *e,
							 const struct insn_mem *m, const char *why)
{
	const struct vm_exit_page_fault *pf = &e->page_fault;
	printf("mmio: pc 0x%lx gpa 0x%lx insn 0x%x: %s: access fault injected\n", v->sepc,
	       pf->gpa, pf->insn.bits, why);
	mmio_inject_access_fault(v, refusal_cause(pf, m), pf->gva);
	return MMIO_REFUSED;
}

// ---------------------------------------------------------------- emulating

static enum mmio_result do_read(struct vcpu *v, struct mmio_device *d, const struct insn_mem *m,
				struct vm_exit *e)
{
	ulong gpa = e->page_fault.gpa, raw = 0;     // e's union is rewritten below
	if (d->read(d, gpa - d->base, m->width, &raw) != MMIO_OK)
		return refuse(v, e, m, d->name);
	e->reason = EXIT_MMIO_READ;
	e->mmio_read = (struct vm_exit_mmio_read){ gpa, m->width, m->reg, m->sign_extend };
	if (m->reg != 0)                       // x0 is hardwired to zero
		v->gprs[m->reg] = mmio_extend(raw, m->width, m->sign_extend);
	v->sepc += m->len;
	return MMIO_EMULATED;
}

static enum mmio_result do_write(struct vcpu *v, struct mmio_device *d, const struct insn_mem *m,
				 struct vm_exit *e)
{
	ulong gpa = e->page_fault.gpa;             // e's union is rewritten below
	ulong data = mmio_extend(v->gprs[m->reg], m->width, 0);   // gprs[0] is 0
	if (d->write(d, gpa - d->base, m->width, data) != MMIO_OK)
		return refuse(v, e, m, d->name);
	e->reason = EXIT_MMIO_WRITE;
	e->mmio_write = (struct vm_exit_mmio_write){ gpa, m->width, data };
	v->sepc += m->len;
	return MMIO_EMULATED;
}

enum mmio_result mmio_handle_fault(struct mmio_bus *bus, struct vcpu *v, struct vm_exit *e)
{
	struct insn_mem m;
	if (e->reason != EXIT_NESTED_PAGE_FAULT || e->page_fault.access == GUEST_ACCESS_EXEC)
		return MMIO_UNHANDLED;
	if (e->page_fault.insn.len == 0)
		return refuse(v, e, NULL, "the instruction could not be read");
	if (insn_decode_mem(&e->page_fault.insn, &m) != 0)
		return refuse(v, e, &m, class_names[m.cls]);
	if (e->page_fault.gpa & (m.width - 1))
		return refuse(v, e, &m, "misaligned");
	struct mmio_device *d = find(bus, e->page_fault.gpa, m.width);
	if (!d)
		return refuse(v, e, &m, "no device at this address");
	return m.cls == INSN_MEM_LOAD ? do_read(v, d, &m, e) : do_write(v, d, &m, e);
}
