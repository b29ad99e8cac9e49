"""Host-side tests of the kit's pure C code in common/ (compiled with the
host's C compiler; skipped, and reported as skipped, when there is none)."""

import os
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CC = shutil.which("cc") or shutil.which("gcc")


@unittest.skipUnless(CC, "no host C compiler")
class FdtWriterTest(unittest.TestCase):
    def test_writer_round_trips_through_reader(self):
        with tempfile.TemporaryDirectory() as tmp:
            exe = os.path.join(tmp, "fdtw_test")
            build = subprocess.run(
                [CC, "-O1", "-Wall", "-I", os.path.join(ROOT, "common/include"),
                 os.path.join(ROOT, "common/tests/fdtw_test.c"),
                 os.path.join(ROOT, "common/lib/fdtw.c"),
                 os.path.join(ROOT, "common/lib/fdt.c"), "-o", exe],
                capture_output=True, text=True, timeout=60)
            self.assertEqual(build.returncode, 0, build.stderr)
            run = subprocess.run([exe], capture_output=True, text=True, timeout=30)
            self.assertEqual(run.returncode, 0, run.stdout)
            self.assertIn("0 failure(s)", run.stdout)


if __name__ == "__main__":
    unittest.main()
