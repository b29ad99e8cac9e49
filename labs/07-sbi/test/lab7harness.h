// lab7harness.h: shared by the lab-7 harness files.
#ifndef LAB7HARNESS_H
#define LAB7HARNESS_H

#include "types.h"
#include "vmram.h"

struct vcpu;
struct vm_exit;

enum lab7_verdict { LAB7_RESUME, LAB7_STOP_OK, LAB7_STOP_FAIL };

extern struct vm_ram lab7_ram;
extern ulong lab7_seed;
extern ulong lab7_timer_exits;       // EXIT_TIMERs (host timer interrupts)
extern ulong lab7_vstip_injections;  // ... after which hvip.VSTIP was set

// The test channel (channel.c): an SBI call with EID LAB7_TEST_EID.
enum lab7_verdict lab7_channel(struct vcpu *v, const struct vm_exit *e);

#endif
