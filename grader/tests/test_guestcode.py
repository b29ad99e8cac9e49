"""The "runs" check of lab 10's real guests (grader/guestcode.py) on looks
written by hand, and what its failure does to the test's other checks
(grade.not_credited). test_forgery.py does it for real."""

import os
import random
import unittest

from grader import evaluate, grade, guestcode, labspec, qemu
from grader.tests import fakes

NONCE = "c0ffee1234567890"
PARAMS = {"smp": 1, "mem_bytes": 128 << 20, "mem_mib": 128, "cpu": "rv64", "seed": 1,
          "nonce": NONCE, "test": "run"}
KBASE = 0xffffffff80000000      # the kernel's _start
TRAP = KBASE + 0x28ec           # its handle_exception
IDLE = KBASE + 0x2b7a           # where its idle harts wait
SV57 = 10 << 60


PAGE = guestcode.PAGE


def image():
    """4 pages of code-like bytes, no two 16-byte windows alike."""
    return random.Random(7).randbytes(4 * PAGE)


def hart(img, base, off, trap_off, cpu=0, satp=0, pc=None, stvec=None, code=None):
    """A hart entry of a look, at image offset off (code: other bytes
    there), its trap vector at trap_off, the image at base."""
    page = bytearray(img[off - off % PAGE:off - off % PAGE + PAGE])
    if code:
        page[off % PAGE:off % PAGE + len(code)] = code
    return {"cpu": cpu, "pc": base + off if pc is None else pc, "satp": satp,
            "stvec": base + trap_off if stvec is None else stvec, "ra": base + 0x40,
            "page": bytes(page), "trap_code": img[trap_off:trap_off + 16]}


def look(*harts, memory=None, reads=1, kind="prompt"):
    return {"kind": kind, "reads": [[{"cpu": 0, "V": 1, "pc": 0}]] * reads,
            "harts": list(harts), "memory": memory or {}}


def boot(*harts, **kw):
    return look(*harts, kind="boot", **kw)


def jiffies(n):
    return {"jiffies": n.to_bytes(8, "little")}


class LinuxTest(unittest.TestCase):
    def setUp(self):
        self.img = image()
        self.prof = guestcode.Profile("Image", self.img, base=KBASE, trap=TRAP, paging=True,
                                      progress=("jiffies", KBASE + 0x3000, 8))

    def judge(self, *looks):
        return guestcode.judge(self.prof, list(looks))

    def idle(self, **kw):
        kw.setdefault("satp", SV57)
        return hart(self.img, KBASE, 0x2b7a, 0x28ec, **kw)

    def booting(self, **kw):
        return [hart(self.img, KBASE, off, 0x28ec, satp=SV57) for off in (0x100, 0x1040, 0x2200)]

    def test_booting_then_idle_harts_in_the_kernel_and_its_clock_going(self):
        self.assertEqual(self.judge(boot(*self.booting(), memory=jiffies(100)),
                                    look(self.idle(cpu=1), memory=jiffies(230))), (True, ""))

    def test_what_a_hypervisor_could_fake_cheaply_fails(self):
        good = dict(memory=jiffies(100))
        cases = [
            ((look(self.idle(satp=0), **good), look(self.idle(), memory=jiffies(200))),
             "look 1 of 2: hart 0 in the guest at pc 0xffffffff80002b7a: paging is off"),
            ((look(self.idle(stvec=IDLE + 0x40), **good), look(self.idle(), memory=jiffies(200))),
             "is not the kernel's (0xffffffff800028ec)"),
            ((look(self.idle(), **good), look(self.idle(), memory=jiffies(100))),
             "the guest's jiffies did not go up between the looks: 100 -> 100"),
            ((look(self.idle(), **good), look(self.idle())),
             "could not read the guest's jiffies"),
            # The image's bytes, but one page off where the kernel has them.
            ((look(self.idle(pc=IDLE + PAGE), **good),
              look(self.idle(), memory=jiffies(200))), "are not Image's at one place"),
            # Parked in its idle loop while it should be booting.
            ((boot(self.idle(), **good), look(self.idle(), memory=jiffies(200))),
             "the guest's code at only 1 pc(s) of the 1 seen in the guest, where a booting guest"),
            # One look: nothing to compare.
            ((look(self.idle(), **good),), "did not go up between the looks: 100"),
        ]
        for looks, words in cases:
            with self.subTest(words=words):
                ok, why = self.judge(*looks)
                self.assertFalse(ok)
                self.assertIn(words, why)


class RawImageTest(unittest.TestCase):
    """An image without symbols (U-Boot): found wherever it was loaded, the
    first look must see it at work in several places."""

    BASE = 0x87f57000           # where U-Boot moves itself in 128 MiB

    def setUp(self):
        self.img = image()
        self.prof = guestcode.Profile("u-boot.bin", self.img)

    def at(self, off, trap_off=0xf54, base=None, code=None):
        return hart(self.img, self.BASE if base is None else base, off, trap_off, code=code)

    def test_booting_then_waiting(self):
        booting = boot(self.at(0x100), self.at(0x2040), self.at(0x3102))
        prompt = look(self.at(0x1234))
        self.assertEqual(guestcode.judge(self.prof, [booting, prompt]), (True, ""))
        # Before it moved itself: the load address works as well.
        early = boot(*(self.at(o, base=0x80200000) for o in (0x100, 0x2040, 0x3102)))
        self.assertTrue(guestcode.judge(self.prof, [early, prompt])[0])
        # The last page of the image: compared as far as the image goes.
        short = guestcode.Profile("u-boot.bin", self.img[:3 * PAGE + 100])
        tail = self.at(3 * PAGE + 8)
        tail["page"] = tail["page"][:100] + bytes(PAGE - 100)
        booting = boot(self.at(0x100), self.at(0x1040), self.at(0x2200))
        self.assertTrue(guestcode.judge(short, [booting, look(tail)])[0])

    def test_parked_or_fake_harts_fail(self):
        img, prompt = self.img, look(self.at(0x1234))
        zeros = {"cpu": 0, "pc": 0x86000000, "stvec": 0x86000000, "satp": 0,
                 "page": bytes(PAGE), "trap_code": bytes(16)}
        spin = self.at(0x780, code=b"\x01\xa0")
        # Three windows of the image chained into a loop by jumps written
        # just past them (a hostile review's forger): the pages differ.
        chained = [self.at(off, code=img[off:off + 16] + b"\x6f\x00\x40\x00")
                   for off in (0x100, 0x2040, 0x3102)]
        three = [self.at(0x100), self.at(0x2040), self.at(0x3102)]
        cases = [
            ([], "no look at the harts"),
            ([{"reads": [], "harts": [], "memory": {}}], "QEMU's monitor did not answer"),
            ([look(reads=3)],
             "look 1 of 1: 3 reads of 1 hart(s): none in the guest (V=0 in every read)"),
            ([boot(zeros), prompt], "a loop on itself, not the guest at work (0000"),
            ([boot(spin), prompt], "a loop on itself, not the guest at work (01a0"),
            ([boot(*chained), prompt], "the page of code around its pc is not u-boot.bin's"),
            # ret instructions of the image bounced through by code of the
            # hypervisor's (a hostile review's forger): returns outside it.
            ([boot(*(dict(h, ra=0x80600000) for h in three)), prompt],
             "its return address 0x80600000 is not in u-boot.bin"),
            # Parked in a two-instruction loop of the image: at work in 2 places only.
            ([boot(self.at(0x100), self.at(0x104)), prompt],
             "the guest's code at only 2 pc(s) of the 2 seen in the guest, where a booting guest"),
            # Three places, but not of one copy of the image.
            ([boot(self.at(0x100), self.at(0x2040), self.at(0x3102, base=self.BASE + 0x1000)),
              prompt], "at only 2 pc(s)"),
            ([boot(*three), look(dict(self.at(0x1234), stvec=self.BASE + 0x1234))],
             "look 2 of 2: hart 0 in the guest at pc 0x87f58234: its trap vector is its own pc"),
            ([boot(*three), look(dict(self.at(0x1234), trap_code=bytes(range(16))))],
             "not u-boot.bin's"),
            ([boot(*three), look(dict(self.at(0x1234), page=b"short"))],
             "QEMU could not read the code at its pc"),
        ]
        for looks, words in cases:
            with self.subTest(words=words):
                ok, why = guestcode.judge(self.prof, looks)
                self.assertFalse(ok)
                self.assertIn(words, why)


class ProfileTest(unittest.TestCase):
    def setUp(self):
        self.tmp = fakes.TempDir()
        self.addCleanup(self.tmp.cleanup)

    def test_a_raw_image_and_a_missing_one(self):
        path = os.path.join(self.tmp.path, "u-boot.bin")
        with open(path, "wb") as f:
            f.write(b"\x13" * 64)
        p = guestcode.for_image(path, self.tmp.path)
        self.assertEqual((p.name, p.base, p.trap, p.paging, p.progress),
                         ("u-boot.bin", None, None, False, None))
        self.assertEqual(p.memory(), [])
        self.assertIn("cannot read the guest image", guestcode.for_image(path + "x", "/"))

    def test_the_kits_linux_from_its_system_map(self):
        d = os.path.join(self.tmp.path, "build", "linux", "k-1")
        os.makedirs(d)
        with open(os.path.join(d, "Image"), "wb") as f:
            f.write(b"\x13" * 64)
        os.symlink("k-1/Image", os.path.join(self.tmp.path, "build", "linux", "Image"))
        with open(os.path.join(d, "System.map"), "w") as f:
            f.write(f"{KBASE:016x} T _start\n{TRAP:016x} T handle_exception\n")
        self.assertIn("no jiffies in the kernel's System.map",
                      guestcode.for_image("linux", self.tmp.path))
        with open(os.path.join(d, "System.map"), "a") as f:
            f.write("ffffffff80243d40 D jiffies\nffffffff80243d48 D jiffies_more\n")
        p = guestcode.for_image("linux", self.tmp.path)
        self.assertEqual((p.base, p.trap, p.paging), (KBASE, TRAP, True))
        self.assertEqual(p.memory(), [("jiffies", 0xffffffff80243d40, 8)])


class KitProblemTest(unittest.TestCase):
    def test_an_image_that_cannot_be_judged_is_an_error_not_a_fail(self):
        """A kit problem (no guest image, no System.map) is never the
        student's: ERROR, said, before QEMU starts."""
        from grader.tests.test_grade import CHECKS, make_test
        tmp = fakes.TempDir()
        self.addCleanup(tmp.cleanup)
        t = make_test("run", checks=CHECKS + [{"name": "q", "points": 0, "runs": "guest"}],
                      qemu={"guest": {"image": os.path.join(tmp.path, "missing.bin")}},
                      input=[{"wait": "a", "look": "boot"}, {"wait": "b", "look": "prompt"}])
        out = grade.run_test(t, os.path.join(tmp.path, "hyp.elf"), "sol",
                             os.path.join(tmp.path, "logs"))
        self.assertEqual(out.status, "ERROR")
        self.assertIn("cannot judge the guest: cannot read the guest image", out.note)
        self.assertEqual(out.score, 0)


class NotCreditedTest(unittest.TestCase):
    """When QEMU's view fails, the console's checks score nothing."""

    def check(self, **d):
        d.setdefault("points", 2)
        return labspec.Check(d, "test check")

    def test_a_failed_look_credits_no_check_of_the_test(self):
        prof = guestcode.Profile("u-boot.bin", image())
        run = qemu.RunResult()
        run.exit_code = 0
        run.looks = [look(reads=2)]
        checks = [self.check(name="qemu sees it", points=0, runs="guest"),
                  self.check(name="banner", points=3, expect="^U-Boot"),
                  self.check(name="missing", points=2, expect="^never")]
        parsed = evaluate.Parsed("U-Boot 2023.01", NONCE)

        def results():
            out = [evaluate.evaluate_check(c, parsed, run, PARAMS, prof) for c in checks]
            grade.not_credited(out)
            return out

        r = results()
        self.assertEqual([(x.ok, x.points) for x in r], [(False, 0)] * 3)
        self.assertEqual(r[1].saw, [grade.NOT_CREDITED])
        self.assertEqual(r[2].saw, ["no such line"])        # failed on its own
        self.assertEqual([x.not_judged for x in r], [False, True, False])
        self.assertIn("u-boot.bin's code", r[0].expected[0])
        # With QEMU's view met, the others score as they are.
        run.looks = [look(hart(prof.image, 0x87f57000, 0x100, 0xf54))]
        self.assertEqual([x.points for x in results()], [0, 3, 0])
        # A kit without the guest's image: said, never a pass.
        r = [evaluate.evaluate_check(checks[0], parsed, run, PARAMS, "cannot read it")]
        self.assertEqual((r[0].ok, r[0].saw), (False, ["(kit) cannot read it"]))


if __name__ == "__main__":
    unittest.main()
