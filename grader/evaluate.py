"""Score one run: read the CHECK/FACT lines that carry the run's nonce and
evaluate each check of the test against them.

Lines with the right shape but the wrong nonce were not printed by the kit's
test code; they are ignored and reported as suspicious.
"""

import re
import string

from . import guestcode

# A result line may be glued to the end of unfinished guest output on the
# same line ("@@@@CHECK ..."): the nonce makes the match unambiguous anyway.
CHECK_RE = re.compile(r"(?:^|(?<=[^A-Za-z0-9_]))CHECK (\S+) (\S+) (PASS|FAIL)(?: (.*))?$")
FACT_RE = re.compile(r"(?:^|(?<=[^A-Za-z0-9_]))FACT (\S+) (\S+) ?(.*)$")
DIAG_RE = re.compile(r"(?:^|(?<=[^A-Za-z0-9_]))DIAG (\S+) (.+)$")
CLEAN_SHUTDOWN = "hyp: shutdown (ok)"
FAILED_SHUTDOWN = "hyp: shutdown (failure)"
DUMP_MARK = re.compile(r"^(=== .*===|panic: .*|\*\*\* trap while .*)$")


class Parsed:
    def __init__(self, text, nonce):
        self.lines = text.split("\n")
        self.checks = {}       # name -> list of (ok, detail)
        self.facts = {}        # key -> list of values
        self.suspicious = []   # result-shaped lines without the nonce
        self.diags = []        # what the kit's test code noticed (DIAG lines)
        for line in self.lines:
            m = CHECK_RE.search(line)
            if m:
                if m.group(1) != nonce:
                    self.suspicious.append(line)
                else:
                    self.checks.setdefault(m.group(2), []).append(
                        (m.group(3) == "PASS", m.group(4) or ""))
                continue
            m = FACT_RE.search(line)
            if m:
                if m.group(1) != nonce:
                    self.suspicious.append(line)
                else:
                    self.facts.setdefault(m.group(2), []).append(m.group(3).strip())
                continue
            m = DIAG_RE.search(line)
            if m:
                if m.group(1) != nonce:
                    self.suspicious.append(line)
                elif m.group(2).strip() not in self.diags:
                    self.diags.append(m.group(2).strip())

    def dump_excerpt(self, n=14):
        """The first trap dump or panic in the output, if any."""
        for i, line in enumerate(self.lines):
            if DUMP_MARK.match(line):
                return self.lines[i:i + n]
        return []

    def tail(self, n=8):
        lines = [ln for ln in self.lines if ln.strip()]
        return lines[-n:]


_FORMATTER = string.Formatter()
SHOW_MAX = 200      # characters of a student's line quoted in "saw:"


def render(template, params):
    """str.format over the run parameters. A field that is not a parameter
    ({foo}, {0}, {} or a regex repetition like {2,3}) or that cannot be
    formatted stays exactly as written; a lone brace leaves the whole
    template as written. Never raises."""
    template = str(template)
    try:
        parts = list(_FORMATTER.parse(template))
    except ValueError:
        return template
    out = []
    for literal, field, spec, conv in parts:
        out.append(literal)
        if field is not None:
            out.append(_render_field(field, spec, conv, params))
    return "".join(out)


def _render_field(field, spec, conv, params):
    as_written = "{" + field + ("!" + conv if conv else "") + (":" + spec if spec else "") + "}"
    try:
        value, _ = _FORMATTER.get_field(field, (), params)
        value = _FORMATTER.convert_field(value, conv)
        return _FORMATTER.format_field(value, render(spec or "", params))
    except Exception:       # unknown field, bad spec, bad conversion: keep the text
        return as_written


def clip(text, n=SHOW_MAX):
    """A student's line, shortened for the report (it may be 512 KiB long)."""
    return text if len(text) <= n else text[:n] + f"... ({len(text) - n} more characters)"


def _compile(pat):
    """A templated pattern; None when the rendered text is not a regex."""
    try:
        return re.compile(pat)
    except re.error:
        return None


class CheckResult:
    def __init__(self, check, ok, expected, saw):
        self.check = check
        self.ok = ok
        self.expected = expected     # list of strings
        self.saw = saw               # list of strings
        self.points = check.points if ok else 0
        # Every FAIL line of the check says "not judged: ...": the kit could
        # not look (an earlier failure stood in the way); its hint would
        # point elsewhere.
        self.not_judged = False


NOT_JUDGED = "not judged"


def evaluate_check(check, parsed, run, params, guest=None):
    """guest: guestcode.for_image() of the test's guest (a "runs" check)."""
    ok = True
    not_judged = False
    expected, saw = [], []

    if check.fact is not None:
        want = render(check.equals, params)
        got = parsed.facts.get(check.fact, [])
        expected.append(f"FACT {check.fact} = {want}")
        if not got:
            ok = False
            saw.append(f"no FACT line for '{check.fact}'")
        elif any(v != want for v in got):
            ok = False
            saw.append(clip(f"FACT {check.fact} = " + " | ".join(dict.fromkeys(got))))

    if check.check is not None:
        got = parsed.checks.get(check.check, [])
        expected.append(f"CHECK {check.check} PASS")
        fails = [d for good, d in got if not good]
        if not got:
            ok = False
            saw.append(f"no CHECK line for '{check.check}' (the test did not get that far)")
        elif fails:
            ok = False
            more = f" (and {len(fails) - 1} more)" if len(fails) > 1 else ""
            saw.append(f"CHECK {check.check} FAIL {clip(fails[0])}{more}")
            not_judged = all(d.startswith(NOT_JUDGED) for d in fails)

    if check.expect is not None:
        pat = render(check.expect, params)
        rx = _compile(pat)
        expected.append(f"a line matching /{pat}/")
        if rx is None:
            ok = False
            saw.append("(kit bug) the templated pattern is not a valid regex")
        elif not any(rx.search(ln) for ln in parsed.lines):
            ok = False
            saw.append("no such line")

    if check.absent is not None:
        pat = render(check.absent, params)
        rx = _compile(pat)
        expected.append(f"no line matching /{pat}/")
        hit = None if rx is None else next((ln for ln in parsed.lines if rx.search(ln)), None)
        if rx is None:
            ok = False
            saw.append("(kit bug) the templated pattern is not a valid regex")
        elif hit is not None:
            ok = False
            saw.append(repr(clip(hit)))

    if check.grows is not None:
        ok &= _grows(check, parsed, params, expected, saw)

    if check.exit == "clean":
        # The kit's shutdown (SBI SRST, OpenSBI's finisher) leaves QEMU with
        # status 0, failures too: another status is an exit of the run's own.
        expected.append(f"the run ends by itself with '{CLEAN_SHUTDOWN}' (QEMU exit status 0)")
        if not (run.ended_by_itself and run.exit_code == 0 and
                CLEAN_SHUTDOWN in parsed.lines):
            ok = False
            saw.append(describe_end(run, parsed))
    elif check.exit == "failure":
        expected.append(f"the run ends by itself with '{FAILED_SHUTDOWN}'")
        if not (run.ended_by_itself and FAILED_SHUTDOWN in parsed.lines):
            ok = False
            saw.append(describe_end(run, parsed))

    if check.runs is not None:
        ok &= _runs_guest(run, guest, expected, saw)

    result = CheckResult(check, ok, expected, saw)
    result.not_judged = not_judged and not ok
    return result


def _runs_guest(run, guest, expected, saw):
    """QEMU's own view of the run (guestcode.py)."""
    if not isinstance(guest, guestcode.Profile):
        expected.append("QEMU sees a hart in the guest run the guest's code")
        saw.append(f"(kit) {guest or 'the test has no guest image'}")
        return False
    expected.append(f"QEMU sees a hart in the guest (V=1) run {guest.name}'s code where "
                    f"{guest.name} has it, at each look"
                    + (f", and its {guest.progress[0]} go up" if guest.progress else ""))
    ok, why = guestcode.judge(guest, getattr(run, "looks", None) or [])
    if not ok:
        saw.append(clip(why, 400))
    return ok


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _reading(match):
    """The value of one match of a "grows" pattern: the sum of the numbers
    in its first group (a /proc/interrupts line has one per cpu)."""
    return sum(float(n) for n in _NUMBER.findall(match.group(1) or ""))


def _grows(check, parsed, params, expected, saw):
    """Readings matched in order: at least two, the last above the first
    by more than 0, or by at least check.by (a number, or a parameter)."""
    pat = render(check.grows, params)
    rx = _compile(pat)
    by = float(render(check.by, params)) if check.by is not None else None
    expected.append(f"lines matching /{pat}/ whose numbers grow" +
                    (f" by at least {by:g}" if by is not None else ""))
    if rx is None or rx.groups < 1:
        saw.append("(kit bug) the templated pattern is not a regex with a group")
        return False
    values = [_reading(m) for ln in parsed.lines for m in [rx.search(ln)] if m]
    if len(values) < 2:
        saw.append(f"{len(values)} such line(s): two readings are needed")
        return False
    grew = values[-1] - values[0]
    if grew <= 0 or (by is not None and grew < by):
        saw.append(f"readings {' -> '.join(f'{v:g}' for v in values)}: grew by {grew:g}")
        return False
    return True


def describe_end(run, parsed):
    if run.error:
        return f"QEMU did not start: {run.error}"
    if run.timed_out:
        return "still running at the timeout (killed)"
    if run.flooded:
        return "killed: the output passed the cap (a print loop?)"
    if CLEAN_SHUTDOWN in parsed.lines:
        return f"'{CLEAN_SHUTDOWN}', QEMU exit status {run.exit_code}"
    if FAILED_SHUTDOWN in parsed.lines:
        return f"'{FAILED_SHUTDOWN}' (exit status {run.exit_code})"
    return f"QEMU exited with status {run.exit_code} without a shutdown line"
