"""`python3 -m grader batch SUBMISSIONS_DIR --jobs N --csv grades.csv`

Grades every entry of SUBMISSIONS_DIR (a folder, or a .zip/.tar.gz/.tgz/.tar
archive, per student; the student's name is the entry's name without the
archive suffix) and writes one CSV row per student: the score of every lab,
the total, a status and notes (tampering, suspicious lines, timeouts, ...).

Each submission is graded by its own `python3 -m grader grade --submission`
process (one QEMU at a time; --jobs of them in parallel) in its own
temporary folder, under a time limit. Whatever one submission does (an
archive that does not unpack, code that does not build, hangs or floods)
ends as that student's row; the batch goes on. The CSV is rewritten after
every submission, so an interrupted batch still leaves the rows it has.
"""

import collections
import concurrent.futures
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from . import archive, hidden, labspec, ownership, sandbox, sanitize

ROOT = labspec.ROOT
BUILD_ALLOWANCE = 150       # seconds per lab for its build (grader.build allows 120)
TEST_MARGIN = 5             # seconds per test on top of its timeout (start, kill)
TERM_GRACE = 10             # seconds between SIGTERM and SIGKILL of a grader


class Entry:
    def __init__(self, name, path, kind):
        self.name = name
        self.path = path
        self.kind = kind            # "folder" or an archive suffix


class Row:
    def __init__(self, name):
        self.name = name
        self.scores = {}            # lab dirname -> score
        self.total = None
        self.status = "error"      # "ok" once graded, "timeout" when stopped
        self.notes = []
        self.seconds = 0.0
        self.sandbox = ""           # the mode its grader used


NOTES_KEPT = 4000        # characters of a row's notes in the CSV
NOISE = {".DS_Store", "__MACOSX", ".git", "Thumbs.db"}     # skipped without a word


def discover(folder):
    """The submissions in folder, sorted by name; what else is there is
    skipped: [(name, why)], returned second, for a warning."""
    entries, skipped, seen = [], [], set()
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name in NOISE:
            continue
        if name.startswith("."):
            skipped.append((name, "a hidden name (rename it to grade it)"))
            continue
        if os.path.islink(path):
            skipped.append((name, "a symbolic link (it could name anyone's submission)"))
            continue
        if os.path.isdir(path):
            kind = "folder"
        elif os.path.isfile(path) and archive.archive_kind(name):
            kind = archive.archive_kind(name)
        else:
            skipped.append((name, "not a folder or a .zip/.tar.gz/.tgz/.tar archive"))
            continue
        student = archive.stem(name) if kind != "folder" else name
        if student in seen:             # alice/ and alice.zip: keep both, tell them apart
            student = name
        seen.add(student)
        entries.append(Entry(student, path, kind))
    return entries, skipped


def time_limit(labs):
    """Worst case of one submission graded with one QEMU at a time."""
    return sum(BUILD_ALLOWANCE + sum(t.timeout + TEST_MARGIN for t in lab.tests)
               for lab in labs)


def _grader_cmd(args, subdir, result_json, workdir, logs):
    cmd = [sys.executable, "-m", "grader", "grade", "--submission", subdir,
           "--json", result_json, "-j", "1", "--workdir", workdir]
    if args.lab is not None:
        cmd += ["--lab", str(args.lab)]
    if args.extra_tests:
        cmd += ["--extra-tests", os.path.abspath(args.extra_tests)]
    if logs:
        cmd += ["--logs", logs]
    if args.require_sandbox:
        cmd.append("--require-sandbox")
    return cmd


_graders = set()            # running grader processes, for stop_all()
_graders_lock = threading.Lock()
_stopping = False


def stop_all():
    """Ctrl-C or SIGTERM of the batch: SIGTERM every grader (each then
    kills its own QEMUs and builds) and start no more."""
    global _stopping
    with _graders_lock:
        _stopping = True
        procs = list(_graders)
    for proc in procs:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


def _run_grader(cmd, limit):
    """Run one grader; at the time limit SIGTERM it (it then kills its QEMUs
    and builds), SIGKILL it if it does not go. Returns (exit status or
    None when stopped, output)."""
    with _graders_lock:
        if _stopping:
            return None, b"not started: the batch is stopping"
        proc = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
        _graders.add(proc)
    try:
        out, _ = proc.communicate(timeout=limit)
        return proc.returncode, out
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=TERM_GRACE)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
        return None, out
    finally:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
        with _graders_lock:
            _graders.discard(proc)


def grade_one(entry, args, limit, keep):
    """Grade one submission; never raises (whatever the submission holds,
    whatever goes wrong in the grader: it is this row's error)."""
    row = Row(entry.name)
    t0 = time.monotonic()
    work = None
    try:
        work = tempfile.mkdtemp(prefix="rvh-batch-")
        # The sandbox's uids must pass through (to the private kit inside,
        # whose own folder lets only this grader's runs in) but not list it.
        os.chmod(work, 0o711)
        _grade_into(row, entry, args, limit, keep, work, t0)
    except Exception as e:      # noqa: BLE001: a grader bug is this row's error, not the batch's
        row.status = "error"
        row.notes.append("grader error: " + sanitize.error(e))
    finally:
        if work:
            ownership.rmtree_quiet(work)
        row.seconds = time.monotonic() - t0
    return row


def _grade_into(row, entry, args, limit, keep, work, t0):
    subdir = entry.path
    if entry.kind != "folder":
        subdir = os.path.join(work, "submission")
        try:
            # Unpacking counts against the submission's time limit.
            skipped = archive.extract(entry.path, subdir, deadline=t0 + limit)
        except archive.ArchiveError as e:
            row.notes.append(f"bad archive: {e}")
            if "time limit" in str(e):
                row.status = "timeout"
            return
        os.chmod(subdir, 0o700)     # the student's files: for the grader only
        if skipped:
            row.notes.append(f"archive: {len(skipped)} link(s)/special file(s) not unpacked")
    result_json = os.path.join(work, "result.json")
    logs = os.path.join(keep, "logs") if keep else None
    left = max(1.0, limit - (time.monotonic() - t0))
    code, out = _run_grader(_grader_cmd(args, subdir, result_json, work, logs), left)
    if keep:
        with open(os.path.join(keep, "report.txt"), "wb") as f:
            f.write(out)
    if code is None:
        row.status = "timeout"
        row.notes.append(f"grading took longer than {limit:g} s: stopped")
    elif code not in (0, 1) or not os.path.isfile(result_json):
        tail = out.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        row.notes.append(f"grader exit status {code}: {tail[0][:200]}")
        return
    if not os.path.isfile(result_json):
        return
    with open(result_json, encoding="utf-8") as f:
        result = json.load(f)
    if keep:
        shutil.copyfile(result_json, os.path.join(keep, "result.json"))
    _fill(row, result)
    if code is not None:
        row.status = "ok"


def _fill(row, result):
    """Scores and notes of a row from `grade --json` output."""
    suspicious = []     # (where, count)
    for lab in result["labs"]:
        row.scores[lab["dirname"]] = lab["score"]
        if not lab["build_ok"]:
            row.notes.append(f"lab {lab['lab']}: did not build")
        for t in lab["tests"]:
            where = f"{lab['dirname']}/{t['name']}"
            if t["status"] in ("TIMEOUT", "FLOOD", "ERROR"):
                row.notes.append(f"{where}: {t['status']}")
            if t["suspicious_count"]:
                suspicious.append((where, t["suspicious_count"]))
    if suspicious:
        row.notes.append(f"{sum(n for _, n in suspicious)} suspicious line(s) (no nonce) in "
                         f"{len(suspicious)} test(s), first {suspicious[0][0]}")
    row.total = result["score"]
    box = result.get("sandbox") or {}
    row.sandbox = box.get("mode", "") + (" (missing: " + "; ".join(box["missing"]) + ")"
                                         if box.get("missing") else "")
    sub = result.get("submission") or {}
    if sub.get("modified"):
        row.notes.append("modified protected files: " + " ".join(sub["modified"][:10]))
    if sub.get("added"):
        row.notes.append("added files: " + " ".join(sub["added"][:10]))
    if sub.get("ignored"):
        row.notes.append("not used: " + " ".join(f"{i['path']} ({i['why']})"
                                                 for i in sub["ignored"][:5]))
    if sub.get("layout") == "empty":
        row.notes.append("empty submission")
    elif sub.get("layout") not in (None, "tree"):
        row.notes.append(f"layout: {sub['layout']}")
    missing = [p for p in sub.get("missing", [])]
    if missing:
        row.notes.append("missing: " + " ".join(missing))


def csv_cell(value):
    """A spreadsheet must not run a student's text as a formula, nor show
    control characters (grader/sanitize.py)."""
    s = "" if value is None else (f"{value:g}" if isinstance(value, float)
                                  else sanitize.line(value))
    # A spreadsheet skips leading blanks before a formula (sanitize.line
    # has made a tab a space already).
    return "'" + s if s.lstrip()[:1] in ("=", "+", "-", "@") else s


def write_csv(path, labs, rows):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["student", *[f"{lab.dirname} ({lab.points:g})" for lab in labs],
                f"total ({sum(lab.points for lab in labs):g})", "status", "seconds", "sandbox",
                "notes"])
    shown = collections.Counter(sanitize.line(r.name) for r in rows)
    for r in sorted(rows, key=lambda r: r.name):
        # Two names the cleaning makes alike ("a\nb", "a\x01b") are told apart
        # by their every byte.
        name = r.name if shown[sanitize.line(r.name)] == 1 else ascii(r.name)
        notes = "; ".join(r.notes)
        if len(notes) > NOTES_KEPT:     # a spreadsheet cell holds 32,767 characters
            notes = notes[:NOTES_KEPT] + f" ... ({len(notes) - NOTES_KEPT} more characters)"
        w.writerow([csv_cell(name), *[csv_cell(r.scores.get(lab.dirname)) for lab in labs],
                    csv_cell(r.total), r.status, f"{r.seconds:.1f}", csv_cell(r.sandbox),
                    csv_cell(notes)])
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())
    os.replace(tmp, path)


def _write_csv_or_say(path, labs, rows):
    try:
        write_csv(path, labs, rows)
        return True
    except OSError as e:
        print(f"grader batch: cannot write {path}: {e}", file=sys.stderr)
        return False


def main(args):
    if not os.path.isdir(args.submissions):
        print(f"grader batch: {args.submissions}: not a folder", file=sys.stderr)
        return 2
    # The graders run in the kit's folder: give them absolute paths.
    args.submissions = os.path.abspath(args.submissions)
    args.out = os.path.abspath(args.out) if args.out else None
    args.csv = os.path.abspath(args.csv)
    # Grades, reports and logs are the instructor's: closed to the sandbox's
    # uids (without bubblewrap a run sees the machine's files).
    os.umask(0o077)
    labs = labspec.load_labs(ROOT)
    if args.extra_tests:
        hidden.add_hidden_tests(labs, args.extra_tests)    # errors now, not per student
    if args.lab is not None:
        lab = labspec.find_lab(labs, args.lab)
        if not lab:
            print(f"grader batch: no lab {args.lab!r}", file=sys.stderr)
            return 2
        labs = [lab]
    try:
        box = sandbox.detect()
    except sandbox.SandboxError as e:
        print(f"grader batch: {e}", file=sys.stderr)
        return 2
    print(box.summary())
    if box.mode != "bwrap" and os.stat(args.submissions).st_mode & 0o005:
        print(f"! {args.submissions} is open to other users: without bubblewrap, one "
              "student's code could read the others' submissions (chmod o-rwx it)")
    if args.require_sandbox and not box.full:
        print("grader batch: --require-sandbox: this machine cannot give the full sandbox "
              "(bubblewrap with user namespaces): not grading", file=sys.stderr)
        return 2
    entries, skipped = discover(args.submissions)
    for name, why in skipped:
        print(f"skipped {sanitize.line(name)}: {why}")
    limit = args.submission_timeout or time_limit(labs)
    jobs = max(1, args.jobs)
    print(f"Grading {len(entries)} submission(s), {jobs} at a time "
          f"(at most {limit:g} s each)...")
    rows, lock = [], threading.Lock()
    t0 = time.monotonic()

    def one(entry):
        keep = None
        try:
            if args.out:
                keep = os.path.join(args.out, entry.name)
                if keep in (args.csv, args.csv + ".tmp"):    # a student named like the CSV
                    keep += ".submission"
                ownership.rmtree_quiet(keep)
                os.makedirs(keep, exist_ok=True)
            row = grade_one(entry, args, limit, keep)
        except Exception as e:      # noqa: BLE001: never the whole batch
            row = Row(entry.name)
            row.notes.append("grader error: " + sanitize.error(e))
        with lock:
            rows.append(row)
            _write_csv_or_say(args.csv, labs, rows)
            score = "-" if row.total is None else f"{row.total:g}"
            print(f"[{len(rows)}/{len(entries)}] {sanitize.line(row.name):<24} {score:>6}/"
                  f"{sum(lab.points for lab in labs):g}  {row.status:<8} {row.seconds:5.1f}s"
                  + (f"  {sanitize.line('; '.join(row.notes))[:100]}" if row.notes else ""),
                  flush=True)
        return row

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        try:
            list(pool.map(one, entries))
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            stop_all()
            raise
        finally:
            with lock:
                written = _write_csv_or_say(args.csv, labs, rows)
    if not written:
        print(f"grader batch: the grades of {len(rows)} submission(s) are NOT in {args.csv} "
              "(see above)", file=sys.stderr)
        return 1
    bad = sum(1 for r in rows if r.status != "ok")
    print(f"{len(rows)} graded into {args.csv} in {time.monotonic() - t0:.1f} s"
          + (f"; {bad} could not be graded fully (see status and notes)" if bad else ""))
    return 0
