"""Every failure ends with a diagnosis (issue 14, item 1).

Unit tests of grader/diagnose.py and grader/monitor.py on register reads
taken from real runs, and one end-to-end test: a copy of the kit whose
"skeleton" slots hold two slips at once (one build serves both), graded
as `make grade SKELETON=1` would, the reports checked for the place:
  - lab 4, the hypervisor's sp restored from gp's slot: the kit's trap on
    a broken stack, its sepc named (vcpu_run() in the student's file), and
    the hint that says which slot the value came from;
  - lab 8, hart_start never waking the target hart: the other harts read
    through QEMU's monitor when the guest's first FAIL asks for it, each
    named waiting in hsm_wait_start() (labs/08-hsm/hsm.c), with the hint.
A hang (lab 1, `for (;;);`) is test_timeout_e2e.py's.
"""

import time
import unittest
from unittest import mock

from grader import diagnose, monitor, sandbox
from grader.tests import fakes, kit

INFO_REGISTERS = """CPU#0
 V      =   1
 pc       000000008000219e
 mhartid  0000000000000000
 hstatus  0000000200000080
 scause   000000000000000a
 sepc     000000008000219e
 x0/zero  0000000000000000 x1/ra    0000000080001000 x2/sp    0000000080020000 x3/gp    0000000000000000
 f0/ft0   0000000000000000 f1/ft1   0000000000000000 f2/ft2   0000000000000000 f3/ft3   0000000000000000

CPU#1
 V      =   0
 pc       000000008020586c
 mhartid  0000000000000001
 x2/sp    000000008021c000
"""


def sample(pc, v=0, scause=0, sepc=0, hartid=0, sp=0x8021c000, **more):
    return {"cpu": hartid, "mhartid": hartid, "pc": pc, "V": v, "scause": scause,
            "sepc": sepc, "sp": sp, "stvec": 0x80200400, **more}


class Named(diagnose.Symbols):
    """Symbols without addr2line: names given by the test."""

    def __init__(self, names):
        super().__init__(None, None)
        self.names = names

    def lookup(self, addrs):
        pass


def images(hyp, guest=None):
    im = diagnose.Images(None, None)
    im.hyp, im.guest = Named(hyp), Named(guest or {})
    return im


class ParseTest(unittest.TestCase):
    def test_info_registers(self):
        cpus = monitor.parse_registers(INFO_REGISTERS)
        self.assertEqual(len(cpus), 2)
        self.assertEqual((cpus[0]["V"], cpus[0]["pc"], cpus[0]["scause"]), (1, 0x8000219e, 10))
        self.assertEqual((cpus[0]["ra"], cpus[0]["x1"], cpus[0]["sp"]), (0x80001000,) * 2
                         + (0x80020000,))
        self.assertNotIn("ft0", cpus[0])
        self.assertEqual((cpus[1]["mhartid"], cpus[1]["sp"]), (1, 0x8021c000))

    def test_no_monitor_is_no_snapshot(self):
        self.assertEqual(monitor.snapshot("/nonexistent/qmp.sock"), ([], {}))

    def test_stack_symbols_of_a_hostile_build(self):
        # nm -P over a student's image: names may hold any byte. A name with
        # \x1c or \x1f once split a line where Python splits ("zz q
        # hart_stacks": int('zz', 16), a grader error); one with a newline
        # can forge a whole line, which then names hart_stacks twice.
        nm = ("Q\x1czz\x1fq\x1fhart_stacks t 80200010 \n"
              "hart_stacks B 80214ab0 20000\n"
              "trap_stacks B 802049f0 10000\n"
              "x\n"
              "trap_stacks B 80000000 10000\n"
              "y T 80200000 4\n"
              "bad_stack b 80234ab0 \n"
              "bad_stack b zz \n")
        with mock.patch.object(diagnose, "_sandboxed", return_value=nm), \
                mock.patch.object(diagnose, "tool", return_value="nm"):
            ranges = diagnose.stack_ranges("/kit", "/kit/build/x/hyp.elf")
        self.assertEqual(sorted(ranges), [
            (0x80214ab0, 0x80214ab0 + diagnose.MAX_HARTS * diagnose.HART_STACK_SIZE),
            (0x80234ab0, 0x80234ab0 + diagnose.BAD_STACK_SIZE)])


class HartsTest(unittest.TestCase):
    def test_guest_ecall_loop(self):
        # Lab 7 with lab 6's sepc += 4 left out (read from a real run): the
        # hart goes back and forth between the guest's ecall and the
        # hypervisor, scause and sepc the same in every HS read.
        ecall = 0x8000219e
        reads = [[sample(0x80000408, scause=10, sepc=ecall)], [sample(ecall, v=1)],
                 [sample(0x802067a6, scause=10, sepc=ecall)], [sample(ecall, v=1)],
                 [sample(0x80206ad8, scause=10, sepc=ecall)]]
        d = diagnose.harts(reads, {}, images({}, {ecall: ("sbi_ecall", "common/lib/sbi.c:17")}),
                           [(0x8021c000, 0x8023c000)])
        self.assertIn("hart 0: trapping in a loop", d.lines[0])
        self.assertIn("exception 10 (ecall from VS-mode) at guest pc 0x8000219e in "
                      "sbi_ecall() common/lib/sbi.c:17", d.lines[0])
        self.assertIn("sepc + 4", d.hints[0])

    def test_waiting_harts_named_with_the_place_hint(self):
        wfi_at = 0x80205868
        reads = [[sample(0x80201000, hartid=0),
                  sample(wfi_at + 4, hartid=1), sample(wfi_at + 4, hartid=2)]] * 3
        reads = [[dict(c, pc=c["pc"] + 2 * i * (c["mhartid"] == 0)) for c in r]
                 for i, r in enumerate(reads)]
        names = {wfi_at: ("hsm_wait_start", "labs/08-hsm/hsm.c:82"),
                 0x80201000: ("vcpu_loop", "common/vm/vmrun.c:100")}
        d = diagnose.harts(reads, {wfi_at: diagnose.WFI}, images(names), [])
        self.assertIn("hart 1: in the hypervisor, pc 0x80205868 in hsm_wait_start() "
                      "labs/08-hsm/hsm.c:82: waiting for an interrupt (wfi)", d.lines)
        self.assertTrue(any(h.startswith("harts 1, 2 in hsm_wait_start(): it waits for a "
                                         "hart_start") for h in d.hints), d.hints)
        self.assertTrue(d.lines[0].startswith("hart 0: running"), d.lines)

    def test_sp_off_every_stack(self):
        reads = [[sample(0x80201000, sp=0x1234, gp=0x1234)]] * 3
        d = diagnose.harts(reads, {}, images({}), [(0x8021c000, 0x8023c000)])
        self.assertIn("the hypervisor's sp is 0x1234: outside every stack", d.hints[0])
        self.assertIn("it equals gp: loaded from gp's slot (VCPU_HYP + 16)?", d.hints[0])

    def test_firmware(self):
        reads = [[sample(0x80009b04)]] * 3
        d = diagnose.harts(reads, {}, images({}), [])
        self.assertIn("in the firmware (OpenSBI, M-mode)", d.lines[0])


class DumpTest(unittest.TestCase):
    DUMP = ["=== trap on a broken stack: the hypervisor's sp is 0x703a85248d14b2a0 ===",
            "cause   : exception 5 (load access fault)", "from    : HS-mode (the hypervisor)",
            "sepc    : 0x0000000080203934   stval  : 0x703a85248d14b2b8",
            "zero=0000000000000000   ra=0000000080203930   sp=703a85248d14b2a0   "
            "gp=703a85248d14b2a0"]

    def test_broken_stack_dump_named_and_hinted(self):
        names = {0x80203934: ("vcpu_run", "labs/04-switch/vcpu_run.c:9"),
                 0x80203930: ("vcpu_run", "labs/04-switch/vcpu_run.c:8")}
        d = diagnose.dump(self.DUMP, images(names))
        self.assertEqual(d.lines, [
            "sepc 0x80203934 is the hypervisor's vcpu_run() labs/04-switch/vcpu_run.c:9",
            "ra 0x80203930 is the hypervisor's vcpu_run() labs/04-switch/vcpu_run.c:8"])
        self.assertIn("outside every stack, in vcpu_run()", d.hints[0])
        self.assertIn("loaded from gp's slot (VCPU_HYP + 16)?", d.hints[0])


LAB4_SLIP = ("\tld\tsp, VCPU_HYP + 1*8(a0)\n\tld\tgp", "\tld\tsp, VCPU_HYP + 2*8(a0)\n\tld\tgp")
LAB8_SLIP = ("\tvipi_send(vm, t->id, VIPI_REQ_WAKE);\n\treturn SBI_SUCCESS;",
             "\treturn SBI_SUCCESS;")
LAB2_SLIP = ("\tcsr_write(hstatus, v->hstatus);\n", "")
LAB7_SLIP = ("\t\tv->gprs[REG_A1] = value;\n\treturn e->reason;",
             "\t\tv->gprs[REG_A1] = value;\n\tv->sepc += 4;\n\treturn e->reason;")
SLIPS = {"02-csr": ("vcpu.c", LAB2_SLIP, "guest_vs"),
         "04-switch": ("switch.S", LAB4_SLIP, "hyp_state"),
         "07-sbi": ("vsbi.c", LAB7_SLIP, "base"),
         "08-hsm": ("hsm.c", LAB8_SLIP, "bringup")}


def slipped(rel, slip):
    src = kit.solution(rel)
    old, new = slip
    assert old in src, f"solutions/{rel} no longer has {old!r}"
    # The full exit's restore (the last one), not the fast path's.
    i = src.rindex(old)
    return src[:i] + new + src[i + len(old):]


@kit.needs_real_kit
class SlipsTest(unittest.TestCase):
    """The slips of issue 14, in one kit copy: graded as skeletons
    (solutions for the earlier labs, the slipped file for the lab itself),
    one test each: lab 4's sp and lab 8's hart never woken (item 1), and
    the red herrings of item 2: lab 2 with hstatus never written (the guest
    runs in HS-mode), lab 7's dispatcher moving sepc a second time."""

    @classmethod
    def setUpClass(cls):
        from grader import labspec
        cls.tmp = fakes.TempDir(prefix="grader-diag-")
        try:
            # The lab's reference, then the slip.
            files = {lab: {name: slipped(f"{lab}/{name}", slip)}
                     for lab, (name, slip, _) in SLIPS.items()}
            tests = {lab: {test} for lab, (_, _, test) in SLIPS.items()}
            t0 = time.monotonic()
            outcomes = kit.grade_edited(cls.tmp.path, [d for d in labspec.lab_dirs() if d < "09"],
                                        files, tests, "-diag")
            cls.took = time.monotonic() - t0
            cls.tests = {o.lab.number: o.tests[0] for o in outcomes}
            cls.builds = {o.lab.number: o.build for o in outcomes}
        except BaseException:
            cls.tmp.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def outcome(self, n):
        self.assertTrue(self.builds[n].ok, self.builds[n].output[-1500:])
        t = self.tests[n]
        self.assertEqual(t.score, 0, t.status)
        self.assertIsNotNone(t.diagnosis, f"lab {n}: no diagnosis ({t.status}, {t.note})")
        return t, "\n".join(t.diagnosis.lines), "\n".join(t.diagnosis.hints)

    def test_lab4_sp_from_the_wrong_slot(self):
        t, lines, hints = self.outcome(4)
        self.assertRegex(lines, r"sepc 0x[0-9a-f]+ is the hypervisor's vcpu_run\(\) "
                                r"labs/04-switch/vcpu_run\.c:\d+")
        self.assertIn("the hypervisor's sp is", hints)
        self.assertIn("check the registers vcpu_run() restores", hints)
        self.assertIn("loaded from gp's slot (VCPU_HYP + 16)?", hints)

    def test_lab8_target_never_woken(self):
        t, lines, hints = self.outcome(8)
        self.assertEqual(t.run.snapshot_when, "failure")
        waiting = [ln for ln in t.diagnosis.lines
                   if "in hsm_wait_start() labs/08-hsm/hsm.c:" in ln and "(wfi)" in ln]
        self.assertEqual(len(waiting), 3, lines)        # the three harts never started
        self.assertRegex(hints, r"harts \d, \d, \d in hsm_wait_start\(\): it waits for a "
                                r"hart_start that never reached it")
        # Item 2: the VS CSR reset is not blamed for harts that never ran.
        entry = [r for r in t.results if r.check.check == "bringup_entry_state"][0]
        self.assertTrue(entry.not_judged, entry.saw)
        self.assertFalse(entry.ok)

    def test_lab2_guest_in_hs_mode(self):
        t = self.tests[2]
        self.assertEqual(t.score, 0, t.status)
        self.assertTrue(any("the guest runs in HS-mode, not VS-mode" in x
                            for x in t.parsed.diags), t.parsed.diags)

    def test_lab7_sepc_moved_twice(self):
        t = self.tests[7]
        self.assertLess(t.score, t.max, t.status)
        self.assertTrue(any(x.startswith("vsbi_handle_exit() moved sepc from")
                            and "lab 6's decoder already moved it" in x
                            for x in t.parsed.diags), t.parsed.diags)

    def test_sandboxed(self):
        # The monitor's socket lives in a folder of the run's own; the
        # report still says which sandbox it ran in.
        self.assertIn(sandbox.detect().mode, ("bwrap", "setpriv", "none"))


if __name__ == "__main__":
    unittest.main()
