"""What the grader prints: per-test lines, failure explanations, tables."""

import json
import os
import sys

from . import sandbox, sanitize
from .evaluate import clip as evaluate_clip
from .build import VARIANT_NAMES

USE_COLOR = sys.stdout.isatty() and os.environ.get("NO_COLOR") is None
COLORS = {"PASS": "32", "PARTIAL": "33", "FAIL": "31", "TIMEOUT": "31", "FLOOD": "31",
          "BUILD": "31", "ERROR": "31"}


def color(status, text=None):
    text = status if text is None else text
    if not USE_COLOR or status not in COLORS:
        return text
    return f"\033[{COLORS[status]}m{text}\033[0m"


def rel(path, root):
    try:
        return os.path.relpath(path, root)
    except ValueError:
        return path


def print_lab_header(o):
    lab = o.lab
    print(f"\n== Lab {lab.number}: {lab.name} - {lab.title} [{VARIANT_NAMES[o.variant]}]")
    if not o.build.ok:
        print(color("BUILD", "   build FAILED:"))
        lines = [ln for ln in sanitize.text(o.build.output).splitlines() if ln.strip()]
        for ln in lines[-25:]:
            print("   | " + ln)


def make_qemu_command(test, params=None):
    """The make command that reruns one test's machine by hand: make run
    for a test that boots a real guest (lab 10: make qemu would give the
    hypervisor no image), make qemu for the others."""
    cpu = params["cpu"] if params and params.get("cpu") else test.cpu
    if test.guest:
        cmd = f"make run GUEST={test.guest.get('image', '')}"
        if test.guest.get("initrd"):
            cmd += f" INITRD={test.guest['initrd']}"
    else:
        cmd = f"make qemu LAB={test.lab.number} TEST={test.scenario}"
    if test.cpu != "rv64":
        cmd += f" CPU={cpu}"
    if test.dtb_cpu and not test.guest:
        cmd += f" DTB_CPU={test.dtb_cpu}"
    if test.smp != 1:
        cmd += f" SMP={test.smp}"
    if test.mem != ("512M" if test.guest else "128M"):     # each target's default
        cmd += f" MEM={test.mem}"
    return cmd


SUSPICIOUS_SHOWN = 3        # lines quoted in the terminal report
DIAGS_SHOWN = 3             # the kit's DIAG lines shown per test
SUSPICIOUS_KEPT = 20        # lines kept per test in the JSON


def print_test(t, root, verbose=False):
    name = t.test.name + (" (hidden)" if t.test.hidden else "")
    print(f"   {name:<24} {t.score:>4g}/{t.max:<4g} {color(t.status, f'{t.status:<8}')}"
          + (f" {t.run.duration:5.2f}s" if t.run else ""))
    if t.status == "BUILD":
        return
    if t.note:
        print(f"      ! {sanitize.line(t.note)}")
    if not t.passed and t.parsed:
        for text in t.parsed.diags[:DIAGS_SHOWN]:
            print(f"      ! {color('FAIL', 'diagnosis:')} {sanitize.line(evaluate_clip(text))}")
    if t.status == "ERROR" and t.run and t.run.error and not verbose:
        # The test could not run (the note says why): its checks judged
        # nothing, and their hints are about code that never ran.
        print(f"         ({len(t.results)} check(s) not judged: the test did not run)")
    elif not t.passed or verbose:
        for r in t.results:
            if r.ok and not verbose:
                continue
            mark = "ok" if r.ok else "x "
            print(f"      {mark} {r.check.name} ({r.check.points:g} pts)")
            if not r.ok:
                print(f"         expected: {sanitize.line('; '.join(r.expected))}")
                print(f"         saw:      {sanitize.line('; '.join(r.saw))}")
                if getattr(r, "not_judged", False):
                    print("         hint:     none of its own: it follows from a failure "
                          "above; fix that first")
                elif r.check.hint:
                    print(f"         hint:     {r.check.hint}")
        if not t.passed:
            if t.status in ("TIMEOUT", "FLOOD"):
                print("         hint:     an infinite loop, a trap that repeats, or a hart "
                      "waiting forever; watch it with")
                print("                   " + make_qemu_command(t.test, t.params))
            dump = t.parsed.dump_excerpt() if t.parsed else []
            shown = dump or (t.parsed.tail() if t.parsed else [])
            if shown:
                print("         " + ("trap dump:" if dump else "last lines of output:"))
                for ln in shown:
                    print("         | " + sanitize.line(ln[:150]))
            print_diagnosis(t)
    if t.parsed and t.parsed.suspicious:
        for line in t.parsed.suspicious[:SUSPICIOUS_SHOWN]:
            print(f"         suspicious: {sanitize.line(repr(line[:120]))}")
    if t.log and (not t.passed or verbose):
        print(f"         log:      {rel(t.log, root)}")
    if verbose and t.run:
        print("      --- serial output ---")
        for ln in sanitize.text(t.run.text).splitlines():
            print("      | " + ln)


WHEN = {"timeout": "at the timeout, just before the kill",
        "flood": "when the output passed the cap, just before the kill",
        "failure": "as the failing run shut down"}


def print_diagnosis(t):
    """Where the harts were and what the dump's addresses are
    (grader/diagnose.py)."""
    d = t.diagnosis
    if not d:
        return
    when = WHEN.get(t.run.snapshot_when if t.run else "", "")
    if t.run and t.run.snapshot:
        print(f"         where the harts were ({when}):")
    else:
        print("         where:")
    for ln in d.lines:
        print("         > " + sanitize.line(ln))
    for h in d.hints:
        print("         hint:     " + sanitize.line(h))


def print_summary(outcomes):
    print("\n" + "-" * 60)
    print(f"{'lab':<28}{'score':>12}{'tests passed':>16}")
    total = maxtotal = npass = nfail = 0
    for o in outcomes:
        p = sum(1 for t in o.tests if t.passed)
        f = len(o.tests) - p
        npass, nfail = npass + p, nfail + f
        total, maxtotal = total + o.score, maxtotal + o.max
        label = f"{o.lab.number:>2} {o.lab.name}"
        print(f"{label:<28}{o.score:>8g}/{o.max:<4g}{p:>8}/{len(o.tests)}")
    print("-" * 60)
    print(f"Score: {total:g}/{maxtotal:g}")
    return npass, nfail


def suspicious_lines(t):
    """Result-shaped lines of a run that did not carry its nonce."""
    return t.parsed.suspicious if t.parsed else []


def _diagnosis_json(t):
    """The kit's DIAG lines and grader/diagnose.py's findings, or None."""
    d = t.diagnosis.to_json() if getattr(t, "diagnosis", None) else {"lines": [], "hints": []}
    d["kit"] = [evaluate_clip(x) for x in t.parsed.diags[:DIAGS_SHOWN]] \
        if t.parsed and not t.passed else []
    return d if d["lines"] or d["hints"] or d["kit"] else None


def to_json(outcomes, root, submission=None):
    labs = []
    for o in outcomes:
        labs.append({
            "lab": o.lab.number, "name": o.lab.name, "dirname": o.lab.dirname,
            "variant": o.variant, "score": o.score, "max_score": o.max,
            "build_ok": o.build.ok if o.build else False,
            "build_output": o.build.output[-4000:] if o.build and not o.build.ok else "",
            "tests": [{
                "name": t.test.name, "scenario": t.test.scenario, "hidden": t.test.hidden,
                "score": t.score, "max_score": t.max,
                "status": t.status, "note": t.note,
                "duration": round(t.run.duration, 3) if t.run else None,
                "log": rel(t.log, root) if t.log else None,
                "suspicious_count": len(suspicious_lines(t)),
                "suspicious": [ln[:200] for ln in suspicious_lines(t)[:SUSPICIOUS_KEPT]],
                "diagnosis": _diagnosis_json(t),
                "checks": [{"name": r.check.name, "points": r.points,
                            "max_points": r.check.points, "ok": r.ok,
                            "expected": r.expected, "saw": r.saw} for r in t.results],
            } for t in o.tests],
        })
    out = {"score": sum(o.score for o in outcomes),
           "max_score": sum(o.max for o in outcomes), "labs": labs,
           "sandbox": sandbox.detect().to_json()}
    if submission is not None:
        out["submission"] = submission.to_json()
    return out


def write_json(path, outcomes, root, submission=None):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(sanitize.tree(to_json(outcomes, root, submission)), f, indent=2)
