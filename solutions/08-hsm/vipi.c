// Lab 8 reference solution: requests between harts (virtual IPIs, remote
// fences, interrupt lines), see smp.h.
//
// A hart cannot write another hart's CSRs: hvip.VSSIP of vCPU 2 exists
// only in the hart that runs vCPU 2, and so do its TLB entries. So the
// sender posts a request bit in the target's struct vcpu (an AMO: no lock,
// no lost bits) and sends the owning hart a host IPI through OpenSBI (SBI
// 7.1). There, it is a supervisor software interrupt: it ends the guest's
// run (or a wfi in the hypervisor) and the owner calls vipi_handle(), which
// carries the requests out on the right hart.
#include "hyp.h"
#include "vcpu.h"
#include "smp.h"

#define BITS_PER_ULONG  64
#define HART_MASK_ALL   (~0UL)     // SBI 3: hart_mask_base = -1: every hart

long vipi_mask_targets(struct vm *vm, ulong hart_mask, ulong hart_mask_base, ulong *targets)
{
	*targets = 0;
	if (hart_mask_base == HART_MASK_ALL) {
		*targets = (1UL << vm->nvcpus) - 1;
		return SBI_SUCCESS;
	}
	for (int bit = 0; bit < BITS_PER_ULONG; bit++) {
		if (!(hart_mask & (1UL << bit)))
			continue;
		struct vcpu *t = vm_vcpu_by_hartid(vm, hart_mask_base + bit);
		if (!t || hart_mask_base + bit < hart_mask_base)   // no such hart, or wrapped
			return SBI_ERR_INVALID_PARAM;
		*targets |= 1UL << t->id;
	}
	return SBI_SUCCESS;
}

// The owner notices: a host IPI to its physical hart. On our own hart
// there is nothing to send: the run loop handles requests before it
// resumes the guest.
static void kick(struct vm *vm, int target)
{
	ulong phys = vm->vcpus[target].phys_hartid;
	if (phys == mycpu()->hartid)
		return;
	sbi_send_ipi(1UL << (phys % BITS_PER_ULONG), phys - phys % BITS_PER_ULONG);
}

void vipi_send(struct vm *vm, int target, ulong req)
{
	__atomic_fetch_or(&vm->vcpus[target].requests, req, __ATOMIC_SEQ_CST);
	kick(vm, target);
}

void vipi_handle(struct vm *vm, struct vcpu *v)
{
	UNUSED(vm);
	// Clear the host IPI first: one that arrives after the swap below
	// stays pending and brings us back here.
	csr_clear(sip, SIP_SSIP);
	// Count the fences BEFORE taking the requests: a sender posts its
	// request first and counts itself second (rfence_run), so every fence
	// counted here has its request bit in `req`. One counted later gets
	// its own host IPI, hence another round.
	ulong fences = __atomic_load_n(&v->fences_pending, __ATOMIC_SEQ_CST);
	ulong req = __atomic_exchange_n(&v->requests, 0, __ATOMIC_SEQ_CST);
	if (req & VIPI_REQ_SOFT) {
		csr_set(hvip, HVIP_VSSIP);   // the guest's own "sip.SSIP" (Priv. 8.2.3)
		v->ipis_received++;
	}
	if (req & VIPI_REQ_FENCE_VMA)
		hfence_vvma_all();           // VS-stage entries of this VMID (Priv. 8.3.2)
	if (req & VIPI_REQ_FENCE_I)
		asm volatile("fence.i" ::: "memory");
	// The line is read after the swap: a change posted later brings its
	// own request, so hvip.VSEIP ends up equal to the line's last level.
	if (req & VIPI_REQ_EXT_IRQ) {
		if (__atomic_load_n(&v->ext_irq, __ATOMIC_SEQ_CST))
			csr_set(hvip, HVIP_VSEIP);
		else
			csr_clear(hvip, HVIP_VSEIP);
	}
	// Every fence asked for before the swap is done now.
	if (fences)
		__atomic_fetch_sub(&v->fences_pending, fences, __ATOMIC_SEQ_CST);
}

// SBI 8: a remote fence returns once the targets have done it. While we
// wait, we keep answering our own requests: two harts fencing each other
// at the same time would otherwise wait forever.
void rfence_run(struct vm *vm, struct vcpu *self, ulong targets, ulong req)
{
	for (int i = 0; i < vm->nvcpus; i++) {
		if (!(targets & (1UL << i)))
			continue;
		__atomic_fetch_or(&vm->vcpus[i].requests, req, __ATOMIC_SEQ_CST);
		__atomic_fetch_add(&vm->vcpus[i].fences_pending, 1, __ATOMIC_SEQ_CST);
		kick(vm, i);
	}
	for (int i = 0; i < vm->nvcpus; i++) {
		if (!(targets & (1UL << i)))
			continue;
		while (__atomic_load_n(&vm->vcpus[i].fences_pending, __ATOMIC_SEQ_CST) && !vm->down)
			vipi_handle(vm, self);
	}
}
