"""Run one QEMU instance and capture its serial port, no matter what.

Whatever the guest does (hang, loop on a trap, flood the console, print
binary garbage, crash QEMU), run() returns within the timeout plus a small
margin, and the whole process group is gone when it does.
"""

import os
import re
import select
import signal
import subprocess
import threading
import time

from . import monitor as monitormod
from . import sanitize

OUTPUT_CAP = 512 * 1024        # bytes kept; past this the run is stopped
KILL_GRACE = 2.0               # seconds to wait for the reader after a kill
# QEMU writes its serial port a byte at a time: read as it comes, a run's
# 2.5 KB woke the reader some 500 times (6 ms of the grader's CPU a run).
# After a short read the reader lets the output pile up this long first.
COALESCE = 0.002               # seconds
COALESCE_BELOW = 4096          # bytes


class RunResult:
    def __init__(self):
        self.raw = b""
        self.text = ""
        self.exit_code = None      # None when we killed it
        self.timed_out = False
        self.flooded = False
        self.duration = 0.0
        self.error = None          # could not start at all
        self.input_stalled = None  # the "wait" pattern an input step never saw
        self.pid = None            # of the process started (its group id too)
        # Where the harts were (grader/monitor.py), read just before the run
        # was killed (timeout, flood) or when a failing run asked for it:
        self.snapshot = []         # [[{reg: value} per hart] per read]
        self.words = {}            # {pc: instruction word} of the first read
        self.snapshot_when = ""    # "timeout", "flood" or "failure"
        # What the harts ran when input steps with "look" saw their
        # pattern: monitor.look()'s answer for each such step, in order
        # (lab 10's evidence that the guest runs: evaluate.py).
        self.looks = []

    @property
    def ended_by_itself(self):
        return not (self.timed_out or self.flooded or self.error) and self.exit_code is not None


def clean_text(raw):
    """Bytes from a serial port -> printable text (grader/sanitize.py): bad
    UTF-8, control and bidirectional characters replaced, CRLF and lone CR
    made line ends."""
    return sanitize.raw(raw)


def _kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# Process groups of the runs in progress, so that Ctrl-C can stop them all:
# each QEMU is in its own session and would not see the terminal's SIGINT.
_live = set()
_live_lock = threading.Lock()
_stopping = False


def kill_all():
    """Kill every QEMU still running and refuse to start new ones (Ctrl-C)."""
    global _stopping
    with _live_lock:
        _stopping = True
        groups = list(_live)
    for pgid in groups:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def stopping():
    """True once kill_all() has run: the grader is on its way out."""
    return _stopping


def start_tracked(cmd, **popen_args):
    """Popen in a new session, remembered for kill_all() (builds use it too).
    None when the grader is stopping. The caller must untrack() it."""
    with _live_lock:
        if _stopping:
            return None
        proc = subprocess.Popen(cmd, start_new_session=True, **popen_args)
        _live.add(proc.pid)
    return proc


def untrack(proc):
    with _live_lock:
        _live.discard(proc.pid)


def run(cmd, timeout, cap=OUTPUT_CAP, steps=(), cwd=None, env=None, monitor=None):
    """Run cmd (a QEMU command line) and return a RunResult.

    steps: input to send, [{"wait": REGEX, "send": TEXT}, ...] in order;
    each TEXT is written to the serial port once REGEX has appeared in the
    output after the previous step's match. A step with "look" first
    reads the harts through the monitor (RunResult.looks): "look" is
    {"kind": "boot" or "prompt", "memory": [(name, address, size)]}
    (monitor.look).
    monitor: the path of the run's QMP socket (-qmp unix:PATH,...): the
    harts are read through it before a kill and when the kit asks
    (RunResult.snapshot).
    """
    res = RunResult()
    start = time.monotonic()
    with _live_lock:
        if _stopping:
            res.error = "not started: the grader is stopping"
            return res
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if steps else subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    start_new_session=True, cwd=cwd, env=env)
        except OSError as e:
            res.error = f"cannot start {cmd[0]}: {e.strerror or e}"
            return res
        _live.add(proc.pid)
    res.pid = proc.pid
    try:
        return _supervise(proc, res, start, timeout, cap, steps, monitor)
    except BaseException:
        _kill_group(proc)   # _supervise kills it on every normal path
        raise
    finally:
        with _live_lock:
            _live.discard(proc.pid)


def _snap(res, monitor, when, resume=False):
    """Read the harts through the monitor, once per run."""
    if monitor and not res.snapshot_when:
        res.snapshot_when = when
        res.snapshot, res.words = monitormod.snapshot(monitor, resume=resume)


def _supervise(proc, res, start, timeout, cap, steps, monitor=None):
    """Read the output, type the input, stop the run at the timeout or the
    cap, and kill the process group when done."""
    buf = bytearray()
    cond = threading.Condition()
    state = {"eof": False}
    marker = monitormod.SNAP_MARKER

    def reader():
        fd = proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            with cond:
                if not chunk:
                    state["eof"] = True
                    cond.notify_all()
                    return
                room = cap - len(buf)
                seen = len(buf)
                buf.extend(chunk[:max(room, 0)])
                flood = len(chunk) > room
                asked = monitor and marker in buf[max(0, seen - len(marker)):]
                cond.notify_all()
            if flood:
                res.flooded = True
                _snap(res, monitor, "flood")
                _kill_group(proc)
            elif asked:
                _snap(res, monitor, "failure", resume=True)
            elif len(chunk) < COALESCE_BELOW:
                time.sleep(COALESCE)

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    deadline = start + timeout

    _drive_input(proc, steps, buf, cond, state, deadline, res, monitor)

    try:
        res.exit_code = wait_exit(proc, max(deadline - time.monotonic(), 0))
    except subprocess.TimeoutExpired:
        res.timed_out = True
        _snap(res, monitor, "timeout")
    _kill_group(proc)     # QEMU may have left children; never leave anything
    try:
        proc.wait(timeout=KILL_GRACE)
    except subprocess.TimeoutExpired:
        pass
    if res.timed_out or res.flooded:
        res.exit_code = None
    t.join(KILL_GRACE)
    # If a process that left the group still holds the pipe, the reader is
    # blocked in os.read on it: leave that fd open rather than let the
    # number be reused under the reader's feet.
    for f in (proc.stdin, None if t.is_alive() else proc.stdout):
        try:
            if f:
                f.close()
        except OSError:
            pass
    res.duration = time.monotonic() - start
    with cond:
        res.raw = bytes(buf)
    res.text = clean_text(res.raw)
    return res


def wait_exit(proc, timeout):
    """proc.wait(timeout), but told of the exit when it happens. Popen.wait
    with a timeout polls with sleeps that double up to 50 ms: a run that ends
    after 70 ms was seen to end at 113 ms, and a grade's worker sat idle that
    long (a third of a lab-1 test). A pidfd (Linux 5.3) becomes readable when
    the process ends; where there is none (an old kernel, gVisor), Popen.wait."""
    try:
        fd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        return proc.wait(timeout=timeout)
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        end = time.monotonic() + timeout
        while proc.poll() is None:
            left = end - time.monotonic()
            if left <= 0:
                raise subprocess.TimeoutExpired(proc.args, timeout)
            poller.poll(max(1, int(left * 1000)))
    finally:
        os.close(fd)
    return proc.returncode


def _drive_input(proc, steps, buf, cond, state, deadline, res, monitor=None):
    pos = 0     # in the cleaned text: each step waits for output after the last match
    for step in steps:
        wait = step.get("wait", "")
        try:
            pat = re.compile(wait)
        except re.error:
            res.input_stalled = wait
            return
        with cond:
            while True:
                m = pat.search(clean_text(bytes(buf)), pos)
                if m:
                    pos = m.end()
                    break
                left = deadline - time.monotonic()
                if state["eof"] or left <= 0:
                    res.input_stalled = wait
                    return
                cond.wait(min(left, 0.05))
        look = step.get("look")
        if isinstance(look, dict) and monitor:
            res.looks.append(monitormod.look(monitor, look.get("memory", ()),
                                             look.get("kind", "prompt")))
        try:
            delay = float(step.get("delay", 0))
            time.sleep(max(0.0, min(delay, deadline - time.monotonic())))
            sent = _send(proc, step.get("send", "").encode("utf-8"), deadline)
        except (OSError, ValueError, TypeError):
            sent = False
        if not sent:
            res.input_stalled = wait
            return


def _send(proc, data, deadline):
    """Write data to the child's stdin without ever blocking past the
    deadline (a guest that stops reading its UART fills the pipe)."""
    fd = proc.stdin.fileno()
    os.set_blocking(fd, False)
    while data:
        try:
            n = os.write(fd, data)
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)
            continue
        data = data[n:]
    return True
