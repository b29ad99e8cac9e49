// Lab 2 reference solution, part 2: the vCPU's first entry into VS-mode.
#include "hyp.h"
#include "vcpu.h"

// The state a guest kernel expects from its firmware (the RISC-V boot
// convention: a0 = hart id, a1 = device tree), and the bits that make the
// first sret land in VS-mode.
void vcpu_init(struct vcpu *v, ulong entry, ulong hartid, ulong dtb)
{
	// No hypervisor data may leak into the guest: every other register 0.
	memset(v->gprs, 0, sizeof(v->gprs));
	v->gprs[REG_A0] = hartid;
	v->gprs[REG_A1] = dtb;
	v->hartid = hartid;
	v->sepc = entry;
	// sret takes the new privilege from sstatus.SPP: 1 = S, which with
	// SPV = 1 means VS (Priv. 8.6.4). SPP = 0 would start the guest
	// kernel in VU-mode. FS: with V = 1 a floating-point instruction needs
	// FS on in BOTH the guest's vsstatus and the HS-level sstatus (Priv.
	// 8.2, "Virtual Supervisor Status Register"); the world switch (lab 4)
	// loads this value into sstatus, so the guest may use FP. (The kit
	// runs one vCPU per hart and never uses FP itself: nothing to save.)
	v->sstatus = SSTATUS_SPP | SSTATUS_FS_INITIAL;
	// SPV = 1: sret sets V = 1. SPVP = 1: the guest's privilege is S, as
	// the hypervisor's HLV/HSV accesses to its memory will need later.
	v->hstatus = HSTATUS_VSXL_64 | HSTATUS_SPV | HSTATUS_SPVP;
}

// One-way: load the vCPU into the trap CSRs and sret. sstatus.SPIE is the
// hypervisor's own SIE after the sret; while V = 1, HS interrupts are taken
// whatever SIE says (Priv. 8.2.3), so it only matters when we come back.
void vcpu_launch(struct vcpu *v)
{
	csr_write(sepc, v->sepc);
	csr_clear(sstatus, SSTATUS_SPP | SSTATUS_SPIE);
	csr_set(sstatus, v->sstatus & (SSTATUS_SPP | SSTATUS_SPIE));
	csr_write(hstatus, v->hstatus);
	guest_enter(v->gprs);
}
