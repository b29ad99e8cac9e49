# Lab 8 guests run at the guest-physical RAM base, backed by other host memory.
GUEST_BASE := 0x80000000
HARNESS_SRCS += common/harness/vmram.c
