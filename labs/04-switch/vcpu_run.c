// Lab 4: running a vCPU, and its VS-level CSR context.
//
// Read docs/labs/04-switch.md first. Check yourself with: make grade LAB=4
// Run one test with: make qemu LAB=4 TEST=torture (or hyp_state,
// two_vcpus, exit_count).
#include "hyp.h"
#include "vcpu.h"

// Task 1. One round trip into the guest and back.
//   - vcpu_switch_to_guest(v) (your switch.S) does the work. When it
//     returns, the guest has trapped: v->gprs, v->sepc and v->trap
//     describe the exit, and the caller decides what to do with it.
//   - Count every exit in v->exits. The test exit_count compares it with
//     the number of exits the guest says it caused.
void vcpu_run(struct vcpu *v)
{
	vcpu_switch_to_guest(v);
	// TODO: count this exit.
}

// Task 2. Put v's VS-level CSR context into the hardware (vcpu_load) and
// save it back (vcpu_put).
//   - Priv. 8.2: when V=1 the guest's sstatus, sie, stvec, sscratch, sepc,
//     scause, stval and satp are really vsstatus, vsie, vstvec, vsscratch,
//     vsepc, vscause, vstval and vsatp. The guest changes them without any
//     exit, and there is only one set per hart. Add the per-guest
//     hypervisor CSRs htimedelta (Priv. 8.2.7: the guest's time offset)
//     and hvip (Priv. 8.2.3: interrupts injected into the guest), and with
//     Sstc vstimecmp (the guest's timer): that is struct vcpu_vs_csrs.
//   - vcpu_load(v): write every field of v->vs into its CSR. vcpu_put(v):
//     read every CSR back into v->vs. The harness calls vcpu_put(a);
//     vcpu_load(b) whenever it moves the hart from vCPU a to vCPU b, and
//     compares v->vs with the hardware after each call (test two_vcpus).
//   - vstimecmp exists only when Sstc is enabled for guests
//     (henvcfg.STCE = 1, set by lab 2's hyp_hart_init); without it, leave
//     that field alone.
void vcpu_load(struct vcpu *v)
{
	UNUSED(v);
	// TODO: your code here.
}

void vcpu_put(struct vcpu *v)
{
	UNUSED(v);
	// TODO: your code here.
}
