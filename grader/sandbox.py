"""The sandbox every build, host test and QEMU run of the grader goes through.

One Sandbox per grader process (detect(), cached), in one of three modes:

  bwrap    bubblewrap (Debian's `bubblewrap`) where user namespaces work:
           new user, PID, network, mount, IPC and UTS namespaces; only /usr
           (and the /bin, /lib... links into it), /proc, /dev, a small tmpfs
           /tmp and the kit are visible; the kit read-only except the build
           folder of that run; uid 65534 inside. As root, bubblewrap itself
           runs as a dedicated unprivileged uid per run (setpriv), so that the
           process limit and file ownership mean something. In a container
           whose engine refuses some of bubblewrap's options (BWRAP_OPTIONAL:
           the hostname, a new /proc, --disable-userns), runs go without
           them, and the reports say what that costs.
  setpriv  root without user namespaces (a container under Docker's default
           seccomp profile, as on Gradescope): each run as a dedicated uid
           (util-linux setpriv, no new privileges), resource limits, and every
           process of that uid killed at the end. The filesystem is visible
           where permissions allow; no network or PID namespace.
  none     a normal user without user namespaces: runs unconfined except for
           the resource limits, and every report says so.

RVH_SANDBOX=bwrap|setpriv|none forces a mode (an error if it is not
available); RVH_SANDBOX_UID_BASE moves the range of dedicated uids
(default 59000-59127, or 59128-59255 in a container that shares the
machine's uids, uids.default_base(): numbers that must not belong to anyone
on the machine; detect() refuses uids found in /etc/passwd or /etc/group,
and uids this user namespace does not map).

A run: `with box.jail(kit, writable=[...], readonly=[...], limits=...) as j:`
then start `j.wrap(argv)` with `env=j.env` and `cwd=j.cwd`; leaving the block
kills whatever the run left behind and hands the writable folders back to
the grader, read-only for every later run.
"""

import os
import shutil
import stat
import subprocess
import tempfile
import threading

from . import ownership, uids
from .uids import kill_uid, processes_of

UID_BASE, SLOTS = uids.UID_BASE, uids.SLOTS
INSIDE_ID = 65534               # uid and gid inside bubblewrap (nobody)
TMPFS_BYTES = 64 << 20          # the sandbox's private /tmp
SHM_BYTES = 1 << 20             # its /dev/shm (RAM no rlimit counts: keep it small)
ENV_PASSED = ("CROSS_COMPILE", "HOSTCC")    # what the Makefile may take from outside
BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp",
            "TMPDIR": "/tmp", "TERM": "dumb"}
USR_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# Of /etc, only what programs in /usr need to be found and loaded: Debian's
# alternatives (cc -> gcc) and the loader's cache. No accounts, no hosts.
ETC_SHOWN = ("/etc/alternatives", "/etc/ld.so.cache")
# bubblewrap options a container may refuse, each found by probe() from
# bubblewrap's error: (option, words of that error, what a run lacks without
# it, None when it lacks nothing the sandbox defends). Docker's and podman's
# default seccomp profiles allow sethostname only with CAP_SYS_ADMIN; while
# parts of the container's /proc are masked or read-only, the kernel refuses
# a new /proc in a user namespace (then the sandbox has no /proc at all); and
# --disable-userns writes /proc/sys/user/max_user_namespaces, read-only
# there. docs/devcontainer.md has the measurements.
BWRAP_OPTIONAL = (
    ("--hostname", "Can't set hostname", None),
    ("--proc", "Can't mount proc", None),
    ("--disable-userns", "max_user_namespaces",
     "user namespaces can be made inside the sandbox (bubblewrap's --disable-userns "
     "writes /proc/sys/user/max_user_namespaces, read-only here)"),
)


class SandboxError(Exception):
    """A run cannot be sandboxed as this machine's mode requires."""


class Limits:
    """Resource limits of one run (prlimit): CPU seconds, address space and
    file size in bytes, processes (threads count) of the run's uid."""

    def __init__(self, cpu, mem, fsize, nproc=512):
        self.cpu, self.mem, self.fsize, self.nproc = int(cpu), int(mem), int(fsize), nproc

    def prlimit_args(self, nproc):
        return [f"--cpu={self.cpu}", f"--as={self.mem}", f"--fsize={self.fsize}",
                f"--nproc={nproc}", "--core=0", "--msgqueue=0"]

    def to_json(self):
        return {"cpu_seconds": self.cpu, "address_space": self.mem, "file_size": self.fsize,
                "processes": self.nproc}

    def __str__(self):
        return (f"cpu {self.cpu} s, memory {_size(self.mem)}, files {_size(self.fsize)}, "
                f"{self.nproc} processes")


def _size(n):
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift and n % (1 << (shift - 4)) == 0:
            return f"{n / (1 << shift):g} {unit}"
    return f"{n} B"


# A build: gcc on one file, make, the linker. 4 GiB, 256 MiB files, 2 min CPU.
BUILD_LIMITS = Limits(cpu=120, mem=4 << 30, fsize=256 << 20)


def run_limits(timeout, mem_bytes=0, smp=1):
    """A QEMU or host-test run. QEMU's address space is the guest's RAM plus
    about 1.5 GiB (its translation cache and libraries, measured with -m 4G
    -smp 8: 5.8 GiB) plus a thread stack and malloc arena per vCPU."""
    mem = mem_bytes + (3 << 30) + smp * (256 << 20)
    return Limits(cpu=timeout * (smp + 1) + 10, mem=mem, fsize=64 << 20)


def host_test_limits(timeout):
    """A host test's student program: one process that decodes (a few MiB).
    The address-space limit is per process, so the process limit is what
    keeps forks from multiplying it: 8 tasks of 512 MiB at most."""
    return Limits(cpu=timeout + 10, mem=512 << 20, fsize=16 << 20, nproc=8)


def _reachable(path, uid, gid):
    """Can uid (group gid, no other groups) enter every folder down to path?"""
    path = os.path.abspath(path)
    parts = path.split("/")
    for i in range(1, len(parts) + 1):
        d = "/".join(parts[:i]) or "/"
        try:
            st = os.stat(d)
        except OSError:
            return False
        if not stat.S_ISDIR(st.st_mode):
            break
        mode = st.st_mode
        ok = (mode & 0o001) or (st.st_gid == gid and mode & 0o010) or \
            (st.st_uid == uid and mode & 0o100)
        if not ok:
            return False
    return True


def _acquire(slots):
    try:
        return slots.acquire()
    except uids.UidError as e:
        raise SandboxError(str(e)) from None


class Sandbox:
    """How this grader process isolates what it runs. Use detect()."""

    def __init__(self, mode, tried=()):
        self.mode = mode
        self.tried = list(tried)        # why better modes were not used
        self.root = os.geteuid() == 0
        self.bwrap = shutil.which("bwrap")
        self.setpriv = shutil.which("setpriv")
        self.prlimit = shutil.which("prlimit")
        self.slots = None
        self.gid = os.getegid()
        self.notes = []                 # what happened while grading (said in reports)
        self.refused = {}               # BWRAP_OPTIONAL options refused here -> the error
        self._notes_lock = threading.Lock()
        self.user_tasks = 0
        if mode != "none" and self.root:
            taken = uids.ids_in_use("/etc/passwd") | uids.ids_in_use("/etc/group")
            clash = sorted(i for i in range(UID_BASE, UID_BASE + SLOTS) if i in taken)
            if clash:
                raise SandboxError(f"uids {clash[0]}.. of the sandbox range "
                                   f"{UID_BASE}-{UID_BASE + SLOTS - 1} belong to accounts: "
                                   "set RVH_SANDBOX_UID_BASE to a free range")
            for ids in ("uid", "gid"):
                first = uids.unmapped(UID_BASE, SLOTS, f"/proc/self/{ids}_map")
                if first is not None:
                    raise SandboxError(f"{ids} {first} of the sandbox range {UID_BASE}-"
                                       f"{UID_BASE + SLOTS - 1} is not mapped in this user "
                                       f"namespace (/proc/self/{ids}_map): set "
                                       "RVH_SANDBOX_UID_BASE to a mapped range")
            self.slots = uids.Slots(UID_BASE, SLOTS)
            self.gid = _acquire(self.slots)         # this grader's group, for its whole life
        elif not self.root:
            self.user_tasks = uids.tasks_of_current_user()
        self.extra_ro = [p for p in os.environ.get("RVH_SANDBOX_BIND", "").split(":") if p]

    # ---- what it gives ---------------------------------------------------
    @property
    def dedicated_uids(self):
        return self.slots is not None

    @property
    def full(self):
        """Every isolation the issue asks for: bubblewrap, and as root a
        dedicated uid (so that the process limit holds)."""
        return self.mode == "bwrap" and (self.dedicated_uids or not self.root) and \
            not self.notes and not self._lacks()

    def _lacks(self):
        """What the bubblewrap options refused here cost."""
        return [what for opt, _, what in BWRAP_OPTIONAL if what and opt in self.refused]

    def given(self):
        if self.mode == "bwrap":
            out = ["no network", "own PID namespace (every process killed at the end)",
                   "read-only view of the kit, only /usr besides",
                   "unprivileged uid" + (" (a dedicated uid per run)" if self.dedicated_uids
                                         else "")]
            if "--proc" in self.refused:
                out.append("no /proc at all (a new one is refused here)")
            if "--hostname" in self.refused:
                out.append("the machine's hostname (sethostname is refused here)")
        elif self.mode == "setpriv":
            out = ["a dedicated unprivileged uid per run, no new privileges",
                   "every process of that uid killed at the end",
                   "the kit's files not writable by that uid"]
        else:
            out = ["process group killed at the end"]
        if self.prlimit:
            out.append("limits on CPU time, memory, file size"
                       + (", processes" if self.mode != "none" or not self.root else ""))
        return out

    def missing(self):
        out = []
        if self.mode == "setpriv":
            out = ["no network namespace (student code can open sockets)",
                   "no PID namespace (leftover processes are found by uid)",
                   "no mount namespace (files are hidden by permissions only)"]
            solutions = os.path.join(os.path.dirname(os.path.dirname(
                os.path.abspath(__file__))), "solutions")
            if os.path.isdir(solutions) and os.stat(solutions).st_mode & 0o005:
                out.append("the kit's solutions/ is open to other users, the sandbox's uids "
                           "included (chmod o-rwx solutions)")
            out.append("no limit on user namespaces of its own (where this machine lets any "
                       "user make one, student code can: more of the kernel to attack)")
        elif self.mode == "none":
            out = ["no sandbox at all: student code runs as "
                   + ("root" if self.root else "this user")
                   + " with access to every file, the network and other processes"]
        if not self.prlimit:
            out.append("no resource limits (prlimit not found)")
        if self.mode == "bwrap":
            out += self._lacks()
        with self._notes_lock:
            out += self.notes
        return out

    def summary(self):
        what = {"bwrap": "bubblewrap", "setpriv": "setpriv (dedicated uids)",
                "none": "NONE"}[self.mode]
        line = f"sandbox: {what}: " + "; ".join(self.given())
        missing = self.missing()
        if missing:
            line += ". MISSING: " + "; ".join(missing)
        if self.tried and self.mode != "bwrap":
            line += f" (bubblewrap: {self.tried[0]})"
        return line

    def to_json(self):
        return {"mode": self.mode, "full": self.full, "summary": self.summary(),
                "isolation": self.given(), "missing": self.missing(),
                "dedicated_uids": [UID_BASE, UID_BASE + SLOTS - 1] if self.dedicated_uids
                else None, "not_used": self.tried,
                "bubblewrap_refused": dict(self.refused)}

    def close(self):
        """Give back this grader's group (its dedicated gid)."""
        if self.slots:
            self.slots.release(self.gid)

    def share(self, path):
        """A folder this grader made (a private kit): only its runs may enter
        it (group: this grader's gid, mode 750); nobody else."""
        if self.dedicated_uids:
            os.chown(path, -1, self.gid)
        os.chmod(path, 0o750)

    def note(self, text):
        with self._notes_lock:
            if text not in self.notes:
                self.notes.append(text)

    def nproc(self, limits):
        """RLIMIT_NPROC counts every task of the real uid: a dedicated uid
        starts from zero, a normal user from what they already run."""
        return limits.nproc + (0 if self.dedicated_uids else self.user_tasks)

    def jail(self, kit, writable=(), readonly=(), limits=None, chdir=None):
        return Jail(self, kit, writable, readonly, limits or BUILD_LIMITS, chdir)

    def probe(self):
        """Run /bin/true the way real runs go; (ok, why not). With
        bubblewrap, an option this machine refuses (BWRAP_OPTIONAL, known by
        its error) is left out, and the probe runs again."""
        for _ in range(len(BWRAP_OPTIONAL) + 1):
            ok, why = self._probe_once()
            if ok or self.mode != "bwrap":
                break
            opt = next((o for o, words, _ in BWRAP_OPTIONAL
                        if words in why and o not in self.refused), None)
            if opt is None:
                break
            self.refused[opt] = why
        return ok, why

    def _probe_once(self):
        tmp = tempfile.mkdtemp(prefix="rvh-probe-")
        try:
            os.chmod(tmp, 0o755)
            with self.jail(tmp, writable=[os.path.join(tmp, "build")]) as j:
                p = subprocess.run(j.wrap(["true"]), env=j.env, cwd=j.cwd,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, timeout=20)
            if p.returncode:
                text = p.stdout.decode("utf-8", "replace").strip().splitlines()
                return False, (text[-1] if text else f"exit status {p.returncode}")[:200]
            return True, ""
        except (OSError, subprocess.SubprocessError, SandboxError) as e:
            return False, str(e)[:200]
        finally:
            ownership.rmtree_quiet(tmp)


class Jail:
    """One sandboxed run (or several commands of one run, such as a host
    test's oracle and the student program it starts)."""

    def __init__(self, box, kit, writable, readonly, limits, chdir):
        self.box = box
        self.kit = os.path.realpath(kit) if kit else None
        self.writable = [os.path.abspath(w) for w in writable]
        self.readonly = [r if isinstance(r, tuple) else (r, r) for r in readonly]
        self.readonly += [(p, p) for p in box.extra_ro if os.path.exists(p)]
        self.limits = limits
        self.cwd = chdir or self.kit or "/"
        self.uid = None
        self.as_root = False        # bubblewrap as root: the kit is out of the uid's reach
        self._owners = {}

    def __enter__(self):
        for w in self.writable:
            os.makedirs(w, exist_ok=True)
        if self.box.dedicated_uids:
            self.uid = _acquire(self.box.slots)    # (kills what a dead grader left)
            try:
                if self._check_reach():
                    for w in self.writable:
                        self._owners[w] = os.lstat(w).st_uid
                        ownership.give(w, self.uid, self.box.gid)
                else:
                    self.box.slots.release(self.uid)
                    self.uid = None
            except BaseException:
                if self.uid is not None:
                    self.box.slots.release(self.uid)
                self.uid = None
                raise
        return self

    def _check_reach(self):
        """True when the dedicated uid can enter every folder the run uses.
        Otherwise bubblewrap runs as root (said in the reports); setpriv
        cannot run at all."""
        paths = [self.kit, *(os.path.dirname(w) for w in self.writable),
                 *(s for s, _ in self.readonly)]
        far = [p for p in paths if p and not _reachable(p, self.uid, self.box.gid)]
        if not far:
            return True
        self.as_root = True
        if self.box.mode == "bwrap":
            self.box.note(f"{far[0]}: out of reach of the sandbox uids (a folder above it "
                          "is closed to other users): bubblewrap ran as root there, without "
                          "the process limit")
        else:
            self.box.note(f"{far[0]}: out of reach of the sandbox uids (a folder above it "
                          "is closed to other users): runs there were NOT confined (let other "
                          "users enter the folders above it: chmod o+x)")
        return False

    def __exit__(self, *exc):
        if self.uid is None:
            return
        clean = False
        try:
            # bubblewrap's PID namespace is gone with its last process: this
            # finds nothing there, unless something went wrong.
            gone = not processes_of(self.uid) or kill_uid(self.uid)
            if self.box.mode == "setpriv":
                _sweep_shared_tmp(self.uid, keep=self.writable)
                _remove_ipc(self.uid)
            for w in self.writable:
                if os.path.isdir(w):
                    ownership.take_back(w, self._owners.get(w, os.geteuid()), self.box.gid)
            clean = gone
        finally:
            self.box.slots.release(self.uid, clean)
            self.uid = None

    @property
    def env(self):
        env = dict(BASE_ENV)
        env.update({k: os.environ[k] for k in ENV_PASSED if os.environ.get(k)})
        if self.writable:
            env["TMPDIR"] = os.path.join(self.writable[0], ".tmp")
        return env

    def make_tmpdir(self):
        """The TMPDIR of env, inside the first writable folder (compilers put
        their temporary files there, inside what the dependency audit allows)."""
        d = self.env["TMPDIR"]
        os.makedirs(d, exist_ok=True)
        if self.uid is not None:
            os.chown(d, self.uid, self.box.gid, follow_symlinks=False)
        return d

    def wrap(self, argv):
        """The command line that runs argv in this jail."""
        argv = [str(a) for a in argv]
        inner = argv
        if self.box.prlimit:
            lim = self.limits.prlimit_args(self.box.nproc(self.limits))
            inner = [self.box.prlimit, *lim, "--", *argv]
        if self.box.mode == "none":
            return inner
        ids = [] if self.uid is None else [
            self.box.setpriv, f"--reuid={self.uid}", f"--regid={self.box.gid}",
            "--clear-groups"]
        if self.box.mode == "setpriv":
            return [*ids, "--no-new-privs", "--", *inner] if ids else inner
        return [*ids, *(["--"] if ids else []), *self._bwrap_args(argv), "--", *inner]

    def _bwrap_args(self, argv):
        refused = self.box.refused
        a = [self.box.bwrap, "--unshare-all", "--unshare-user"]
        if "--disable-userns" not in refused:
            a.append("--disable-userns")    # no user namespace inside (less kernel to attack)
        a += ["--die-with-parent", "--new-session", "--uid", str(INSIDE_ID),
              "--gid", str(INSIDE_ID)]
        if "--hostname" not in refused:
            a += ["--hostname", "sandbox"]
        a += ["--ro-bind", "/usr", "/usr"]
        for link in USR_LINKS:
            if os.path.islink(link):
                a += ["--symlink", os.readlink(link), link]
            elif os.path.isdir(link):
                a += ["--ro-bind", link, link]
        for path in ETC_SHOWN:
            if os.path.exists(path):
                a += ["--ro-bind", path, path]
        if "--proc" not in refused:
            a += ["--proc", "/proc"]
        a += ["--dev", "/dev", "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm",
              "--size", str(TMPFS_BYTES), "--tmpfs", "/tmp"]
        bound = ["/usr"]
        if self.kit:
            a += ["--ro-bind", self.kit, self.kit]
            bound.append(self.kit)
        for w in self.writable:
            a += ["--bind", w, w]
        for src, dst in self.readonly + _paths_in(argv, bound):
            if os.path.exists(src):
                a += ["--ro-bind", src, dst]
        # bubblewrap's / and /dev are tmpfs with no size limit, in RAM that
        # no rlimit counts: read-only, once everything is mounted on them.
        a += ["--remount-ro", "/dev", "--remount-ro", "/"]
        return a + ["--chdir", self.cwd]


# Every folder anyone may write to (sticky, world-writable) on Debian.
SHARED_TMP = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/var/lock", "/dev/mqueue")
# System V IPC objects outlive their processes (bubblewrap's own IPC
# namespace ends with the run; setpriv's runs share the machine's).
SYSV_IPC = (("/proc/sysvipc/shm", "-m"), ("/proc/sysvipc/sem", "-s"),
            ("/proc/sysvipc/msg", "-q"))


def _sweep_shared_tmp(uid, keep=()):
    """Without a mount namespace a run shares the machine's temporary
    folders: delete what its uid left at their top, but the folders the
    grader gave the run to write in (keep: a test's device tree is made in
    one in /tmp, and read after the run)."""
    for top in SHARED_TMP:
        try:
            with os.scandir(top) as it:
                mine = [e.path for e in it if e.stat(follow_symlinks=False).st_uid == uid
                        and e.path not in keep]
        except OSError:
            continue
        for path in mine:
            ownership.rmtree_quiet(path)


def _remove_ipc(uid):
    """Delete the System V shared memory, semaphores and message queues
    that a run's uid owns or created (a segment left behind keeps its RAM,
    and a later run could read it)."""
    for table, flag in SYSV_IPC:
        try:
            with open(table) as f:
                head = f.readline().split()
                rows = [dict(zip(head, line.split())) for line in f]
        except OSError:
            continue
        ids = [r[head[1]] for r in rows
               if str(uid) in (r.get("uid"), r.get("cuid")) and head[1] in r]
        for i in ids:
            # As the owner: IPC_RMID wants the owner or CAP_SYS_ADMIN, which
            # root in a container lacks (podman's and Docker's defaults).
            subprocess.run(["ipcrm", flag, i], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False, user=uid,
                           extra_groups=[])


def _paths_in(argv, bound):
    """[(source, place)] of the absolute paths named on a command line
    (alone or as file=...) that exist outside what is bound already: the
    program itself when it lives elsewhere (a test's fake QEMU), a guest
    image a test names. Each is bound at the name the command uses, as the
    file that name stands for: a symbolic link (build/linux/Image names the
    cached kernel beside it) would lead nowhere in the sandbox."""
    out = []
    for arg in argv:
        for word in [arg] + [p.split("=", 1)[1] for p in arg.split(",") if p.startswith("file=")]:
            if word.startswith("/") and os.path.exists(word) and \
                    not any(word == b or word.startswith(b + "/")
                            for b in bound + [place for _, place in out]):
                out.append((os.path.realpath(word), word))
    return out


_detected = None
_detect_lock = threading.Lock()


def detect():
    """The sandbox of this process, chosen once: the best mode that works."""
    global _detected
    with _detect_lock:
        if _detected is None:
            _detected = _choose()
        return _detected


def _choose():
    forced = os.environ.get("RVH_SANDBOX", "").strip()
    root = os.geteuid() == 0
    order = [forced] if forced else (["bwrap", "setpriv", "none"] if root else ["bwrap", "none"])
    tried = []
    for mode in order:
        if mode not in ("bwrap", "setpriv", "none"):
            raise SandboxError(f"RVH_SANDBOX={mode!r}: use bwrap, setpriv or none")
        need = {"bwrap": ["bwrap"] + (["setpriv"] if root else []),
                "setpriv": ["setpriv"] if root else [], "none": []}[mode]
        if mode == "setpriv" and not root:
            tried.append("setpriv: needs root")
            continue
        absent = [t for t in need if not shutil.which(t)]
        if absent:
            tried.append(f"{' and '.join(absent)} not installed")
            continue
        try:
            box = Sandbox(mode, tried)
        except SandboxError as e:
            tried.append(str(e))
            continue
        if mode == "none":
            return box
        ok, why = box.probe()
        if ok:
            return box
        tried.append(why)
        box.close()
    raise SandboxError(f"RVH_SANDBOX={forced}: not available here: {'; '.join(tried)}")
