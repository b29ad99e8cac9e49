"""`make test` never blames the student (issue 14, item 6): where labs/
has been edited, the skeleton phase proves zero from git's HEAD
(grader/pristine.py) and says so; without git it says what it cannot know.

The end-to-end case is real: a kit copy with lab 1, committed to git and
owned by another user (a dev container's "dubious ownership"), whose
labs/01-boot/boot.c is then replaced by the reference solution (a student
who did lab 1); selftest's skeleton phase grades HEAD's skeleton: zero.
"""

import contextlib
import io
import os
import shutil
import subprocess
import unittest

from grader import labspec, pristine, selftest
from grader.tests import fakes, kit


def git(root, *args):
    subprocess.run(["git", "-C", root, *args], check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def committed_copy(root):
    kit.kit_copy(root, solutions=kit.HAVE_SOLUTIONS)
    git(root, "init", "-q")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "kit")


@unittest.skipUnless(shutil.which("git"), "needs git")
class DetectTest(unittest.TestCase):
    def setUp(self):
        self.tmp = fakes.TempDir(prefix="grader-pristine-")
        self.addCleanup(self.tmp.cleanup)
        self.root = self.tmp.path

    def test_untouched_labs_are_graded_in_place(self):
        committed_copy(self.root)
        s = pristine.skeletons(self.root, labspec.load_labs(self.root))
        self.assertEqual((s.root, s.edited, s.from_git), (self.root, [], True))
        self.assertIn("HEAD", s.why)

    @unittest.skipUnless(kit.HAVE_SOLUTIONS, "instructors' test: needs solutions/")
    def test_edited_and_added_files_are_replaced_by_heads(self):
        committed_copy(self.root)
        boot = os.path.join(self.root, "labs", "01-boot", "boot.c")
        kit.write(boot, kit.solution())
        kit.write(os.path.join(self.root, "labs", "01-boot", "mine.c"), "int x;\n")
        s = pristine.skeletons(self.root, labspec.load_labs(self.root))
        self.assertEqual(s.edited, ["labs/01-boot/boot.c", "labs/01-boot/mine.c"])
        self.assertEqual(s.root, os.path.join(self.root, pristine.DEST))
        self.assertEqual(kit.read(os.path.join(s.root, "labs", "01-boot", "boot.c")),
                         kit.skeleton())
        self.assertFalse(os.path.exists(os.path.join(s.root, "labs", "01-boot", "mine.c")))
        self.assertEqual(kit.read(boot), kit.solution(), "the student's file was touched")
        self.assertIn("differ from git's HEAD", s.why)
        # A second time: nothing rewritten (the copy's builds stay warm).
        before = os.stat(os.path.join(s.root, "labs", "01-boot", "boot.c")).st_mtime_ns
        pristine.skeletons(self.root, labspec.load_labs(self.root))
        self.assertEqual(os.stat(os.path.join(s.root, "labs", "01-boot", "boot.c")).st_mtime_ns,
                         before)

    def test_no_git_says_so(self):
        kit.kit_copy(self.root, solutions=kit.HAVE_SOLUTIONS)
        s = pristine.skeletons(self.root, labspec.load_labs(self.root))
        self.assertEqual((s.root, s.from_git), (self.root, False))
        self.assertIn("not a git checkout", s.why)
        self.assertIn("not because of the kit", s.why)


@kit.needs_real_kit
@unittest.skipUnless(shutil.which("git") and os.geteuid() == 0,
                     "needs git, and root to give the copy to another user")
class EditedKitTest(unittest.TestCase):
    """A student's lab 1 (the reference) in labs/, the checkout owned by
    someone else: the skeleton phase still proves zero, from HEAD's."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = fakes.TempDir(prefix="grader-pristine-")
        root = cls.root = cls.tmp.path
        committed_copy(root)
        subprocess.run(["chown", "-R", "65534:65534", os.path.join(root, ".git")], check=True)
        kit.write(os.path.join(root, "labs", "01-boot", "boot.c"), kit.solution())
        labs = labspec.load_labs(root)
        cls.skel = pristine.skeletons(root, labs)
        cls.tally = selftest.Tally()
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            selftest.check_skeletons(labs, cls.skel, 2, cls.tally, False)
        cls.out = out.getvalue()

    @classmethod
    def tearDownClass(cls):
        fakes.kill_mentioning(cls.tmp.path)
        cls.tmp.cleanup()

    def test_dubious_ownership_does_not_stop_git(self):
        p = subprocess.run(["git", "-C", self.root, "status"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, encoding="utf-8")
        self.assertNotEqual(p.returncode, 0, "git trusts the copy anyway: nothing proven")
        self.assertIn("dubious ownership", p.stderr)
        self.assertTrue(self.skel.from_git, self.skel.why)

    def test_skeleton_phase_proves_zero_from_head(self):
        self.assertEqual(self.skel.edited, ["labs/01-boot/boot.c"])
        self.assertEqual(self.tally.failed, 0, self.out[-3000:])
        self.assertEqual(self.tally.passed, kit.LAB1_TESTS, self.out[-3000:])
        self.assertIn("the skeletons are HEAD's", self.out)
        self.assertIn("labs/01-boot/boot.c", self.out)


if __name__ == "__main__":
    unittest.main()
