"""Hidden tests (--extra-tests) and the "scenario" key of a test."""

import json
import os
import unittest
from unittest import mock

from grader import grade, hidden, labspec
from grader.tests import fakes, kit
from grader.tests.test_grade import CHECKS, make_test

LAB = {"lab": 3, "name": "demo", "student_files": ["demo.c"], "tests": [
    {"name": "allpass", "qemu": {"smp": 2}, "checks": CHECKS},
    {"name": "seedecho", "checks": [{"name": "s", "points": 1, "fact": "seed",
                                     "equals": "{seed:#x}"}]}]}


class ScenarioTest(unittest.TestCase):
    def test_default_and_given(self):
        t = make_test("allpass")
        self.assertEqual((t.scenario, t.scenario_given), ("allpass", False))
        t = make_test("allpass_big", scenario="allpass")
        self.assertEqual((t.scenario, t.scenario_given), ("allpass", True))
        with self.assertRaises(labspec.SpecError):
            make_test("x", scenario="two words")

    def test_bootargs_name_the_scenario(self):
        t = make_test("allpass_big", scenario="allpass", bootargs="extra={test}")
        params = grade.run_params(t)
        cmd = grade.qemu_command(t, "/k", params)
        append = cmd[cmd.index("-append") + 1]
        self.assertTrue(append.startswith("test=allpass nonce="), append)
        self.assertTrue(append.endswith(" extra=allpass"), append)

    def test_a_renamed_scenario_runs(self):
        tmp = fakes.TempDir()
        self.addCleanup(tmp.cleanup)
        self.addCleanup(fakes.kill_mentioning, tmp.path)
        fake = fakes.write_script(tmp.path, "qemu-system-riscv64", fakes.FAKE_QEMU)
        with mock.patch.object(grade, "QEMU", fake):
            t = make_test("allpass_on_4_harts", scenario="allpass", qemu={"smp": 4, "mem": "1G"})
            out = grade.run_test(t, "/k", "student", os.path.join(tmp.path, "log"))
        self.assertEqual((out.status, out.score), ("PASS", 6), out.note)


class AddHiddenTest(unittest.TestCase):
    def setUp(self):
        self.tmp = fakes.TempDir()
        self.addCleanup(self.tmp.cleanup)
        path = os.path.join(self.tmp.path, "kit", "labs", "03-demo", "lab.json")
        kit.write(path, json.dumps(LAB))
        self.labs = labspec.load_labs(os.path.join(self.tmp.path, "kit"))
        self.dir = os.path.join(self.tmp.path, "hidden")
        os.makedirs(self.dir)

    def put(self, rel, data):
        kit.write(os.path.join(self.dir, rel), data if isinstance(data, str)
                  else json.dumps(data))

    def add(self):
        return hidden.add_hidden_tests(self.labs, self.dir)

    def test_both_file_forms(self):
        self.put("03-demo.json", {"tests": [{"name": "big", "scenario": "allpass",
                                             "qemu": {"smp": 4}, "checks": CHECKS}]})
        self.put("03-demo/lab.json", [{"name": "seedecho_fixed", "scenario": "seedecho",
                                       "seed": 7, "checks": LAB["tests"][1]["checks"]}])
        self.put("README.md", "notes")
        self.assertEqual(self.add(), 2)
        lab = self.labs[0]
        self.assertEqual([(t.name, t.scenario, t.hidden) for t in lab.tests],
                         [("allpass", "allpass", False), ("seedecho", "seedecho", False),
                          ("big", "allpass", True), ("seedecho_fixed", "seedecho", True)])
        self.assertEqual(lab.points, 6 + 1 + 6 + 1)

    def test_implicit_scenario_must_exist(self):
        self.put("03-demo.json", [{"name": "typo", "checks": CHECKS}])
        with self.assertRaises(labspec.SpecError) as cm:
            self.add()
        self.assertIn("add \"scenario\": one of allpass, seedecho", str(cm.exception))
        # A test named like an existing scenario is a name clash instead.
        self.put("03-demo.json", [{"name": "allpass", "checks": CHECKS}])
        with self.assertRaises(labspec.SpecError) as cm:
            self.add()
        self.assertIn("has the name of a test", str(cm.exception))

    def test_a_real_guest_is_judged_by_qemu_in_hidden_tests_too(self):
        # Lab 10's uboot and linux: a check with "runs" and a step that looks.
        guest = {"name": "boots", "scenario": "allpass", "qemu": {"guest": {"image": "g.bin"}},
                 "input": [{"wait": "DRAM", "look": "boot"},
                           {"wait": "=> ", "send": "x", "look": "prompt"}],
                 "checks": CHECKS + [{"name": "qemu", "points": 0, "runs": "guest"}]}
        self.labs[0].tests.append(labspec.Test(guest, self.labs[0], "lab.json"))
        bare = dict(guest, name="boots_big", checks=CHECKS)
        self.put("03-demo.json", [bare])
        with self.assertRaises(labspec.SpecError) as cm:
            self.add()
        self.assertIn("also ask QEMU whether the guest runs", str(cm.exception))
        self.put("03-demo.json", [dict(guest, name="boots_big")])
        self.assertEqual(self.add(), 1)
        # Other scenarios are not concerned.
        self.put("03-demo.json", [{"name": "big", "scenario": "seedecho", "checks": CHECKS}])
        self.assertEqual(self.add(), 1)

    def test_mistakes_name_the_file(self):
        cases = [("07-nolab.json", [], "no lab named '07-nolab'"),
                 ("03-demo.json", "{ broken", "03-demo.json"),
                 ("03-demo.json", {"test": []}, "expected {\"tests\""),
                 ("03-demo.json", [{"name": "x", "scenario": "allpass", "checks": []}],
                  "no checks")]
        for name, data, words in cases:
            with self.subTest(name=name, words=words):
                for f in os.listdir(self.dir):
                    os.unlink(os.path.join(self.dir, f))
                self.put(name, data)
                with self.assertRaises(labspec.SpecError) as cm:
                    self.add()
                self.assertIn(words, str(cm.exception))
        with self.assertRaises(labspec.SpecError):
            hidden.add_hidden_tests(self.labs, os.path.join(self.dir, "nope"))


class HiddenCommandLineTest(unittest.TestCase):
    """grade --extra-tests in a fake kit: the hidden test runs, is marked."""

    def test_grade_with_hidden_tests(self):
        if not kit.shutil.which("make"):
            self.skipTest("make is not installed")
        tmp = fakes.TempDir()
        self.addCleanup(tmp.cleanup)
        self.addCleanup(fakes.kill_mentioning, tmp.path)
        root = os.path.join(tmp.path, "kit")
        kit.shutil.copytree(os.path.join(kit.ROOT, "grader"), os.path.join(root, "grader"),
                            ignore=kit.shutil.ignore_patterns("__pycache__", "tests"))
        kit.write(os.path.join(root, "labs", "03-demo", "lab.json"), json.dumps(LAB))
        kit.write(os.path.join(root, "Makefile"), ".PHONY: build\nbuild:\n\t@mkdir -p build/03-demo-student"
                                                  " && touch build/03-demo-student/hyp.elf\n")
        qemu = fakes.write_script(tmp.path, "qemu-system-riscv64", fakes.FAKE_QEMU)
        extra = os.path.join(tmp.path, "hidden")
        kit.write(os.path.join(extra, "03-demo.json"), json.dumps({"tests": [
            {"name": "allpass_3", "scenario": "allpass", "qemu": {"smp": 3, "mem": "64M"},
             "checks": CHECKS}]}))
        p = kit.run_grader(["grade", "--extra-tests", extra, "--json", "r.json"], cwd=root,
                           env={"QEMU": qemu})
        self.assertEqual(p.returncode, 0, p.stdout)
        self.assertRegex(p.stdout, r"allpass_3 \(hidden\) +6/6 +PASS")
        js, tests = kit.tests_by_name(os.path.join(root, "r.json"))
        self.assertEqual((tests["allpass_3"]["hidden"], tests["allpass_3"]["scenario"]),
                         (True, "allpass"))
        self.assertFalse(tests["allpass"]["hidden"])
        self.assertEqual(js["max_score"], 6 + 1 + 6)


if __name__ == "__main__":
    unittest.main()
