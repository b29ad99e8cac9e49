// Lab 2 reference solution, part 1: per-hart hypervisor CSR setup.
#include "hyp.h"
#include "hypinit.h"

// hgatp.MODE is WARL (Priv. 8.2.10): writing an unsupported mode leaves the
// whole register unchanged, so write each mode with a zero root and see
// whether it sticks. Bare (0) is always supported.
ulong hgatp_probe_modes(void)
{
	static const ulong modes[] = { HGATP_MODE_SV39X4, HGATP_MODE_SV48X4, HGATP_MODE_SV57X4 };
	ulong found = 1UL << HGATP_MODE_BARE;
	for (ulong i = 0; i < ARRAY_SIZE(modes); i++) {
		csr_write(hgatp, modes[i] << HGATP_MODE_SHIFT);
		if ((csr_read(hgatp) >> HGATP_MODE_SHIFT) == modes[i])
			found |= 1UL << modes[i];
	}
	csr_write(hgatp, 0);
	hfence_gvma_all();
	return found;
}

void hyp_hart_init(struct hyp_caps *caps)
{
	// VS-mode runs 64-bit code; keep the rest of hstatus clear.
	csr_write(hstatus, HSTATUS_VSXL_64);
	// Nothing goes straight to the guest yet (lab 3 chooses).
	csr_write(hedeleg, 0);
	csr_write(hideleg, 0);
	// The guest may read time, cycle and instret itself: they are harmless
	// to expose, and trapping every rdtime would make guests crawl.
	csr_write(hcounteren, HCOUNTEREN_CY | HCOUNTEREN_TM | HCOUNTEREN_IR);
	// Sstc: STCE is WARL; it sticks only when the hart has Sstc.
	csr_write(henvcfg, HENVCFG_STCE);
	caps->sstc = (csr_read(henvcfg) & HENVCFG_STCE) != 0;
	csr_write(hvip, 0);
	csr_write(vsatp, 0);
	caps->gstage_modes = hgatp_probe_modes();
}
