"""`make test`: the kit proves itself.

For every lab: (a) the solutions score full marks on every test; (b) with
solutions for the earlier labs and this lab's untouched skeleton, every test
of this lab scores zero (so every test can fail); plus (c) the grader's own
unit tests, (d) a scripted gdb-multiarch session against a lab image,
(e) each lab's manifest matches the files in labs/ and solutions/, and (f) the
editor: compile_commands.json, clangd and VS Code's F5 replayed (editor.py).
Prints one line per case and ends with "N passed, N failed".

In a student handout (no solutions/), (a) and (b) are skipped and shown
as SKIP, and gdb runs against the image of the lab-1 files in labs/.
"""

import io
import os
import shutil
import sys
import time
import traceback
import unittest

from . import grade as grademod
from . import labspec, report, sandbox
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


def check_manifests(labs, tally):
    print("\n[manifests] student files declared = files shipped")
    trees = ("labs", "solutions") if has_solutions() else ("labs",)
    for lab in labs:
        want = sorted(lab.student_files)
        for tree in trees:
            d = os.path.join(ROOT, tree, lab.dirname)
            have = sorted(f for f in os.listdir(d) if f.endswith((".c", ".S"))) \
                if os.path.isdir(d) else []
            tally.case(f"{tree}/{lab.dirname} has exactly {', '.join(want)}", have == want,
                       f"found {have}")
        handout = os.path.join(ROOT, lab.handout) if lab.handout else ""
        tally.case(f"lab {lab.number} handout {lab.handout or '(none)'} exists",
                   bool(handout) and os.path.isfile(handout))


def check_variant(labs, variant, jobs, tally, verbose):
    want = "full marks" if variant == "sol" else "zero"
    print(f"\n[{'solutions' if variant == 'sol' else 'skeletons'}] every test scores {want}")
    outcomes = grademod.grade(ROOT, labs, variant, jobs, tag="-selftest")
    for o in outcomes:
        if not o.build.ok:
            tally.case(f"lab {o.lab.number} {o.lab.name}: {variant} image builds", False,
                       "build failed")
            report.print_lab_header(o)
            continue
        for t in o.tests:
            ok = t.passed if variant == "sol" else (t.score == 0 and t.status != "ERROR")
            got = f"{t.score:g}/{t.max:g} {t.status}" + (f" ({t.note})" if t.note else "")
            tally.case(f"lab {o.lab.number} {o.lab.name}/{t.test.name}: {want}", ok, got)
            if not ok or verbose:
                report.print_test(t, ROOT, verbose)


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


def run_unit_tests(tally):
    """grader/tests with unittest: one line per test case; a skipped test
    is shown as SKIP and counted as neither passed nor failed."""
    print("\n[grader unit tests]")
    suite = unittest.TestLoader().discover(os.path.join(ROOT, "grader", "tests"),
                                           top_level_dir=ROOT)
    stream = io.StringIO()
    runner = unittest.TextTestRunner(stream=stream, verbosity=2, resultclass=_PerTestResult)
    start = time.monotonic()
    result = runner.run(suite)
    # The suite drops its tests as they finish: report from the result.
    for tid, (kind, detail) in result.outcomes.items():
        name = f"unit: {tid.replace('grader.tests.', '')}"
        if kind == "skip":
            tally.skip(name, detail)
        else:
            tally.case(name, kind == "pass", detail)
    if not result.outcomes:
        tally.case("unit: grader/tests has test cases", False, "none found")
    print(f"  ({len(result.outcomes)} unit test(s) in {time.monotonic() - start:.1f} s)")
    if result.failures or result.errors:
        print(stream.getvalue()[-4000:])


def check_gdb(labs, tally):
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
    variant = "sol" if has_solutions() else "student"
    b = buildmod.build(ROOT, lab, variant)
    what = "reference" if variant == "sol" else "labs/ (your files)"
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
        with sandbox.detect().jail(ROOT, limits=sandbox.run_limits(60, 128 << 20)) as j:
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
    print(f"Self-test of the kit: {len(labs)} lab(s), {args.jobs} parallel QEMU instance(s)")
    check_manifests(labs, tally)
    if has_solutions():
        check_variant(labs, "sol", args.jobs, tally, args.verbose)
        check_variant(labs, "skel", args.jobs, tally, args.verbose)
    else:
        print("\n[solutions, skeletons]")
        tally.skip("solutions full marks, skeletons zero",
                   "no solutions/ in this copy (a student handout): use make grade")
    run_unit_tests(tally)
    if not args.skip_gdb and labs:
        check_gdb(labspec.load_labs(ROOT), tally)
    if not getattr(args, "skip_editor", False) and labs:
        from . import editor
        editor.check(tally)
    print(f"\nself-test took {time.monotonic() - start:.1f} s")
    if tally.failures:
        print("failed: " + "; ".join(tally.failures[:10]) +
              (" ..." if len(tally.failures) > 10 else ""))
    if tally.skipped:
        print(f"{tally.skipped} skipped (not counted as passed)")
    print(f"{tally.passed} passed, {tally.failed} failed")
    return 0 if tally.failed == 0 else 1
