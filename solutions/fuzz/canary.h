// canary.h: seeded patterns in host memory the fuzz guest must never reach
// (make fuzz: fuzz.c, smp/fuzz_smp.c). Fill before the run; after it, any
// word that differs from the pattern was written by someone who should not.
#ifndef FUZZ_CANARY_H
#define FUZZ_CANARY_H

#include "types.h"

// p[0..nwords) = the pattern of `seed`.
void canary_fill(ulong *p, ulong nwords, ulong seed);
// How many of p[0..nwords) no longer hold the pattern of `seed`.
ulong canary_bad(const ulong *p, ulong nwords, ulong seed);

#endif
