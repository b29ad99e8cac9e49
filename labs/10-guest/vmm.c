// Lab 10, part 3: devices, vCPUs and the run loop of the VMM.
//
// Everything the guest needs was built in an earlier lab; this file
// connects the pieces. The harness (labs/10-guest/test/harness.c) sets up
// the hart, the SBI and the guest's RAM, loads the image and the device
// tree with your image.c and guest_dtb.c, then calls the three functions
// below in order. Read vmexit.h (the exit reasons, who moves sepc),
// vsbi.h, mmio.h and uart16550.h first.
//
// Check yourself: make grade LAB=10 (tests uboot, virtual_insn), and
// watch it yourself: make run (Ctrl-A X quits QEMU).
#include "hyp.h"
#include "vmm.h"
#include "vsbi.h"

int vm_devices_init(struct vm *vm)
{
	// TODO(lab 10): put the emulated UART on vm->bus (lab 9: uart_init at
	// UART_VIRT_BASE, then mmio_register). Return 0, or -1 if refused.
	UNUSED(vm);
	return -1;
}

void vm_vcpu_init(struct vm *vm, int id, ulong hartid)
{
	// TODO(lab 10): vCPU `id` (vm->vcpus[id]) before its first run: it
	// starts at vm->entry with a0 = hartid and a1 = vm->dtb_gpa (lab 2's
	// vcpu_init), knows its VM (v->vm) and id, and has fresh SBI state
	// (vsbi_vcpu_init, lab 7).
	// Then think about floating point. U-Boot turns it on in its own
	// sstatus (which is vsstatus while V = 1). Priv. 8.2, "Virtual
	// Supervisor Status Register": with V = 1, an FP instruction needs FS
	// enabled in BOTH vsstatus and the HS-level sstatus. Which sstatus
	// does the world switch (lab 4) load while the guest runs?
	UNUSED(vm);
	UNUSED(id);
	UNUSED(hartid);
}

int vmm_run(struct vm *vm)
{
	// TODO(lab 10): load vCPU 0 on this hart (vcpu_load, lab 4), then
	// loop: vcpu_run(), vm_exit_decode() (lab 6), count the exit in
	// vm->exits[reason], and hand it to the one piece that deals with it:
	//  - EXIT_SBI_CALL, EXIT_HYPERCALL: vsbi_handle_exit() (lab 7); what it
	//    turns the call into decides: EXIT_NOTHING resumes, EXIT_SYSTEM_DOWN
	//    ends the run (record e->system_down in vm->down; return 0 only for
	//    reason SBI_SRST_REASON_NONE), anything else is not handled;
	//  - EXIT_NESTED_PAGE_FAULT: a device access, mmio_handle_fault() on
	//    vm->bus (lab 9); a fetch fault (GUEST_ACCESS_EXEC) cannot be
	//    emulated;
	//  - EXIT_TIMER: vtimer_expired() (lab 7); EXIT_HALT: resume;
	//  - EXIT_VIRTUAL_INSN (Priv. 8.6.1): the guest ran something only HS
	//    may run (an H or VS CSR, hfence.*, hlv/hsv). Its device tree says
	//    it has no H extension, so for it that instruction does not exist:
	//    give it what a CPU without H would, an illegal-instruction
	//    exception (cause 2, stval = the instruction's bits, Priv. 4.1.9)
	//    at its own trap vector, sepc still at the instruction, and resume.
	//    Lab 9's mmio_inject_access_fault() is a generic VS trap entry:
	//    any cause works with it. Which field of e holds the bits?
	//    (vmexit.h) Check: make grade LAB=10, test virtual_insn;
	//  - anything else (EXIT_UNKNOWN...): print what happened (vcpu_dump)
	//    and stop: a guest whose trap was ignored would only trap again.
	// Return 0 for a clean shutdown, non-zero for every other end, after
	// saving the vCPU's state (vcpu_put).
	UNUSED(vm);
	printf("vmm: vmm_run() is not written yet (labs/10-guest/vmm.c)\n");
	return 1;
}
