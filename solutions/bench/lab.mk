# make bench (docs/bench.md): the bench image is lab 10's reference VMM with
# this directory as its harness (BENCH=1, Makefile TESTDIR). The bench guest
# is a raw image for vm_load_image(), so it runs at GUEST_IMAGE_GPA (vmm.h).
GUEST_BASE := 0x80200000
