"""A short `make fuzz` (docs/fuzz.md) inside make test: the adversarial
guest against lab 10's reference hypervisor, 3 fixed seeds x a few
thousand operations, both scenarios (fuzz_run and the untouched vmm_run).

Every CHECK must pass (the guest's SBI/fault invariants, the harness's
host-memory canary and clean exit), each run must end with
"hyp: shutdown (ok)" and none may time out. Instructors only: skipped
where solutions/fuzz (and grader/fuzz.py) are absent, as in the handout.
"""

import os
import shutil
import unittest

from grader import labspec

ROOT = labspec.ROOT
HAVE_FUZZ = os.path.isdir(os.path.join(ROOT, "solutions", "fuzz")) and \
    os.path.isfile(os.path.join(ROOT, "grader", "fuzz.py"))
TOOLS = ("qemu-system-riscv64", "make")
SEEDS = (0x1, 0x2, 0xF00D)
OPS = 3000
RUN_TIMEOUT = 5.0           # seconds per run; a run takes well under 1 s


@unittest.skipUnless(HAVE_FUZZ, "instructors' test: needs solutions/fuzz")
@unittest.skipUnless(all(shutil.which(t) for t in TOOLS),
                     f"needs {', '.join(TOOLS)} (make setup)")
class ShortFuzzTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from grader import fuzz      # instructor-only module: not in the handout
        cls.fuzz = fuzz
        err = fuzz.build()
        if err:
            raise AssertionError("make LAB=10 SOLUTION=1 FUZZ=1 failed:\n" + err)

    def test_seeds(self):
        for seed in SEEDS:
            runs = self.fuzz.run_many(self.fuzz.SCENARIOS, seed, OPS, RUN_TIMEOUT)
            for run in runs:
                with self.subTest(seed=seed, test=run.test):
                    why = "\n".join(run.problems())
                    self.assertFalse(run.res.timed_out, f"timed out\n{why}")
                    self.assertTrue(run.shutdown_ok, f"no 'hyp: shutdown (ok)'\n{why}")
                    self.assertGreaterEqual(len(run.checks), 10, why)
                    self.assertEqual(run.failures, [], why)
                    self.assertTrue(run.ok, why)
                    self.assertIn(("ops_done", True), [(n, p) for n, p, _ in run.checks])


if __name__ == "__main__":
    unittest.main()
