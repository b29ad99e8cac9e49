// sbi.c: calling the SBI (SBI spec 3: "a7 encodes the extension ID, a6 the
// function ID, a0-a5 the arguments; a0 returns an error code, a1 a value").
// The hypervisor calls OpenSBI with it; the guest runtime calls the hypervisor.
#include "sbi.h"

struct sbiret sbi_ecall(ulong eid, ulong fid, ulong a0, ulong a1, ulong a2,
			ulong a3, ulong a4, ulong a5)
{
	register ulong r_a0 asm("a0") = a0;
	register ulong r_a1 asm("a1") = a1;
	register ulong r_a2 asm("a2") = a2;
	register ulong r_a3 asm("a3") = a3;
	register ulong r_a4 asm("a4") = a4;
	register ulong r_a5 asm("a5") = a5;
	register ulong r_a6 asm("a6") = fid;
	register ulong r_a7 asm("a7") = eid;
	asm volatile("ecall"
		     : "+r"(r_a0), "+r"(r_a1)
		     : "r"(r_a2), "r"(r_a3), "r"(r_a4), "r"(r_a5), "r"(r_a6), "r"(r_a7)
		     : "memory");
	return (struct sbiret){ (long)r_a0, (long)r_a1 };
}

#define CALL(eid, fid, ...) sbi_ecall_n(eid, fid, __VA_ARGS__)
static inline struct sbiret sbi_ecall_n(ulong eid, ulong fid, ulong a0, ulong a1, ulong a2)
{
	return sbi_ecall(eid, fid, a0, a1, a2, 0, 0, 0);
}

long sbi_probe_extension(ulong eid)
{
	struct sbiret r = CALL(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, eid, 0, 0);
	return r.error ? 0 : r.value;
}

// Legacy calls (SBI 5) return their result in a0 only.
void sbi_legacy_putchar(int c)
{
	CALL(SBI_EXT_LEGACY_CONSOLE_PUTCHAR, 0, (ulong)c, 0, 0);
}

int sbi_legacy_getchar(void)
{
	return (int)CALL(SBI_EXT_LEGACY_CONSOLE_GETCHAR, 0, 0, 0, 0).error;
}

long sbi_set_timer(ulong stime_value)
{
	return CALL(SBI_EXT_TIME, SBI_TIME_SET_TIMER, stime_value, 0, 0).error;
}

long sbi_send_ipi(ulong hart_mask, ulong hart_mask_base)
{
	return CALL(SBI_EXT_IPI, SBI_IPI_SEND_IPI, hart_mask, hart_mask_base, 0).error;
}

long sbi_hart_start(ulong hartid, ulong start_addr, ulong opaque)
{
	return CALL(SBI_EXT_HSM, SBI_HSM_HART_START, hartid, start_addr, opaque).error;
}

long sbi_hart_stop(void)
{
	return CALL(SBI_EXT_HSM, SBI_HSM_HART_STOP, 0, 0, 0).error;
}

// Returns the state (>= 0) or an SBI error (< 0).
long sbi_hart_get_status(ulong hartid)
{
	struct sbiret r = CALL(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, hartid, 0, 0);
	return r.error ? r.error : r.value;
}

long sbi_system_reset(ulong type, ulong reason)
{
	return CALL(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, type, reason, 0).error;
}

// The buffer is given by physical address: callers run with translation off.
long sbi_dbcn_write(const void *buf, ulong len)
{
	return CALL(SBI_EXT_DBCN, SBI_DBCN_WRITE, len, (ulong)buf, 0).error;
}
