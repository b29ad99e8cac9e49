// testdev.c: the kit's test device for lab 9: 4 KiB of byte-addressed
// registers that accept every width at every offset, and a log of the last access (which
// the guest reads back through the HC_LAST hypercalls, not through MMIO).
#include "hyp.h"
#include "mmio.h"
#include "testdev.h"

#define SIGN_BITS 0x8080808080808080UL

// splitmix64 (a well-known mixing function): one 64-bit value per slot.
static ulong slot_value(ulong seed, ulong slot)
{
	ulong z = seed + (slot + 1) * 0x9e3779b97f4a7c15UL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
	z ^= z >> 31;
	return slot & 1 ? z & ~SIGN_BITS : z | SIGN_BITS;
}

// Any width at any offset inside the window, misaligned too: it is the
// hypervisor's job to refuse misaligned accesses, the test must see it do so.
static int good_access(ulong offset, u8 width)
{
	return (width == 1 || width == 2 || width == 4 || width == 8) && offset < TESTDEV_SIZE &&
	       width <= TESTDEV_SIZE - offset;
}

static void log_access(struct testdev *t, u8 kind, ulong offset, u8 width, ulong data)
{
	t->last = (struct testdev_access){ kind, width, offset, data };
	t->count++;
}

static int testdev_read(struct mmio_device *dev, ulong offset, u8 width, ulong *value)
{
	struct testdev *t = dev->priv;
	ulong v = 0;
	if (!good_access(offset, width))
		return MMIO_ERR;
	memcpy(&v, &t->regs[offset], width);        // little-endian, like RISC-V
	log_access(t, TD_READ, offset, width, v);
	*value = v;
	return MMIO_OK;
}

static int testdev_write(struct mmio_device *dev, ulong offset, u8 width, ulong value)
{
	struct testdev *t = dev->priv;
	if (!good_access(offset, width))
		return MMIO_ERR;
	log_access(t, TD_WRITE, offset, width, value);
	memcpy(&t->regs[offset], &value, width);
	return MMIO_OK;
}

void testdev_init(struct testdev *t, ulong base, ulong seed)
{
	memset(t, 0, sizeof(*t));
	for (ulong k = 0; k < TESTDEV_SIZE / 8; k++) {
		ulong v = slot_value(seed, k);
		memcpy(&t->regs[8 * k], &v, 8);
	}
	t->dev = (struct mmio_device){ "testdev", base, TESTDEV_SIZE, testdev_read, testdev_write,
				       t };
}

ulong testdev_last_packed(const struct testdev *t)
{
	return t->count << 32 | (ulong)t->last.kind << 16 | (ulong)t->last.width << 12 |
	       (t->last.offset & 0xfff);
}

ulong testdev_peek(const struct testdev *t, ulong offset)
{
	ulong v = 0;
	if (offset < TESTDEV_SIZE)
		memcpy(&v, &t->regs[offset & ~7UL], 8);
	return v;
}
