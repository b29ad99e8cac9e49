"""The test tables of the handouts, generated from lab.json: one truth.

Each handout (docs/labs/NN-name.md) holds, between two marker lines, the
table of its lab's tests: name, machine, points and the test's
description, a row per check (its points and name) when there are several,
then the total. The same numbers appear in its
"make grade LAB=n ... (P points, T tests)" line. `make docs` (python3 -m
grader.doctables --fix) rewrites the tables; `make test` fails when a
handout and its lab.json disagree (grader/tests/test_doctables.py).
"""

import argparse
import os
import re
import sys

from . import labspec

BEGIN = "<!-- tests: generated from {path} by `make docs`; do not edit -->"
END = "<!-- end of tests -->"
SUMMARY = re.compile(r"\((\d+(?:\.\d+)?) points, (\d+) tests?\)")


def _points(n):
    return f"{n:g}"


def _machine(test):
    if test.host:
        return "host program"
    parts = [f"{test.smp} hart{'s' if test.smp > 1 else ''}", test.mem]
    if test.cpu != "rv64":
        cpu = re.sub(r"\{rand_[a-z]\b[^}]*\}", "RANDOM", test.cpu)
        parts.append(f"`-cpu {cpu}`")
    if test.dtb_cpu:
        parts.append(f"the device tree of `-cpu {test.dtb_cpu}`")
    if test.guest:
        image = test.guest["image"]
        parts.append("the kit's Linux" if image == "linux" else f"`{os.path.basename(image)}`")
    return ", ".join(parts)


def _cell(text):
    return text.replace("|", "\\|").replace("\n", " ")


def table(lab):
    """The generated block for lab, markers included, as a list of lines."""
    lines = [BEGIN.format(path=f"labs/{lab.dirname}/lab.json"),
             "| test | machine | points | what it checks |",
             "|---|---|---:|---|"]
    for t in lab.tests:
        lines.append(f"| `{t.name}` | {_machine(t)} | **{_points(t.points)}** | "
                     f"{_cell(t.description)} |")
        if len(t.checks) > 1:           # each check: its share and what it is
            lines += [f"| | | {_points(c.points)} | {_cell(c.name)} |" for c in t.checks]
    lines.append(f"| **total** | | **{_points(lab.points)}** | {len(lab.tests)} tests |")
    lines.append(END)
    return lines


def handout_path(lab, root=labspec.ROOT):
    return os.path.join(root, lab.handout) if lab.handout else None


def problems(lab, root=labspec.ROOT):
    """What disagrees between lab's handout and its lab.json (empty: none)."""
    path = handout_path(lab, root)
    if not path or not os.path.isfile(path):
        return [f"lab {lab.number}: no handout ({lab.handout or 'none named'})"]
    with open(path, encoding="utf-8") as f:
        text = f.read().splitlines()
    out = []
    want = table(lab)
    try:
        i = text.index(want[0])
        j = text.index(END, i)
    except ValueError:
        return [f"{lab.handout}: no generated test table (run make docs)"]
    if text[i:j + 1] != want:
        out.append(f"{lab.handout}: the test table differs from {want[0][16:-31]} "
                   "(run make docs)")
    for n, line in enumerate(text, 1):
        for m in SUMMARY.finditer(line):
            if float(m.group(1)) != lab.points or int(m.group(2)) != len(lab.tests):
                out.append(f"{lab.handout}:{n}: says {m.group(0)}, lab.json has "
                           f"({_points(lab.points)} points, {len(lab.tests)} tests)")
    return out


def fix(lab, root=labspec.ROOT):
    """Rewrite the table (which must already be marked) and the summary
    lines. True if the file changed."""
    path = handout_path(lab, root)
    with open(path, encoding="utf-8") as f:
        text = f.read().splitlines()
    want = table(lab)
    begin = next(k for k, ln in enumerate(text) if ln.startswith("<!-- tests: generated from"))
    end = text.index(END, begin)
    summary = f"({_points(lab.points)} points, {len(lab.tests)} tests)"
    new = [SUMMARY.sub(summary, ln) for ln in text[:begin]] + want + \
        [SUMMARY.sub(summary, ln) for ln in text[end + 1:]]
    if new == text:
        return False
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(new) + "\n")
    return True


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m grader.doctables",
                                description="the handouts' test tables, from lab.json")
    p.add_argument("--fix", action="store_true", help="rewrite them (make docs)")
    args = p.parse_args(argv)
    labs = labspec.load_labs()
    if args.fix:
        for lab in labs:
            if fix(lab):
                print(f"updated {lab.handout}")
    bad = [msg for lab in labs for msg in problems(lab)]
    for msg in bad:
        print(msg, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
