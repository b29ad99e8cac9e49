"""`make handin` (python3 -m grader handin): what a student hands in.

It packs exactly the student files, the ones `grade --submission` reads
(each lab's "student_files" in labs/NN-name/, nothing else), into one
archive named after the course convention

    build/handin-<name>-<YYYYMMDD-HHMMSS>.tar.gz

<name>: HANDIN_NAME if set (a student id, say), else the local part of
`git config user.email`, else the login name; letters, digits, '.', '_'
and '-' only. The archive holds labs/NN-name/<file> paths at its top: the
"copy of the repository" layout of docs/grading.md, which every grading
path (--submission, make batch, Gradescope) reads.

In a git repository it warns about student files that differ from the
last commit or are not committed at all: the archive holds the files as
they are on disk, and the repository someone may look at later would not.

Then it grades the archive the way an instructor would: unpacked like an
upload (grader/archive.py) into a temporary folder, `grade --submission`
on it (a private copy of the kit, only the student files taken), so that
what the student hands in is what they saw graded. --no-grade skips that.
"""

import datetime
import getpass
import io
import os
import re
import subprocess
import sys
import tarfile
import tempfile

from . import archive, labspec, ownership

ROOT = labspec.ROOT
PATTERN = re.compile(r"handin-[A-Za-z0-9._-]+-\d{8}-\d{6}\.tar\.gz")


def clean_name(text):
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", text or "").strip("-.")
    return name[:40]


def user_name(root=ROOT):
    if os.environ.get("HANDIN_NAME"):
        return clean_name(os.environ["HANDIN_NAME"]) or "student"
    email = _git(root, "config", "user.email")
    if email and email.strip():
        name = clean_name(email.strip().split("@")[0])
        if name:
            return name
    try:
        return clean_name(getpass.getuser()) or "student"
    except (KeyError, OSError):
        return "student"


def archive_name(name, when=None):
    when = when or datetime.datetime.now()
    return f"handin-{name}-{when:%Y%m%d-%H%M%S}.tar.gz"


def student_files(root, labs):
    """[(kit-relative path, absolute path)] of the student files present."""
    out = []
    for lab in labs:
        for name in lab.student_files:
            rel = f"labs/{lab.dirname}/{name}"
            path = os.path.join(root, rel)
            if os.path.isfile(path) and not os.path.islink(path):
                out.append((rel, path))
    return out


def _git(root, *args):
    """git's output in root, or None (no git, not a repository, an error).
    safe.directory: a dev container's mount owned by another uid is fine."""
    try:
        p = subprocess.run(["git", "-c", "safe.directory=*", "-C", root, *args],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, timeout=30, encoding="utf-8",
                           errors="replace")
    except (OSError, subprocess.SubprocessError):
        return None
    return p.stdout if p.returncode == 0 else None


def git_warnings(root, rels):
    """Sentences about student files that are not committed as they are."""
    if (_git(root, "rev-parse", "--is-inside-work-tree") or "").strip() != "true":
        return []
    status = _git(root, "status", "--porcelain", "--untracked-files=all", "--", *rels)
    if status is None:
        return ["git could not say whether your work is committed"]
    changed, untracked = [], []
    for line in status.splitlines():
        code, path = line[:2], line[3:].strip().strip('"')
        (untracked if code == "??" else changed).append(path)
    out = []
    if changed:
        out.append(f"{len(changed)} student file(s) differ from your last commit: "
                   + ", ".join(changed[:8]) + (" ..." if len(changed) > 8 else ""))
    if untracked:
        out.append(f"{len(untracked)} student file(s) were never committed: "
                   + ", ".join(untracked[:8]) + (" ..." if len(untracked) > 8 else ""))
    return out


def pack(files, dest):
    """A gzip'd tar of files [(rel, path)], regular files only, mode 644."""
    with tarfile.open(dest, "w:gz") as tf:
        for rel, path in files:
            with open(path, "rb") as f:
                data = f.read()
            info = tarfile.TarInfo(rel)
            info.size, info.mode = len(data), 0o644
            info.mtime = int(os.stat(path).st_mtime)
            tf.addfile(info, io.BytesIO(data))


def main(args):
    labs = labspec.load_labs(ROOT)
    files = student_files(ROOT, labs)
    if not files:
        print("grader handin: no student files found under labs/", file=sys.stderr)
        return 2
    out_dir = args.out or os.path.join(ROOT, "build")
    os.makedirs(out_dir, exist_ok=True)
    dest = os.path.join(out_dir, archive_name(user_name()))
    pack(files, dest)
    print(f"handin: packed {len(files)} student file(s) into {os.path.relpath(dest)}")
    for w in git_warnings(ROOT, [rel for rel, _ in files]):
        print(f"handin: WARNING: {w}. The archive holds your files as they are now; "
              "commit them so that your repository says the same")
    if args.no_grade:
        return 0
    print("handin: grading the archive as an instructor would (grade --submission on an "
          "unpacked copy; your labs/ are not read)")
    tmp = tempfile.mkdtemp(prefix="rvh-handin-")
    try:
        os.chmod(tmp, 0o755)
        unpacked = os.path.join(tmp, "handin")
        archive.extract(dest, unpacked)
        cmd = [sys.executable, "-m", "grader", "grade", "--submission", unpacked]
        if args.lab:
            cmd += ["--lab", str(args.lab)]
        code = subprocess.call(cmd, cwd=ROOT, stdin=subprocess.DEVNULL)
    except archive.ArchiveError as e:
        print(f"grader handin: the archive cannot be read back: {e}", file=sys.stderr)
        return 2
    finally:
        ownership.rmtree_quiet(tmp)
    print(f"handin: hand in {dest}" + ("" if code == 0 else
                                       " (it does not score full marks: see above)"))
    return code
