"""A short `make fuzz` (docs/fuzz.md) inside make test: the adversarial
guest against lab 10's reference hypervisor, 3 fixed seeds x a few
thousand operations, both scenarios (fuzz_run and the untouched vmm_run);
and the SMP scenario hsm against lab 8's reference (4 harts hammering HSM,
IPI and RFENCE), the same seeds.

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
# hsm: 3000 operations = 750 per hart, about 0.3 s; the guest itself reports
# a hart that makes no progress for 5 s, so its runs get more time.
SMP_RUN_TIMEOUT = 30.0


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



@unittest.skipUnless(HAVE_FUZZ, "instructors' test: needs solutions/fuzz")
@unittest.skipUnless(all(shutil.which(t) for t in TOOLS),
                     f"needs {', '.join(TOOLS)} (make setup)")
class ShortSmpFuzzTest(unittest.TestCase):
    """SMP runs are not deterministic (the seed fixes each hart's choices,
    not how the harts interleave): every run must pass whatever the order."""

    @classmethod
    def setUpClass(cls):
        from grader import fuzz      # instructor-only module: not in the handout
        cls.fuzz = fuzz
        err = fuzz.build_smp()
        if err:
            raise AssertionError("make LAB=8 SOLUTION=1 FUZZ=smp failed:\n" + err)

    def test_seeds(self):
        for seed in SEEDS:
            for run in self.fuzz.run_many(self.fuzz.SMP_SCENARIOS, seed, OPS, SMP_RUN_TIMEOUT):
                with self.subTest(seed=seed, test=run.test):
                    why = "\n".join(run.problems())
                    self.assertFalse(run.res.timed_out, f"timed out\n{why}")
                    self.assertTrue(run.shutdown_ok, f"no 'hyp: shutdown (ok)'\n{why}")
                    self.assertGreaterEqual(len(run.checks), 20, why)
                    self.assertEqual(run.failures, [], why)
                    self.assertTrue(run.ok, why)
                    passed = [n for n, p, _ in run.checks if p]
                    for name in ("rendezvous", "hsm_starts_match", "ipi_after", "rfence_after",
                                 "canary"):
                        self.assertIn(name, passed, why)


if __name__ == "__main__":
    unittest.main()
