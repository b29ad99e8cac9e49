"""`python3 -m grader batch`: a folder of synthetic lab-1 submissions, real
builds and real QEMU, graded in parallel into a CSV.

The submissions: reference solutions in every layout and archive format,
the skeleton, hard-coded answers, and adversarial cases (an infinite loop,
a trap loop, an output flood, binary garbage, fake CHECK/FACT lines, QEMU
made to exit early, edits to protected files, an #include of the
instructor's solution, .incbin, a symbolic link, a build error, a broken
and an unsafe archive). Each must get the right score and notes, and none
may stop the batch. The kit is a copy with lab 1 only and short timeouts.
"""

import csv
import io
import json
import os
import tarfile
import time
import unittest
import zipfile

from grader import batch, sandbox
from grader.tests import fakes, kit

SHORT = 2           # seconds: the timeout of most tests in the copy (a test takes ~0.1 s)
FLOOD_TIMEOUT = 10  # sbi_info floods the UART until the grader's 512 KiB cap: ~0.3 s
WALL_BOUND = 240    # the whole batch, 2 at a time (measured: about 14 s alone on 2 cores)
MAX = kit.LAB1_POINTS

BOOT = "labs/01-boot/boot.c"


def when_test(name, code):
    """C code that runs only in the named test (student code may read run_test())."""
    return f'\tif (!strcmp(run_test(), "{name}")) {{ {code} }}\n'


FAKE_LINES = (
    '\tprintf("CHECK 0123456789abcdef hext_restores_stvec PASS\\n");\n'
    '\tprintf("FACT deadbeefdeadbeef hext present\\n");\n'
    '\tprintf("FACT 0000000000000000 harts 1\\n");\n'
    '\tprintf("CHECK hext_restores_stvec PASS\\n");\n')
HARDCODED = ("\tUNUSED(dtb);\n\tout->nharts = 1;\n\tout->mem_base = 0x80000000;\n"
             "\tout->mem_size = 128ul << 20;\n\treturn 0;\n")
GARBAGE = ('\tfor (int i = 1; i < 256; i++)\n\t\tprintf("%c", i);\n'
           '\tprintf("\\x1b[2J\\x9b" "31m\\n");\n')

# name -> (files or archive kind, expected total, expected status, note fragments)
EXPECTED = {
    "sol_dir": (MAX, "ok", []),
    "sol_zip": (MAX, "ok", []),
    "sol_tgz": (MAX, "ok", []),
    "sol_flat": (MAX, "ok", ["layout: flat"]),
    "sol_labdirs": (MAX, "ok", ["layout: labs"]),
    "skeleton": (0, "ok", []),
    "empty": (0, "ok", ["empty submission", "missing: labs/01-boot/boot.c"]),
    "hardcoded": (MAX - 8, "ok", []),   # platform_small mem, platform_large, platform_above_4g
    "loop": (MAX - 4, "ok", ["01-boot/platform_small: TIMEOUT"]),
    "traploop": (MAX - 4, "ok", ["01-boot/hext_absent: TIMEOUT"]),
    "flood": (MAX - 4, "ok", ["01-boot/sbi_info: FLOOD"]),
    "garbage": (MAX, "ok", []),
    # Three result-shaped lines in hext_detect(), which every lab 1 test runs.
    "fake_lines": (0, "ok", [f"{3 * kit.LAB1_TESTS} suspicious line(s) (no nonce) in "
                             f"{kit.LAB1_TESTS} test(s), first 01-boot/hext_present"]),
    "exit_early": (0, "ok", []),
    "cheat_edits": (0, "ok", ["modified protected files: Makefile common/lib/report.c "
                              "grader/evaluate.py labs/01-boot/lab.json "
                              "labs/01-boot/test/harness.c",
                              "added files: labs/01-boot/helper.c"]),
    "honest_edits": (MAX, "ok", ["modified protected files: Makefile"]),
    "include_outside": (0, "ok", ["lab 1: did not build"]),
    "incbin": (0, "ok", ["not used: labs/01-boot/boot.c (uses '.incbin'"]),
    "build_error": (0, "ok", ["lab 1: did not build"]),
    "symlink": (0, "ok", ["labs/01-boot/boot.c (symbolic link)"]),
    "broken_archive": (None, "error", ["bad archive: cannot read it"]),
    "unsafe_archive": (None, "error", ["bad archive: unsafe member name '../escape.c'"]),
}


def _tree(base, files):
    for rel, text in files.items():
        kit.write(os.path.join(base, rel), text)


def _zip(path, files, top=""):
    with zipfile.ZipFile(path, "w") as z:
        for rel, text in files.items():
            z.writestr(top + rel, text)


def _tgz(path, files):
    with tarfile.open(path, "w:gz") as tf:
        for rel, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(rel)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))


def make_submissions(d):
    """The synthetic submissions of EXPECTED, in folder d."""
    sol, skel = kit.solution(), kit.skeleton()      # here: a handout has no solutions/
    def folder(name, files):
        os.makedirs(os.path.join(d, name), exist_ok=True)
        _tree(os.path.join(d, name), files)

    folder("sol_dir", {BOOT: sol})
    _zip(os.path.join(d, "sol_zip.zip"), {BOOT: sol, "README.md": "x"}, top="sol_zip-main/")
    _tgz(os.path.join(d, "sol_tgz.tar.gz"), {BOOT: sol})
    folder("sol_flat", {"boot.c": sol})
    folder("sol_labdirs", {"01-boot/boot.c": sol})
    folder("skeleton", {BOOT: skel})
    folder("empty", {})
    folder("hardcoded", {BOOT: kit.inject(sol, kit.PLATFORM, HARDCODED)})
    folder("loop", {BOOT: kit.inject(sol, kit.PLATFORM,
                                     when_test("platform_small", "for (;;) ;"))})
    folder("traploop", {BOOT: kit.inject(sol, kit.HEXT, when_test(
        "hext_absent", "csr_write(stvec, 0); (void)csr_read(hstatus);"))})
    # Straight into the UART's transmit register (the console's ecall per
    # byte would take ~3 s to fill the cap): the same flood to the grader.
    folder("flood", {BOOT: kit.inject(sol, kit.SBI, when_test(
        "sbi_info", 'for (;;) for (const char *s = "flood flood flood\\n"; *s; s++) '
                    '*(volatile char *)0x10000000 = *s;'))})
    folder("garbage", {BOOT: kit.inject(sol, kit.PLATFORM, GARBAGE)})
    folder("fake_lines", {BOOT: kit.inject(skel, kit.HEXT, FAKE_LINES)})
    folder("exit_early", {BOOT: kit.inject(
        sol, kit.PLATFORM, "\t*(volatile u32 *)0x100000 = 0x3333 | (7 << 16);\n")})
    lab_json = json.loads(kit.read(os.path.join(kit.ROOT, "labs/01-boot/lab.json")))
    for t in lab_json["tests"]:
        t["checks"] = [{"name": "anything", "points": 100, "expect": "hyp"}]
    folder("cheat_edits", {
        BOOT: skel,
        "labs/01-boot/lab.json": json.dumps(lab_json),
        "labs/01-boot/test/harness.c": "int lab_main(void) { return 0; }\n",
        "labs/01-boot/helper.c": sol,
        "Makefile": "build:\n\ttrue\n",
        "common/lib/report.c": "/* no nonce */\n",
        "grader/evaluate.py": "CHECK_RE = None\n",
    })
    harness = kit.read(os.path.join(kit.ROOT, "labs/01-boot/test/harness.c"))
    folder("honest_edits", {
        BOOT: sol,
        "Makefile": kit.read(os.path.join(kit.ROOT, "Makefile")) + "# my notes\n",
        "labs/01-boot/test/harness.c": harness.replace("\n", "\r\n"),   # a Windows checkout
        "labs/01-boot/.DS_Store": "junk",
        "grader/__pycache__/x.pyc": "junk",
    })
    folder("include_outside",
           {BOOT: f'#include "{os.path.join(kit.ROOT, "solutions", "01-boot", "boot.c")}"\n'})
    folder("incbin", {BOOT: sol + '\n__asm__(".section .rodata\\n.incbin \\"/etc/hostname\\"'
                                  '\\n.previous");\n'})
    folder("build_error", {BOOT: sol + "\nthis is not C;\n"})
    os.makedirs(os.path.join(d, "symlink", "labs", "01-boot"))
    os.symlink(os.path.join(kit.ROOT, "solutions", "01-boot", "boot.c"),
               os.path.join(d, "symlink", BOOT))
    kit.write(os.path.join(d, "broken_archive.zip"), os.urandom(3000), "wb")
    _tgz(os.path.join(d, "unsafe_archive.tgz"), {BOOT: sol, "../escape.c": "x"})
    kit.write(os.path.join(d, "notes.txt"), "not a submission\n")


@kit.needs_real_kit
class BatchTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = fakes.TempDir(prefix="grader-batch-")
        try:
            cls.run_batch()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def run_batch(cls):
        root = os.path.join(cls.tmp.path, "kit")
        os.makedirs(root)
        kit.kit_copy(root, timeouts={"*": SHORT, "sbi_info": FLOOD_TIMEOUT})
        subs = os.path.join(cls.tmp.path, "subs")
        os.makedirs(subs)
        make_submissions(subs)
        cls.csv = os.path.join(cls.tmp.path, "grades.csv")
        cls.out = os.path.join(cls.tmp.path, "out")
        t0 = time.monotonic()
        # Relative paths, as an instructor would type them.
        cls.proc = kit.run_grader(["batch", os.path.relpath(subs, root), "--jobs", "2",
                                   "--csv", "../grades.csv", "--out", "../out", "--lab", "1"],
                                  cwd=root, timeout=WALL_BOUND * 2)
        cls.took = time.monotonic() - t0
        cls.leftovers = fakes.processes_mentioning(cls.tmp.path)
        with open(cls.csv, encoding="utf-8", newline="") as f:
            cls.rows = {r["student"]: r for r in csv.DictReader(f)}

    @classmethod
    def tearDownClass(cls):
        fakes.kill_mentioning(cls.tmp.path)
        cls.tmp.cleanup()

    def result(self, name):
        with open(os.path.join(self.out, name, "result.json"), encoding="utf-8") as f:
            js = json.load(f)
        return js, {t["name"]: t for t in js["labs"][0]["tests"]}

    def test_batch_finishes(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stdout[-3000:])
        self.assertLess(self.took, WALL_BOUND, self.proc.stdout[-3000:])
        self.assertIn("skipped notes.txt", self.proc.stdout)
        self.assertEqual(self.leftovers, [], "processes left behind")

    def test_one_row_per_student(self):
        self.assertEqual(sorted(self.rows), sorted(EXPECTED))
        header = next(iter(self.rows.values())).keys()
        self.assertEqual(list(header), ["student", f"01-boot ({MAX})", f"total ({MAX})", "status",
                                        "seconds", "sandbox", "notes"])
        graded = [r for r in self.rows.values() if r["status"] == "ok"]
        # The mode, and what it lacks on this machine (a container's bubblewrap
        # lacks --disable-userns; grader/batch.py writes the same words).
        box = sandbox.detect().to_json()
        want = box["mode"] + (" (missing: " + "; ".join(box["missing"]) + ")"
                              if box["missing"] else "")
        self.assertEqual({r["sandbox"] for r in graded}, {want})

    def test_scores_status_and_notes(self):
        for name, (total, status, notes) in EXPECTED.items():
            with self.subTest(student=name):
                row = self.rows[name]
                self.assertEqual(row["status"], status, row)
                want = "" if total is None else f"{total:g}"
                self.assertEqual(row[f"total ({MAX})"], want, row)
                self.assertEqual(row[f"01-boot ({MAX})"], want, row)
                for fragment in notes:
                    self.assertIn(fragment, row["notes"])

    def test_clean_submissions_have_no_notes(self):
        for name in ("sol_dir", "sol_zip", "sol_tgz", "skeleton", "garbage", "hardcoded"):
            self.assertEqual(self.rows[name]["notes"], "", name)

    def test_fake_lines_score_nothing_and_are_reported(self):
        js, tests = self.result("fake_lines")
        self.assertEqual(js["score"], 0)
        for t in tests.values():
            self.assertEqual(t["score"], 0, t["name"])
            self.assertEqual(t["suspicious_count"], 3, t["name"])
            self.assertIn("CHECK 0123456789abcdef hext_restores_stvec PASS", t["suspicious"])
            self.assertIn("3 result line(s) without this run's nonce ignored", t["note"])

    def test_hang_trap_loop_and_flood_are_killed_in_time(self):
        for name, test, status, limit in (("loop", "platform_small", "TIMEOUT", SHORT),
                                          ("traploop", "hext_absent", "TIMEOUT", SHORT),
                                          ("flood", "sbi_info", "FLOOD", FLOOD_TIMEOUT)):
            _, tests = self.result(name)
            self.assertEqual(tests[test]["status"], status, name)
            self.assertLess(tests[test]["duration"], limit + 2.5, name)
            others = [t for n, t in tests.items() if n != test]
            self.assertTrue(all(t["status"] == "PASS" for t in others), name)

    def test_exit_early_is_a_normal_failure(self):
        _, tests = self.result("exit_early")
        for t in tests.values():
            self.assertEqual(t["status"], "FAIL", t)
            self.assertLess(t["duration"], SHORT, t)

    def test_garbage_does_not_break_scoring(self):
        _, tests = self.result("garbage")
        self.assertTrue(all(t["status"] == "PASS" for t in tests.values()))
        with open(os.path.join(self.out, "garbage", "logs", "01-boot-student",
                               "platform_small.log"), encoding="utf-8") as f:
            log = f.read()
        self.assertIn("\ufffd", log)
        self.assertNotIn("\x1b", log)

    def test_include_outside_the_kit_is_refused(self):
        js, _ = self.result("include_outside")
        self.assertFalse(js["labs"][0]["build_ok"])
        # Refused by the audit, or not even there (the sandbox shows only the kit).
        out = js["labs"][0]["build_output"]
        self.assertTrue("build refused: the sources read files outside the kit" in out
                        or "solutions/01-boot/boot.c: No such file or directory" in out, out)

    def test_tamper_report(self):
        js, _ = self.result("cheat_edits")
        sub = js["submission"]
        self.assertEqual(sub["modified"], ["Makefile", "common/lib/report.c",
                                           "grader/evaluate.py", "labs/01-boot/lab.json",
                                           "labs/01-boot/test/harness.c"])
        self.assertEqual(sub["added"], ["labs/01-boot/helper.c"])
        self.assertEqual(sub["unchanged"], ["labs/01-boot/boot.c"])
        # The kit's lab.json was used: its points, not 500.
        self.assertEqual(js["max_score"], MAX)
        js, _ = self.result("honest_edits")
        self.assertEqual(js["submission"]["modified"], ["Makefile"])
        self.assertEqual(js["submission"]["added"], [])

    def test_reports_and_logs_are_kept_per_student(self):
        for name in ("sol_dir", "loop"):
            for f in ("report.txt", "result.json"):
                self.assertTrue(os.path.isfile(os.path.join(self.out, name, f)), (name, f))
        with open(os.path.join(self.out, "loop", "report.txt"), encoding="utf-8") as f:
            self.assertIn("platform_small", f.read())


class BatchUnitTest(unittest.TestCase):
    def test_csv_cell_defuses_formulas(self):
        self.assertEqual(batch.csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")")
        for s in ("+1", "-1", "@x"):
            self.assertEqual(batch.csv_cell(s), "'" + s)
        for s in (" =4+4", "\t=4+4", "  @SUM(A1)"):
            self.assertEqual(batch.csv_cell(s)[:1], "'", repr(s))
        self.assertEqual(batch.csv_cell(22), "22")
        self.assertEqual(batch.csv_cell(1.5), "1.5")
        self.assertEqual(batch.csv_cell(None), "")

    def test_discover(self):
        tmp = fakes.TempDir()
        self.addCleanup(tmp.cleanup)
        d = tmp.path
        for name in ("bob", "alice", ".hidden", "__MACOSX"):
            os.makedirs(os.path.join(d, name))
        for name in ("carol.zip", "dave.tar.gz", "erin.tgz", "frank.tar", "alice.zip",
                     "notes.txt"):
            kit.write(os.path.join(d, name), "x")
        os.symlink("/", os.path.join(d, "link"))
        # A link among the archives names someone else's (graded as its name's).
        os.symlink(os.path.join(d, "carol.zip"), os.path.join(d, "mallory.zip"))
        os.makedirs(os.path.join(d, ".carol"))
        entries, skipped = batch.discover(d)
        self.assertEqual([e.name for e in entries],
                         ["alice", "alice.zip", "bob", "carol", "dave", "erin", "frank"])
        self.assertEqual(skipped, [(".carol", "a hidden name (rename it to grade it)"),
                                   (".hidden", "a hidden name (rename it to grade it)"),
                                   ("link", "a symbolic link (it could name anyone's "
                                            "submission)"),
                                   ("mallory.zip", "a symbolic link (it could name anyone's "
                                                   "submission)"),
                                   ("notes.txt", "not a folder or a .zip/.tar.gz/.tgz/.tar "
                                                 "archive")])

    def test_csv_rows_told_apart_and_bounded(self):
        tmp = fakes.TempDir()
        self.addCleanup(tmp.cleanup)
        path = os.path.join(tmp.path, "g.csv")
        rows = [batch.Row(n) for n in ("a\nb", "a\x01b", "carol")]
        rows[2].notes = ["added: " + "x" * 50000]
        batch.write_csv(path, [], rows)
        with open(path, encoding="utf-8", newline="") as f:
            got = list(csv.reader(f))[1:]
        self.assertEqual([r[0] for r in got], ["'a\\x01b'", "'a\\nb'", "carol"])
        self.assertLess(len(got[2][-1]), batch.NOTES_KEPT + 100)
        self.assertTrue(got[2][-1].endswith("more characters)"))

    def test_time_limit_follows_the_tests(self):
        class T:
            def __init__(self, timeout):
                self.timeout = timeout

        class L:
            tests = [T(10), T(2)]
        self.assertEqual(batch.time_limit([L()]),
                         batch.BUILD_ALLOWANCE + 12 + 2 * batch.TEST_MARGIN)


if __name__ == "__main__":
    unittest.main()
