// decode_suite.h: unit tests of insn_decode_mem() and mmio_extend(), shared
// by the lab-9 harness (in QEMU, "decoder" test) and the host-side oracle
// (oracle/decode_oracle.c). Plain C: no CSR, no libc beyond snprintf.
//
// The suite never calls the decoder itself: it makes the encodings and the
// answers they must get, hands them to a backend in batches, and judges
// what comes back. In QEMU the backend calls your functions directly
// (decode_local.c); on the host it sends the batch through a pipe to a
// separate program built from your insn_decode.c (host/decode_host.c), so
// that the verdicts come from a process your code cannot touch.
#ifndef DECODE_SUITE_H
#define DECODE_SUITE_H

#include "types.h"
#include "guestmem.h"

// What a decode returned: insn_decode_mem()'s value and the struct
// insn_mem it filled (fields it did not write keep the 0xee poison).
struct decode_answer {
	long offset;
	int  rc;
	u8   cls, width, sign_extend, reg, base, len;
};

// One mmio_extend(raw, width, sign_extend) to try.
struct extend_query {
	ulong raw;
	u8    width, sign_extend;
};

// The decoder under test. Each call answers a batch of n queries in order
// (ans[i] for insn[i]). Returns 0, or -1 when the decoder is gone (a
// program that crashed): the queries then count as failed.
struct decode_backend {
	int (*decode)(const struct guest_insn *insn, struct decode_answer *ans, u32 n);
	int (*extend)(const struct extend_query *q, ulong *out, u32 n);
	const char *gone;       // what to say about a query the decoder never answered
};

// Called once per group with its verdict; detail describes the first
// failure (an empty string when ok).
typedef void decode_report_fn(const char *group, int ok, const char *detail);

// exhaustive = 1: every rd x rs1 x 12-bit immediate of every 32-bit form
// (about 46 million decodes: about a second on a host, far too slow in
// QEMU); 0: every register pair with a set of immediates that touches
// every immediate bit, plus every immediate with a few register pairs. The
// compressed forms are always covered completely.
void decode_suite_run(int exhaustive, const struct decode_backend *backend,
		      decode_report_fn *report);

// The backend that calls insn_decode_mem() and mmio_extend() in this
// program (decode_local.c): the harness's, and the host program's.
extern const struct decode_backend decode_local;

#endif
