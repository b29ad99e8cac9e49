"""Command line: python3 -m grader {grade,batch,handout,gradescope,selftest} ..."""

import argparse
import os
import shutil
import signal
import sys
import tempfile

from . import grade as grademod
from . import archive, hidden, labspec, outputs, ownership, qemu, report, sandbox, sanitize
from . import submission

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


def select_labs(args, labs):
    """The labs --lab names (all of them without it); None after an error."""
    if args.lab is None:
        return labs
    lab = labspec.find_lab(labs, args.lab)
    if not lab:
        print(f"grader: no lab {args.lab!r}; labs are: "
              + ", ".join(lab.dirname for lab in labs), file=sys.stderr)
        return None
    return [lab]


def need_sandbox(args, plat=None):
    """The sandbox of this process, said on the terminal; None (after an
    error message) when it cannot be had or is not the full one that
    --require-sandbox asks for."""
    try:
        box = sandbox.detect()
    except sandbox.SandboxError as e:
        why = str(e)
    else:
        print(box.summary())
        if not getattr(args, "require_sandbox", False) or box.full:
            return box
        why = ("--require-sandbox: this machine cannot give the full sandbox (bubblewrap "
               "with user namespaces): not grading")
    print(f"grader: {why}", file=sys.stderr)
    if plat is not None:
        plat.refusal = why
    return None


def cmd_grade(args):
    """grade: whatever happens, a course platform's results file asked for
    (--gradescope, --prairielearn) is written, saying what went wrong."""
    plat = outputs.Platforms(args, None)
    try:
        code = _grade(args, plat)
    except BaseException as e:
        why = "interrupted" if isinstance(e, KeyboardInterrupt) else \
            "grader error: " + sanitize.error(e)
        plat.fail(why)
        raise
    if code == 2:
        plat.fail(plat.refusal or "the grader could not run (see its output)")
    return code


def _grade(args, plat):
    need_tools()
    all_labs = labspec.load_labs(ROOT)
    if args.extra_tests:
        hidden.add_hidden_tests(all_labs, args.extra_tests)
    labs = select_labs(args, all_labs)
    if labs is None:
        return 2
    plat.set_labs(labs)
    box = need_sandbox(args, plat)
    if box is None:
        return 2
    if args.submission:
        return grade_submission(args, all_labs, labs, plat)
    if args.solution and args.skeleton:
        print("grader: --solution and --skeleton do not go together", file=sys.stderr)
        return 2
    if (args.solution or args.skeleton) and not os.path.isdir(os.path.join(ROOT, "solutions")):
        print(f"grader: --{'solution' if args.solution else 'skeleton'}: this copy has no "
              "solutions/ (a student handout)", file=sys.stderr)
        return 2
    variant = "sol" if args.solution else "skel" if args.skeleton else "student"
    print(f"Grading {len(labs)} lab(s) with {args.jobs} QEMU instance(s) in parallel...")
    outcomes = grademod.grade(ROOT, labs, variant, args.jobs, on_test_done=plat.test_done)
    return finish(args, outcomes, ROOT, plat)


def grade_submission(args, all_labs, labs, plat):
    """--submission DIR: grade a student's tree in a private copy of the
    kit. DIR may be an archive (.zip, .tar.gz, .tgz, .tar), unpacked as
    grader batch unpacks one (grader/archive.py) into a folder of its own."""
    if args.solution or args.skeleton:
        print("grader: --solution/--skeleton and --submission do not go together",
              file=sys.stderr)
        return 2
    if os.path.islink(args.submission):
        # Whoever can make a link there could name anyone's folder or file.
        plat.refusal = f"--submission {sanitize.line(args.submission)}: a symbolic link: " \
                       "give the folder or archive it names"
        print(f"grader: {plat.refusal}", file=sys.stderr)
        return 2
    if os.path.isfile(args.submission) and archive.archive_kind(args.submission):
        unpacked = tempfile.mkdtemp(prefix="rvh-submission-", dir=args.workdir)
        try:
            return _grade_archive(args, all_labs, labs, plat, unpacked)
        finally:
            ownership.rmtree_quiet(unpacked)
    if not os.path.isdir(args.submission):
        plat.refusal = f"--submission {sanitize.line(args.submission)}: not a folder or a " \
                       ".zip/.tar.gz/.tgz/.tar archive"
        print(f"grader: {plat.refusal}", file=sys.stderr)
        return 2
    return _grade_tree(args, args.submission, all_labs, labs, plat)


def _grade_archive(args, all_labs, labs, plat, unpacked):
    folder = os.path.join(unpacked, "submission")
    try:
        skipped = archive.extract(args.submission, folder)
    except archive.ArchiveError as e:
        plat.refusal = f"--submission {sanitize.line(args.submission)}: bad archive: {e}"
        print(f"grader: {plat.refusal}", file=sys.stderr)
        return 2
    if skipped:
        print(f"! archive: {len(skipped)} link(s)/special file(s) not unpacked: "
              + ", ".join(sanitize.line(n) for n in skipped[:5]))
    return _grade_tree(args, folder, all_labs, labs, plat)


def _grade_tree(args, folder, all_labs, labs, plat):
    sub = submission.scan(folder, ROOT, all_labs)
    last = max(lab.number for lab in labs)
    sub.missing = [p for p in sub.missing if int(p.split("/")[1][:2]) <= last]
    tamper = submission.report_lines(sub)
    for line in tamper:
        print(line)
    plat.preamble(tamper)
    print(f"Grading {len(labs)} lab(s) in a private copy of the kit with {args.jobs} QEMU "
          "instance(s) in parallel...")
    if sandbox.detect().dedicated_uids:
        os.umask(0o077)     # what the grader writes: not for the sandbox's uids
    with submission.PrivateKit(ROOT, args.workdir, sandbox.detect()) as kit:
        kit.install(sub)
        outcomes = grademod.grade(kit.root, labs, "student", args.jobs,
                                  on_test_done=plat.test_done, untrusted=True)
        kit.keep_logs(outcomes, args.logs)
    if not args.logs:
        print("(run logs are not kept with --submission; add --logs DIR to keep them)")
    return finish(args, outcomes, ROOT, plat, sub)


def finish(args, outcomes, root, plat, sub=None):
    """The terminal report, the files asked for, and the exit status. Every
    run of the sandbox has ended (grade() returned): nothing a submission
    started can change these files after they are written."""
    for o in outcomes:
        report.print_lab_header(o)
        for t in o.tests:
            report.print_test(t, root, args.verbose)
    npass, nfail = report.print_summary(outcomes)
    if sub is not None and sub.tampered:
        print(f"! tamper report: {len(sub.modified)} protected file(s) modified, "
              f"{len(sub.added)} added (all ignored; see the top of this report)")
    if args.json:
        report.write_json(args.json, outcomes, root, sub)
    if args.junit:
        outputs.write_junit(args.junit, outcomes)
    if args.markdown:
        outputs.write_markdown(args.markdown, outcomes, sub)
    plat.finish(outcomes, sub)
    box = sandbox.detect()
    if not box.full:
        print("! " + box.summary())
    print(f"{npass} passed, {nfail} failed")
    return 0 if nfail == 0 else 1


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m grader",
                                description="RISC-V Hypervisor Labs autograder")
    sub = p.add_subparsers(dest="cmd")
    g = sub.add_parser("grade", help="grade labs (default: every lab)")
    g.add_argument("--lab", help="lab number or name (default: all)")
    g.add_argument("--solution", action="store_true", help="grade solutions/ instead of labs/")
    g.add_argument("--skeleton", action="store_true",
                   help="grade each lab's untouched skeleton (earlier labs from solutions/)")
    g.add_argument("-j", "--jobs", type=int, default=default_jobs(),
                   help="QEMU instances in parallel (default: number of cores)")
    g.add_argument("-v", "--verbose", action="store_true", help="show every check and the whole serial log")
    g.add_argument("--json", metavar="FILE", help="write machine-readable results")
    g.add_argument("--junit", metavar="FILE", help="write JUnit XML (a testsuite per lab)")
    g.add_argument("--markdown", metavar="FILE",
                   help="write a Markdown summary (e.g. for $GITHUB_STEP_SUMMARY)")
    g.add_argument("--gradescope", metavar="FILE",
                   help="write Gradescope's results.json, updated as each test finishes")
    g.add_argument("--prairielearn", metavar="FILE",
                   help="write PrairieLearn's external-grader results.json")
    g.add_argument("--submission", metavar="DIR",
                   help="grade a student's tree (a folder, or a .zip/.tar.gz/.tgz/.tar "
                        "archive of one): only its student files are used, in a "
                        "private copy of the kit; changes to anything else are reported")
    g.add_argument("--extra-tests", metavar="DIR",
                   help="add hidden tests: DIR/NN-name.json (see docs/instructors.md)")
    g.add_argument("--logs", metavar="DIR", help="with --submission: keep the run logs here")
    g.add_argument("--workdir", metavar="DIR", help=argparse.SUPPRESS)   # batch: private kits here
    g.add_argument("--require-sandbox", action="store_true",
                   help="refuse to grade unless the full sandbox (bubblewrap) is available")
    b = sub.add_parser("batch", help="grade a folder of submissions into a CSV (instructors)")
    b.add_argument("submissions", metavar="SUBMISSIONS_DIR",
                   help="one folder, .zip, .tar.gz, .tgz or .tar per student")
    b.add_argument("--csv", metavar="FILE", default="grades.csv", help="default: grades.csv")
    b.add_argument("-j", "--jobs", type=int, default=default_jobs(),
                   help="submissions graded in parallel (default: number of cores)")
    b.add_argument("--lab", help="lab number or name (default: all)")
    b.add_argument("--extra-tests", metavar="DIR", help="hidden tests, as for grade")
    b.add_argument("--out", metavar="DIR",
                   help="keep each student's report, JSON and logs in DIR/<student>/")
    b.add_argument("--require-sandbox", action="store_true",
                   help="refuse to grade unless the full sandbox (bubblewrap) is available")
    b.add_argument("--submission-timeout", type=float, metavar="SECONDS",
                   help="stop grading one submission after this long (default: from "
                        "the tests' timeouts)")
    h = sub.add_parser("handout", help="write the student repository to DEST and check it "
                                       "(instructors)")
    h.add_argument("dest", metavar="DEST")
    h.add_argument("--force", action="store_true", help="replace DEST if it exists")
    h.add_argument("--no-verify", action="store_true",
                   help="do not build and grade every lab of the result")
    h.add_argument("-j", "--jobs", type=int, default=default_jobs())
    z = sub.add_parser("gradescope", help="write the Gradescope autograder zip (instructors)")
    z.add_argument("--out", metavar="FILE", default=os.path.join("build", "gradescope.zip"))
    z.add_argument("--lab", help="the lab the assignment grades (default: all)")
    z.add_argument("--extra-tests", metavar="DIR", help="hidden tests to include")
    hi = sub.add_parser("handin", help="pack your student files into "
                        "build/handin-<name>-<date>.tar.gz and grade that archive as an "
                        "instructor would")
    hi.add_argument("--lab", help="grade only this lab (the archive holds every lab's files)")
    hi.add_argument("--out", metavar="DIR", help="where the archive goes (default: build/)")
    hi.add_argument("--no-grade", action="store_true", help="only pack")
    s = sub.add_parser("selftest", help="prove the kit: solutions full, skeletons zero, unit tests, gdb, editor")
    s.add_argument("-j", "--jobs", type=int, default=default_jobs())
    s.add_argument("--lab", help="only this lab (default: all)")
    s.add_argument("--skip-gdb", action="store_true", help="do not run the scripted gdb session")
    s.add_argument("--skeletons-from", metavar="REV",
                   help="git revision whose labs/ student files are the skeletons "
                        "(default HEAD; e.g. the kit's tag once your work is committed)")
    s.add_argument("--skip-editor", action="store_true",
                   help="do not check compile_commands.json, clangd and VS Code's F5")
    s.add_argument("--extra-tests", metavar="DIR",
                   help="also prove the hidden tests in DIR (solutions full, skeletons zero)")
    s.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    _tolerant_stdout()
    _sigterm_is_interrupt()
    try:
        if args.cmd == "grade":
            return cmd_grade(args)
        if args.cmd == "batch":
            from . import batch
            return batch.main(args)
        if args.cmd == "handout":
            from . import handout
            return handout.main(args)
        if args.cmd == "gradescope":
            from . import gradescope
            return gradescope.main(args)
        if args.cmd == "handin":
            from . import handin
            return handin.main(args)
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


def _sigterm_is_interrupt():
    """SIGTERM (batch's per-submission time limit, a CI cancel) stops the
    grader like Ctrl-C does: every QEMU and build it started is killed and
    the private kit is deleted, instead of being left running."""
    def handler(signum, frame):
        raise KeyboardInterrupt
    try:
        signal.signal(signal.SIGTERM, handler)
    except ValueError:      # not the main thread (unit tests calling main())
        pass


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
