"""The pieces of the build checks: the ELF reader (against nm, and on
hostile bytes), lab.json's "symbols", the allow-lists on every lab's
reference and skeleton images, and the dependency audit's folders.

Students' attacks through the whole grader are in test_attacks.py.
"""

import glob
import json
import os
import random
import shutil
import subprocess
import unittest

from grader import deps, elf, labspec, symbols
from grader.tests import fakes, kit


def nm_sets(nm, path):
    out = subprocess.run([nm, path], capture_output=True, text=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].isupper() and parts[1] != "U":
            defined.add(parts[2])
        elif len(parts) == 2 and parts[0] in ("U", "w", "v"):
            used.add(parts[1])
    return defined, used


class ElfTest(unittest.TestCase):
    def host_object(self, source):
        if not shutil.which("cc") or not shutil.which("nm"):
            self.skipTest("needs cc and nm")
        tmp = fakes.TempDir()
        self.addCleanup(tmp.cleanup)
        c = os.path.join(tmp.path, "x.c")
        kit.write(c, source)
        o = os.path.join(tmp.path, "x.o")
        subprocess.run(["cc", "-c", c, "-o", o], check=True)
        return o

    def test_agrees_with_nm(self):
        o = self.host_object("int printf(const char *, ...); static int hidden;\n"
                             "int shown = 1; __attribute__((weak)) int soft(void) "
                             "{ return hidden; }\nint f(void) { return printf(\"x\") + soft(); }\n"
                             "__attribute__((constructor)) static void early(void) {}\n")
        obj = elf.read(o)
        self.assertEqual((obj.defined(), obj.undefined()), nm_sets("nm", o))
        self.assertEqual(obj.defined(), {"shown", "soft", "f"})
        self.assertIn(".init_array", [s.name for s in obj.sections])

    @kit.needs_real_kit
    def test_agrees_with_nm_on_the_kit(self):
        nm = deps.cross_compiler()[:-3] + "nm"
        objs = sorted(glob.glob(os.path.join(kit.ROOT, "build", "*-sol", "obj", "**", "*.o"),
                                recursive=True))[:60]
        if not objs or not shutil.which(nm):
            self.skipTest("no reference objects built yet (make grade SOLUTION=1)")
        for o in objs:
            obj = elf.read(o)
            self.assertEqual((obj.defined(), obj.undefined()), nm_sets(nm, o), o)

    def test_hostile_bytes_raise_elf_error(self):
        with open(self.host_object("int x;\n"), "rb") as f:
            good = f.read()
        rnd = random.Random(1234)
        cases = [b"", b"\x7fELF", b"\x7fELF\x02\x01" + bytes(60), good[:100], good[:-1],
                 bytes(rnd.getrandbits(8) for _ in range(4096))]
        for _ in range(300):            # single corrupted bytes in the headers and tables
            b = bytearray(good)
            b[rnd.randrange(len(b))] = rnd.getrandbits(8)
            cases.append(bytes(b))
        for data in cases:
            try:
                elf.parse(data)
            except elf.ElfError:
                pass                    # refused: fine; anything else is a bug


class SpecTest(unittest.TestCase):
    def lab(self, symbols_value):
        tmp = fakes.TempDir()
        self.addCleanup(tmp.cleanup)
        path = os.path.join(tmp.path, "labs", "01-x", "lab.json")
        kit.write(path, json.dumps({"lab": 1, "name": "x", "student_files": ["x.c"],
                                    "symbols": symbols_value, "tests": []}))
        return labspec.Lab(path)

    def test_symbols_key(self):
        self.assertEqual(self.lab({"use": ["vm_gpa_to_hva"]}).symbols,
                         {"define": [], "use": ["vm_gpa_to_hva"]})
        for bad in ({"defin": []}, {"use": "printf"}, {"use": ["two words"]}, {"use": [3]}):
            with self.subTest(bad=bad), self.assertRaises(labspec.SpecError):
                self.lab(bad)


@kit.needs_real_kit
class AllowListTest(unittest.TestCase):
    """Every lab's reference and skeleton images pass the check as built by
    make test (the build refuses otherwise: this says why, per symbol)."""

    def test_references_and_skeletons_pass(self):
        labs = labspec.load_labs(kit.ROOT)
        seen = 0
        for variant in ("sol", "skel"):
            for lab in labs:
                bd = os.path.join(kit.ROOT, "build", f"{lab.dirname}-{variant}")
                if not os.path.isfile(os.path.join(bd, "hyp.elf")):
                    continue
                seen += 1
                inside = [other for other in labs if other.number <= lab.number]
                with self.subTest(image=f"{lab.dirname}-{variant}"):
                    self.assertEqual(symbols.check(kit.ROOT, bd, inside, lab, variant), [])
        if not seen:
            self.skipTest("no images built yet (make grade SOLUTION=1)")

    def test_report_api_is_derived(self):
        bd = os.path.join(kit.ROOT, "build", "01-boot-sol")
        if not os.path.isfile(os.path.join(bd, "hyp.elf")):
            self.skipTest("lab 1's reference is not built")
        labs = labspec.load_labs(kit.ROOT)[:1]
        pol = symbols.policy(kit.ROOT, bd, symbols.student_objects(bd, labs, labs[0], "sol"),
                             labs[0])
        for name in ("check", "check_eq", "fact", "run_nonce", "bootarg"):
            self.assertIn(name, pol.report)
            self.assertNotIn(name, pol.may_use)
        self.assertIn("printf", pol.may_use)
        self.assertNotIn("printf", pol.may_define)
        self.assertIn("hext_detect", pol.may_define)


class DepsTest(unittest.TestCase):
    def test_compilers_header_folders_are_allowed(self):
        if not shutil.which("cc"):
            self.skipTest("needs cc")
        dirs = deps.include_dirs("cc")
        self.assertTrue(any(d.startswith("/usr") for d in dirs), dirs)
        tmp = fakes.TempDir()
        self.addCleanup(tmp.cleanup)
        kit.write(os.path.join(tmp.path, "build/x/a.c.d"),
                  f"a.o: labs/a.c {dirs[0]}/stdarg.h /etc/passwd\n")
        self.assertEqual(deps.audit(tmp.path, os.path.join(tmp.path, "build")), ["/etc/passwd"])

    def test_diagnostics_that_quote_files(self):
        out = ("In file included from labs/09-mmio/insn_decode.c:1:\n"
               "/etc/passwd:1:5: error: expected '=' before ':' token\n"
               "    1 | root:x:0:0:root:/root:/bin/bash\n"
               "/usr/bin/ld: build/x.o: in function `f':\n")
        self.assertEqual(deps.paths_in_output("/nonexistent-kit", out), ["/etc/passwd"])


if __name__ == "__main__":
    unittest.main()
