"""`make gradescope`: the autograder zip, unpacked into a stand-in for
Gradescope's /autograder and run on a student's upload (real build, real
QEMU, with a hidden test)."""

import json
import os
import stat
import subprocess
import unittest
import zipfile

from grader import gradescope
from grader.tests import fakes, kit

HIDDEN = {"tests": [{
    "name": "platform_huge", "scenario": "platform_large",
    "description": "hidden: 4 harts, 1 GiB", "qemu": {"smp": 4, "mem": "1G"},
    "checks": [{"name": "hart count", "points": 3, "fact": "harts", "equals": "{smp}"},
               {"name": "memory", "points": 3, "fact": "mem",
                "equals": "base=0x80000000 size={mem_bytes:#x}"}]}]}


class ZipTest(unittest.TestCase):
    def test_contents(self):
        tmp = fakes.TempDir()
        self.addCleanup(tmp.cleanup)
        hidden = os.path.join(tmp.path, "hidden")
        kit.write(os.path.join(hidden, "01-boot.json"), json.dumps(HIDDEN))
        out = os.path.join(tmp.path, "gs.zip")
        p = kit.run_grader(["gradescope", "--out", out, "--lab", "1",
                            "--extra-tests", hidden])
        self.assertEqual(p.returncode, 0, p.stdout)
        with zipfile.ZipFile(out) as z:
            names = z.namelist()
            modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
            args = z.read("grade-args.txt").decode().split()
        for must in ("setup.sh", "run_autograder", "Makefile", ".devcontainer/packages.txt",
                     "grader/__main__.py", "labs/01-boot/lab.json",
                     "labs/01-boot/test/harness.c", "common/tools/setup.sh",
                     "hidden-tests/01-boot.json"):
            self.assertIn(must, names)
        self.assertFalse([n for n in names if n.startswith("solutions/") or "__pycache__" in n])
        for script in ("setup.sh", "run_autograder", "common/tools/setup.sh"):
            self.assertTrue(modes[script] & stat.S_IXUSR, script)
        self.assertEqual(args, ["--extra-tests", "hidden-tests", "--lab", "1"])
        for script in ("gradescope-setup.sh", "gradescope-run_autograder"):
            r = subprocess.run(["bash", "-n", os.path.join(gradescope.TEMPLATES, script)])
            self.assertEqual(r.returncode, 0, script)

    def test_make_target(self):
        p = subprocess.run(["make", "-n", "--no-print-directory", "-C", kit.ROOT, "gradescope",
                            "LAB=2", "EXTRA_TESTS=/x/hidden"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, encoding="utf-8")
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertIn("-m grader gradescope --out build/gradescope.zip --lab 2", p.stdout)
        self.assertIn("--extra-tests '/x/hidden'", p.stdout)

    def test_broken_hidden_tests_stop_here(self):
        tmp = fakes.TempDir()
        self.addCleanup(tmp.cleanup)
        kit.write(os.path.join(tmp.path, "01-boot.json"), json.dumps({"tests": [
            {"name": "typo_scenario", "checks": HIDDEN["tests"][0]["checks"]}]}))
        out = os.path.join(tmp.path, "gs.zip")
        p = kit.run_grader(["gradescope", "--out", out, "--extra-tests", tmp.path])
        self.assertEqual(p.returncode, 2)
        self.assertIn("typo_scenario", p.stdout)
        self.assertFalse(os.path.exists(out))


@kit.needs_real_kit
class RunAutograderTest(unittest.TestCase):
    """run_autograder with AUTOGRADER pointing at a stand-in folder."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = fakes.TempDir(prefix="grader-gradescope-")
        ag = cls.ag = cls.tmp.path
        hidden = os.path.join(ag, "hidden-src")
        kit.write(os.path.join(hidden, "01-boot.json"), json.dumps(HIDDEN))
        zpath = os.path.join(ag, "autograder.zip")
        p = kit.run_grader(["gradescope", "--out", zpath, "--lab", "1",
                            "--extra-tests", hidden])
        assert p.returncode == 0, p.stdout
        with zipfile.ZipFile(zpath) as z:
            z.extractall(os.path.join(ag, "source"))
            for info in z.infolist():           # extractall drops the mode bits
                mode = info.external_attr >> 16
                if mode:
                    os.chmod(os.path.join(ag, "source", info.filename), mode & 0o777)
        cls.results = {}
        for name, files in (("solution", {"boot.c": kit.solution()}),
                            ("broken", {"labs/01-boot/boot.c": "syntax error;\n",
                                        "Makefile": "all:\n"})):
            sub = os.path.join(ag, "submission")
            fakes.shutil.rmtree(sub, ignore_errors=True)
            for rel, text in files.items():
                kit.write(os.path.join(sub, rel), text)
            r = subprocess.run([os.path.join(ag, "source", "run_autograder")], cwd=ag,
                               env=dict(os.environ, AUTOGRADER=ag), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300,
                               encoding="utf-8", errors="replace")
            with open(os.path.join(ag, "results", "results.json"), encoding="utf-8") as f:
                cls.results[name] = (r, json.load(f))

    @classmethod
    def tearDownClass(cls):
        fakes.kill_mentioning(cls.tmp.path)
        cls.tmp.cleanup()

    def test_solution_gets_everything(self):
        r, js = self.results["solution"]
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(js["score"], kit.LAB1_POINTS + 6, r.stdout)
        self.assertEqual(len(js["tests"]), kit.LAB1_TESTS + 1)
        self.assertTrue(all(t["status"] == "passed" for t in js["tests"]))
        self.assertEqual(js["stdout_visibility"], "hidden")
        hidden = js["tests"][-1]
        self.assertEqual((hidden["name"], hidden["visibility"], hidden["max_score"]),
                         ("Lab 1 (boot): platform_huge", "after_published", 6))
        self.assertTrue(all(t["visibility"] == "visible" for t in js["tests"][:-1]))
        self.assertIn("loose files", js["output"])
        self.assertNotIn("in progress", js["output"])

    def test_broken_build_fails_every_test_with_the_compiler_output(self):
        r, js = self.results["broken"]
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(js["score"], 0)
        self.assertTrue(all(t["status"] == "failed" for t in js["tests"]))
        self.assertIn("did not build", js["tests"][0]["output"])
        self.assertIn("error", js["tests"][0]["output"])
        self.assertIn("modified protected files", js["output"])


if __name__ == "__main__":
    unittest.main()
