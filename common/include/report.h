// report.h: how tests talk to the grader, and the run's parameters.
//
// The grader boots every test with bootargs such as
//     "test=deleg_timer nonce=5f3a9c21 seed=1b873e44"
// (QEMU -append, which lands in /chosen/bootargs). Result lines carry the
// nonce, so a line printed by anything that does not know it is ignored:
//     CHECK <nonce> <name> PASS
//     CHECK <nonce> <name> FAIL <what was expected, what was seen>
//     FACT <nonce> <key> <value>
// Both the hypervisor and the guest runtime use these functions.
#ifndef REPORT_H
#define REPORT_H

#include "types.h"

void bootargs_init(const char *bootargs);
// Value of key=value in bootargs, or NULL. Returned strings end at a space:
// use bootarg_copy() or bootarg_ulong().
const char *bootarg(const char *key);
int   bootarg_is(const char *key, const char *value);
ulong bootarg_ulong(const char *key, ulong dflt);  // hex with 0x, else decimal
const char *run_nonce(void);
ulong run_seed(void);
const char *run_test(void);      // the test name, or "" when none given

// Report one check. Returns ok so callers can count.
int check(const char *name, int ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
// Shorthand for equality of two numbers, with a message built from both.
int check_eq(const char *name, ulong expected, ulong got);
// What the kit's test code noticed about the cause of a failure, beyond
// the checks: "DIAG <nonce> <text>". The grader shows it first, above the
// failing checks of the run (their hints may point elsewhere).
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
// The first failure of a run of several harts (bootarg snap=1: the
// grader's) says so and waits about half a second, so that the grader can
// stop the machine and read where every hart is (grader/monitor.py); check()
// calls it on its first FAIL, panic() too. Nothing without snap=1.
void snapshot_pause(void);
void fact(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

// A small deterministic generator seeded from the run's seed (xorshift64*).
ulong rand_next(ulong *state);

#endif
