"""Grade a student's tree without trusting it.

`python3 -m grader grade --submission DIR` never builds in DIR. It makes a
private copy of the kit (Makefile, common/, grader/, labs/ with the tests;
never solutions/, which a student's #include could otherwise reach), copies
into it only the student-editable files that each lab's lab.json lists
("student_files", found at labs/NN-name/<file> in DIR), and builds and
grades there. Everything else in DIR is compared with the kit and reported:

  modified   a protected file (tests, lab.json, common/, grader/, Makefile)
             that differs from the kit's; the kit's copy is used
  added      a file under labs/, common/ or grader/ that the kit does not
             have; it is not used (only student files are copied)
  ignored    a student file that cannot be used (a symbolic link, too big,
             or a directive the grader refuses), and what the submission
             held that was not looked at
  missing    a student file the submission does not have: that lab is
             built with the kit's skeleton and scores what it scores

Three layouts are recognised: a copy of the repository (labs/ at the top,
possibly inside one folder such as "repo-main/"), the lab folders alone
("01-boot/boot.c"), or the student files alone ("boot.c", a Gradescope
upload of single files).
"""

import errno
import os
import re
import shutil
import stat
import tempfile

from . import ownership, sanitize

KIT_COPY = ("Makefile", "common", "grader", "labs")      # what a private kit holds
PROTECTED_DIRS = ("labs", "common", "grader")
PROTECTED_FILES = ("Makefile",)
JUNK_NAMES = {"__pycache__", ".DS_Store", "__MACOSX", ".git"}
MAX_STUDENT_FILE = 1 << 20      # a bigger C or assembly file is not a lab answer
MAX_COMPARED_FILE = 8 << 20
MAX_FILES = 20000               # files looked at in one submission
MAX_ENTRIES = 200000            # files and folders looked at
MAX_TREE_DEPTH = 32             # folders below labs/, common/, grader/ or a lab folder
MAX_DEPTH = 3                   # "zip of a folder of a folder": how deep labs/ may be
# Directives that let a source pull in files the grader cannot see:
# .incbin embeds any file; a system_header pragma hides includes from the
# dependency audit (build.audit_deps).
REFUSED_SOURCE = re.compile(rb"\.incbin\b|system_header")


class Submission:
    def __init__(self, path):
        self.path = path
        self.root = path
        self.layout = "tree"
        self.files = {}         # kit-relative path -> its bytes (student files), read once
        self.used = []          # student files copied into the private kit
        self.unchanged = []     # ...of which identical to the kit's skeleton
        self.missing = []       # student files not found: the skeleton is used
        self.modified = []      # protected files that differ from the kit's
        self.added = []         # files in protected folders the kit does not have
        self.ignored = []       # (path, why)
        self.truncated = False  # more than MAX_FILES files: not all compared

    @property
    def tampered(self):
        return bool(self.modified or self.added)

    def to_json(self):
        """For reports: every name cleaned (grader/sanitize.py)."""
        names = sanitize.line
        return {"path": names(self.path), "root": names(self.root), "layout": self.layout,
                "used": [names(p) for p in self.used],
                "unchanged": [names(p) for p in self.unchanged],
                "missing": [names(p) for p in self.missing],
                "modified": [names(p) for p in self.modified],
                "added": [names(p) for p in self.added],
                "ignored": [{"path": names(p), "why": names(w)} for p, w in self.ignored],
                "truncated": self.truncated}


def _lab_dirnames(kit_root):
    base = os.path.join(kit_root, "labs")
    return {d for d in os.listdir(base) if re.fullmatch(r"\d\d-[a-z0-9-]+", d)} \
        if os.path.isdir(base) else set()


def _visible(names):
    return [n for n in names if not n.startswith(".") and n not in JUNK_NAMES]


def find_root(path, kit_root):
    """(root, layout) of a submission folder: where its labs/ is ("tree"),
    or a folder of lab folders ("labs"), or loose files ("flat"), or
    nothing at all ("empty")."""
    labdirs = _lab_dirnames(kit_root)
    here = path
    for _ in range(MAX_DEPTH + 1):
        if os.path.isdir(os.path.join(here, "labs")) and \
                not os.path.islink(os.path.join(here, "labs")):
            return here, "tree"
        names = _visible(sorted(os.listdir(here)))
        if any(n in labdirs and os.path.isdir(os.path.join(here, n)) for n in names):
            return here, "labs"
        dirs = [n for n in names if os.path.isdir(os.path.join(here, n))
                and not os.path.islink(os.path.join(here, n))]
        if len(names) == 1 and len(dirs) == 1:
            here = os.path.join(here, dirs[0])
            continue
        if not names:
            return here, "empty"
        break
    return here, "flat"


def _walk(top, rel_prefix, sub, out):
    """Regular files under top -> out[rel]; anything else -> sub.ignored.
    Without recursion, and at most MAX_TREE_DEPTH folders deep (a tree 1,200
    folders deep is looked at down to there, and the rest is reported)."""
    stack = [(top, ".", 0)]
    seen = 0
    while stack:
        dirpath, rel_dir, depth = stack.pop()
        try:
            with os.scandir(dirpath) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            sub.ignored.append((_join(rel_prefix, rel_dir), f"cannot be read: {e.strerror}"))
            continue
        subdirs = []
        for e in entries:
            seen += 1
            if seen > MAX_ENTRIES or len(out) >= MAX_FILES:
                sub.truncated = True
                return
            if e.name in JUNK_NAMES or e.name.endswith(".pyc"):
                continue
            rel = _join(rel_prefix, rel_dir, e.name)
            if e.is_symlink():              # never followed
                sub.ignored.append((rel, "symbolic link"))
            elif e.is_dir(follow_symlinks=False):
                if depth >= MAX_TREE_DEPTH:
                    sub.ignored.append((rel, f"more than {MAX_TREE_DEPTH} folders deep: "
                                        "not looked at"))
                else:
                    subdirs.append((e.path, _join(rel_dir, e.name), depth + 1))
            elif not e.is_file(follow_symlinks=False):
                sub.ignored.append((rel, "not a regular file"))
            else:
                out[rel] = e.path
        stack.extend(reversed(subdirs))


def _join(*parts):
    return "/".join(p for p in "/".join(parts).split("/") if p and p != ".")


def _entries(sub, kit_root, student_paths):
    """kit-relative path -> file in the submission, per layout."""
    out = {}
    root = sub.root
    if sub.layout == "tree":
        for d in PROTECTED_DIRS:
            top = os.path.join(root, d)
            if os.path.islink(top):
                sub.ignored.append((d, "symbolic link"))
            elif os.path.isdir(top):
                _walk(top, d, sub, out)
        for f in PROTECTED_FILES:
            full = os.path.join(root, f)
            if os.path.islink(full):
                sub.ignored.append((f, "symbolic link"))
            elif os.path.isfile(full):
                out[f] = full
    elif sub.layout == "labs":
        labdirs = _lab_dirnames(kit_root)
        for d in _visible(sorted(os.listdir(root))):
            top = os.path.join(root, d)
            if d in labdirs and os.path.isdir(top) and not os.path.islink(top):
                _walk(top, "labs/" + d, sub, out)
            else:
                sub.ignored.append((d, "not a lab folder of this kit"))
    elif sub.layout == "flat":
        by_name = {}
        for rel in student_paths:
            by_name.setdefault(rel.rsplit("/", 1)[1], []).append(rel)
        for name in _visible(sorted(os.listdir(root))):
            full = os.path.join(root, name)
            owners = by_name.get(name, [])
            if len(owners) != 1:
                why = "not a student file of any lab" if not owners else \
                    "the name of a student file of several labs: use labs/NN-name/" + name
                sub.ignored.append((name, why))
            elif os.path.islink(full) or not os.path.isfile(full):
                sub.ignored.append((name, "not a regular file"))
            else:
                out[owners[0]] = full
    return out


def read_beneath(base_fd, rel, cap):
    """The bytes of the regular file rel, a path below the open folder
    base_fd, opened one component at a time without following a symbolic
    link anywhere below it, and read from that one open file: the
    submission may change while it is graded (a student's own folder on a
    shared machine), and the grader, maybe root, must read only what the
    walk saw as a regular file inside it, never a link swapped in since (to
    /etc/shadow, /dev/zero). A file with other names (a hard link) could be
    any file of the machine: refused too. (bytes, None), or (None, why)."""
    parts = rel.split(os.sep)
    if os.path.isabs(rel) or parts[0] == os.pardir or not all(parts):
        return None, "not inside the submission"
    fd = None
    try:
        fd = os.dup(base_fd)
        for name in parts[:-1]:
            nfd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC,
                          dir_fd=fd)
            os.close(fd)
            fd = nfd
        # O_NONBLOCK: a FIFO put there must not hold the open; O_NOCTTY: a
        # terminal must not become the grader's.
        nfd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY |
                      os.O_CLOEXEC, dir_fd=fd)
        os.close(fd)
        fd = nfd
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, "not a regular file"
        if st.st_nlink != 1:
            return None, "a hard link (it could be any file of this machine)"
        if st.st_size > cap:
            return None, f"larger than {cap >> 20} MiB"
        chunks, size = [], 0
        while size <= cap:
            chunk = os.read(fd, min(1 << 20, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > cap:                  # it grew while it was read
            return None, f"larger than {cap >> 20} MiB"
        return b"".join(chunks), None
    except OSError as e:
        if e.errno == errno.ELOOP:          # a link where the walk saw none
            return None, "symbolic link"
        if e.errno == errno.ENOTDIR:
            return None, "a folder on its path is a symbolic link or no folder"
        return None, f"cannot be read: {e.strerror or e}"
    finally:
        if fd is not None:
            os.close(fd)


def _same(data, kit_file):
    """data (bytes) equals the kit's file, allowing CRLF line ends (a
    Windows checkout)."""
    if data is None or len(data) > MAX_COMPARED_FILE:
        return False
    try:
        if os.path.getsize(kit_file) > MAX_COMPARED_FILE:
            return False
        with open(kit_file, "rb") as f:
            kit = f.read()
    except OSError:
        return False
    return data == kit or data.replace(b"\r\n", b"\n") == kit.replace(b"\r\n", b"\n")


def _student_file_problem(data):
    m = REFUSED_SOURCE.search(data)
    if m:
        return f"uses '{m.group().decode()}', which the grader refuses (it can read files " \
               "outside the kit)"
    return None


def scan(path, kit_root, labs):
    """Look at a submission folder; nothing is copied or built yet."""
    # The folder is opened once, not through a link (whoever can make one
    # there could name anyone's folder), and held open: every file is read
    # below it (read_beneath). A link swapped in later for the folder, or
    # for anything in it, leads nowhere.
    sub = Submission(os.path.abspath(path))
    student_paths = {f"labs/{lab.dirname}/{f}" for lab in labs for f in lab.student_files}
    try:
        base_fd = os.open(sub.path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as e:
        why = "a symbolic link: give the folder it names" if os.path.islink(sub.path) else \
            f"cannot be read: {e.strerror or e}"
        sub.ignored.append((".", why))
        sub.layout = "empty"
        sub.missing = sorted(student_paths)
        return sub
    try:
        sub.root, sub.layout = find_root(sub.path, kit_root)
        _compare(sub, kit_root, student_paths, _entries(sub, kit_root, student_paths),
                 base_fd)
    finally:
        os.close(base_fd)
    sub.missing = sorted(student_paths - set(sub.used))
    return sub


def _compare(sub, kit_root, student_paths, entries, base_fd):
    """Each entry read (student files) or compared with the kit's."""
    for rel, full in sorted(entries.items()):
        below = os.path.relpath(full, sub.path)
        kit_file = os.path.join(kit_root, rel)
        if rel in student_paths:
            # Read once: what is checked here is what install() builds.
            data, problem = read_beneath(base_fd, below, MAX_STUDENT_FILE)
            problem = problem or _student_file_problem(data)
            if problem:
                sub.ignored.append((rel, problem))
                continue
            sub.files[rel] = data
            sub.used.append(rel)
            if os.path.isfile(kit_file) and _same(data, kit_file):
                sub.unchanged.append(rel)
        elif os.path.isfile(kit_file):
            data, _ = read_beneath(base_fd, below, MAX_COMPARED_FILE)
            if not _same(data, kit_file):
                sub.modified.append(rel)
        else:
            sub.added.append(rel)


class PrivateKit:
    """A clean copy of the kit in a fresh temporary folder, with one
    submission's student files in it. Two graders never share one."""

    def __init__(self, kit_root, workdir=None, box=None):
        self.root = tempfile.mkdtemp(prefix="rvh-kit-", dir=workdir)
        try:
            if box is not None:
                box.share(self.root)
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            for name in KIT_COPY:
                src = os.path.join(kit_root, name)
                dst = os.path.join(self.root, name)
                if os.path.isdir(src):
                    shutil.copytree(src, dst, ignore=ignore)
                elif os.path.isfile(src):
                    shutil.copyfile(src, dst)
            os.mkdir(os.path.join(self.root, "build"))
            if box is not None:
                box.share(os.path.join(self.root, "build"))
            self._share_linux(kit_root, box)
        except BaseException:
            self.cleanup()
            raise

    def _share_linux(self, kit_root, box):
        """The kit's cached Linux kernel (build/linux/, large) is not copied:
        bubblewrap binds it read-only at build/linux/ (a mount point made
        here), other modes reach it through a symbolic link."""
        src = os.path.join(kit_root, "build", "linux")
        if not os.path.isdir(src):
            return
        dst = os.path.join(self.root, "build", "linux")
        if box is not None and box.mode == "bwrap":
            os.mkdir(dst)
        else:
            os.symlink(os.path.abspath(src), dst)

    def install(self, sub):
        """Write the submission's student files (the bytes scan() read and
        checked) over the skeletons. Fresh files, so make always rebuilds
        them. Then everything is made readable by the sandbox's runs (the
        group of the kit's folder), writable by none of them."""
        for rel in sub.used:
            dst = os.path.join(self.root, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(dst, "wb") as f:
                f.write(sub.files[rel])
        ownership.readable_inside(self.root)

    def keep_logs(self, outcomes, dest):
        """Move the run logs to dest/<lab>-<variant>/ and point the outcomes
        there; without dest, forget them (the private kit is deleted)."""
        for o in outcomes:
            for t in o.tests:
                if not t.log:
                    continue
                if dest is None:
                    t.log = None
                    continue
                target = os.path.join(dest, os.path.basename(os.path.dirname(t.log)),
                                      os.path.basename(t.log))
                try:
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    shutil.copyfile(t.log, target)
                    t.log = target
                except OSError:
                    t.log = None

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()


def report_lines(sub, limit=12):
    """The tamper report, as lines for the terminal (and other reports)."""
    def listing(items):
        items = [sanitize.line(i) for i in items]
        more = f" ... and {len(items) - limit} more" if len(items) > limit else ""
        return ", ".join(items[:limit]) + more

    lines = [f"submission: {sanitize.line(sub.path)}" + (
        f" (labs found in {sanitize.line(sub.root)})" if sub.root != sub.path else "")]
    if sub.layout == "empty":
        lines.append("! the submission is empty")
    elif sub.layout != "tree":
        lines.append(f"  layout: {'lab folders' if sub.layout == 'labs' else 'loose files'}"
                     " (no labs/ folder): only student files were looked for")
    lines.append(f"  student files used: {listing(sub.used) or 'none'}")
    if sub.unchanged:
        lines.append(f"  unchanged from the skeleton: {listing(sub.unchanged)}")
    if sub.missing:
        lines.append(f"  missing (the skeleton is used): {listing(sub.missing)}")
    if sub.modified:
        lines.append(f"! modified protected files (ignored: the kit's copies are used): "
                     f"{listing(sub.modified)}")
    if sub.added:
        lines.append(f"! added files (ignored): {listing(sub.added)}")
    if sub.ignored:
        lines.append("  not used: " + listing(f"{p} ({w})" for p, w in sub.ignored))
    if sub.truncated:
        lines.append(f"! more than {MAX_FILES} files: the rest were not compared")
    return lines
