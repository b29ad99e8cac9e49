// Lab 7 reference solution: the Debug Console extension (SBI 12, "DBCN").
//
// Emulated on top of the hypervisor's own console (console.c, which itself
// uses OpenSBI): the guest's buffer is given by a guest-PHYSICAL address
// (base_addr_lo/hi), which OpenSBI knows nothing about, and OpenSBI 1.1
// (SBI 1.0) has no DBCN to forward to anyway.
//
// Guest-physical, not guest-virtual: the guest may run with its own paging
// on, and its page table must be ignored. The copy uses lab 6's HLV/HSV
// copies with vsatp = Bare for the duration, so that only the G-stage
// translates (Priv. 8.5: with vsatp.MODE = Bare, guest virtual = guest
// physical). That walks every page of the buffer, wherever the G-stage
// puts it, and a hole in the G-stage is a clean error instead of a crash.
#include "hyp.h"
#include "vsbi.h"
#include "guestmem.h"

// At most this many bytes per call: SBI 12.1 allows partial writes (the
// number written is returned and the caller loops).
#define DBCN_CHUNK 256

// Priv. 4.1.11 (satp): changing MODE to or from Bare takes effect at once,
// no fence needed; the same holds for vsatp (Priv. 8.2.18). QEMU 7.2 does
// not flush its TLB when vsatp is written, though, so an HLV right after
// the switch could use a translation cached under the other mode. The
// hfence.vvma (the guest's VS-stage translations, Priv. 8.3.2) costs the
// guest its TLB entries once per DBCN call and makes the switch exact.
static ulong vsatp_bare(void)
{
	ulong saved = csr_swap(vsatp, SATP_MODE_BARE << SATP_MODE_SHIFT);
	hfence_vvma_all();
	return saved;
}

static void vsatp_restore(ulong saved)
{
	csr_write(vsatp, saved);
	hfence_vvma_all();
}

static int phys_read(void *dst, ulong gpa, ulong len)
{
	ulong saved = vsatp_bare();
	int rc = copy_from_guest(dst, gpa, len, NULL);
	vsatp_restore(saved);
	return rc;
}

static int phys_write(ulong gpa, const void *src, ulong len)
{
	ulong saved = vsatp_bare();
	int rc = copy_to_guest(gpa, src, len, NULL);
	vsatp_restore(saved);
	return rc;
}

// The range [lo, lo + n) of a shared-memory parameter (SBI 3.2). On RV64
// an address needs only base_addr_lo: a non-zero base_addr_hi is beyond
// anything a guest can have, like a range that wraps around.
static int range_ok(ulong lo, ulong hi, ulong n)
{
	return hi == 0 && lo + n >= lo;
}

static ulong chunk(ulong num_bytes)
{
	return num_bytes < DBCN_CHUNK ? num_bytes : DBCN_CHUNK;
}

// SBI 12.1. All or nothing: the bytes are copied out before anything is
// printed, so a bad buffer prints nothing.
static long dbcn_write(ulong num_bytes, ulong lo, ulong hi, ulong *written)
{
	char buf[DBCN_CHUNK];
	ulong n = chunk(num_bytes);
	if (!range_ok(lo, hi, num_bytes) || phys_read(buf, lo, n) != GUEST_OK)
		return SBI_ERR_INVALID_PARAM;
	console_write(buf, n);
	*written = n;
	return SBI_SUCCESS;
}

// The destination is checked before any byte is taken from the console
// (a byte read and then lost would be worse than an error): each byte is
// written back unchanged, which fails exactly where a store would.
static int phys_writable(ulong gpa, ulong n)
{
	char buf[DBCN_CHUNK];
	return phys_read(buf, gpa, n) == GUEST_OK && phys_write(gpa, buf, n) == GUEST_OK;
}

// SBI 12.2: non-blocking; whatever is waiting, up to num_bytes.
static long dbcn_read(ulong num_bytes, ulong lo, ulong hi, ulong *got)
{
	char buf[DBCN_CHUNK];
	ulong n = chunk(num_bytes), i = 0;
	if (!range_ok(lo, hi, num_bytes) || !phys_writable(lo, n))
		return SBI_ERR_INVALID_PARAM;
	for (int c; i < n && (c = console_getc()) >= 0; i++)
		buf[i] = (char)c;
	if (i && phys_write(lo, buf, i) != GUEST_OK)
		return SBI_ERR_INVALID_PARAM;
	*got = i;
	return SBI_SUCCESS;
}

static long dbcn_handle(struct vcpu *v, const struct vsbi_call *call, ulong *value,
			struct vm_exit *exit)
{
	const ulong *a = call->args;
	UNUSED(v);
	UNUSED(exit);
	switch (call->fid) {
	case SBI_DBCN_WRITE:
		return dbcn_write(a[0], a[1], a[2], value);
	case SBI_DBCN_READ:
		return dbcn_read(a[0], a[1], a[2], value);
	case SBI_DBCN_WRITE_BYTE: {      // SBI 12.3: blocking, uvalue = 0
		char c = (char)a[0];
		console_write(&c, 1);
		return SBI_SUCCESS;
	}
	default:
		return SBI_ERR_NOT_SUPPORTED;
	}
}

static const struct vsbi_ext vsbi_ext_dbcn = {
	.name = "dbcn",
	.eid_min = SBI_EXT_DBCN,
	.eid_max = SBI_EXT_DBCN,
	.handle = dbcn_handle,
};
VSBI_EXTENSION(vsbi_ext_dbcn);
