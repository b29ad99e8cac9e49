// vcpu_layout.c: the world switch (switch.S) addresses struct vcpu by the
// VCPU_* offsets in vcpu.h. If the struct and the numbers ever disagree,
// the build fails here instead of the guest failing mysteriously.
#include "vcpu.h"

#define AT(field, off) _Static_assert(offsetof(struct vcpu, field) == (off), #field)
AT(gprs, VCPU_GPRS);
AT(sepc, VCPU_SEPC);
AT(sstatus, VCPU_SSTATUS);
AT(hstatus, VCPU_HSTATUS);
AT(hyp, VCPU_HYP);
AT(hyp_sstatus, VCPU_HYP_SSTATUS);
AT(hyp_hstatus, VCPU_HYP_HSTATUS);
AT(hyp_stvec, VCPU_HYP_STVEC);
AT(hyp_sscratch, VCPU_HYP_SSCRATCH);
AT(trap.scause, VCPU_TRAP_SCAUSE);
AT(trap.stval, VCPU_TRAP_STVAL);
AT(trap.htval, VCPU_TRAP_HTVAL);
AT(trap.htinst, VCPU_TRAP_HTINST);
AT(fast_ecall, VCPU_FAST_ECALL);
AT(fast_mmio, VCPU_FAST_MMIO);
