"""Unpack a student's .zip / .tar.gz / .tgz / .tar without trusting it.

Member names are checked before anything is written: an absolute name, a
".." component, a drive letter, a NUL or more than MAX_DEPTH folders
refuses the whole archive. Links, devices and FIFOs are never created (they
are skipped and listed). A member whose header announces more than the
per-file limit refuses the archive before a byte of it is read. Sizes are
counted while writing, not taken from the headers (which may lie), and a
tar's whole decompressed stream is counted too, skipped and unknown
members included (a small bzip2 file can hide gigabytes of them): past the
budget, or past the deadline, the archive is refused. The member count,
each file and the total are capped. Any bytes may appear in names.
"""

import bz2
import errno
import gzip
import lzma
import os
import re
import stat
import struct
import tarfile
import time
import zipfile
import zlib

from . import ownership

MAX_MEMBERS = 10000
MAX_FILE_BYTES = 16 << 20
MAX_TOTAL_BYTES = 64 << 20
MAX_ARCHIVE_BYTES = 256 << 20   # the archive file itself
MAX_DEPTH = 64                  # folders in a member's name
# A zip's central directory is read whole (zipfile) before any member, as
# far as its size says, whatever its count says: 5.6 million entries that all
# point at one member took 23 s and 2.3 GB to read before the member count
# refused them. The end record says both: they are checked first, the size
# against the count too (an entry takes 46 bytes and its name, extra field
# and comment: 1 KiB each on average is more than any real archive needs).
MAX_ZIP_DIRECTORY = 4 << 20
ZIP_ENTRY_BYTES = 1024
# Members zipfile unpacks in pieces it can bound (bzip2 and LZMA members are
# unpacked whole before their size is checked: 921 bytes took 2 GB).
ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
STREAM_SLACK = 16 << 20         # tar headers and padding on top of the members' bytes
# tarfile copies a pax global header's keys into every later member, and
# keeps every member: a 198 KB archive of a million keys and 2,000 members
# took 4 GiB in 24 s. git archive (GitHub's "Download") writes one of 52
# bytes (the commit id).
MAX_GLOBAL_PAX = 1024           # bytes of pax global headers in one archive
# Every member's own pax header (and GNU long name) is kept with it too: each
# at most 64 KiB, all of them at most 4 MiB (long names of 10,000 members).
MAX_HEADER = 64 << 10
MAX_HEADERS = 4 << 20
_HEADER_TYPES = (tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.SOLARIS_XHDTYPE,
                 tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK)
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
    if len(parts) > MAX_DEPTH:
        raise ArchiveError(f"a member is more than {MAX_DEPTH} folders deep")
    return "/".join(parts)


class _Budget:
    def __init__(self, limits, deadline):
        self.max_members, self.max_file, self.max_total = limits
        self.deadline = deadline
        self.members = 0
        self.total = 0

    def in_time(self):
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise ArchiveError("unpacking it took longer than the submission's time limit")

    def member(self, name="", announced=0):
        self.members += 1
        self.in_time()
        if self.members > self.max_members:
            raise ArchiveError(f"more than {self.max_members} members")
        if announced > self.max_file:
            raise ArchiveError(f"{name!r} is larger than {self.max_file >> 20} MiB "
                               f"(its header says {announced} bytes)")

    def copy(self, src, dst_path, name):
        """Copy a member's stream, counting what really comes out."""
        written = 0
        with open(dst_path, "wb") as out:
            while True:
                self.in_time()
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


class _Counted:
    """A read-only stream that counts what comes out of it (a tar's
    decompressed bytes, whatever tarfile does with them: members it
    extracts, members it skips) and stops at the budget or the deadline."""

    def __init__(self, raw, limit, budget, underlying):
        self.raw, self.limit, self.budget, self.count = raw, limit, budget, 0
        self.underlying = underlying

    def read(self, n=-1):
        self.budget.in_time()
        if n is None or n < 0 or n > 1 << 20:
            n = 1 << 20
        data = self.raw.read(n)
        self.count += len(data)
        if self.count > self.limit:
            raise ArchiveError(f"it unpacks to more than {self.limit >> 20} MiB")
        return data

    def close(self):
        self.raw.close()
        self.underlying.close()


_MAGIC = ((b"\x1f\x8b", lambda f: gzip.GzipFile(fileobj=f, mode="rb")),
          (b"BZh", bz2.BZ2File), (b"\xfd7zXZ\x00", lzma.LZMAFile))


def _tar_stream(f, budget):
    """The archive's decompressed tar stream, counted (compression found by
    its magic bytes, whatever the file is called)."""
    head = f.read(6)
    f.seek(0)
    raw = f
    for magic, opener in _MAGIC:
        if head.startswith(magic):
            raw = opener(f)
            break
    return _Counted(raw, budget.max_total + STREAM_SLACK, budget, f)


def _target(dest, rel):
    path = os.path.join(dest, *rel.split("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.lexists(path) and not os.path.isfile(path):
        raise ArchiveError(f"{rel!r} appears twice, as a folder and as a file")
    return path


_ZIP_END = struct.Struct("<4s4H2LH")        # end of central directory record
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_END = struct.Struct("<4sQ2H2L4Q")


def _zip_directory(f):
    """(members, bytes) of a zip's central directory, as its end record
    says (zip64 included), found the way zipfile finds it: at the very end,
    else the last signature in the last 64 KiB (a comment may follow)."""
    size = f.seek(0, os.SEEK_END)
    start = max(0, size - _ZIP_END.size - 0xFFFF)
    f.seek(start)
    tail = f.read()
    at = len(tail) - _ZIP_END.size
    if not (at >= 0 and tail[at:at + 4] == b"PK\x05\x06" and tail[-2:] == b"\0\0"):
        at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _ZIP_END.size:
        raise ArchiveError("cannot read it: not a zip file (no end record)")
    _, _, _, _, members, nbytes, _, _ = _ZIP_END.unpack_from(tail, at)
    # zip64: a locator right before the end record, and the zip64 end
    # record right before the locator (where zipfile reads it, whatever
    # offset the locator names).
    loc = start + at - _ZIP64_LOCATOR.size
    if loc - _ZIP64_END.size >= 0:
        f.seek(loc - _ZIP64_END.size)
        rec = f.read(_ZIP64_END.size + _ZIP64_LOCATOR.size)
        if rec[_ZIP64_END.size:_ZIP64_END.size + 4] == b"PK\x06\x07" and \
                rec[:4] == b"PK\x06\x06":
            fields = _ZIP64_END.unpack_from(rec)
            members, nbytes = fields[7], fields[8]
    return members, nbytes


def _extract_zip(f, dest, budget, skipped):
    members, nbytes = _zip_directory(f)
    if members > budget.max_members:
        raise ArchiveError(f"more than {budget.max_members} members")
    if nbytes > MAX_ZIP_DIRECTORY or nbytes > max(members, 1) * ZIP_ENTRY_BYTES:
        raise ArchiveError(f"its list of members is larger than {MAX_ZIP_DIRECTORY >> 20} MiB "
                           f"or than {ZIP_ENTRY_BYTES} bytes a member")
    with zipfile.ZipFile(f) as z:
        infos = z.infolist()
        if len(infos) > budget.max_members:
            raise ArchiveError(f"more than {budget.max_members} members")
        for info in infos:
            budget.member(info.filename, info.file_size)
            rel = safe_name(info.filename)
            mode = info.external_attr >> 16
            if not rel:
                continue
            if info.is_dir():
                os.makedirs(os.path.join(dest, *rel.split("/")), exist_ok=True)
            elif stat.S_IFMT(mode) and not stat.S_ISREG(mode):
                skipped.append(rel)     # a symbolic link (or a device) from a Unix zip
            elif info.compress_type not in ZIP_METHODS:
                raise ArchiveError(f"{rel!r} is compressed with method {info.compress_type} "
                                   "(only stored and deflate are read)")
            else:
                with z.open(info) as src:
                    budget.copy(src, _target(dest, rel), rel)


def _checked_headers():
    """A TarInfo class for one archive that checks each header as it is
    read, before tarfile acts on it: no negative size (base-256 numbers
    allow one), no sparse member, headers that describe members (pax, GNU
    long names) within MAX_HEADER each and MAX_HEADERS in all, and pax
    global headers within MAX_GLOBAL_PAX in all."""
    seen = {"global": 0, "all": 0}

    class Checked(tarfile.TarInfo):
        # _proc_member: what tarfile calls on every header it has parsed,
        # before it reads what follows (the public frombuf is not called in
        # every patch release of 3.11: Debian's deb12u9 parses with _frombuf).
        def _proc_member(self, tf):
            if self.size < 0:
                raise ArchiveError("a header with a negative size")
            if self.type == tarfile.GNUTYPE_SPARSE:
                raise ArchiveError("a sparse member (not a file a lab needs)")
            if self.type in _HEADER_TYPES:
                seen["all"] += self.size
                if self.size > MAX_HEADER or seen["all"] > MAX_HEADERS:
                    raise ArchiveError("member headers (pax, long names) larger than "
                                       f"{MAX_HEADER >> 10} KiB each or "
                                       f"{MAX_HEADERS >> 20} MiB in all")
            if self.type == tarfile.XGLTYPE:
                seen["global"] += self.size
                if seen["global"] > MAX_GLOBAL_PAX:
                    raise ArchiveError(f"more than {MAX_GLOBAL_PAX} bytes of pax global "
                                       "headers (settings for every member)")
            return super()._proc_member(tf)
    return Checked


def _extract_tar(f, dest, budget, skipped):
    stream = _tar_stream(f, budget)
    try:
        with tarfile.open(fileobj=stream, mode="r|", tarinfo=_checked_headers()) as tf:
            _tar_members(tf, dest, budget, skipped)
    finally:
        stream.close()


def _tar_members(tf, dest, budget, skipped):
    for m in tf:
        budget.member(m.name, m.size)
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
            skipped.append(rel)     # links, devices, FIFOs, unknown types: never created


def extract(path, dest, limits=(MAX_MEMBERS, MAX_FILE_BYTES, MAX_TOTAL_BYTES), deadline=None):
    """Unpack archive path into the (new or empty) folder dest. Returns the
    member names that were skipped. Raises ArchiveError; dest is then left
    empty. deadline: a time.monotonic() past which unpacking stops."""
    kind = archive_kind(os.path.basename(path))
    if kind is None:
        raise ArchiveError("not a .zip, .tar.gz, .tgz or .tar file")
    os.makedirs(dest, exist_ok=True)
    # Opened once, not through a link (whoever can make one there could
    # name anyone's file), and read from that open file only.
    try:
        f = os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC),
                      "rb")
    except OSError as e:
        raise ArchiveError("a symbolic link" if e.errno == errno.ELOOP else
                           f"cannot read it: {e.strerror or e}") from None
    with f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise ArchiveError("not a regular file")
        if st.st_size > MAX_ARCHIVE_BYTES:
            raise ArchiveError(f"the archive is larger than {MAX_ARCHIVE_BYTES >> 20} MiB")
        return _extract_from(f, kind, dest, _Budget(limits, deadline))


def _extract_from(f, kind, dest, budget):
    skipped = []
    try:
        if kind == ".zip":
            _extract_zip(f, dest, budget, skipped)
        else:
            _extract_tar(f, dest, budget, skipped)
    except ArchiveError:
        _empty(dest)
        raise
    except (zipfile.BadZipFile, tarfile.TarError, zlib.error, lzma.LZMAError, EOFError,
            OSError, RuntimeError, ValueError, NotImplementedError, UnicodeError) as e:
        _empty(dest)
        raise ArchiveError(f"cannot read it: {type(e).__name__}: {e}") from None
    return skipped


def _empty(dest):
    for name in os.listdir(dest):
        ownership.rmtree_quiet(os.path.join(dest, name))
