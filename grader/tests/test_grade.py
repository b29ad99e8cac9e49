"""End to end through grade.run_test and the command line, with a fake
qemu-system-riscv64 that reads the real command line the grader builds."""

import ast
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import unittest
from unittest import mock

from grader import grade, labspec, report
from grader.tests import fakes, kit

CHECKS = [
    {"name": "harts", "points": 2, "fact": "harts", "equals": "{smp}"},
    {"name": "memory", "points": 3, "fact": "mem", "equals": "base=0x80000000 size={mem_bytes:#x}"},
    {"name": "works", "points": 1, "check": "works", "exit": "clean"},
]


def make_test(name, checks=CHECKS, timeout=5, **extra):
    d = {"name": name, "qemu": {"smp": 2, "mem": "256M"}, "timeout": timeout,
         "checks": checks}
    d.update(extra)
    return labspec.Test(d, None, f"fake test {name}")


class RunTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = fakes.TempDir()
        self.addCleanup(self.tmp.cleanup)
        self.addCleanup(fakes.kill_mentioning, self.tmp.path)
        fake = fakes.write_script(self.tmp.path, "qemu-system-riscv64", fakes.FAKE_QEMU)
        patcher = mock.patch.object(grade, "QEMU", fake)
        patcher.start()
        self.addCleanup(patcher.stop)

    def run_test(self, test):
        t0 = time.monotonic()
        out = grade.run_test(test, "/fake/hyp.elf", "student", os.path.join(self.tmp.path, "log"))
        self.argvs = getattr(self, "argvs", []) + fakes.argv_of(out.run.text)
        return out, time.monotonic() - t0

    def argv(self):
        return self.argvs

    def test_pass(self):
        out, _ = self.run_test(make_test("allpass"))
        self.assertEqual((out.status, out.score, out.max), ("PASS", 6, 6), out.note)
        self.assertTrue(out.passed)
        self.assertEqual(out.note, "")
        self.assertTrue(os.path.isfile(out.log))
        with open(out.log) as f:
            log = f.read()
        self.assertIn("-append", log.splitlines()[0])
        self.assertIn("status PASS, score 6/6", log)

    def test_command_line(self):
        out, _ = self.run_test(make_test("allpass"))
        with open(out.log) as f:
            by_hand = f.readline()
        self.run_test(make_test("allpass", qemu={"smp": 1, "mem": "64M", "cpu": "rv64,h=false",
                                                 "args": ["-d", "guest_errors"]},
                                bootargs="extra={smp}"))
        multi, single = self.argv()
        self.assertEqual(multi[multi.index("-smp") + 1], "2")
        self.assertNotIn("-icount", multi)          # multi-hart: no icount (QEMU 7.2)
        self.assertEqual(multi[multi.index("-kernel") + 1], "/fake/hyp.elf")
        append = multi[multi.index("-append") + 1]
        # snap=1: several harts, so the kit waits for the grader's look at
        # them on a failure (grader/monitor.py), through the run's QMP socket.
        self.assertRegex(append, r"^test=allpass nonce=[0-9a-f]{16} seed=0x[0-9a-f]+ snap=1$")
        qmp = multi[multi.index("-qmp") + 1]
        self.assertRegex(qmp, r"^unix:/\S+/qmp\.sock,server=on,wait=off$")
        self.assertNotIn("snap=1", single[single.index("-append") + 1])
        # The log's command is the run as one types it: without the grader's
        # monitor socket (its folder is gone) and the wait for it.
        self.assertRegex(by_hand, r"^# \S+qemu-system-riscv64 -machine virt .* -smp 2 .*"
                                  r"-append 'test=allpass nonce=[0-9a-f]{16} seed=0x[0-9a-f]+'$")
        self.assertNotIn("-qmp", by_hand)
        self.assertIn("-icount", single)
        self.assertEqual(single[single.index("-cpu") + 1], "rv64,h=false")
        self.assertEqual(single[-2:], ["-d", "guest_errors"])
        self.assertTrue(single[single.index("-append") + 1].endswith(" extra=1"))
        # Every run gets a fresh nonce.
        nonces = {re.search(r"nonce=(\S+)", a[a.index("-append") + 1]).group(1)
                  for a in (multi, single)}
        self.assertEqual(len(nonces), 2)

    def test_templates_follow_the_machine(self):
        # The fake reports what -smp/-m say: the same checks pass on another machine.
        t = make_test("allpass", qemu={"smp": 4, "mem": "1G"})
        out, _ = self.run_test(t)
        self.assertEqual((out.status, out.score), ("PASS", 6))

    def test_partial(self):
        out, _ = self.run_test(make_test("partial"))
        self.assertEqual((out.status, out.score), ("PARTIAL", 2))
        self.assertEqual([r.ok for r in out.results], [True, False, False])
        self.assertIn("FAIL second try", out.results[2].saw[0])

    def test_forged_lines_do_not_score(self):
        out, _ = self.run_test(make_test("forged"))
        self.assertEqual((out.status, out.score), ("FAIL", 0))
        # "CHECK works PASS" has no nonce field at all: not even result-shaped.
        # "FACT harts 2" reads as nonce "harts": suspicious like the other two.
        self.assertEqual(len(out.parsed.suspicious), 3)
        self.assertIn("3 result line(s) without this run's nonce ignored", out.note)

    def test_seed(self):
        out, _ = self.run_test(make_test("seedecho", seed=0xBEEF, checks=[
            {"name": "seed", "points": 1, "fact": "seed", "equals": "{seed:#x}"}]))
        self.assertEqual((out.status, out.score), ("PASS", 1))
        out, _ = self.run_test(make_test("seedecho", seed=0xBEEF, checks=[
            {"name": "seed", "points": 1, "fact": "seed", "equals": "0xbeee"}]))
        self.assertEqual(out.status, "FAIL")

    def test_timeout(self):
        out, took = self.run_test(make_test("hang", timeout=0.7))
        self.assertEqual(out.status, "TIMEOUT")
        self.assertEqual(out.score, 2)          # the FACT before the hang still counts
        self.assertFalse(out.passed)
        self.assertIn("still running after 0.7 s", out.note)
        self.assertLess(took, 0.7 + 2.5)
        self.assertEqual(fakes.wait_gone([out.run.pid]), [])

    def test_flood(self):
        out, took = self.run_test(make_test("flood", timeout=20))
        self.assertEqual(out.status, "FLOOD")
        self.assertEqual(out.score, 2)
        self.assertLess(took, 6)
        self.assertIn("KiB of output", out.note)

    def test_crash(self):
        out, _ = self.run_test(make_test("crash"))
        self.assertEqual((out.status, out.score), ("PARTIAL", 2))
        self.assertIn("status 3 without a shutdown line", " ".join(out.results[2].saw))
        self.assertEqual(out.parsed.dump_excerpt()[0], "panic: something broke")

    def test_machine_never_started(self):
        # QEMU refused its command line (a guest file it cannot load): the
        # student's code never ran, and the report says so instead of the
        # checks' hints about it.
        out, _ = self.run_test(make_test("refused"))
        self.assertEqual((out.status, out.score), ("ERROR", 0))
        self.assertEqual(out.note, "QEMU did not start the machine: -device loader,file=/nope: "
                                   "Cannot load specified image /nope")
        text = io.StringIO()
        with mock.patch.object(sys, "stdout", text):
            report.print_test(out, self.tmp.path)
        self.assertIn("! QEMU did not start the machine", text.getvalue())
        self.assertIn("(3 check(s) not judged: the test did not run)", text.getvalue())
        self.assertNotIn("hint:", text.getvalue())

    def test_failure_exit(self):
        checks = [{"name": "stops", "points": 2, "exit": "failure"}]
        self.assertEqual(self.run_test(make_test("failure", checks=checks))[0].status, "PASS")
        self.assertEqual(self.run_test(make_test("allpass", checks=checks))[0].status, "FAIL")

    def test_garbage_output(self):
        out, _ = self.run_test(make_test("garbage"))
        # Odd spacing does not match; a NUL inside a name or after a value becomes
        # U+FFFD and so no longer equals what the check wants: nothing scores.
        self.assertEqual(out.status, "FAIL")
        self.assertEqual(out.score, 0)
        # The report prints it without raising, even on an ASCII-only stream.
        self.print_report(out)

    def test_input_steps_are_templated(self):
        t = make_test("login", input=[{"wait": "login: ", "send": "u{smp}\n"}], checks=[
            {"name": "typed", "points": 1, "fact": "user", "equals": "u{smp}"}])
        out, _ = self.run_test(t)
        self.assertEqual((out.status, out.score), ("PASS", 1), out.note)

    def test_input_stall_is_noted(self):
        t = make_test("allpass", timeout=1, input=[{"wait": "never", "send": "x"}])
        out, _ = self.run_test(t)
        self.assertIn("input step never saw /never/", out.note)

    def test_missing_qemu_is_an_error(self):
        with mock.patch.object(grade, "QEMU", os.path.join(self.tmp.path, "nope")):
            out, _ = self.run_test(make_test("allpass"))
        self.assertEqual((out.status, out.score), ("ERROR", 0))
        self.assertIn("cannot start", out.note)
        self.assertIn("QEMU did not start", " ".join(out.results[2].saw))

    def test_unwritable_log_dir(self):
        blocker = os.path.join(self.tmp.path, "file")
        open(blocker, "w").close()
        out = grade.run_test(make_test("allpass"), "/k", "student", os.path.join(blocker, "x"))
        self.assertEqual(out.status, "PASS")
        self.assertIsNone(out.log)
        self.assertIn("log not written", out.note)

    def print_report(self, out):
        import io
        raw = io.BytesIO()
        stream = io.TextIOWrapper(raw, encoding="ascii", errors="backslashreplace")
        with mock.patch.object(sys, "stdout", stream):
            report.print_test(out, self.tmp.path, verbose=True)
            report.print_test(out, self.tmp.path, verbose=False)
        stream.flush()
        self.assertIn(b"garbage", raw.getvalue())


class GradeFunctionTest(unittest.TestCase):
    """grade.grade keeps going when one test's scoring blows up."""

    def test_grader_error_becomes_error_status(self):
        tmp = fakes.TempDir()
        self.addCleanup(tmp.cleanup)
        lab = labspec.Lab.__new__(labspec.Lab)
        lab.number, lab.name, lab.dirname, lab.title = 9, "x", "09-x", "x"
        lab.tests = [make_test("a"), make_test("b")]
        for t in lab.tests:
            t.lab = lab

        class Built:
            ok, kernel, output = True, "/k", ""

        def fake_run_test(test, kernel, variant, logdir, root=None):
            if test.name == "a":
                raise RuntimeError("boom")
            out = grade.TestOutcome(test, variant)
            out.status, out.score = "PASS", test.points
            return out

        with mock.patch.object(grade.buildmod, "build", lambda *a: Built()), \
                mock.patch.object(grade, "run_test", fake_run_test):
            (o,) = grade.grade(tmp.path, [lab], "student", 2)
        self.assertEqual([t.status for t in o.tests], ["ERROR", "PASS"])
        self.assertIn("boom", o.tests[0].note)


def run_cli(args, cwd, env_extra=None, timeout=60):
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, env=env,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout, start_new_session=True)


class CommandLineTest(unittest.TestCase):
    def test_missing_qemu(self):
        for args in (["grade"], ["grade", "--lab", "1"], ["selftest", "--skip-gdb"]):
            p = run_cli(args, labspec.ROOT, {"QEMU": "/nonexistent/qemu-system-riscv64"})
            err = p.stderr.decode()
            self.assertNotEqual(p.returncode, 0, args)
            self.assertNotIn("Traceback", err + p.stdout.decode())
            self.assertEqual(len(err.strip().splitlines()), 1, err)
            self.assertIn("/nonexistent/qemu-system-riscv64", err)

    @unittest.skipUnless(shutil.which("make"), "make is not installed")
    def test_unknown_lab(self):
        p = run_cli(["grade", "--lab", "99"], labspec.ROOT, {"QEMU": sys.executable})
        self.assertEqual(p.returncode, 2)
        self.assertIn("no lab '99'", p.stderr.decode())
        self.assertNotIn("Traceback", p.stderr.decode())

    def test_solution_and_skeleton_refused(self):
        p = run_cli(["grade", "--lab", "1", "--solution", "--skeleton"], labspec.ROOT,
                    {"QEMU": sys.executable})
        self.assertEqual(p.returncode, 2)
        self.assertIn("do not go together", p.stderr.decode())


@unittest.skipUnless(shutil.which("make") and shutil.which("qemu-system-riscv64")
                     and os.path.isdir(os.path.join(labspec.ROOT, "solutions")),
                     "instructors' test: needs solutions/, make and QEMU")
class MakeGradeVariantTest(unittest.TestCase):
    """make grade SKELETON=1 grades the skeleton variant: the grader's own
    make must not inherit SKELETON=1 (or SOLUTION=1) through MAKEFLAGS and
    build one variant while it runs another."""

    def grade_json(self, *make_vars):
        # In the kit whose labs/ has the pristine skeletons (kit.SKELETONS).
        out = os.path.join(kit.SKELETONS, "build", "grade", "variant-test.json")
        p = subprocess.run(["make", "-s", "grade", "LAB=1", *make_vars,
                            f"GRADEFLAGS=--json {out}"], cwd=kit.SKELETONS,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
        with open(out, encoding="utf-8") as f:
            lab = json.load(f)["labs"][0]
        os.remove(out)
        return p, lab

    def test_skeleton_and_solution(self):
        p, lab = self.grade_json("SKELETON=1")
        self.assertEqual((lab["variant"], lab["score"]), ("skel", 0), p.stdout.decode())
        p, lab = self.grade_json("SOLUTION=1")
        self.assertEqual((lab["variant"], lab["score"]), ("sol", lab["max_score"]),
                         p.stdout.decode())


FAKE_MAKEFILE = """\
# Stands in for the kit's Makefile: "builds" an empty kernel image.
.PHONY: build
build:
\t@mkdir -p build/$(shell ls labs)-student && touch build/$(shell ls labs)-student/hyp.elf
"""


class FakeKitTest(unittest.TestCase):
    """`python3 -m grader grade` in a throw-away kit: fake Makefile, fake QEMU."""

    def setUp(self):
        if not shutil.which("make"):
            self.skipTest("make is not installed")
        self.tmp = fakes.TempDir()
        self.addCleanup(self.tmp.cleanup)
        root = self.root = self.tmp.path
        self.addCleanup(fakes.kill_mentioning, root)    # runs before the rmtree
        shutil.copytree(os.path.join(labspec.ROOT, "grader"), os.path.join(root, "grader"),
                        ignore=shutil.ignore_patterns("__pycache__", "tests"))
        with open(os.path.join(root, "Makefile"), "w") as f:
            f.write(FAKE_MAKEFILE)
        self.qemu = fakes.write_script(root, "qemu-system-riscv64", fakes.FAKE_QEMU)
        os.makedirs(os.path.join(root, "labs", "01-fake"))

    def write_lab(self, tests):
        spec = {"lab": 1, "name": "fake", "student_files": [], "tests": tests}
        with open(os.path.join(self.root, "labs", "01-fake", "lab.json"), "w") as f:
            json.dump(spec, f)

    def test_grade_prints_summary(self):
        self.write_lab([
            {"name": "allpass", "qemu": {"smp": 2}, "checks": CHECKS},
            {"name": "partial", "qemu": {"smp": 2}, "checks": CHECKS},
            {"name": "hang", "timeout": 1, "checks": CHECKS},
            {"name": "forged", "checks": CHECKS},
            {"name": "garbage", "checks": CHECKS},
        ])
        t0 = time.monotonic()
        p = run_cli(["grade", "--lab", "1", "-j", "5", "--json", "out.json"], self.root,
                    {"QEMU": self.qemu})
        out = p.stdout.decode()
        self.assertLess(time.monotonic() - t0, 20)
        self.assertNotIn("Traceback", out + p.stderr.decode())
        self.assertEqual(p.returncode, 1, out + p.stderr.decode())
        self.assertEqual(out.strip().splitlines()[-1], "1 passed, 4 failed")
        self.assertRegex(out, r"allpass +6/6 +PASS")
        self.assertRegex(out, r"partial +2/6 +PARTIAL")
        self.assertRegex(out, r"hang +2/6 +TIMEOUT")
        self.assertRegex(out, r"forged +0/6 +FAIL")
        self.assertIn("Score: 10/30", out)
        with open(os.path.join(self.root, "out.json")) as f:
            js = json.load(f)
        self.assertEqual(js["score"], 10)
        self.assertEqual([t["status"] for t in js["labs"][0]["tests"]],
                         ["PASS", "PARTIAL", "TIMEOUT", "FAIL", "FAIL"])

    def test_broken_lab_json_is_one_clear_line(self):
        self.write_lab([{"name": "a", "checks": [{"name": "x", "points": 1,
                                                  "expect": "(oops"}]}])
        p = run_cli(["grade"], self.root, {"QEMU": self.qemu})
        err = p.stderr.decode()
        self.assertEqual(p.returncode, 2)
        self.assertNotIn("Traceback", err)
        self.assertIn("broken lab description", err)
        self.assertIn("bad regex in 'expect'", err)

    def test_json_into_missing_directory(self):
        self.write_lab([{"name": "allpass", "qemu": {"smp": 2}, "checks": CHECKS}])
        p = run_cli(["grade", "--json", "no/such/dir/out.json"], self.root, {"QEMU": self.qemu})
        self.assertEqual(p.returncode, 2)
        self.assertNotIn("Traceback", p.stderr.decode())
        self.assertIn("no/such/dir/out.json", p.stderr.decode())

    def test_ctrl_c_stops_every_qemu(self):
        self.write_lab([{"name": f"hang{i}", "timeout": 60, "checks": CHECKS} for i in range(4)])
        env = dict(os.environ, QEMU=self.qemu)
        # SIGINT as a terminal gives it: a shell without job control starts
        # background commands (make test &) with SIGINT ignored, and the
        # grader, like every program, keeps that.
        p = subprocess.Popen([sys.executable, "-m", "grader", "grade", "-j", "2"], cwd=self.root,
                             env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        try:
            fakes.wait_for_process(self.qemu)
            time.sleep(0.3)
            t0 = time.monotonic()
            os.kill(p.pid, signal.SIGINT)
            out, err = p.communicate(timeout=15)
            self.assertLess(time.monotonic() - t0, 5, "Ctrl-C must not wait for the timeouts")
        finally:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        self.assertEqual(p.returncode, 130, err.decode())
        self.assertIn("interrupted", err.decode())
        self.assertEqual(fakes.wait_gone([pid for pid, _ in
                                          fakes.processes_mentioning(self.root)]), [])

    def test_ascii_terminal(self):
        # Student bytes that become U+FFFD must not crash a report printed on
        # an ASCII-only stdout.
        self.write_lab([{"name": "garbage", "checks": CHECKS}])
        p = run_cli(["grade", "-v"], self.root, {"QEMU": self.qemu, "PYTHONIOENCODING": "ascii"})
        self.assertNotIn("Traceback", p.stderr.decode())
        self.assertTrue(p.stdout.decode("ascii").strip().endswith("0 passed, 1 failed"))


if __name__ == "__main__":
    unittest.main()
