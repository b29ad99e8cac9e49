// reflect.c: the slow path that delegation replaces.
//
// When hedeleg does not delegate an exception, the hardware sends it to HS
// even though the guest kernel is the one that should handle it. The
// hypervisor can still get it there by hand: do in software what the
// hardware does on a trap into VS-mode (Priv. 8.6.2, "Trap Entry"), then
// resume the guest at its own vstvec. The guest cannot tell the difference;
// the cost is one full exit per trap, which is what the exit counters of
// this lab make visible.
#include "hyp.h"
#include "deleg_harness.h"

// Trap entry into VS-mode, done by hand for an exception the guest took:
//   vsepc  = the pc of the trapping instruction
//   vscause, vstval = what HS received in scause, stval
//   vsstatus.SPP  = the guest's privilege before the trap (0 = VU, 1 = VS),
//                   which HS sees in sstatus.SPP because SPV = 1
//   vsstatus.SPIE = vsstatus.SIE, vsstatus.SIE = 0
//   pc = vstvec.BASE (exceptions never use the vectored offsets)
// Returns 0 if the guest has no handler yet (vstvec = 0).
int reflect_to_guest(struct trapframe *tf)
{
	ulong vstvec = csr_read(vstvec) & ~3UL;
	if (vstvec == 0)
		return 0;
	ulong vss = csr_read(vsstatus);
	ulong spie = (vss & SSTATUS_SIE) ? SSTATUS_SPIE : 0;
	vss &= ~(SSTATUS_SPP | SSTATUS_SPIE | SSTATUS_SIE);
	vss |= (tf->sstatus & SSTATUS_SPP) | spie;
	csr_write(vsstatus, vss);
	csr_write(vsepc, tf->sepc);
	csr_write(vscause, tf->scause);
	csr_write(vstval, tf->stval);
	// Resume in VS-mode (SPP = 1 with SPV = 1) at the guest's handler.
	tf->sepc = vstvec;
	tf->sstatus |= SSTATUS_SPP;
	tf->hstatus |= HSTATUS_SPV | HSTATUS_SPVP;
	return 1;
}
