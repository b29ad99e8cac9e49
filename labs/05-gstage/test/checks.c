// checks.c: the CHECK lines of one lab-5 run.
//
// Evidence for a check arrives piece by piece (guest probes, harness
// inspections); a check passes when it saw at least one good piece, no bad
// one, and its scenario ran to the end. The first failure's text is kept
// for the CHECK line, every failure is also printed as it happens. A check
// the harness decides by itself before the guest runs (check_settled)
// keeps its verdict even if the guest then stops early.
#include "harness.h"

static const char *const names[C_COUNT] = {
	[C_GUEST_BOOTS] = "guest_boots",       [C_HGATP] = "hgatp",
	[C_LEAF_BITS] = "pte_bits",            [C_READS] = "guest_reads_host_page",
	[C_WRITES] = "guest_writes_host_page", [C_RO_LOAD] = "readonly_load",
	[C_RO_STORE] = "readonly_store_fault", [C_PROTECT_R] = "protect_readonly",
	[C_PROTECT_RW] = "protect_restore",    [C_LOAD_UNMAPPED] = "load_unmapped_fault",
	[C_UNMAP] = "unmap_fault",             [C_FETCH_EXEC] = "fetch_exec",
	[C_FETCH_UNMAPPED] = "fetch_unmapped_fault", [C_FETCH_NOEXEC] = "fetch_noexec_fault",
	[C_MEGA_LEAF] = "megapage_leaf",       [C_MEGA_TRANSLATE] = "megapage_translate",
	[C_MEGA_READS] = "megapage_reads",     [C_MEGA_HOST] = "megapage_host_unaligned",
	[C_REMAP_BEFORE] = "remap_before",
	[C_REMAP_AFTER] = "remap_after",       [C_REMAP_WRITE] = "remap_write",
	[C_ISO_FAULTS] = "isolation_faults",   [C_ISO_CANARY] = "canary_intact",
	[C_FENCE_UNMAP] = "fence_unmap",       [C_FENCE_PROTECT] = "fence_protect",
	[C_FENCE_ACTIVATE] = "fence_activate", [C_ROOT] = "root_table",
	[C_HGATP_FN] = "hgatp_value",          [C_BAD_ARGS] = "bad_args_rejected",
	[C_OVERLAP] = "overlap_rejected",      [C_TOP_OF_RANGE] = "top_of_range",
	[C_TRANSLATE] = "translate_api",       [C_UNMAP_API] = "unmap_api",
	[C_PROTECT_API] = "protect_api",
};

static struct {
	int  in_test;
	int  good;
	int  bad;
	int  settled;     // a harness-side verdict: stands even if the run stops
	char why[150];
} st[C_COUNT];

void checks_begin(const enum lab5_check *list, int n)
{
	for (int i = 0; i < n; i++)
		st[list[i]].in_test = 1;
}

int check_in_test(enum lab5_check c)
{
	return (unsigned)c < C_COUNT && st[c].in_test;
}

void check_ok(enum lab5_check c)
{
	if (check_in_test(c))
		st[c].good++;
}

void check_settled(enum lab5_check c)
{
	if (check_in_test(c)) {
		st[c].good++;
		st[c].settled = 1;
	}
}

int check_failed(enum lab5_check c)
{
	return check_in_test(c) && st[c].bad;
}

void check_bad(enum lab5_check c, const char *fmt, ...)
{
	char msg[150];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("hyp: %s: %s\n", (unsigned)c < C_COUNT ? names[c] : "?", msg);
	if (!check_in_test(c))
		return;
	if (!st[c].bad++)
		memcpy(st[c].why, msg, sizeof(st[c].why));
}

void checks_end(const char *unfinished)
{
	for (int c = 0; c < C_COUNT; c++) {
		if (!st[c].in_test)
			continue;
		if (st[c].bad)
			check(names[c], 0, "%s", st[c].why);
		else if (unfinished && !st[c].settled)
			check(names[c], 0, "not finished: %s", unfinished);
		else if (!st[c].good)
			check(names[c], 0, "nothing was tested (the guest never got here)");
		else
			check(names[c], 1, "%d step(s) as expected", st[c].good);
	}
}
