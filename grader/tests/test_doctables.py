"""One truth for the handouts' numbers: every handout's test table and its
"(P points, T tests)" lines agree with its lab.json (grader/doctables.py)."""

import os
import unittest

from grader import doctables, labspec
from grader.tests import fakes, kit


class HandoutTablesTest(unittest.TestCase):
    def test_every_handout_agrees_with_its_lab(self):
        for lab in labspec.load_labs(kit.ROOT):
            with self.subTest(lab=lab.dirname):
                self.assertEqual(doctables.problems(lab, kit.ROOT), [])

    def test_drift_is_caught_and_fixed(self):
        lab = labspec.load_labs(kit.ROOT)[0]
        tmp = fakes.TempDir()
        self.addCleanup(tmp.cleanup)
        text = kit.read(os.path.join(kit.ROOT, lab.handout))
        handout = os.path.join(tmp.path, lab.handout)
        # The same handout, with a changed points line and one table row edited.
        t = lab.tests[0]
        drifted = text.replace(f"({lab.points:g} points,", f"({lab.points + 1:g} points,", 1)
        drifted = drifted.replace(f"| `{t.name}` |", f"| `{t.name}x` |", 1)
        kit.write(handout, drifted)
        probs = doctables.problems(lab, tmp.path)
        self.assertEqual(len(probs), 2, probs)
        self.assertIn("test table differs", probs[0])
        self.assertIn(f"says ({lab.points + 1:g} points", probs[1])
        self.assertTrue(doctables.fix(lab, tmp.path))
        self.assertEqual(doctables.problems(lab, tmp.path), [])
        self.assertEqual(kit.read(handout), text)


if __name__ == "__main__":
    unittest.main()
