"""Command line: python3 -m grader {grade,selftest} ..."""

import argparse
import os
import shutil
import sys

from . import grade as grademod
from . import labspec, qemu, report

ROOT = labspec.ROOT


def default_jobs():
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
               else (os.cpu_count() or 1))


def need_tools():
    missing = [t for t in (grademod.QEMU, "make") if not shutil.which(t)]
    if missing:
        print(f"grader: not found: {', '.join(missing)}. Run 'make setup' "
              "(or set QEMU=/path/to/qemu-system-riscv64).", file=sys.stderr)
        sys.exit(2)


def cmd_grade(args):
    need_tools()
    labs = labspec.load_labs(ROOT)
    if args.lab is not None:
        lab = labspec.find_lab(labs, args.lab)
        if not lab:
            print(f"grader: no lab {args.lab!r}; labs are: "
                  + ", ".join(lab.dirname for lab in labs), file=sys.stderr)
            return 2
        labs = [lab]
    variant = "sol" if args.solution else "student"
    print(f"Grading {len(labs)} lab(s) with {args.jobs} QEMU instance(s) in parallel...")
    outcomes = grademod.grade(ROOT, labs, variant, args.jobs)
    for o in outcomes:
        report.print_lab_header(o)
        for t in o.tests:
            report.print_test(t, ROOT, args.verbose)
    npass, nfail = report.print_summary(outcomes)
    if args.json:
        report.write_json(args.json, outcomes, ROOT)
    print(f"{npass} passed, {nfail} failed")
    return 0 if nfail == 0 else 1


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m grader",
                                description="RISC-V Hypervisor Labs autograder")
    sub = p.add_subparsers(dest="cmd")
    g = sub.add_parser("grade", help="grade labs (default: every lab)")
    g.add_argument("--lab", help="lab number or name (default: all)")
    g.add_argument("--solution", action="store_true", help="grade solutions/ instead of labs/")
    g.add_argument("-j", "--jobs", type=int, default=default_jobs(),
                   help="QEMU instances in parallel (default: number of cores)")
    g.add_argument("-v", "--verbose", action="store_true", help="show every check and the whole serial log")
    g.add_argument("--json", metavar="FILE", help="write machine-readable results")
    s = sub.add_parser("selftest", help="prove the kit: solutions full, skeletons zero, unit tests, gdb")
    s.add_argument("-j", "--jobs", type=int, default=default_jobs())
    s.add_argument("--lab", help="only this lab (default: all)")
    s.add_argument("--skip-gdb", action="store_true", help="do not run the scripted gdb session")
    s.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    _tolerant_stdout()
    try:
        if args.cmd == "grade":
            return cmd_grade(args)
        if args.cmd == "selftest":
            from . import selftest
            return selftest.main(args)
        p.print_help()
        return 2
    except labspec.SpecError as e:
        print(f"grader: broken lab description: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        qemu.kill_all()
        print("\ngrader: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:         # e.g. python3 -m grader grade | head
        _silence_stdout()
        return 1
    except OSError as e:            # e.g. --json into a directory that does not exist
        print(f"grader: {e}", file=sys.stderr)
        return 2


def _tolerant_stdout():
    """Student output (U+FFFD, any Unicode) must never crash the report on a
    terminal or pipe whose encoding cannot show it."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, OSError):
            pass


def _silence_stdout():
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
