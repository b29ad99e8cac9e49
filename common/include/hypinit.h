// hypinit.h: lab 2's interface: per-hart hypervisor setup and probes.
#ifndef HYPINIT_H
#define HYPINIT_H

#include "types.h"

// What hyp_hart_init() found out about this hart.
struct hyp_caps {
	int   sstc;          // henvcfg.STCE stuck at 1: the guest may use stimecmp
	ulong gstage_modes;  // bit m set = hgatp.MODE m is supported (hgatp_probe_modes)
};

// Lab 2 (labs/02-csr/hart.c): put this hart's hypervisor CSRs in a known
// state: hstatus (VSXL = 64), hedeleg = hideleg = 0, hcounteren, henvcfg
// (probing STCE), hvip = 0, vsatp = 0, hgatp = Bare. Fills *caps.
void hyp_hart_init(struct hyp_caps *caps);
// Lab 2: which G-stage modes does hgatp accept? (WARL probe, Priv. 8.2.10)
ulong hgatp_probe_modes(void);

// Lab 3 (labs/03-deleg/deleg.c): what goes straight to the guest.
ulong hedeleg_bits(void);
ulong hideleg_bits(void);
// Lab 3: write hedeleg and hideleg on this hart.
void deleg_init(void);

#endif
