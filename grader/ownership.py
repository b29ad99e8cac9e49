"""Folder trees a sandbox wrote: handed to a sandbox uid and back, and
deleted, without ever following a symbolic link and without recursion (a
tree may be 1,200 folders deep).

The walk holds one directory descriptor at a time: it goes down with
openat(name, O_NOFOLLOW) and back up with openat(".."), checking that ".."
is the folder it came from. Nobody else may change the tree meanwhile: the
sandbox's processes are killed before a tree is taken back or deleted.
"""

import os
import stat

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class TreeError(OSError):
    """The tree changed under the walk."""


def walk(top, visit, post_dir=None):
    """visit(dirfd, name, st) for every entry below top (st from lstat, not
    followed); post_dir(dirfd, name, st) for every folder once its content
    is done (deleting is possible then). top itself is not visited."""
    fd = os.open(top, _DIR_FLAGS)
    stack = []          # [(name of the folder we are in, its stat, subfolders left)]
    try:
        pending = _list(fd, visit)
        while True:
            if pending:
                name = pending.pop()
                try:
                    sub = os.open(name, _DIR_FLAGS, dir_fd=fd)
                except OSError:
                    continue            # gone, or a link put there: not followed
                stack.append((name, os.fstat(fd), pending))
                os.close(fd)
                fd = sub
                pending = _list(fd, visit)
                continue
            if not stack:
                return
            name, parent_st, pending = stack.pop()
            here = os.fstat(fd)
            up = os.open("..", _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = up
            st = os.fstat(fd)
            if (st.st_dev, st.st_ino) != (parent_st.st_dev, parent_st.st_ino):
                raise TreeError(f"{top}: the tree changed while it was walked")
            if post_dir:
                post_dir(fd, name, here)
    finally:
        os.close(fd)


def _list(fd, visit):
    """Visit a folder's entries; return the names of its subfolders."""
    dirs = []
    with os.scandir(fd) as it:
        entries = list(it)
    for e in entries:
        try:
            st = os.stat(e.name, dir_fd=fd, follow_symlinks=False)
        except FileNotFoundError:
            continue
        visit(fd, e.name, st)
        if stat.S_ISDIR(st.st_mode):
            dirs.append(e.name)
    return dirs


def give(top, uid, gid):
    """Make top and everything in it uid's (group gid), for a sandbox run
    that writes there."""
    os.chown(top, uid, gid, follow_symlinks=False)

    def visit(fd, name, st):
        os.chown(name, uid, gid, dir_fd=fd, follow_symlinks=False)
    walk(top, visit)


def _umask():
    """This process's umask, read without changing it (threads share it)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o077


def _locked_mode(mode, umask):
    """Owner keeps its bits; the group may read (and enter, run) what the
    owner may, others too as far as the grader's umask lets them; nobody
    but the owner writes; no set-id bits."""
    owner = mode & 0o700
    return owner | (owner >> 3 & 0o050) | (owner >> 6 & 0o005 & ~umask)


def take_back(top, uid, gid):
    """top and everything in it back to uid, readable by the group gid (and
    by others as far as the umask lets them), writable by nobody else: no
    later run of the sandbox can change it."""
    umask = _umask()

    def visit(fd, name, st):
        os.chown(name, uid, gid, dir_fd=fd, follow_symlinks=False)
        if not stat.S_ISLNK(st.st_mode):
            os.chmod(name, _locked_mode(st.st_mode, umask), dir_fd=fd)
    walk(top, visit)
    st = os.lstat(top)
    os.chown(top, uid, gid, follow_symlinks=False)
    os.chmod(top, _locked_mode(st.st_mode | 0o700, umask))


def readable_inside(top):
    """Everything under top readable by all (folders enterable), writable
    by nobody but the owner, whatever the umask was: a private kit, whose
    own folder (mode 750, the grader's group) is what keeps others out."""
    def visit(fd, name, st):
        if not stat.S_ISLNK(st.st_mode):
            owner = st.st_mode & 0o700 | 0o400 | (0o100 if stat.S_ISDIR(st.st_mode) else 0)
            os.chmod(name, owner | (owner >> 3 & 0o050) | (owner >> 6 & 0o005), dir_fd=fd)
    walk(top, visit)


def rmtree(top):
    """Delete top and everything in it, however deep. Missing top: nothing."""
    try:
        st = os.lstat(top)
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(st.st_mode):
        os.unlink(top)
        return
    if st.st_mode & 0o700 != 0o700:
        os.chmod(top, st.st_mode | 0o700)

    def visit(fd, name, st):
        if not stat.S_ISDIR(st.st_mode):
            os.unlink(name, dir_fd=fd)
        elif not st.st_mode & stat.S_IWUSR or not st.st_mode & stat.S_IXUSR:
            os.chmod(name, st.st_mode | 0o700, dir_fd=fd)    # a read-only folder

    def post_dir(fd, name, st):
        os.rmdir(name, dir_fd=fd)
    walk(top, visit, post_dir)
    os.rmdir(top)


def rmtree_quiet(top):
    """rmtree, ignoring errors (like shutil.rmtree(..., ignore_errors=True),
    but without its recursion limit)."""
    try:
        rmtree(top)
    except (OSError, ValueError):
        pass
