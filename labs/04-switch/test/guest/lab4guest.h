// lab4guest.h: the lab 4 test guest's own pieces, shared by its files.
#ifndef LAB4GUEST_H
#define LAB4GUEST_H

#include "guest.h"
#include "../switch_test.h"

// regfill.S: load x1..x31 from frame[1..31], ecall, store x1..x31 back into
// frame[1..31]. The caller's registers are saved around it.
void regfill_ecall(ulong frame[32]);
extern char regfill_ecall_pc[];   // the ecall instruction itself

// vcpu1.S: where vCPU 1 starts (own stack), and its own trap vector.
void vcpu1_entry(void);
void vcpu1_trapvec(void);

// Traps counted by each vCPU's own handler: [0] by guest_trap() (the
// runtime's guest_trapvec), [1] by vcpu1_trapvec.
extern volatile ulong vcpu_traps[2];

// A hypercall with two arguments; returns a0.
ulong hypercall(ulong fid, ulong a0, ulong a1);

// vs_csrs.c: the two_vcpus scenario.
int two_vcpus_main(void);
void vcpu1_main(ulong id, ulong htimedelta) NORETURN;

#endif
