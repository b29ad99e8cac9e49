"""`make test`: the kit proves itself.

For every lab: (a) the solutions score full marks on every test, graded by
a real, timed `python3 -m grader grade --solution` (what `make grade
SOLUTION=1` runs); (b) with solutions for the earlier labs and this lab's
pristine skeleton, every test of this lab scores zero (so every test can
fail); plus (c) the grader's own unit tests, (d) a scripted gdb-multiarch
session against a lab image, (e) each lab's manifest matches the files in
labs/ and solutions/, and (f) the editor: compile_commands.json, clangd and
VS Code's F5 replayed (editor.py). Prints one line per case, then how long
it took against the timed grade of (a), and ends with "N passed, N failed".

(a) runs first and alone, so that its time is a warm grade's; then the unit
tests run in a process of their own (grader/unitrun.py) beside (b), (d) and
(f), both cores busy.

Your files in labs/ are never graded here (grader/pristine.py): the
skeletons of (b), and the lab 1 of (f), are git's HEAD ones when labs/
differs from them. In a student handout (no solutions/), (a) and (b) are
skipped and said so, and gdb runs against the pristine lab-1 image.
"""

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import unittest

from . import grade as grademod
from . import labspec, pristine, report, sandbox
from . import qemu as qemumod

ROOT = labspec.ROOT


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.failures = []

    def case(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            self.failures.append(name)
        mark = report.color("PASS" if ok else "FAIL")
        print(f"  {mark:<4} {name}" + (f"  -- {detail}" if detail and not ok else ""))
        return ok

    def skip(self, name, reason=""):
        """A case that did not run: neither passed nor failed."""
        self.skipped += 1
        print(f"  {report.color('PARTIAL', 'SKIP')} {name}" + (f"  -- {reason}" if reason else ""))


def has_solutions():
    """False in a student handout (make handout), which has no solutions/."""
    return os.path.isdir(os.path.join(ROOT, "solutions"))


def check_manifests(labs, tally, skel_root=ROOT):
    """skel_root: where the pristine skeletons are (pristine.py), whose
    labs/ is checked: a file a student added to labs/ is not the kit's."""
    print("\n[manifests] student files declared = files shipped")
    trees = ("labs", "solutions") if has_solutions() else ("labs",)
    for lab in labs:
        want = sorted(lab.student_files)
        for tree in trees:
            d = os.path.join(skel_root if tree == "labs" else ROOT, tree, lab.dirname)
            have = sorted(f for f in os.listdir(d) if f.endswith((".c", ".S"))) \
                if os.path.isdir(d) else []
            tally.case(f"{tree}/{lab.dirname} has exactly {', '.join(want)}", have == want,
                       f"found {have}")
        handout = os.path.join(ROOT, lab.handout) if lab.handout else ""
        tally.case(f"lab {lab.number} handout {lab.handout or '(none)'} exists",
                   bool(handout) and os.path.isfile(handout))


def timed_solution_grade(args):
    """(a): `python3 -m grader grade --solution` of every lab (what make
    grade SOLUTION=1 runs), as a process of its own, timed: (seconds, its
    JSON results or None, its output)."""
    out = tempfile.NamedTemporaryFile(prefix="rvh-selftest-", suffix=".json", delete=False)
    out.close()
    cmd = [sys.executable, "-m", "grader", "grade", "--solution", "-j", str(args.jobs),
           "--json", out.name]
    if args.lab:
        cmd += ["--lab", args.lab]
    if getattr(args, "extra_tests", None):
        cmd += ["--extra-tests", args.extra_tests]
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, encoding="utf-8", errors="replace")
        took = time.monotonic() - start
        try:
            with open(out.name, encoding="utf-8") as f:
                js = json.load(f)
        except (OSError, ValueError):
            js = None
    finally:
        os.unlink(out.name)
    return took, js, p.stdout


def build_stamps(labs):
    """{image: mtime or None} of the solutions' images and the kernel: the
    same before and after the timed grade when it was a warm one."""
    paths = [os.path.join(ROOT, "build", f"{lab.dirname}-sol", "hyp.elf") for lab in labs]
    if any(grademod._uses_linux(t) for lab in labs for t in lab.tests):
        paths.append(os.path.join(ROOT, "build", "linux", "Image"))
    out = {}
    for p in paths:
        try:
            out[p] = os.stat(p).st_mtime_ns
        except OSError:
            out[p] = None
    return out


def check_solutions(args, tally):
    print("\n[solutions] every test scores full marks "
          "(python3 -m grader grade --solution, timed)")
    took, js, output = timed_solution_grade(args)
    if js is None:
        tally.case("grade --solution writes its results", False, output[-300:])
        print(output[-3000:])
        return took
    for lab in js["labs"]:
        if not lab["build_ok"]:
            tally.case(f"lab {lab['lab']} {lab['name']}: sol image builds", False,
                       "build failed")
            print(lab["build_output"][-1500:])
            continue
        for t in lab["tests"]:
            got = f"{t['score']:g}/{t['max_score']:g} {t['status']}" + \
                (f" ({t['note']})" if t["note"] else "")
            ok = t["score"] == t["max_score"]
            tally.case(f"lab {lab['lab']} {lab['name']}/{t['name']}: full marks", ok, got)
            if not ok or args.verbose:
                for c in t["checks"]:
                    if not c["ok"]:
                        print(f"      check {c['name']}: expected {c['expected']}, "
                              f"saw {c['saw']}")
                if t["log"]:
                    print(f"      log: {t['log']}")
    return took


def prebuild(root, labs, variant):
    """Build the images of labs (two at a time, as grade.grade does)."""
    import concurrent.futures
    from . import build as buildmod
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda lab: buildmod.build(root, lab, variant), labs))


def check_skeletons(labs, skel, jobs, tally, verbose):
    """(b) in skel.root: the kit itself, or its pristine copy (pristine.py)."""
    print("\n[skeletons] every test scores zero")
    print(f"  skeletons: {skel.why}")
    outcomes = grademod.grade(skel.root, labs, "skel", jobs, tag="-selftest")
    for o in outcomes:
        if not o.build.ok:
            tally.case(f"lab {o.lab.number} {o.lab.name}: skel image builds", False,
                       "build failed")
            report.print_lab_header(o)
            continue
        for t in o.tests:
            ok = t.score == 0 and t.status != "ERROR"
            got = f"{t.score:g}/{t.max:g} {t.status}" + (f" ({t.note})" if t.note else "")
            tally.case(f"lab {o.lab.number} {o.lab.name}/{t.test.name}: zero", ok, got)
            if not ok or verbose:
                report.print_test(t, skel.root, verbose)
    scored = sorted({o.lab.number for o in outcomes for t in o.tests if t.score > 0})
    if scored and skel.from_git:
        # HEAD is the student's once they commit their work: then these are
        # their points, not a kit's test that cannot fail.
        print(f"  NOTE: skeletons of lab(s) {', '.join(map(str, scored))} scored points. If "
              "your own work is committed in labs/, git's HEAD is not the kit's skeletons: "
              "name the kit's commit you started from, make test "
              "GRADEFLAGS='--skeletons-from REV' (git log --oneline -- labs/ lists them)")


class _PerTestResult(unittest.TextTestResult):
    """Remembers one outcome per test case, in the order they ran."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.outcomes = {}      # test id -> ("pass" | "fail" | "skip", detail)

    def _set(self, test, kind, detail=""):
        old = self.outcomes.get(test.id())
        if old is None or old[0] == "pass" or kind == "fail":
            self.outcomes[test.id()] = (kind, detail)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._set(test, "pass")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._set(test, "fail", self._first_line(err))

    def addError(self, test, err):
        super().addError(test, err)
        # Errors in setUpClass/setUpModule come with a placeholder "test".
        self._set(test, "fail", self._first_line(err))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._set(test, "skip", reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._set(test, "pass")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._set(test, "fail", "unexpected success")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._set(test, "fail", f"{subtest._subDescription()}: {self._first_line(err)}")

    @staticmethod
    def _first_line(err):
        text = "".join(traceback.format_exception_only(err[0], err[1]))
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        return lines[0][:200] if lines else ""


GRADES_BUDGET = 4   # make test costs at most this many warm grades (issue 15); said, not failed
UNIT_SHARDS = 3     # unit-test processes side by side (unitrun.py: mostly waiting)


def start_unit_tests(skel_root, count=UNIT_SHARDS):
    """(c) grader/tests, started in `count` processes of their own
    (unitrun.py) to run beside the lab grades: [(process, results, log)]."""
    from . import unitrun
    env = dict(os.environ, RVH_SKELETONS=skel_root)
    scratch = unitrun.scratch_tmp()
    if scratch and "TMPDIR" not in env:
        env["TMPDIR"] = scratch                     # their kit copies: in memory
    units = []
    for shard in range(count):
        fd, path = tempfile.mkstemp(prefix="rvh-unit-", suffix=".json")
        os.close(fd)
        log = tempfile.TemporaryFile()
        proc = subprocess.Popen([sys.executable, "-m", "grader.unitrun", path, str(shard),
                                 str(count)], cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True, env=env)
        units.append((proc, path, log))
    return units


def stop_unit_tests(units):
    for proc, path, log in units:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, 9)
            except OSError:
                pass
            proc.wait()
        log.close()
        if os.path.exists(path):
            os.unlink(path)


def finish_unit_tests(units, tally):
    """Wait for the unit tests, then one line per test case (in the order of
    their modules); a skipped test is shown as SKIP and counted as neither
    passed nor failed. Returns the seconds of the longest shard."""
    print("\n[grader unit tests] (they ran beside the phases above, "
          f"in {len(units)} processes)")
    outcomes, tails, longest, modules = [], [], 0.0, {}
    for i, (proc, path, log) in enumerate(units):
        proc.wait()
        try:
            with open(path, encoding="utf-8") as f:
                res = json.load(f)
        except (OSError, ValueError):
            log.seek(0)
            tally.case(f"unit: grader/tests shard {i} ran", False, f"exit {proc.returncode}")
            print(log.read().decode("utf-8", "replace")[-4000:])
            continue
        outcomes += res["outcomes"]
        longest = max(longest, res["seconds"])
        modules.update(res["modules"])
        if res["tail"]:
            tails.append(res["tail"])
    stop_unit_tests(units)
    outcomes.sort(key=lambda o: o[0].split(".")[2])     # grader.tests.MODULE..., stable
    for tid, kind, detail in outcomes:
        name = f"unit: {tid.replace('grader.tests.', '')}"
        if kind == "skip":
            tally.skip(name, detail)
        else:
            tally.case(name, kind == "pass", detail)
    if not outcomes:
        tally.case("unit: grader/tests has test cases", False, "none found")
    print(f"  ({len(outcomes)} unit test(s); the longest process took {longest:.1f} s)")
    for tail in tails:
        print(tail)
    _save_unit_times(modules)
    return longest


def _save_unit_times(modules):
    """Each module's time, for the next run's shards (unitrun.TIMES)."""
    from . import unitrun
    try:
        os.makedirs(os.path.join(ROOT, "build"), exist_ok=True)
        with open(os.path.join(ROOT, unitrun.TIMES), "w", encoding="utf-8") as f:
            json.dump(modules, f, indent=1, sort_keys=True)
    except OSError:
        pass


def check_gdb(labs, tally, skel=None):
    """Boot lab 1's reference image halted, attach gdb-multiarch in batch
    mode, stop at lab_main (common code calls it), and read registers; gdb
    and QEMU in the sandbox like every other run."""
    print("\n[gdb] scripted gdb-multiarch session")
    gdb = os.environ.get("GDB", "gdb-multiarch")
    if not shutil.which(gdb):
        tally.case("gdb-multiarch is installed", False, "run make setup")
        return
    lab = labs[0]
    from . import build as buildmod
    # lab_main is the harness's, so the skeleton's image serves in a handout.
    # In a handout: the skeleton as git's HEAD has it (pristine.py).
    root = skel.root if skel else ROOT
    variant = "sol" if has_solutions() else "student"
    b = buildmod.build(root, lab, variant)
    what = "reference" if variant == "sol" else \
        "HEAD's skeleton" if skel and skel.from_git else "labs/ (as it is)"
    if not tally.case(f"lab 1 {what} image builds for gdb", b.ok, b.output[-300:]):
        return
    # QEMU speaks gdb's protocol on its stdin/stdout, started by gdb itself
    # (target remote | ...): both run in one sandbox, which has no network.
    qemu = " ".join([grademod.QEMU, "-machine", "virt", "-bios", "default", "-no-reboot",
                     "-display", "none", "-monitor", "none", "-serial", "null", "-nic", "none",
                     "-kernel", b.kernel, "-S", "-gdb", "stdio"])
    cmd = [gdb, "-q", "-batch", "-nx", "-x", os.path.join(ROOT, "common/tools/gdbinit"),
           "-ex", f"target remote | exec {qemu}", "-ex", "break lab_main",
           "-ex", "continue", "-ex", "printf \"HARTID=%lu\\n\", $a0",
           "-ex", "printf \"STVEC=%#lx\\n\", $stvec",
           "-ex", "printf \"TRAPVEC=%#lx\\n\", &hyp_trapvec",
           "-ex", "kill", b.kernel]
    try:
        with sandbox.detect().jail(root, limits=sandbox.run_limits(60, 128 << 20)) as j:
            run = qemumod.run(j.wrap(cmd), 60, env=j.env, cwd=j.cwd)
        out = run.text if not run.timed_out else "gdb did not finish in 60 s"
    except (sandbox.SandboxError, OSError) as e:
        out = f"cannot sandbox gdb: {e}"
    vals = dict(ln.split("=", 1) for ln in out.splitlines()
                if ln.startswith(("HARTID=", "STVEC=", "TRAPVEC=")))
    tally.case("gdb stops at breakpoint lab_main", "Breakpoint 1, lab_main" in out,
               out.strip().splitlines()[-3:] if out.strip() else "no output")
    tally.case("gdb reads a0 (the boot hart id, 0)", vals.get("HARTID") == "0",
               f"got {vals.get('HARTID')}")
    tally.case("gdb reads CSR stvec = hyp_trapvec", bool(vals.get("STVEC")) and
               vals.get("STVEC") == vals.get("TRAPVEC"),
               f"stvec {vals.get('STVEC')}, hyp_trapvec {vals.get('TRAPVEC')}")


PURPOSE = ("make test proves the kit, never your work: {what}. "
           "Your files in labs/ are not graded here (make grade LAB=n grades them).")
FULL = ("the solutions score full marks, the pristine skeletons zero, the grader's unit "
        "tests pass, gdb and the editor setup work")
HANDOUT = ("this is the student handout (no solutions/): it checks the grader's unit tests, "
           "gdb and the editor setup; left out, because they need the solutions: solutions "
           "full marks, skeletons zero and the instructors' unit tests (shown as SKIP)")


def main(args):
    start = time.monotonic()
    missing = [t for t in (grademod.QEMU, "make") if not shutil.which(t)]
    if missing:
        print(f"selftest: not found: {', '.join(missing)}; run 'make setup'", file=sys.stderr)
        return 2
    labs = labspec.load_labs(ROOT)
    if getattr(args, "extra_tests", None):
        from . import hidden
        print(f"with {hidden.add_hidden_tests(labs, args.extra_tests)} hidden test(s) "
              f"from {args.extra_tests}")
    if args.lab:
        lab = labspec.find_lab(labs, args.lab)
        if not lab:
            print(f"selftest: no lab {args.lab!r}", file=sys.stderr)
            return 2
        labs = [lab]
    tally = Tally()
    full = has_solutions()
    print(f"Self-test of the kit: {len(labs)} lab(s), {args.jobs} parallel QEMU instance(s)")
    print(PURPOSE.format(what=FULL if full else HANDOUT))
    skel = pristine.skeletons(ROOT, labspec.load_labs(ROOT),
                              getattr(args, "skeletons_from", None) or "HEAD")
    print(f"skeletons: {skel.why}")
    check_manifests(labs, tally, skel.root)
    grade_took, grade_cold = None, False
    if full:
        before = build_stamps(labs)
        grade_took = check_solutions(args, tally)
        grade_cold = build_stamps(labs) != before or None in before.values()
    if full:
        # The skeleton images first (none to make when warm): the unit tests
        # start their kit copies from them (kit.py), never from a half-made one.
        prebuild(skel.root, labs, "skel")
    units = start_unit_tests(skel.root)
    try:
        if full:
            check_skeletons(labs, skel, args.jobs, tally, args.verbose)
        else:
            print("\n[solutions, skeletons]")
            tally.skip("solutions full marks, skeletons zero",
                       "no solutions/ in this copy (a student handout): use make grade")
        if not args.skip_gdb and labs:
            check_gdb(labspec.load_labs(ROOT), tally, skel)
        if not getattr(args, "skip_editor", False) and labs:
            from . import editor
            editor.check(tally, skel.root)     # on the pristine lab 1 (pristine.py)
        finish_unit_tests(units, tally)
    finally:
        stop_unit_tests(units)
    took = time.monotonic() - start
    print(f"\nself-test took {took:.1f} s")
    if grade_took and grade_cold:
        # Issue 15's budget is about warm builds: a cold grade (images or
        # the kernel built inside it) makes any ratio look good.
        print(f"one grade of the solutions (python3 -m grader grade --solution, timed alone "
              f"in [solutions]) took {grade_took:.1f} s, but it built images or the kernel "
              f"(a cold run): no ratio; run make test again for it "
              f"(the budget is {GRADES_BUDGET} warm grades)")
    elif grade_took:
        ratio = took / grade_took
        print(f"one warm grade of the solutions (python3 -m grader grade --solution, "
              f"timed alone in [solutions]) took {grade_took:.1f} s: make test = "
              f"{ratio:.2f} grades (the budget is {GRADES_BUDGET}"
              f"{'' if ratio <= GRADES_BUDGET else ': over it'})")
    else:
        print("no grade of the solutions to compare with (a student handout)")
    if tally.failures:
        print("failed: " + "; ".join(tally.failures[:10]) +
              (" ..." if len(tally.failures) > 10 else ""))
    if tally.skipped:
        print(f"{tally.skipped} skipped (not counted as passed)")
    print(f"{tally.passed} passed, {tally.failed} failed")
    return 0 if tally.failed == 0 else 1
