// testdev.h: the kit's test device for lab 9 (harness side).
#ifndef TESTDEV_H
#define TESTDEV_H

#include "types.h"
#include "mmio.h"
#include "lab9.h"

struct testdev_access {
	u8    kind;       // TD_READ / TD_WRITE (0: none yet)
	u8    width;
	ulong offset;
	ulong data;       // value written, or raw value returned
};

struct testdev {
	struct mmio_device dev;
	u8    regs[TESTDEV_SIZE];
	struct testdev_access last;
	ulong count;      // accesses so far
};

// Seeded registers at base; dev ready to register.
void testdev_init(struct testdev *t, ulong base, ulong seed);
// HC_LAST's packed answer.
ulong testdev_last_packed(const struct testdev *t);
// The 8 register bytes at offset & ~7 (0 outside the device).
ulong testdev_peek(const struct testdev *t, ulong offset);

#endif
