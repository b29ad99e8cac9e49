# make fuzz (docs/fuzz.md): the fuzz image is lab 10's reference VMM with
# this directory as its harness (FUZZ=1, Makefile TESTDIR). The fuzz guest
# is a raw image for vm_load_image(), so it runs at GUEST_IMAGE_GPA (vmm.h).
GUEST_BASE := 0x80200000
# The reference-VM helpers shared with make bench.
HARNESS_SRCS += solutions/bench/refvm.c
