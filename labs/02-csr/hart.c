// Lab 2, part 1: put this hart's hypervisor CSRs in a known state and find
// out what the hart offers.
//
// Read docs/labs/02-csr.md first. Check yourself with: make grade LAB=2
// Watch one scenario: make qemu LAB=2 TEST=hart_init   (or gstage_modes,
// or CPU=rv64,sstc=off TEST=hart_init_nosstc)
//
// The harness fills every CSR below with a wrong value before it calls
// you, as firmware or an earlier kernel might leave them: write each one,
// never assume a reset value.
#include "hyp.h"
#include "hypinit.h"

// Task 1. Which G-stage translation modes does this hart support?
// Return a mask with bit m set when hgatp.MODE = m works.
//   - Priv. 8.2.10: for HSXLEN = 64 the defined modes are Bare (0),
//     Sv39x4 (8), Sv48x4 (9) and Sv57x4 (10); every other value is
//     reserved. Bare is always supported.
//   - hgatp.MODE is WARL ("write any, read legal"), and, unlike satp, a
//     write with an unsupported mode is not ignored: the field is made
//     legal. So write a mode (HGATP_MODE_*, shifted by HGATP_MODE_SHIFT),
//     read hgatp back, and see whether MODE still holds what you wrote.
//   - Probe only the defined modes: QEMU 7.2 does not legalize hgatp at
//     all and keeps any value, so a reserved mode would look supported.
//   - When you are done, leave hgatp = 0 (Bare: guest physical = host
//     physical) and run hfence_gvma_all(): writing hgatp does not, by
//     itself, order anything with the translations the hart may cache.
// Check: make grade LAB=2 (test gstage_modes compares your mask with the
// harness's own probe and reads hgatp afterwards).
ulong hgatp_probe_modes(void)
{
	// TODO: your code here.
	return 0;
}

// Task 2. Per-hart hypervisor setup. Runs once on every hart that will run
// guests (CSRs are per hart), before the first guest entry. Write each
// register in this order, and fill in *caps:
//
//   1. hstatus (Priv. 8.2.1): write the whole register, first: VSXL = 64-bit
//      (HSTATUS_VSXL_64) and everything else 0. A stale SPV = 1 makes the
//      next sret of any HS trap handler "return" into a guest; VTSR, VTW,
//      VTVM, HU would change how the guest runs. (SPV and SPVP are set for
//      the launch in vcpu.c, not here.)
//   2. hedeleg, hideleg (Priv. 8.2.2): 0. Every guest trap and interrupt
//      comes to the hypervisor for now; lab 3 decides what to delegate.
//   3. hcounteren (Priv. 8.2.6): which counters the guest may read itself.
//      A clear bit turns rdcycle/rdtime/rdinstret in the guest into a
//      virtual-instruction exit. Decide for CY, TM and IR and say why in a
//      comment (the handout discusses it). Test rdtime_direct expects a
//      guest to read time without exiting.
//   4. henvcfg.STCE (Priv. 8.2.5, Sstc): lets the guest use stimecmp for
//      its own timer. Set it only if this hart has Sstc, and report that in
//      caps->sstc (1 or 0). STCE is WARL: write it and read it back. But
//      QEMU 7.2 keeps STCE = 1 even without Sstc, so first make sure the
//      hart has stimecmp at all: read it between trap_expect_begin() and
//      trap_expect_end() (trap.h); without Sstc the read is an illegal
//      instruction, which the guard records and skips. Always leave henvcfg
//      written: STCE = caps->sstc, nothing else.
//      Test hart_init_nosstc runs on -cpu rv64,sstc=off.
//   5. hvip (Priv. 8.2.3): 0, no virtual interrupt pending.
//   6. vsatp (Priv. 8.2.18): 0, the guest starts with its translation off.
//   7. hgatp: Bare, and caps->gstage_modes = hgatp_probe_modes().
//
// Check: make grade LAB=2 (tests hart_init, hart_init_nosstc: one CHECK line
// per register says what was read back).
void hyp_hart_init(struct hyp_caps *caps)
{
	UNUSED(caps);
	// TODO: your code here.
}
