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


def allowed_dirs(root):
    hostcc = os.environ.get("HOSTCC", "cc")
    return (os.path.realpath(root),) + include_dirs(cross_compiler()) + include_dirs(hostcc)


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


def audit(root, build_dir, dirs=None):
    """Files the tools read that lie outside the kit root and the
    compilers' header folders, from every .d file under build_dir (sorted,
    as named in the dependency files)."""
    dirs = dirs or allowed_dirs(root)
    outside = set()
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
                if not _inside(os.path.realpath(os.path.join(root, p)), dirs):
                    outside.add(p)
    return sorted(outside)


# A file the output quotes from: "path:line[:col]:" (a diagnostic, which
# may show the line) or "from path:line" (an include chain).
_PATH_IN_OUTPUT = re.compile(r"(?:^|[\s'\"`(])(/[^\s:'\"`()]+):\d+[:,]", re.M)


def paths_in_output(root, output, dirs=None):
    """Absolute names of existing files outside the allowed folders that
    compiler or assembler diagnostics quote ("/etc/passwd:1:5: error: ...")."""
    dirs = dirs or allowed_dirs(root)
    found = set()
    for p in _PATH_IN_OUTPUT.findall(output):
        real = os.path.realpath(p)
        if os.path.exists(real) and not _inside(real, dirs):
            found.add(p)
    return sorted(found)
