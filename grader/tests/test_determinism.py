"""Grading is deterministic: the reference solutions of the fast labs,
graded many times over in parallel, get the same full score every time;
and a single-hart run (-icount shift=0,sleep=off) with a fixed seed prints
byte-for-byte the same output each time, once the nonce is taken out.

Runs the real images, built once in a private copy of the kit.
"""

import concurrent.futures
import copy
import os
import unittest

from grader import build, grade, labspec
from grader.tests import fakes, kit

REPEATS = {"01-boot": 20, "02-csr": 3}       # lab folder -> runs of every test
SEED = 0x5EED1234


@kit.needs_real_kit
class DeterminismTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = fakes.TempDir(prefix="grader-determinism-")
        labs = [d for d in REPEATS if os.path.isdir(os.path.join(kit.ROOT, "solutions", d))]
        kit.kit_copy(cls.tmp.path, labs=labs)
        cls.labs = labspec.load_labs(cls.tmp.path)
        cls.results = {}        # lab dirname -> [(test, outcome), ...]
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            for lab in cls.labs:
                b = build.build(cls.tmp.path, lab, "sol")
                if not b.ok:
                    cls.results[lab.dirname] = b.output
                    continue
                runs = []
                for test in lab.tests:
                    fixed = copy.copy(test)
                    fixed.seed = SEED
                    for i in range(REPEATS[lab.dirname]):
                        logdir = os.path.join(cls.tmp.path, "logs", f"{lab.dirname}-{i}")
                        runs.append((test, pool.submit(grade.run_test, fixed, b.kernel,
                                                       "sol", logdir)))
                cls.results[lab.dirname] = [(t, f.result()) for t, f in runs]

    @classmethod
    def tearDownClass(cls):
        fakes.kill_mentioning(cls.tmp.path)
        cls.tmp.cleanup()

    def each_lab(self):
        self.assertTrue(self.results)
        for lab in self.labs:
            res = self.results[lab.dirname]
            self.assertIsInstance(res, list, f"{lab.dirname} did not build: {res}")
            yield lab, res

    def test_full_score_every_time(self):
        for lab, res in self.each_lab():
            for test, out in res:
                with self.subTest(test=f"{lab.dirname}/{test.name}"):
                    self.assertEqual((out.status, out.score), ("PASS", test.points), out.note)
            self.assertEqual(len(res), len(lab.tests) * REPEATS[lab.dirname])

    def test_single_hart_output_is_identical(self):
        for lab, res in self.each_lab():
            outputs = {}
            for test, out in res:
                if test.icount:
                    text = out.run.text.replace(out.params["nonce"], "NONCE")
                    outputs.setdefault(test.name, set()).add(text)
            self.assertTrue(outputs, f"{lab.dirname} has no single-hart test")
            for name, texts in outputs.items():
                self.assertEqual(len(texts), 1, f"{lab.dirname}/{name}: outputs differ")


if __name__ == "__main__":
    unittest.main()
