"""`make gradescope [LAB=n] [EXTRA_TESTS=dir]`: the autograder zip for a
Gradescope programming assignment (build/gradescope.zip by default).

At the root of the zip, as Gradescope wants: setup.sh (installs the
packages of .devcontainer/packages.txt with apt) and run_autograder
(grader/templates/). Next to them the kit the grader needs: Makefile,
common/, grader/, labs/ with the tests, the package list, the hidden tests
(hidden-tests/, when EXTRA_TESTS is given) and grade-args.txt, the extra
arguments run_autograder passes (--lab, --extra-tests). Never solutions/.
"""

import os
import sys
import zipfile

from . import hidden, labspec

ROOT = labspec.ROOT
TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
KIT_ENTRIES = ("Makefile", "common", "grader", "labs", ".devcontainer/packages.txt")
HIDDEN_DIR = "hidden-tests"


def _files(top):
    """(path on disk, name in the zip) under ROOT/top, sorted. Of labs/,
    only the labs the grader knows (with a lab.json)."""
    src = os.path.join(ROOT, top)
    if os.path.isfile(src):
        return [(src, top)]
    if top == "labs":
        return [f for d in labspec.lab_dirs(ROOT) for f in _files(f"labs/{d}")]
    out = []
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith(".pyc"):
                continue
            full = os.path.join(dirpath, name)
            out.append((full, os.path.relpath(full, ROOT).replace(os.sep, "/")))
    return out


def _hidden_files(extra_dir):
    """The hidden-test files of extra_dir, as hidden.py reads them."""
    out = []
    for entry in sorted(os.listdir(extra_dir)):
        full = os.path.join(extra_dir, entry)
        if entry.endswith(".json") and os.path.isfile(full):
            out.append((full, f"{HIDDEN_DIR}/{entry}"))
        elif os.path.isfile(os.path.join(full, "lab.json")):
            out.append((os.path.join(full, "lab.json"), f"{HIDDEN_DIR}/{entry}/lab.json"))
    return out


def _add(z, path, name, executable=False):
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    with open(path, "rb") as f:
        z.writestr(info, f.read())


def build_zip(out, lab=None, extra_tests=None):
    """Write the zip; returns the grade arguments it holds. Raises SpecError
    when the labs or the hidden tests are broken (checked here, not on
    Gradescope)."""
    labs = labspec.load_labs(ROOT)
    args = []
    if extra_tests:
        hidden.add_hidden_tests(labs, extra_tests)
        args += ["--extra-tests", HIDDEN_DIR]
    if lab is not None:
        found = labspec.find_lab(labs, lab)
        if not found:
            raise labspec.SpecError(f"no lab {lab!r}")
        args += ["--lab", str(found.number)]
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = out + ".tmp"
    with zipfile.ZipFile(tmp, "w") as z:
        _add(z, os.path.join(TEMPLATES, "gradescope-setup.sh"), "setup.sh", executable=True)
        _add(z, os.path.join(TEMPLATES, "gradescope-run_autograder"), "run_autograder",
             executable=True)
        for top in KIT_ENTRIES:
            for path, name in _files(top):
                _add(z, path, name, executable=os.access(path, os.X_OK))
        if extra_tests:
            for path, name in _hidden_files(extra_tests):
                _add(z, path, name)
        info = zipfile.ZipInfo("grade-args.txt", date_time=(2024, 1, 1, 0, 0, 0))
        info.external_attr = 0o100644 << 16
        z.writestr(info, "".join(a + "\n" for a in args))
    os.replace(tmp, out)
    return args


def main(args):
    try:
        extra = build_zip(args.out, args.lab, args.extra_tests)
    except labspec.SpecError as e:
        print(f"grader gradescope: {e}", file=sys.stderr)
        return 2
    what = f"lab {extra[extra.index('--lab') + 1]}" if "--lab" in extra else "every lab"
    if "--extra-tests" in extra:
        what += ", with hidden tests"
    print(f"Wrote {args.out} (grades {what}): upload it as the autograder of a Gradescope "
          "programming assignment (see docs/instructors.md).")
    return 0
