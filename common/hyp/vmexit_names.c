// vmexit_names.c: names of the exit reasons (vmexit.h), for logs and for
// the FACT lines of the lab harnesses.
#include "vmexit.h"

static const char *const reason_names[EXIT_REASON_COUNT] = {
	[EXIT_UNKNOWN]           = "unknown",
	[EXIT_NOTHING]           = "nothing",
	[EXIT_HYPERCALL]         = "hypercall",
	[EXIT_SBI_CALL]          = "sbi_call",
	[EXIT_MMIO_READ]         = "mmio_read",
	[EXIT_MMIO_WRITE]        = "mmio_write",
	[EXIT_NESTED_PAGE_FAULT] = "nested_page_fault",
	[EXIT_VIRTUAL_INSN]      = "virtual_insn",
	[EXIT_EXTERNAL_IRQ]      = "external_irq",
	[EXIT_TIMER]             = "timer",
	[EXIT_HALT]              = "halt",
	[EXIT_CPU_UP]            = "cpu_up",
	[EXIT_CPU_DOWN]          = "cpu_down",
	[EXIT_SYSTEM_DOWN]       = "system_down",
	[EXIT_HOST_IPI]          = "host_ipi",
};

const char *vm_exit_reason_name(enum vm_exit_reason reason)
{
	if ((unsigned)reason < EXIT_REASON_COUNT && reason_names[reason])
		return reason_names[reason];
	return "invalid";
}
