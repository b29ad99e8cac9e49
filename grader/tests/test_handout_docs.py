"""The student handout works on its own (issue 14, item 4): every `make`
command its Markdown tells a student to type names a target of its
Makefile that works without solutions/, a lab that exists and a test
scenario of that lab; nothing sends the student to SOLUTION=1, SKELETON=1
or solutions/. And the command the grader prints to rerun a test by hand
(report.make_qemu_command) is such a command too, for every test.

The handout is written as `make handout` writes it (handout.write, without
its verification, which test_handout.py runs), into a temporary folder.
"""

import os
import re
import shlex
import unittest

from grader import handout, labspec, report
from grader.tests import fakes, kit

# Values that stand for "put yours here" in a handout's prose.
PLACEHOLDERS = re.compile(r"^(n|N|name|\.\.\.|path|dir|file|image\|linux|s|x|<.*>|\[.*)$")
# Targets whose recipe refuses to run without solutions/ (Makefile).
INSTRUCTOR_TARGETS = {"bench", "fuzz", "handout", "gradescope"}
NOT_IN_HANDOUT = ("SOLUTION=1", "SKELETON=1")
CODE_SPAN = re.compile(r"`(make [^`]+)`")
FENCE = re.compile(r"^\s*```")


def makefile_targets(path):
    with open(path, encoding="utf-8") as f:
        return set(re.findall(r"^([a-z][a-z0-9-]*):(?!=)", f.read(), re.MULTILINE))


def commands_in(text):
    """(line number, command) of every make command: in a code span, or a
    line of a fenced block ("$ " prompts and "# ..." comments taken off)."""
    out, fenced = [], False
    for n, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            cmd = re.sub(r"^\s*\$\s+", "", line).strip()
            # A table of commands: the explanation follows after 2+ spaces.
            for part in re.split(r"\s{2,}|\s/\s", cmd):
                part = part.split(" #")[0].strip()
                if re.match(r"make( [^:\s]+(\s|$)|$)", part):
                    out.append((n, part))
        else:
            out += [(n, c) for c in CODE_SPAN.findall(line)]
    # "make setup && make test": each command on its own.
    return [(n, part) for n, c in out for part in re.split(r"\s*(?:&&|;|\|\|)\s*", c)
            if part.startswith("make")]


def problems_of(cmd, targets, labs, context=""):
    """What is wrong with one make command, as a list of sentences.
    context: the line it is on (an instructors' tool may be named there)."""
    try:
        words = shlex.split(cmd)[1:]
    except ValueError:
        words = cmd.split()[1:]
    words = [w for w in words if w not in ("+", "[", "]") and not w.startswith("[")]
    var = dict(w.split("=", 1) for w in words if "=" in w and not w.startswith("-"))
    goals = [w for w in words if "=" not in w and not w.startswith("-")]
    bad = []
    for goal in goals:
        if goal not in targets:
            bad.append(f"no target {goal!r} in the handout's Makefile")
        elif goal in INSTRUCTOR_TARGETS and "instructor" not in context:
            bad.append(f"'make {goal}' needs solutions/: say it is the instructors'")
    for v in ("SOLUTION", "SKELETON"):
        if var.get(v) == "1":
            bad.append(f"{v}=1 needs solutions/")
    lab = None
    if "LAB" in var and not PLACEHOLDERS.match(var["LAB"]):
        lab = labspec.find_lab(labs, var["LAB"])
        if not lab:
            bad.append(f"no lab {var['LAB']!r}")
    if "TEST" in var and not PLACEHOLDERS.match(var["TEST"]):
        # A test that boots a real guest is rerun with make run, not TEST=.
        of = lab.tests if lab else labs[0].tests if "LAB" not in var else []
        scen = {t.scenario for t in of if not t.guest}
        if var["TEST"] not in scen:
            bad.append(f"lab {lab.number if lab else '?'} has no test {var['TEST']!r}")
    return bad


@kit.needs_real_kit
class HandoutDocsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = fakes.TempDir(prefix="grader-handout-docs-")
        cls.dest = os.path.join(cls.tmp.path, "student-repo")
        handout.write(cls.dest)
        cls.targets = makefile_targets(os.path.join(cls.dest, "Makefile"))
        cls.labs = labspec.load_labs(cls.dest)
        cls.docs = {}
        for top, _, files in os.walk(cls.dest):
            for name in files:
                if name.endswith(".md"):
                    path = os.path.join(top, name)
                    with open(path, encoding="utf-8") as f:
                        cls.docs[os.path.relpath(path, cls.dest)] = f.read()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_docs_found(self):
        for must in ("README.md", "docs/grading.md", "docs/debugging.md",
                     "docs/labs/01-boot.md", "docs/labs/10-guest.md"):
            self.assertIn(must, self.docs)
        self.assertGreater(sum(len(commands_in(t)) for t in self.docs.values()), 100)

    def test_every_make_command_works_in_the_handout(self):
        bad = []
        for path, text in sorted(self.docs.items()):
            lines = text.splitlines()
            for n, cmd in commands_in(text):
                bad += [f"{path}:{n}: {cmd}: {p}" for p in
                        problems_of(cmd, self.targets, self.labs, lines[n - 1])]
        self.assertEqual(bad, [], "\n".join(bad))

    def test_nothing_needs_solutions(self):
        bad = [f"{path}:{n}: {line.strip()}" for path, text in sorted(self.docs.items())
               for n, line in enumerate(text.splitlines(), 1)
               if any(x in line for x in NOT_IN_HANDOUT)]
        self.assertEqual(bad, [], "\n".join(bad))
        self.assertFalse(any(handout.INSTRUCTORS_MARK in t for t in self.docs.values()))

    def test_rerun_commands_in_reports(self):
        # What the grader prints under a failing test ("watch it with").
        bad = []
        for lab in self.labs:
            for t in lab.tests:
                if t.host:
                    continue
                cmd = report.make_qemu_command(t)
                problems = problems_of(cmd, self.targets, self.labs)
                if t.guest:
                    self.assertTrue(cmd.startswith("make run GUEST="), cmd)
                if t.dtb_cpu:       # the machine's tree is another CPU's, as in the test
                    self.assertIn(f" DTB_CPU={t.dtb_cpu}", cmd)
                    self.assertIn("\nDTB_CPU ?=", kit.read(os.path.join(self.dest, "Makefile")))
                bad += [f"lab {lab.number} {t.name}: {cmd}: {p}" for p in problems]
        self.assertEqual(bad, [], "\n".join(bad))


class ParsingTest(unittest.TestCase):
    def test_problems(self):
        labs = labspec.load_labs(kit.ROOT)
        targets = {"qemu", "grade", "run", "bench"}
        self.assertEqual(problems_of("make qemu LAB=4 TEST=torture", targets, labs), [])
        self.assertEqual(problems_of("make qemu LAB=n TEST=name", targets, labs), [])
        self.assertEqual(problems_of("make qemu LAB=10 TEST=run MEM=512M", targets, labs),
                         ["lab 10 has no test 'run'"])
        self.assertEqual(problems_of("make grade LAB=12", targets, labs), ["no lab '12'"])
        self.assertEqual(problems_of("make run SOLUTION=1", targets, labs),
                         ["SOLUTION=1 needs solutions/"])
        self.assertEqual(problems_of("make bench", targets, labs),
                         ["'make bench' needs solutions/: say it is the instructors'"])
        self.assertEqual(problems_of("make bench", targets, labs, "the instructors' tool"), [])
        self.assertEqual(problems_of("make nosuch", targets, labs),
                         ["no target 'nosuch' in the handout's Makefile"])

    def test_commands_in(self):
        text = "Run `make qemu LAB=1` now.\n```\n$ make grade LAB=2   # all\nls\n```\n"
        self.assertEqual(commands_in(text), [(1, "make qemu LAB=1"), (3, "make grade LAB=2")])


if __name__ == "__main__":
    unittest.main()
