"""The kit's Linux guest (common/linux/, `make linux`) for the grader and its
tests: where the kernel is, its default command line, the QEMU command that
boots it without a hypervisor, and building it on first use.

The kernel belongs to the kit: it is built from common/linux/ into
build/linux/ of the kit itself, never from a submission's files.
"""

import os
import signal
import subprocess
import threading

from . import labspec, qemu

ROOT = labspec.ROOT
QEMU = os.environ.get("QEMU", "qemu-system-riscv64")
BUILD_SCRIPT = os.path.join("common", "linux", "build.sh")
BUILD_TIMEOUT = 40 * 60         # a cold build takes 3-5 minutes on 2 idle cores

# What the init prints (common/linux/init.c says the same). PROMPT as an
# input step's "wait" (grader/qemu.py): each step looks past the last match.
PROMPT = r"\n# "
BANNER = r"rvh-init: Linux (\S+), (\d+) cpu\(s\) online: (\S+)"
UPTIME = r"uptime: (\d+)\.(\d{3}) s"


def image(root=ROOT):
    """The raw image to boot (a link into build/linux/k-KEY/)."""
    return os.path.join(root, "build", "linux", "Image")


def vmlinux(root=ROOT):
    return os.path.join(root, "build", "linux", "vmlinux")


def bootargs(root=ROOT):
    """The kit's default command line: the one line of common/linux/bootargs
    that is not a comment (the Makefile reads the same file)."""
    with open(os.path.join(root, "common", "linux", "bootargs"), encoding="utf-8") as f:
        lines = [ln.strip() for ln in f if ln.strip() and not ln.startswith("#")]
    return lines[0] if lines else ""


def missing_tools(root=ROOT):
    """None when everything `make linux` needs is installed, else what
    build.sh says is missing (the packages and what to do)."""
    p = subprocess.run(["bash", os.path.join(root, BUILD_SCRIPT), "--check-tools"], cwd=root,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, encoding="utf-8", errors="replace")
    return None if p.returncode == 0 else (p.stdout.strip() or f"exit status {p.returncode}")


def is_built(root=ROOT):
    """True when build/linux/Image is the kernel of the current common/linux/
    and packages (no build needed)."""
    p = subprocess.run(["bash", os.path.join(root, BUILD_SCRIPT), "--cached"], cwd=root,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    return p.returncode == 0


def build(root=ROOT, echo=None):
    """Runs build.sh (make linux). echo(line), when given, gets each line of
    its output as it comes: a cold build takes minutes and says how far it
    is. Returns (ok, output)."""
    proc = qemu.start_tracked(["bash", os.path.join(root, BUILD_SCRIPT)], cwd=root,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, encoding="utf-8", errors="replace")
    if proc is None:
        return False, "not started: the grader is stopping"
    lines = []
    expired = threading.Event()

    def stop():             # the whole group: build.sh, make and the compilers
        expired.set()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(BUILD_TIMEOUT, stop)
    timer.start()
    try:
        for line in proc.stdout:
            lines.append(line)
            if echo:
                echo(line.rstrip("\n"))
        proc.wait()
    finally:
        timer.cancel()
        proc.stdout.close()
        qemu.untrack(proc)
    if expired.is_set():
        lines.append(f"grader: make linux did not finish in {BUILD_TIMEOUT} s: stopped\n")
    return proc.returncode == 0 and os.path.isfile(image(root)), "".join(lines)


def native_cmd(root=ROOT, smp=4, mem="128M", args=None):
    """QEMU booting the kit's kernel straight on OpenSBI, no hypervisor, with
    the console on stdio (what `make run-native GUEST=linux` runs)."""
    return [QEMU, "-machine", "virt", "-bios", "default", "-no-reboot", "-display", "none",
            "-monitor", "none", "-serial", "stdio", "-nic", "none", "-smp", str(smp),
            "-m", mem, "-kernel", image(root), "-append", bootargs(root) if args is None else args]
