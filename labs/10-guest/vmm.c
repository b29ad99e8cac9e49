// Lab 10, part 3: the VMM's devices, its boot vCPU, and its part of the
// run loop.
//
// Everything the guest needs was built in an earlier lab; this file
// connects the pieces. The harness (labs/10-guest/test/harness.c) sets up
// the hart, the SBI and the guest's RAM, loads the image and the device
// tree with your image.c and guest_dtb.c, calls vm_devices_init() and
// vm_vcpu_init(), and starts the kit's run loop (vm.h) on every physical
// hart. The loop handles what every VM has (SBI calls, timers, requests
// between harts, hart_start/stop); the exits only this VM's devices
// explain come to vmm_handle_exit(). Read vm.h, vmexit.h (the exit
// reasons, who moves sepc), mmio.h and uart16550.h first.
//
// Check yourself: make grade LAB=10 (tests interrupts, uboot, linux,
// virtual_insn), and watch it yourself: make run, make run GUEST=linux
// SMP=4 (Ctrl-A X quits QEMU).
#include "hyp.h"
#include "vmm.h"
#include "vsbi.h"
#include "smp.h"

int vm_devices_init(struct vm *vm)
{
	// TODO(lab 10): the VM's devices on vm->bus (mmio_register), wired:
	//  - the PLIC (plic.c): plic_init(&vm->plic, PLIC_VIRT_BASE, two
	//    contexts per vCPU, a line callback of yours, vm). The callback
	//    gets (p, context, level): context 2i+1 is vCPU i's external
	//    interrupt. Only vCPU i's own hart may write its hvip.VSEIP: store
	//    the level in vm->vcpus[i].ext_irq, then ask that hart to apply it
	//    with lab 8's vipi_send(vm, i, VIPI_REQ_EXT_IRQ). Even contexts
	//    (M-mode) are never delivered;
	//  - the UART (lab 9): uart_init at UART_VIRT_BASE, and its line
	//    (vm->uart.irq, irq_priv) drives PLIC source UART_VIRT_IRQ
	//    (plic_set_irq).
	// Return 0, or -1 if the bus refused a device.
	UNUSED(vm);
	return -1;
}

void vm_vcpu_init(struct vm *vm, struct vcpu *v)
{
	// TODO(lab 10): the guest's boot vCPU before its first run (the kit
	// gave it its ids: v->hartid, v->id, v->vm): it starts at vm->entry
	// with a0 = its hart id and a1 = vm->dtb_gpa (lab 2's vcpu_init), and
	// has fresh SBI state (vsbi_vcpu_init, lab 7). The other vCPUs start
	// when the guest asks (SBI HSM hart_start, lab 8).
	UNUSED(vm);
	UNUSED(v);
}

enum vm_verdict vmm_handle_exit(struct vm *vm, struct vcpu *v, struct vm_exit *e)
{
	// TODO(lab 10): the exits the kit's loop leaves to you. Return
	// VM_RESUME to run the guest again, VM_STOP_FAIL to stop the VM.
	//  - EXIT_NESTED_PAGE_FAULT: a device access, mmio_handle_fault() on
	//    vm->bus (lab 9); a fetch fault (GUEST_ACCESS_EXEC) cannot be
	//    emulated. Several harts may touch the same device at once: hold
	//    vm->dev_lock (spin_lock) around the call. MMIO_UNHANDLED stops.
	//  - EXIT_EXTERNAL_IRQ: the host's console has input (the harness
	//    called console_irq_init()): if console_irq_claim() says so, the
	//    UART looks again: uart_update(&vm->uart), under vm->dev_lock. It
	//    raises its line if the guest enabled IER.RDI. Resume.
	//  - EXIT_VIRTUAL_INSN (Priv. 8.6.1): the guest ran something only HS
	//    may run (an H or VS CSR, hfence.*, hlv/hsv). Its device tree says
	//    it has no H extension, so for it that instruction does not exist:
	//    give it what a CPU without H would, an illegal-instruction
	//    exception (cause 2, stval = the instruction's bits, Priv. 4.1.9)
	//    at its own trap vector, sepc still at the instruction, and resume.
	//    Lab 9's mmio_inject_access_fault() is a generic VS trap entry:
	//    any cause works with it. Which field of e holds the bits?
	//    (vmexit.h) Check: make grade LAB=10, test virtual_insn;
	//  - anything else: print what happened (vcpu_dump) and stop: a guest
	//    whose trap was ignored would only trap again.
	UNUSED(vm);
	UNUSED(v);
	UNUSED(e);
	printf("vmm: vmm_handle_exit() is not written yet (labs/10-guest/vmm.c)\n");
	return VM_STOP_FAIL;
}
