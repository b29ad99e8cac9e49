"""selftest's reporting of unit tests: one line per case, skips shown as SKIP
and counted as neither passed nor failed; where they keep their temporary
folders."""

import contextlib
import io
import os
import unittest
from unittest import mock

from grader import selftest, unitrun


def _sample_suite():
    # Defined here, not at module level, so discovery does not run them as tests.
    class Sample(unittest.TestCase):
        def test_a_pass(self):
            pass

        def test_b_fail(self):
            self.assertEqual(1, 2)

        def test_c_error(self):
            raise RuntimeError("kaput")

        @unittest.skip("no qemu here")
        def test_d_skip(self):
            pass

        def test_e_subtest_fail(self):
            for i in range(3):
                with self.subTest(i=i):
                    self.assertNotEqual(i, 1)

        @unittest.expectedFailure
        def test_f_expected_failure(self):
            self.fail("known")

        def test_g_skip_inside(self):
            self.skipTest("tool missing")

    return unittest.TestLoader().loadTestsFromTestCase(Sample)


class TallyTest(unittest.TestCase):
    def test_outcomes_per_test(self):
        runner = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0,
                                         resultclass=selftest._PerTestResult)
        result = runner.run(_sample_suite())
        kinds = {tid.rsplit(".", 1)[1]: kind for tid, (kind, _) in result.outcomes.items()}
        self.assertEqual(kinds, {"test_a_pass": "pass", "test_b_fail": "fail",
                                 "test_c_error": "fail", "test_d_skip": "skip",
                                 "test_e_subtest_fail": "fail",
                                 "test_f_expected_failure": "pass",
                                 "test_g_skip_inside": "skip"})
        detail = {tid.rsplit(".", 1)[1]: d for tid, (_, d) in result.outcomes.items()}
        self.assertIn("kaput", detail["test_c_error"])
        self.assertIn("no qemu here", detail["test_d_skip"])

    def test_skip_is_not_a_pass(self):
        tally = selftest.Tally()
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            tally.case("one", True)
            tally.case("two", False, "why")
            tally.skip("three", "no qemu")
        self.assertEqual((tally.passed, tally.failed, tally.skipped), (1, 1, 1))
        self.assertEqual(tally.failures, ["two"])
        lines = buf.getvalue().splitlines()
        self.assertIn("SKIP", lines[2])
        self.assertIn("no qemu", lines[2])
        self.assertNotIn("PASS", lines[2])


class ScratchTest(unittest.TestCase):
    """The unit tests' temporary folders go to /dev/shm only when it can
    hold them and run what they build there."""

    def statvfs(self, free, flags=0):
        return os.statvfs_result((4096, 4096, 1 << 20, free // 4096, free // 4096,
                                  0, 0, 0, flags, 255))

    def scratch(self, st, access=True):
        with mock.patch("os.statvfs", return_value=st), \
                mock.patch("os.access", return_value=access):
            return unitrun.scratch_tmp()

    def test_when_it_can_and_when_not(self):
        self.assertEqual(self.scratch(self.statvfs(2 << 30)), unitrun.SCRATCH)
        self.assertIsNone(self.scratch(self.statvfs(64 << 20)))              # a container's
        self.assertIsNone(self.scratch(self.statvfs(2 << 30, os.ST_NOEXEC)))  # Docker's
        self.assertIsNone(self.scratch(self.statvfs(2 << 30), access=False))


if __name__ == "__main__":
    unittest.main()
