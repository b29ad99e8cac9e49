// Lab 7 reference solution: the legacy extensions (SBI 5, EIDs 0x00-0x08).
//
// SBI v0.1 calls are still made by older kernels and boot loaders. Their
// convention differs (SBI 5): one EID per function (a6 is ignored), the
// result in a0 only, every other register preserved (VSBI_LEGACY), and a
// fault while reading the caller's memory is redirected to the caller,
// with sepc at its ecall. Hart masks are passed by VIRTUAL address (unlike
// DBCN), so they are read the way the guest would read them: lab 6's
// copy_from_guest() through the guest's own page table.
//
// Everything is emulated: the guest's harts are virtual (hart ids in a
// mask name vCPUs) and its TLB entries are tagged with its VMID, so
// OpenSBI's IPIs and fences would reach the wrong harts and flush the wrong
// translations. In this lab the VM has one vCPU, and this file does the
// work itself; from lab 8 on, a VM may have several, and the IPI and
// RFENCE extensions (SBI 7, 8) know how to reach them: the legacy calls
// are passed on to those, with the mask read from guest memory (as
// OpenSBI's sbi_ecall_legacy.c does).
//
// The kit's VMs have fewer than 64 harts, all with ids below 64: the first
// unsigned long of a mask names every one of them.
#include "hyp.h"
#include "vcpu.h"
#include "vsbi.h"
#include "guestmem.h"

#define BITS_PER_ULONG   64
#define FENCE_MAX_PAGES  64      // beyond this, one full flush is cheaper
#define SIZE_ALL         (~0UL)  // SBI 5.7: size 2^XLEN - 1 = everything

// ---------------------------------------------------------------- faults
// SBI 5: "page and access faults taken while accessing memory on behalf of
// the supervisor are redirected back to the supervisor with sepc pointing
// to the faulting ECALL". Done by hand as the hardware would (Priv. 8.6.2,
// trap entry into VS-mode). A G-stage refusal (21) means the guest pointed
// at guest-physical memory that does not exist: for the guest that is an
// access fault (5), the hypervisor's own page table being invisible to it.
static void redirect_fault(struct vcpu *v, ulong ecall_pc, const struct guest_fault *f)
{
	ulong cause = f->scause == CAUSE_LOAD_GUEST_PAGE_FAULT ? CAUSE_LOAD_ACCESS : f->scause;
	ulong vss = csr_read(vsstatus);
	ulong spie = (vss & SSTATUS_SIE) ? SSTATUS_SPIE : 0;
	vss &= ~(SSTATUS_SPP | SSTATUS_SPIE | SSTATUS_SIE);
	vss |= SSTATUS_SPP | spie;          // the ecall came from VS-mode
	csr_write(vsstatus, vss);
	csr_write(vsepc, ecall_pc);
	csr_write(vscause, cause);
	csr_write(vstval, f->gva);
	v->sepc = csr_read(vstvec) & ~3UL;  // exceptions use BASE (Priv. 4.1.2)
}

// Is this vCPU's bit set in the guest's hart mask? -1 after a fault (then
// redirected to the guest).
static int mask_has_me(struct vcpu *v, const struct vm_exit *exit, ulong mask_va)
{
	struct guest_fault f;
	ulong word = 0, va = mask_va + (v->hartid / BITS_PER_ULONG) * sizeof(ulong);
	if (copy_from_guest(&word, va, sizeof(word), &f) != GUEST_OK) {
		redirect_fault(v, exit->pc, &f);
		return -1;
	}
	return (word >> (v->hartid % BITS_PER_ULONG)) & 1;
}

// ---------------------------------------------------------------- fences
// The guest's sfence.vma, done for it: hfence.vvma flushes VS-stage
// translations of the current VMID (hgatp.VMID, Priv. 8.3.2). Like
// sfence.vma, rs1 = x0 means every address and rs2 = x0 every ASID (a
// register that holds 0 means address 0 / ASID 0).
#define HFENCE_VVMA(operands, ...)                                              \
	asm volatile(".option push\n.option arch, +h\nhfence.vvma " operands     \
		     "\n.option pop" : : __VA_ARGS__ : "memory")

static void fence_page(ulong va)              { HFENCE_VVMA("%0, zero", "r"(va)); }
static void fence_asid(ulong asid)            { HFENCE_VVMA("zero, %0", "r"(asid)); }
static void fence_page_asid(ulong va, ulong asid)
{
	HFENCE_VVMA("%0, %1", "r"(va), "r"(asid));
}

// SBI 5.7/5.8: [start, start + size), or everything.
static void guest_sfence_vma(ulong start, ulong size, ulong asid, int with_asid)
{
	ulong first = ALIGN_DOWN(start, PAGE_SIZE);
	ulong pages = (ALIGN_UP(start + size, PAGE_SIZE) - first) / PAGE_SIZE;
	if ((start == 0 && size == 0) || size == SIZE_ALL || pages > FENCE_MAX_PAGES) {
		if (with_asid)
			fence_asid(asid);
		else
			hfence_vvma_all();
		return;
	}
	for (ulong va = first; pages--; va += PAGE_SIZE) {
		if (with_asid)
			fence_page_asid(va, asid);
		else
			fence_page(va);
	}
}

// ---------------------------------------------------------------- lab 8
// The v0.2 extension (lab 8's IPI or RFENCE) that reaches every hart of the
// VM, or NULL (this lab: one vCPU, done here).
static const struct vsbi_ext *multi_hart_ext(ulong eid)
{
	return vsbi_find_ext(eid);
}

// Read the mask's first word (faults redirected: -1), then call the v0.2
// function with (mask, base 0) and the rest of the arguments.
static long pass_on(struct vcpu *v, struct vm_exit *exit, const struct vsbi_ext *ext,
		    ulong fid, const struct vsbi_call *c)
{
	struct guest_fault f;
	ulong mask = 0, value = 0;
	if (copy_from_guest(&mask, c->args[0], sizeof(mask), &f) != GUEST_OK) {
		redirect_fault(v, exit->pc, &f);
		return 0;
	}
	ulong args[HYPERCALL_NARGS] = { mask, 0, c->args[1], c->args[2], c->args[3], 0 };
	struct vsbi_call call = { ext->eid_min, fid, args };
	return ext->handle(v, &call, &value, exit);
}

// ---------------------------------------------------------------- the calls
// 5.4: 0 if no IPI was pending, a positive value if one was.
static long clear_ipi(void)
{
	ulong was = csr_read(hvip) & HVIP_VSSIP;
	csr_clear(hvip, HVIP_VSSIP);
	return was ? 1 : 0;
}

// 5.5: an IPI shows up as the target's supervisor software interrupt,
// for a vCPU its VSSIP (delegated by lab 3's hideleg.VSSI).
static long send_ipi(struct vcpu *v, const struct vm_exit *exit, ulong mask_va)
{
	int me = mask_has_me(v, exit, mask_va);
	if (me > 0)
		csr_set(hvip, HVIP_VSSIP);
	return 0;
}

static long remote_fence(struct vcpu *v, const struct vm_exit *exit, const struct vsbi_call *c)
{
	int me = mask_has_me(v, exit, c->args[0]);
	if (me <= 0)
		return 0;
	if (c->eid == SBI_EXT_LEGACY_REMOTE_FENCE_I)
		asm volatile("fence.i" ::: "memory");    // this hart runs the guest
	else
		guest_sfence_vma(c->args[1], c->args[2], c->args[3],
				 c->eid == SBI_EXT_LEGACY_REMOTE_SFENCE_VMA_ASID);
	return 0;
}

// The RFENCE function that does what a legacy fence EID does (SBI 8.1-8.3).
static ulong rfence_fid(ulong legacy_eid)
{
	switch (legacy_eid) {
	case SBI_EXT_LEGACY_REMOTE_FENCE_I:     return SBI_RFENCE_FENCE_I;
	case SBI_EXT_LEGACY_REMOTE_SFENCE_VMA:  return SBI_RFENCE_SFENCE_VMA;
	default:                                return SBI_RFENCE_SFENCE_VMA_ASID;
	}
}

static long legacy_handle(struct vcpu *v, const struct vsbi_call *call, ulong *value,
			  struct vm_exit *exit)
{
	UNUSED(value);
	const struct vsbi_ext *ext;
	long ret = 0;
	switch (call->eid) {
	case SBI_EXT_LEGACY_SET_TIMER:
		vtimer_set(v, call->args[0]);
		break;
	case SBI_EXT_LEGACY_CONSOLE_PUTCHAR: {
		char c = (char)call->args[0];
		console_write(&c, 1);
		break;
	}
	case SBI_EXT_LEGACY_CONSOLE_GETCHAR:
		ret = console_getc();            // -1: nothing waiting
		break;
	case SBI_EXT_LEGACY_CLEAR_IPI:
		ret = clear_ipi();
		break;
	case SBI_EXT_LEGACY_SEND_IPI:
		if ((ext = multi_hart_ext(SBI_EXT_IPI)))
			ret = pass_on(v, exit, ext, SBI_IPI_SEND_IPI, call);
		else
			ret = send_ipi(v, exit, call->args[0]);
		break;
	case SBI_EXT_LEGACY_REMOTE_FENCE_I:
	case SBI_EXT_LEGACY_REMOTE_SFENCE_VMA:
	case SBI_EXT_LEGACY_REMOTE_SFENCE_VMA_ASID:
		if ((ext = multi_hart_ext(SBI_EXT_RFENCE)))
			ret = pass_on(v, exit, ext, rfence_fid(call->eid), call);
		else
			ret = remote_fence(v, exit, call);
		break;
	case SBI_EXT_LEGACY_SHUTDOWN:
		exit->reason = EXIT_SYSTEM_DOWN;
		exit->system_down.type = SBI_SRST_TYPE_SHUTDOWN;
		exit->system_down.reason = SBI_SRST_REASON_NONE;
		break;
	default:
		return SBI_ERR_NOT_SUPPORTED;
	}
	// After a redirected fault v->sepc moved: the dispatcher leaves a0 as
	// it is, and the guest runs the same ecall again later (vsbi.h).
	return ret;
}

static const struct vsbi_ext vsbi_ext_legacy = {
	.name = "legacy",
	.eid_min = SBI_EXT_LEGACY_SET_TIMER,
	.eid_max = SBI_EXT_LEGACY_SHUTDOWN,
	.flags = VSBI_LEGACY,
	.handle = legacy_handle,
};
VSBI_EXTENSION(vsbi_ext_legacy);
