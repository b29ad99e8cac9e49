"""Machine-readable reports besides --json: JUnit XML (--junit), a Markdown
summary (--markdown, for $GITHUB_STEP_SUMMARY), Gradescope's results.json
(--gradescope, rewritten as each test finishes) and PrairieLearn's
(--prairielearn, external grader). Each says which sandbox was used.

Everything a student's code printed is untrusted text: it is cleaned
(grader/sanitize.py), clipped, and escaped for the format it lands in
(XML, Markdown/HTML).
"""

import html
import json
import os
import re
import tempfile

from . import report, sandbox, sanitize
from .evaluate import clip

OUTPUT_MAX = 4000       # characters of text per test in Gradescope/JUnit
TITLE = "RISC-V Hypervisor Labs"


def failure_lines(t, tail=True):
    """What went wrong in one test, as plain lines: the note, every failed
    check with expected/saw/hint, suspicious lines, the end of the output."""
    if t.status == "BUILD":
        return ["the image did not build:"] + \
            ["| " + ln for ln in t.build_output.splitlines()[-20:] if ln.strip()]
    lines = [f"! {t.note}"] if t.note else []
    for r in t.results:
        if r.ok:
            continue
        lines.append(f"x {r.check.name} ({r.check.points:g} pts)")
        lines.append(f"    expected: {'; '.join(r.expected)}")
        lines.append(f"    saw:      {'; '.join(r.saw)}")
        if r.check.hint:
            lines.append(f"    hint:     {r.check.hint}")
    for ln in report.suspicious_lines(t)[:report.SUSPICIOUS_SHOWN]:
        lines.append(f"suspicious (no nonce, ignored): {clip(ln, 120)}")
    if tail and not t.passed and t.parsed:
        dump = t.parsed.dump_excerpt()
        shown = dump or t.parsed.tail()
        if shown:
            lines.append("trap dump:" if dump else "last lines of output:")
            lines += ["| " + clip(ln, 150) for ln in shown]
    return lines


# ---- JUnit XML ---------------------------------------------------------------

# XML 1.0 cannot hold most control characters, lone surrogates, U+FFFE/FFFF
# (what its Char production leaves out, named: the same class written as
# the complement of the allowed ranges took 4 ms to compile, at every start).
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(s):
    return _XML_BAD.sub("\ufffd", sanitize.text(s))


def junit_tree(outcomes):
    import xml.etree.ElementTree as ET     # here: most runs write no JUnit (2 ms a start)
    suites = ET.Element("testsuites", name=TITLE)
    total = failures = errors = 0
    box = sandbox.detect()
    for o in outcomes:
        suite = ET.SubElement(suites, "testsuite", name=o.lab.dirname)
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="sandbox", value=box.mode)
        ET.SubElement(props, "property", name="sandbox_summary", value=box.summary())
        nfail = nerr = 0
        time = 0.0
        for t in o.tests:
            dur = t.run.duration if t.run else 0.0
            time += dur
            case = ET.SubElement(suite, "testcase", classname=o.lab.dirname,
                                 name=xml_text(t.test.name), time=f"{dur:.3f}")
            props = ET.SubElement(case, "properties")
            for k, v in (("score", f"{t.score:g}"), ("max_score", f"{t.max:g}"),
                         ("status", t.status), ("hidden", str(t.test.hidden).lower())):
                ET.SubElement(props, "property", name=k, value=v)
            if t.passed:
                continue
            body = xml_text(clip("\n".join(failure_lines(t)), OUTPUT_MAX))
            if t.status == "ERROR":
                nerr += 1
                el = ET.SubElement(case, "error", type="ERROR", message=xml_text(t.note))
            else:
                nfail += 1
                failed = [r for r in t.results if not r.ok]
                msg = "; ".join(f"expected {'; '.join(r.expected)}, saw {'; '.join(r.saw)}"
                                for r in failed) or t.note or t.status
                el = ET.SubElement(case, "failure", type=t.status,
                                   message=xml_text(clip(f"{t.score:g}/{t.max:g}: {msg}", 1000)))
            el.text = body
        suite.set("tests", str(len(o.tests)))
        suite.set("failures", str(nfail))
        suite.set("errors", str(nerr))
        suite.set("skipped", "0")
        suite.set("time", f"{time:.3f}")
        total, failures, errors = total + len(o.tests), failures + nfail, errors + nerr
    suites.set("tests", str(total))
    suites.set("failures", str(failures))
    suites.set("errors", str(errors))
    return ET.ElementTree(suites)


def write_junit(path, outcomes):
    import xml.etree.ElementTree as ET
    tree = junit_tree(outcomes)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)


# ---- Markdown ----------------------------------------------------------------

STATUS_MARK = {"PASS": "✅", "PARTIAL": "🟡"}


def md_cell(s):
    """Untrusted text inside a table cell: HTML-escaped, one line, no pipes."""
    s = html.escape(sanitize.text(s), quote=False).replace("|", "&#124;").replace("`", "&#96;")
    return " ".join(s.split())


def markdown(outcomes, submission=None):
    total = sum(o.score for o in outcomes)
    maxtotal = sum(o.max for o in outcomes)
    box = sandbox.detect()
    out = [f"## {TITLE}: {total:g}/{maxtotal:g}", ""]
    out += [("" if box.full else "> **") + md_cell(box.summary()) + ("" if box.full else "**"),
            ""]
    if submission is not None and submission.tampered:
        out += [f"> **{len(submission.modified)} protected file(s) modified, "
                f"{len(submission.added)} added: ignored, the kit's copies were used.**", ""]
    out += ["| lab | score | tests passed |", "|---|---:|---:|"]
    for o in outcomes:
        npass = sum(1 for t in o.tests if t.passed)
        build = "" if not o.build or o.build.ok else " (did not build)"
        out.append(f"| {o.lab.number} {md_cell(o.lab.name)}{build} | {o.score:g}/{o.max:g} "
                   f"| {npass}/{len(o.tests)} |")
    for o in outcomes:
        out += ["", f"### Lab {o.lab.number}: {md_cell(o.lab.title)}", "",
                "| test | score | status | time |", "|---|---:|---|---:|"]
        for t in o.tests:
            mark = STATUS_MARK.get(t.status, "❌")
            name = md_cell(t.test.name) + (" (hidden)" if t.test.hidden else "")
            dur = f"{t.run.duration:.2f} s" if t.run else ""
            out.append(f"| {name} | {t.score:g}/{t.max:g} | {mark} {t.status} | {dur} |")
        failed = [t for t in o.tests if not t.passed]
        if failed:
            out += ["", "<details><summary>what went wrong</summary>", ""]
            for t in failed:
                out += [f"**{md_cell(t.test.name)}**", "",
                        "<pre>" + html.escape(sanitize.text(clip("\n".join(failure_lines(t)),
                                                                 OUTPUT_MAX)),
                                              quote=False) + "</pre>", ""]
            out.append("</details>")
    out.append("")
    return "\n".join(out)


def write_markdown(path, outcomes, submission=None):
    with open(path, "w", encoding="utf-8") as f:
        f.write(markdown(outcomes, submission))


# ---- Gradescope --------------------------------------------------------------

def _atomic_write_json(path, data):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".results-", dir=d)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(sanitize.tree(data), f, indent=1)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class GradescopeWriter:
    """Gradescope's results.json, rewritten (atomically) every time a test
    finishes, so that a submission stopped by Gradescope's global timeout
    still has every finished test's score. Tests not finished are listed
    with 0 points and say so. Hidden tests are "after_published"."""

    def __init__(self, path, labs, preamble=()):
        self.path = path
        self.labs = labs or []
        self.preamble = list(preamble)      # text for the top-level "output"
        self.done = {}                      # id(test) -> TestOutcome
        self.stopped = None                 # why grading stopped before the end
        self.write()

    def test_done(self, _lab_outcome, t):
        self.done[id(t.test)] = t
        self.write()

    def finish(self, outcomes):
        for o in outcomes:
            for t in o.tests:
                self.done[id(t.test)] = t
        self.write(final=True)

    def fail(self, why):
        """Grading could not go on: the finished tests keep their scores,
        the others say "not run", the output says what happened."""
        self.stopped = why
        self.write(final=True)

    def _entry(self, lab, i, test):
        t = self.done.get(id(test))
        entry = {"name": f"Lab {lab.number} ({lab.name}): {test.name}",
                 "number": f"{lab.number}.{i + 1}", "max_score": test.points,
                 "visibility": "after_published" if test.hidden else "visible"}
        if t is None:
            entry.update(score=0, status="failed",
                         output="not run: the autograder stopped before this test finished")
            return entry
        head = f"{t.status}: {t.score:g}/{t.max:g}" + (f" - {test.description}"
                                                      if test.description else "")
        entry.update(score=t.score, status="passed" if t.passed else "failed",
                     output=clip("\n".join([head] + failure_lines(t)), OUTPUT_MAX))
        return entry

    def write(self, final=False):
        tests = [self._entry(lab, i, test) for lab in self.labs
                 for i, test in enumerate(lab.tests)]
        score = sum(e["score"] for e in tests)
        box = sandbox.detect()
        output = [box.summary()] + self.preamble + ([] if final else
                                  ["(grading in progress: the results below are partial)"])
        if self.stopped:
            output.append(f"The autograder stopped before the end: {self.stopped}. "
                          "Tell the course staff.")
        _atomic_write_json(self.path, {
            "score": score,
            "output": "\n".join(output),
            # Plain text: names, compiler lines and serial output are the
            # student's, and Gradescope's default format lets some HTML through
            # (a link, a remote image that the course staff's browser loads).
            "output_format": "text",
            "test_output_format": "text",
            "test_name_format": "text",
            # The grader's stdout names hidden tests and their failures.
            "stdout_visibility": "hidden",
            "tests": tests,
            "extra_data": {"sandbox": box.to_json()},
        })


# ---- PrairieLearn ------------------------------------------------------------

class PrairieLearnWriter:
    """PrairieLearn's external-grader results.json (/grade/results/), written
    once at the end: score 0-1, one entry per test with points and what
    went wrong. "gradable": false when the submission could not be graded
    at all (none of the lab's files in it, or the grader could not run):
    PrairieLearn then does not count the attempt."""

    def __init__(self, path, labs):
        self.path = path
        self.labs = labs or []
        self.preamble = []

    def _test(self, t):
        head = f"{t.status}: {t.score:g}/{t.max:g}"
        failed = [] if t.passed else failure_lines(t)
        return {"name": f"Lab {t.test.lab.number} ({t.test.lab.name}): {t.test.name}",
                "description": t.test.description, "points": t.score, "max_points": t.max,
                "message": head + ("" if t.passed else " - " + (failed[0] if failed else "")),
                "output": clip("\n".join([head] + failed), OUTPUT_MAX)}

    def _tests(self, outcomes):
        """Every visible test; the hidden ones of a lab as one entry, their
        points only (PrairieLearn shows all of results.json to the student,
        and has no later-published part as Gradescope has)."""
        out = []
        for o in outcomes:
            out += [self._test(t) for t in o.tests if not t.test.hidden]
            hidden = [t for t in o.tests if t.test.hidden]
            if hidden:
                score, most = sum(t.score for t in hidden), sum(t.max for t in hidden)
                out.append({"name": f"Lab {o.lab.number} ({o.lab.name}): hidden tests",
                            "description": f"{len(hidden)} test(s) not shown",
                            "points": score, "max_points": most,
                            "message": f"{score:g}/{most:g}",
                            "output": f"{len(hidden)} hidden test(s): {score:g}/{most:g} "
                                      "points (their names and results are not shown)"})
        return out

    def finish(self, outcomes, sub=None):
        total = sum(o.score for o in outcomes)
        maxtotal = sum(o.max for o in outcomes)
        if sub is not None and not sub.used:
            return self.fail("the submission holds none of the lab's files "
                             f"({', '.join(sub.missing[:5])}...)")
        box = sandbox.detect()
        _atomic_write_json(self.path, {
            "gradable": True,
            "score": round(total / maxtotal, 6) if maxtotal else 0,
            "message": f"{total:g}/{maxtotal:g} points",
            "output": "\n".join([box.summary()] + self.preamble),
            "tests": self._tests(outcomes),
            "sandbox": box.to_json(),
        })

    def fail(self, why):
        _atomic_write_json(self.path, {
            "gradable": False, "score": 0,
            "message": f"This submission could not be graded: {why}",
            "output": "\n".join(self.preamble + [f"not graded: {why}"]), "tests": []})


class Platforms:
    """The course platforms' result files asked for on the command line
    (--gradescope, --prairielearn): each gets a results file whatever
    happens, written by the grader after every sandboxed process is gone."""

    def __init__(self, args, labs):
        self.gs = GradescopeWriter(args.gradescope, labs) if args.gradescope else None
        self.pl = PrairieLearnWriter(args.prairielearn, labs) \
            if getattr(args, "prairielearn", None) else None
        self.refusal = None         # why the grader would not grade (said in the files)

    def set_labs(self, labs):
        for w in (self.gs, self.pl):
            if w:
                w.labs = labs
        if self.gs:
            self.gs.write()

    def preamble(self, lines):
        for w in (self.gs, self.pl):
            if w:
                w.preamble = list(lines)

    def test_done(self, lab_outcome, t):
        if self.gs:
            self.gs.test_done(lab_outcome, t)

    def finish(self, outcomes, sub=None):
        if self.gs:
            self.gs.finish(outcomes)
        if self.pl:
            self.pl.finish(outcomes, sub)

    def fail(self, why):
        why = sanitize.line(why)
        for w in (self.gs, self.pl):
            if w:
                try:
                    w.fail(why)
                except OSError:
                    pass
