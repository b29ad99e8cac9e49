"""Unpacking students' archives safely (grader/archive.py)."""

import io
import os
import stat
import struct
import tarfile
import unittest
import zipfile
from unittest import mock

from grader import archive
from grader.tests import fakes


def make_zip(path, members):
    """members: (name, data) or (name, data, unix mode)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for m in members:
            info = zipfile.ZipInfo(m[0])
            info.compress_type = zipfile.ZIP_DEFLATED
            if len(m) > 2:
                info.external_attr = m[2] << 16
            z.writestr(info, m[1])


def make_tar(path, members, mode="w:gz"):
    """members: (name, data) or a ready TarInfo (links, devices)."""
    with tarfile.open(path, mode) as tf:
        for m in members:
            if isinstance(m, tarfile.TarInfo):
                tf.addfile(m)
                continue
            info = tarfile.TarInfo(m[0])
            info.size = len(m[1])
            tf.addfile(info, io.BytesIO(m[1]))


def make_directory_bomb(path, n, zip64=False, comment=b"", claimed=None):
    """A zip of one empty member whose central directory lists it n times:
    n entries cost zipfile 47 bytes each to read, all before any member.
    claimed: the count the end record gives (zipfile reads as far as the
    directory's size says, whatever the count)."""
    count = n if claimed is None else claimed
    name = b"a"
    local = struct.pack("<IHHHHHIIIHH", 0x04034b50, 20, 0, 0, 0, 0, 0, 0, 0, 1, 0) + name
    entry = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014b50, 20, 20, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0,
                        0, 0, 0, 0) + name
    with open(path, "wb") as f:
        f.write(local)
        f.write(entry * n)
        size = n * len(entry)
        if zip64:
            at = f.tell()
            f.write(struct.pack("<IQHHIIQQQQ", 0x06064b50, 44, 45, 45, 0, 0, count, count,
                                size, len(local)))
            f.write(struct.pack("<IIQI", 0x07064b50, 0, at, 1))
            f.write(struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, 0xffff, 0xffff, 0xffffffff,
                                0xffffffff, len(comment)) + comment)
        else:
            f.write(struct.pack("<IHHHHIIH", 0x06054b50, 0, 0, count, count, size, len(local),
                                len(comment)) + comment)


def tar_link(name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


class ArchiveTest(unittest.TestCase):
    def setUp(self):
        self.tmp = fakes.TempDir()
        self.addCleanup(self.tmp.cleanup)
        self.dest = os.path.join(self.tmp.path, "out")

    def path(self, name):
        return os.path.join(self.tmp.path, name)

    def files(self):
        out = {}
        for dirpath, _, names in os.walk(self.dest):
            for n in names:
                full = os.path.join(dirpath, n)
                self.assertFalse(os.path.islink(full))
                with open(full, "rb") as f:
                    out[os.path.relpath(full, self.dest)] = f.read()
        return out

    def assertRefused(self, path, words, limits=None):
        with self.assertRaises(archive.ArchiveError) as cm:
            archive.extract(path, self.dest, *([limits] if limits else []))
        self.assertIn(words, str(cm.exception))
        self.assertEqual(os.listdir(self.dest), [], "a refused archive must leave nothing")

    def test_names(self):
        self.assertEqual(archive.archive_kind("A.TAR.GZ"), ".tar.gz")
        self.assertIsNone(archive.archive_kind("a.rar"))
        self.assertEqual(archive.stem("alice.tgz"), "alice")
        self.assertEqual(archive.safe_name("a/./b//c"), "a/b/c")
        self.assertEqual(archive.safe_name("labs\\01-boot\\boot.c"), "labs/01-boot/boot.c")
        for bad in ("/etc/passwd", "../x", "a/../../x", "C:\\x", "c:x", "a\0b", "\\\\srv\\x"):
            with self.assertRaises(archive.ArchiveError, msg=bad):
                archive.safe_name(bad)

    def test_zip_and_tar(self):
        good = [("repo/labs/01-boot/boot.c", b"int x;\n"), ("repo/README.md", b"hi")]
        make_zip(self.path("a.zip"), good + [("repo/empty/", b"")])
        make_tar(self.path("a.tar.gz"), good)
        make_tar(self.path("a.tar"), good, mode="w")
        for name in ("a.zip", "a.tar.gz", "a.tar"):
            with self.subTest(name=name):
                self.assertEqual(archive.extract(self.path(name), self.dest), [])
                self.assertEqual(self.files(), {"repo/labs/01-boot/boot.c": b"int x;\n",
                                                "repo/README.md": b"hi"})
                fakes.shutil.rmtree(self.dest)

    def test_unsafe_names_refuse_the_archive(self):
        for bad in ("../escape.c", "/abs/path.c", "a/../../up.c"):
            with self.subTest(bad=bad):
                make_zip(self.path("z.zip"), [("ok.c", b"x"), (bad, b"y")])
                self.assertRefused(self.path("z.zip"), "unsafe member name")
                make_tar(self.path("t.tgz"), [("ok.c", b"x"), (bad, b"y")])
                self.assertRefused(self.path("t.tgz"), "unsafe member name")

    def test_links_and_devices_are_never_created(self):
        make_tar(self.path("t.tgz"), [
            ("labs/01-boot/boot.c", b"x"),
            tar_link("labs/link.c", "/etc/passwd"),
            tar_link("labs/up", "../../.."),
            tar_link("labs/hard.c", "/etc/passwd", tarfile.LNKTYPE),
            tar_link("labs/fifo", "", tarfile.FIFOTYPE),
        ])
        skipped = archive.extract(self.path("t.tgz"), self.dest)
        self.assertEqual(sorted(skipped), ["labs/fifo", "labs/hard.c", "labs/link.c", "labs/up"])
        self.assertEqual(list(self.files()), ["labs/01-boot/boot.c"])
        fakes.shutil.rmtree(self.dest)
        make_zip(self.path("z.zip"), [("boot.c", b"x", stat.S_IFREG | 0o644),
                                      ("link.c", b"/etc/passwd", stat.S_IFLNK | 0o777)])
        self.assertEqual(archive.extract(self.path("z.zip"), self.dest), ["link.c"])
        self.assertEqual(self.files(), {"boot.c": b"x"})

    def test_size_limits_count_real_bytes(self):
        make_zip(self.path("bomb.zip"), [("zeros", b"\0" * (3 << 20))])   # compresses to ~3 KiB
        self.assertLess(os.path.getsize(self.path("bomb.zip")), 64 << 10)
        self.assertRefused(self.path("bomb.zip"), "larger than 1 MiB", (100, 1 << 20, 8 << 20))
        make_tar(self.path("many.tgz"), [(f"f{i}", b"x" * 1000) for i in range(30)])
        self.assertRefused(self.path("many.tgz"), "more than 20 members", (20, 1 << 20, 1 << 20))
        self.assertRefused(self.path("many.tgz"), "in all", (100, 1 << 20, 10000))

    def test_zip_directory_checked_before_it_is_read(self):
        # zipfile reads the whole list of members before the first one: the
        # end record's count and size are checked first (a real one of 5.6
        # million entries took 23 s and 2.3 GB to refuse).
        for kind in ({}, {"zip64": True}, {"comment": b"a comment"}):
            with self.subTest(**{k: str(v) for k, v in kind.items()}):
                make_directory_bomb(self.path("d.zip"), 12000, **kind)
                with mock.patch.object(archive.zipfile, "ZipFile",
                                       side_effect=AssertionError("read it")):
                    self.assertRefused(self.path("d.zip"), "more than 10000 members")
        make_directory_bomb(self.path("d.zip"), 30000, claimed=1)     # 1.4 MB for one member
        with mock.patch.object(archive.zipfile, "ZipFile",
                               side_effect=AssertionError("read it")):
            self.assertRefused(self.path("d.zip"), "or than 1024 bytes a member")
        make_directory_bomb(self.path("d.zip"), 3000)
        with mock.patch.object(archive, "MAX_ZIP_DIRECTORY", 100 << 10):
            with mock.patch.object(archive.zipfile, "ZipFile",
                                   side_effect=AssertionError("read it")):
                self.assertRefused(self.path("d.zip"), "list of members is larger than 0 MiB")

    def test_a_link_is_not_followed(self):
        # Whoever can make a link where an archive is expected could name
        # anyone's archive: it is opened without following one.
        make_zip(self.path("bob.zip"), [("boot.c", b"bob's")])
        os.symlink(self.path("bob.zip"), self.path("mallory.zip"))
        self.assertRefused(self.path("mallory.zip"), "a symbolic link")

    def test_zip_members_only_stored_or_deflated(self):
        # zipfile unpacks a bzip2 or LZMA member whole before its size is
        # checked (921 bytes once took 2 GB): such members are refused.
        with zipfile.ZipFile(self.path("bz.zip"), "w", zipfile.ZIP_BZIP2) as z:
            z.writestr("labs/01-boot/boot.c", "int x;\n")
        self.assertRefused(self.path("bz.zip"), "compressed with method 12")

    def test_tar_headers_checked_as_read(self):
        def tar_of(path, info, data=b""):
            with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tf:
                tf.addfile(info, io.BytesIO(data))
        big = tarfile.TarInfo("a.c")
        big.pax_headers = {"comment": "x" * (70 << 10)}
        tar_of(self.path("pax.tar"), big)
        self.assertRefused(self.path("pax.tar"), "larger than 64 KiB each")
        sparse = tarfile.TarInfo("s.c")
        sparse.type = tarfile.GNUTYPE_SPARSE
        with tarfile.open(self.path("sparse.tar"), "w", format=tarfile.GNU_FORMAT) as tf:
            tf.addfile(sparse)
        self.assertRefused(self.path("sparse.tar"), "a sparse member")
        # A size in base-256 may be negative: a global header of -2**88 bytes
        # once let the next one past the 1 KiB cap.
        head = bytearray(tarfile.TarInfo("g").tobuf(format=tarfile.USTAR_FORMAT))
        head[156:157] = tarfile.XGLTYPE
        head[124:136] = b"\xff" + bytes(11)
        head[148:156] = b" " * 8
        head[148:155] = b"%06o\0" % sum(head)        # the checksum, as tarfile writes it
        with open(self.path("neg.tar"), "wb") as f:
            f.write(bytes(head) + bytes(1024))
        self.assertRefused(self.path("neg.tar"), "a header with a negative size")

    def test_pax_global_headers(self):
        # tarfile copies a global header's keys into every later member:
        # more than a git archive's (its commit id) is refused before read.
        def pax_tar(path, keys):
            with tarfile.open(path, "w", format=tarfile.PAX_FORMAT, pax_headers=keys) as tf:
                for i in range(3):
                    info = tarfile.TarInfo(f"repo-main/f{i}.c")
                    info.size = 1
                    tf.addfile(info, io.BytesIO(b"x"))
        pax_tar(self.path("git.tar"), {"comment": "0123456789abcdef0123456789abcdef01234567"})
        self.assertEqual(archive.extract(self.path("git.tar"), self.dest), [])
        self.assertEqual(len(self.files()), 3)
        archive._empty(self.dest)
        pax_tar(self.path("bomb.tar"), {f"k{i:05d}": "" for i in range(200)})
        self.assertRefused(self.path("bomb.tar"), "more than 1024 bytes of pax global headers")

    def test_unreadable_archives(self):
        with open(self.path("bad.zip"), "wb") as f:
            f.write(os.urandom(2000))
        self.assertRefused(self.path("bad.zip"), "cannot read it")
        make_tar(self.path("t.tar.gz"), [("a", os.urandom(100000))])
        with open(self.path("t.tar.gz"), "r+b") as f:
            f.truncate(300)
        self.assertRefused(self.path("t.tar.gz"), "cannot read it")
        make_zip(self.path("clash.zip"), [("a", b"x"), ("a/b", b"y")])
        self.assertRefused(self.path("clash.zip"), "cannot read it")
        with self.assertRaises(archive.ArchiveError):
            archive.extract(self.path("notes.txt"), self.dest)


if __name__ == "__main__":
    unittest.main()
