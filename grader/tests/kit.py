"""Helpers for the tests that build and boot the real kit: copies of the
kit, submissions made of edited lab-1 sources, and running the grader's
command line. Not a test module itself (unittest discovers test*.py only).
"""

import json
import os
import shutil
import subprocess
import sys
import unittest

from grader import labspec

ROOT = labspec.ROOT
# The kit whose labs/ holds the pristine skeletons: make test runs these
# tests with RVH_SKELETONS set to its copy of the kit when the student
# files in labs/ differ from git's HEAD (grader/pristine.py), so that a
# student's own work is never taken for the kit's skeleton here either.
SKELETONS = os.environ.get("RVH_SKELETONS") or ROOT
TOOLS = ("qemu-system-riscv64", "riscv64-unknown-elf-gcc", "make")
HAVE_TOOLS = all(shutil.which(t) for t in TOOLS)
HAVE_SOLUTIONS = os.path.isfile(os.path.join(ROOT, "solutions", "01-boot", "boot.c"))
# Lab 1 as lab.json says today: tests that grade lab 1 compare with these,
# not with numbers that change whenever a test is added.
LAB1 = labspec.Lab(os.path.join(ROOT, "labs", "01-boot", "lab.json"))
LAB1_POINTS = int(LAB1.points)
LAB1_TESTS = len(LAB1.tests)

# Tests that build and boot reference solutions: skipped in a student
# handout (no solutions/) and on machines without the tools.
needs_real_kit = unittest.skipUnless(
    HAVE_TOOLS and HAVE_SOLUTIONS,
    "instructors' test: needs solutions/" if not HAVE_SOLUTIONS
    else f"needs {', '.join(TOOLS)} (make setup)")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def write(path, text, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode, encoding=None if "b" in mode else "utf-8") as f:
        f.write(text)


def solution(rel="01-boot/boot.c"):
    return read(os.path.join(ROOT, "solutions", rel))


def skeleton(rel="01-boot/boot.c"):
    return read(os.path.join(SKELETONS, "labs", rel))


def inject(src, head, code):
    """src with code inserted right after head (the start of a function)."""
    assert head in src, f"the source no longer has {head!r}"
    return src.replace(head, head + code, 1)


HEXT = "int hext_detect(void)\n{\n"
PLATFORM = "int platform_read(const void *dtb, struct platform_info *out)\n{\n"
SBI = "int sbi_info_read(struct sbi_info *out)\n{\n"


def kit_copy(dest, labs=("01-boot",), timeouts=None, solutions=True, warm=True):
    """A copy of the kit with only `labs`, optionally with per-test
    timeouts ({test name: seconds, "*": default}) written into lab.json.
    warm: with the kit's own builds of those labs' solutions and skeletons
    (build/NN-name-sol, -skel, mtimes kept), so that make, in the copy,
    recompiles only what a test changes there (its sources are newer) and
    links: the tests that grade mutants or slips pay for those, not for
    every lab's build again."""
    shutil.copy(os.path.join(ROOT, "Makefile"), dest)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "tests")
    for d in ("common", "grader"):
        shutil.copytree(os.path.join(ROOT, d), os.path.join(dest, d), ignore=ignore)
    trees = ("labs", "solutions") if solutions else ("labs",)
    for lab in labs:
        for tree in trees:
            shutil.copytree(os.path.join(SKELETONS if tree == "labs" else ROOT, tree, lab),
                            os.path.join(dest, tree, lab), ignore=ignore)
    if warm and solutions:
        for lab in labs:
            for variant, kit_root in (("sol", ROOT), ("skel", SKELETONS)):
                src = os.path.join(kit_root, "build", f"{lab}-{variant}")
                dst = os.path.join(dest, "build", f"{lab}-{variant}")
                if not os.path.isfile(os.path.join(src, "hyp.elf")):
                    continue
                try:        # (a build's TMPDIR comes and goes: never copied)
                    shutil.copytree(src, dst, symlinks=True,
                                    ignore=shutil.ignore_patterns(".tmp"))
                except (OSError, shutil.Error):
                    shutil.rmtree(dst, ignore_errors=True)      # a cold build, then
    if timeouts:
        for lab in labs:
            path = os.path.join(dest, "labs", lab, "lab.json")
            spec = json.loads(read(path))
            for t in spec["tests"]:
                t["timeout"] = timeouts.get(t["name"], timeouts.get("*", t.get("timeout", 10)))
            write(path, json.dumps(spec, indent=1))
    return dest


def grade_edited(root, labs, files, tests, tag):
    """In a fresh kit copy at root (labs: the lab folders it holds): each lab
    of `files` gets its reference files in labs/, then `files[lab]`
    ({name: source}) over them; grade only `tests[lab]` (test names) of
    those labs as skeletons. The outcomes, one per lab, in files' order."""
    from grader import grade
    kit_copy(root, labs=labs)
    for lab, edited in files.items():
        for f in os.listdir(os.path.join(root, "solutions", lab)):
            if f.endswith((".c", ".S")):
                write(os.path.join(root, "labs", lab, f), solution(f"{lab}/{f}"))
        for f, src in edited.items():
            write(os.path.join(root, "labs", lab, f), src)
    by_dir = {lab.dirname: lab for lab in labspec.load_labs(root)}
    picked = []
    for lab in files:
        by_dir[lab].tests = [t for t in by_dir[lab].tests if t.name in tests[lab]]
        picked.append(by_dir[lab])
    return grade.grade(root, picked, "skel", 2, tag=tag)


def run_grader(args, cwd=ROOT, timeout=300, env=None):
    """python3 -m grader ARGS in cwd; a CompletedProcess (text output)."""
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, env=e,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=timeout, start_new_session=True,
                          encoding="utf-8", errors="replace")


def tests_by_name(result_json, lab=0):
    with open(result_json, encoding="utf-8") as f:
        js = json.load(f)
    return js, {t["name"]: t for t in js["labs"][lab]["tests"]}
