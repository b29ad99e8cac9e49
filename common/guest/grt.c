// grt.c: the guest runtime: console, start-up, exit, default trap handler.
#include "guest.h"

void console_init(void)
{
}

// One legacy SBI putchar per character (SBI 5.2): every character is a VS
// ecall, i.e. one guest exit, which the hypervisor must handle.
void console_write(const char *s, size_t n)
{
	for (; n; n--)
		sbi_legacy_putchar(*s++);
}

int console_getc(void)
{
	int c = sbi_legacy_getchar();
	return c < 0 ? -1 : c;
}

void guest_exit(int ok)
{
	sbi_system_reset(SBI_SRST_TYPE_SHUTDOWN, ok ? SBI_SRST_REASON_NONE
						    : SBI_SRST_REASON_FAILURE);
	sbi_ecall(SBI_EXT_LEGACY_SHUTDOWN, 0, 0, 0, 0, 0, 0, 0);
	for (;;)
		asm volatile("wfi");
}

void guest_hart_stop(void)
{
	sbi_hart_stop();
}

// Reached from _start (gentry.S). a1 may be a device tree (labs 2-4 pass
// the host's, later labs the guest's own): its bootargs carry the nonce.
void guest_runtime_start(ulong hartid, ulong arg)
{
	console_init();
	const void *fdt = (const void *)arg;
	if (arg && !(arg & 3) && fdt_check(fdt) == 0) {
		int chosen = fdt_path_offset(fdt, "/chosen");
		const char *args = chosen >= 0 ? fdt_getprop(fdt, chosen, "bootargs", NULL) : NULL;
		bootargs_init(args);
	}
	guest_exit(guest_main(hartid, arg) == 0);
}

WEAK void guest_trap(struct trapframe *tf)
{
	printf("guest: unexpected trap in the guest: scause=0x%lx (%s) sepc=0x%lx stval=0x%lx\n",
	       tf->scause, cause_name(tf->scause), tf->sepc, tf->stval);
	guest_exit(0);
}
