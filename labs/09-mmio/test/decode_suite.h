// decode_suite.h: unit tests of insn_decode_mem() and mmio_extend(), shared
// by the lab-9 harness (in QEMU, "decoder" test) and the host program in
// host/decode_host.c. Plain C: no CSR, no libc beyond snprintf.
#ifndef DECODE_SUITE_H
#define DECODE_SUITE_H

#include "types.h"

// Called once per group with its verdict; detail describes the first
// failure (an empty string when ok).
typedef void decode_report_fn(const char *group, int ok, const char *detail);

// exhaustive = 1: every rd x rs1 x 12-bit immediate of every 32-bit form
// (about 46 million decodes: seconds on a host, far too slow in QEMU);
// 0: every register pair with a set of immediates that touches every
// immediate bit, plus every immediate with a few register pairs. The
// compressed forms are always covered completely.
void decode_suite_run(int exhaustive, decode_report_fn *report);

#endif
