// model.c: what the G-stage should map right now, and the verdict on each
// probe the guest reports.
//
// The harness records every region it asks gstage_map() for, and changes
// the record when it asks for a change (protect, unmap, remap). A probe is
// then judged against the record, never against the student's table: an
// allowed access must succeed and see (or leave) the right bytes in the
// host page; any other access must end in a guest-page fault of the right
// kind at exactly the probed GPA (Priv. 8.5.2: htval = GPA >> 2, and the
// low two bits come from stval).
#include "harness.h"

#define MAX_REGIONS 12

static struct region regions[MAX_REGIONS];
static int nregions;

// The last guest-page fault of a probe, waiting for the guest's report.
static struct {
	int   valid;
	ulong cause, gpa;
} pending;

static const ulong needs[K_COUNT] = { PTE_R, PTE_R, PTE_W, PTE_W, PTE_X };
static const ulong fault_cause[K_COUNT] = {
	CAUSE_LOAD_GUEST_PAGE_FAULT, CAUSE_LOAD_GUEST_PAGE_FAULT,
	CAUSE_STORE_GUEST_PAGE_FAULT, CAUSE_STORE_GUEST_PAGE_FAULT,
	CAUSE_FETCH_GUEST_PAGE_FAULT,
};
static const char *const kind_name[K_COUNT] = {
	"8-byte load", "byte load", "8-byte store", "byte store", "call",
};

struct region *model_add(ulong gpa, ulong size, void *hva, ulong perms)
{
	if (nregions == MAX_REGIONS)
		panic("lab 5 harness: too many regions");
	regions[nregions] = (struct region){ gpa, size, hva, perms };
	return &regions[nregions++];
}

struct region *model_find(ulong gpa)
{
	for (int i = nregions - 1; i >= 0; i--)
		if (gpa - regions[i].gpa < regions[i].size)
			return &regions[i];
	return NULL;
}

void model_fault(ulong cause, ulong gpa)
{
	pending.valid = 1;
	pending.cause = cause;
	pending.gpa = gpa;
}

static const char *denial(const struct region *r, enum lab5_kind kind)
{
	if (!r || !r->perms)
		return "nothing is mapped there";
	if (kind == K_CALL)
		return "that page is mapped without X";
	return kind == K_SD || kind == K_SB ? "that page is read-only" : "it is not readable";
}

// What an allowed probe should have seen in (or left in) host memory.
static ulong host_value(const struct region *r, enum lab5_kind kind, ulong gpa)
{
	u8 *hpa = r->hva + (gpa - r->gpa);
	if (kind == K_CALL)
		return *(volatile u64 *)(hpa + STUB_VALUE_OFFSET);
	if (kind == K_LBU || kind == K_SB)
		return *(volatile u8 *)hpa;
	return *(volatile u64 *)hpa;
}

static void judge_allowed(enum lab5_check c, const struct region *r, enum lab5_kind kind,
			  ulong gpa, ulong faulted, ulong value)
{
	ulong host = (ulong)(r->hva + (gpa - r->gpa));
	ulong want = host_value(r, kind, gpa);
	if (faulted) {
		check_bad(c, "%s at GPA 0x%lx faulted (cause %lu at GPA 0x%lx) but it should be "
			  "mapped to host 0x%lx", kind_name[kind], gpa, pending.cause, pending.gpa,
			  host);
	} else if (value == want) {
		check_ok(c);
	} else if (kind == K_SD || kind == K_SB) {
		check_bad(c, "guest stored 0x%lx at GPA 0x%lx but host 0x%lx holds 0x%lx", value,
			  gpa, host, want);
	} else {
		check_bad(c, "%s at GPA 0x%lx saw 0x%lx; host 0x%lx holds 0x%lx", kind_name[kind],
			  gpa, value, host, want);
	}
}

static void judge_denied(enum lab5_check c, const struct region *r, enum lab5_kind kind,
			 ulong gpa, ulong faulted, ulong value)
{
	if (!faulted) {
		check_bad(c, "%s at GPA 0x%lx went through (value 0x%lx), but %s", kind_name[kind],
			  gpa, value, denial(r, kind));
	} else if (!pending.valid || pending.cause != fault_cause[kind]) {
		check_bad(c, "%s at GPA 0x%lx: expected %s (%lu), the exit was cause %lu",
			  kind_name[kind], gpa, cause_name(fault_cause[kind]), fault_cause[kind],
			  pending.valid ? pending.cause : 0);
	} else if (pending.gpa != gpa) {
		check_bad(c, "%s at GPA 0x%lx faulted, but htval << 2 | stval & 3 gave GPA 0x%lx",
			  kind_name[kind], gpa, pending.gpa);
	} else if (r && (kind == K_SD || kind == K_SB) &&
		   host_value(r, kind, gpa) == value) {
		check_bad(c, "store to GPA 0x%lx faulted, yet host memory changed", gpa);
	} else {
		printf("hyp: %s at GPA 0x%lx: %s, as expected (%s)\n", kind_name[kind], gpa,
		       cause_name(pending.cause), denial(r, kind));
		check_ok(c);
	}
}

void model_judge(enum lab5_check c, enum lab5_kind kind, ulong gpa, ulong faulted,
		 ulong value)
{
	if (!check_in_test(c) || (unsigned)kind >= K_COUNT) {
		printf("hyp: ignoring a guest report for check %d, kind %d\n", c, kind);
		pending.valid = 0;
		return;
	}
	struct region *r = model_find(gpa);
	if (r && (r->perms & needs[kind]))
		judge_allowed(c, r, kind, gpa, faulted, value);
	else
		judge_denied(c, r, kind, gpa, faulted, value);
	pending.valid = 0;
}
