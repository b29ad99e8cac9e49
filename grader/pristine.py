"""The pristine skeletons for `make test` (issue 14, item 6): make test
never blames the student for their own work.

`make test` proves that every skeleton scores zero. In a kit where someone
has done labs 1-2, labs/01-boot/*.c is no longer the skeleton: grading it
would report the student's work as a failing kit. So the skeleton phase
takes the student files (each lab.json's "student_files", the *.c and *.S
at the top of labs/NN-name/) as git's HEAD has them, in a copy of the kit
under build/selftest-pristine/, and says so. Everything else in labs/ (the
test harnesses, lab.json, the handouts) is the kit's own and is proven as
it is in the working tree, edited or not: an instructor's change to a
harness is tested before it is committed.

git runs with `-c safe.directory=<kit>`: a dev container sees the mounted
checkout as owned by someone else ("dubious ownership") and would refuse.
Without git (a copy without .git, or no git installed) nothing can say what
the skeletons were: the skeleton phase grades labs/ as it is and says that
an edited file there shows up as a failure that is not the kit's.
"""

import os
import shutil
import subprocess

DEST = os.path.join("build", "selftest-pristine")
# The copy is the whole kit but build/ and .git: a skeleton build reads
# Makefile, common/, labs/ and solutions/; the unit tests that use the
# pristine skeletons (grader/tests/kit.py, SKELETONS) also run `make grade`
# and `make handout` there.
LEFT_OUT = ("build", ".git")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc")


def git(root, *args, data=None):
    """git in root, trusting root ("dubious ownership" in a container):
    (exit status, stdout bytes); (None, b"") when git cannot run."""
    cmd = ["git", "-c", f"safe.directory={os.path.abspath(root)}", "-C", root, *args]
    try:
        p = subprocess.run(cmd, input=data, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None, b""
    return p.returncode, p.stdout


def in_git(root):
    """True when root is the top of a git checkout with a HEAD commit."""
    code, out = git(root, "rev-parse", "--show-toplevel")
    if code != 0:
        return False
    top = out.decode("utf-8", "replace").strip()
    return os.path.realpath(top) == os.path.realpath(root) and \
        git(root, "rev-parse", "--verify", "-q", "HEAD")[0] == 0


def head_student_files(root, labs, rev="HEAD"):
    """{labs/NN-name/file: bytes} for every top-level *.c and *.S of each
    lab's folder as HEAD has them."""
    code, out = git(root, "ls-tree", "-z", "--name-only", rev, "--",
                    *[f"labs/{lab.dirname}/" for lab in labs])
    if code != 0:
        return None
    names = [n for n in out.decode("utf-8", "surrogateescape").split("\0")
             if n.endswith((".c", ".S"))]
    files = {}
    for name in names:
        code, data = git(root, "show", f"{rev}:{name}")
        if code != 0:
            return None
        files[name] = data
    return files


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def top_files(tree, lab):
    d = os.path.join(tree, "labs", lab.dirname)
    return sorted(f"labs/{lab.dirname}/{f}" for f in os.listdir(d)
                  if f.endswith((".c", ".S"))) if os.path.isdir(d) else []


class Skeletons:
    """Where the skeleton phase finds pristine skeletons.
    root: the kit to grade them in (the kit itself or the pristine copy);
    edited: the student files that differ from HEAD (added, changed, gone);
    why: one sentence for the report."""

    def __init__(self, root, edited, why, from_git):
        self.root = root
        self.edited = edited
        self.why = why
        self.from_git = from_git


def skeletons(root, labs, rev="HEAD"):
    """The pristine skeletons of labs: in root itself when its student
    files are rev's (git's HEAD unless said), else in a copy
    (build/selftest-pristine/) made or brought up to date here."""
    if not in_git(root):
        return Skeletons(root, [], "not a git checkout (or no git): the skeletons are "
                         "labs/ as it is; if you edited files there, their tests fail "
                         "here because of your edits, not because of the kit", False)
    head = head_student_files(root, labs, rev) if not rev.startswith("-") else None
    if head is None:
        return Skeletons(root, [], f"git cannot read {rev}'s labs/: the skeletons are labs/ "
                         "as it is (an edited file there fails here, not the kit)", False)
    here = {name for lab in labs for name in top_files(root, lab)}
    edited = sorted(n for n in here | set(head)
                    if _read(os.path.join(root, n)) != head.get(n))
    if not edited:
        return Skeletons(root, [], f"labs/ has the skeletons of git's {rev}", True)
    dest = os.path.join(root, DEST)
    sync_copy(root, dest, labs, head)
    return Skeletons(dest, edited, f"{len(edited)} student file(s) in labs/ differ from git's "
                     f"{rev} ({', '.join(edited[:3])}{' ...' if len(edited) > 3 else ''}): "
                     f"the skeletons are {rev}'s, graded in {DEST}/; your files are "
                     "untouched (make grade grades them)", True)


def sync_copy(root, dest, labs, head):
    """dest: the kit in root but build/ and .git, with each lab's top-level
    *.c and *.S as head has them. Only files whose bytes differ are written
    (mtimes kept), so a second make test rebuilds nothing."""
    tops = {name for lab in labs for name in top_files(root, lab)} | set(head)
    skip = SKIP(root, os.listdir(root))
    for entry in sorted(os.listdir(root)):
        src = os.path.join(root, entry)
        if entry in LEFT_OUT or entry in skip:
            continue
        if os.path.isdir(src) and not os.path.islink(src):
            _sync_dir(src, os.path.join(dest, entry), entry, head, tops)
        elif os.path.isfile(src):
            _sync_file(_read(src), src, os.path.join(dest, entry))
    for name, data in head.items():
        _sync_file(data, None, os.path.join(dest, name))
    _link_linux(root, dest)


def _sync_file(data, src, dst):
    if _read(dst) == data:
        return
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if src:
        shutil.copy2(src, dst)
    else:
        with open(dst, "wb") as f:
            f.write(data)


def _sync_dir(src, dst, rel, head, tops):
    """dst the same files as src (an extra file in dst removed), but the
    student files (tops), which are head's or absent."""
    os.makedirs(dst, exist_ok=True)
    skip = SKIP(src, os.listdir(src))
    names = [n for n in os.listdir(src) if n not in skip
             and (f"{rel}/{n}" not in tops or f"{rel}/{n}" in head)]
    for extra in set(os.listdir(dst)) - set(names):
        p = os.path.join(dst, extra)
        shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.unlink(p)
    for n in names:
        s, d, r = os.path.join(src, n), os.path.join(dst, n), f"{rel}/{n}"
        if r in head:
            continue                # written from head by sync_copy
        if os.path.isdir(s) and not os.path.islink(s):
            _sync_dir(s, d, r, head, tops)
        elif os.path.isfile(s):
            _sync_file(_read(s), s, d)


def _link_linux(root, dest):
    """dest/build/linux: hard links to root's cached Linux guest, so that a
    grader started in dest (make handout there) finds it built."""
    src, dst = os.path.join(root, "build", "linux"), os.path.join(dest, "build", "linux")
    shutil.rmtree(dst, ignore_errors=True)
    if os.path.isdir(src):
        shutil.copytree(src, dst, symlinks=True, copy_function=os.link,
                        ignore=shutil.ignore_patterns("src", "obj", "*.log"))
