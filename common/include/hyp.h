// hyp.h: everything the hypervisor side (common runtime, labs, harnesses)
// includes. One include, no surprises.
#ifndef HYP_H
#define HYP_H

#include "types.h"
#include "riscv.h"
#include "memlayout.h"
#include "printf.h"
#include "string.h"
#include "spinlock.h"
#include "sbi.h"
#include "fdt.h"
#include "report.h"
#include "trap.h"
#include "cpu.h"
#include "kalloc.h"

// Facts about the machine, read from the DTB at boot (main.c).
extern struct fdt_platform platform;
extern const void *boot_dtb;
extern ulong boot_hartid;

// Print "panic: ..." and stop the machine with a failure status.
void panic(const char *fmt, ...) NORETURN __attribute__((format(printf, 1, 2)));
// The hypervisor's console input as an interrupt (lab 10, common/hyp/
// console.c): the host UART's receive interrupt through the host PLIC,
// taken on this hart as a supervisor external interrupt (EXIT_EXTERNAL_IRQ
// while a guest runs here). After console_irq_claim() says 1, the
// interrupt stays claimed until console_getc() finds no more input.
void console_irq_init(void);
int  console_irq_claim(void);

// Stop the machine through SBI SRST. ok = 0 reports a failure to QEMU.
void hyp_shutdown(int ok) NORETURN;

// The lab's test harness (labs/NN-name/test/) provides this. It runs on the
// boot hart after the runtime is up; its return value is the exit status
// (0 = the run went as planned, whatever the checks said).
int lab_main(ulong hartid, const void *dtb);

#endif
