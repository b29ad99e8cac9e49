// lab9guest.h: shared by the lab-9 test guest's files.
#ifndef LAB9GUEST_H
#define LAB9GUEST_H

#include "guest.h"
#include "../lab9.h"

extern ulong seed, rng;          // the run's seed; a generator seeded from it
extern ulong testdev_base;       // TESTDEV_BASE(seed)

ulong hcall(ulong nr, ulong arg);             // a control hypercall: returns a1
ulong extend(ulong raw, int width, int sign); // what a load of width bytes gives

// gtrap.c: the guest's trap handler and one refused access.
#define SENTINEL 0x5e47196e15e47196UL
typedef long refuse_fn(ulong addr, ulong sentinel);   // refuse.S

struct rcase {
	const char *what;
	refuse_fn *fn;          // runs the access at fn(arg or addr, SENTINEL)
	const char *at;         // the access itself: where sepc must point
	ulong addr;             // the address accessed: stval
	ulong cause;            // CAUSE_LOAD_ACCESS or CAUSE_STORE_ACCESS
	int int_dest;           // a1 is the destination: it must keep SENTINEL
	int from_user;          // the probe runs the access in VU-mode
	ulong arg;              // fn's argument when not addr (0: addr)
};

extern volatile struct seen {
	int expecting, count;
	ulong scause, stval, sepc, sstatus;
} seen;

// 1 when the guest saw exactly the access fault it should (one trap, the
// cause, stval, sepc, sstatus.SPP of the privilege it ran in), rd kept
// SENTINEL when it is an integer load, the test device untouched;
// otherwise prints a FAIL line for check_name and returns 0.
int refuse_one(const char *check_name, const struct rcase *c);

// access.c: the tests "load", "store", "compressed", "compressed_sp", "x0".
void test_access(const char *test);
// refuse.c: the test "refuse".
void test_refuse(void);
// paging.c: the test "paging".
void test_paging(void);
// uart.c: the tests "uart_out", "uart_in".
void test_uart_out(void);
void test_uart_in(void);

#endif
