#!/usr/bin/env bash
# gdb.sh: `make gdb`. QEMU starts halted in the background with its gdb stub
# on $PORT and its serial port in $LOG (mirrored to this terminal); gdb runs
# in the foreground. Quitting gdb stops QEMU.
set -u
rm -f "$LOG"
"$QEMU" "$@" -display none -monitor none -serial "file:$LOG" -S -gdb "tcp:localhost:$PORT" &
qemu=$!
trap 'kill $qemu 2>/dev/null; kill $tailpid 2>/dev/null' EXIT
for _ in $(seq 50); do [ -e "$LOG" ] && break; sleep 0.1; done
tail -n +1 -f --pid=$qemu "$LOG" 2>/dev/null &
tailpid=$!
echo "*** QEMU (pid $qemu) halted at reset; gdb stub on localhost:$PORT; serial log: $LOG"
"$GDB" -q -x common/tools/gdbinit -ex "target remote localhost:$PORT" "$KERNEL"
