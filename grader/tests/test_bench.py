"""The issue's instruction-count targets inside make test (docs/bench.md).

`make bench` is instructor-side and slow to read; this keeps its exact
figures from regressing. Under -icount (single hart, exact) the reference
hypervisor must stay within bench.TARGET_*:

- a null hypercall through lab 10's vmm_run(), answered on the fast path:
  at most TARGET_ECALL (100) instructions;
- the same call with the fast path off, a full exit (lab 4 switch, lab 6
  decode, lab 7 dispatch, the kit's run loop): at most TARGET_FULL_EXIT (250);
- a read of the emulated UART's LSR (lab 9's MMIO path under vmm_run()):
  at most TARGET_MMIO (400).

Each failure says what was measured against which target. The figures come
from grader/bench.py's own build and run functions: two icount runs of the
bench image (scenarios micro and slow), a few seconds with the image built.
The runs go through the grader's sandbox (bench.run_bench ->
grade.sandboxed_qemu), and what runs is the reference hypervisor from
solutions/: trusted code, no student's. Wall-clock figures are never
asserted (they move with the machine's load). Instructors only: skipped
where solutions/bench (and grader/bench.py) are absent, as in the handout.
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
class InstructionTargetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from grader import bench     # instructor-only module: not in the handout
        cls.bench = bench
        try:
            bench.build()
        except SystemExit as e:
            raise AssertionError(f"building the bench image failed: {e}") from None
        cls.facts = {}      # scenario -> its FACTs: each runs once

    def probe(self, scenario, name):
        """Instructions per round trip of probe `name` (one run per scenario)."""
        if scenario not in self.facts:
            try:
                self.facts[scenario] = self.bench.run_bench(scenario)
            except SystemExit as e:
                self.fail(f"bench scenario {scenario}: {e}")
        key = f"probe:{name}"
        self.assertIn(key, self.facts[scenario], f"scenario {scenario} printed no FACT for {name}")
        return self.bench.per_op(self.facts[scenario][key])

    def assert_target(self, what, measured, target):
        self.assertLessEqual(measured, target,
                             f"{what}: measured {measured:g} instructions, target <= {target} "
                             f"({measured - target:+g}); make bench shows where they go")

    def test_fast_path_meets_target(self):
        fast = self.probe("micro", "ecall")
        slow = self.probe("slow", "ecall_slow")
        self.assert_target("null hypercall, fast path (vmm_run())", fast, self.bench.TARGET_ECALL)
        self.assertGreater(slow, fast + 100,
                           f"with the fast path off the hypercall costs {slow}, with it {fast}: "
                           "the fast path does not seem to be taken")

    def test_full_exit_meets_target(self):
        self.assert_target("null hypercall, fast path off (a full exit under vmm_run())",
                           self.probe("slow", "ecall_slow"), self.bench.TARGET_FULL_EXIT)

    def test_mmio_read_meets_target(self):
        self.assert_target("MMIO read of the UART's LSR (lab 9 path under vmm_run())",
                           self.probe("micro", "mmio_read"), self.bench.TARGET_MMIO)

    def test_switch_symbols(self):
        sw = self.bench.switch_static()
        self.assertEqual(sw["vcpu_exit_vector"][-1].split()[-1], "sret",
                         "the exit vector's fast path should end in sret")
        self.assertGreater(self.bench.full_exit_len(sw), len(sw["vcpu_exit_vector"]) // 2)


if __name__ == "__main__":
    unittest.main()
