"""The QEMU runner (grader/qemu.py) against fake "QEMU" programs that hang,
flood, print garbage, crash, want input or do not exist."""

import os
import subprocess
import time
import unittest
from unittest import mock

from grader import evaluate, qemu
from grader.tests import fakes

MARGIN = 2.5        # seconds past the timeout that run() may take (kill + reader)


class _FakeQemuCase(unittest.TestCase):
    """setUp and helpers only (no tests of its own)."""

    def setUp(self):
        self.tmp = fakes.TempDir()
        self.addCleanup(self.tmp.cleanup)
        self.addCleanup(fakes.kill_mentioning, self.tmp.path)

    def fake(self, body, name="fake-qemu"):
        return fakes.write_script(self.tmp.path, name, body)

    def run_fake(self, body, timeout=5.0, **kw):
        prog = self.fake(body)
        t0 = time.monotonic()
        res = qemu.run([prog], timeout, **kw)
        return res, time.monotonic() - t0

    def assertGroupGone(self, res):
        self.assertIsNotNone(res.pid, "run() should remember the pid it started")
        left = fakes.wait_gone([res.pid])
        self.assertEqual(left, [], "the fake QEMU is still running")
        self.assertEqual(fakes.group_members(res.pid), [], "its process group is not empty")


class RunnerTest(_FakeQemuCase):
    def test_clean_exit(self):
        res, took = self.run_fake('print("hello"); print("hyp: shutdown (ok)")')
        self.assertEqual(res.exit_code, 0)
        self.assertTrue(res.ended_by_itself)
        self.assertFalse(res.timed_out or res.flooded or res.error or res.input_stalled)
        self.assertEqual(res.text, "hello\nhyp: shutdown (ok)\n")
        self.assertLess(took, 3)
        self.assertGroupGone(res)

    def test_hang_times_out(self):
        res, took = self.run_fake('print("booting", flush=True)\nwhile True: time.sleep(1)',
                                  timeout=0.6)
        self.assertTrue(res.timed_out)
        self.assertIsNone(res.exit_code)
        self.assertFalse(res.ended_by_itself)
        self.assertIn("booting", res.text)      # output before the hang is kept
        self.assertGreaterEqual(took, 0.6)
        self.assertLess(took, 0.6 + MARGIN)
        self.assertGroupGone(res)

    def test_hang_with_child_kills_the_whole_group(self):
        pidfile = os.path.join(self.tmp.path, "child.pid")
        body = f'''
        pid = os.fork()
        if pid == 0:
            # The child ignores SIGTERM and keeps the output pipe open.
            import signal
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            with open({pidfile!r} + ".tmp", "w") as f:
                f.write(str(os.getpid()) + ".")
            os.rename({pidfile!r} + ".tmp", {pidfile!r})
            while True:
                time.sleep(1)
        print("parent waiting", flush=True)
        while True:
            time.sleep(1)
        '''
        res, took = self.run_fake(body, timeout=0.8)
        child = fakes.read_pid_file(pidfile)
        self.assertTrue(res.timed_out)
        self.assertLess(took, 0.8 + MARGIN)
        self.assertEqual(fakes.wait_gone([child]), [], f"forked child {child} still runs")
        self.assertGroupGone(res)

    def test_child_left_after_normal_exit_is_killed(self):
        pidfile = os.path.join(self.tmp.path, "child.pid")
        body = f'''
        if os.fork() == 0:
            with open({pidfile!r} + ".tmp", "w") as f:
                f.write(str(os.getpid()) + ".")
            os.rename({pidfile!r} + ".tmp", {pidfile!r})
            while True:
                time.sleep(1)
        while not os.path.exists({pidfile!r}):
            time.sleep(0.01)
        print("parent done", flush=True)
        '''
        res, took = self.run_fake(body, timeout=5)
        self.assertEqual(res.exit_code, 0)
        self.assertLess(took, 4)
        self.assertEqual(fakes.wait_gone([fakes.read_pid_file(pidfile)]), [])
        self.assertGroupGone(res)

    def test_flood_is_cut_at_the_cap(self):
        body = '''
        chunk = b"flood flood flood flood\\n" * 4096
        while True:
            sys.stdout.buffer.write(chunk)
        '''
        res, took = self.run_fake(body, timeout=20)
        self.assertTrue(res.flooded)
        self.assertFalse(res.timed_out)
        self.assertIsNone(res.exit_code)
        self.assertFalse(res.ended_by_itself)
        self.assertEqual(len(res.raw), qemu.OUTPUT_CAP)
        self.assertLess(took, 5, "a flood must be stopped at the cap, not at the timeout")
        self.assertGroupGone(res)

    def test_flood_of_one_endless_line(self):
        res, took = self.run_fake('while True: sys.stdout.buffer.write(b"\\0z" * 65536)',
                                  timeout=20, cap=100000)
        self.assertTrue(res.flooded)
        self.assertEqual(len(res.raw), 100000)
        self.assertLess(took, 5)
        p = evaluate.Parsed(res.text, "n")
        self.assertEqual(len(p.lines), 1)
        self.assertNotIn("\0", res.text)

    def test_binary_garbage(self):
        body = r'''
        out = sys.stdout.buffer
        out.write(bytes(range(256)) * 4)
        out.write(b"\xff\xfe\xc3(\xed\xa0\x80 \x1b[31mred\x1b[0m \xc2\x9b2J \x00nul\r\n")
        out.write(b"tab\there\rCR\n")
        out.write("caf\u00e9 \u2603\n".encode())
        out.write(b"\xe2\x82")          # a truncated UTF-8 sequence at the very end
        '''
        res, _ = self.run_fake(body)
        self.assertEqual(res.exit_code, 0)
        self.assertIsInstance(res.text, str)
        for bad in ["\x00", "\x1b", "\x9b", "\x7f", "\r", "\x08"]:
            self.assertNotIn(bad, res.text, repr(bad))
        self.assertIn("\ufffd", res.text)
        self.assertIn("tab\there", res.text)
        self.assertIn("caf\u00e9 \u2603\n", res.text)
        evaluate.Parsed(res.text, "n")      # parses without raising
        self.assertTrue(res.text.encode("utf-8"))

    def test_clean_text(self):
        self.assertEqual(qemu.clean_text(b"a\r\nb\x00c\x1b\tz\n"), "a\nb\ufffdc\ufffd\tz\n")
        # A lone CR would print over the line on a terminal: a line end.
        self.assertEqual(qemu.clean_text(b"FAIL\rPASS\r\n"), "FAIL\nPASS\n")
        # Bidirectional overrides and isolates reorder what a reader sees.
        self.assertEqual(qemu.clean_text("a\u202eb\u2066c\u200fd\u061c".encode()),
                         "a\ufffdb\ufffdc\ufffdd\ufffd")
        self.assertEqual(qemu.clean_text(b"\xc2\x85\xc2\x9b"), "\ufffd\ufffd")
        self.assertEqual(qemu.clean_text(b"\xff"), "\ufffd")

    def test_early_nonzero_exit(self):
        res, took = self.run_fake('print("qemu: could not load kernel"); sys.exit(1)',
                                  timeout=10)
        self.assertEqual(res.exit_code, 1)
        self.assertTrue(res.ended_by_itself)
        self.assertFalse(res.timed_out)
        self.assertIn("could not load kernel", res.text)
        self.assertLess(took, 3)

    def test_killed_by_signal(self):
        res, _ = self.run_fake('import signal; os.kill(os.getpid(), signal.SIGSEGV)')
        self.assertEqual(res.exit_code, -11)
        self.assertTrue(res.ended_by_itself)

    def test_missing_binary(self):
        res = qemu.run([os.path.join(self.tmp.path, "no-such-qemu"), "-kernel", "x"], 5)
        self.assertIsNotNone(res.error)
        self.assertIn("no-such-qemu", res.error)
        self.assertFalse(res.ended_by_itself)
        self.assertIsNone(res.exit_code)
        self.assertEqual(res.text, "")

    def test_not_executable(self):
        path = os.path.join(self.tmp.path, "plain-file")
        with open(path, "w") as f:
            f.write("not a program\n")
        res = qemu.run([path], 5)
        self.assertIsNotNone(res.error)


ECHO = '''
for prompt in ("login: ", "password: "):
    sys.stdout.write(prompt)
    sys.stdout.flush()
    line = sys.stdin.readline()
    if not line:
        print("EOF")
        sys.exit(2)
    print("got " + line.strip(), flush=True)
print("done")
'''


class WaitExitTest(unittest.TestCase):
    """qemu.wait_exit(): a run's end seen when it happens (a pidfd), not
    after Popen.wait's sleeps; Popen.wait where there is no pidfd."""

    def start(self, script):
        proc = subprocess.Popen(["sh", "-c", script])
        self.addCleanup(proc.wait)
        self.addCleanup(proc.kill)
        return proc

    def test_exit_status_without_sleeping(self):
        proc = self.start("sleep 0.2; exit 3")
        with mock.patch("time.sleep") as sleep:
            self.assertEqual(qemu.wait_exit(proc, 10), 3)
        sleep.assert_not_called()       # Popen.wait(timeout) polls with sleeps

    def test_timeout(self):
        proc = self.start("sleep 30")
        t0 = time.monotonic()
        with self.assertRaises(subprocess.TimeoutExpired):
            qemu.wait_exit(proc, 0.3)
        self.assertGreaterEqual(time.monotonic() - t0, 0.3)
        self.assertIsNone(proc.poll())

    def test_without_pidfd(self):
        with mock.patch("os.pidfd_open", side_effect=OSError(38, "Function not implemented")):
            self.assertEqual(qemu.wait_exit(self.start("exit 4"), 10), 4)
            with self.assertRaises(subprocess.TimeoutExpired):
                qemu.wait_exit(self.start("sleep 30"), 0.2)


class InputTest(_FakeQemuCase):
    def test_wait_and_send(self):
        steps = [{"wait": r"login: $", "send": "root\n"},
                 {"wait": r"password: ", "send": "s3cret\n", "delay": 0.05}]
        # Generous bounds: this also runs nested inside the handout check, on
        # a loaded 2-core machine, where starting Python alone can take seconds.
        res, took = self.run_fake(ECHO, timeout=20, steps=steps)
        self.assertIsNone(res.input_stalled)
        self.assertEqual(res.exit_code, 0)
        self.assertEqual(res.text, "login: got root\npassword: got s3cret\ndone\n")
        self.assertLess(took, 15)

    def test_each_step_waits_past_the_previous_match(self):
        # Both steps wait for ": ". The second must not match the first prompt again.
        steps = [{"wait": ": ", "send": "a\n"}, {"wait": ": ", "send": "b\n"}]
        res, _ = self.run_fake(ECHO, timeout=5, steps=steps)
        self.assertIn("got a\npassword: got b\ndone", res.text)

    def test_wait_that_never_matches_stalls_until_the_timeout(self):
        steps = [{"wait": "login: ", "send": "root\n"}, {"wait": "never printed", "send": "x\n"}]
        body = ECHO.replace('print("done")', 'print("done")\nwhile True: time.sleep(1)')
        res, took = self.run_fake(body.replace("password: ", "pass> "), timeout=0.8,
                                  steps=steps)
        self.assertEqual(res.input_stalled, "never printed")
        self.assertTrue(res.timed_out)
        self.assertGreaterEqual(took, 0.8)
        self.assertLess(took, 0.8 + MARGIN)
        self.assertIn("got root", res.text)
        self.assertGroupGone(res)

    def test_program_ends_before_the_prompt(self):
        res, took = self.run_fake('print("bye")', timeout=5,
                                  steps=[{"wait": "login: ", "send": "x\n"}])
        self.assertEqual(res.input_stalled, "login: ")
        self.assertEqual(res.exit_code, 0)
        self.assertLess(took, 3)

    def test_send_to_a_program_that_never_reads(self):
        # 4 MiB into a pipe nobody drains: the write must give up at the deadline.
        body = 'print("ready", flush=True)\nwhile True: time.sleep(1)'
        res, took = self.run_fake(body, timeout=1.0,
                                  steps=[{"wait": "ready", "send": "x" * (4 << 20)}])
        self.assertEqual(res.input_stalled, "ready")
        self.assertTrue(res.timed_out)
        self.assertLess(took, 1.0 + MARGIN)
        self.assertGroupGone(res)

    def test_bad_wait_regex(self):
        res, took = self.run_fake('print("x")', timeout=5, steps=[{"wait": "(", "send": "y"}])
        self.assertEqual(res.input_stalled, "(")
        self.assertLess(took, 3)


if __name__ == "__main__":
    unittest.main()
