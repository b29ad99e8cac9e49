"""Dedicated unprivileged uids for the sandbox's runs (grader/sandbox.py),
and what is done with them: one handed out per run in progress on the
machine, and every process of it killed at the end of its run.

The uids are UID_BASE .. UID_BASE + SLOTS - 1 (RVH_SANDBOX_UID_BASE,
default 59000, or 59128 in a container that shares the machine's uids: see
default_base()): numbers that must belong to no account (the sandbox checks
/etc/passwd and /etc/group). Graders on one machine share them through a
lock file per uid (flock: freed by the kernel when a grader dies) in a
folder only root may use.
"""

import fcntl
import os
import signal
import stat
import threading
import time

SLOTS = 128                     # dedicated uids UID_BASE .. UID_BASE + SLOTS - 1
MACHINE_BASE = 59000
CONTAINER_BASE = MACHINE_BASE + SLOTS
# The kernel's first PID and user namespaces have these numbers on every
# Linux machine (PROC_PID_INIT_INO, PROC_USER_INIT_INO).
INIT_PID_NS, INIT_USER_NS = "pid:[4026531836]", "user:[4026531837]"


def default_base(pid_ns=None, user_ns=None):
    """59000, or 59128 in a container that shares the machine's uids (a
    rootful Docker or podman container without a user namespace: its own
    PID namespace, the machine's user namespace). There uid 59000 is the
    machine's uid 59000: a grader on the machine, killing what its run on
    59000 left (kill_uid reaches every PID namespace below its own), would
    kill this container's runs too, and both would count against one
    process limit. The container cannot read the machine's /etc/passwd:
    59128-59255 must be free there as well."""
    try:
        pid_ns = pid_ns or os.readlink("/proc/self/ns/pid")
        user_ns = user_ns or os.readlink("/proc/self/ns/user")
    except OSError:
        return MACHINE_BASE
    return CONTAINER_BASE if user_ns == INIT_USER_NS and pid_ns != INIT_PID_NS \
        else MACHINE_BASE


UID_BASE = int(os.environ.get("RVH_SANDBOX_UID_BASE") or default_base())


def unmapped(first, count, path="/proc/self/uid_map"):
    """The first id of first .. first + count - 1 that this user namespace
    does not map (a rootless container maps only its own range), or None."""
    try:
        with open(path, encoding="ascii") as f:
            ranges = [tuple(int(x) for x in ln.split()[:3]) for ln in f if ln.strip()]
    except (OSError, ValueError):
        return None
    for i in range(first, first + count):
        if not any(inside <= i < inside + length for inside, _, length in ranges):
            return i
    return None


class UidError(Exception):
    """No dedicated uid can be handed out."""


CLEAN = b"clean"
# One folder for every grader on the machine, whatever TMPDIR each was given
# (make test gives its unit tests another one): two graders with two slot
# folders would hand the same uid to two runs, and each run's end kills
# every process of its uid.
SLOTS_DIR = "/tmp/rvh-sandbox-slots"


class Slots:
    """Dedicated uids, one per run in progress on the machine: a lock file
    per uid (flock: freed by the kernel when a grader dies) in a folder only
    root may use. The file says "clean" when the uid's last user killed
    everything it ran; otherwise (a grader that died) acquire() does."""

    def __init__(self, base, count):
        self.base, self.count = base, count
        self.dir = SLOTS_DIR
        self._mutex = threading.Lock()
        self._mine = {}         # uid -> fd of its lock file

    def _lock_dir(self):
        try:
            os.mkdir(self.dir, 0o700)
        except FileExistsError:
            pass
        st = os.lstat(self.dir)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != 0 or st.st_mode & 0o077:
            raise UidError(f"{self.dir} is not a folder that only root can use")

    def acquire(self, first=0, timeout=60.0):
        self._lock_dir()
        end = time.monotonic() + timeout
        while True:
            with self._mutex:
                for i in range(first, self.count):
                    uid = self.base + i
                    if uid in self._mine:
                        continue
                    fd = os.open(os.path.join(self.dir, str(uid)), os.O_RDWR | os.O_CREAT,
                                 0o600)
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except OSError:
                        os.close(fd)
                        continue
                    self._mine[uid] = fd
                    if os.pread(fd, len(CLEAN), 0) != CLEAN:
                        kill_uid(uid)
                    os.ftruncate(fd, 0)         # in use: not clean until released
                    return uid
            if time.monotonic() > end:
                raise UidError(f"all {self.count} sandbox uids are in use")
            time.sleep(0.05)

    def release(self, uid, clean=False):
        """Give uid back; clean: nothing of it is running any more."""
        with self._mutex:
            fd = self._mine.pop(uid, None)
        if fd is not None:
            if clean:
                os.pwrite(fd, CLEAN, 0)
            os.close(fd)


def kill_uid(uid):
    """SIGKILL every process whose real or saved uid is uid, from a child
    that takes that uid itself: kill(-1) then reaches exactly those, in every
    PID namespace below ours, in one pass (a fork bomb cannot outrun it).
    Repeated until /proc shows none. True when none is left."""
    for _ in range(20):
        pid = os.fork()
        if pid == 0:        # only system calls here: the grader has threads
            try:
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
                for _ in range(3):
                    os.kill(-1, signal.SIGKILL)
            except BaseException:       # nothing to kill (ESRCH)
                pass
            os._exit(0)
        os.waitpid(pid, 0)
        if not processes_of(uid):
            return True
        time.sleep(0.01)
    return False


def _status_field(status, name):
    """The value of one "Name:\tvalue" line of /proc/PID/status (bytes).
    (A process's own name is escaped there: it cannot add a line.)"""
    i = status.find(b"\n" + name + b":")
    if i < 0:
        return b""
    i += len(name) + 2
    j = status.find(b"\n", i)
    return status[i:] if j < 0 else status[i:j]


def _statuses():
    """(pid, /proc/PID/status) of every process that is still there."""
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/status", "rb") as f:
                    yield int(name), f.read()
            except OSError:
                continue


def processes_of(uid):
    """Live processes (not zombies) whose real, effective or saved uid is uid.
    (Every run's end reads the status of every process on the machine: two
    fields are looked up, not the whole file parsed.)"""
    want = str(uid).encode()
    return [pid for pid, status in _statuses()
            if want in _status_field(status, b"Uid").split()[:3] and
            not _status_field(status, b"State").strip().startswith((b"Z", b"X"))]


def tasks_of_current_user():
    uid = str(os.getuid()).encode()
    return sum(int(_status_field(status, b"Threads").strip() or 1)
               for _, status in _statuses()
               if _status_field(status, b"Uid").split()[:1] == [uid])


def ids_in_use(path, field=2):
    """Numeric ids named in /etc/passwd or /etc/group."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return {int(p[field]) for p in (ln.split(":") for ln in f)
                    if len(p) > field and p[field].isdigit()}
    except OSError:
        return set()
