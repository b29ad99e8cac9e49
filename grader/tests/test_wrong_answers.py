"""No wrong answer passes (issue 14, item 5): each wrong answer of the issue,
put into the reference, scores less than full on the test that varies the
fact; `make test` proves separately that the reference scores full marks
and the untouched skeleton zero on the same tests.

One kit copy holds every mutant at once, each in its lab's "skeleton" slot
(labs/NN-name/: the reference's files with the wrong answer put in), and
is graded as `make grade SKELETON=1` grades (the earlier labs from
solutions/), with only the tests concerned: one build per lab.

  lab 1  H detected from the device tree's riscv,isa   hext_dt_lies (-cpu h=false, a tree that says h)
  lab 1  memory size read from one cell of reg         platform_above_4g (-m 4608M)
  lab 5  a 2 MiB leaf chosen on the GPA alone          megapage (a host address not 2 MiB aligned)
  lab 6  the fault address's low two bits dropped      gpf_load, gpf_store (low bits never 0)
  lab 7  hard-coded machine ids                        base (-cpu rv64,mvendorid=random,...)
  lab 8  hart_start at a mapped, non-executable GPA    errors (start_noexec)
  lab 8  remote fences without fence and without wait  rfence (rfence_waits: the target is busy)
  lab 10 the guest's timebase hard-coded               guest_dtb (the VM says another host's timebase)
  lab 10 a fast path that loses a hypercall's a1       virtual_insn (the guest makes 64 hypercalls)

The random values follow the seed; each run here draws a fresh one, as
every graded run does (the cases that matter come up whatever the seed:
rand_* are never 0, seed_low1/2 never 4-aligned).
"""

import time
import unittest

from grader.tests import fakes, kit

MUTANTS = {
    "01-boot": ("boot.c", [
        ("\tulong old = csr_swap(stvec, probe_trapvec);\n\tprobe_cause = PROBE_NO_TRAP;\n"
         "\t(void)csr_read(hstatus);\n\tcsr_write(stvec, old);\n"
         "\treturn probe_cause == PROBE_NO_TRAP;",
         "\t// wrong: what the device tree says\n"
         "\tfor (const char *p = platform.isa + 4; *p && *p != '_'; p++)\n"
         "\t\tif (*p == 'h')\n\t\t\treturn 1;\n\treturn 0;"),
        ("out->mem_size = fdt64(reg + 8);", "out->mem_size = fdt32(reg + 12);   // wrong: one cell"),
    ], {"hext_dt_lies", "platform_above_4g"}),
    "05-gstage": ("gstage.c", [
        ("int big = !((gpa | hpa) & (MEGAPAGE_SIZE - 1)) && size >= MEGAPAGE_SIZE;",
         "int big = !(gpa & (MEGAPAGE_SIZE - 1)) && size >= MEGAPAGE_SIZE;   // wrong: GPA alone"),
    ], {"megapage"}),
    "06-trap": ("exit.c", [
        ("pf->gpa = v->trap.htval << 2 | (stval & 3);",
         "pf->gpa = v->trap.htval << 2;   // wrong: low bits dropped"),
    ], {"gpf_load", "gpf_store"}),
    "07-sbi": ("sbi_base.c", [
        ("\tstruct sbiret r = sbi_ecall(SBI_EXT_BASE, fid, 0, 0, 0, 0, 0, 0);\n"
         "\t*value = r.error ? 0 : (ulong)r.value;    // 0 is always legal",
         "\tUNUSED(fid);\n\t*value = 0;    // wrong: what QEMU's default CPU says"),
    ], {"base"}),
    "08-hsm": ({"sbi_hsm.c": [
        ("gstage_translate(root, gpa, &perms) != -1UL && (perms & PTE_X);",
         "gstage_translate(root, gpa, &perms) != -1UL;   // wrong: mapped is not enough")],
                "vipi.c": [
        ("\tif (req & VIPI_REQ_FENCE_VMA)\n\t\thfence_vvma_all();",
         "\t// wrong: no fence (QEMU flushes at the exit anyway)"),
        ("\t\twhile (__atomic_load_n(&vm->vcpus[i].fences_pending, __ATOMIC_SEQ_CST) && "
         "!vm->down)\n\t\t\tvipi_handle(vm, self);",
         "\t\t(void)self;   // wrong: no waiting")]},
               None, {"errors", "rfence"}),
    "10-guest": ({"guest_dtb.c": [
        ('fdtw_prop_u32(w, "timebase-frequency", (u32)vm->timebase);',
         'fdtw_prop_u32(w, "timebase-frequency", 10000000);   // wrong: QEMU virt\'s')],
                  "vmm.c": [
        ("\tr[REG_A0] = (ulong)error;\n\tr[REG_A1] = value;",
         "\tr[REG_A0] = (ulong)error;   // wrong: a1 left as the guest's")]},
                 None, {"guest_dtb", "virtual_insn"}),
}
# The check that must fail in each test (the others may hold).
MUST_FAIL = {("01-boot", "hext_dt_lies"): "fact", ("01-boot", "platform_above_4g"): "fact",
             ("05-gstage", "megapage"): "megapage_host_unaligned",
             ("06-trap", "gpf_load"): "fact", ("06-trap", "gpf_store"): "fact",
             ("07-sbi", "base"): "base_machine_ids", ("08-hsm", "errors"): "start_noexec",
             ("08-hsm", "rfence"): "rfence_waits",
             ("10-guest", "guest_dtb"): "dtb_cpus", ("10-guest", "virtual_insn"): "hypercalls"}


def mutated(lab, name, edits):
    src = kit.solution(f"{lab}/{name}")
    for old, new in edits:
        assert src.count(old) == 1, f"solutions/{lab}/{name} no longer has {old!r}"
        src = src.replace(old, new)
    return src


@kit.needs_real_kit
class WrongAnswersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from grader import labspec
        cls.tmp = fakes.TempDir(prefix="grader-wrong-")
        try:
            files, tests = {}, {}
            for lab, (name, edits, names) in MUTANTS.items():
                per_file = name if isinstance(name, dict) else {name: edits}
                files[lab] = {f: mutated(lab, f, e) for f, e in per_file.items()}
                tests[lab] = names
            t0 = time.monotonic()
            cls.outcomes = kit.grade_edited(cls.tmp.path, labspec.lab_dirs(), files, tests,
                                            "-wrong")
            cls.took = time.monotonic() - t0
        except BaseException:
            cls.tmp.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_every_wrong_answer_scores_less_than_full(self):
        seen = set()
        for o in self.outcomes:
            self.assertTrue(o.build.ok, f"{o.lab.dirname}: {o.build.output[-1500:]}")
            for t in o.tests:
                seen.add((o.lab.dirname, t.test.name))
                with self.subTest(lab=o.lab.dirname, test=t.test.name):
                    self.assertNotEqual(t.status, "ERROR", t.note)
                    self.assertLess(t.score, t.max, f"the wrong answer passed ({t.status})")
                    want = MUST_FAIL[(o.lab.dirname, t.test.name)]
                    failed = [r for r in t.results if not r.ok]
                    self.assertTrue(any(r.check.check == want or
                                        (want == "fact" and r.check.fact) for r in failed),
                                    [(r.check.name, r.saw) for r in failed])
        self.assertEqual(seen, set(MUST_FAIL))


if __name__ == "__main__":
    unittest.main()
