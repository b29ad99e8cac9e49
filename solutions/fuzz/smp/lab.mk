# make fuzz, scenario hsm (docs/fuzz.md): lab 8's reference SMP VM with this
# directory as its harness (FUZZ=smp, Makefile TESTDIR). Like lab 8's own
# guests, the fuzz guest runs at the guest-physical RAM base.
GUEST_BASE := 0x80000000
HARNESS_SRCS += common/harness/vmram.c
# The canary patterns, shared with the lab 10 fuzz image (../fuzz.c).
HARNESS_SRCS += solutions/fuzz/canary.c
