"""Real guests for lab 10's VMM: where QEMU's loader puts their files.

A raw image says nothing about its own length, so whoever boots lab 10's
hypervisor puts the files into host memory with QEMU's generic loader and
tells the hypervisor where they are in its bootargs (common/include/vmm.h):

  host 0x82000000 (LOADER_BASE)   the image          guest_size=BYTES
  next page                       the initrd, if any initrd_addr=, initrd_size=
  after them                      the allocator's memory: load_size=BYTES
  " -- " and the rest             the guest's own command line

`make run` and the grader both use this module, so the layout is written
down once. A test asks for it in lab.json with
"qemu": {"guest": {"image": PATH, "initrd": PATH, "args": TEXT}}; the image
"linux" is the kit's own kernel (make linux, build/linux/Image).

Run as a program it prints the QEMU arguments, one per line, then the
hypervisor's bootargs on the last line, for the Makefile:
python3 -m grader.guestload IMAGE [--initrd F] [--args TEXT].
"""

import argparse
import os
import sys

LOADER_BASE = 0x82000000      # vmm.h: LOADER_BASE (= KALLOC_BASE, memlayout.h)
PAGE = 4096
GUEST_KEYS = {"image", "initrd", "args"}
LINUX = "linux"               # the one keyword: the kit-built kernel


class GuestError(Exception):
    """A guest file that cannot be loaded, said in one sentence."""


def linux_image(root):
    return os.path.join(root, "build", "linux", "Image")


def resolve(path, root):
    """The file behind a guest name: "linux" is the kit's kernel."""
    return linux_image(root) if path == LINUX else path


def _size(path, what):
    try:
        size = os.path.getsize(path)
    except OSError as e:
        raise GuestError(f"the {what} {path} cannot be read: {e.strerror or e}") from None
    if not os.path.isfile(path):
        raise GuestError(f"the {what} {path} is not a file")
    return size


def _align(n):
    return (n + PAGE - 1) // PAGE * PAGE


def _loader(path, addr):
    # QEMU's -device option syntax: a comma in a value is written twice.
    return ["-device", f"loader,file={path.replace(',', ',,')},addr={addr:#x},force-raw=on"]


def layout(image, initrd=None, guest_args=None):
    """(QEMU arguments, hypervisor bootargs) that load image (and initrd)."""
    size = _size(image, "guest image")
    qemu = _loader(image, LOADER_BASE)
    boot = [f"guest_size={size}"]
    end = LOADER_BASE + _align(size)
    if initrd:
        isize = _size(initrd, "initrd")
        qemu += _loader(initrd, end)
        boot += [f"initrd_addr={end:#x}", f"initrd_size={isize}"]
        end += _align(isize)
    boot.append(f"load_size={end - LOADER_BASE}")
    if guest_args:
        boot += ["--", guest_args]
    return qemu, " ".join(boot)


def linux_bootargs(root):
    """The kit's Linux command line: the one line of common/linux/bootargs
    that is not a comment."""
    with open(os.path.join(root, "common", "linux", "bootargs"), encoding="utf-8") as f:
        lines = [ln.strip() for ln in f if ln.strip() and not ln.startswith("#")]
    return lines[0] if lines else None


def for_test(guest, root, render=lambda s: s):
    """The layout of a lab.json "guest" object; its strings are templated
    with render (the run's parameters). The kit's Linux without "args" gets
    its default command line."""
    image = render(guest["image"])
    initrd = guest.get("initrd")
    args = render(guest["args"]) if guest.get("args") else \
        linux_bootargs(root) if image == LINUX else None
    return layout(resolve(image, root), resolve(render(initrd), root) if initrd else None, args)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m grader.guestload",
                                description="QEMU arguments that load a guest for lab 10")
    p.add_argument("image", help='a raw S-mode image, or "linux" (build/linux/Image)')
    p.add_argument("--initrd", help="an initial ramdisk")
    p.add_argument("--args", help="the guest's command line")
    p.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    a = p.parse_args(argv)
    try:
        qemu, boot = layout(resolve(a.image, a.root),
                            resolve(a.initrd, a.root) if a.initrd else None, a.args)
    except GuestError as e:
        print(f"make run: {e}", file=sys.stderr)
        return 2
    for arg in qemu:
        print(arg)
    print(boot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
