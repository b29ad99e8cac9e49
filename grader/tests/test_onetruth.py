"""One truth for every number and name (issue 14, item 3): what the headers,
the handouts, the hints and the tests say about the same fact must agree.
(The handouts' test tables and "(N points, M tests)" lines are generated
and checked by grader/doctables.py; this covers the facts in prose.)

- sign_extend (lab 9): 0 for LBU LHU LWU, 1 for every other load, LD, C.LD
  and C.LDSP included: mmio.h, vmexit.h, the handout, the hints, the
  decoder suite that the oracle runs, and the reference.
- Priv. section numbers of the H CSRs wherever a CSR is named with one.
"""

import glob
import os
import re
import unittest

from grader import labspec

ROOT = labspec.ROOT
SECTIONS = {"hstatus": "8.2.1", "hedeleg": "8.2.2", "hideleg": "8.2.2", "hvip": "8.2.3",
            "hgeip": "8.2.4", "henvcfg": "8.2.5", "hcounteren": "8.2.6",
            "htimedelta": "8.2.7"}


def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def flat(text):
    return re.sub(r"\s+", " ", text)


def kit_text_files():
    pats = ["README.md", "docs/*.md", "docs/labs/*.md", "labs/*/lab.json", "labs/*/*.[cS]",
            "labs/*/test/**/*.[chS]", "common/**/*.[chS]", "solutions/*/*.[cS]"]
    out = set()
    for p in pats:
        out.update(glob.glob(os.path.join(ROOT, p), recursive=True))
    return sorted(out)


_CSRS = "|".join(SECTIONS)
# "hcounteren (Priv. 8.2.6", "| `hcounteren` | 8.2.6", "hcounteren, Priv. 8.2.6";
# or the number first: "8.2.6 (`hcounteren`)".
_AFTER = re.compile(r"\b(?P<csr>%s)\b`?\s*(?:\|\s*|,\s*)?\(?\s*(?:Priv\.\s*)?"
                    r"(?P<sec>8\.2\.\d+)" % _CSRS)
_BEFORE = re.compile(r"(?P<sec>8\.2\.\d+)\s*\(`?(?P<csr>%s)\b" % _CSRS)


def mentions(text):
    """Every CSR named right next to a section number of chapter 8.2."""
    return sorted(list(_AFTER.finditer(text)) + list(_BEFORE.finditer(text)),
                  key=lambda m: m.start())


class SignExtendTest(unittest.TestCase):
    RULE = "0 for LBU LHU LWU, 1 for every other load"

    def test_headers(self):
        self.assertIn(self.RULE, flat(read("common/include/mmio.h")))
        self.assertIn("LD C.LW C.LD C.LWSP C.LDSP", flat(read("common/include/mmio.h")))
        self.assertIn("0 for lbu/lhu/lwu, 1 for every other load",
                      flat(read("common/include/vmexit.h")))

    def test_handout(self):
        text = flat(read("docs/labs/09-mmio.md"))
        self.assertIn("**0 for LBU, LHU and LWU, 1 for every other load**, LD, C.LD and "
                      "C.LDSP included", text)

    def test_suite_and_reference(self):
        suite = read("labs/09-mmio/test/decode_suite.c")
        forms = re.findall(r'\{ "(c\.l[dw](?:sp)?)",\s*\d, \d, INSN_MEM_LOAD,\s*\d, (\d),', suite)
        self.assertEqual(sorted(forms), [("c.ld", "1"), ("c.ldsp", "1"), ("c.lw", "1"),
                                         ("c.lwsp", "1")])
        self.assertEqual(suite.count("1 << (f3 & 3), !(f3 & 4)"), 2)   # 32-bit and htinst
        ref = read("solutions/09-mmio/insn_decode.c") if os.path.isdir(
            os.path.join(ROOT, "solutions")) else ""
        if ref:
            self.assertNotRegex(ref, r"set\(m, INSN_MEM_LOAD, 8, 0,")

    def test_hints(self):
        text = read("labs/09-mmio/lab.json")
        self.assertNotRegex(text, r"sign_extend[^\"]{0,40}\b0\b[^\"]{0,20}\bLD\b")
        self.assertIn("sign_extend (0 only for LBU LHU LWU, mmio.h)", text)


class SectionNumbersTest(unittest.TestCase):
    def test_h_csr_sections(self):
        bad = []
        for path in kit_text_files():
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            for m in mentions(text):
                csr, sec = m.group("csr"), m.group("sec")
                if sec != SECTIONS[csr]:
                    line = text.count("\n", 0, m.start()) + 1
                    bad.append(f"{os.path.relpath(path, ROOT)}:{line}: {csr} is Priv. "
                               f"{SECTIONS[csr]}, not {sec}")
        self.assertEqual(bad, [], "\n".join(bad))

    def test_finds_a_slip(self):
        for text in ("cites hcounteren (Priv. 8.2.4) here", "| `hcounteren` | 8.2.4 |",
                     "Priv. 8.2.4 (`hcounteren`)", "hcounteren, Priv. 8.2.4,"):
            got = [(m.group("csr"), m.group("sec")) for m in mentions(text)]
            self.assertEqual(got, [("hcounteren", "8.2.4")], text)
        self.assertEqual(list(mentions("8.2.1 (`hstatus`), 8.2.2 (`hedeleg`)")) and
                         [m.group("sec") for m in mentions("8.2.1 (`hstatus`), 8.2.2 "
                                                           "(`hedeleg`)")], ["8.2.1", "8.2.2"])


if __name__ == "__main__":
    unittest.main()
