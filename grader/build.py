"""Build a lab image with the kit's Makefile."""

import os
import re
import select
import shutil
import signal
import subprocess
import time

from . import deps, labspec, qemu, sandbox, sanitize, symbols

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
# A build that prints more than this is stopped: the grader reads the output
# of every build, and a source that makes the compiler warn millions of times
# would otherwise fill the grader's memory until the timeout (gigabytes). A
# full cold build of every lab prints a few KiB.
OUTPUT_CAP = 4 << 20

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
    if not os.path.isdir(src) or os.path.realpath(src) == os.path.realpath(dst):
        return []
    # bubblewrap binds over a folder that exists: a kit copy made without
    # one (a handout being verified, a test's copy) gets an empty one here,
    # by the grader, before the kit is bound read-only.
    try:
        os.makedirs(dst, exist_ok=True)
    except OSError:
        return []
    return [(src, dst)]


# What a seedable file goes into: a host test's objects (host-obj/) make
# host-test, linked after the image in a cold build; everything else (obj/,
# the guest's objects and image, flags.txt) ends in the image.
SEED_IMAGE = "hyp.elf"
SEED_PROGRAMS = {"host-obj": "host-test"}


def _seedable(rel):
    """Whether a file of the kit's solution build may start a private
    build: objects (and their dependency files) of kit files only, never
    of solutions/, never an image or program, never guest_blob (its
    .incbin names the solution build's own guest.bin)."""
    parts = rel.split(os.sep)
    if "solutions" in parts or parts[0] == ".tmp" or parts[-1].startswith("guest_blob."):
        return False
    return rel == "flags.txt" or rel.endswith((".o", ".d")) or \
        rel in ("guest.elf", "guest.bin")


def seed(root, lab, build_dir):
    """A private kit's first build of a lab (a submission, a batch, the
    handout's verification) starts from the instructor kit's own objects of
    the kit's files: common/, the lab's test harness and guest (from
    build/<lab>-sol, built by the instructor's make, trusted). make then
    compiles only the student's files (installed fresh, so newer) and
    whatever its dependency files say is older than its sources, headers or
    flags, exactly as in a warm build. The copy's own sources decide what is
    built and linked, as in a cold build: a header missing from it stops
    make, a seeded object whose source is missing is not linked. Each
    dependency file names its object:
    rewritten for build_dir. Nothing is seeded from a kit build that is not
    finished (a file newer than the program it goes into, or that program
    missing: a make still running)."""
    src = os.path.join(labspec.ROOT, "build", f"{lab.dirname}-sol")
    if os.path.realpath(root) == os.path.realpath(labspec.ROOT) or os.path.exists(build_dir):
        return 0
    try:
        done = {}       # program -> its mtime
        for program in set(SEED_PROGRAMS.values()) | {SEED_IMAGE}:
            try:
                done[program] = os.stat(os.path.join(src, program)).st_mtime_ns
            except FileNotFoundError:
                pass
        files = []
        for d, _, names in os.walk(src):
            for n in names:
                rel = os.path.relpath(os.path.join(d, n), src)
                if _seedable(rel):
                    program = SEED_PROGRAMS.get(rel.split(os.sep)[0], SEED_IMAGE)
                    if program not in done or \
                            os.stat(os.path.join(src, rel)).st_mtime_ns > done[program]:
                        return 0
                    files.append(rel)
    except OSError:
        return 0
    # Their paths into the build: relative ones (make's) and absolute ones
    # (the assembler's input in the build's TMPDIR, .as.d), whatever folder
    # the kit was in when it built them (a kit copy keeps its original's).
    rel_new = os.path.relpath(build_dir, root) + "/"
    into_build = re.compile(r"(?<!\S)(/\S*/)?build/" + re.escape(f"{lab.dirname}-sol/"))

    def rename(m):
        return (os.path.abspath(root) + "/" if m.group(1) else "") + rel_new
    try:
        for rel in files:
            s, t = os.path.join(src, rel), os.path.join(build_dir, rel)
            os.makedirs(os.path.dirname(t), exist_ok=True)
            if rel.endswith(".d"):
                with open(s, encoding="utf-8", errors="surrogateescape") as f:
                    text = f.read()
                with open(t, "w", encoding="utf-8", errors="surrogateescape") as f:
                    f.write(into_build.sub(rename, text))
                shutil.copystat(s, t)
            else:
                shutil.copy2(s, t)
    except OSError:
        shutil.rmtree(build_dir, ignore_errors=True)     # a cold build, then
        return 0
    return len(files)


def build(root, lab, variant, extra_make_args=(), untrusted=False):
    """make LAB=n in root, in the sandbox: only build/<lab>-<variant>/ is
    writable. untrusted: a shorter timeout, and an audit of what the
    compiler read (audit_deps). A private kit's first build is seeded
    with the kit's own objects of kit files (seed())."""
    kernel = kernel_path(root, lab, variant)
    if not extra_make_args:
        seed(root, lab, os.path.dirname(kernel))
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
    if untrusted:
        outside = deps.audit(root, build_dir) or deps.paths_in_output(root, out)
        if outside:
            # Not a word of the compiler's output: it may quote those files.
            return BuildResult(False, kernel, "grader: build refused: the sources read files "
                               "outside the kit (their contents are not shown): "
                               + ", ".join(outside[:5]))
    if ok or os.path.isfile(kernel):        # a failed host build: say why too
        refused = symbol_check(root, lab, variant, build_dir)
        if refused:
            ok = False
            out += "\ngrader: build refused by the symbol check:\n" + \
                "\n".join("  " + p for p in refused[:20])
    return BuildResult(ok and os.path.isfile(kernel), kernel, out)


def sandboxed_make(root, make_args, build_dir, timeout=BUILD_TIMEOUT):
    """make ARGS in root, in the sandbox, build_dir writable (the
    instructors' images of make bench and make fuzz). (ok, output)."""
    # COMPDB=: the editor's compile_commands.json is not the tools' business
    # (and build/ outside build_dir is read-only in the sandbox).
    cmd = ["make", "--no-print-directory", "-C", root, "COMPDB=", *make_args]
    try:
        with sandbox.detect().jail(root, writable=[build_dir],
                                   readonly=shared_readonly(root)) as j:
            j.make_tmpdir()
            return _run(j.wrap(cmd), timeout, env=j.env, cwd=j.cwd)
    except (sandbox.SandboxError, OSError) as e:
        return False, f"grader: cannot sandbox the build: {e}"


def symbol_check(root, lab, variant, build_dir):
    """grader/symbols.py on the image just built: what its student objects
    define and use that their labs do not allow (an empty list: nothing)."""
    try:
        labs = [other for other in labspec.load_labs(root) if other.number <= lab.number]
    except labspec.SpecError as e:
        return [f"the kit's lab files cannot be read: {e}"]
    return symbols.check(root, build_dir, labs, lab, variant)


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
        tail, why = _read_tail(proc, time.monotonic() + timeout)
        if why == "flood":
            ok = False
            out = sanitize.raw(tail)[-OUTPUT_KEPT:] + \
                f"\ngrader: build stopped: more than {OUTPUT_CAP >> 20} MiB of compiler " \
                "output (the last of it above)"
        elif why == "timeout":
            ok, out = False, f"build did not finish in {timeout} s"
        else:
            ok, out = proc.returncode == 0, sanitize.raw(tail)[-OUTPUT_KEPT:]
    finally:
        _killpg(proc)       # nothing the build started may outlive it
        proc.stdout.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        qemu.untrack(proc)
    return ok, out


def _read_tail(proc, deadline):
    """The build's output until it ends: (its last bytes, None); or it is
    stopped at the deadline ("timeout") or past OUTPUT_CAP bytes ("flood").
    Only the end is kept, never the whole of a flood."""
    fd = proc.stdout.fileno()
    poll = select.poll()
    poll.register(fd, select.POLLIN)
    tail, total = bytearray(), 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return tail, "timeout"
        if not poll.poll(left * 1000):
            continue
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        total += len(chunk)
        tail += chunk
        if len(tail) > 8 * OUTPUT_KEPT:
            del tail[:-4 * OUTPUT_KEPT]     # bytes: a character may take 4
        if total > OUTPUT_CAP:
            return tail, "flood"
    try:
        proc.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        return tail, "timeout"
    return tail, None


def _killpg(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
