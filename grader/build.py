"""Build a lab image with the kit's Makefile."""

import os
import re
import signal
import subprocess

from . import qemu

# Every variable that picks the sources is set explicitly: a grader started
# by make (make grade SKELETON=1) passes its own command-line variables on
# to this make through MAKEFLAGS, and they must not change what is built.
# COMPDB=: a graded build leaves the editor's compile_commands.json alone.
_PLAIN = ["SOLUTION=", "SKELETON=", "BENCH=", "FUZZ=", "COMPDB="]
VARIANT_ARGS = {"student": _PLAIN, "sol": _PLAIN + ["SOLUTION=1"],
                "skel": _PLAIN + ["SKELETON=1"]}
VARIANT_NAMES = {"student": "your files", "sol": "solutions",
                 "skel": "skeleton (earlier labs from solutions)"}
BUILD_TIMEOUT = 300
OUTPUT_KEPT = 64 * 1024         # characters of compiler output kept for the report

# Limits for building code we do not trust (grade --submission): a source
# that makes the compiler read /dev/zero or emit a huge object stops here.
UNTRUSTED_TIMEOUT = 120
UNTRUSTED_ULIMITS = "ulimit -v 4194304 -f 262144 -t 120"   # 4 GiB, 256 MiB files, 120 s CPU


class BuildResult:
    def __init__(self, ok, kernel, output):
        self.ok = ok
        self.kernel = kernel
        self.output = output


def kernel_path(root, lab, variant):
    return os.path.join(root, "build", f"{lab.dirname}-{variant}", "hyp.elf")


def build(root, lab, variant, extra_make_args=(), untrusted=False):
    """make LAB=n in root. untrusted: resource limits, a shorter timeout, and
    an audit of what the compiler read (audit_deps)."""
    cmd = ["make", "--no-print-directory", "-C", root, "build", f"LAB={lab.number}",
           *VARIANT_ARGS[variant], *extra_make_args]
    timeout = BUILD_TIMEOUT
    if untrusted:
        cmd = ["bash", "-c", UNTRUSTED_ULIMITS + ' && exec "$@"', "build", *cmd]
        timeout = UNTRUSTED_TIMEOUT
    ok, out = _run(cmd, timeout)
    kernel = kernel_path(root, lab, variant)
    if ok and untrusted:
        outside = audit_deps(root, os.path.dirname(kernel))
        if outside:
            ok = False
            out += ("\ngrader: build refused: the sources read files outside the kit: "
                    + ", ".join(outside[:5]))
    return BuildResult(ok and os.path.isfile(kernel), kernel, out)


def _run(cmd, timeout):
    """Run a build in its own process group, registered so that Ctrl-C or a
    SIGTERM of the grader stops it; kill the whole group at the timeout."""
    try:
        proc = qemu.start_tracked(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
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
