"""Lab 9's host-side decoder test (labs/09-mmio/test/host/decode_host.c),
built with the host's C compiler against the reference decoder (every group
passes) and the untouched skeleton (every decoder group fails). Skipped
without a host compiler, and in a student's copy (no solutions/)."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

from grader.tests import kit

CC = shutil.which("gcc") or shutil.which("cc")
LAB = os.path.join(kit.ROOT, "labs", "09-mmio")
GROUPS = ["decode_encoders", "decode_load", "decode_store", "decode_c_lw_ld", "decode_c_sw_sd",
          "decode_c_lwsp_ldsp", "decode_c_swsp_sdsp", "decode_htinst", "decode_refused",
          "decode_other", "decode_extend"]
# Groups an empty decoder cannot fail: the test's own encoders, and "not a
# load or store" (the lab.json check pairs it with decode_refused).
SKELETON_PASSES = {"decode_encoders", "decode_other"}


@unittest.skipUnless(CC, "no host C compiler")
@unittest.skipUnless(kit.HAVE_SOLUTIONS and os.path.isdir(LAB), "instructors' test: needs "
                     "solutions/09-mmio")
class Lab9DecoderHostTest(unittest.TestCase):
    def run_decoder(self, decoder):
        """Build decode_host with `decoder` as insn_decode.c; return {group: passed}."""
        with tempfile.TemporaryDirectory() as tmp:
            exe = os.path.join(tmp, "decode_host")
            build = subprocess.run(
                [CC, "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror", "-fno-builtin",
                 "-I", os.path.join(kit.ROOT, "common/include"), "-I", os.path.join(LAB, "test"),
                 "-o", exe, os.path.join(LAB, "test/host/decode_host.c"),
                 os.path.join(LAB, "test/decode_suite.c"), decoder],
                capture_output=True, text=True, timeout=120)
            self.assertEqual(build.returncode, 0, build.stderr[-2000:])
            run = subprocess.run([exe, "n0nce"], capture_output=True, text=True, timeout=120)
        self.assertEqual(run.returncode, 0, run.stdout[-2000:])
        found = {}
        for line in run.stdout.splitlines():
            m = re.match(r"^CHECK n0nce (\S+) (PASS|FAIL)", line)
            self.assertTrue(m, f"not a result line: {line!r}")
            found[m.group(1)] = m.group(2) == "PASS"
        self.assertEqual(sorted(found), sorted(GROUPS))
        return found

    def test_reference_passes_every_group(self):
        found = self.run_decoder(os.path.join(kit.ROOT, "solutions/09-mmio/insn_decode.c"))
        self.assertEqual([g for g, ok in found.items() if not ok], [])

    def test_skeleton_fails_every_decoder_group(self):
        found = self.run_decoder(os.path.join(LAB, "insn_decode.c"))
        self.assertEqual(sorted(g for g, ok in found.items() if ok), sorted(SKELETON_PASSES))


if __name__ == "__main__":
    unittest.main()
