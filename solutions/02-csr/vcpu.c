// Lab 2 reference solution, part 2: the vCPU's first entry into VS-mode.
#include "hyp.h"
#include "vcpu.h"

void vcpu_init(struct vcpu *v, ulong entry, ulong hartid, ulong dtb)
{
	memset(v->gprs, 0, sizeof(v->gprs));
	v->gprs[REG_A0] = hartid;
	v->gprs[REG_A1] = dtb;
	v->hartid = hartid;
	v->sepc = entry;
	// sret goes to VS (not VU): SPP = 1; guest interrupts start disabled.
	v->sstatus = SSTATUS_SPP;
	// sret goes to V = 1 (SPV) and the guest's privilege is S (SPVP).
	v->hstatus = HSTATUS_VSXL_64 | HSTATUS_SPV | HSTATUS_SPVP;
}

void vcpu_launch(struct vcpu *v)
{
	csr_write(sepc, v->sepc);
	csr_clear(sstatus, SSTATUS_SPP | SSTATUS_SPIE);
	csr_set(sstatus, v->sstatus & (SSTATUS_SPP | SSTATUS_SPIE));
	csr_write(hstatus, v->hstatus);
	guest_enter(v->gprs);
}
