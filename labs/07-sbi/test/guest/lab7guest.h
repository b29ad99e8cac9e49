// lab7guest.h: the lab-7 test guest, an SBI conformance program. It calls
// the SBI of the hypervisor under test and reports one CHECK (or FACT) line
// per property through the kit's test channel (lab7.h), never through the
// SBI under test, so its verdicts reach the grader even when the console
// calls do not work yet.
#ifndef LAB7GUEST_H
#define LAB7GUEST_H

#include "guest.h"
#include "memlayout.h"
#include "../lab7.h"

#define NEVER (~0UL)          // SBI 6.1: no timer

extern ulong seed;
extern ulong guest_hartid;       // a0 at boot: the vCPU's hart id

// ---- the test channel (main.c)
int  t_check(const char *name, int ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void t_fact(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void t_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void t_done(int ok) NORETURN;
struct sbiret t_host_base(ulong fid);

// ---- SBI calls, raw (main.c): the whole sbiret, nothing interpreted
struct sbiret sbi0(ulong eid, ulong fid);
struct sbiret sbi1(ulong eid, ulong fid, ulong a0);
struct sbiret sbi3(ulong eid, ulong fid, ulong a0, ulong a1, ulong a2);
int probe_is(ulong eid, long value);    // probe_extension gives {0, value}

// ---- the guest's own traps (main.c dispatches to these)
void timer_irq(struct trapframe *tf);
void soft_irq(struct trapframe *tf);
int  legacy_fault(struct trapframe *tf);  // 1 if it was the expected fault

// ---- paging with two swapped frames (paging.c)
// Sv39 on, identity for all of guest RAM except two adjacent frames whose
// virtual addresses are exchanged: guest-physical pa is at virtual
// swap_va(pa). A hypervisor that treats a physical address as virtual (or
// the reverse) reads the other frame.
void paging_on(void);
ulong frames_pa(void);                  // the first frame (4 KiB aligned)
ulong swap_va(ulong pa);
void phys_write_str(ulong pa, const char *s, ulong n);
void phys_read_str(char *dst, ulong pa, ulong n);

// ---- the tests
void test_base(void);
void test_errors(void);
void test_hypercall(void);
void test_console(void);
void test_dbcn_write(void);
void test_dbcn_read(void);
void test_dbcn_bad(void);
void test_timer(void);
void test_legacy(void);
void test_srst_shutdown(void);
void test_srst_failure(void);
void test_srst_reboot(void);
void test_legacy_shutdown(void);

#endif
