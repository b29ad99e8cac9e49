// guest.h: the mini runtime for VS-mode test guests (common/guest/).
//
// A test guest provides guest_main(); the runtime sets up a stack, zeroes
// .bss, reads the bootargs from the device tree in a1 (for the nonce), and
// calls it. Output goes through SBI calls to the hypervisor: legacy putchar
// (one exit per character) until the hypervisor has DBCN (lab 7).
#ifndef GUEST_H
#define GUEST_H

#include "types.h"
#include "memlayout.h"
#include "riscv.h"
#include "printf.h"
#include "string.h"
#include "sbi.h"
#include "fdt.h"
#include "report.h"
#include "trap.h"
#include "spinlock.h"


// The test's entry point on the boot vCPU. Its return value becomes the
// shutdown status (0 = ok).
int guest_main(ulong hartid, ulong arg);

// Stop the whole VM through SBI SRST (reason "none" when ok, else "failure").
void guest_exit(int ok) NORETURN;

// Secondary vCPUs: pass guest_secondary_entry as start_addr to SBI HSM
// hart_start with opaque = the function to run (void fn(ulong hartid)).
void guest_secondary_entry(void);

// The guest's own trap vector (vstvec), for tests of delegation: saves a
// struct trapframe (hstatus/htval/htinst stay 0) and calls guest_trap().
void guest_trapvec(void);
// Default: print a dump and guest_exit(0). Override to count or skip traps;
// return to resume at tf->sepc.
void guest_trap(struct trapframe *tf);

#endif
