"""Host tests' oracles: the programs that judge a host test.

A lab's host test (lab.json "host": true) is two programs. host-test,
built with the student's files, only turns the data it is sent into
answers; it runs in the sandbox. host-oracle, built from the kit's files
only (test/lab.mk HOST_ORACLE_SRCS), makes the data, starts host-test,
reads the answers and prints the CHECK lines. The grader builds each
lab's oracle from the kit the lab was loaded from (the instructor's,
never a submission's private copy), once for as long as that kit does not
change, into a folder that no sandboxed run can write, and runs it
outside the sandbox.
"""

import hashlib
import os
import shutil
import subprocess
import tempfile
import threading

from . import ownership, sandbox
from .build import VARIANT_ARGS, _run

BUILD_TIMEOUT = 120

_lock = threading.Lock()
_built = {}         # lab dirname -> (path or None, error text)


def kit_root(lab):
    """The kit a lab was loaded from (labs/NN-name/lab.json)."""
    return os.path.dirname(os.path.dirname(os.path.abspath(lab.dir)))


def oracle_for(lab):
    """(path to the lab's host-oracle, "") or (None, why it did not build)."""
    with _lock:
        if lab.dirname not in _built:
            _built[lab.dirname] = _find_or_build(lab)
        return _built[lab.dirname]


def fingerprint(root, lab):
    """A digest of everything the oracle is built from: the Makefile, the
    lab's test/ folder and the kit's headers."""
    h = hashlib.sha256()
    files = [os.path.join(root, "Makefile")]
    for top in (os.path.join(lab.dir, "test"), os.path.join(root, "common", "include")):
        for dirpath, dirnames, names in os.walk(top):
            dirnames.sort()
            files += [os.path.join(dirpath, n) for n in sorted(names)]
    for path in files:
        h.update(os.path.relpath(path, root).encode() + b"\0")
        with open(path, "rb") as f:
            h.update(f.read() + b"\0")
    return h.hexdigest()[:20]


def _find_or_build(lab):
    """Oracles are kept in the kit's build/oracles/<lab>-<fingerprint>/: a
    grader process (each submission of a batch has one) builds one only
    when the kit changed. Built in a folder of its own, then renamed into
    place; no sandboxed run can write there."""
    root = kit_root(lab)
    try:
        cache = os.path.join(root, "build", "oracles", f"{lab.dirname}-{fingerprint(root, lab)}")
    except OSError as e:
        return None, f"cannot read the kit's oracle sources: {e}"
    out = os.path.join(cache, "host-oracle")
    if os.path.isfile(out):
        return out, ""
    try:
        _open_folders(root, os.path.dirname(cache))
        tmp = tempfile.mkdtemp(prefix=".new-", dir=os.path.dirname(cache))
        os.chmod(tmp, 0o755)
    except OSError as e:
        return None, f"cannot make a folder for the oracle: {e}"
    try:
        ok, text = _build(lab, root, os.path.join(tmp, "host-oracle"))
        if not ok:
            return None, text
        try:
            os.rename(tmp, cache)
        except OSError:
            pass            # another grader put one there first: use it
        return (out, "") if os.path.isfile(out) else (None, "the oracle vanished")
    finally:
        ownership.rmtree_quiet(tmp)


def _open_folders(root, path):
    """Make the folders from root down to path that are missing, enterable
    by the sandbox's uids whatever the grader's umask (077 for submissions)."""
    parts = os.path.relpath(path, root).split(os.sep)
    for i in range(1, len(parts) + 1):
        d = os.path.join(root, *parts[:i])
        try:
            os.mkdir(d)
            os.chmod(d, 0o755)
        except FileExistsError:
            pass


def _build(lab, root, out):
    cmd = ["make", "--no-print-directory", "-C", root, "host-oracle", f"LAB={lab.number}",
           *VARIANT_ARGS["student"], f"HOST_ORACLE={out}"]
    try:
        with sandbox.detect().jail(root, writable=[os.path.dirname(out)]) as j:
            j.make_tmpdir()
            ok, text = _run(j.wrap(cmd), BUILD_TIMEOUT, env=j.env, cwd=j.cwd)
    except (sandbox.SandboxError, OSError, subprocess.SubprocessError) as e:
        return False, f"cannot build the oracle: {e}"
    shutil.rmtree(os.path.join(os.path.dirname(out), ".tmp"), ignore_errors=True)
    if not ok or not os.path.isfile(out):
        return False, "the kit's host-test oracle did not build: " + text.strip()[-500:]
    return True, ""


def command(oracle, producer, params):
    """The oracle's command line around the (sandboxed) producer's."""
    return [oracle, params["nonce"], f"{params['seed']:#x}", "--", *producer]
