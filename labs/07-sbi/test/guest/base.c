// base.c: the Base extension (SBI 4), error codes (SBI 3), hypercalls.
#include "lab7guest.h"

#define SBI_EXT_PMU   0x504D55UL       // extensions the kit does not implement
#define SBI_EXT_SUSP  0x53555350UL
#define SBI_EXT_CPPC  0x43505043UL
#define SBI_EXT_EXPERIMENTAL_BASE 0x08000000UL
#define SBI_EXT_VENDOR_BASE       0x09000000UL

static void fact_ret(const char *key, struct sbiret r)
{
	t_fact(key, "err=%ld value=0x%lx", r.error, (ulong)r.value);
}

// SBI 4.5-4.7: the kit forwards these to the firmware; the channel tells
// us what the firmware says.
static int machine_ids_ok(char *why, ulong size)
{
	for (ulong fid = SBI_BASE_GET_MVENDORID; fid <= SBI_BASE_GET_MIMPID; fid++) {
		struct sbiret got = sbi0(SBI_EXT_BASE, fid), host = t_host_base(fid);
		if (got.error != SBI_SUCCESS || got.value != host.value) {
			snprintf(why, size, "BASE fid %lu: got {%ld, 0x%lx}, the real hart's is 0x%lx",
				 fid, got.error, (ulong)got.value, (ulong)host.value);
			return 0;
		}
	}
	t_line("guest: mvendorid 0x%lx, marchid 0x%lx, mimpid 0x%lx, as the real hart's",
	       sbi0(SBI_EXT_BASE, SBI_BASE_GET_MVENDORID).value,
	       sbi0(SBI_EXT_BASE, SBI_BASE_GET_MARCHID).value,
	       sbi0(SBI_EXT_BASE, SBI_BASE_GET_MIMPID).value);
	return 1;
}

// probe_extension over a list: the first EID that does not answer value.
static int probe_all(const ulong *eids, ulong n, long value, char *why, ulong size)
{
	for (ulong i = 0; i < n; i++) {
		struct sbiret r = sbi1(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, eids[i]);
		if (r.error != SBI_SUCCESS || r.value != value) {
			snprintf(why, size, "probe_extension(0x%lx) gave {%ld, %ld}, expected {0, %ld}",
				 eids[i], r.error, r.value, value);
			return 0;
		}
	}
	return 1;
}

void test_base(void)
{
	char why[120] = "";
	fact_ret("spec_version", sbi0(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION));
	fact_ret("impl_id", sbi0(SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID));
	fact_ret("impl_version", sbi0(SBI_EXT_BASE, SBI_BASE_GET_IMPL_VERSION));
	t_check("base_machine_ids", machine_ids_ok(why, sizeof(why)), "%s", why);

	const ulong yes[] = {
		SBI_EXT_BASE, SBI_EXT_TIME, SBI_EXT_SRST, SBI_EXT_DBCN, SBI_EXT_RVHLAB_HYPERCALL,
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	};
	t_check("probe_implemented", probe_all(yes, ARRAY_SIZE(yes), 1, why, sizeof(why)), "%s",
		why);
	const ulong no[] = {
		SBI_EXT_PMU, SBI_EXT_SUSP, SBI_EXT_CPPC, 0x09, 0x0F,
		SBI_EXT_EXPERIMENTAL_BASE + (seed & 0xffffff), SBI_EXT_VENDOR_BASE + (seed & 0xfff),
		0x0B000000UL + (seed >> 8 & 0xffff), LAB7_TEST_EID + 1,
	};
	t_check("probe_unimplemented", probe_all(no, ARRAY_SIZE(no), 0, why, sizeof(why)), "%s",
		why);
}

// SBI 3: "an ECALL with an unsupported EID or FID must return
// SBI_ERR_NOT_SUPPORTED". Each check also needs the extension to be
// reachable at all, so that "everything fails" does not pass.
static int bad_fid(ulong eid, ulong fid, char *why, ulong size)
{
	struct sbiret r = sbi1(eid, fid, seed);
	if (probe_is(eid, 1) && r.error == SBI_ERR_NOT_SUPPORTED)
		return 1;
	snprintf(why, size, "EID 0x%lx FID %lu: probe says %s, the call gave %ld (expected -2)",
		 eid, fid, probe_is(eid, 1) ? "implemented" : "NOT implemented", r.error);
	return 0;
}

void test_errors(void)
{
	char why[140] = "";
	const ulong eids[] = {
		0x0B000000UL + (seed & 0xffffff), SBI_EXT_EXPERIMENTAL_BASE | (seed >> 4 & 0xffffff),
		(ulong)(long)(int)(0x80000000U | (u32)seed), 0x7FFFFFF0UL - (seed & 0xfff),
	};
	int ok = 1;
	for (ulong i = 0; i < ARRAY_SIZE(eids) && ok; i++) {
		struct sbiret r = sbi3(eids[i], seed & 7, seed, 1, 2);
		ok = probe_is(eids[i], 0) && r.error == SBI_ERR_NOT_SUPPORTED;
		if (!ok)
			snprintf(why, sizeof(why), "EID 0x%lx: the call gave %ld (expected -2), probe "
				 "should give {0, 0}", eids[i], r.error);
	}
	t_check("bad_eid", ok, "%s", why);

	ok = bad_fid(SBI_EXT_BASE, 7 + seed % 100, why, sizeof(why)) &&
	     bad_fid(SBI_EXT_TIME, 1 + seed % 100, why, sizeof(why)) &&
	     bad_fid(SBI_EXT_DBCN, 3 + seed % 100, why, sizeof(why)) &&
	     bad_fid(SBI_EXT_SRST, 1 + seed % 100, why, sizeof(why));
	t_check("bad_fid", ok, "%s", why);

	// Legacy EIDs 0x09-0x0F are reserved (SBI 5): a0 = -2 as for any
	// unknown EID.
	ok = probe_is(SBI_EXT_LEGACY_CONSOLE_PUTCHAR, 1);
	for (ulong eid = 0x09; eid <= 0x0F && ok; eid++) {
		long a0 = sbi1(eid, 0, seed).error;
		ok = a0 == SBI_ERR_NOT_SUPPORTED;
		if (!ok)
			snprintf(why, sizeof(why), "reserved legacy EID 0x%lx returned %ld", eid, a0);
	}
	t_check("bad_legacy_eid", ok, "%s", ok ? "" : why[0] ? why : "legacy EID 1 not probed");
}

// The kit's hypercall: the harness (vsbi_hypercall) reports what arrived
// and answers HC_RESULT for the number it expects, NOT_SUPPORTED otherwise.
void test_hypercall(void)
{
	ulong a[6];
	for (int k = 0; k < 6; k++)
		a[k] = SEEDED(k + 1, seed);
	t_check("hypercall_probe", probe_is(SBI_EXT_RVHLAB_HYPERCALL, 1),
		"probe_extension(SBI_EXT_RVHLAB_HYPERCALL) should be {0, 1}");
	struct sbiret r = sbi_ecall(SBI_EXT_RVHLAB_HYPERCALL, seed, a[0], a[1], a[2], a[3], a[4],
				    a[5]);
	ulong want = HC_RESULT(seed, a);
	int ok = t_check("hypercall_ret", r.error == 0 && (ulong)r.value == want,
		"expected {0, 0x%lx} (from the harness), got {%ld, 0x%lx}", want, r.error,
		(ulong)r.value);
	r = sbi_ecall(SBI_EXT_RVHLAB_HYPERCALL, seed + 1, 0, 0, 0, 0, 0, 0);
	t_check("hypercall_unknown", ok && r.error == SBI_ERR_NOT_SUPPORTED,
		"an unknown hypercall number: expected -2 from the harness, got %ld%s", r.error,
		ok ? "" : " (and the first hypercall failed)");
}
