"""The lab format: grader/labspec.py on the real lab.json files and on
broken ones."""

import copy
import json
import os
import unittest

from grader import labspec
from grader.tests.fakes import TempDir

GOOD = {
    "lab": 7, "name": "demo", "title": "Demo", "student_files": ["demo.c"],
    "tests": [{
        "name": "one", "qemu": {"smp": 2, "mem": "64M"}, "timeout": 3,
        "checks": [{"name": "c1", "points": 2, "fact": "harts", "equals": "{smp}"},
                   {"name": "c2", "points": 1, "check": "probe", "exit": "clean"}],
    }],
}


class RealLabsTest(unittest.TestCase):
    def test_every_lab_json_loads(self):
        labs = labspec.load_labs(labspec.ROOT)
        self.assertTrue(labs, "no labs/NN-name/lab.json found")
        for lab in labs:
            self.assertEqual(lab.dirname[:2], f"{lab.number:02d}", lab.dirname)
            for t in lab.tests:
                self.assertGreater(t.points, 0, f"{lab.dirname}/{t.name} is worth nothing")
                self.assertGreater(t.timeout, 0)
                labspec.parse_mem(t.mem)

    def test_lab1_shape(self):
        lab = labspec.find_lab(labspec.load_labs(labspec.ROOT), 1)
        self.assertIsNotNone(lab)
        self.assertEqual(lab.student_files, ["boot.c"])
        names = [t.name for t in lab.tests]
        self.assertIn("hext_present", names)
        absent = lab.tests[names.index("hext_absent")]
        self.assertEqual(absent.cpu, "rv64,h=false")
        self.assertTrue(absent.icount)
        large = lab.tests[names.index("platform_large")]
        self.assertEqual(large.smp, 3)
        self.assertFalse(large.icount, "multi-hart runs must not use icount")

    def test_find_lab(self):
        labs = labspec.load_labs(labspec.ROOT)
        lab1 = labspec.find_lab(labs, 1)
        for which in ("1", "01", " 1 ", lab1.dirname, lab1.name):
            self.assertIs(labspec.find_lab(labs, which), lab1, which)
        self.assertIsNone(labspec.find_lab(labs, "99"))
        self.assertIsNone(labspec.find_lab(labs, "nope"))


class MalformedTest(unittest.TestCase):
    def setUp(self):
        self.tmp = TempDir()
        self.addCleanup(self.tmp.cleanup)

    def load(self, spec):
        d = os.path.join(self.tmp.path, "labs", "07-demo")
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "lab.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(spec if isinstance(spec, str) else json.dumps(spec))
        return labspec.Lab(path)

    def assertSpecError(self, spec, *words):
        with self.assertRaises(labspec.SpecError) as cm:
            self.load(spec)
        msg = str(cm.exception)
        self.assertIn("lab.json", msg)
        for w in words:
            self.assertIn(w, msg)
        return msg

    def mutate(self, fn):
        spec = copy.deepcopy(GOOD)
        fn(spec)
        return spec

    def test_good_spec(self):
        lab = self.load(GOOD)
        self.assertEqual((lab.number, lab.name, lab.points), (7, "demo", 3))
        t = lab.tests[0]
        self.assertEqual((t.smp, t.mem, t.icount, t.timeout), (2, "64M", False, 3.0))
        self.assertEqual(t.checks[0].equals, "{smp}")
        self.assertEqual(self.load(self.mutate(lambda s: s["tests"][0].pop("qemu")))
                         .tests[0].icount, True)

    def test_not_json(self):
        self.assertSpecError("{ not json", "lab.json")
        self.assertSpecError("[1, 2]", "JSON object")

    def test_missing_keys(self):
        for key in ("lab", "name", "student_files", "tests"):
            self.assertSpecError(self.mutate(lambda s: s.pop(key)), f"'{key}'")
        self.assertSpecError(self.mutate(lambda s: s["tests"][0].pop("checks")),
                             "test 1", "'checks'")
        self.assertSpecError(self.mutate(lambda s: s["tests"][0]["checks"][0].pop("points")),
                             "check 1", "'points'")
        self.assertSpecError(self.mutate(lambda s: s["tests"][0]["checks"][1].pop("name")),
                             "check 2", "'name'")

    def test_check_without_condition(self):
        self.assertSpecError(self.mutate(
            lambda s: s["tests"][0]["checks"].append({"name": "x", "points": 1})),
            "check 3", "needs one of")

    def test_fact_and_equals_go_together(self):
        self.assertSpecError(self.mutate(
            lambda s: s["tests"][0]["checks"][0].pop("equals")), "'fact' needs 'equals'")
        self.assertSpecError(self.mutate(
            lambda s: s["tests"][0]["checks"][0].pop("fact")), "'equals' needs 'fact'")

    def test_bad_regex(self):
        for key in ("expect", "absent"):
            msg = self.assertSpecError(self.mutate(
                lambda s: s["tests"][0]["checks"][1].update({key: "(unclosed"})),
                "check 2", f"bad regex in '{key}'")
            self.assertIn("one", msg)       # names the test
        self.assertSpecError(self.mutate(
            lambda s: s["tests"][0].update(input=[{"wait": "[", "send": "x"}])),
            "input step 1", "bad regex")

    def test_unknown_keys_are_refused(self):
        # A typo would otherwise leave a check with fewer conditions than meant.
        self.assertSpecError(self.mutate(
            lambda s: s["tests"][0]["checks"][1].update(expcet="x")), "check 2", "'expcet'")
        self.assertSpecError(self.mutate(
            lambda s: s["tests"][0].update(timout=3)), "test 1", "'timout'")
        self.assertSpecError(self.mutate(
            lambda s: s["tests"][0]["qemu"].update(ncpu=2)), "qemu", "'ncpu'")

    def test_duplicate_test_names(self):
        self.assertSpecError(self.mutate(lambda s: s["tests"].append(s["tests"][0])),
                             "duplicate test names", "one")

    def test_bad_exit_kind(self):
        self.assertSpecError(self.mutate(
            lambda s: s["tests"][0]["checks"][1].update(exit="crash")), "'exit'", "clean")

    def test_bad_names_and_types(self):
        cases = [
            (lambda s: s["tests"][0].update(name="two words"), "test name"),
            (lambda s: s.update(lab="7"), "'lab' has the wrong type"),
            (lambda s: s.update(student_files=[1]), "student_files"),
            (lambda s: s["tests"][0]["checks"][0].update(points=-1), "'points'"),
            (lambda s: s["tests"][0]["checks"][0].update(points=True), "'points'"),
            (lambda s: s["tests"][0]["checks"][1].update(check=["a"]), "'check'"),
            (lambda s: s["tests"][0]["checks"][1].update(expect=5), "'expect'"),
            (lambda s: s["tests"][0].update(checks=[]), "no checks"),
            (lambda s: s["tests"][0].update(checks=["x"]), "JSON object"),
            (lambda s: s["tests"][0].update(qemu=[]), "'qemu'"),
            (lambda s: s["tests"][0]["qemu"].update(smp="two"), "smp"),
            (lambda s: s["tests"][0]["qemu"].update(smp=0), "smp"),
            (lambda s: s["tests"][0]["qemu"].update(mem="lots"), "mem"),
            (lambda s: s["tests"][0].update(timeout="soon"), "timeout"),
            (lambda s: s["tests"][0].update(timeout=0), "timeout"),
            (lambda s: s["tests"][0].update(seed="0x10"), "seed"),
            (lambda s: s["tests"][0].update(input={"wait": "x"}), "'input'"),
            (lambda s: s["tests"][0].update(input=["x"]), "input step 1"),
            (lambda s: s["tests"][0].update(input=[{"wiat": "x"}]), "unknown key"),
            (lambda s: s["tests"][0].update(input=[{"wait": "x", "delay": "no"}]), "delay"),
            (lambda s: s["tests"][0].update(input=[{"wait": "x", "look": True}]), "'look'"),
            (lambda s: s["tests"][0]["checks"][1].update(runs="linux"), "'runs'"),
            # QEMU's view needs a guest, a look while it boots and one where it waits.
            (lambda s: s["tests"][0]["checks"][1].update(runs="guest"), "needs a qemu 'guest'"),
            (lambda s: (s["tests"][0]["checks"][1].update(runs="guest"),
                        s["tests"][0]["qemu"].update(guest={"image": "u-boot.bin"}),
                        s["tests"][0].update(input=[{"wait": "=> ", "look": "prompt"}])),
             "\"look\": \"boot\""),
        ]
        for fn, word in cases:
            with self.subTest(word=word):
                self.assertSpecError(self.mutate(fn), word)

    def test_load_labs_from_a_root(self):
        self.load(GOOD)
        os.makedirs(os.path.join(self.tmp.path, "labs", "not-a-lab"))
        labs = labspec.load_labs(self.tmp.path)
        self.assertEqual([lab.dirname for lab in labs], ["07-demo"])
        self.assertEqual(labspec.load_labs(os.path.join(self.tmp.path, "nothing")), [])


class ParseMemTest(unittest.TestCase):
    def test_sizes(self):
        cases = {"128M": 128 << 20, "64m": 64 << 20, "1G": 1 << 30, "384MiB": 384 << 20,
                 "512": 512 << 20, "2048K": 2 << 20, " 256M ": 256 << 20, "1T": 1 << 40}
        for text, want in cases.items():
            self.assertEqual(labspec.parse_mem(text), want, text)

    def test_bad_sizes(self):
        for text in ("", "M", "12X", "1.5G", "-1M", "lots", "128 M"):
            with self.assertRaises(labspec.SpecError, msg=text):
                labspec.parse_mem(text)


if __name__ == "__main__":
    unittest.main()
