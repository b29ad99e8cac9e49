// console.c: the hypervisor's console goes through the SBI, so OpenSBI owns
// the UART. DBCN (SBI 12, "debug console") writes a whole buffer per call;
// OpenSBI 1.1 (SBI 1.0) predates it, so there we fall back to the legacy
// putchar/getchar (SBI 5.2, 5.3), one ecall per character.
#include "hyp.h"

static int use_dbcn;

void console_init(void)
{
	use_dbcn = sbi_probe_extension(SBI_EXT_DBCN) > 0;
}

void console_write(const char *s, size_t n)
{
	if (use_dbcn) {
		while (n) {   // DBCN may write fewer bytes than asked (SBI 12.1)
			struct sbiret r = sbi_ecall(SBI_EXT_DBCN, SBI_DBCN_WRITE, n,
						    (ulong)s, 0, 0, 0, 0);
			if (r.error || r.value <= 0)
				break;
			s += r.value;
			n -= (size_t)r.value;
		}
		return;
	}
	for (; n; n--)
		sbi_legacy_putchar(*s++);
}

int console_getc(void)
{
	if (use_dbcn) {
		char c;
		struct sbiret r = sbi_ecall(SBI_EXT_DBCN, SBI_DBCN_READ, 1, (ulong)&c, 0, 0, 0, 0);
		return r.error || r.value != 1 ? -1 : (u8)c;
	}
	int c = sbi_legacy_getchar();
	return c < 0 ? -1 : c;
}
