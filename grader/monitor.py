"""Look inside a running QEMU: where each hart is, through QEMU's own QMP
monitor on a unix socket (grader/diagnose.py turns it into a diagnosis).

The grader starts every QEMU run with `-qmp unix:SOCK,server=on,wait=off`,
SOCK in a folder of that run (the sandbox binds it writable). Just before it
kills a run at its timeout or output cap, and when a failing multi-hart run
asks for it (the kit prints SNAP_MARKER at its first FAIL and waits a moment:
snapshot_pause() in common/lib/report.c), it stops the machine
and reads `info registers -a` (every hart: pc, V, the trap CSRs, x1-x31) a
few times, letting the machine run a few milliseconds between reads, so
that a loop shows as several pcs and a hart that waits shows as one.

Standard library only. Every failure (no socket, QEMU gone, garbage on the
socket) gives an empty snapshot, never an exception: a diagnosis is a bonus.
"""

import json
import re
import socket
import time

SNAP_MARKER = b": failed; the grader may look at the harts"
SAMPLES = 6             # reads of every hart
GAP = 0.004             # seconds the machine runs between two reads
IO_TIMEOUT = 2.0        # seconds for one monitor command
CONNECT_TIMEOUT = 1.0
BUDGET = 3.0            # seconds for a whole snapshot
MAX_REPLY = 1 << 20
# A look at a running guest (qemu.py, an input step's "look"; the "runs"
# check of evaluate.py): more reads than a snapshot, so that a hart that
# spends most of its time in the hypervisor is still seen in the guest; at
# the pc and the trap vector of harts seen there, code read through their
# own translation; and memory the check names (guestcode.py).
LOOK_SAMPLES = 20
LOOK_GAP = 0.002
# A look while the guest boots reads on until it has LOOK_HARTS pcs: on a
# loaded machine QEMU may hardly run in 2 ms (the reference's Linux was
# once seen at 1 pc in 20 reads, under 3 busy loops on 2 cores).
MORE_SAMPLES = 60         # about 1 s at most
MORE_GAP = 0.01
LOOK_HARTS = 8          # hart entries (distinct pcs) read in one look
LOOK_BYTES = 16         # bytes of code read at a trap vector
PAGE = 4096             # and at a pc, the whole page around it

_PAIR = re.compile(r"([A-Za-z][\w/]*)\s*=?\s+([0-9a-fA-F]+)\b")


def parse_registers(text):
    """`info registers -a` -> [{name: int}, ...] in CPU order. x1/ra gives
    both "x1" and "ra"; " V = 0" gives "V"."""
    cpus = []
    for line in text.splitlines():
        if line.startswith("CPU#"):
            cpus.append({"cpu": int(line[4:].strip() or 0)})
            continue
        if not cpus:
            continue
        for name, value in _PAIR.findall(line):
            if name.startswith("f") and "/" in name:
                continue        # floating point: not needed
            v = int(value, 16)
            for n in name.split("/"):
                cpus[-1][n] = v
    return cpus


class Monitor:
    """A QMP connection; every method returns None on any failure."""

    def __init__(self, path):
        self.path = path
        self.sock = None
        self.buf = b""

    def connect(self, timeout=CONNECT_TIMEOUT):
        deadline = time.monotonic() + timeout
        while True:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.settimeout(IO_TIMEOUT)
                s.connect(self.path)
                self.sock = s
                break
            except OSError:
                s.close()
                if time.monotonic() >= deadline:
                    return None
                time.sleep(0.02)
        if self._read_msg() is None or self.execute("qmp_capabilities") is None:
            self.close()
            return None
        return self

    def close(self):
        if self.sock:
            try:
                self.sock.close()
            except OSError:
                pass
        self.sock = None

    def _read_msg(self):
        while b"\n" not in self.buf:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                return None
            if not chunk or len(self.buf) > MAX_REPLY:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        try:
            msg = json.loads(line.decode("utf-8", "replace"))
        except ValueError:
            return None
        return msg if isinstance(msg, dict) else None

    def execute(self, cmd, **args):
        if not self.sock:
            return None
        req = {"execute": cmd}
        if args:
            req["arguments"] = args
        try:
            self.sock.sendall(json.dumps(req).encode() + b"\n")
        except OSError:
            return None
        while True:             # events (STOP, RESUME...) come in between
            msg = self._read_msg()
            if msg is None or "error" in msg:
                return None
            if "return" in msg:
                return msg["return"]

    def hmp(self, line, cpu=None):
        args = {"command-line": line}
        if cpu is not None:
            args["cpu-index"] = cpu
        out = self.execute("human-monitor-command", **args)
        return out if isinstance(out, str) else None

    def registers(self):
        text = self.hmp("info registers -a")
        return parse_registers(text) if text else []

    def read_virtual(self, addr, size, cpu):
        """size bytes (a multiple of 4, at most a page) at virtual address addr
        as hart cpu sees them now (QEMU's `x`: in a guest, V=1, through its
        VS-stage and G-stage translation), or None."""
        text = self.hmp(f"x /{size // 4}wx {addr:#x}", cpu=cpu)
        words = re.findall(r"\b0x([0-9a-fA-F]{8})\b", text or "")
        if not re.match(r"\s*[0-9a-fA-F]+:", text or "") or len(words) != size // 4:
            return None
        return b"".join(int(w, 16).to_bytes(4, "little") for w in words)

    def word_at(self, addr):
        """The 32-bit word at physical address addr (an instruction), or None."""
        text = self.hmp(f"xp /1wx {addr:#x}")
        m = re.search(r":\s*0x([0-9a-fA-F]+)", text or "")
        return int(m.group(1), 16) if m else None


def snapshot(path, samples=SAMPLES, gap=GAP, resume=False, want_words=True, on_read=None,
             more=None):
    """Every hart's registers, read `samples` times with the machine
    stopped: [[{reg: value} per CPU] per sample], and the instruction words
    at each pc (and pc - 4) of the first sample that the hypervisor was running
    ({pc: word}). ([], {}) when QEMU cannot be asked. resume: let the
    machine run on afterwards (else it stays stopped, to be killed).
    want_words=False: no instruction words ({}). on_read(monitor, regs):
    called after each read, the machine still stopped. more(): after the
    `samples` reads, read on (MORE_GAP apart, up to MORE_SAMPLES in all)
    while it says so."""
    mon = Monitor(path).connect()
    if mon is None:
        return [], {}
    reads, words = [], {}
    deadline = time.monotonic() + BUDGET
    try:
        i = 0
        while i < samples or (more and i < MORE_SAMPLES and more()):
            if time.monotonic() > deadline:
                break
            if i:
                if mon.execute("cont") is None:
                    break
                time.sleep(gap if i < samples else MORE_GAP)
            i += 1
            if mon.execute("stop") is None:
                break
            regs = mon.registers()
            if not regs:
                break
            reads.append(regs)
            if on_read:
                on_read(mon, regs)
        # TCG stops a hart between two blocks of code: one that waits is
        # seen just after its wfi.
        for cpu in (reads[0] if reads and want_words else []):
            pc = cpu.get("pc")
            for a in ((pc, pc - 4) if pc is not None and not cpu.get("V") else ()):
                if a not in words:
                    words[a] = mon.word_at(a)
        if resume:
            mon.execute("cont")
    finally:
        mon.close()
    return reads, words


def look(path, memory=(), kind="prompt"):
    """A look at a guest (see LOOK_SAMPLES): {"kind": kind, "reads":
    [[{reg: value} per hart] per read], "harts": [{"cpu", "pc", "stvec",
    "satp", "ra", "page", "trap_code"}] for up to LOOK_HARTS harts seen in a
    guest (V=1; stvec and satp are then the guest's own; page: the 4 KiB
    around pc), "memory": {name: bytes}}: each (name, address, size) of
    memory read once, through the first hart seen in a guest. The machine
    runs on afterwards."""
    out = {"kind": kind, "reads": [], "harts": [], "memory": {}}

    def on_read(mon, regs):
        seen = {h["pc"] for h in out["harts"]}
        for cpu in regs:
            pc, n = cpu.get("pc"), cpu.get("cpu", 0)
            if not cpu.get("V") or pc is None:
                continue
            for name, addr, size in memory:
                if name not in out["memory"]:
                    data = mon.read_virtual(addr, size, n)
                    if data is not None:
                        out["memory"][name] = data
            if pc in seen or len(out["harts"]) >= LOOK_HARTS:
                continue
            seen.add(pc)
            stvec = cpu.get("stvec")
            out["harts"].append({
                "cpu": n, "pc": pc, "stvec": stvec, "satp": cpu.get("satp"),
                "ra": cpu.get("ra"),
                "page": mon.read_virtual(pc & ~(PAGE - 1), PAGE, n),
                "trap_code": mon.read_virtual(stvec, LOOK_BYTES, n) if stvec else None})

    more = (lambda: len(out["harts"]) < LOOK_HARTS) if kind == "boot" else None
    out["reads"] = snapshot(path, LOOK_SAMPLES, LOOK_GAP, resume=True, want_words=False,
                            on_read=on_read, more=more)[0]
    return out
