"""Build a lab image with the kit's Makefile."""

import os
import re
import shutil
import signal
import subprocess

from . import labspec, qemu, sandbox

# Every variable that picks the sources is set explicitly: a grader started
# by make (make grade SKELETON=1) passes its own command-line variables on
# to this make through MAKEFLAGS, and they must not change what is built.
_PLAIN = ["SOLUTION=", "SKELETON=", "BENCH=", "FUZZ="]
VARIANT_ARGS = {"student": _PLAIN, "sol": _PLAIN + ["SOLUTION=1"],
                "skel": _PLAIN + ["SKELETON=1"]}
VARIANT_NAMES = {"student": "your files", "sol": "solutions",
                 "skel": "skeleton (earlier labs from solutions)"}
BUILD_TIMEOUT = 300
OUTPUT_KEPT = 64 * 1024         # characters of compiler output kept for the report

# Every build runs in the sandbox (grader/sandbox.py) with its limits
# (sandbox.BUILD_LIMITS: a source that makes the compiler read /dev/zero or
# emit a huge object stops there); code we do not trust (grade --submission)
# also gets a shorter time limit and an audit of what the tools read.
UNTRUSTED_TIMEOUT = 120


class BuildResult:
    def __init__(self, ok, kernel, output):
        self.ok = ok
        self.kernel = kernel
        self.output = output


def kernel_path(root, lab, variant):
    return os.path.join(root, "build", f"{lab.dirname}-{variant}", "hyp.elf")


def shared_readonly(root):
    """What a sandbox over the kit root also sees, read-only: the instructor
    kit's cached Linux kernel (build/linux/) at the same place in a private
    kit, which has none of its own."""
    src = os.path.join(labspec.ROOT, "build", "linux")
    dst = os.path.join(root, "build", "linux")
    if os.path.isdir(src) and os.path.realpath(src) != os.path.realpath(dst):
        return [(src, dst)]
    return []


def build(root, lab, variant, extra_make_args=(), untrusted=False):
    """make LAB=n in root, in the sandbox: only build/<lab>-<variant>/ is
    writable. untrusted: a shorter timeout, and an audit of what the
    compiler read (audit_deps)."""
    kernel = kernel_path(root, lab, variant)
    # HOST_ORACLE_SRCS=: the grader judges host tests with an oracle it
    # builds from its own kit (grader/oracle.py), not with one from here.
    cmd = ["make", "--no-print-directory", "-C", root, "build", f"LAB={lab.number}",
           *VARIANT_ARGS[variant], "HOST_ORACLE_SRCS=", *extra_make_args]
    timeout = UNTRUSTED_TIMEOUT if untrusted else BUILD_TIMEOUT
    build_dir = os.path.dirname(kernel)
    try:
        with sandbox.detect().jail(root, writable=[build_dir],
                                   readonly=shared_readonly(root)) as j:
            tmp = j.make_tmpdir()
            ok, out = _run(j.wrap(cmd), timeout, env=j.env, cwd=j.cwd)
            shutil.rmtree(tmp, ignore_errors=True)
    except (sandbox.SandboxError, OSError) as e:
        return BuildResult(False, kernel, f"grader: cannot sandbox the build: {e}")
    if ok and untrusted:
        outside = audit_deps(root, os.path.dirname(kernel))
        if outside:
            ok = False
            out += ("\ngrader: build refused: the sources read files outside the kit: "
                    + ", ".join(outside[:5]))
    return BuildResult(ok and os.path.isfile(kernel), kernel, out)


def _run(cmd, timeout, env=None, cwd=None):
    """Run a build in its own process group, registered so that Ctrl-C or a
    SIGTERM of the grader stops it; kill the whole group at the timeout."""
    try:
        proc = qemu.start_tracked(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, env=env, cwd=cwd)
    except OSError as e:
        return False, f"cannot run make: {e}"
    if proc is None:
        return False, "not started: the grader is stopping"
    try:
        data, _ = proc.communicate(timeout=timeout)
        ok = proc.returncode == 0
        out = data.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        _killpg(proc)
        try:
            proc.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        ok, out = False, f"build did not finish in {timeout} s"
    finally:
        _killpg(proc)       # nothing the build started may outlive it
        qemu.untrack(proc)
    return ok, out[-OUTPUT_KEPT:]


def _killpg(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _dep_paths(text):
    """The file names in a make dependency file written by gcc -MMD."""
    text = text.replace("\\\n", " ")
    paths = []
    for line in text.splitlines():
        _, sep, deps = line.partition(": ")
        if not sep:
            deps = line[:-1] if line.endswith(":") else ""
        for word in re.split(r"(?<!\\)\s+", deps.strip()):
            if word:
                paths.append(word.replace("\\ ", " "))
    return paths


def audit_deps(root, build_dir):
    """Files the compiler read that lie outside root, from the .d files it
    wrote (gcc -MMD lists every header a source included, by the path it
    was found at). A student file that includes "/elsewhere/solution.c" or
    "../../../../x" shows up here. A tripwire, not a sandbox: see
    docs/instructors.md."""
    real_root = os.path.realpath(root)
    outside = []
    for dirpath, _, files in os.walk(build_dir):
        for name in files:
            if not name.endswith(".d"):
                continue
            try:
                with open(os.path.join(dirpath, name), encoding="utf-8",
                          errors="replace") as f:
                    deps = _dep_paths(f.read())
            except OSError:
                continue
            for p in deps:
                full = os.path.realpath(os.path.join(root, p))
                if not (full == real_root or full.startswith(real_root + os.sep)):
                    outside.append(p)
    return sorted(set(outside))
