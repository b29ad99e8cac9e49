// Lab 2, part 2: the vCPU's initial state, and the first entry into VS-mode.
//
// Read docs/labs/02-csr.md first. Check yourself with: make grade LAB=2
// Watch the guest: make qemu LAB=2 TEST=guest_vs
#include "hyp.h"
#include "vcpu.h"

// Task 3. Fill in *v so that vcpu_launch() starts the guest at `entry` the
// way firmware starts a kernel (the RISC-V boot convention OpenSBI used for
// you, and Linux expects): a0 = hart id, a1 = device tree address.
//   - v->gprs[n] is register xn; use REG_A0, REG_A1 (trap.h). Every other
//     register must be 0: the struct may hold data from an earlier vCPU,
//     and no hypervisor value may leak into a guest.
//   - v->sepc = entry, v->hartid = hartid.
//   - v->sstatus: the sstatus bits sret will use. sret takes the new
//     privilege from SPP (Priv. 8.6.4): 1 = S, 0 = U. And the guest's
//     floating point: with V = 1 an FP instruction needs FS on in both
//     the guest's own sstatus (vsstatus) and the HS-level sstatus (Priv.
//     8.2), which is loaded from v->sstatus from lab 4 on. Its device
//     tree will say it has F and D: give it FS = Initial (riscv.h).
//   - v->hstatus: the hstatus for the launch: VSXL = 64-bit as in
//     hyp_hart_init(), SPV = 1 (sret sets V = SPV), and SPVP = 1 (the
//     guest's privilege is S; HLV/HSV use it when the hypervisor reads
//     guest memory in later labs).
// Check: make grade LAB=2 (test vcpu_state calls you with random values).
void vcpu_init(struct vcpu *v, ulong entry, ulong hartid, ulong dtb)
{
	UNUSED(v);
	UNUSED(entry);
	UNUSED(hartid);
	UNUSED(dtb);
	// TODO: your code here.
}

// Task 4. Enter the guest, once (the way back is lab 4's).
//   - sret jumps to sepc with V = hstatus.SPV and privilege = sstatus.SPP
//     (Priv. 8.6.4, "Trap Return"). Write sepc from v->sepc,
//     copy SPP (and SPIE) from v->sstatus into sstatus without touching its
//     other bits (csr_clear, csr_set), and write hstatus from v->hstatus.
//   - Then guest_enter(v->gprs) (trap.h) loads x1..x31 and executes sret.
//     It never returns: the guest's exits arrive at the harness's
//     hyp_guest_trap() through the kit's guest_trapvec.
// Check: make grade LAB=2 (tests guest_vs, guest_args, guest_args_smp,
// rdtime_*). If the guest never exits, sret did not reach V = 1.
void vcpu_launch(struct vcpu *v)
{
	UNUSED(v);
	// TODO: your code here, then delete the panic.
	panic("vcpu_launch: not implemented (lab 2)");
}
