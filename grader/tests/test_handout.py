"""`make handout DEST=dir`: the student repository, verified (every lab
builds and scores zero), without solutions or instructor notes, with the
GitHub Actions workflow, and with a `make test` that works there."""

import os
import subprocess
import unittest
from unittest import mock

from grader import handout
from grader.tests import fakes, kit


@kit.needs_real_kit
class HandoutTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = fakes.TempDir(prefix="grader-handout-")
        cls.dest = os.path.join(cls.tmp.path, "student-repo")
        # Python writes bytecode here unless the environment says otherwise
        # (a clean container does not): the test must not depend on it.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        # From the kit with the pristine skeletons (a student's labs/ is not the kit's).
        cls.proc = subprocess.run(["make", "--no-print-directory", "-C", kit.SKELETONS, "handout",
                                   f"DEST={cls.dest}"], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  timeout=600, encoding="utf-8", errors="replace",
                                  start_new_session=True, env=env)
        cls.selftest = None
        cls.top = sorted(os.listdir(cls.dest)) if os.path.isdir(cls.dest) else []
        # The repository as make handout wrote it, before anything runs in it.
        cls.tree = [(d, sorted(dirs)) for d, dirs, _ in os.walk(cls.dest)]
        if cls.proc.returncode == 0:
            cls.selftest = subprocess.run(["make", "--no-print-directory", "-C", cls.dest,
                                           "test"], stdin=subprocess.DEVNULL,
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                          timeout=600, encoding="utf-8", errors="replace",
                                          start_new_session=True, env=env)

    @classmethod
    def tearDownClass(cls):
        fakes.kill_mentioning(cls.tmp.path)
        cls.tmp.cleanup()

    def test_make_handout_verifies_every_lab(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stdout[-3000:])
        labs = kit.labspec.load_labs(kit.ROOT)
        for lab in labs:
            self.assertRegex(self.proc.stdout, rf"PASS lab +{lab.number} {lab.name} +builds: yes"
                                               rf" +score 0/{lab.points:g}")
        self.assertIn("The handout is ready", self.proc.stdout)
        self.assertNotIn("build", self.top)     # (make test in it builds later)

    def test_what_is_left_out(self):
        self.assertEqual(self.top, sorted([".clangd", ".devcontainer", ".github", ".gitignore",
                                           ".vscode", "Makefile", "README.md", "common", "docs",
                                           "grader", "labs"]))
        self.assertFalse(os.path.exists(os.path.join(self.dest, "docs", "instructors.md")))
        self.assertEqual(sorted(os.listdir(os.path.join(self.dest, "labs"))),
                         kit.labspec.lab_dirs(kit.ROOT))
        self.assertTrue(self.tree)
        for dirpath, dirnames in self.tree:
            self.assertNotIn("__pycache__", dirnames, dirpath)
            self.assertNotIn("solutions", dirnames, dirpath)
        # make test in it writes bytecode (wherever Python may): git ignores it.
        self.assertIn("__pycache__/", kit.read(os.path.join(self.dest, ".gitignore")).split())

    def test_workflow_and_readme(self):
        wf = os.path.join(self.dest, ".github", "workflows", "grade.yml")
        self.assertEqual(kit.read(wf), kit.read(os.path.join(handout.TEMPLATES,
                                                             "github-grade.yml")))
        readme = kit.read(os.path.join(self.dest, "README.md")).splitlines()
        self.assertEqual(readme[0], kit.read(os.path.join(kit.ROOT, "README.md")).splitlines()[0])
        self.assertTrue(readme[2].startswith("> **Your copy of the course kit.**"))
        self.assertFalse([ln for ln in readme if "instructors.md" in ln])

    def test_no_solution_grading_in_the_handout(self):
        p = kit.run_grader(["grade", "--solution", "--lab", "1"], cwd=self.dest)
        self.assertEqual(p.returncode, 2, p.stdout)
        self.assertIn("this copy has no solutions/", p.stdout)
        p = kit.run_grader(["handout", os.path.join(self.tmp.path, "again")], cwd=self.dest)
        self.assertEqual(p.returncode, 2, p.stdout)
        self.assertIn("it is a handout already", p.stdout)

    def test_make_test_works_in_the_handout(self):
        self.assertIsNotNone(self.selftest, "make handout failed")
        out = self.selftest.stdout
        failed = [ln for ln in out.splitlines() if ln.lstrip().startswith("FAIL")]
        self.assertEqual(self.selftest.returncode, 0,
                         "\n".join(failed[:20]) + "\n---\n" + out[-1500:])
        self.assertIn("SKIP solutions full marks, skeletons zero", out)
        # What it is for, and what it left out (issue 14, item 6).
        self.assertIn("make test proves the kit, never your work: this is the student "
                      "handout", out)
        self.assertIn("left out, because they need the solutions: solutions full marks, "
                      "skeletons zero", out)
        self.assertIn("no grade of the solutions to compare with (a student handout)", out)
        # Not a git checkout here: labs/ as it is, and said so.
        self.assertIn("lab 1 labs/ (as it is) image builds for gdb", out)
        self.assertIn("skeletons: not a git checkout", out)
        self.assertRegex(out.strip().splitlines()[-1], r"^\d+ passed, 0 failed$")


class HandoutRefusesTest(unittest.TestCase):
    @unittest.skipUnless(kit.HAVE_SOLUTIONS, "in a handout, handout refuses for that reason")
    def test_bad_destinations(self):
        tmp = fakes.TempDir()
        self.addCleanup(tmp.cleanup)
        kit.write(os.path.join(tmp.path, "full", "x"), "")
        for dest, words in ((kit.ROOT, "contain the kit"),
                            (os.path.dirname(kit.ROOT), "contain the kit"),
                            (os.path.join(kit.ROOT, "labs", "x"), "inside the kit"),
                            (os.path.join(tmp.path, "full"), "exists")):
            p = kit.run_grader(["handout", dest, "--no-verify"])
            self.assertEqual(p.returncode, 2, (dest, p.stdout))
            self.assertIn(words, p.stdout)
        self.assertTrue(os.path.exists(os.path.join(tmp.path, "full", "x")))

    def test_destinations_wherever_the_kit_sits(self):
        """The containment check compares whole path components, also when
        the kit is a top-level folder (/kit in a container: its parent is /)."""
        for root in ("/rvh-kit-test", "/work/rvh-kit-test"):
            cases = {"/": "contain the kit", root: "contain the kit",
                     os.path.dirname(root): "contain the kit",
                     root + "/labs/x": "inside the kit", root + "/build": "inside the kit",
                     root + "/buildx": "inside the kit", root + "/build/handout": None,
                     root + "-old": None, root + "-old/build": None}
            with mock.patch.object(handout, "ROOT", root):
                for dest, words in cases.items():
                    why = handout._check_dest(dest)
                    with self.subTest(root=root, dest=dest):
                        if words is None:
                            self.assertIsNone(why)
                        else:
                            self.assertIn(words, why or "(accepted)")

    def test_make_needs_dest(self):
        p = subprocess.run(["make", "--no-print-directory", "-C", kit.ROOT, "handout"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, encoding="utf-8")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("give DEST=dir", p.stdout)


if __name__ == "__main__":
    unittest.main()
