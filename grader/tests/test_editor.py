"""The editor support: common/tools/compdb.py, and grader/editor.py's F5
replay failing for a launch.json or tasks.json that would not work in VS Code
(make test's [editor] section proves the kit's own files work)."""

import contextlib
import importlib.util
import io
import os
import shutil
import unittest

from grader import editor, selftest
from grader.tests import fakes, kit

spec = importlib.util.spec_from_file_location(
    "compdb", os.path.join(kit.ROOT, "common", "tools", "compdb.py"))
compdb = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compdb)


class CompdbTest(unittest.TestCase):
    def test_groups(self):
        groups = compdb.parse(["--cmd", "gcc", "-DX=\"a b\"", "--files", "a.c", "b.c",
                               "--cmd", "cc", "-O2", "--files"])
        self.assertEqual(groups, [(["gcc", '-DX="a b"'], ["a.c", "b.c"]), (["cc", "-O2"], [])])
        db = compdb.entries(groups, "/k")
        self.assertEqual(db[1], {"directory": "/k", "file": "/k/b.c",
                                 "arguments": ["gcc", '-DX="a b"', "-c", "b.c"]})
        self.assertEqual(len(db), 2)

    def test_rewritten_only_when_changed(self):
        tmp = fakes.TempDir()
        self.addCleanup(tmp.cleanup)
        path = os.path.join(tmp.path, "sub", "compile_commands.json")
        self.assertTrue(compdb.write_if_changed(path, "[]\n"))
        self.assertFalse(compdb.write_if_changed(path, "[]\n"))
        self.assertTrue(compdb.write_if_changed(path, "[1]\n"))
        self.assertEqual(os.listdir(os.path.dirname(path)), ["compile_commands.json"])


def _edit(path, old, new):
    text = kit.read(path)
    assert old in text, (path, old)
    kit.write(path, text.replace(old, new))


@kit.needs_real_kit
@unittest.skipUnless(shutil.which("gdb-multiarch"), "needs gdb-multiarch (make setup)")
class F5ReplayTest(unittest.TestCase):
    """A copy of the kit with lab 1, its .vscode/ broken in the ways that
    once shipped: each must fail the replay."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = fakes.TempDir(prefix="grader-editor-")
        cls.root = kit.kit_copy(cls.tmp.path)
        cls.vscode = os.path.join(cls.root, ".vscode")
        cls.launch = os.path.join(cls.vscode, "launch.json")
        cls.tasks = os.path.join(cls.vscode, "tasks.json")

    @classmethod
    def tearDownClass(cls):
        fakes.kill_mentioning(cls.tmp.path)
        cls.tmp.cleanup()

    def setUp(self):
        shutil.rmtree(self.vscode, ignore_errors=True)
        shutil.copytree(os.path.join(kit.ROOT, ".vscode"), self.vscode)

    def replay(self):
        tally = selftest.Tally()
        with contextlib.redirect_stdout(io.StringIO()):
            editor.check_f5(self.root, tally)
        return tally

    def test_breakpoint_set_before_the_symbols_is_lost(self):
        _edit(self.launch, '{ "text": "set breakpoint pending on", "ignoreFailures": false },', "")
        tally = self.replay()
        self.assertEqual(tally.failed, 1, tally.failures)
        self.assertIn("stops at lab_main", tally.failures[0])

    def test_stop_task_that_leaves_qemu_running(self):
        _edit(self.tasks, '"command": "make qemu-gdb-stop LAB=${config:rvh.lab}"',
              '"command": "true"')
        tally = self.replay()
        self.assertEqual(tally.failed, 1, tally.failures)
        self.assertIn("stops QEMU", tally.failures[0])

    def test_task_and_launch_disagree_on_the_port(self):
        _edit(self.launch, '"localhost:26000"', '"localhost:26001"')
        tally = self.replay()
        self.assertEqual(tally.failed, 1, tally.failures)
        self.assertIn("can be replayed", tally.failures[0])


if __name__ == "__main__":
    unittest.main()
