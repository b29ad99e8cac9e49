"""Helpers for the grader's unit tests: fake "QEMU" programs written to a
temporary directory, and checks that no process is left behind.

Not a test module itself (unittest discovers test*.py only).
"""

import os
import shutil
import signal
import sys
import tempfile
import textwrap
import time

from grader import ownership


# The system's Python: a fake program runs in the grader's sandbox, which
# sees /usr only (not a Python installed in a home folder).
SCRIPT_PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def write_script(directory, name, body):
    """An executable Python script: `body` runs with sys, os, time imported."""
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"#!{SCRIPT_PYTHON}\nimport os, sys, time\n")
        f.write(textwrap.dedent(body))
    os.chmod(path, 0o755)
    return path


class TempDir:
    """mkdtemp + rmtree, for setUp/tearDown or addCleanup. Open to other
    users (mode 755), like a kit checked out in CI: the sandbox's uids must
    be able to enter a kit copied in here."""

    def __init__(self, prefix="grader-test-", where=None):
        self.path = tempfile.mkdtemp(prefix=prefix, dir=where)
        os.chmod(self.path, 0o755)

    def cleanup(self):
        ownership.rmtree_quiet(self.path)


def _stat(pid):
    """(state, ppid, pgrp) of a live process, None when it does not exist."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2:].split()
    return fields[0], int(fields[1]), int(fields[2])


def alive(pid):
    """os.kill(pid, 0), but a zombie (dead, waiting for its parent or init
    to reap it) counts as gone: it runs nothing and holds no pipe."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    st = _stat(pid)
    return st is not None and st[0] not in ("Z", "X")


def wait_gone(pids, within=3.0):
    """The pids still alive after `within` seconds (empty when all ended)."""
    end = time.monotonic() + within
    while True:
        left = [p for p in pids if alive(p)]
        if not left or time.monotonic() >= end:
            return left
        time.sleep(0.05)


def group_members(pgid):
    """Live (non-zombie) processes whose process group is pgid."""
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            st = _stat(int(name))
            if st and st[2] == pgid and st[0] not in ("Z", "X"):
                out.append(int(name))
    return out


def processes_mentioning(text):
    """Live processes whose command line contains text."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if text in cmdline and alive(int(name)):
            out.append((int(name), cmdline.strip()))
    return out


def kill_mentioning(text):
    """SIGKILL the processes whose command line contains text: a test's own
    temporary directory, so only what that test started (a safety net for
    when the grader under test leaks)."""
    for pid, _ in processes_mentioning(text):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_for_process(text, within=10.0):
    """Wait until a process whose command line mentions text runs."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        if processes_mentioning(text):
            return True
        time.sleep(0.05)
    return False


def argv_of(run_text):
    """The command lines the fake QEMU printed ("fake-argv: [...]")."""
    import ast
    return [ast.literal_eval(ln.split(": ", 1)[1]) for ln in run_text.splitlines()
            if ln.startswith("fake-argv: ")]


def read_pid_file(path, within=3.0):
    """A pid a fake program wrote to a file (it may take a moment)."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            with open(path, encoding="ascii") as f:
                text = f.read().strip()
            if text.endswith("."):
                return int(text[:-1])
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    raise AssertionError(f"the fake program never wrote {path}")


# A fake qemu-system-riscv64 for grade.run_test: it reads the real command
# line the grader built (-append bootargs, -smp, -m) and behaves according to
# the test name, printing CHECK/FACT lines with the nonce it was given.
FAKE_QEMU = r'''
args = sys.argv[1:]
def opt(name, default=None):
    return args[args.index(name) + 1] if name in args else default
boot = dict(kv.split("=", 1) for kv in opt("-append", "").split() if "=" in kv)
test, nonce, seed = boot.get("test", ""), boot.get("nonce", "?"), boot.get("seed", "?")
smp = int(opt("-smp", "1"))
m = opt("-m", "128M")
mem = int(m[:-1]) << {"M": 20, "G": 30}[m[-1]]
out = sys.stdout

def say(line):
    out.write(line + "\r\n")
    out.flush()

if test == "refused":      # QEMU refuses its command line: no machine, no banner
    sys.stderr.write(f"{os.path.basename(sys.argv[0])}: -device loader,file=/nope: "
                     "Cannot load specified image /nope\n")
    sys.exit(1)

say("OpenSBI v1.1 (fake)")
say("fake-argv: " + repr(sys.argv))

if test == "allpass":
    say(f"FACT {nonce} harts {smp}")
    say(f"FACT {nonce} mem base=0x80000000 size={mem:#x}")
    say(f"CHECK {nonce} works PASS fine")
    say("hyp: shutdown (ok)")
elif test == "partial":
    say(f"FACT {nonce} harts {smp}")
    say(f"FACT {nonce} mem base=0x80000000 size={mem + 4096:#x}")
    say(f"CHECK {nonce} works PASS")
    say(f"CHECK {nonce} works FAIL second try went wrong")
    say("hyp: shutdown (ok)")
elif test == "forged":
    # Result-shaped lines a student could print without knowing the nonce.
    say("CHECK 0123456789abcdef works PASS")
    say(f"FACT deadbeefdeadbeef harts {smp}")
    say("CHECK works PASS")
    say("FACT harts " + str(smp))
    say("hyp: shutdown (ok)")
elif test == "seedecho":
    say(f"FACT {nonce} seed {seed}")
    say("hyp: shutdown (ok)")
elif test.startswith("hang"):
    say(f"FACT {nonce} harts {smp}")
    while True:
        time.sleep(1)
elif test == "flood":
    say(f"FACT {nonce} harts {smp}")
    chunk = (f"CHECK {nonce} works PASS\n" * 2000).encode()
    while True:
        out.buffer.write(chunk)
elif test == "crash":
    say(f"FACT {nonce} harts {smp}")
    say("panic: something broke")
    sys.exit(3)
elif test == "failure":
    say(f"FACT {nonce} harts {smp}")
    say("hyp: shutdown (failure)")
elif test == "garbage":
    out.buffer.write(bytes(range(256)) + b"\xff\xfe\xc3(\x00\x1b[2J\xc2\x9b31m\r\n")
    out.buffer.write(b"CHECK  " + nonce.encode() + b"  works   PASS\n")
    out.buffer.write(b"CHECK " + nonce.encode() + b" works\x00 PASS\n")
    out.buffer.write(b"FACT " + nonce.encode() + b" harts " + str(smp).encode() + b"\x00\n")
    out.buffer.write(b"x" * 300000 + b"\n")
    out.flush()
    say("hyp: shutdown (ok)")
elif test == "login":
    out.write("login: ")
    out.flush()
    name = sys.stdin.readline().strip()
    say("")
    say(f"FACT {nonce} user {name}")
    say("hyp: shutdown (ok)")
else:
    say(f"unknown test {test!r}")
    sys.exit(1)
'''
