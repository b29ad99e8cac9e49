// Lab 2 harness (prototype).
#include "hyp.h"
#include "hypinit.h"
#include "vcpu.h"
#include "minisbi.h"

static struct vcpu vcpu0;

void hyp_guest_trap(struct trapframe *tf)
{
	if (tf->scause == CAUSE_VIRTUAL_SUPERVISOR_ECALL) {
		minisbi_handle(tf->regs, &tf->sepc);
		return;
	}
	trap_dump("unexpected guest exit", tf, 1);
	hyp_shutdown(0);
}

int lab_main(ulong hartid, const void *dtb)
{
	struct hyp_caps caps = { 0, 0 };
	hyp_hart_init(&caps);
	printf("csr: hstatus=0x%lx modes=0x%lx sstc=%d\n", csr_read(hstatus), caps.gstage_modes, caps.sstc);
	guest_image_load(GUEST_BARE_BASE);
	vcpu_init(&vcpu0, guest_image_entry, hartid, (ulong)dtb);
	vcpu_launch(&vcpu0);
}
