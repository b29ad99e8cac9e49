"""The issue's hypercall target inside make test (docs/bench.md).

`make bench` is instructor-side and slow to read; this keeps its one exact
figure from regressing: under -icount the reference hypervisor answers a
null hypercall through lab 10's vmm_run() in at most bench.TARGET_ECALL
instructions (the fast path), and the same call with the fast path off
costs more (so the fast path is really what was measured). Two icount runs
of the bench image, about 1 s. Instructors only: skipped where
solutions/bench (and grader/bench.py) are absent, as in the handout.
"""

import os
import shutil
import unittest

from grader import labspec

ROOT = labspec.ROOT
HAVE_BENCH = os.path.isdir(os.path.join(ROOT, "solutions", "bench")) and \
    os.path.isfile(os.path.join(ROOT, "grader", "bench.py"))
TOOLS = ("qemu-system-riscv64", "make")


@unittest.skipUnless(HAVE_BENCH, "instructors' test: needs solutions/bench")
@unittest.skipUnless(all(shutil.which(t) for t in TOOLS),
                     f"needs {', '.join(TOOLS)} (make setup)")
class HypercallTargetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from grader import bench     # instructor-only module: not in the handout
        cls.bench = bench
        try:
            bench.build()
        except SystemExit as e:
            raise AssertionError(f"building the bench image failed: {e}") from None

    def probe(self, scenario, name):
        try:
            facts = self.bench.run_bench(scenario)
        except SystemExit as e:
            self.fail(f"bench scenario {scenario}: {e}")
        key = f"probe:{name}"
        self.assertIn(key, facts, f"scenario {scenario} printed no FACT for {name}")
        return self.bench.per_op(facts[key])

    def test_fast_path_meets_target(self):
        fast = self.probe("micro", "ecall")
        slow = self.probe("slow", "ecall_slow")
        self.assertLessEqual(fast, self.bench.TARGET_ECALL,
                             f"null hypercall costs {fast} instructions under vmm_run(); "
                             f"the target is {self.bench.TARGET_ECALL} (make bench explains)")
        self.assertGreater(slow, fast + 100,
                           f"with the fast path off the hypercall costs {slow}, with it {fast}: "
                           "the fast path does not seem to be taken")

    def test_switch_symbols(self):
        sw = self.bench.switch_static()
        self.assertEqual(sw["vcpu_exit_vector"][-1].split()[-1], "sret",
                         "the exit vector's fast path should end in sret")
        self.assertGreater(self.bench.full_exit_len(sw), len(sw["vcpu_exit_vector"]) // 2)


if __name__ == "__main__":
    unittest.main()
