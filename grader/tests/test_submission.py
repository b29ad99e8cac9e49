"""grade --submission: what is taken from a student's tree, the tamper
report, the private copy of the kit, the build audit, and two graders
running at once."""

import io
import json
import os
import signal
import subprocess
import sys
import tarfile
import time
import unittest
import zipfile
from unittest import mock

from grader import build, deps, labspec, submission
from grader.tests import fakes, kit

DEMO_LAB = {"lab": 1, "name": "demo", "student_files": ["demo.c", "more.S"],
            "tests": [{"name": "allpass", "checks": [{"name": "c", "points": 1,
                                                      "check": "works"}]}]}


def make_fake_kit(root):
    """A tiny kit: one lab with two student files, tests, common/, grader/."""
    files = {
        "Makefile": "all:\n",
        "labs/01-demo/lab.json": json.dumps(DEMO_LAB),
        "labs/01-demo/demo.c": "/* skeleton */\n",
        "labs/01-demo/more.S": "/* skeleton */\n",
        "labs/01-demo/test/harness.c": "int harness;\nint more;\n",
        "common/lib/x.c": "int x;\n",
        "grader/evaluate.py": "X = 1\n",
        "solutions/01-demo/demo.c": "/* answer */\n",
    }
    for rel, text in files.items():
        kit.write(os.path.join(root, rel), text)
    return labspec.load_labs(root)


class ScanTest(unittest.TestCase):
    def setUp(self):
        self.tmp = fakes.TempDir()
        self.addCleanup(self.tmp.cleanup)
        self.kit = os.path.join(self.tmp.path, "kit")
        self.labs = make_fake_kit(self.kit)
        self.sub = os.path.join(self.tmp.path, "sub")
        os.makedirs(self.sub)

    def put(self, rel, text="", mode="w"):
        kit.write(os.path.join(self.sub, rel), text, mode)

    def scan(self, path=None):
        return submission.scan(path or self.sub, self.kit, self.labs)

    def test_tree_layout(self):
        self.put("labs/01-demo/demo.c", "/* mine */\n")
        self.put("labs/01-demo/more.S", "/* skeleton */\n")              # unchanged
        self.put("labs/01-demo/test/harness.c", "int harness;\r\nint more;\r\n")   # CRLF only
        self.put("labs/01-demo/lab.json", "{}")                          # modified
        self.put("Makefile", "all:\n\techo hi\n")                        # modified
        self.put("common/lib/x.c", "int x = 1;\n")                       # modified
        self.put("labs/01-demo/extra.c", "int extra;\n")                 # added
        self.put("grader/new.py", "")                                    # added
        self.put("grader/__pycache__/evaluate.cpython-311.pyc", "junk")  # ignored quietly
        self.put("labs/01-demo/.DS_Store", "junk")
        self.put("docs/notes.md", "not protected, not looked at")
        s = self.scan()
        self.assertEqual((s.root, s.layout), (os.path.abspath(self.sub), "tree"))
        self.assertEqual(s.used, ["labs/01-demo/demo.c", "labs/01-demo/more.S"])
        self.assertEqual(s.unchanged, ["labs/01-demo/more.S"])
        self.assertEqual(s.missing, [])
        self.assertEqual(s.modified, ["Makefile", "common/lib/x.c", "labs/01-demo/lab.json"])
        self.assertEqual(s.added, ["grader/new.py", "labs/01-demo/extra.c"])
        self.assertEqual(s.ignored, [])
        self.assertTrue(s.tampered)
        text = "\n".join(submission.report_lines(s))
        self.assertIn("! modified protected files", text)
        self.assertIn("! added files (ignored): grader/new.py, labs/01-demo/extra.c", text)

    def test_missing_and_unusable_student_files(self):
        self.put("labs/01-demo/test/harness.c", "int harness;\nint more;\n")
        os.symlink(os.path.join(self.kit, "solutions/01-demo/demo.c"),
                   os.path.join(self.sub, "labs/01-demo/demo.c"))
        s = self.scan()
        self.assertEqual(s.used, [])
        self.assertEqual(s.missing, ["labs/01-demo/demo.c", "labs/01-demo/more.S"])
        self.assertEqual(s.ignored, [("labs/01-demo/demo.c", "symbolic link")])
        self.assertFalse(s.tampered)

    def test_refused_sources(self):
        for text, word in (('asm(".incbin \\"/etc/passwd\\"");', ".incbin"),
                           ("#pragma GCC system_header\n", "system_header")):
            with self.subTest(word=word):
                self.put("labs/01-demo/demo.c", text)
                s = self.scan()
                self.assertNotIn("labs/01-demo/demo.c", s.used)
                self.assertIn("labs/01-demo/demo.c", s.missing)
                self.assertIn(word, s.ignored[0][1])

    def test_oversized_student_file(self):
        self.put("labs/01-demo/demo.c", "x" * (submission.MAX_STUDENT_FILE + 1))
        s = self.scan()
        self.assertEqual(s.used, [])
        self.assertIn("larger than", s.ignored[0][1])

    def test_symlinked_folders_are_not_followed(self):
        os.makedirs(os.path.join(self.sub, "labs", "01-demo"))
        os.symlink(os.path.join(self.kit, "labs", "01-demo", "test"),
                   os.path.join(self.sub, "labs", "01-demo", "test"))
        os.symlink(os.path.join(self.kit, "common"), os.path.join(self.sub, "common"))
        s = self.scan()
        self.assertEqual(sorted(p for p, _ in s.ignored), ["common", "labs/01-demo/test"])
        self.assertEqual(s.modified + s.added, [])
        # labs/ itself a link: not a tree at all, nothing used
        other = os.path.join(self.tmp.path, "other")
        os.makedirs(other)
        os.symlink(os.path.join(self.kit, "solutions"), os.path.join(other, "labs"))
        s = self.scan(other)
        self.assertEqual(s.used, [])

    def test_what_changes_after_the_walk_is_not_read(self):
        """A student's own folder may change while it is graded: each file
        is opened below the submission without following any link, and read
        from that one open file (never /etc/shadow or /dev/zero swapped in
        since the walk saw a regular file)."""
        self.put("labs/01-demo/demo.c", "x")
        base = os.path.abspath(self.sub)
        os.symlink("/dev/zero", os.path.join(base, "zero"))
        os.symlink(os.path.join(self.kit, "labs"), os.path.join(base, "kitlabs"))
        os.mkfifo(os.path.join(base, "fifo"))
        os.link(os.path.join(self.kit, "Makefile"), os.path.join(base, "hard"))
        cases = {"labs/01-demo/demo.c": (b"x", None), "zero": (None, "symbolic link"),
                 "kitlabs/01-demo/demo.c": (None, "a folder on its path is a symbolic link "
                                                  "or no folder"),
                 "fifo": (None, "not a regular file"),
                 "hard": (None, "a hard link (it could be any file of this machine)"),
                 "../kit/Makefile": (None, "not inside the submission")}
        fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
        self.addCleanup(os.close, fd)
        for rel, want in cases.items():
            with self.subTest(rel=rel):
                self.assertEqual(submission.read_beneath(fd, rel, 1 << 20), want)
        self.assertEqual(submission.read_beneath(fd, "labs/01-demo/demo.c", 0),
                         (None, "larger than 0 MiB"))

    def test_the_folder_is_held_open(self):
        # The name given is resolved once: a link put in its place while the
        # scan runs (here: when the walk has listed the files) leads nowhere.
        self.put("labs/01-demo/demo.c", "/* mine */")
        other = os.path.join(self.tmp.path, "other")
        kit.write(os.path.join(other, "labs/01-demo/demo.c"), "/* someone else's */")
        real_entries = submission._entries

        def swap_then_walk(sub, kit_root, student_paths):
            out = real_entries(sub, kit_root, student_paths)
            os.rename(self.sub, self.sub + ".moved")
            os.symlink(other, self.sub)
            return out
        with mock.patch.object(submission, "_entries", swap_then_walk):
            s = self.scan()
        self.assertEqual(s.files, {"labs/01-demo/demo.c": b"/* mine */"})
        # A link given for the folder is not followed at all.
        s = self.scan()
        self.assertEqual((s.files, s.ignored), ({}, [(".", "a symbolic link: give the folder "
                                                        "it names")]))

    def test_nested_folder(self):
        self.put("repo-main/labs/01-demo/demo.c", "/* mine */")
        self.put("repo-main/.gitignore", "build/")
        s = self.scan()
        self.assertEqual(s.root, os.path.join(os.path.abspath(self.sub), "repo-main"))
        self.assertEqual(s.used, ["labs/01-demo/demo.c"])

    def test_lab_folders_layout(self):
        self.put("01-demo/demo.c", "/* mine */")
        self.put("01-demo/test/harness.c", "changed")
        self.put("07-other/x.c", "")
        s = self.scan()
        self.assertEqual(s.layout, "labs")
        self.assertEqual(s.used, ["labs/01-demo/demo.c"])
        self.assertEqual(s.modified, ["labs/01-demo/test/harness.c"])
        self.assertEqual(s.ignored, [("07-other", "not a lab folder of this kit")])

    def test_flat_layout(self):
        self.put("demo.c", "/* mine */")
        self.put("README.txt", "hi")
        s = self.scan()
        self.assertEqual(s.layout, "flat")
        self.assertEqual(s.used, ["labs/01-demo/demo.c"])
        self.assertEqual(s.missing, ["labs/01-demo/more.S"])
        self.assertEqual(s.ignored, [("README.txt", "not a student file of any lab")])

    def test_empty(self):
        s = self.scan()
        self.assertEqual(s.layout, "empty")
        self.assertEqual(len(s.missing), 2)
        self.assertIn("! the submission is empty", submission.report_lines(s))


class PrivateKitTest(unittest.TestCase):
    def setUp(self):
        self.tmp = fakes.TempDir()
        self.addCleanup(self.tmp.cleanup)
        self.kit = os.path.join(self.tmp.path, "kit")
        self.labs = make_fake_kit(self.kit)

    def test_copy_install_cleanup(self):
        sub_dir = os.path.join(self.tmp.path, "sub")
        kit.write(os.path.join(sub_dir, "labs/01-demo/demo.c"), "/* mine */\n")
        kit.write(os.path.join(sub_dir, "labs/01-demo/test/harness.c"), "evil\n")
        sub = submission.scan(sub_dir, self.kit, self.labs)
        work = os.path.join(self.tmp.path, "work")
        os.makedirs(work)
        with submission.PrivateKit(self.kit, work) as a, submission.PrivateKit(self.kit) as b:
            self.assertNotEqual(a.root, b.root)
            self.assertEqual(os.path.dirname(a.root), work)
            a.install(sub)
            self.assertEqual(sorted(os.listdir(a.root)),
                             ["Makefile", "build", "common", "grader", "labs"])
            self.assertFalse(os.path.exists(os.path.join(a.root, "solutions")))
            self.assertEqual(kit.read(os.path.join(a.root, "labs/01-demo/demo.c")),
                             "/* mine */\n")
            self.assertEqual(kit.read(os.path.join(a.root, "labs/01-demo/test/harness.c")),
                             "int harness;\nint more;\n")        # the kit's, not the student's
            self.assertEqual(kit.read(os.path.join(a.root, "labs/01-demo/more.S")),
                             "/* skeleton */\n")                 # missing: the skeleton
        self.assertEqual(os.listdir(work), [])
        self.assertFalse(os.path.exists(b.root))

    def test_install_builds_what_scan_checked(self):
        # The file turned into a link to a secret after the scan (a student
        # swapping it while the kit is copied): the bytes scanned are built.
        sub_dir = os.path.join(self.tmp.path, "sub")
        path = os.path.join(sub_dir, "labs/01-demo/demo.c")
        kit.write(path, "/* mine */\n")
        sub = submission.scan(sub_dir, self.kit, self.labs)
        secret = os.path.join(self.tmp.path, "secret")
        kit.write(secret, "root:SECRET:0:0\n")
        os.unlink(path)
        os.symlink(secret, path)
        with submission.PrivateKit(self.kit) as a:
            a.install(sub)
            self.assertEqual(kit.read(os.path.join(a.root, "labs/01-demo/demo.c")),
                             "/* mine */\n")


class SeedTest(unittest.TestCase):
    """build.seed(): a private kit's first build starts from the kit's own
    finished build of the lab's solution: each file no newer than the
    program it goes into (a cold build links host-test after the image)."""

    def setUp(self):
        self.tmp = fakes.TempDir()
        self.addCleanup(self.tmp.cleanup)
        self.kit = os.path.join(self.tmp.path, "kit")
        self.lab = make_fake_kit(self.kit)[0]
        self.src = os.path.join(self.kit, "build", f"{self.lab.dirname}-sol")
        self.n = 0

    def make(self, rel, when):
        path = os.path.join(self.src, rel)
        kit.write(path, rel)
        os.utime(path, ns=(when * 10**9, when * 10**9))

    def seed(self):
        self.n += 1
        root = os.path.join(self.tmp.path, f"private{self.n}")
        with mock.patch.object(labspec, "ROOT", self.kit):
            return build.seed(root, self.lab, os.path.join(root, "build", "x"))

    def test_host_objects_newer_than_the_image(self):
        self.make("flags.txt", 100)
        self.make("obj/common/lib/x.c.o", 101)
        self.make("hyp.elf", 102)
        self.make("host-obj/labs/01-demo/test/host/t.c.o", 103)
        self.make("host-test", 104)
        self.assertEqual(self.seed(), 3)        # flags.txt and the two objects
        self.make("host-obj/common/lib/y.c.o", 105)      # host-test not linked yet
        self.assertEqual(self.seed(), 0)

    def test_unfinished_builds_are_not_seeded(self):
        self.make("obj/common/lib/x.c.o", 101)
        self.assertEqual(self.seed(), 0)        # no image yet
        self.make("hyp.elf", 102)
        self.make("host-obj/common/lib/y.c.o", 103)
        self.assertEqual(self.seed(), 0)        # no host-test yet
        self.make("host-test", 104)
        self.assertEqual(self.seed(), 2)
        self.make("obj/common/lib/z.c.o", 105)
        self.assertEqual(self.seed(), 0)        # newer than the image


class BuildOutputTest(unittest.TestCase):
    """build._run reads a build's output as it comes and keeps its end: a
    source that makes the compiler warn millions of times stops the build
    past build.OUTPUT_CAP instead of filling the grader's memory."""

    def run_sh(self, script, timeout=30):
        t0 = time.monotonic()
        ok, out = build._run(["sh", "-c", script], timeout)
        return ok, out, time.monotonic() - t0

    def test_ordinary_builds(self):
        self.assertEqual(self.run_sh("echo built")[:2], (True, "built\n"))
        self.assertEqual(self.run_sh("echo 'x.c:1: error: no'; exit 2")[:2],
                         (False, "x.c:1: error: no\n"))

    def test_flood_is_stopped(self):
        ok, out, took = self.run_sh("while :; do echo 'x.c:1: warning: again and again'; done")
        self.assertFalse(ok)
        self.assertTrue(out.endswith(f"build stopped: more than {build.OUTPUT_CAP >> 20} MiB of "
                                     "compiler output (the last of it above)"), out[-300:])
        self.assertIn("x.c:1: warning: again and again\n", out)
        self.assertLess(len(out), build.OUTPUT_KEPT + 200)
        self.assertLess(took, 20)

    def test_timeout(self):
        ok, out, took = self.run_sh("echo start; sleep 30", timeout=0.5)
        self.assertEqual((ok, out), (False, "build did not finish in 0.5 s"))
        self.assertLess(took, 5)


class AuditTest(unittest.TestCase):
    def test_dependencies_outside_the_kit(self):
        tmp = fakes.TempDir()
        self.addCleanup(tmp.cleanup)
        root = tmp.path
        kit.write(os.path.join(root, "build/x/obj/a.c.d"),
                  "build/x/obj/a.c.o: labs/01-demo/demo.c common/include/hyp.h \\\n"
                  " labs/01-demo/../../common/include/x.h\ncommon/include/hyp.h:\n")
        self.assertEqual(deps.audit(root, os.path.join(root, "build/x")), [])
        kit.write(os.path.join(root, "build/x/obj/b.c.d"),
                  "build/x/obj/b.c.o: labs/01-demo/demo.c /home/prof/kit/solutions/s.c \\\n"
                  " labs/01-demo/../../../elsewhere.h /tmp/with\\ space.h\n"
                  "/home/prof/kit/solutions/s.c:\n")
        self.assertEqual(deps.audit(root, os.path.join(root, "build/x")),
                         ["/home/prof/kit/solutions/s.c", "/tmp/with space.h",
                          "labs/01-demo/../../../elsewhere.h"])


FAKE_MAKEFILE = """\
# Stands in for the kit's Makefile: "builds" an empty kernel image.
.PHONY: build
build:
\t@mkdir -p build/01-demo-student && touch build/01-demo-student/hyp.elf
"""


class FakeKitSubmissionTest(unittest.TestCase):
    """--submission with a fake Makefile and fake QEMU: the command line,
    and a SIGTERM in the middle (what batch does at its time limit)."""

    def setUp(self):
        if not kit.shutil.which("make"):
            self.skipTest("make is not installed")
        self.tmp = fakes.TempDir()
        self.addCleanup(self.tmp.cleanup)
        self.addCleanup(fakes.kill_mentioning, self.tmp.path)
        self.root = os.path.join(self.tmp.path, "kit")
        make_fake_kit(self.root)
        kit.write(os.path.join(self.root, "Makefile"), FAKE_MAKEFILE)
        kit.shutil.copytree(os.path.join(kit.ROOT, "grader"), os.path.join(self.root, "grader"),
                            dirs_exist_ok=True,
                            ignore=kit.shutil.ignore_patterns("__pycache__", "tests"))
        self.qemu = fakes.write_script(self.tmp.path, "qemu-system-riscv64", fakes.FAKE_QEMU)
        self.sub = os.path.join(self.tmp.path, "sub")
        kit.write(os.path.join(self.sub, "labs/01-demo/demo.c"), "/* mine */\n")
        kit.write(os.path.join(self.sub, "Makefile"), "build:\n\tfalse\n")

    def write_tests(self, tests):
        spec = dict(DEMO_LAB, tests=tests)
        kit.write(os.path.join(self.root, "labs/01-demo/lab.json"), json.dumps(spec))

    def test_report_and_json(self):
        self.write_tests([{"name": "allpass", "qemu": {"smp": 2},
                           "checks": [{"name": "c", "points": 1, "check": "works"}]},
                          {"name": "forged", "checks": [{"name": "c", "points": 1,
                                                         "check": "works"}]}])
        logs = os.path.join(self.tmp.path, "logs")
        p = kit.run_grader(["grade", "--submission", self.sub, "--json", "r.json",
                            "--logs", logs], cwd=self.root, env={"QEMU": self.qemu})
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("! modified protected files (ignored: the kit's copies are used): "
                      "Makefile", p.stdout)
        self.assertIn("missing (the skeleton is used): labs/01-demo/more.S", p.stdout)
        self.assertIn("suspicious: 'CHECK 0123456789abcdef works PASS'", p.stdout)
        self.assertIn("! tamper report: 1 protected file(s) modified, 0 added", p.stdout)
        js, tests = kit.tests_by_name(os.path.join(self.root, "r.json"))
        self.assertEqual(js["submission"]["modified"], ["Makefile"])
        self.assertEqual((tests["allpass"]["score"], tests["forged"]["score"]), (1, 0))
        self.assertEqual(tests["forged"]["suspicious_count"], 3)
        self.assertTrue(os.path.isfile(os.path.join(logs, "01-demo-student", "forged.log")))
        self.assertFalse(os.path.exists(os.path.join(self.root, "build")),
                         "--submission must not build in the kit itself")

    def test_sigterm_stops_everything(self):
        self.write_tests([{"name": "hang", "timeout": 60,
                           "checks": [{"name": "c", "points": 1, "check": "works"}]}])
        work = os.path.join(self.tmp.path, "work")
        os.makedirs(work)
        env = dict(os.environ, QEMU=self.qemu)
        p = subprocess.Popen([sys.executable, "-m", "grader", "grade", "--submission",
                              self.sub, "--workdir", work], cwd=self.root, env=env,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True)
        try:
            fakes.wait_for_process(self.qemu)
            time.sleep(0.2)
            t0 = time.monotonic()
            os.kill(p.pid, signal.SIGTERM)
            _, err = p.communicate(timeout=15)
            self.assertLess(time.monotonic() - t0, 5)
        finally:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        self.assertEqual(p.returncode, 130, err.decode())
        self.assertEqual(fakes.wait_gone([pid for pid, _ in
                                          fakes.processes_mentioning(self.tmp.path)]), [])
        self.assertEqual(os.listdir(work), [], "the private kit was not deleted")

    def test_an_archive_is_unpacked_first(self):
        # As grader batch unpacks one (grader/archive.py), into a folder of its own.
        self.write_tests(DEMO_LAB["tests"])
        work = os.path.join(self.tmp.path, "work")
        os.makedirs(work)
        good = os.path.join(self.tmp.path, "sub.zip")
        with zipfile.ZipFile(good, "w") as z:
            z.writestr("repo-main/labs/01-demo/demo.c", "/* mine */\n")
            z.writestr("repo-main/Makefile", "build:\n\tfalse\n")
        p = kit.run_grader(["grade", "--submission", good, "--json", "r.json", "--workdir",
                            work], cwd=self.root, env={"QEMU": self.qemu})
        self.assertEqual(p.returncode, 0, p.stdout)
        js, tests = kit.tests_by_name(os.path.join(self.root, "r.json"))
        self.assertEqual((js["submission"]["used"], js["submission"]["modified"]),
                         (["labs/01-demo/demo.c"], ["Makefile"]))
        self.assertEqual(tests["allpass"]["score"], 1)
        bad = os.path.join(self.tmp.path, "bad.tar.gz")
        with tarfile.open(bad, "w:gz") as tf:
            info = tarfile.TarInfo("../escape.c")
            tf.addfile(info, io.BytesIO(b""))
        p = kit.run_grader(["grade", "--submission", bad, "--workdir", work], cwd=self.root,
                           env={"QEMU": self.qemu})
        self.assertEqual(p.returncode, 2, p.stdout)
        self.assertIn("bad archive: unsafe member name '../escape.c'", p.stdout)
        self.assertEqual(os.listdir(work), [], "the unpacked archive was not deleted")
        os.symlink(good, os.path.join(self.tmp.path, "link.zip"))
        p = kit.run_grader(["grade", "--submission", os.path.join(self.tmp.path, "link.zip")],
                           cwd=self.root, env={"QEMU": self.qemu})
        self.assertEqual(p.returncode, 2, p.stdout)
        self.assertIn("link.zip: a symbolic link: give the folder or archive it names", p.stdout)

    def test_not_a_folder_and_solution_flag(self):
        self.write_tests(DEMO_LAB["tests"])
        for args in (["--submission", os.path.join(self.tmp.path, "nope")],
                     ["--submission", self.sub, "--solution"]):
            p = kit.run_grader(["grade", *args], cwd=self.root, env={"QEMU": self.qemu})
            self.assertEqual(p.returncode, 2, p.stdout)
            self.assertNotIn("Traceback", p.stdout)


@kit.needs_real_kit
class CapstoneSubmissionTest(unittest.TestCase):
    """An instructor grades the capstone: the reference answers of labs
    1-10 as a student's tree score full marks in a private kit, the real
    guests included (U-Boot, and Linux on 4 vCPUs from the kit's cached
    kernel: the private kit names it by a link, build/linux/Image, that the
    sandbox once left dangling, 22 points lost on every submission)."""

    def test_reference_scores_full_marks(self):
        if not os.path.isfile(os.path.join(kit.ROOT, "build", "linux", "Image")):
            self.skipTest("the kit's Linux is not built (make linux)")
        tmp = fakes.TempDir()
        self.addCleanup(tmp.cleanup)
        self.addCleanup(fakes.kill_mentioning, tmp.path)
        sub = os.path.join(tmp.path, "sub")
        for lab in labspec.load_labs(kit.ROOT):
            for f in lab.student_files:
                kit.write(os.path.join(sub, "labs", lab.dirname, f),
                          kit.solution(f"{lab.dirname}/{f}"))
        result = os.path.join(tmp.path, "r.json")
        p = kit.run_grader(["grade", "--lab", "10", "--submission", sub, "--json", result,
                            "--workdir", tmp.path])
        self.assertIn(p.returncode, (0, 1), p.stdout[-2000:])
        _, tests = kit.tests_by_name(result)
        self.assertIn("linux", tests)
        self.assertIn("uboot", tests)
        for name, t in sorted(tests.items()):
            self.assertEqual(t["score"], t["max_score"], f"{name}: {t['note']}\n" +
                             p.stdout[-2000:])
        self.assertEqual(p.returncode, 0)


@kit.needs_real_kit
class ConcurrentGradersTest(unittest.TestCase):
    """Two `grade --submission` at once on one machine, of different
    submissions: each gets its own private kit and build, and its own
    right answer (a shared build folder would mix up the images)."""

    def test_two_at_once(self):
        tmp = fakes.TempDir()
        self.addCleanup(tmp.cleanup)
        self.addCleanup(fakes.kill_mentioning, tmp.path)
        sol = os.path.join(tmp.path, "sol")
        skel = os.path.join(tmp.path, "skel")
        kit.write(os.path.join(sol, "labs/01-boot/boot.c"), kit.solution())
        kit.write(os.path.join(skel, "labs/01-boot/boot.c"), kit.skeleton())
        kit.write(os.path.join(skel, "labs/01-boot/test/harness.c"), "/* all PASS */\n")
        work = os.path.join(tmp.path, "work")
        os.makedirs(work)
        procs = {}
        for name, path in (("sol", sol), ("skel", skel)):
            procs[name] = subprocess.Popen(
                [sys.executable, "-m", "grader", "grade", "--lab", "1", "-j", "2",
                 "--submission", path, "--json", os.path.join(tmp.path, name + ".json"),
                 "--workdir", work],
                cwd=kit.ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, start_new_session=True)
        outs = {n: p.communicate(timeout=120)[0].decode() for n, p in procs.items()}
        js = {n: kit.tests_by_name(os.path.join(tmp.path, n + ".json"))[0] for n in procs}
        self.assertEqual((procs["sol"].returncode, js["sol"]["score"]), (0, kit.LAB1_POINTS), outs["sol"])
        self.assertEqual((procs["skel"].returncode, js["skel"]["score"]), (1, 0), outs["skel"])
        self.assertEqual(js["skel"]["submission"]["modified"], ["labs/01-boot/test/harness.c"])
        self.assertEqual(os.listdir(work), [], "private kits left behind")


if __name__ == "__main__":
    unittest.main()
