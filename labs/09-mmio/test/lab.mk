# Lab 9 guests run at the guest-physical RAM base, backed by other host memory;
# the devices they use are left out of the G-stage on purpose.
GUEST_BASE := 0x80000000
HARNESS_SRCS += common/harness/vmram.c
# The host-side decoder test: host-test (test/host/) runs the student's
# decoder on the encodings it is sent; host-oracle, built from kit files
# only, makes the encodings and judges the answers (test/oracle/).
HOST_TEST_SRCS := test/decode_local.c
HOST_STUDENT_SRCS := insn_decode.c
HOST_ORACLE_SRCS := test/oracle/decode_oracle.c test/oracle/spawn.c test/decode_suite.c
HOST_ORACLE_CFLAGS := -DDECODE_BATCH=65536
