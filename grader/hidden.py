"""Hidden tests: instructor-only tests added to a lab at grading time.

`python3 -m grader grade --extra-tests DIR` reads, for each lab, either

    DIR/NN-name.json            {"tests": [...]}  (or just the list [...])
    DIR/NN-name/lab.json        {"tests": [...]}  (a lab.json with only "tests")

Each test has exactly the format of a lab.json test (grader/labspec.py) and
is appended to that lab's tests, marked hidden in every report. A hidden
test runs against the same image as the lab's own tests, so it can only
choose what the harness already does: it varies the machine (qemu smp, mem,
cpu), the seed, the timeout or the bootargs of an existing scenario. Its
"scenario" names that scenario; without one, the test's own name must be
the name of one of the lab's tests (anything else is almost certainly a
typo that would make every student fail the test).
"""

import json
import os

from .labspec import SpecError, Test


def _lab_files(extra_dir, lab):
    """The files in extra_dir that hold hidden tests for lab."""
    found = []
    for path in (os.path.join(extra_dir, lab.dirname + ".json"),
                 os.path.join(extra_dir, lab.dirname, "lab.json")):
        if os.path.isfile(path):
            found.append(path)
    return found


def _check_names(extra_dir, labs):
    """Every .json in extra_dir (and every NN-name/ folder) must belong to a lab."""
    known = {lab.dirname for lab in labs}
    for entry in sorted(os.listdir(extra_dir)):
        path = os.path.join(extra_dir, entry)
        if entry.startswith("."):
            continue
        if entry.endswith(".json") and entry[:-5] not in known:
            raise SpecError(f"{path}: no lab named {entry[:-5]!r} "
                            f"(labs: {', '.join(sorted(known))})")
        if os.path.isdir(path) and os.path.isfile(os.path.join(path, "lab.json")) \
                and entry not in known:
            raise SpecError(f"{path}: no lab named {entry!r}")


def _read_tests(path):
    try:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
    except (OSError, ValueError) as e:
        raise SpecError(f"{path}: {e}") from None
    if isinstance(d, dict):
        d = d.get("tests")
    if not isinstance(d, list):
        raise SpecError(f"{path}: expected {{\"tests\": [...]}} or a list of tests")
    return d


def add_hidden_tests(labs, extra_dir):
    """Append the hidden tests in extra_dir to labs (in place). Returns how
    many were added. Raises SpecError for any mistake, naming the file."""
    if not os.path.isdir(extra_dir):
        raise SpecError(f"{extra_dir}: --extra-tests needs a directory")
    _check_names(extra_dir, labs)
    added = 0
    for lab in labs:
        scenarios = sorted({t.scenario for t in lab.tests})
        for path in _lab_files(extra_dir, lab):
            for i, d in enumerate(_read_tests(path)):
                t = Test(d, lab, f"{path}, test {i + 1}")
                _check_hidden(lab, t, scenarios, path)
                t.hidden = True
                lab.tests.append(t)
                added += 1
    return added


def _check_hidden(lab, t, scenarios, path):
    if any(t.name == other.name for other in lab.tests):
        raise SpecError(f"{path}: hidden test {t.name!r} has the name of a test "
                        f"lab {lab.number} already has; give it another name")
    if not t.scenario_given and t.scenario not in scenarios:
        raise SpecError(
            f"{path}: hidden test {t.name!r} would run scenario {t.name!r}, which no test "
            f"of lab {lab.number} runs; add \"scenario\": one of {', '.join(scenarios)}")
    # A real guest's console passes through student code (guestcode.py):
    # what the lab's own tests of a scenario ask QEMU, a hidden one must ask.
    judged = {o.scenario for o in lab.tests if not getattr(o, "hidden", False)
              and any(c.runs for c in o.checks)}
    if t.scenario in judged and not any(c.runs for c in t.checks):
        raise SpecError(
            f"{path}: hidden test {t.name!r} runs scenario {t.scenario!r}, whose tests in lab "
            f"{lab.number} also ask QEMU whether the guest runs: copy their check with "
            f"\"runs\": \"guest\" and their input steps with \"look\": \"boot\" and "
            "\"look\": \"prompt\", or its checks would read only a console the student's "
            "code can print")
