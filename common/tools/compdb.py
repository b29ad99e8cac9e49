#!/usr/bin/env python3
"""compdb.py: `make compdb` (and every `make LAB=n`) writes the compilation
database that clangd and VS Code's C/C++ extension read: one entry per source
file of the lab being built, with the exact command make compiles it with.

    compdb.py OUT --cmd ARGV... --files FILE... [--cmd ARGV... --files FILE...]...

Each group: the compiler and its flags, then the files compiled with them
(a file in two groups keeps its first entry first). OUT is rewritten only when
its content changes. Python 3 standard library only.
"""

import json
import os
import sys


def parse(words):
    """[(argv, [files])] from the --cmd/--files groups."""
    groups, argv, files, mode = [], None, None, None
    for w in words:
        if w == "--cmd":
            if argv is not None:
                groups.append((argv, files or []))
            argv, files, mode = [], [], "cmd"
        elif w == "--files" and mode == "cmd":
            mode = "files"
        elif mode == "cmd":
            argv.append(w)
        elif mode == "files":
            files.append(w)
        else:
            raise SystemExit(f"compdb.py: {w!r} before --cmd")
    if argv is not None:
        groups.append((argv, files or []))
    return groups


def entries(groups, directory):
    out = []
    for argv, files in groups:
        for f in files:
            out.append({"directory": directory, "file": os.path.join(directory, f),
                        "arguments": [*argv, "-c", f]})
    return out


def write_if_changed(path, text):
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return False
    except OSError:
        pass
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
    return True


def main(argv):
    if len(argv) < 2 or argv[1].startswith("-"):
        raise SystemExit(__doc__.strip().splitlines()[3].strip())
    db = entries(parse(argv[2:]), os.getcwd())
    write_if_changed(argv[1], json.dumps(db, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
