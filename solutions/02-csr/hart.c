// Lab 2 reference solution, part 1: put this hart's hypervisor CSRs in a
// known state and find out what the hart offers.
#include "hyp.h"
#include "hypinit.h"

// The G-stage modes defined for HSXLEN = 64 besides Bare (Priv. 8.2.10,
// "Encoding of hgatp MODE field"). 1-7 and 11-15 are reserved: they are
// never probed, because an implementation that does not legalize hgatp
// (QEMU 7.2 keeps any value) would make them look supported.
static const ulong gstage_modes[] = {
	HGATP_MODE_SV39X4, HGATP_MODE_SV48X4, HGATP_MODE_SV57X4,
};

static ulong hgatp_mode(ulong hgatp)
{
	return hgatp >> HGATP_MODE_SHIFT;
}

// hgatp.MODE is WARL (Priv. 8.2.10). Unlike satp, a write with an
// unsupported MODE is not ignored: the fields are legalized the usual WARL
// way, so a mode is supported exactly when it reads back as written.
ulong hgatp_probe_modes(void)
{
	ulong found = BIT(HGATP_MODE_BARE);     // Bare is always there
	for (ulong i = 0; i < ARRAY_SIZE(gstage_modes); i++) {
		ulong mode = gstage_modes[i];
		csr_write(hgatp, mode << HGATP_MODE_SHIFT);
		if (hgatp_mode(csr_read(hgatp)) == mode)
			found |= BIT(mode);
	}
	// Back to Bare (GPA = HPA) and forget any translation the probe might
	// have let the hart cache: writing hgatp orders nothing by itself.
	csr_write(hgatp, 0);
	hfence_gvma_all();
	return found;
}

// Sstc lets a guest program its own timer in stimecmp (which, for V=1, is
// vstimecmp) instead of asking the hypervisor through SBI. henvcfg.STCE
// (Priv. 8.2.5) switches that on for VS-mode. STCE is WARL, so it should
// read back 0 on a hart without Sstc, but QEMU 7.2 keeps it set even with
// -cpu rv64,sstc=off. So first ask the hart itself: stimecmp exists only
// with Sstc, and reading it is an illegal instruction otherwise.
static int sstc_probe(void)
{
	trap_expect_begin();
	(void)csr_read(stimecmp);
	if (trap_expect_end(NULL))
		return 0;
	csr_write(henvcfg, HENVCFG_STCE);
	return (csr_read(henvcfg) & HENVCFG_STCE) != 0;
}

void hyp_hart_init(struct hyp_caps *caps)
{
	// First, so that no trap below can sret into a guest: a stale SPV = 1
	// would send the next HS sret to V = 1. VS-mode runs 64-bit code
	// (VSXL = 2); every trap-virtualization knob (VTSR, VTW, VTVM) is off.
	csr_write(hstatus, HSTATUS_VSXL_64);
	// Nothing goes straight to the guest yet: every guest trap and
	// interrupt comes to HS (lab 3 chooses what to delegate).
	csr_write(hedeleg, 0);
	csr_write(hideleg, 0);
	// The guest may read time, cycle and instret itself. time is read all
	// the time by any kernel and must not cost an exit; cycle and instret
	// are harmless to expose here (no PMU virtualization in these labs).
	csr_write(hcounteren, HCOUNTEREN_CY | HCOUNTEREN_TM | HCOUNTEREN_IR);
	// Written whatever the outcome: a stale STCE must not survive.
	caps->sstc = sstc_probe();
	csr_write(henvcfg, caps->sstc ? HENVCFG_STCE : 0);
	// No virtual interrupt pending, and the guest starts with its own
	// address translation off.
	csr_write(hvip, 0);
	csr_write(vsatp, 0);
	// Leaves hgatp = Bare: GPA = HPA until lab 5 builds a G-stage table.
	caps->gstage_modes = hgatp_probe_modes();
}
