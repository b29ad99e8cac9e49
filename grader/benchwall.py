"""make bench's wall-clock rows: the same guest under lab 10's reference VMM
and natively, on the same QEMU, in the same run (docs/bench.md, "Guest
versus native").

    python3 -m grader.benchwall [--reps N] [--rows uboot,linux,cpu,uart]

(make bench runs it after its instruction counts; alone it is the quick way
to look at these rows.) Every row compares the same work:

- the same image: U-Boot's u-boot.bin, the kit's Linux Image, the bench
  guest's guest.bin (solutions/bench/guest/), loaded raw at 0x80200000 on
  both sides;
- the same guest-visible machine: natively QEMU boots with -dtb and the
  tree the reference VMM builds for that very guest (lab 10's harness,
  bootarg dtb_dump=1: same vCPU count, RAM size, bootargs), plus the two
  nodes OpenSBI 1.1 needs and the guest never sees under the VMM (the CLINT:
  IPIs, timer, HSM; the test device: reset), copied from QEMU's own tree
  with fdtget/fdtput (device-tree-compiler). What still differs is listed
  in WHAT_DIFFERS and printed;
- medians of N runs per side, native and VMM alternating (the order flips
  every round), so that the load of a noisy machine hits both alike.

Wall-clock figures are printed next to their targets, never asserted.
"""

import argparse
import os
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import time

from . import guestload, labspec, linux

ROOT = labspec.ROOT
QEMU = os.environ.get("QEMU", "qemu-system-riscv64")
LAB10_ELF = os.path.join(ROOT, "build", "10-guest-sol", "hyp.elf")
BENCH_GUEST = os.path.join(ROOT, "build", "10-guest-sol-bench", "guest.bin")
UBOOT_BIN = "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"
DTB_DIR = os.path.join(ROOT, "build", "bench-dtb")
NONCE = "bench"

# The targets (printed, never asserted).
TARGET_UBOOT = 1.3          # U-Boot to "=>" under the reference / native
TARGET_LINUX = 1.3          # Linux to poweroff on 4 vCPUs, reference / native

HOST_MEM = "512M"           # the hypervisor's machine, as make run (RUN_MEM)
GUEST_MEM = 128 << 20       # the guest's RAM on both sides (make run's GUEST_MEM)
LINUX_SMP = 4
CPU_ROUNDS = 5000           # bench=cpu: passes over 64 KiB (0.3 s natively, idle)
UART_BYTES = 16384          # bench=uart: bytes through the UART

# Firmware-only nodes the native tree gets from QEMU's own (OpenSBI 1.1
# finds its IPI, timer and HSM in the CLINT, its reset in the test device),
# with only the compatible strings OpenSBI matches: QEMU's test device also
# says "syscon", which U-Boot would bind as one more device.
FIRMWARE_NODES = {
    "/soc/clint@2000000": ("sifive,clint0", "riscv,clint0"),
    "/soc/test@100000": ("sifive,test1", "sifive,test0"),
}

WHAT_DIFFERS = [
    "natively the tree also has the CLINT and the test device, for OpenSBI (neither the "
    "kit's Linux nor U-Boot binds them: U-Boot counts 11 devices on both sides)",
    "natively OpenSBI reserves its 512 KiB at 0x80000000 (/reserved-memory); under the VMM "
    "that RAM is the guest's (Linux ignores RAM below its image on both sides)",
    "the guest's SBI: OpenSBI 1.1 in M-mode natively, the VMM's own (lab 7, spec 2.0) "
    "under it, which prints the guest's console bytes through OpenSBI",
    "the UART and the PLIC: QEMU's natively; emulated under the VMM (every access an exit)",
    "QEMU's -m: 128M natively; 512M under the VMM, of which the guest gets 128 MiB",
]


class BenchError(Exception):
    """A run that could not be measured, in one sentence."""


def need_tools():
    missing = [t for t in ("fdtget", "fdtput") if not shutil.which(t)]
    if missing:
        raise BenchError(f"{' and '.join(missing)} not found: apt-get install "
                         "device-tree-compiler (make setup)")


# ---- the two command lines --------------------------------------------------
def hyp_cmd(image, smp, guest_args=None, extra=""):
    """Lab 10's reference VMM booting image, as make run SOLUTION=1 does."""
    loader, where = guestload.layout(image, None, guest_args)
    return [QEMU, "-machine", "virt", "-nographic", "-bios", "default", "-no-reboot",
            "-cpu", "rv64", "-smp", str(smp), "-m", HOST_MEM, "-kernel", LAB10_ELF] + loader + [
            "-append", f"test=run nonce={NONCE} guest_mem={GUEST_MEM} {extra}{where}"]


def native_cmd(image, smp, dtb):
    """The same image on OpenSBI alone, with the guest's tree (its
    /chosen/bootargs are the guest's: no -append)."""
    return [QEMU, "-machine", "virt", "-nographic", "-bios", "default", "-no-reboot",
            "-cpu", "rv64", "-smp", str(smp), "-m", f"{GUEST_MEM >> 20}M", "-kernel", image,
            "-dtb", dtb]


# ---- the guest's device tree, for -dtb --------------------------------------
DTB_LINE = re.compile(rb"^vmm: dtb ([0-9a-f]{4,}) ([0-9a-f]+)\r?$", re.M)


def guest_dtb(name, image, smp, guest_args=None):
    """The tree lab 10's reference VMM writes for this guest (dtb_dump=1),
    saved as build/bench-dtb/NAME-guest.dtb."""
    cmd = hyp_cmd(image, smp, guest_args, extra="dtb_dump=1 ")
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60, cwd=ROOT)
    lines = DTB_LINE.findall(p.stdout)
    if not lines or b"hyp: shutdown (ok)" not in p.stdout:
        raise BenchError(f"the reference VMM printed no device tree for {name} (dtb_dump=1):\n"
                         + p.stdout.decode(errors="replace")[-1500:])
    blob = b"".join(bytes.fromhex(h.decode()) for _, h in lines)
    if blob[:4] != b"\xd0\x0d\xfe\xed" or int.from_bytes(blob[4:8], "big") != len(blob):
        raise BenchError(f"the device tree dumped for {name} is not a whole FDT")
    os.makedirs(DTB_DIR, exist_ok=True)
    path = os.path.join(DTB_DIR, f"{name}-guest.dtb")
    with open(path, "wb") as f:
        f.write(blob)
    return path


def fdt(tool, *args):
    p = subprocess.run([tool] + list(args), capture_output=True, text=True)
    if p.returncode != 0:
        raise BenchError(f"{tool} {' '.join(args)}: {p.stderr.strip()}")
    return p.stdout.strip()


def intc_phandles(dtb):
    """{hart id: phandle of its riscv,cpu-intc} of a tree."""
    out = {}
    for cpu in fdt("fdtget", "-l", dtb, "/cpus").split():
        if not cpu.startswith("cpu@"):
            continue
        hart = int(fdt("fdtget", "-t", "u", dtb, f"/cpus/{cpu}", "reg").split()[-1])
        out[hart] = int(fdt("fdtget", "-t", "u", dtb, f"/cpus/{cpu}/interrupt-controller",
                            "phandle"))
    return out


def native_dtb(name, guest, smp):
    """The guest's tree plus FIRMWARE_NODES from QEMU's own tree of the same
    machine; their interrupts-extended renumbered to the guest tree's cpu
    interrupt controllers. build/bench-dtb/NAME-native.dtb."""
    qemu_dtb = os.path.join(DTB_DIR, f"qemu-virt-smp{smp}.dtb")
    if os.path.exists(qemu_dtb):
        os.remove(qemu_dtb)
    subprocess.run([QEMU, "-machine", f"virt,dumpdtb={qemu_dtb}", "-cpu", "rv64", "-smp",
                    str(smp), "-m", f"{GUEST_MEM >> 20}M", "-nographic", "-bios", "default"],
                   stdin=subprocess.DEVNULL, capture_output=True, timeout=30, cwd=ROOT)
    if not os.path.isfile(qemu_dtb):
        raise BenchError(f"{QEMU} -machine virt,dumpdtb= wrote no tree")
    theirs, ours = intc_phandles(qemu_dtb), intc_phandles(guest)
    to_ours = {ph: ours[hart] for hart, ph in theirs.items()}
    out = os.path.join(DTB_DIR, f"{name}-native.dtb")
    shutil.copyfile(guest, out)
    for node, wanted in FIRMWARE_NODES.items():
        compatible = [c for c in fdt("fdtget", qemu_dtb, node, "compatible").split()
                      if c in wanted]
        if not compatible:
            raise BenchError(f"QEMU's {node} is not {' or '.join(wanted)}")
        fdt("fdtput", "-c", out, node)
        fdt("fdtput", "-t", "s", out, node, "compatible", *compatible)
        fdt("fdtput", "-t", "x", out, node, "reg",
            *fdt("fdtget", "-t", "x", qemu_dtb, node, "reg").split())
        props = fdt("fdtget", "-p", qemu_dtb, node).split()
        if "interrupts-extended" in props:
            cells = [int(c) for c in fdt("fdtget", "-t", "u", qemu_dtb, node,
                                         "interrupts-extended").split()]
            for i in range(0, len(cells), 2):
                cells[i] = to_ours[cells[i]]
            fdt("fdtput", "-t", "u", out, node, "interrupts-extended", *map(str, cells))
    return out


def dtb_pair(name, image, smp, guest_args=None):
    guest = guest_dtb(name, image, smp, guest_args)
    return native_dtb(name, guest, smp)


def timebase(dtb):
    return int(fdt("fdtget", "-t", "u", dtb, "/cpus", "timebase-frequency"))


# ---- one timed QEMU run ------------------------------------------------------
def timed_run(cmd, steps=(), marks=None, stop=None, timeout=60.0):
    """Starts cmd; returns ({name: seconds since start}, output). steps:
    (name, text to wait for, bytes to send or None), in order, each looking
    past the previous one's match; marks: {name: text}, anywhere; stop: the
    name after which QEMU is killed (else it runs until it exits: "exit")."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT)
    out, pos, step, seen = b"", 0, 0, {}
    try:
        while time.monotonic() - start < timeout:
            ready, _, _ = select.select([proc.stdout], [], [], 0.01)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    proc.wait()
                    seen["exit"] = time.monotonic() - start
                    break
                out += chunk
            now = time.monotonic() - start
            for name, text in (marks or {}).items():
                if name not in seen and text in out:
                    seen[name] = now
            while step < len(steps):
                name, wait, send = steps[step]
                at = out.find(wait, pos)
                if at < 0:
                    break
                seen[name], pos, step = now, at + len(wait), step + 1
                if send:
                    try:
                        proc.stdin.write(send)
                        proc.stdin.flush()
                    except BrokenPipeError:
                        pass            # QEMU is gone: its exit is read next
            if stop and stop in seen:
                break
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
    return seen, out


def alternate(reps, run):
    """run(native) per side, reps times each, alternating (the side that goes
    first flips every round). ([VMM samples], [native samples])."""
    hyp, native = [], []
    for r in range(reps):
        for is_native in ((True, False) if r % 2 == 0 else (False, True)):
            (native if is_native else hyp).append(run(is_native))
    return hyp, native


# ---- the rows ----------------------------------------------------------------
def uboot_rows(reps):
    """U-Boot (one vCPU) from QEMU start to "=>", autoboot stopped by a key."""
    dtb = dtb_pair("uboot", UBOOT_BIN, 1)
    steps = [("autoboot", b"Hit any key to stop autoboot", b" "), ("prompt", b"=> ", None)]
    marks = {"hyp": b"hyp: RISC-V", "vmm": b"vmm: booting", "banner": b"U-Boot 20"}

    def run(native):
        cmd = native_cmd(UBOOT_BIN, 1, dtb) if native else hyp_cmd(UBOOT_BIN, 1)
        seen, out = timed_run(cmd, steps, marks, stop="prompt", timeout=30)
        if "prompt" not in seen or "banner" not in seen:
            raise BenchError(f"U-Boot ({'native' if native else 'VMM'}) gave no prompt:\n"
                             + out.decode(errors="replace")[-1500:])
        setup = seen["vmm"] - seen["hyp"] if "vmm" in seen and "hyp" in seen else 0.0
        return seen["prompt"], setup, seen["prompt"] - seen["banner"]

    return alternate(reps, run)


def linux_rows(reps):
    """The kit's Linux on LINUX_SMP vCPUs: QEMU start to the init's prompt,
    then "poweroff" typed at once, and QEMU start to QEMU's exit."""
    image, args = linux.image(ROOT), linux.bootargs(ROOT)
    dtb = dtb_pair("linux", image, LINUX_SMP, args)
    steps = [("prompt", b"\n# ", b"poweroff\n")]
    marks = {"vmm": b"vmm: booting", "linux": b"Linux version"}

    def run(native):
        cmd = native_cmd(image, LINUX_SMP, dtb) if native else hyp_cmd(image, LINUX_SMP, args)
        seen, out = timed_run(cmd, steps, marks, timeout=60)
        ok = b"reboot: Power down" in out and (native or b"hyp: shutdown (ok)" in out)
        if "prompt" not in seen or "exit" not in seen or not ok:
            raise BenchError(f"Linux ({'native' if native else 'VMM'}) did not reach its "
                             "prompt and power off:\n" + out.decode(errors="replace")[-2000:])
        cpus = re.search(rb"(\d+) cpu\(s\) online", out)
        if not cpus or int(cpus.group(1)) != LINUX_SMP:
            raise BenchError(f"Linux ({'native' if native else 'VMM'}) did not bring up "
                             f"{LINUX_SMP} cpus")
        return seen["prompt"], seen["exit"]

    return alternate(reps, run)


FACT_WALL = re.compile(rb"FACT " + NONCE.encode() + rb" wall (\w+) (.*?)\r?$", re.M)


def guest_rows(reps, what, extra):
    """The bench guest's bench=WHAT workload, timed by the guest (rdtime):
    seconds, and the FACT's fields (the same work on both sides)."""
    args = f"bench={what} nonce={NONCE} {extra}"
    dtb = dtb_pair(f"guest-{what}", BENCH_GUEST, 1, args)
    hz = timebase(dtb)

    def run(native):
        cmd = native_cmd(BENCH_GUEST, 1, dtb) if native else hyp_cmd(BENCH_GUEST, 1, args)
        seen, out = timed_run(cmd, timeout=120)
        m = FACT_WALL.search(out)
        if not m or m.group(1).decode() != what:
            raise BenchError(f"the bench guest ({what}, {'native' if native else 'VMM'}) "
                             "printed no result:\n" + out.decode(errors="replace")[-1500:])
        fields = dict(w.split("=", 1) for w in m.group(2).decode().split())
        if what == "uart":
            body = out[out.find(b"bench: uart start"):out.find(b"bench: uart end")]
            n = int(fields["bytes"])
            digits = sum(body.count(bytes([c])) for c in b"0123456789")
            if digits != n - n // 64:
                raise BenchError(f"UART: {digits} digits arrived, {n - n // 64} were written")
        return int(fields["ticks"]) / hz, fields

    return alternate(reps, run)


# ---- the table ----------------------------------------------------------------
def row(what, value, target="", note=""):
    print(f"  {what:<44} {value:>12}  {target:<12} {note}")


def med(samples, i=None):
    return statistics.median(s if i is None else s[i] for s in samples)


def verdict(ratio, target):
    return "met" if ratio <= target else "MISSED"


def print_uboot(hs, ns, reps):
    hyp = [med(hs, i) for i in range(3)]
    nat = [med(ns, i) for i in range(3)]
    print(f"\n  U-Boot, 1 vCPU, {GUEST_MEM >> 20} MiB: medians of {reps} alternating boots, "
          "seconds: QEMU start->'=>' | VM set-up | U-Boot banner->'=>'")
    row("under lab 10's reference VMM", " | ".join(f"{x:.3f}" for x in hyp), "",
        "to '=>': " + " ".join(f"{x[0]:.2f}" for x in hs))
    row("natively, -dtb: guest's tree + CLINT, test", " | ".join(f"{x:.3f}" for x in nat), "",
        "to '=>': " + " ".join(f"{x[0]:.2f}" for x in ns))
    r = hyp[0] / nat[0]
    row("ratio, QEMU start to prompt", f"{r:.2f}x", f"<= {TARGET_UBOOT}x", verdict(r, TARGET_UBOOT))
    row("  without the VM set-up", f"{(hyp[0] - hyp[1]) / nat[0]:.2f}x", "",
        "(QEMU start to prompt minus set-up) / native")
    row("ratio, U-Boot banner to prompt", f"{hyp[2] / nat[2]:.2f}x", "",
        "U-Boot's own run: its UART output is two exits a byte")


def print_linux(hs, ns, reps):
    print(f"\n  Linux {LINUX_SMP} vCPUs, {GUEST_MEM >> 20} MiB, the same Image and bootargs: "
          f"medians of {reps} alternating boots, seconds: QEMU start->'# ' | ->exit after poweroff")
    hyp, nat = [med(hs, 0), med(hs, 1)], [med(ns, 0), med(ns, 1)]
    row("under lab 10's reference VMM", f"{hyp[0]:.3f} | {hyp[1]:.3f}", "",
        "to exit: " + " ".join(f"{x[1]:.2f}" for x in hs))
    row("natively, -dtb: guest's tree + CLINT, test", f"{nat[0]:.3f} | {nat[1]:.3f}", "",
        "to exit: " + " ".join(f"{x[1]:.2f}" for x in ns))
    row("ratio, QEMU start to prompt", f"{hyp[0] / nat[0]:.2f}x")
    r = hyp[1] / nat[1]
    row("ratio, QEMU start to poweroff (QEMU exit)", f"{r:.2f}x", f"<= {TARGET_LINUX}x",
        verdict(r, TARGET_LINUX))


def print_guest(what, hs, ns, reps):
    h, n = med(hs, 0), med(ns, 0)
    f = hs[0][1]
    if what == "cpu":
        print(f"\n  bench guest, 1 vCPU: medians of {reps} alternating runs, timed by the guest (rdtime)")
        label, unit = f"CPU-bound: {f['rounds']} x 64 KiB xorshift passes", "s"
        hv, nv = f"{h:.3f}", f"{n:.3f}"
        sums = {s[1]["sum"] for s in hs + ns}
        note = "same checksum both sides" if len(sums) == 1 else f"CHECKSUMS DIFFER: {sums}"
    else:
        nbytes = int(f["bytes"])
        label, unit = f"UART output, {nbytes} bytes polled", "bytes/s"
        hv, nv = f"{nbytes / h:.0f}", f"{nbytes / n:.0f}"
        note = f"{h * 1e6 / nbytes:.1f} vs {n * 1e6 / nbytes:.2f} us per byte"
    row(f"{label}, VMM", f"{hv} {unit}", "", "runs: " + " ".join(f"{s[0]:.3f}" for s in hs))
    row("  natively", f"{nv} {unit}", "", "runs: " + " ".join(f"{s[0]:.3f}" for s in ns))
    row("  ratio, time under the VMM / native", f"{h / n:.2f}x", "", note)


ROWS = ("uboot", "linux", "cpu", "uart")


def report(reps, rows=ROWS):
    """Measures and prints the chosen rows; a row that cannot run says why
    and the others go on. Returns how many rows failed."""
    try:
        need_tools()
    except BenchError as e:
        print(f"\n  guest versus native: not measured: {e}")
        return len(rows)
    failed = 0
    print(f"\n  guest versus native, wall clock (no icount; the machine's load moves these: "
          f"{os.cpu_count()} cores)")
    for what in rows:
        try:
            if what == "uboot":
                print_uboot(*uboot_rows(reps), reps)
            elif what == "linux":
                if not linux.is_built(ROOT):
                    raise BenchError("build/linux/Image is not built: make linux (about 5 min)")
                print_linux(*linux_rows(reps), reps)
            elif what == "cpu":
                print_guest("cpu", *guest_rows(reps, "cpu", f"cpu_rounds={CPU_ROUNDS}"), reps)
            elif what == "uart":
                print_guest("uart", *guest_rows(reps, "uart", f"uart_bytes={UART_BYTES}"), reps)
            else:
                raise BenchError(f"no such row (rows: {', '.join(ROWS)})")
        except (BenchError, subprocess.TimeoutExpired) as e:
            failed += 1
            print(f"\n  {what}: not measured: {e}")
    print("\n  what still differs between the two sides:")
    for d in WHAT_DIFFERS:
        print(f"    - {d}")
    return failed


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m grader.benchwall",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=5, help="runs per side and row")
    ap.add_argument("--rows", default=",".join(ROWS), help="of " + ",".join(ROWS))
    a = ap.parse_args(argv)
    rows = [r for r in a.rows.split(",") if r]
    bad = [r for r in rows if r not in ROWS]
    if bad:
        ap.error(f"unknown rows {bad}")
    from .bench import build
    build()
    return 1 if report(a.reps, rows) else 0


if __name__ == "__main__":
    sys.exit(main())
