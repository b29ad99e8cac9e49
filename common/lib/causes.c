// causes.c: names for scause values (Priv. table 4.2 and 8.7), for dumps.
#include "riscv.h"
#include "trap.h"

static const char *const exception_names[CAUSE_MAX_EXCEPTION] = {
	[CAUSE_MISALIGNED_FETCH]    = "instruction address misaligned",
	[CAUSE_FETCH_ACCESS]        = "instruction access fault",
	[CAUSE_ILLEGAL_INSTRUCTION] = "illegal instruction",
	[CAUSE_BREAKPOINT]          = "breakpoint",
	[CAUSE_MISALIGNED_LOAD]     = "load address misaligned",
	[CAUSE_LOAD_ACCESS]         = "load access fault",
	[CAUSE_MISALIGNED_STORE]    = "store/AMO address misaligned",
	[CAUSE_STORE_ACCESS]        = "store/AMO access fault",
	[CAUSE_USER_ECALL]          = "environment call from U-mode or VU-mode",
	[CAUSE_SUPERVISOR_ECALL]    = "environment call from HS-mode",
	[CAUSE_VIRTUAL_SUPERVISOR_ECALL] = "environment call from VS-mode",
	[CAUSE_MACHINE_ECALL]       = "environment call from M-mode",
	[CAUSE_FETCH_PAGE_FAULT]    = "instruction page fault",
	[CAUSE_LOAD_PAGE_FAULT]     = "load page fault",
	[CAUSE_STORE_PAGE_FAULT]    = "store/AMO page fault",
	[CAUSE_FETCH_GUEST_PAGE_FAULT] = "instruction guest-page fault",
	[CAUSE_LOAD_GUEST_PAGE_FAULT]  = "load guest-page fault",
	[CAUSE_VIRTUAL_INSTRUCTION]    = "virtual instruction",
	[CAUSE_STORE_GUEST_PAGE_FAULT] = "store/AMO guest-page fault",
};

static const char *const interrupt_names[] = {
	[IRQ_S_SOFT]  = "supervisor software interrupt",
	[IRQ_VS_SOFT] = "virtual supervisor software interrupt",
	[IRQ_S_TIMER] = "supervisor timer interrupt",
	[IRQ_VS_TIMER] = "virtual supervisor timer interrupt",
	[IRQ_S_EXT]   = "supervisor external interrupt",
	[IRQ_VS_EXT]  = "virtual supervisor external interrupt",
	[IRQ_S_GEXT]  = "supervisor guest external interrupt",
};

const char *cause_name(ulong scause)
{
	ulong code = scause & ~CAUSE_INTERRUPT;
	const char *name = NULL;
	if (scause & CAUSE_INTERRUPT) {
		if (code < ARRAY_SIZE(interrupt_names))
			name = interrupt_names[code];
	} else if (code < ARRAY_SIZE(exception_names)) {
		name = exception_names[code];
	}
	return name ? name : "reserved/unknown cause";
}
