"""The issue's "Done means": a lab-1 file with an infinite loop is reported
as TIMEOUT within the test's timeout and the grader still prints its summary.

Done for real: a copy of the kit in a temporary directory, the reference
boot.c with `for (;;);` at the top of hext_detect(), the real cross compiler
and the real QEMU, `python3 -m grader grade --lab 1` in that copy.
"""

import json
import os
import shutil
import subprocess
import sys
import time
import unittest

from grader import labspec
from grader.tests import fakes, kit

ROOT = labspec.ROOT
TIMEOUT = 2                 # seconds, written into the copy's lab.json (a test takes ~0.1 s)
KILL_MARGIN = 2.5           # a run may take this much longer (kill + reader)
WALL_BOUND = 60             # the whole grade, build included
HANGING = ("hext_present", "hext_absent", "hext_dt_lies")   # the tests that need hext_detect's answer
TOOLS = ("qemu-system-riscv64", "riscv64-unknown-elf-gcc", "make")


@unittest.skipUnless(os.path.isdir(os.path.join(ROOT, "solutions", "01-boot")),
                     "instructors' test: needs solutions/")
@unittest.skipUnless(all(shutil.which(t) for t in TOOLS),
                     f"needs {', '.join(TOOLS)} (make setup)")
class InfiniteLoopTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = fakes.TempDir(prefix="grader-e2e-")
        cls.root = cls.tmp.path
        try:
            cls.grade_looping_copy()
        except BaseException:
            cls.tearDownClass()     # not called when setUpClass fails
            raise

    @classmethod
    def grade_looping_copy(cls):
        root = cls.root
        # The grader runs in the copy as a student's first make grade does:
        # build/01-boot-student is built from nothing there (a cold build).
        kit.kit_copy(root, labs=("01-boot",), timeouts={"*": TIMEOUT})
        cls.write_looping_boot_c()
        t0 = time.monotonic()
        try:
            cls.proc = subprocess.run(
                [sys.executable, "-m", "grader", "grade", "--lab", "1", "-j", "5",
                 "--json", "result.json"],
                cwd=root, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, timeout=WALL_BOUND * 2, start_new_session=True)
        except subprocess.TimeoutExpired as e:
            cls.proc = e
        cls.took = time.monotonic() - t0
        cls.out = (cls.proc.stdout or b"").decode("utf-8", "replace")
        # Checked by a test below before this cleanup can hide a leak.
        cls.leftovers = fakes.processes_mentioning(root)

    @classmethod
    def tearDownClass(cls):
        fakes.kill_mentioning(cls.root)     # only if the grader leaked (a failed test says so)
        cls.tmp.cleanup()

    @classmethod
    def write_looping_boot_c(cls):
        with open(os.path.join(ROOT, "solutions", "01-boot", "boot.c"), encoding="utf-8") as f:
            src = f.read()
        head = "int hext_detect(void)\n{\n"
        assert head in src, "the reference boot.c no longer defines hext_detect like this"
        src = src.replace(head, head + "\tfor (;;)\n\t\t;\t/* the bug under test */\n", 1)
        with open(os.path.join(cls.root, "labs", "01-boot", "boot.c"), "w",
                  encoding="utf-8") as f:
            f.write(src)

    def result(self):
        self.assertIsInstance(self.proc, subprocess.CompletedProcess,
                              f"grade did not finish in {WALL_BOUND * 2} s")
        with open(os.path.join(self.root, "result.json"), encoding="utf-8") as f:
            js = json.load(f)
        return {t["name"]: t for t in js["labs"][0]["tests"]}

    def test_finishes_within_bound(self):
        self.result()
        self.assertLess(self.took, WALL_BOUND, self.out[-2000:])
        self.assertNotIn("Traceback", self.out)

    def test_hanging_tests_say_timeout(self):
        tests = self.result()
        lab = labspec.Lab(os.path.join(self.root, "labs", "01-boot", "lab.json"))
        self.assertEqual(sorted(tests), sorted(t.name for t in lab.tests))
        for name in HANGING:
            self.assertEqual((tests[name]["status"], tests[name]["score"]), ("TIMEOUT", 0), name)
            self.assertIn(f"still running after {TIMEOUT} s", tests[name]["note"])
        for t in tests.values():
            self.assertLess(t["duration"], TIMEOUT + KILL_MARGIN, t["name"])
        for name in HANGING:
            self.assertRegex(self.out, rf"{name} +0/\d+ +TIMEOUT")

    def test_hang_is_diagnosed(self):
        # Read through QEMU's monitor just before the kill: the hart, its
        # function and file:line in the student's own file (issue 14).
        tests = self.result()
        for name in HANGING:
            d = tests[name]["diagnosis"]
            self.assertIsNotNone(d, name)
            self.assertRegex(" ".join(d["lines"]),
                             r"hart 0: in the hypervisor, pc 0x[0-9a-f]+ in hext_detect\(\) "
                             r"labs/01-boot/boot\.c:\d+", name)
            self.assertRegex(self.out, r"where the harts were \(at the timeout")

    def test_other_tests_still_score(self):
        tests = self.result()
        others = [t for name, t in tests.items() if name not in HANGING]
        self.assertTrue(others)
        for t in others:
            # Their facts are printed before hext_detect() is called.
            self.assertEqual(t["score"], t["max_score"], t)

    def test_summary_is_printed(self):
        tests = self.result()
        npass = sum(1 for t in tests.values() if t["score"] == t["max_score"])
        lines = self.out.strip().splitlines()
        self.assertEqual(lines[-1], f"{npass} passed, {len(tests) - npass} failed", self.out)
        self.assertTrue(any(ln.startswith("Score: ") for ln in lines))
        self.assertEqual(self.proc.returncode, 1)

    def test_no_qemu_left_behind(self):
        self.assertEqual([c for _, c in self.leftovers], [])


if __name__ == "__main__":
    unittest.main()
