// registry.c: the "registry" test: mmio_register() and mmio_find() called
// directly, no guest. Every check needs some call to succeed as well as
// some to fail, so a registry that refuses (or accepts) everything fails.
#include "hyp.h"
#include "mmio.h"
#include "harness.h"

#define TOP_BASE  (~0UL - 0xfff)      // the last 4 KiB of the address space

static int dummy_read(struct mmio_device *dev, ulong offset, u8 width, ulong *value)
{
	UNUSED(dev), UNUSED(offset), UNUSED(width);
	*value = 0;
	return MMIO_OK;
}

static int dummy_write(struct mmio_device *dev, ulong offset, u8 width, ulong value)
{
	UNUSED(dev), UNUSED(offset), UNUSED(width), UNUSED(value);
	return MMIO_OK;
}

static struct mmio_device mkdev(const char *name, ulong base, ulong size)
{
	return (struct mmio_device){ name, base, size, dummy_read, dummy_write, NULL };
}

static ulong seed;
static struct mmio_device a, b, c, top;

// Three devices at seed-derived places: a and b touch (b starts where a
// ends), c is elsewhere.
static int setup(struct mmio_bus *bus)
{
	ulong base = 0x20000000UL + ((seed & 0xfff) << 16);
	a = mkdev("a", base, 0x1000);
	b = mkdev("b", base + 0x1000, 0x100);
	c = mkdev("c", base + 0x100000 + ((seed >> 12) & 0xff) * 8, 0x18);
	memset(bus, 0, sizeof(*bus));
	int ra = mmio_register(bus, &a), rb = mmio_register(bus, &b), rc = mmio_register(bus, &c);
	return check("registry_register", ra == MMIO_OK && rb == MMIO_OK && rc == MMIO_OK &&
		     bus->count == 3, "mmio_register of three disjoint devices (b right after a) "
		     "gave %d %d %d, count %d; expected 0 0 0, count 3", ra, rb, rc, bus->count);
}

struct lookup {
	ulong gpa;
	u8 width;
	struct mmio_device *want;
};

static void check_find(struct mmio_bus *bus)
{
	const struct lookup l[] = {
		{ a.base, 8, &a }, { a.base + 0xff8, 8, &a }, { a.base + 0xfff, 1, &a },
		{ a.base - 1, 1, NULL }, { a.base - 8, 8, NULL }, { b.base, 1, &b },
		{ b.base + 0xfc, 4, &b }, { b.base + 0x100, 1, NULL }, { b.base + 0xfc, 8, NULL },
		{ c.base, 8, &c }, { c.base + 0x10, 8, &c }, { c.base + 0x14, 8, NULL },
		{ c.base + 0x18, 1, NULL }, { 0, 1, NULL }, { ~0UL, 1, NULL },
	};
	for (u32 i = 0; i < ARRAY_SIZE(l); i++) {
		struct mmio_device *got = mmio_find(bus, l[i].gpa, l[i].width);
		if (got != l[i].want) {
			check("registry_find", 0, "mmio_find(0x%lx, width %u) gave %s, expected %s",
			      l[i].gpa, l[i].width, got ? got->name : "NULL",
			      l[i].want ? l[i].want->name : "NULL");
			return;
		}
	}
	check("registry_find", 1, NULL);
}

struct refusal {
	struct mmio_device dev;
	const char *why;
};

static void check_refusals(struct mmio_bus *bus)
{
	struct refusal r[] = {
		{ mkdev("same", a.base, 0x1000), "the same window as a" },
		{ mkdev("low", a.base - 0x10, 0x11), "overlaps a's first byte" },
		{ mkdev("high", b.base + 0xff, 0x100), "overlaps b's last byte" },
		{ mkdev("inside", a.base + 0x10, 8), "inside a" },
		{ mkdev("around", a.base - 0x1000, 0x4000), "covers a and b" },
		{ mkdev("empty", 0x10, 0), "size 0" },
		{ mkdev("wrap", ~0UL - 0xf, 0x20), "wraps past 2^64" },
		{ { "noread", 0x1000, 0x10, NULL, dummy_write, NULL }, "no read callback" },
	};
	for (u32 i = 0; i < ARRAY_SIZE(r); i++) {
		int rc = mmio_register(bus, &r[i].dev);
		if (rc != MMIO_ERR || bus->count != 3) {
			check("registry_refuse", 0,
			      "a device that %s was accepted (rc %d, count %d)", r[i].why, rc,
			      bus->count);
			return;
		}
	}
	// Touching is not overlapping: a device ending where a begins is fine,
	// and so is one filling the very top of the address space.
	struct mmio_device below = mkdev("below", a.base - 0x100, 0x100);
	top = mkdev("top", TOP_BASE, 0x1000);
	int rb = mmio_register(bus, &below), rt = mmio_register(bus, &top);
	struct mmio_device *f = mmio_find(bus, ~0UL - 7, 8);
	check("registry_refuse", rb == MMIO_OK && rt == MMIO_OK && f == &top,
	      "a device right below a gave %d, one in the last 4 KiB gave %d (expected 0 0), "
	      "mmio_find(2^64 - 8, 8) gave %s", rb, rt, f ? f->name : "NULL");
}

static void check_full(struct mmio_bus *bus)
{
	static struct mmio_device many[MMIO_MAX_DEVICES + 1];
	int accepted = 0, rc = MMIO_OK;
	memset(bus, 0, sizeof(*bus));
	for (int i = 0; i <= MMIO_MAX_DEVICES; i++) {
		many[i] = mkdev("many", 0x50000000UL + i * 0x1000UL, 0x1000);
		rc = mmio_register(bus, &many[i]);
		accepted += rc == MMIO_OK;
	}
	struct mmio_device *last = mmio_find(bus, many[MMIO_MAX_DEVICES - 1].base, 1);
	check("registry_full", accepted == MMIO_MAX_DEVICES && rc == MMIO_ERR &&
	      last == &many[MMIO_MAX_DEVICES - 1],
	      "registering %d devices: %d accepted (expected %d), the last one gave %d "
	      "(expected MMIO_ERR), device %d %sfound", MMIO_MAX_DEVICES + 1, accepted,
	      MMIO_MAX_DEVICES, rc, MMIO_MAX_DEVICES - 1, last ? "" : "not ");
}

void test_registry(void)
{
	static struct mmio_bus bus;
	seed = run_seed();
	if (!setup(&bus))
		return;
	check_find(&bus);
	check_refusals(&bus);
	check_full(&bus);
}
