// vmm.c: the VMM's devices, its boot vCPU, and its part of the run loop
// (reference solution).
//
// Every piece was built in an earlier lab; this file connects them. The
// kit's run loop (vm.h) runs every vCPU and handles what every VM has (SBI
// calls, timers, requests between harts); what only this VM has, its
// devices, comes here through vmm_handle_exit(). A reason nobody handles
// stops the guest loudly: resuming a guest whose trap was ignored would
// only make it trap again, or worse.
#include "hyp.h"
#include "vmm.h"
#include "vsbi.h"
#include "smp.h"

// A PLIC context's output changed (plic.c, under vm->dev_lock): context
// 2i+1 is vCPU i's external interrupt, hvip.VSEIP, which only vCPU i's own
// hart may write. So the line goes into v->ext_irq and that hart is asked
// to apply it (lab 8's VIPI_REQ_EXT_IRQ: raising and dropping alike; on
// this very hart, before the vCPU runs again). Even contexts are M-mode:
// the guest has none.
static void plic_line(struct plic *p, int context, int level)
{
	struct vm *vm = p->priv;
	int i = context / 2;
	if (context % 2 == 0 || i >= vm->nvcpus)
		return;
	__atomic_store_n(&vm->vcpus[i].ext_irq, level, __ATOMIC_SEQ_CST);
	vipi_send(vm, i, VIPI_REQ_EXT_IRQ);
}

// The UART's interrupt line is PLIC source UART_VIRT_IRQ (virt's wiring).
static void uart_line(struct uart16550 *u, int level)
{
	struct vm *vm = u->irq_priv;
	plic_set_irq(&vm->plic, UART_VIRT_IRQ, level);
}

int vm_devices_init(struct vm *vm)
{
	memset(&vm->bus, 0, sizeof(vm->bus));
	plic_init(&vm->plic, PLIC_VIRT_BASE, 2 * vm->nvcpus, plic_line, vm);
	uart_init(&vm->uart, UART_VIRT_BASE);
	vm->uart.irq = uart_line;
	vm->uart.irq_priv = vm;
	// The UART first: mmio_find() tries devices in order, and a guest's
	// console makes most of its device accesses.
	if (mmio_register(&vm->bus, &vm->uart.dev) != MMIO_OK ||
	    mmio_register(&vm->bus, &vm->plic.dev) != MMIO_OK)
		return -1;
	return 0;
}

// The fast path (docs/labs/04-switch.md, "The fast path"; not part of the
// lab): the world switch calls this for a guest ecall before it leaves
// the trap. The kit's hypercalls need nothing but a0-a7 and
// vsbi_hypercall(), so they are answered right there, in about a fifth
// of the instructions of a trip through the run loop. Everything else
// takes the full exit. Counted in vm->exits like any other hypercall.
static int vmm_fast_ecall(struct vcpu *v)
{
	ulong *r = v->gprs;
	if (r[REG_A7] != SBI_EXT_RVHLAB_HYPERCALL)
		return 0;
	ulong value = 0;
	long error = vsbi_hypercall(v, r[REG_A6], &r[REG_A0], &value);
	r[REG_A0] = (ulong)error;
	r[REG_A1] = value;
	__atomic_fetch_add(&v->vm->exits[EXIT_HYPERCALL], 1, __ATOMIC_RELAXED);
	return 1;
}

// Several harts may reach the same device at once: one access at a time
// (vm->dev_lock). A VM with one vCPU has one hart in its devices (the only
// one that runs its loop), so it takes no lock: about 12 instructions of
// every device access (docs/bench.md).
static void devices_lock(struct vm *vm)
{
	if (vm->nvcpus > 1)
		spin_lock(&vm->dev_lock);
}

static void devices_unlock(struct vm *vm)
{
	if (vm->nvcpus > 1)
		spin_unlock(&vm->dev_lock);
}

// A load or store that faulted in the G-stage, done by a device of the
// bus (lab 9) or refused with an access fault at the guest's own vector.
static enum mmio_result device_access(struct vm *vm, struct vcpu *v, struct vm_exit *e)
{
	devices_lock(vm);
	enum mmio_result r = mmio_handle_fault(&vm->bus, v, e);
	devices_unlock(vm);
	return r;
}

// The fast path for device accesses (vcpu.h, fast_mmio): the switch has
// saved every guest register and the trap's CSRs, so v is what a full exit
// leaves, and the same decoder (lab 6) and the same bus (lab 9) answer as
// on_page_fault() does, only without the hypervisor's side of the switch
// and the run loop around them (a UART read: 391 instructions, not 447;
// docs/bench.md). A fetch outside RAM, which stops the guest, is left to
// the full exit (0: nothing done; the loop decodes it again). Counted in
// vm->exits as the loop would count it.
static int vmm_fast_mmio(struct vcpu *v)
{
	struct vm_exit e;
	if (vm_exit_decode(v, &e) != EXIT_NESTED_PAGE_FAULT ||
	    e.page_fault.access == GUEST_ACCESS_EXEC || device_access(v->vm, v, &e) == MMIO_UNHANDLED)
		return 0;
	__atomic_fetch_add(&v->vm->exits[EXIT_NESTED_PAGE_FAULT], 1, __ATOMIC_RELAXED);
	// The loop looks for requests before every entry. Other harts' come
	// with a host IPI, which is taken as soon as the guest runs; this
	// hart's own (a device that changed the line of this very vCPU: kick()
	// sends no IPI to itself) would wait for the next exit. A pending
	// host IPI makes that exit come at once.
	if (v->requests | v->fences_pending)
		csr_set(sip, SIP_SSIP);
	return 1;
}

void vm_vcpu_init(struct vm *vm, struct vcpu *v)
{
	vcpu_init(v, vm->entry, v->hartid, vm->dtb_gpa);
	vsbi_vcpu_init(v);
	for (int i = 0; i < vm->nvcpus; i++) {
		vm->vcpus[i].fast_ecall = vmm_fast_ecall;
		vm->vcpus[i].fast_mmio = vmm_fast_mmio;
	}
}

// Guest-page faults outside RAM are device accesses (lab 9). An
// instruction fetch there cannot be emulated.
static enum vm_verdict on_page_fault(struct vm *vm, struct vcpu *v, struct vm_exit *e)
{
	if (e->page_fault.access == GUEST_ACCESS_EXEC) {
		vcpu_dump(v, "vmm: the guest jumped outside its RAM");
		return VM_STOP_FAIL;
	}
	enum mmio_result r = device_access(vm, v, e);
	if (r == MMIO_UNHANDLED) {
		printf("vmm: guest-page fault at gpa 0x%lx not handled\n", e->page_fault.gpa);
		return VM_STOP_FAIL;
	}
	return VM_RESUME;
}

// Priv. 8.6.1: a virtual-instruction exception is what VS or VU ran that
// only HS may run. This VMM sets none of hstatus.VTSR/VTW/VTVM (lab 2) and
// emulates no CSR, so what arrives here (an H or VS CSR, hfence.*, hlv/hsv,
// a counter hcounteren hides; lab 6 makes a trapped wfi EXIT_HALT) is an
// instruction that does not exist for the guest, whose device tree says
// "no H": it gets what a CPU without H gives, an illegal-instruction
// exception (cause 2, stval = the instruction bits, Priv. 4.1.9) at its
// own vstvec, sepc still at the instruction. Lab 9's injection is a
// generic VS trap entry.
static enum vm_verdict on_virtual_insn(struct vcpu *v, const struct vm_exit *e)
{
	mmio_inject_access_fault(v, CAUSE_ILLEGAL_INSTRUCTION, e->vinsn.insn.bits);
	return VM_RESUME;
}

// The host's console has input (console_irq_init, the harness): the UART
// looks again, and raises its line if the guest enabled RDI.
static enum vm_verdict on_external_irq(struct vm *vm)
{
	if (console_irq_claim()) {
		devices_lock(vm);
		uart_update(&vm->uart);
		devices_unlock(vm);
	}
	return VM_RESUME;
}

enum vm_verdict vmm_handle_exit(struct vm *vm, struct vcpu *v, struct vm_exit *e)
{
	// A device access, by far the most frequent exit here, is tested first.
	if (e->reason == EXIT_NESTED_PAGE_FAULT)
		return on_page_fault(vm, v, e);
	switch (e->reason) {
	case EXIT_VIRTUAL_INSN:
		return on_virtual_insn(v, e);
	case EXIT_EXTERNAL_IRQ:
		return on_external_irq(vm);
	default:
		vcpu_dump(v, "vmm: exit not handled");
		printf("vmm: %s exit at pc 0x%lx: stopping the guest\n",
		       vm_exit_reason_name(e->reason), e->pc);
		return VM_STOP_FAIL;
	}
}
