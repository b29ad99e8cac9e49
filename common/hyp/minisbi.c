// minisbi.c: a stand-in SBI implementation for the guests of labs 2-6
// (SBI spec chapters 3 and 5). Lab 7 replaces it with yours.
#include "hyp.h"
#include "minisbi.h"
#include "trap.h"

static NORETURN void guest_shutdown(ulong reason)
{
	printf("hyp: guest requested shutdown (%s)\n",
	       reason == SBI_SRST_REASON_NONE ? "no reason" : "system failure");
	hyp_shutdown(reason == SBI_SRST_REASON_NONE);
}

void minisbi_handle(ulong *gprs, ulong *sepc)
{
	ulong eid = gprs[REG_A7], fid = gprs[REG_A6];
	long err = SBI_ERR_NOT_SUPPORTED, val = 0;
	switch (eid) {
	case SBI_EXT_LEGACY_CONSOLE_PUTCHAR: {
		char c = (char)gprs[REG_A0];
		console_write(&c, 1);
		gprs[REG_A0] = 0;         // legacy calls return in a0 only
		*sepc += 4;
		return;
	}
	case SBI_EXT_LEGACY_CONSOLE_GETCHAR:
		gprs[REG_A0] = (ulong)-1;
		*sepc += 4;
		return;
	case SBI_EXT_LEGACY_SHUTDOWN:
		guest_shutdown(SBI_SRST_REASON_NONE);
	case SBI_EXT_SRST:
		if (fid == SBI_SRST_SYSTEM_RESET)
			guest_shutdown(gprs[REG_A1]);
		break;
	case SBI_EXT_BASE:
		if (fid == SBI_BASE_PROBE_EXTENSION) {
			err = SBI_SUCCESS;
			val = gprs[REG_A0] == SBI_EXT_SRST || gprs[REG_A0] == SBI_EXT_BASE;
		} else if (fid == SBI_BASE_GET_SPEC_VERSION) {
			err = SBI_SUCCESS;
			val = 2L << 24;
		}
		break;
	}
	gprs[REG_A0] = (ulong)err;
	gprs[REG_A1] = (ulong)val;
	*sepc += 4;
}
