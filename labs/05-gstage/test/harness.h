// harness.h: the parts of lab 5's test harness (kit code, not yours).
//
//   harness.c   lab_main: picks the scenario, runs the guest, handles exits
//   scenarios.c the guest scenarios: test pages, mid-run changes, checks
//   tableapi.c  scenarios without a guest: the builder's API and fences
//   checks.c    bookkeeping of the CHECK lines of the running test
//   model.c     what the G-stage should map, and the verdict on each probe
//   gwalk.c     the walk the hardware does, written independently of yours
#ifndef LAB5_HARNESS_H
#define LAB5_HARNESS_H

#include "hyp.h"
#include "gstage.h"
#include "vmram.h"
#include "lab5.h"

#define GUEST_RAM_SIZE (4UL * 1024 * 1024)
#define PTE_RWX (PTE_R | PTE_W | PTE_X)

// One lab-5 test: its checks, and how it runs.
struct scenario {
	const char *name;
	const enum lab5_check *checks;
	int nchecks;
	// Guest scenarios: put test pages in place after vm_ram_setup().
	// Returns NULL, or why the run cannot go on (a kit problem).
	const char *(*setup)(void);
	// HC_ACTION from the guest: 0 done, -1 failed.
	long (*action)(enum lab5_action what);
	// After HC_DONE: harness-side checks of the final state.
	void (*finish)(void);
	// Scenarios without a guest run here instead (setup is NULL).
	const char *(*run)(void);
};

// The run's shared state.
struct lab5 {
	struct vm_ram ram;
	ulong vmid;
	ulong addr[A_COUNT];     // answers to HC_ADDR
	ulong rng;               // seed-derived choices of the harness
};
extern struct lab5 L;

extern const struct scenario guest_scenarios[];
extern const int nguest_scenarios;
extern const struct scenario table_scenarios[];
extern const int ntable_scenarios;

// checks.c
void checks_begin(const enum lab5_check *list, int n);
int  check_in_test(enum lab5_check c);
void check_ok(enum lab5_check c);
void check_settled(enum lab5_check c);        // passed, whatever comes next
void check_bad(enum lab5_check c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int  check_failed(enum lab5_check c);
// Print one CHECK line per check of the test. unfinished: NULL when the
// scenario ran to its end, else why it stopped (every check without a
// verdict then fails with that reason).
void checks_end(const char *unfinished);

// model.c: the regions the harness has mapped (or unmapped) on purpose.
struct region {
	ulong gpa, size;
	u8   *hva;
	ulong perms;          // PTE_R/W/X; 0 = deliberately unmapped
};
struct region *model_add(ulong gpa, ulong size, void *hva, ulong perms);
struct region *model_find(ulong gpa);
void model_fault(ulong cause, ulong gpa);
void model_judge(enum lab5_check c, enum lab5_kind kind, ulong gpa, ulong faulted,
		 ulong value);

// gwalk.c: Sv39x4 walk as the hardware does it (Priv. 8.5.1, 4.3.2).
struct gleaf {
	gpte_t pte;
	int    level;         // 0: 4 KiB leaf, 1: 2 MiB, 2: 1 GiB
	ulong  hpa;           // host physical address of gpa
};
// 0 and *out filled, or -1 with a reason in why[0..len).
int gwalk(gpte_t *root, ulong gpa, struct gleaf *out, char *why, int len);
// Non-leaf entries on the way to gpa must carry V only (U, A, D are
// reserved there, Priv. 4.3.1). 0 if so, else -1 with a reason.
int gwalk_pointers_clean(gpte_t *root, ulong gpa, char *why, int len);
// "V R W - U A D" style rendering of a PTE's low bits.
const char *pte_bits(gpte_t pte, char buf[16]);
// Explain to a student why the guest faulted at gpa where it should not.
void gwalk_explain(gpte_t *root, ulong gpa);

// Helpers shared by the scenarios.
ulong pick(ulong span, ulong align);           // from L.rng
void  fill_pattern(void *p, ulong size, ulong salt);
int   pattern_intact(const void *p, ulong size, ulong salt);
// HLV.D / HSV.D from HS-mode: an access with the guest's two-stage
// translation (Priv. 8.3.1). Return 0, or the trap cause.
ulong hlv_d(ulong gpa, ulong *val);
ulong hsv_d(ulong gpa, ulong val);

#endif
