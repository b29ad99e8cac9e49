// decode_wire.h: how the host oracle (oracle/decode_oracle.c) and the
// program built from the student's decoder (host/decode_host.c) talk over
// two pipes. Both run on the same machine: plain structs, host byte order.
//
// The oracle writes a header and n queries; the program reads all of
// them, answers each in order, and waits for the next header. End of
// input: the program exits with status 0.
#ifndef DECODE_WIRE_H
#define DECODE_WIRE_H

#include "types.h"

#define WIRE_MAX     65536      // queries in one batch, at most
#define WIRE_DECODE  1          // n x struct wire_insn -> n x struct wire_answer
#define WIRE_EXTEND  2          // n x struct wire_extend -> n x u64

struct wire_header {
	u32 op, n;
};

struct wire_insn {
	u32 bits;
	u8  len, pad[3];
};

struct wire_answer {
	s64 offset;
	s32 rc;
	u8  cls, width, sign_extend, reg, base, len, pad[2];
};

struct wire_extend {
	u64 raw;
	u8  width, sign_extend, pad[6];
};

_Static_assert(sizeof(struct wire_header) == 8, "wire layout");
_Static_assert(sizeof(struct wire_insn) == 8, "wire layout");
_Static_assert(sizeof(struct wire_answer) == 24, "wire layout");
_Static_assert(sizeof(struct wire_extend) == 16, "wire layout");

#endif
