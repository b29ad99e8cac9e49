// sbi.h: the Supervisor Binary Interface, as a caller (hypervisor -> OpenSBI,
// guest -> hypervisor) and as constants for the hypervisor's own SBI (lab 7).
// Names and numbers follow the RISC-V SBI specification v2.0.
#ifndef SBI_H
#define SBI_H

#include "types.h"

// Extension IDs (SBI spec, chapter 3 onwards).
#define SBI_EXT_LEGACY_SET_TIMER        0x00
#define SBI_EXT_LEGACY_CONSOLE_PUTCHAR  0x01
#define SBI_EXT_LEGACY_CONSOLE_GETCHAR  0x02
#define SBI_EXT_LEGACY_CLEAR_IPI        0x03
#define SBI_EXT_LEGACY_SEND_IPI         0x04
#define SBI_EXT_LEGACY_REMOTE_FENCE_I   0x05
#define SBI_EXT_LEGACY_REMOTE_SFENCE_VMA 0x06
#define SBI_EXT_LEGACY_REMOTE_SFENCE_VMA_ASID 0x07
#define SBI_EXT_LEGACY_SHUTDOWN         0x08
#define SBI_EXT_BASE   0x10
#define SBI_EXT_TIME   0x54494D45   // "TIME"
#define SBI_EXT_IPI    0x735049     // "sPI"
#define SBI_EXT_RFENCE 0x52464E43   // "RFNC"
#define SBI_EXT_HSM    0x48534D     // "HSM"
#define SBI_EXT_SRST   0x53525354   // "SRST"
#define SBI_EXT_DBCN   0x4442434E   // "DBCN"
// Firmware-specific range 0x0A000000-0x0AFFFFFF: the kit's hypercalls.
#define SBI_EXT_RVHLAB_HYPERCALL 0x0A000000

// BASE functions (SBI 4).
#define SBI_BASE_GET_SPEC_VERSION  0
#define SBI_BASE_GET_IMPL_ID       1
#define SBI_BASE_GET_IMPL_VERSION  2
#define SBI_BASE_PROBE_EXTENSION   3
#define SBI_BASE_GET_MVENDORID     4
#define SBI_BASE_GET_MARCHID       5
#define SBI_BASE_GET_MIMPID        6

// Spec version encoding (SBI 4.1): bit 31 zero, major in 30:24, minor in 23:0.
#define SBI_SPEC_MAJOR(v) (((v) >> 24) & 0x7f)
#define SBI_SPEC_MINOR(v) ((v) & 0xffffff)

// Implementation IDs (SBI 4.9).
#define SBI_IMPL_BBL      0
#define SBI_IMPL_OPENSBI  1
#define SBI_IMPL_RUSTSBI  4

// HSM (SBI 9).
#define SBI_HSM_HART_START       0
#define SBI_HSM_HART_STOP        1
#define SBI_HSM_HART_GET_STATUS  2
#define SBI_HSM_HART_SUSPEND     3
#define SBI_HSM_STATE_STARTED        0
#define SBI_HSM_STATE_STOPPED        1
#define SBI_HSM_STATE_START_PENDING  2
#define SBI_HSM_STATE_STOP_PENDING   3
#define SBI_HSM_STATE_SUSPENDED      4
#define SBI_HSM_STATE_SUSPEND_PENDING 5
#define SBI_HSM_STATE_RESUME_PENDING 6
// hart_suspend types (SBI 9.4): the two every implementation knows.
#define SBI_HSM_SUSPEND_RETENTIVE     0x00000000UL
#define SBI_HSM_SUSPEND_NON_RETENTIVE 0x80000000UL

// TIME, IPI, RFENCE function IDs (SBI 6, 7, 8).
#define SBI_TIME_SET_TIMER  0
#define SBI_IPI_SEND_IPI    0
#define SBI_RFENCE_FENCE_I         0
#define SBI_RFENCE_SFENCE_VMA      1
#define SBI_RFENCE_SFENCE_VMA_ASID 2

// SRST (SBI 10).
#define SBI_SRST_SYSTEM_RESET     0
#define SBI_SRST_TYPE_SHUTDOWN    0
#define SBI_SRST_TYPE_COLD_REBOOT 1
#define SBI_SRST_TYPE_WARM_REBOOT 2
#define SBI_SRST_REASON_NONE      0
#define SBI_SRST_REASON_FAILURE   1

// DBCN (SBI 12).
#define SBI_DBCN_WRITE       0
#define SBI_DBCN_READ        1
#define SBI_DBCN_WRITE_BYTE  2

// Error codes (SBI 3.2).
#define SBI_SUCCESS                0
#define SBI_ERR_FAILED            -1
#define SBI_ERR_NOT_SUPPORTED     -2
#define SBI_ERR_INVALID_PARAM     -3
#define SBI_ERR_DENIED            -4
#define SBI_ERR_INVALID_ADDRESS   -5
#define SBI_ERR_ALREADY_AVAILABLE -6
#define SBI_ERR_ALREADY_STARTED   -7
#define SBI_ERR_ALREADY_STOPPED   -8
#define SBI_ERR_NO_SHMEM          -9

struct sbiret {
	long error;
	long value;
};

// One ecall: a7 = eid, a6 = fid, a0-a5 = args; returns a0 (error), a1 (value).
struct sbiret sbi_ecall(ulong eid, ulong fid, ulong a0, ulong a1, ulong a2,
			ulong a3, ulong a4, ulong a5);

// Convenience wrappers used by the runtime and tests.
long sbi_probe_extension(ulong eid);
void sbi_legacy_putchar(int c);
int  sbi_legacy_getchar(void);
long sbi_set_timer(ulong stime_value);
long sbi_send_ipi(ulong hart_mask, ulong hart_mask_base);
long sbi_hart_start(ulong hartid, ulong start_addr, ulong opaque);
long sbi_hart_stop(void);
long sbi_hart_get_status(ulong hartid);
long sbi_system_reset(ulong type, ulong reason);
long sbi_dbcn_write(const void *buf, ulong len);

#endif
