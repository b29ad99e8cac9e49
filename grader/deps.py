"""The dependency audit: what the tools read while building a submission.

Every compile writes two dependency files next to its object: gcc -MD
(every header, system headers included, whatever hides them from -MMD)
and the assembler's --MD (the files .include and .incbin read, however
the directive was spelled in the C source). Host builds too. The audit
reads them all, after a failed build as well, and lists every file that
lies outside the kit and outside the compilers' own header folders.

A build that read such a file is refused, and none of its compiler output
reaches any report: an error inside /etc/passwd quotes its first line.
The compiler output is also searched for file names outside the allowed
folders (a compiler that died before writing its dependency file).
"""

import functools
import os
import re
import shutil
import subprocess

CROSS_PREFIXES = ("riscv64-unknown-elf-", "riscv64-linux-gnu-", "riscv64-elf-")


def cross_compiler():
    """The cross gcc the Makefile picks (CROSS_COMPILE, else the first found)."""
    prefix = os.environ.get("CROSS_COMPILE")
    if prefix is None:
        prefix = next((p for p in CROSS_PREFIXES if shutil.which(p + "gcc")), "")
    return prefix + "gcc"


@functools.lru_cache(maxsize=None)
def include_dirs(compiler):
    """The system header folders of a compiler (gcc -E -v), as real paths."""
    try:
        p = subprocess.run([compiler, "-E", "-v", "-x", "c", os.devnull],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return ()
    text = p.stderr.decode("utf-8", "replace")
    m = re.search(r"#include <\.\.\.> search starts here:\n(.*?)\nEnd of search list", text,
                  re.S)
    return tuple(os.path.realpath(d.strip()) for d in m.group(1).splitlines()) if m else ()


def _tiers(root):
    """The allowed folders in the order they are asked for: the kit, then
    each compiler's header folders (gcc -E -v: a process each, asked only
    when a path is left that needs them; the kit's freestanding images
    need the cross compiler's, only host builds the host compiler's)."""
    hostcc = os.environ.get("HOSTCC", "cc")
    return (lambda: (os.path.realpath(root),), lambda: include_dirs(cross_compiler()),
            lambda: include_dirs(hostcc))


def _outside(root, reals):
    """The paths of reals ({path: its real path}) inside none of the
    allowed folders."""
    left = dict(reals)
    for tier in _tiers(root):
        if not left:
            break
        allowed = tier()
        left = {p: r for p, r in left.items() if not _inside(r, allowed)}
    return sorted(left)


def _inside(path, dirs):
    return any(path == d or path.startswith(d + os.sep) for d in dirs)


def dep_paths(text):
    """The file names in a make dependency file (gcc -MD or as --MD)."""
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


def audit(root, build_dir):
    """Files the tools read that lie outside the kit root and the
    compilers' header folders, from every .d file under build_dir (sorted,
    as named in the dependency files)."""
    reals = {}      # each name once: the same headers are in every .d file
    for dirpath, _, files in os.walk(build_dir):
        for name in files:
            if not name.endswith(".d"):
                continue
            try:
                with open(os.path.join(dirpath, name), encoding="utf-8",
                          errors="replace") as f:
                    deps = dep_paths(f.read())
            except OSError:
                continue
            for p in deps:
                if p not in reals:
                    reals[p] = os.path.realpath(os.path.join(root, p))
    return _outside(root, reals)


# A file the output quotes from: "path:line[:col]:" (a diagnostic, which
# may show the line) or "from path:line" (an include chain).
_PATH_IN_OUTPUT = re.compile(r"(?:^|[\s'\"`(])(/[^\s:'\"`()]+):\d+[:,]", re.M)


def paths_in_output(root, output):
    """Absolute names of existing files outside the allowed folders that
    compiler or assembler diagnostics quote ("/etc/passwd:1:5: error: ...")."""
    reals = {}
    for p in _PATH_IN_OUTPUT.findall(output):
        real = os.path.realpath(p)
        if os.path.exists(real):
            reals[p] = real
    return _outside(root, reals)
