"""`make handout DEST=dir` (python3 -m grader handout DEST): the student
repository, checked.

The handout holds what a student needs and nothing an instructor keeps:
only the entries in HANDOUT_ENTRIES are copied (so a new instructor-only
folder, hidden tests, grades or submissions, stays out without anyone
having to remember it), minus INSTRUCTOR_ONLY. It gains the GitHub Actions
workflow (grader/templates/github-grade.yml) and a note at the top of its
README. Then it is verified as shipped: every lab builds and every test of
every lab scores zero (no lab can be passed without work).

In the handout `make test` cannot prove the solutions (there are none): it
runs the manifests of labs/, the grader's unit tests (those that need
solutions/ skip themselves) and the gdb session (selftest.py).
"""

import os
import shutil
import sys

from . import grade as grademod
from . import labspec, report

ROOT = labspec.ROOT
TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
HANDOUT_ENTRIES = ("Makefile", "README.md", ".gitignore", ".clangd", ".devcontainer", ".vscode",
                   "common", "docs", "grader", "labs")
INSTRUCTOR_ONLY = ("docs/instructors.md", "docs/bench.md", "grader/bench.py", "grader/benchwall.py",
                   "docs/fuzz.md", "grader/fuzz.py",
                   # Forgers the grader catches: no template for students.
                   "grader/tests/test_forgery.py")
WORKFLOW = ".github/workflows/grade.yml"
README_NOTE = "handout-README-note.md"


def _ignore(src_root):
    def ignore(dirpath, names):
        rel = os.path.relpath(dirpath, src_root).replace(os.sep, "/")
        out = {n for n in names if n == "__pycache__" or n.endswith(".pyc")}
        out |= {n for n in names if (n if rel == "." else f"{rel}/{n}") in INSTRUCTOR_ONLY}
        return out
    return ignore


def _within(path, folder):
    """path is folder or lies under it (both absolute and resolved). A
    comparison of whole components: "/" holds "/kit", "/ki" does not."""
    return os.path.commonpath([path, folder]) == folder


def _check_dest(dest):
    """DEST must not be the kit or hold it, nor lie inside it (but under build/)."""
    real, root = os.path.realpath(dest), os.path.realpath(ROOT)
    build = os.path.join(root, "build")
    if _within(root, real):
        return "DEST would contain the kit itself"
    if _within(real, root) and not (_within(real, build) and real != build):
        return "DEST is inside the kit (use a folder outside it, or under build/)"
    return None


def write(dest):
    """Copy the student entries to dest and add the workflow and README note."""
    os.makedirs(dest)
    for name in HANDOUT_ENTRIES:
        src = os.path.join(ROOT, name)
        dst = os.path.join(dest, name)
        if name == "labs":
            _copy_labs(dst)
        elif os.path.isdir(src):
            shutil.copytree(src, dst, ignore=_ignore(ROOT), symlinks=True)
        elif os.path.isfile(src):
            shutil.copy2(src, dst)
    wf = os.path.join(dest, WORKFLOW)
    os.makedirs(os.path.dirname(wf))
    shutil.copyfile(os.path.join(TEMPLATES, "github-grade.yml"), wf)
    for readme in ("README.md", "docs/README.md"):
        _drop_instructor_links(os.path.join(dest, readme))
    _drop_marked_lines(dest)
    _add_readme_note(os.path.join(dest, "README.md"))


def _drop_instructor_links(path):
    """Lines that point at an instructor-only file would be dead links."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines(keepends=True)
    except FileNotFoundError:
        return
    names = [os.path.basename(p) for p in INSTRUCTOR_ONLY]
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(ln for ln in lines if not any(n in ln for n in names))


INSTRUCTORS_MARK = "<!-- instructors -->"


def _drop_marked_lines(dest):
    """A line of the kit's Markdown that ends with INSTRUCTORS_MARK (a
    table row about SOLUTION=1, solutions/) is for instructors: the
    student handout has no solutions/, and the line would send a student
    to a command that fails there."""
    for top, _, files in os.walk(dest):
        for name in files:
            if not name.endswith(".md"):
                continue
            path = os.path.join(top, name)
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines(keepends=True)
            kept = [ln for ln in lines if not ln.rstrip().endswith(INSTRUCTORS_MARK)]
            if len(kept) != len(lines):
                with open(path, "w", encoding="utf-8") as f:
                    f.writelines(kept)


def _copy_labs(dst):
    """Only the labs the grader knows (labs/NN-name/ with a lab.json): a
    folder still being written (no lab.json yet, "07-x.staging") stays out."""
    os.makedirs(dst)
    for d in labspec.lab_dirs(ROOT):
        shutil.copytree(os.path.join(ROOT, "labs", d), os.path.join(dst, d),
                        ignore=_ignore(ROOT), symlinks=True)


def _add_readme_note(path):
    """The note goes right under the README's title."""
    with open(os.path.join(TEMPLATES, README_NOTE), encoding="utf-8") as f:
        note = f.read().strip() + "\n"
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines(keepends=True)
    except FileNotFoundError:
        lines = ["# RISC-V Hypervisor Labs\n"]
    at = 1 if lines and lines[0].startswith("#") else 0
    lines[at:at] = ["\n", note]
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(lines)


def verify(dest, jobs):
    """Every lab of the handout builds and scores zero. Returns the problems."""
    problems = []
    for path in ("solutions", *INSTRUCTOR_ONLY):
        if os.path.exists(os.path.join(dest, path)):
            problems.append(f"{path} is in the handout")
    if not os.path.isfile(os.path.join(dest, WORKFLOW)):
        problems.append(f"{WORKFLOW} is missing")
    labs = labspec.load_labs(dest)
    if not labs:
        problems.append("no labs in the handout")
    print(f"Verifying the handout: {len(labs)} lab(s) must build and score zero...")
    try:
        outcomes = grademod.grade(dest, labs, "student", jobs)
    finally:
        shutil.rmtree(os.path.join(dest, "build"), ignore_errors=True)
    for o in outcomes:
        nonzero = [t.test.name for t in o.tests if t.score != 0]
        errors = [t.test.name for t in o.tests if t.status == "ERROR"]
        ok = o.build.ok and not nonzero and not errors
        line = f"  lab {o.lab.number:>2} {o.lab.name:<12} builds: {'yes' if o.build.ok else 'NO'}" \
               f"   score {o.score:g}/{o.max:g}"
        print(f"  {report.color('PASS' if ok else 'FAIL')} {line.strip()}")
        if not o.build.ok:
            problems.append(f"lab {o.lab.number} does not build as shipped")
        if nonzero:
            problems.append(f"lab {o.lab.number} scores points as shipped: {', '.join(nonzero)}")
        if errors:
            problems.append(f"lab {o.lab.number}: tests could not run: {', '.join(errors)}")
    return problems


def main(args):
    dest = args.dest
    if not os.path.isdir(os.path.join(ROOT, "solutions")):
        print("grader handout: this copy has no solutions/: it is a handout already",
              file=sys.stderr)
        return 2
    why = _check_dest(dest)
    if why:
        print(f"grader handout: {dest}: {why}", file=sys.stderr)
        return 2
    if os.path.lexists(dest):
        if not args.force and (not os.path.isdir(dest) or os.listdir(dest)):
            print(f"grader handout: {dest} exists; use --force (make handout FORCE=1) "
                  "to replace it", file=sys.stderr)
            return 2
        if os.path.isdir(dest) and not os.path.islink(dest):
            shutil.rmtree(dest)
        else:
            os.unlink(dest)
    write(dest)
    print(f"Wrote the student repository to {dest}")
    if args.no_verify:
        return 0
    problems = verify(dest, args.jobs)
    for p in problems:
        print(f"grader handout: {p}", file=sys.stderr)
    if problems:
        return 1
    print(f"The handout is ready: {dest} (git init, commit, push to the course's "
          "template repository)")
    return 0
