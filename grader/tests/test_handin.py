"""`make handin` (issue 14, item 7): exactly the student files, in an archive
named after the convention, a warning for uncommitted work in a git
repository, and the archive graded the way an instructor grades it.

End to end on a copy of the kit (labs 1-2) that is a git repository: lab
1's answer is the reference (committed), lab 2's vcpu.c is changed after
the commit. `python3 -m grader handin --lab 1` must warn about vcpu.c, pack
the three student files and nothing else (not the test folders, not a
stray file), and grade the unpacked archive with --submission: full marks.
"""

import os
import re
import shutil
import subprocess
import sys
import tarfile
import unittest

from grader import handin, labspec
from grader.tests import fakes, kit


class NamingTest(unittest.TestCase):
    def test_name(self):
        import datetime
        when = datetime.datetime(2026, 3, 4, 5, 6, 7)
        self.assertEqual(handin.archive_name("ada", when), "handin-ada-20260304-050607.tar.gz")
        self.assertRegex(handin.archive_name("ada", when), handin.PATTERN)
        self.assertEqual(handin.clean_name("Ada Lovelace/../x"), "Ada-Lovelace-..-x")
        self.assertEqual(handin.clean_name(""), "")

    def test_handin_name_wins(self):
        old = os.environ.get("HANDIN_NAME")
        os.environ["HANDIN_NAME"] = "s1234567"
        try:
            self.assertEqual(handin.user_name(), "s1234567")
        finally:
            if old is None:
                del os.environ["HANDIN_NAME"]
            else:
                os.environ["HANDIN_NAME"] = old


@kit.needs_real_kit
@unittest.skipUnless(shutil.which("git"), "needs git")
class HandinTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = fakes.TempDir(prefix="grader-handin-")
        root = cls.root = cls.tmp.path
        try:
            kit.kit_copy(root, labs=("01-boot", "02-csr"))
            shutil.rmtree(os.path.join(root, "solutions"))         # as in a handout
            kit.write(os.path.join(root, "labs", "01-boot", "boot.c"), kit.solution())
            kit.write(os.path.join(root, "labs", "02-csr", "notes.txt"), "not a student file\n")
            env = dict(os.environ, GIT_AUTHOR_NAME="A", GIT_AUTHOR_EMAIL="ada.l@example.org",
                       GIT_COMMITTER_NAME="A", GIT_COMMITTER_EMAIL="ada.l@example.org")
            env.pop("HANDIN_NAME", None)
            for cmd in (["init", "-q"], ["config", "user.email", "ada.l@example.org"],
                        ["add", "-A"], ["commit", "-qm", "work"]):
                subprocess.run(["git", "-C", root, *cmd], check=True, env=env,
                               stdout=subprocess.DEVNULL)
            with open(os.path.join(root, "labs", "02-csr", "vcpu.c"), "a",
                      encoding="utf-8") as f:
                f.write("\n// more work, not committed\n")
            cls.proc = subprocess.run(
                [sys.executable, "-m", "grader", "handin", "--lab", "1"], cwd=root, env=env,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                timeout=300, encoding="utf-8", errors="replace", start_new_session=True)
            build = os.path.join(root, "build")
            cls.archives = [n for n in os.listdir(build) if n.startswith("handin-")] \
                if os.path.isdir(build) else []
        except BaseException:
            cls.tmp.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        fakes.kill_mentioning(cls.root)
        cls.tmp.cleanup()

    def test_one_archive_named_by_the_convention(self):
        self.assertEqual(len(self.archives), 1, self.proc.stdout[-2000:])
        self.assertRegex(self.archives[0], r"^handin-ada\.l-\d{8}-\d{6}\.tar\.gz$")

    def test_exactly_the_student_files(self):
        labs = labspec.load_labs(self.root)
        want = sorted(f"labs/{lab.dirname}/{f}" for lab in labs for f in lab.student_files)
        with tarfile.open(os.path.join(self.root, "build", self.archives[0])) as tf:
            members = tf.getmembers()
            self.assertEqual(sorted(m.name for m in members), want)
            self.assertTrue(all(m.isfile() for m in members))
            got = tf.extractfile("labs/02-csr/vcpu.c").read().decode()
        self.assertIn("more work, not committed", got)      # the files as they are now

    def test_warns_about_uncommitted_work(self):
        self.assertRegex(self.proc.stdout, r"WARNING: 1 student file\(s\) differ from your last "
                                           r"commit: labs/02-csr/vcpu\.c")

    def test_grades_the_archive_as_an_instructor(self):
        out = self.proc.stdout
        self.assertIn("grade --submission on an unpacked copy", out)
        self.assertIn("in a private copy of the kit", out)      # --submission's path
        full = f"{kit.LAB1_POINTS}/{kit.LAB1_POINTS} +{kit.LAB1_TESTS}/{kit.LAB1_TESTS}"
        self.assertRegex(out, r"\n *1 boot +" + full)
        self.assertEqual(self.proc.returncode, 0, out[-3000:])
        self.assertRegex(out, r"handin: hand in \S+handin-ada\.l-\d{8}-\d{6}\.tar\.gz\n")


if __name__ == "__main__":
    unittest.main()
