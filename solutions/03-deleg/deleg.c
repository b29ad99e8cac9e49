// Lab 3 reference solution: what the guest handles itself.
#include "hyp.h"
#include "hypinit.h"

// Exceptions a guest kernel expects to see in its own vstvec, exactly as on
// bare metal (Priv. 8.2.2). Ecalls from VS (10), guest-page faults (20, 21,
// 23) and virtual instructions (22) are read-only zero in hedeleg: those
// belong to the hypervisor.
//   - Misaligned fetch (0) cannot happen with the C extension, but a guest
//     kernel still owns it if it ever does.
//   - Illegal instruction (2) first goes to OpenSBI in M-mode (its medeleg
//     lacks bit 2); OpenSBI then honours this bit for traps from V=1.
ulong hedeleg_bits(void)
{
	return HEDELEG_MISALIGNED_FETCH | HEDELEG_BREAKPOINT | HEDELEG_ILLEGAL_INSTRUCTION |
	       HEDELEG_USER_ECALL | HEDELEG_FETCH_PAGE_FAULT | HEDELEG_LOAD_PAGE_FAULT |
	       HEDELEG_STORE_PAGE_FAULT;
}

// The three VS-level interrupts (Priv. 8.2.2): with these bits set, the
// guest takes VSSI/VSTI/VSEI in its own vstvec as SSI/STI/SEI.
ulong hideleg_bits(void)
{
	return HIDELEG_VSSI | HIDELEG_VSTI | HIDELEG_VSEI;
}

void deleg_init(void)
{
	csr_write(hedeleg, hedeleg_bits());
	csr_write(hideleg, hideleg_bits());
}
