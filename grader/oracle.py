"""Host tests' oracles: the programs that judge a host test.

A lab's host test (lab.json "host": true) is two programs. host-test,
built with the student's files, only turns the data it is sent into
answers; it runs in the sandbox. host-oracle, built from the kit's files
only (test/lab.mk HOST_ORACLE_SRCS), makes the data, starts host-test,
reads the answers and prints the CHECK lines. The grader builds each
lab's oracle once per process, from the kit the lab was loaded from (the
instructor's, never a submission's private copy), into a folder of its
own that no sandboxed run can write, and runs it outside the sandbox.
"""

import atexit
import os
import subprocess
import tempfile
import threading

from . import sandbox
from .build import VARIANT_ARGS, _run

BUILD_TIMEOUT = 120

_lock = threading.Lock()
_built = {}         # lab dirname -> (path or None, error text)
_dir = None


def kit_root(lab):
    """The kit a lab was loaded from (labs/NN-name/lab.json)."""
    return os.path.dirname(os.path.dirname(os.path.abspath(lab.dir)))


def _folder():
    global _dir
    if _dir is None:
        _dir = tempfile.mkdtemp(prefix="rvh-oracles-")
        os.chmod(_dir, 0o755)
        atexit.register(_forget)
    return _dir


def _forget():
    from . import ownership
    ownership.rmtree_quiet(_dir)


def oracle_for(lab):
    """(path to the lab's host-oracle, "") or (None, why it did not build)."""
    with _lock:
        if lab.dirname not in _built:
            _built[lab.dirname] = _build(lab)
        return _built[lab.dirname]


def _build(lab):
    root = kit_root(lab)
    out_dir = os.path.join(_folder(), lab.dirname)
    out = os.path.join(out_dir, "host-oracle")
    cmd = ["make", "--no-print-directory", "-C", root, "host-oracle", f"LAB={lab.number}",
           *VARIANT_ARGS["student"], f"HOST_ORACLE={out}"]
    try:
        with sandbox.detect().jail(root, writable=[out_dir]) as j:
            j.make_tmpdir()
            ok, text = _run(j.wrap(cmd), BUILD_TIMEOUT, env=j.env, cwd=j.cwd)
    except (sandbox.SandboxError, OSError, subprocess.SubprocessError) as e:
        return None, f"cannot build the oracle: {e}"
    if not ok or not os.path.isfile(out):
        return None, "the kit's host-test oracle did not build: " + text.strip()[-500:]
    return out, ""


def command(oracle, producer, params):
    """The oracle's command line around the (sandboxed) producer's."""
    return [oracle, params["nonce"], f"{params['seed']:#x}", "--", *producer]
