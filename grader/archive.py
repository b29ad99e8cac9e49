"""Unpack a student's .zip / .tar.gz / .tgz / .tar without trusting it.

Member names are checked before anything is written: an absolute name, a
".." component, a drive letter or a NUL refuses the whole archive. Links,
devices and FIFOs are never created (they are skipped and listed). Sizes
are counted while writing, not taken from the headers (which may lie), and
the member count, each file and the total are capped.
"""

import os
import re
import shutil
import stat
import tarfile
import zipfile
import zlib

MAX_MEMBERS = 10000
MAX_FILE_BYTES = 16 << 20
MAX_TOTAL_BYTES = 64 << 20
SUFFIXES = (".tar.gz", ".tgz", ".tar", ".zip")


class ArchiveError(Exception):
    """The archive cannot be used (unreadable, unsafe or too large)."""


def archive_kind(name):
    """The archive suffix of a file name, or None."""
    low = name.lower()
    return next((s for s in SUFFIXES if low.endswith(s)), None)


def stem(name):
    kind = archive_kind(name)
    return name[:-len(kind)] if kind else name


def safe_name(name):
    """A member name as a relative path inside the destination, or raise."""
    n = name.replace("\\", "/")
    if "\0" in n or n.startswith("/") or re.match(r"^[A-Za-z]:", n):
        raise ArchiveError(f"unsafe member name {name!r} (absolute)")
    parts = [p for p in n.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ArchiveError(f"unsafe member name {name!r} (goes up with '..')")
    return "/".join(parts)


class _Budget:
    def __init__(self, limits):
        self.max_members, self.max_file, self.max_total = limits
        self.members = 0
        self.total = 0

    def member(self):
        self.members += 1
        if self.members > self.max_members:
            raise ArchiveError(f"more than {self.max_members} members")

    def copy(self, src, dst_path, name):
        """Copy a member's stream, counting what really comes out."""
        written = 0
        with open(dst_path, "wb") as out:
            while True:
                chunk = src.read(1 << 16)
                if not chunk:
                    return
                written += len(chunk)
                self.total += len(chunk)
                if written > self.max_file:
                    raise ArchiveError(f"{name!r} is larger than {self.max_file >> 20} MiB")
                if self.total > self.max_total:
                    raise ArchiveError(f"more than {self.max_total >> 20} MiB in all")
                out.write(chunk)


def _target(dest, rel):
    path = os.path.join(dest, *rel.split("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.lexists(path) and not os.path.isfile(path):
        raise ArchiveError(f"{rel!r} appears twice, as a folder and as a file")
    return path


def _extract_zip(path, dest, budget, skipped):
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            budget.member()
            rel = safe_name(info.filename)
            mode = info.external_attr >> 16
            if not rel:
                continue
            if info.is_dir():
                os.makedirs(os.path.join(dest, *rel.split("/")), exist_ok=True)
            elif stat.S_IFMT(mode) and not stat.S_ISREG(mode):
                skipped.append(rel)     # a symbolic link (or a device) from a Unix zip
            else:
                with z.open(info) as src:
                    budget.copy(src, _target(dest, rel), rel)


def _extract_tar(path, dest, budget, skipped):
    with tarfile.open(path, "r:*") as tf:
        for m in tf:
            budget.member()
            rel = safe_name(m.name)
            if not rel:
                continue
            if m.isdir():
                os.makedirs(os.path.join(dest, *rel.split("/")), exist_ok=True)
            elif m.isreg():
                src = tf.extractfile(m)
                with src:
                    budget.copy(src, _target(dest, rel), rel)
            else:
                skipped.append(rel)     # links, devices, FIFOs: never created


def extract(path, dest, limits=(MAX_MEMBERS, MAX_FILE_BYTES, MAX_TOTAL_BYTES)):
    """Unpack archive path into the (new or empty) folder dest. Returns the
    member names that were skipped. Raises ArchiveError; dest is then left
    empty."""
    kind = archive_kind(os.path.basename(path))
    if kind is None:
        raise ArchiveError("not a .zip, .tar.gz, .tgz or .tar file")
    os.makedirs(dest, exist_ok=True)
    budget, skipped = _Budget(limits), []
    try:
        if kind == ".zip":
            _extract_zip(path, dest, budget, skipped)
        else:
            _extract_tar(path, dest, budget, skipped)
    except ArchiveError:
        _empty(dest)
        raise
    except (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, OSError,
            RuntimeError, ValueError, NotImplementedError) as e:
        _empty(dest)
        raise ArchiveError(f"cannot read it: {type(e).__name__}: {e}") from None
    return skipped


def _empty(dest):
    for name in os.listdir(dest):
        p = os.path.join(dest, name)
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p, ignore_errors=True)
        else:
            try:
                os.unlink(p)
            except OSError:
                pass
