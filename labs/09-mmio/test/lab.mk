# Lab 9 guests run at the guest-physical RAM base, backed by other host memory;
# the devices they use are left out of the G-stage on purpose.
GUEST_BASE := 0x80000000
HARNESS_SRCS += common/harness/vmram.c
# The host-side decoder test (test/host/): the suite and the student's decoder.
HOST_TEST_SRCS := test/decode_suite.c
HOST_STUDENT_SRCS := insn_decode.c
