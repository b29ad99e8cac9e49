"""Where a run went wrong, in the student's terms: every hart's place
(function and file:line from the lab's ELF files), whether it was in the
guest, the hypervisor or the firmware, whether it was trapping in a loop
and on what cause, and a hint that follows from that.

Two sources, both read after the run:
  - the snapshot (grader/monitor.py): every hart's registers, read a few
    times just before the grader killed a run that hung or flooded, or when
    a failing run of several harts asked for it before shutting down;
  - the kit's own trap dumps in the output ("=== ... ===", sepc and ra),
    whose addresses get the same file:line.

Addresses become names with the cross toolchain's addr2line, run in the
sandbox like everything else that reads a student's build. A diagnosis is
a bonus: anything missing (no toolchain, no snapshot) leaves it shorter,
never an error.
"""

import os
import re
import shutil
import subprocess

from . import sandbox

FIRMWARE = (0x80000000, 0x80200000)     # OpenSBI (QEMU's -bios default), M-mode
WFI = 0x10500073
JUMP_SELF = 0x0000006f                   # j .
CAUSE_INTERRUPT = 1 << 63
EXCEPTIONS = {0: "instruction address misaligned", 1: "instruction access fault",
              2: "illegal instruction", 3: "breakpoint", 4: "load address misaligned",
              5: "load access fault", 6: "store address misaligned", 7: "store access fault",
              8: "ecall from U/VU-mode", 9: "ecall from HS-mode", 10: "ecall from VS-mode",
              11: "ecall from M-mode", 12: "instruction page fault", 13: "load page fault",
              15: "store page fault", 20: "instruction guest-page fault",
              21: "load guest-page fault", 22: "virtual instruction",
              23: "store guest-page fault"}
# memlayout.h: the stacks the hypervisor's code may run on.
MAX_HARTS, HART_STACK_SIZE, TRAP_STACK_SIZE, BAD_STACK_SIZE = 8, 16 << 10, 8 << 10, 4 << 10
PREFIXES = ("riscv64-unknown-elf-", "riscv64-linux-gnu-", "riscv64-elf-")

# Places in the kit where a hart that stays means something particular.
PLACE_HINTS = {
    "hsm_wait_start": "it waits for a hart_start that never reached it: hsm_cpu_up() must mark "
                      "the target START_PENDING and wake its physical hart (vipi_send: a host "
                      "IPI), and hsm_wait_start() must look again when woken",
    "snapshot_pause": "the hart that reported the failure, waiting for this snapshot",
    "spin_lock": "it waits for a lock that is never released (a path that returns with "
                 "vm->lock held?)",
    "park": "parked by the kit after a report: see the dump above",
}


def cause_name(cause):
    if cause & CAUSE_INTERRUPT:
        return f"interrupt {cause & ~CAUSE_INTERRUPT}"
    return f"exception {cause} ({EXCEPTIONS.get(cause, 'reserved')})"


def tool(name):
    """The cross toolchain's NAME (addr2line, nm), as the Makefile finds gcc."""
    pre = os.environ.get("CROSS_COMPILE")
    for p in ([pre] if pre else []) + list(PREFIXES):
        path = shutil.which(p + name, path=sandbox.BASE_ENV["PATH"])
        if path:
            return path
    return None


class Symbols:
    """addr -> (function, file:line) for one ELF file, through addr2line in
    the sandbox (the file is a student's build). root: the kit it lives in,
    for relative file names."""

    def __init__(self, elf, root):
        self.elf, self.root = elf, root
        self.names = {}

    def lookup(self, addrs):
        want = sorted({a for a in addrs if a not in self.names})
        a2l = tool("addr2line")
        if not want or not a2l or not self.elf or not os.path.isfile(self.elf):
            return
        # -a: each address first; -i: then the inlined functions, innermost
        # first, each with the file:line it was called from in the next.
        out = _sandboxed([a2l, "-a", "-f", "-i", "-e", self.elf] + [f"{a:#x}" for a in want],
                         self.root)
        groups, cur = [], None
        for ln in out.splitlines():
            if re.fullmatch(r"0x[0-9a-fA-F]+", ln.strip()):
                cur = (int(ln, 16), [])
                groups.append(cur)
            elif cur is not None:
                cur[1].append(ln.strip())
        for a, lines in groups:
            frames = [(lines[i], self._where(lines[i + 1])) for i in range(0, len(lines) - 1, 2)]
            frames = [(f if f != "??" else "", w) for f, w in frames if f != "??" or w]
            if not frames:
                continue
            func, where = frames[-1]            # the function the code is in
            inner = frames[0][0] if len(frames) > 1 else ""
            self.names[a] = (func, where, inner)

    def _where(self, where):
        where = re.sub(r" \(discriminator \d+\)$", "", where)
        path, _, line = where.rpartition(":")
        if not path or path.startswith("??"):
            return ""
        if os.path.isabs(path) and self.root:
            rel = os.path.relpath(path, self.root)
            path = path if rel.startswith("..") else rel
        return f"{path}:{line}"

    def name(self, addr):
        func, where, inner = (tuple(self.names.get(addr, ())) + ("", "", ""))[:3]
        if not func and not where:
            return ""
        return (f"{func}()" if func else "?") + (f" {where}" if where else "") + \
            (f" ({inner}() inlined)" if inner else "")

    def func(self, addr):
        return self.names.get(addr, ("",))[0]


def _sandboxed(cmd, root):
    try:
        with sandbox.detect().jail(root, limits=sandbox.run_limits(20)) as j:
            p = subprocess.run(j.wrap(cmd), env=j.env, cwd=j.cwd, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=20)
        return p.stdout.decode("utf-8", "replace")
    except (OSError, subprocess.SubprocessError, sandbox.SandboxError):
        return ""


# A line of `nm -P` for one of the kit's stacks: name, type, value[, size].
_NM_STACK = re.compile(r"(hart_stacks|trap_stacks|bad_stack) [A-Za-z] ([0-9a-f]{1,16})"
                       r"(?: [0-9a-f]+)? ?")


def stack_ranges(root, kernel):
    """[(low, high)] of every stack of the hypervisor, from its symbols.
    The symbol table is a student's build: a name may hold any byte (a
    newline too, to forge a line of nm's), so only whole lines of the exact
    form count, and a stack named twice with two addresses is left out."""
    nm = tool("nm")
    if not nm:
        return []
    seen = {}
    for line in _sandboxed([nm, "-P", kernel], root).split("\n"):
        m = _NM_STACK.fullmatch(line)
        if m:
            seen.setdefault(m.group(1), set()).add(int(m.group(2), 16))
    sizes = {"hart_stacks": MAX_HARTS * HART_STACK_SIZE,
             "trap_stacks": MAX_HARTS * TRAP_STACK_SIZE, "bad_stack": BAD_STACK_SIZE}
    out = []
    for name, values in seen.items():
        if len(values) == 1:
            low = values.pop()
            out.append((low, low + sizes[name]))
    return out


class Images:
    """The ELF files of a run: the hypervisor, its guest program (labs 2-9)
    or the real guest's kernel (lab 10), with their symbols."""

    def __init__(self, kernel, root, guest_elf=None):
        self.hyp = Symbols(kernel, root)
        guest = guest_elf or os.path.join(os.path.dirname(kernel or ""), "guest.elf")
        self.guest = Symbols(guest if os.path.isfile(guest) else None, root)

    def of(self, guest):
        return self.guest if guest else self.hyp


def where(pc, guest, images):
    if guest:
        name = images.guest.name(pc)
        return f"in the guest, pc {pc:#x}" + (f" in {name}" if name else "")
    if FIRMWARE[0] <= pc < FIRMWARE[1]:
        return f"in the firmware (OpenSBI, M-mode), pc {pc:#x}"
    name = images.hyp.name(pc)
    return f"in the hypervisor, pc {pc:#x}" + (f" in {name}" if name else "")


def levels(sample):
    """{level: (cause, epc, tvec)} of one read. QEMU shows the CSRs of the
    mode it runs in under the S names: with V = 1, scause is the guest's
    (VS) and the hypervisor's own is not shown at all."""
    g = sample.get
    out = {"m": (g("mcause"), g("mepc"), g("mtvec"))}
    if g("V"):
        out["vs"] = (g("scause"), g("sepc"), g("stvec"))
    else:
        out["s"] = (g("scause"), g("sepc"), g("stvec"))
        out["vs"] = (g("vscause"), g("vsepc"), g("vstvec"))
    return out


def _trap_loop(samples):
    """(level, cause, epc) when the hart traps again and again on the same
    exception at the same place, else None."""
    if len(samples) < 3 or len({s.get("pc") for s in samples}) < 2:
        return None
    v_toggles = len({s.get("V", 0) for s in samples}) > 1
    seen = [levels(s) for s in samples]
    in_firmware = all(FIRMWARE[0] <= s.get("pc", 0) < FIRMWARE[1] for s in samples)
    for level in ("s", "vs", "m") if in_firmware else ("s", "vs"):
        got = [lv[level] for lv in seen if level in lv]
        if len(got) < 2:
            continue
        causes, epcs = {c for c, _, _ in got}, {e for _, e, _ in got}
        if len(causes) != 1 or len(epcs) != 1:
            continue
        cause, epc = causes.pop(), epcs.pop()
        if cause is None or epc is None or cause & CAUSE_INTERRUPT or (cause == 0 and epc == 0):
            continue
        tvec = {(t or 0) & ~3 for _, _, t in got}
        near_vec = any(t and t <= s.get("pc", 0) < t + 0x100 for s in samples for t in tvec)
        at_epc = any(s.get("pc") == epc for s in samples)
        if near_vec or at_epc or (level == "s" and v_toggles):
            return level, cause, epc
    return None


class Diagnosis:
    def __init__(self):
        self.lines = []     # what each hart did, and the dump's addresses named
        self.hints = []     # what follows from it

    def __bool__(self):
        return bool(self.lines or self.hints)

    def to_json(self):
        return {"lines": self.lines, "hints": self.hints}


def _addresses(snapshot, words):
    hyp, guest = set(), set()
    v_seen = any(c.get("V") for read in snapshot for c in read)
    for read in snapshot:
        for c in read:
            pc = c.get("pc", 0)
            (guest if c.get("V") else hyp).update((pc, pc - 4))
            for level, (_, epc, _) in levels(c).items():
                if epc and level != "m":
                    # sepc is the guest's when it trapped from the guest.
                    (guest if level == "vs" or v_seen or c.get("hstatus", 0) >> 7 & 1
                     else hyp).add(epc)
            if not c.get("V"):
                hyp.add(c.get("ra", 0))
    return hyp, guest


def harts(snapshot, words, images, stacks):
    d = Diagnosis()
    if not snapshot:
        return d
    hyp, guest = _addresses(snapshot, words)
    images.hyp.lookup(hyp)
    images.guest.lookup(guest)
    waiting = []
    for i, first in enumerate(snapshot[0]):
        samples = [read[i] for read in snapshot if i < len(read)]
        hart = first.get("mhartid", i)
        pc, guest_mode = first.get("pc", 0), bool(first.get("V"))
        places = list(dict.fromkeys(where(s.get("pc", 0), bool(s.get("V")), images)
                                    for s in samples))
        loop = _trap_loop(samples)
        if loop:
            level, cause, epc = loop
            hs = [x for x in samples if not x.get("V")]
            from_guest = level == "vs" or level == "s" and (
                any(x.get("V") for x in samples) or
                any(x.get("hstatus", 0) >> 7 & 1 for x in hs))
            at = images.of(from_guest).name(epc)
            who = {"s": "an HS-mode trap", "vs": "a trap of the guest's own (VS)",
                   "m": "an M-mode trap (OpenSBI)"}[level]
            d.lines.append(f"hart {hart}: trapping in a loop: {who}, {cause_name(cause)} at "
                           f"{'guest ' if from_guest else ''}pc {epc:#x}"
                           + (f" in {at}" if at else "") + ", again and again")
            d.hints.append(_loop_hint(hart, level, cause, epc, at, from_guest))
        elif len({s.get("pc") for s in samples}) == 1:
            # TCG stops a hart between blocks: a wfi just before pc is
            # where it waits; else a loop that fits in one block.
            wfi = WFI in (words.get(pc), words.get(pc - 4))
            if words.get(pc - 4) == WFI:
                places = [where(pc - 4, guest_mode, images)]
                pc -= 4
            what = ("waiting for an interrupt (wfi)" if wfi else "jumping to itself (j .)"
                    if words.get(pc) == JUMP_SELF else "spinning in a tight loop here")
            d.lines.append(f"hart {hart}: {places[0]}: {what}")
            if not guest_mode:
                waiting.append((hart, images.hyp.func(pc)))
        else:
            funcs = list(dict.fromkeys(_func_of(s, images) for s in samples))
            d.lines.append(f"hart {hart}: running, {places[0]}"
                           + (f" (seen in {', '.join(f for f in funcs if f)})" if
                              any(funcs) else "") + _last_exit(samples, images))
        if not guest_mode and stacks and not FIRMWARE[0] <= pc < FIRMWARE[1]:
            sp = first.get("sp", 0)
            if not any(lo <= sp <= hi for lo, hi in stacks):
                d.hints.append(f"hart {hart}: the hypervisor's sp is {sp:#x}: outside every "
                               "stack; check the registers vcpu_run() restores (lab 4: sp from "
                               "VCPU_HYP + 8)" + _same_as(first, sp))
    for func in dict.fromkeys(f for _, f in waiting):
        which = [h for h, f in waiting if f == func]
        if func in PLACE_HINTS:
            d.hints.append(f"hart{'s' if len(which) > 1 else ''} "
                           f"{', '.join(map(str, which))} in {func}(): {PLACE_HINTS[func]}")
    return d


def _last_exit(samples, images):
    """The guest exit the hypervisor was handling (hstatus.SPV = 1 in HS)."""
    for x in samples:
        if not x.get("V") and x.get("hstatus", 0) >> 7 & 1 and not \
                FIRMWARE[0] <= x.get("pc", 0) < FIRMWARE[1]:
            cause, epc = x.get("scause", 0), x.get("sepc", 0)
            at = images.guest.name(epc)
            return (f"; handling a guest exit: {cause_name(cause)} at guest pc {epc:#x}"
                    + (f" in {at}" if at else ""))
    return ""


def _func_of(sample, images):
    pc = sample.get("pc", 0)
    if sample.get("V"):
        return "guest " + (images.guest.func(pc) or "code")
    if FIRMWARE[0] <= pc < FIRMWARE[1]:
        return "OpenSBI"
    return images.hyp.func(pc)


def _same_as(regs, sp):
    """A wrong sp is often another register's value: say which."""
    same = [r for r in HYP_SLOTS if r != "sp" and regs.get(r) == sp]
    if not same or not sp:
        return ""
    return (f"; it equals {same[0]}: loaded from {same[0]}'s slot "
            f"(VCPU_HYP + {HYP_SLOTS[same[0]]})?")


def _loop_hint(hart, level, cause, epc, at, from_guest):
    place = f" at {at}" if at else f" at {epc:#x}"
    if level == "s" and from_guest:
        if cause in (10, 8):
            return (f"hart {hart}: the guest's ecall{place} exits again and again: after "
                    "handling it, the hypervisor must resume the guest after it (sepc + 4)")
        if cause in (20, 21, 23):
            return (f"hart {hart}: the guest faults{place} on every try: the G-stage mapping "
                    "is missing or lacks a permission (or U), or the fault is not emulated")
        return (f"hart {hart}: the guest traps{place} on every try: the hypervisor resumes it "
                "at the same instruction without fixing the cause or moving sepc")
    if level == "s":
        return (f"hart {hart}: the hypervisor itself traps{place} again and again: its trap "
                "handler returns to the faulting instruction (or faults itself)")
    if level == "vs":
        return (f"hart {hart}: the guest's own trap handler runs again and again ({place.strip()}):"
                " an interrupt or exception injected and never cleared?")
    return (f"hart {hart}: OpenSBI (M-mode) takes the same trap again and again{place}")


DUMP_PC = re.compile(r"^(sepc)\s*:\s*0x([0-9a-fA-F]+)")
DUMP_RA = re.compile(r"\bra=([0-9a-fA-F]{16})\b")
DUMP_REG = re.compile(r"\b([a-z][a-z0-9]{1,3})=([0-9a-fA-F]{16})\b")
BROKEN_STACK = "=== trap on a broken stack"
# struct vcpu's hyp[] (vcpu.h): where vcpu_switch_to_guest() keeps them.
HYP_SLOTS = {"ra": 0, "sp": 8, "gp": 16, "tp": 24, **{f"s{i}": 32 + 8 * i for i in range(12)}}


def dump(excerpt, images):
    """The addresses of a kit trap dump (sepc, ra), named."""
    d = Diagnosis()
    if not excerpt:
        return d
    from_guest = any(ln.startswith("from") and "mode (guest" in ln for ln in excerpt)
    want = []
    for ln in excerpt:
        m = DUMP_PC.match(ln)
        if m:
            want.append(("sepc", int(m.group(2), 16), from_guest))
        m = DUMP_RA.search(ln)
        if m:
            want.append(("ra", int(m.group(1), 16), from_guest))
    for g in (False, True):
        images.of(g).lookup(a for _, a, fg in want if fg == g)
    for what, addr, fg in want:
        name = images.of(fg).name(addr)
        if name:
            d.lines.append(f"{what} {addr:#x} is {'the guest' if fg else 'the hypervisor'}'s "
                           f"{name}")
    if excerpt[0].startswith(BROKEN_STACK):
        regs = {n: int(v, 16) for ln in excerpt for n, v in DUMP_REG.findall(ln)}
        sp = regs.get("sp", 0)
        at = images.hyp.func(next((a for w, a, _ in want if w == "sepc"), 0))
        d.hints.append(f"the hypervisor's sp is {sp:#x}: outside every stack"
                       + (f", in {at}()" if at else "") + "; check the registers "
                       "vcpu_run() restores after an exit (lab 4: sp from VCPU_HYP + 8)"
                       + _same_as(regs, sp))
    return d
