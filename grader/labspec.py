"""Lab declarations: labs/NN-name/lab.json, validated into plain objects.

A lab file names the student-editable files and the tests. Each test boots
QEMU once with the given machine options and is scored by its checks; a
check may combine several conditions, all of which must hold:

  "fact": KEY, "equals": TEMPLATE   a line "FACT <nonce> KEY VALUE" with VALUE == TEMPLATE
  "check": NAME                     a line "CHECK <nonce> NAME PASS" and no FAIL line for NAME
  "expect": REGEX                   some output line matches (templated)
  "absent": REGEX                   no output line matches (templated)
  "grows": REGEX, "by": N           the lines matching REGEX (templated), in order,
                                    are readings (the sum of the numbers in its first
                                    group): at least two, the last above the first
                                    (by at least N, if given)
  "exit": "clean" | "failure"       how the run ended
  "runs": "guest"                   QEMU itself saw a hart in the guest (V=1) run code
                                    of the test's guest image, at the input steps with
                                    "look" (guestcode.py). Its own points may be 0:
                                    when it fails, no check of the test scores (the
                                    console passes through student code; QEMU's view
                                    does not)

Templates are str.format strings over the run's parameters: {smp},
{mem_bytes}, {mem_mib}, {seed}, {nonce}, {cpu}, {test}, and {rand_a},
{rand_b}, {rand_c} (non-zero values drawn from the seed), {seed_low1},
{seed_low2} (the seed with two low bits that are never both 0). The "cpu" of
"qemu" is a template too (lab 7: -cpu rv64,mvendorid={rand_a:#x},...). Any other brace
group ({foo}, a regex repetition like {2,3}) is left exactly as written.

A test may also give "qemu": {"smp", "mem", "cpu", "icount", "args",
"guest", "dtb_cpu"} ("guest": {"image", "initrd", "args"}: a real guest for
lab 10's VMM, loaded as grader/guestload.py says; "dtb_cpu": boot with the
device tree of a machine with that -cpu instead of the machine's own),
"timeout" (seconds), "seed", "bootargs" (templated) and "input": a list of
{"wait": REGEX, "send": TEXT, "delay": SECONDS, "look": "boot"|"prompt"}
steps typed on the serial port in order ("look": read the harts through
QEMU's monitor once the pattern is seen, for "runs": while the guest boots,
or where it waits for input). Every mistake raises SpecError naming the
file, test and check.

"scenario" (default: the test's own name) is what the machine is told to
run: the grader boots it with bootargs "test=<scenario> ...", and a lab's
harness picks what to do by that word (run_test() in report.h). Two tests
may run the same scenario under different names, for example a hidden test
(grader/hidden.py) that repeats an existing scenario with another -smp, -m,
seed or timeout. The template {test} is the scenario too, since it is what
the harness sees.

A lab may also give "symbols": {"define": [...], "use": [...]}: names its
student files may define or use beyond what grader/symbols.py derives from
the kit (the symbol check of every build).

"host": true makes a test run the lab's host-side unit-test program
(build/<lab>-<variant>/host-test, built by the Makefile from test/host/ and
the lab's pure-C student files) instead of QEMU, as `host-test NONCE SEED`;
its output is scored with the same checks. Machine options do not apply.
"""

import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CONDITION_KEYS = ("fact", "check", "expect", "absent", "grows", "exit", "runs")
EXIT_KINDS = ("clean", "failure")
RUNS_KINDS = ("guest",)


class SpecError(Exception):
    """A lab.json that does not follow the format (a kit bug, not a student's)."""


CHECK_KEYS = {"name", "points", "hint", "fact", "equals", "check", "expect", "absent", "grows",
              "by", "exit", "runs"}
TEST_KEYS = {"name", "description", "scenario", "host", "qemu", "timeout", "seed", "bootargs",
             "input", "checks"}
QEMU_KEYS = {"smp", "mem", "cpu", "icount", "args", "guest", "dtb_cpu"}


def _no_unknown_keys(d, known, where):
    """A misspelled key ("expcet") would silently make a check that cannot
    fail: refuse it."""
    unknown = sorted(set(d) - known)
    if unknown:
        raise SpecError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; "
                        f"known: {', '.join(sorted(known))}")


class Check:
    def __init__(self, d, where):
        _need_dict(d, where)
        _no_unknown_keys(d, CHECK_KEYS, where)
        self.name = _req(d, "name", str, where)
        self.points = _req(d, "points", (int, float), where)
        if isinstance(self.points, bool) or self.points < 0:
            raise SpecError(f"{where}: 'points' must be a number >= 0")
        self.hint = _opt(d, "hint", str, where, "")
        self.fact = _opt(d, "fact", str, where)
        self.equals = _opt(d, "equals", (str, int, float), where)
        self.check = _opt(d, "check", str, where)
        self.expect = _opt(d, "expect", str, where)
        self.absent = _opt(d, "absent", str, where)
        self.grows = _opt(d, "grows", str, where)
        self.by = _opt(d, "by", (str, int, float), where)
        if self.by is not None and self.grows is None:
            raise SpecError(f"{where}: 'by' needs 'grows'")
        self.exit = d.get("exit")
        self.runs = d.get("runs")
        if self.fact is not None and self.equals is None:
            raise SpecError(f"{where}: 'fact' needs 'equals'")
        if self.equals is not None and self.fact is None:
            raise SpecError(f"{where}: 'equals' needs 'fact'")
        if not any(d.get(k) for k in CONDITION_KEYS):
            raise SpecError(f"{where}: a check needs one of {', '.join(CONDITION_KEYS)}")
        if self.exit is not None and self.exit not in EXIT_KINDS:
            raise SpecError(f"{where}: 'exit' must be one of {EXIT_KINDS}")
        if self.runs is not None and self.runs not in RUNS_KINDS:
            raise SpecError(f"{where}: 'runs' must be one of {RUNS_KINDS}")
        for key in ("expect", "absent", "grows"):
            if d.get(key) is not None:
                _need_regex(d[key], f"{where}: bad regex in '{key}'")


class Test:
    def __init__(self, d, lab, where):
        _need_dict(d, where)
        _no_unknown_keys(d, TEST_KEYS, where)
        self.lab = lab
        self.name = _req(d, "name", str, where)
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", self.name):
            raise SpecError(f"{where}: test name {self.name!r} must be [A-Za-z0-9_.-]+")
        where = f"{where} ({self.name})"
        self.description = _opt(d, "description", str, where, "")
        self.scenario = _opt(d, "scenario", str, where, self.name)
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", self.scenario):
            raise SpecError(f"{where}: scenario {self.scenario!r} must be [A-Za-z0-9_.-]+")
        self.scenario_given = d.get("scenario") is not None
        self.hidden = False     # set for instructor-only tests (grader/hidden.py)
        self.host = _opt(d, "host", bool, where, False)
        q = _opt(d, "qemu", dict, where, {})
        _no_unknown_keys(q, QEMU_KEYS, f"{where}: qemu")
        self.smp = _number(q.get("smp", 1), int, f"{where}: qemu 'smp'", minimum=1)
        self.mem = str(q.get("mem", "128M"))
        try:
            parse_mem(self.mem)
        except SpecError as e:
            raise SpecError(f"{where}: qemu 'mem': {e}") from None
        self.cpu = str(q.get("cpu", "rv64"))
        # "dtb_cpu": boot with the device tree QEMU makes for this CPU (same
        # -smp and -m) instead of the machine's own: a tree that describes
        # hardware the machine does not have (lab 1: riscv,isa says h).
        self.dtb_cpu = _opt(q, "dtb_cpu", str, f"{where}: qemu")
        # Single-hart runs are deterministic under icount; multi-hart ones
        # cannot use it on QEMU 7.2 (hart_start stays START_PENDING).
        self.icount = bool(q.get("icount", self.smp == 1))
        self.extra_args = [str(a) for a in _opt(q, "args", list, f"{where}: qemu", [])]
        self.guest = _opt(q, "guest", dict, f"{where}: qemu")
        if self.guest is not None:
            gw = f"{where}: qemu guest"
            _no_unknown_keys(self.guest, {"image", "initrd", "args"}, gw)
            _req(self.guest, "image", str, gw)
            _opt(self.guest, "initrd", str, gw)
            _opt(self.guest, "args", str, gw)
        self.timeout = _number(d.get("timeout", 10), float, f"{where}: 'timeout'", minimum=0.1)
        self.seed = d.get("seed")
        if self.seed is not None:
            self.seed = _number(self.seed, int, f"{where}: 'seed'", minimum=0)
        self.bootargs = str(d.get("bootargs", ""))
        self.input = _opt(d, "input", list, where, [])
        for i, step in enumerate(self.input):
            _check_step(step, f"{where}, input step {i + 1}")
        self.checks = [Check(c, f"{where}, check {i + 1}")
                       for i, c in enumerate(_req(d, "checks", list, where))]
        if not self.checks:
            raise SpecError(f"{where}: no checks")
        looks = {s.get("look") for s in self.input}
        if any(c.runs for c in self.checks) and not (self.guest and set(LOOK_KINDS) <= looks):
            raise SpecError(f"{where}: a 'runs' check needs a qemu 'guest' and input steps "
                            "with \"look\": \"boot\" (while the guest boots) and \"look\": "
                            "\"prompt\" (where it waits)")

    @property
    def points(self):
        return sum(c.points for c in self.checks)


class Lab:
    def __init__(self, path):
        self.dir = os.path.dirname(path)
        self.dirname = os.path.basename(self.dir)
        where = os.path.relpath(path, ROOT)
        if where.startswith(os.pardir):
            where = path
        try:
            with open(path, encoding="utf-8") as f:
                d = json.load(f)
        except (OSError, ValueError) as e:
            raise SpecError(f"{where}: {e}") from None
        _need_dict(d, where)
        self.number = _req(d, "lab", int, where)
        self.name = _req(d, "name", str, where)
        self.title = _opt(d, "title", str, where, self.name)
        self.handout = _opt(d, "handout", str, where, "")
        self.student_files = _req(d, "student_files", list, where)
        if not all(isinstance(f, str) for f in self.student_files):
            raise SpecError(f"{where}: 'student_files' must be a list of file names")
        self.symbols = _symbols(_opt(d, "symbols", dict, where, {}), f"{where}: 'symbols'")
        self.tests = [Test(t, self, f"{where}, test {i + 1}")
                      for i, t in enumerate(_req(d, "tests", list, where))]
        names = [t.name for t in self.tests]
        dups = sorted({n for n in names if names.count(n) > 1})
        if dups:
            raise SpecError(f"{where}: duplicate test names: {', '.join(dups)}")

    @property
    def points(self):
        return sum(t.points for t in self.tests)


def _symbols(d, where):
    """"symbols": {"define": [names], "use": [names]}: what the lab's
    student files may define and use beyond what grader/symbols.py derives."""
    _no_unknown_keys(d, {"define", "use"}, where)
    for key in ("define", "use"):
        names = d.get(key, [])
        if not isinstance(names, list) or not all(
                isinstance(n, str) and re.fullmatch(r"[A-Za-z_.$][A-Za-z0-9_.$]*", n)
                for n in names):
            raise SpecError(f"{where}: '{key}' must be a list of symbol names")
    return {k: list(d.get(k, [])) for k in ("define", "use")}


def _req(d, key, typ, where):
    if key not in d:
        raise SpecError(f"{where}: missing '{key}'")
    if not isinstance(d[key], typ):
        raise SpecError(f"{where}: '{key}' has the wrong type")
    return d[key]


def _opt(d, key, typ, where, default=None):
    """An optional key: absent or null gives default; otherwise it must be typ."""
    if d.get(key) is None:
        return default
    if not isinstance(d[key], typ) or isinstance(d[key], bool) and typ is not bool:
        raise SpecError(f"{where}: '{key}' has the wrong type")
    return d[key]


def _need_dict(d, where):
    if not isinstance(d, dict):
        raise SpecError(f"{where}: expected a JSON object, found {type(d).__name__}")


def _need_regex(pat, what):
    try:
        re.compile(pat)
    except re.error as e:
        raise SpecError(f"{what}: {e}") from None


def _number(value, typ, what, minimum):
    """int("2") and float(10) style conversion with a SpecError instead of a traceback."""
    try:
        if isinstance(value, bool):
            raise ValueError
        n = typ(value)
    except (TypeError, ValueError):
        raise SpecError(f"{what} must be a number, not {value!r}") from None
    if n < minimum:
        raise SpecError(f"{what} must be >= {minimum}, not {value!r}")
    return n


STEP_KEYS = ("wait", "send", "delay", "look")
LOOK_KINDS = ("boot", "prompt")


def _check_step(step, where):
    """An input step: {"wait": REGEX, "send": TEXT, "delay": SECONDS, "look": KIND}."""
    _need_dict(step, where)
    unknown = sorted(set(step) - set(STEP_KEYS))
    if unknown:
        raise SpecError(f"{where}: unknown key(s) {', '.join(unknown)}; use {STEP_KEYS}")
    _opt(step, "wait", str, where)
    _opt(step, "send", str, where)
    _number(step.get("delay", 0), float, f"{where}: 'delay'", minimum=0)
    if step.get("look") is not None and step["look"] not in LOOK_KINDS:
        raise SpecError(f"{where}: 'look' must be one of {LOOK_KINDS}")
    if step.get("wait") is not None:
        _need_regex(step["wait"], f"{where}: bad regex in 'wait'")


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
    """QEMU -m sizes: "128M", "1G", "64MiB", "512" (MiB) -> bytes."""
    m = re.fullmatch(r"(\d+)([KMGT]?)i?B?", str(mem).strip(), re.IGNORECASE)
    if not m:
        raise SpecError(f"bad memory size {mem!r}")
    scale = {"": 1 << 20, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    return int(m.group(1)) * scale[m.group(2).upper()]
