"""Matching and scoring: grader/evaluate.py on hand-written output."""

import unittest

from grader import evaluate, labspec, qemu

NONCE = "c0ffee1234567890"
PARAMS = {"smp": 3, "mem_bytes": 384 << 20, "mem_mib": 384, "cpu": "rv64",
          "seed": 0x1234, "nonce": NONCE, "test": "t"}


def run_result(exit_code=0, timed_out=False, flooded=False, error=None):
    r = qemu.RunResult()
    r.exit_code, r.timed_out, r.flooded, r.error = exit_code, timed_out, flooded, error
    return r


def check(**d):
    d.setdefault("name", "c")
    d.setdefault("points", 2)
    return labspec.Check(d, "test check")


def score(checks, text, run=None, params=PARAMS):
    parsed = evaluate.Parsed(text, params["nonce"])
    run = run or run_result()
    return [evaluate.evaluate_check(c, parsed, run, params) for c in checks]


class ParseTest(unittest.TestCase):
    def test_check_and_fact_lines(self):
        p = evaluate.Parsed(f"boot\nCHECK {NONCE} a PASS all good\nCHECK {NONCE} b FAIL "
                            f"x=1 y=2\nFACT {NONCE} mem base=0x80000000 size=0x1\n"
                            f"FACT {NONCE} empty\n", NONCE)
        self.assertEqual(p.checks, {"a": [(True, "all good")], "b": [(False, "x=1 y=2")]})
        self.assertEqual(p.facts, {"mem": ["base=0x80000000 size=0x1"], "empty": [""]})
        self.assertEqual(p.suspicious, [])

    def test_wrong_nonce_ignored_and_suspicious(self):
        text = (f"CHECK 0000000000000000 a PASS\nFACT 1111111111111111 k v\n"
                f"CHECK {NONCE} a FAIL real\n")
        p = evaluate.Parsed(text, NONCE)
        self.assertEqual(p.checks, {"a": [(False, "real")]})
        self.assertEqual(p.facts, {})
        self.assertEqual(len(p.suspicious), 2)

    def test_odd_lines_do_not_match_and_do_not_raise(self):
        odd = [f"CHECK  {NONCE} a PASS", f"CHECK {NONCE}  a PASS",
               f"CHECK {NONCE} a PASSED", f"CHECK {NONCE} a pass", f"CHECK\t{NONCE} a PASS",
               "CHECK", "CHECK a PASS", f"xCHECK {NONCE} a PASS", "FACT", f"FACT {NONCE}",
               f"CHECK {NONCE} a\x00 PASS", "\x00" * 100, "{" * 50, "}{" * 50]
        p = evaluate.Parsed("\n".join(odd), NONCE)
        self.assertNotIn("a", p.checks)     # ("a\x00" is some other check's name)
        self.assertEqual(p.facts, {})

    def test_result_glued_to_unfinished_output_still_counts(self):
        # A guest that printed "@@@" without a newline before the harness
        # reported: the line is still the kit's (it carries the nonce).
        text = f"@@@@CHECK {NONCE} a FAIL why\nguest: x FACT {NONCE} k v\nxCHECK {NONCE} b PASS\n"
        p = evaluate.Parsed(text, NONCE)
        self.assertEqual(p.checks, {"a": [(False, "why")]})
        self.assertEqual(p.facts, {"k": ["v"]})

    def test_huge_line(self):
        text = "y" * 600000 + f"\nCHECK {NONCE} a PASS " + "z" * 100000
        p = evaluate.Parsed(text, NONCE)
        self.assertTrue(p.checks["a"][0][0])
        self.assertEqual(p.tail(1)[0][:20], f"CHECK {NONCE} a PAS"[:20])

    def test_dump_excerpt(self):
        p = evaluate.Parsed("a\nb\n=== trap in HS ===\nscause 2\n", NONCE)
        self.assertEqual(p.dump_excerpt()[:2], ["=== trap in HS ===", "scause 2"])
        self.assertEqual(evaluate.Parsed("a\nb", NONCE).dump_excerpt(), [])


class RenderTest(unittest.TestCase):
    def test_known_fields(self):
        self.assertEqual(evaluate.render("{smp}", PARAMS), "3")
        self.assertEqual(evaluate.render("size={mem_bytes:#x}", PARAMS), "size=0x18000000")
        self.assertEqual(evaluate.render("{mem_mib} MiB {seed:#x} {nonce}", PARAMS),
                         f"384 MiB 0x1234 {NONCE}")
        self.assertEqual(evaluate.render(7, PARAMS), "7")

    def test_unknown_fields_stay_as_written(self):
        for t in ("{foo}", "{foo:#x}", "{0}", "{}", "{smp[0]}", "{smp!z}", "{nonce:#x}",
                  "{smp:{foo}}"):
            self.assertEqual(evaluate.render(t, PARAMS), t, t)
        # ...and do not stop the known ones from being filled in.
        self.assertEqual(evaluate.render("{smp} {foo} {2}", PARAMS), "3 {foo} {2}")

    def test_regex_braces(self):
        self.assertEqual(evaluate.render(r"^x{2,3}$ {smp}", PARAMS), r"^x{2,3}$ 3")
        self.assertEqual(evaluate.render(r"a\d{4}", PARAMS), r"a\d{4}")
        self.assertEqual(evaluate.render("{{smp}}", PARAMS), "{smp}")
        for lone in ("{", "}", "a{b", "x}y {smp"):
            self.assertEqual(evaluate.render(lone, PARAMS), lone)


class ScoreTest(unittest.TestCase):
    def test_fact_equals_with_templates(self):
        c = [check(fact="harts", equals="{smp}"),
             check(fact="mem", equals="base=0x80000000 size={mem_bytes:#x}")]
        ok = score(c, f"FACT {NONCE} harts 3\nFACT {NONCE} mem base=0x80000000 size=0x18000000")
        self.assertEqual([r.ok for r in ok], [True, True])
        self.assertEqual(sum(r.points for r in ok), 4)
        bad = score(c, f"FACT {NONCE} harts 2\nFACT {NONCE} mem base=0x80000000 size=0x8000000")
        self.assertEqual([r.ok for r in bad], [False, False])
        self.assertIn("FACT harts = 2", bad[0].saw[0])

    def test_fact_missing_and_conflicting(self):
        c = [check(fact="harts", equals="{smp}")]
        self.assertFalse(score(c, "nothing")[0].ok)
        self.assertIn("no FACT line", score(c, "")[0].saw[0])
        # Two values, one right: the wrong one makes it fail.
        self.assertFalse(score(c, f"FACT {NONCE} harts 3\nFACT {NONCE} harts 4")[0].ok)

    def test_fail_beats_pass(self):
        c = [check(check="probe")]
        self.assertTrue(score(c, f"CHECK {NONCE} probe PASS")[0].ok)
        for text in (f"CHECK {NONCE} probe PASS\nCHECK {NONCE} probe FAIL later",
                     f"CHECK {NONCE} probe FAIL first\nCHECK {NONCE} probe PASS\n"
                     f"CHECK {NONCE} probe PASS"):
            r = score(c, text)[0]
            self.assertFalse(r.ok)
            self.assertEqual(r.points, 0)
            self.assertIn("FAIL", r.saw[0])
        r = score(c, "")[0]
        self.assertFalse(r.ok)
        self.assertIn("no CHECK line", r.saw[0])

    def test_wrong_nonce_does_not_score(self):
        c = [check(check="probe"), check(fact="harts", equals="{smp}")]
        res = score(c, "CHECK ffffffffffffffff probe PASS\nFACT ffffffffffffffff harts 3\n"
                       "CHECK probe PASS\nFACT harts 3")
        self.assertEqual([r.ok for r in res], [False, False])

    def test_partial_credit_per_check(self):
        c = [check(name="a", points=4, check="a"), check(name="b", points=2, check="b"),
             check(name="c", points=1.5, check="c")]
        res = score(c, f"CHECK {NONCE} a PASS\nCHECK {NONCE} b FAIL no\nCHECK {NONCE} c PASS")
        self.assertEqual([r.points for r in res], [4, 0, 1.5])

    def test_expect_and_absent(self):
        c = [check(expect=r"^boot: {smp} hart\(s\)"), check(absent=r"panic|=== trap")]
        self.assertEqual([r.ok for r in score(c, "boot: 3 hart(s)\nok")], [True, True])
        res = score(c, "boot: 1 hart(s)\npanic: oops")
        self.assertEqual([r.ok for r in res], [False, False])
        self.assertIn("panic: oops", res[1].saw[0])

    def test_grows(self):
        irq = r"^\s*\d+:((?:\s+\d+)+)\s+PLIC"
        up = check(grows=r"^uptime: (\d+\.\d+) s", by=0.3)
        lines = ["  1:  3  1  PLIC", "uptime: 1.000 s", "  1:  3  2  PLIC", "uptime: 1.300 s"]
        ok = score([check(grows=irq), up], "\n".join(lines))
        self.assertEqual([r.ok for r in ok], [True, True])      # 4 -> 5, +0.3
        short = score([up], "uptime: 1.000 s\nuptime: 1.299 s")[0]
        self.assertFalse(short.ok)
        self.assertIn("grew by 0.299", short.saw[0])
        flat = score([check(grows=irq)], "  1: 4 PLIC\n  1: 2 2 PLIC")[0]
        self.assertFalse(flat.ok)
        one = score([up], "uptime: 5.000 s")[0]
        self.assertFalse(one.ok)
        self.assertIn("two readings are needed", one.saw[0])
        with self.assertRaises(labspec.SpecError):
            check(expect="x", by=1)

    def test_absent_quotes_huge_line_briefly(self):
        res = score([check(absent="panic")], "panic" + "!" * 500000)
        self.assertFalse(res[0].ok)
        self.assertLess(len(res[0].saw[0]), 400)

    def test_pattern_broken_by_template_fails_without_raising(self):
        # The raw pattern is a regex, but "{cpu}" renders to "rv64,h=false(" here.
        params = dict(PARAMS, cpu="rv64,h=false(")
        for key in ("expect", "absent"):
            r = score([check(**{key: "cpu {cpu}"})], "cpu x", params=params)[0]
            self.assertFalse(r.ok)
            self.assertIn("kit bug", r.saw[0])

    def test_exit_clean(self):
        c = [check(exit="clean")]
        self.assertTrue(score(c, "x\nhyp: shutdown (ok)\n")[0].ok)
        # The kit's shutdown leaves QEMU with status 0; the line and another
        # status is a run that printed the line and then left its own way.
        r = score(c, "hyp: shutdown (ok)", run_result(exit_code=77))[0]
        self.assertFalse(r.ok)
        self.assertEqual(r.saw, ["'hyp: shutdown (ok)', QEMU exit status 77"])
        self.assertFalse(score(c, "hyp: shutdown (failure)")[0].ok)
        self.assertFalse(score(c, "no shutdown line", run_result(exit_code=0))[0].ok)
        for run in (run_result(exit_code=None, timed_out=True),
                    run_result(exit_code=None, flooded=True),
                    run_result(exit_code=None, error="cannot start")):
            r = score(c, "hyp: shutdown (ok)", run)[0]
            self.assertFalse(r.ok)
            self.assertTrue(r.saw[0])

    def test_exit_failure(self):
        c = [check(exit="failure")]
        self.assertTrue(score(c, "hyp: shutdown (failure)")[0].ok)
        self.assertFalse(score(c, "hyp: shutdown (ok)")[0].ok)
        self.assertFalse(score(c, "hyp: shutdown (failure)",
                               run_result(exit_code=None, timed_out=True))[0].ok)

    def test_all_conditions_required(self):
        c = [check(points=5, fact="hext", equals="absent", check="stvec", exit="clean",
                   expect="^boot: ", absent="panic")]
        good = (f"boot: x\nFACT {NONCE} hext absent\nCHECK {NONCE} stvec PASS\n"
                "hyp: shutdown (ok)")
        self.assertEqual(score(c, good)[0].points, 5)
        breakers = [good.replace("absent", "present"), good.replace("PASS", "FAIL"),
                    good.replace("(ok)", "(failure)"), good.replace("boot:", "boat:"),
                    good + "\npanic: late"]
        for text in breakers:
            r = score(c, text)[0]
            self.assertFalse(r.ok, text)
            self.assertEqual(r.points, 0)
            self.assertEqual(len(r.saw), 1, r.saw)
        self.assertEqual(len(score(c, good)[0].expected), 5)


if __name__ == "__main__":
    unittest.main()
