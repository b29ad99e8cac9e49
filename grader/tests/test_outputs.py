"""--junit, --markdown, --gradescope and --prairielearn (grader/outputs.py),
the sandbox in each, results files on every failure path, the GitHub
Actions and PrairieLearn templates, on real outcomes of runs of a fake QEMU."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import unittest
import xml.etree.ElementTree as ET
from unittest import mock

from grader import build, grade, labspec, outputs, report, sandbox
from grader.tests import fakes, kit
from grader.tests.test_grade import CHECKS

TESTS = [
    {"name": "allpass", "qemu": {"smp": 2, "mem": "256M"}, "checks": CHECKS,
     "description": "everything works"},
    {"name": "partial", "qemu": {"smp": 2, "mem": "256M"}, "checks": CHECKS},
    {"name": "forged", "checks": CHECKS},
    {"name": "garbage", "checks": CHECKS},
]


def load_lab(tmp, tests=TESTS, number=1, name="fake"):
    path = os.path.join(tmp, "labs", f"{number:02d}-{name}", "lab.json")
    kit.write(path, json.dumps({"lab": number, "name": name, "title": "A <b>|fake|</b> lab",
                                "student_files": [], "tests": tests}))
    return labspec.Lab(path)


class OutcomesCase(unittest.TestCase):
    """Real outcomes: the fake QEMU run for every test of a fake lab, plus
    a lab that did not build; the last test of the first lab is hidden."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = fakes.TempDir()
        fake = fakes.write_script(cls.tmp.path, "qemu-system-riscv64", fakes.FAKE_QEMU)
        cls.lab = load_lab(cls.tmp.path)
        cls.lab.tests[-1].hidden = True
        cls.broken = load_lab(cls.tmp.path, TESTS[:1], 2, "broken")
        with mock.patch.object(grade, "QEMU", fake):
            o = grade.LabOutcome(cls.lab, "student")
            o.build = build.BuildResult(True, "/k", "")
            o.tests = [grade.run_test(t, "/k", "student", os.path.join(cls.tmp.path, "log"))
                       for t in cls.lab.tests]
        b = grade.LabOutcome(cls.broken, "student")
        b.build = build.BuildResult(False, "/k", "boot.c:3: error: expected ';'\n")
        t = grade.TestOutcome(cls.broken.tests[0], "student")
        t.status, t.note, t.build_output = "BUILD", "the image did not build", b.build.output
        b.tests = [t]
        cls.outcomes = [o, b]

    @classmethod
    def tearDownClass(cls):
        fakes.kill_mentioning(cls.tmp.path)
        cls.tmp.cleanup()


class JUnitTest(OutcomesCase):
    def test_structure(self):
        path = os.path.join(self.tmp.path, "junit.xml")
        outputs.write_junit(path, self.outcomes)
        root = ET.parse(path).getroot()     # well-formed despite the garbage output
        self.assertEqual(root.tag, "testsuites")
        self.assertEqual((root.get("tests"), root.get("failures")), ("5", "4"))
        suites = root.findall("testsuite")
        self.assertEqual([s.get("name") for s in suites], ["01-fake", "02-broken"])
        cases = {c.get("name"): c for c in suites[0].findall("testcase")}
        self.assertEqual(list(cases), ["allpass", "partial", "forged", "garbage"])
        self.assertIsNone(cases["allpass"].find("failure"))
        fail = cases["partial"].find("failure")
        self.assertEqual(fail.get("type"), "PARTIAL")
        self.assertIn("2/6", fail.get("message"))
        self.assertIn("expected FACT mem = base=0x80000000 size=0x10000000", fail.get("message"))
        self.assertIn("saw:      FACT mem", fail.text)
        self.assertIn("suspicious (no nonce, ignored)", cases["forged"].find("failure").text)
        props = {p.get("name"): p.get("value") for p in cases["garbage"].iter("property")}
        self.assertEqual(props, {"score": "0", "max_score": "6", "status": "FAIL",
                                 "hidden": "true"})
        build_fail = suites[1].find("testcase").find("failure")
        self.assertEqual(build_fail.get("type"), "BUILD")
        self.assertIn("error: expected ';'", build_fail.text)

    def test_xml_text_removes_what_xml_cannot_hold(self):
        self.assertEqual(outputs.xml_text("a\x00b\x1bc\ufffed\tz\n"), "a\ufffdb\ufffdc\ufffdd\tz\n")


class MarkdownTest(OutcomesCase):
    def test_tables_and_escaping(self):
        md = outputs.markdown(self.outcomes)
        self.assertTrue(md.startswith("## RISC-V Hypervisor Labs: 8/30\n"))
        self.assertIn("| 1 fake | 8/24 | 1/4 |", md)
        self.assertIn("| 2 broken (did not build) | 0/6 | 0/1 |", md)
        self.assertIn("### Lab 1: A &lt;b&gt;&#124;fake&#124;&lt;/b&gt; lab", md)
        self.assertIn("| allpass | 6/6 | ✅ PASS |", md)
        self.assertIn("| garbage (hidden) | 0/6 | ❌ FAIL |", md)
        # Student output lands only inside <pre>, escaped.
        for block in re.findall(r"<pre>(.*?)</pre>", md, re.S):
            self.assertNotIn("<", block)
        self.assertEqual(md.count("<details>"), md.count("</details>"))

    def test_md_cell(self):
        self.assertEqual(outputs.md_cell("a|b `c` <x>\nnew"), "a&#124;b &#96;c&#96; &lt;x&gt; new")


class GradescopeTest(OutcomesCase):
    def read(self, path):
        with open(path, encoding="utf-8") as f:
            return json.load(f)

    def test_incremental_and_final(self):
        path = os.path.join(self.tmp.path, "results.json")
        labs = [self.lab, self.broken]
        w = outputs.GradescopeWriter(path, labs, ["submission: x"])
        js = self.read(path)
        self.assertEqual(js["score"], 0)
        self.assertEqual(len(js["tests"]), 5)
        self.assertTrue(all("not run" in t["output"] for t in js["tests"]))
        self.assertIn("in progress", js["output"])
        first = self.outcomes[0].tests[0]
        w.test_done(self.outcomes[0], first)
        js = self.read(path)
        self.assertEqual(js["score"], 6)
        self.assertEqual((js["tests"][0]["status"], js["tests"][0]["score"]), ("passed", 6))
        w.finish(self.outcomes)
        js = self.read(path)
        self.assertEqual(js["score"], 8)
        self.assertEqual(js["output"], sandbox.detect().summary() + "\nsubmission: x")
        self.assertEqual(js["extra_data"]["sandbox"]["mode"], sandbox.detect().mode)
        self.assertEqual(js["stdout_visibility"], "hidden")
        self.assertEqual((js["output_format"], js["test_output_format"],
                          js["test_name_format"]), ("text", "text", "text"))
        by_name = {t["name"]: t for t in js["tests"]}
        self.assertEqual(list(by_name)[0], "Lab 1 (fake): allpass")
        t = by_name["Lab 1 (fake): partial"]
        self.assertEqual((t["score"], t["max_score"], t["status"], t["visibility"]),
                         (2, 6, "failed", "visible"))
        self.assertIn("expected: FACT mem", t["output"])
        self.assertEqual(by_name["Lab 1 (fake): garbage"]["visibility"], "after_published")
        self.assertIn("error: expected ';'", by_name["Lab 2 (broken): allpass"]["output"])
        self.assertEqual([t["number"] for t in js["tests"]], ["1.1", "1.2", "1.3", "1.4", "2.1"])
        self.assertEqual([f for f in os.listdir(self.tmp.path) if f.startswith(".results")], [])


FAKE_MAKEFILE = """\
.PHONY: build
build:
\t@mkdir -p build/01-fake-student && touch build/01-fake-student/hyp.elf
"""


class FakeKitCase(unittest.TestCase):
    def setUp(self):
        if not kit.shutil.which("make"):
            self.skipTest("make is not installed")
        self.tmp = fakes.TempDir()
        self.addCleanup(self.tmp.cleanup)
        self.addCleanup(fakes.kill_mentioning, self.tmp.path)
        self.root = self.tmp.path
        kit.shutil.copytree(os.path.join(kit.ROOT, "grader"), os.path.join(self.root, "grader"),
                            ignore=kit.shutil.ignore_patterns("__pycache__", "tests"))
        kit.write(os.path.join(self.root, "Makefile"), FAKE_MAKEFILE)
        self.qemu = fakes.write_script(self.root, "qemu-system-riscv64", fakes.FAKE_QEMU)


class GradescopePartialTest(FakeKitCase):
    def test_killed_grader_leaves_finished_scores(self):
        """Gradescope's global timeout kills the autograder without warning:
        results.json must still hold every test that had finished."""
        load_lab(self.root, [{"name": "allpass", "qemu": {"smp": 2}, "checks": CHECKS},
                             {"name": "hang", "timeout": 60, "checks": CHECKS}])
        results = os.path.join(self.root, "results.json")
        # Its temporary folders (a run's monitor socket) in ours: killed, it
        # cannot remove them.
        env = dict(os.environ, QEMU=self.qemu, TMPDIR=self.tmp.path)
        p = subprocess.Popen([sys.executable, "-m", "grader", "grade", "-j", "2",
                              "--gradescope", results], cwd=self.root, env=env,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            end = time.monotonic() + 15
            js = None
            while time.monotonic() < end:
                try:
                    with open(results, encoding="utf-8") as f:
                        js = json.load(f)
                    if js["score"] == 6:
                        break
                except (OSError, ValueError):
                    pass
                time.sleep(0.05)
            os.killpg(p.pid, signal.SIGKILL)
        finally:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        with open(results, encoding="utf-8") as f:
            js = json.load(f)
        self.assertEqual(js["score"], 6)
        self.assertEqual([t["status"] for t in js["tests"]], ["passed", "failed"])
        self.assertIn("not run", js["tests"][1]["output"])


class WorkflowTemplateTest(FakeKitCase):
    """The Grade step of grader/templates/github-grade.yml, run by bash as
    GitHub would run it, in a fake kit."""

    def grade_step(self):
        text = kit.read(os.path.join(kit.ROOT, "grader", "templates", "github-grade.yml"))
        m = re.search(r"- name: Grade\n\s+shell: bash\n\s+run: \|\n((?:\s{10}.*\n)+)", text)
        self.assertIsNotNone(m, "the Grade step changed shape")
        return "\n".join(ln[10:] for ln in m.group(1).splitlines())

    def run_step(self):
        summary = os.path.join(self.root, "summary.md")
        kit.write(summary, "earlier step\n")
        env = dict(os.environ, QEMU=self.qemu, GITHUB_STEP_SUMMARY=summary)
        p = subprocess.run(["bash", "-e", "-c", self.grade_step()], cwd=self.root, env=env,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60, encoding="utf-8")
        return p, kit.read(summary)

    def test_template_mentions_what_it_needs(self):
        text = kit.read(os.path.join(kit.ROOT, "grader", "templates", "github-grade.yml"))
        self.assertIn("common/tools/setup.sh", text)
        self.assertTrue(os.path.isfile(os.path.join(kit.ROOT, "common/tools/setup.sh")))
        self.assertIn("$GITHUB_STEP_SUMMARY", text)
        self.assertNotIn("\t", text, "YAML forbids tabs")

    def test_failing_tests_still_green_with_summary(self):
        load_lab(self.root, [{"name": "allpass", "qemu": {"smp": 2}, "checks": CHECKS},
                             {"name": "partial", "qemu": {"smp": 2}, "checks": CHECKS}])
        p, summary = self.run_step()
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertTrue(summary.startswith("earlier step\n## RISC-V Hypervisor Labs: 8/12"))
        self.assertIn("| partial | 2/6 | 🟡 PARTIAL |", summary)
        for f in ("grade.json", "grade-junit.xml"):
            self.assertTrue(os.path.isfile(os.path.join(self.root, f)), f)

    def test_grader_failure_is_red(self):
        kit.write(os.path.join(self.root, "labs", "01-fake", "lab.json"), "{ broken")
        p, _ = self.run_step()
        self.assertNotEqual(p.returncode, 0, p.stdout)


if __name__ == "__main__":
    unittest.main()


class SandboxInEveryReportTest(OutcomesCase):
    """Each report format says which sandbox the runs had."""

    def test_junit_markdown_json(self):
        box = sandbox.detect()
        tree = outputs.junit_tree(self.outcomes)
        props = {p.get("name"): p.get("value")
                 for p in tree.getroot().find("testsuite").find("properties")}
        self.assertEqual(props["sandbox"], box.mode)
        self.assertEqual(props["sandbox_summary"], box.summary())
        self.assertIn(outputs.md_cell(box.summary()), outputs.markdown(self.outcomes))
        js = report.to_json(self.outcomes, self.tmp.path)
        self.assertEqual(js["sandbox"]["mode"], box.mode)
        self.assertIn("missing", js["sandbox"])


class PlatformFailureTest(FakeKitCase):
    """Whatever happens, --gradescope and --prairielearn get a results file
    that says what went wrong."""

    def grade(self, args, env=None):
        e = dict(os.environ, QEMU=self.qemu, **(env or {}))
        return subprocess.run([sys.executable, "-m", "grader", "grade", *args], cwd=self.root,
                              env=e, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=60, encoding="utf-8")

    def read(self, name):
        with open(os.path.join(self.root, name), encoding="utf-8") as f:
            return json.load(f)

    def test_refused_without_the_full_sandbox(self):
        load_lab(self.root, [{"name": "allpass", "checks": CHECKS}])
        p = self.grade(["--require-sandbox", "--gradescope", "gs.json", "--prairielearn",
                        "pl.json"], {"RVH_SANDBOX": "none"})
        self.assertEqual(p.returncode, 2, p.stdout)
        self.assertIn("sandbox: NONE", p.stdout)
        self.assertIn("--require-sandbox", p.stdout)
        gs, pl = self.read("gs.json"), self.read("pl.json")
        self.assertIn("--require-sandbox", gs["output"])
        self.assertEqual((pl["gradable"], pl["score"]), (False, 0))
        self.assertIn("--require-sandbox", pl["message"])

    def test_unconfined_is_said_everywhere(self):
        load_lab(self.root, [{"name": "allpass", "checks": CHECKS}])
        p = self.grade(["--json", "r.json", "--gradescope", "gs.json"], {"RVH_SANDBOX": "none"})
        self.assertEqual(p.returncode, 0, p.stdout)
        lines = p.stdout.splitlines()
        self.assertTrue(lines[0].startswith("sandbox: NONE"), lines[0])
        self.assertTrue(lines[-2].startswith("! sandbox: NONE"), lines[-2])
        self.assertFalse(self.read("r.json")["sandbox"]["full"])
        self.assertIn("no sandbox at all", self.read("gs.json")["output"])

    def test_grader_crash_still_writes_results(self):
        """A bug of the grader's in the middle of grading (here: the scan of
        the submission blows up) still leaves both files, saying so."""
        load_lab(self.root, [{"name": "allpass", "checks": CHECKS}])
        sub = os.path.join(self.root, "sub")
        kit.write(os.path.join(sub, "x.c"), "int x;\n")
        boom = os.path.join(self.root, "boom.py")
        kit.write(boom, "import runpy, sys\nfrom grader import submission\n"
                        "def scan(*a):\n    raise RecursionError('deep')\n"
                        "submission.scan = scan\nsys.argv[0] = 'grader'\n"
                        "runpy.run_module('grader', run_name='__main__')\n")
        e = dict(os.environ, QEMU=self.qemu)
        p = subprocess.run([sys.executable, boom, "grade", "--submission", sub,
                            "--gradescope", "gs.json", "--prairielearn", "pl.json"],
                           cwd=self.root, env=e, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60, encoding="utf-8")
        self.assertNotEqual(p.returncode, 0)
        gs, pl = self.read("gs.json"), self.read("pl.json")
        self.assertIn("grader error: RecursionError: deep", gs["output"])
        self.assertEqual(gs["score"], 0)
        self.assertFalse(pl["gradable"])
        self.assertIn("RecursionError", pl["message"])


class PrairieLearnHiddenTest(OutcomesCase):
    def test_hidden_tests_are_one_entry_of_points(self):
        # PrairieLearn shows the whole results.json to the student.
        path = os.path.join(self.tmp.path, "pl.json")
        outputs.PrairieLearnWriter(path, [self.lab, self.broken]).finish(self.outcomes)
        with open(path, encoding="utf-8") as f:
            js = json.load(f)
        names = [t["name"] for t in js["tests"]]
        self.assertEqual(names, ["Lab 1 (fake): allpass", "Lab 1 (fake): partial",
                                 "Lab 1 (fake): forged", "Lab 1 (fake): hidden tests",
                                 "Lab 2 (broken): allpass"])
        hidden = js["tests"][3]
        self.assertEqual((hidden["points"], hidden["max_points"]), (0, 6))
        self.assertNotIn("garbage", json.dumps(js))
        self.assertEqual(js["score"], round(8 / 30, 6))     # hidden points still count


@kit.needs_real_kit
class PrairieLearnTest(unittest.TestCase):
    """grader/templates/prairielearn-run in a stand-in for /grade/: a real
    lab-1 submission, and one with none of the lab's files."""

    def run_pl(self, files):
        tmp = fakes.TempDir(prefix="grader-pl-")
        self.addCleanup(tmp.cleanup)
        grade_dir = tmp.path
        kit.write(os.path.join(grade_dir, "tests", "grade-args.txt"), "--lab\n1\n")
        os.makedirs(os.path.join(grade_dir, "student"))
        for rel, text in files.items():
            kit.write(os.path.join(grade_dir, "student", rel), text)
        p = subprocess.run([os.path.join(kit.ROOT, "grader", "templates", "prairielearn-run")],
                           env=dict(os.environ, PL_GRADE=grade_dir), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300,
                           encoding="utf-8", errors="replace")
        with open(os.path.join(grade_dir, "results", "results.json"), encoding="utf-8") as f:
            return p, json.load(f)

    def test_graded_and_not_gradable(self):
        p, js = self.run_pl({"boot.c": kit.solution()})
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertEqual((js["gradable"], js["score"]), (True, 1), p.stdout[-2000:])
        self.assertEqual(len(js["tests"]), kit.LAB1_TESTS)
        t = js["tests"][0]
        self.assertEqual((t["name"], t["points"], t["max_points"]),
                         ("Lab 1 (boot): hext_present", 6, 6))
        self.assertIn("sandbox:", js["output"])
        p, js = self.run_pl({"notes.txt": "nothing of lab 1\n"})
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertEqual((js["gradable"], js["score"]), (False, 0))
        self.assertIn("none of the lab's files", js["message"])
