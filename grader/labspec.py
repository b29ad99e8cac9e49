"""Lab declarations: labs/NN-name/lab.json, validated into plain objects.

A lab file names the student-editable files and the tests. Each test boots
QEMU once with the given machine options and is scored by its checks; a
check may combine several conditions, all of which must hold:

  "fact": KEY, "equals": TEMPLATE   a line "FACT <nonce> KEY VALUE" with VALUE == TEMPLATE
  "check": NAME                     a line "CHECK <nonce> NAME PASS" and no FAIL line for NAME
  "expect": REGEX                   some output line matches (templated)
  "absent": REGEX                   no output line matches (templated)
  "exit": "clean" | "failure"       how the run ended

Templates are str.format strings over the run's parameters: {smp},
{mem_bytes}, {mem_mib}, {seed}, {nonce}, {cpu}.
"""

import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CONDITION_KEYS = ("fact", "check", "expect", "absent", "exit")
EXIT_KINDS = ("clean", "failure")


class SpecError(Exception):
    """A lab.json that does not follow the format (a kit bug, not a student's)."""


class Check:
    def __init__(self, d, where):
        self.name = _req(d, "name", str, where)
        self.points = _req(d, "points", (int, float), where)
        self.hint = d.get("hint", "")
        self.fact = d.get("fact")
        self.equals = d.get("equals")
        self.check = d.get("check")
        self.expect = d.get("expect")
        self.absent = d.get("absent")
        self.exit = d.get("exit")
        if not any(d.get(k) for k in CONDITION_KEYS):
            raise SpecError(f"{where}: a check needs one of {', '.join(CONDITION_KEYS)}")
        if self.fact is not None and self.equals is None:
            raise SpecError(f"{where}: 'fact' needs 'equals'")
        if self.exit is not None and self.exit not in EXIT_KINDS:
            raise SpecError(f"{where}: 'exit' must be one of {EXIT_KINDS}")
        for key in ("expect", "absent"):
            if d.get(key) is not None:
                try:
                    re.compile(d[key])
                except re.error as e:
                    raise SpecError(f"{where}: bad regex in '{key}': {e}") from None


class Test:
    def __init__(self, d, lab, where):
        self.lab = lab
        self.name = _req(d, "name", str, where)
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", self.name):
            raise SpecError(f"{where}: test name {self.name!r} must be [A-Za-z0-9_.-]+")
        self.description = d.get("description", "")
        q = d.get("qemu", {})
        self.smp = int(q.get("smp", 1))
        self.mem = str(q.get("mem", "128M"))
        self.cpu = str(q.get("cpu", "rv64"))
        # Single-hart runs are deterministic under icount; multi-hart ones
        # cannot use it on QEMU 7.2 (hart_start stays START_PENDING).
        self.icount = bool(q.get("icount", self.smp == 1))
        self.extra_args = [str(a) for a in q.get("args", [])]
        self.timeout = float(d.get("timeout", 10))
        self.seed = d.get("seed")
        self.bootargs = str(d.get("bootargs", ""))
        self.input = d.get("input", [])
        self.checks = [Check(c, f"{where}, check {i + 1}")
                       for i, c in enumerate(_req(d, "checks", list, where))]
        if not self.checks:
            raise SpecError(f"{where}: no checks")

    @property
    def points(self):
        return sum(c.points for c in self.checks)


class Lab:
    def __init__(self, path):
        self.dir = os.path.dirname(path)
        self.dirname = os.path.basename(self.dir)
        where = os.path.relpath(path, ROOT)
        try:
            with open(path, encoding="utf-8") as f:
                d = json.load(f)
        except (OSError, ValueError) as e:
            raise SpecError(f"{where}: {e}") from None
        self.number = _req(d, "lab", int, where)
        self.name = _req(d, "name", str, where)
        self.title = d.get("title", self.name)
        self.handout = d.get("handout", "")
        self.student_files = _req(d, "student_files", list, where)
        self.tests = [Test(t, self, f"{where}, test {i + 1}")
                      for i, t in enumerate(_req(d, "tests", list, where))]
        names = [t.name for t in self.tests]
        if len(set(names)) != len(names):
            raise SpecError(f"{where}: duplicate test names")

    @property
    def points(self):
        return sum(t.points for t in self.tests)


def _req(d, key, typ, where):
    if key not in d:
        raise SpecError(f"{where}: missing '{key}'")
    if not isinstance(d[key], typ):
        raise SpecError(f"{where}: '{key}' has the wrong type")
    return d[key]


def lab_dirs(root=ROOT):
    base = os.path.join(root, "labs")
    if not os.path.isdir(base):
        return []
    return sorted(d for d in os.listdir(base)
                  if re.fullmatch(r"\d\d-[a-z0-9-]+", d) and
                  os.path.isfile(os.path.join(base, d, "lab.json")))


def load_labs(root=ROOT):
    return [Lab(os.path.join(root, "labs", d, "lab.json")) for d in lab_dirs(root)]


def find_lab(labs, which):
    """which: 3, "3", "03", "03-deleg" or "deleg"."""
    w = str(which).strip()
    for lab in labs:
        if w.isdigit() and int(w) == lab.number:
            return lab
        if w in (lab.dirname, lab.name):
            return lab
    return None


def parse_mem(mem):
    m = re.fullmatch(r"(\d+)([KMGT]?)i?B?", mem.strip(), re.IGNORECASE)
    if not m:
        raise SpecError(f"bad memory size {mem!r}")
    scale = {"": 1 << 20, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    return int(m.group(1)) * scale[m.group(2).upper()]
