"""Score one run: read the CHECK/FACT lines that carry the run's nonce and
evaluate each check of the test against them.

Lines with the right shape but the wrong nonce were not printed by the kit's
test code; they are ignored and reported as suspicious.
"""

import re
import string

CHECK_RE = re.compile(r"^CHECK (\S+) (\S+) (PASS|FAIL)(?: (.*))?$")
FACT_RE = re.compile(r"^FACT (\S+) (\S+) ?(.*)$")
CLEAN_SHUTDOWN = "hyp: shutdown (ok)"
FAILED_SHUTDOWN = "hyp: shutdown (failure)"
DUMP_MARK = re.compile(r"^(=== .*===|panic: .*|\*\*\* trap while .*)$")


class Parsed:
    def __init__(self, text, nonce):
        self.lines = text.split("\n")
        self.checks = {}       # name -> list of (ok, detail)
        self.facts = {}        # key -> list of values
        self.suspicious = []   # result-shaped lines without the nonce
        for line in self.lines:
            m = CHECK_RE.match(line)
            if m:
                if m.group(1) != nonce:
                    self.suspicious.append(line)
                else:
                    self.checks.setdefault(m.group(2), []).append(
                        (m.group(3) == "PASS", m.group(4) or ""))
                continue
            m = FACT_RE.match(line)
            if m:
                if m.group(1) != nonce:
                    self.suspicious.append(line)
                else:
                    self.facts.setdefault(m.group(2), []).append(m.group(3).strip())

    def dump_excerpt(self, n=14):
        """The first trap dump or panic in the output, if any."""
        for i, line in enumerate(self.lines):
            if DUMP_MARK.match(line):
                return self.lines[i:i + n]
        return []

    def tail(self, n=8):
        lines = [ln for ln in self.lines if ln.strip()]
        return lines[-n:]


class _Vars(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def render(template, params):
    """str.format over the run parameters; unknown fields stay as written."""
    try:
        return string.Formatter().vformat(str(template), (), _Vars(params))
    except (ValueError, IndexError, KeyError):
        return str(template)


class CheckResult:
    def __init__(self, check, ok, expected, saw):
        self.check = check
        self.ok = ok
        self.expected = expected     # list of strings
        self.saw = saw               # list of strings
        self.points = check.points if ok else 0


def evaluate_check(check, parsed, run, params):
    ok = True
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
            saw.append(f"FACT {check.fact} = " + " | ".join(dict.fromkeys(got)))

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
            saw.append(f"CHECK {check.check} FAIL {fails[0]}{more}")

    if check.expect is not None:
        pat = render(check.expect, params)
        expected.append(f"a line matching /{pat}/")
        if not any(re.search(pat, ln) for ln in parsed.lines):
            ok = False
            saw.append("no such line")

    if check.absent is not None:
        pat = render(check.absent, params)
        expected.append(f"no line matching /{pat}/")
        hits = [ln for ln in parsed.lines if re.search(pat, ln)]
        if hits:
            ok = False
            saw.append(f"{hits[0]!r}")

    if check.exit == "clean":
        expected.append(f"the run ends by itself with '{CLEAN_SHUTDOWN}'")
        if not (run.ended_by_itself and CLEAN_SHUTDOWN in parsed.lines):
            ok = False
            saw.append(describe_end(run, parsed))
    elif check.exit == "failure":
        expected.append(f"the run ends by itself with '{FAILED_SHUTDOWN}'")
        if not (run.ended_by_itself and FAILED_SHUTDOWN in parsed.lines):
            ok = False
            saw.append(describe_end(run, parsed))

    return CheckResult(check, ok, expected, saw)


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
