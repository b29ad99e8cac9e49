// lab8guest.h: the lab 8 test guest, shared by its files.
//
// vCPU 0 (the boot hart, guest_main) drives every scenario; the other
// harts run lab8_secondary() when it starts them with SBI hart_start.
// Everything is waited for with a bound (WAIT_US): a hypervisor that never
// starts a hart, or never delivers an IPI, makes a check FAIL, not a hang.
#ifndef LAB8GUEST_H
#define LAB8GUEST_H

#include "guest.h"

#define WAIT_US       4000000UL     // generous: 4 vCPU threads may share 2 cores
#define MAX_VCPUS     8

// What a secondary hart does when started (g.mode, set before hart_start).
enum mode {
	MODE_RECORD,        // record a0/a1/satp/sstatus, print, return (hart_stop)
	MODE_HOLD,          // record, then wait for g.release before stopping
	MODE_PINGPONG,      // answer every IPI with one back to the boot hart
	MODE_SUSPEND,       // hart_suspend until an IPI, report how it returned
	MODE_RFENCE,        // read through a page table before and after a remote fence
	MODE_EXTIRQ,        // take external interrupts until g.release
	MODE_SUSPEND_NR,    // hart_suspend non-retentive, resuming in MODE_RESUMED
	MODE_RESUMED,       // where a non-retentive suspend resumes: record, stop
};

// One record per vCPU index (hart id - g.base), written by that hart.
struct hart_rec {
	volatile ulong starts;          // times it entered lab8_secondary
	volatile ulong hartid, opaque;  // a0, a1 at its last start
	volatile ulong satp, sstatus;   // as it found them at its last start
	volatile ulong ipis;            // software interrupts taken
	volatile ulong exts;            // external interrupts taken
	volatile ulong resumed_sip;     // MODE_RESUMED: sip as found (SSIP: the IPI that woke it)
	volatile ulong running;         // MODE_HOLD/PINGPONG/SUSPEND/RFENCE: ready
	volatile ulong done;            // its scenario is over
};

struct guest_state {
	ulong base;                     // guest hart id of the boot hart
	int   n;                        // harts in the VM (the device tree's cpus)
	ulong timebase, seed;
	volatile int mode, release;
	volatile int hello;             // MODE_RECORD: print a CHECK line per hart
	ulong rounds;                   // MODE_PINGPONG: how many
	volatile ulong ipi_sent;        // MODE_SUSPEND: the boot hart has sent its IPI
	volatile long susp_ret, susp_status;
	volatile ulong susp_pending, susp_after_send;
	volatile ulong peek, go, got1, got_peek, got2;   // MODE_RFENCE
	volatile int legacy_fence;      // MODE_RFENCE: the boot hart uses the legacy call
	volatile int busy_round;        // MODE_RFENCE: the target waits in LAB8_HC_BUSY
	volatile long susp_nr_ret;      // MODE_SUSPEND_NR: what came back if the call returned
	struct hart_rec rec[MAX_VCPUS];
};
extern struct guest_state g;

// entry.S: where secondary harts start (a0 = hart id, a1 = opaque).
void lab8_secondary_entry(void);
void lab8_secondary(ulong hartid, ulong opaque, ulong satp, ulong sstatus);

// guest.c helpers.
ulong now_us(void);
int   wait_for(volatile ulong *p, ulong at_least, ulong us);   // 1 if *p >= at_least in time
int   wait_status(ulong hartid, long state, ulong us);         // 1 if hart_get_status says it
ulong opaque_for(ulong hartid, ulong round);
long  start_hart(ulong hartid, ulong opaque);
int   idx_of(ulong hartid);
ulong pick_target(void);        // a seed-chosen secondary hart id

// The scenarios (return 0 when every check passed).
int test_bringup(void);
int test_stopstart(void);
int test_status(void);
int test_errors(void);
int test_ipi(void);
int test_suspend(void);
int test_suspend_nonretentive(ulong t);
int test_rfence(void);
int test_ext_irq(void);
int test_legacy(void);
int test_single(void);
int rfence_round(int legacy);     // one remote-fence scenario; 1 if it all worked
void pingpong_secondary(int me);
void extirq_secondary(int me);
void lower_my_line(ulong hartid);
void suspend_nr_secondary(int me);
extern ulong legacy_mask[1];      // a hart mask in guest memory, for the legacy calls (lines.c)
void suspend_secondary(int me);
void rfence_secondary(int me);

#endif
