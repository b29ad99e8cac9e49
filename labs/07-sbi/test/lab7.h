// lab7.h: what the lab-7 harness and its test guest (an SBI conformance
// program) agree on. Every value a check compares is derived from the run's
// seed (run_seed()), which both sides read from the bootargs.
#ifndef LAB7_H
#define LAB7_H

#define LAB7_RAM_SIZE    (4UL << 20)      // guest RAM at GUEST_RAM_GPA
#define LAB7_RAM_END     (0x80000000UL + LAB7_RAM_SIZE)

// The test channel: an EID that the harness answers itself, BEFORE your SBI
// sees the call (the kit's firmware-specific range, not an extension you
// implement). The guest reports its CHECK/FACT lines through it, so they
// reach the grader even while your console does not work yet.
#define LAB7_TEST_EID    0x0A4C3700UL     // "L7"
#define LAB7_PRINT       0   // a0 = guest-physical address of a line, a1 = length
#define LAB7_DONE        1   // a0 = 1 (ok) / 0: the guest finished; the run ends
#define LAB7_HOST_BASE   2   // a0 = a BASE function: OpenSBI's answer, as the
			     // hypervisor itself gets it (a0 error, a1 value)
#define LAB7_LINE_MAX    200

// Values both sides derive from the seed.
#define SEEDED(k, seed)         (((unsigned long)(k) << 32) | (seed))
#define HTIMEDELTA(seed)        ((1UL << 44) + ((seed) << 12))   // guest clock ahead
#define HC_RESULT(nr, a)        ((nr) ^ (a)[0] ^ ((a)[1] << 1) ^ ((a)[2] << 2) ^ \
				 ((a)[3] << 3) ^ ((a)[4] << 4) ^ ((a)[5] << 5))

// The number of timer interrupts the 'timer' guest expects (one per phase
// that arms a timer and lets it fire).
#define TIMER_FIRINGS    3

#endif
