"""make bench: what the reference hypervisor costs (docs/bench.md).

    python3 -m grader.bench [--reps N] [--wall-reps N] [--wall-rows ROWS]
                            [--no-wall] [--no-grade]

Instructor-side, not part of make test. Builds the bench image (lab 10's
reference VMM with solutions/bench/ as harness and guest: make LAB=10
SOLUTION=1 BENCH=1) and prints one table, every figure from this run:

- instructions per round trip (null hypercall, MMIO read of the UART's LSR,
  G-stage fault mapped on demand / skipped, DBCN write of 64 bytes), counted
  by the guest with rdinstret under -icount shift=0 (exact: instret counts
  every instruction, in VS, HS and M-mode alike);
- the floor of an ecall round trip, next to switch.S as built (objdump);
- where one round trip's instructions go (the profile scenario);
- guest versus native, wall clock (grader/benchwall.py): U-Boot to "=>",
  Linux on 4 vCPUs to its prompt and to poweroff, a CPU-bound guest and
  bytes per second through the UART, each the same image with the same
  device tree under lab 10's reference VMM and natively, medians of
  --wall-reps alternating runs;
- the wall time of make grade SOLUTION=1 for every lab.
Medians over --reps QEMU runs (each guest probe is itself a median of 5).
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

from . import benchwall, labspec

ROOT = labspec.ROOT
QEMU = os.environ.get("QEMU", "qemu-system-riscv64")
BENCH_ELF = os.path.join(ROOT, "build", "10-guest-sol-bench", "hyp.elf")
NONCE = "bench"

# The targets.
TARGET_ECALL = 100                  # instructions per ecall round trip
TARGET_FULL_EXIT = 250              # the same with the fast path off: a full exit
TARGET_MMIO = 400                   # instructions per MMIO read round trip (UART LSR)
TARGET_GRADE = 15.0                 # seconds for make grade SOLUTION=1, all labs

# The floor of a null-hypercall round trip: what any world switch that
# keeps the guest's registers in memory cannot leave out (docs/bench.md).
FLOOR_PARTS = [
    ("guest ecall (the trap itself)", 1),
    ("csrrw a0, sscratch, a0 (free a register, find the vCPU)", 1),
    ("save x1..x31 (30 sd + csrr sscratch + sd for a0)", 32),
    ("csrr scause + branch: is it an ecall?", 2),
    ("a7 == hypercall EID? (li + bne)", 2),
    ("a0 = 0 (SBI_SUCCESS) in the saved frame", 1),
    ("sepc += 4 (csrr, addi, csrw)", 3),
    ("csrw sscratch, a0 (re-arm for the next exit)", 1),
    ("restore x1..x31 (31 ld)", 31),
    ("sret", 1),
]

FACT_RE = re.compile(r"^FACT " + NONCE + r" (\S+) (.*)$", re.M)


def sh(cmd, **kw):
    return subprocess.run(cmd, cwd=ROOT, **kw)


def build():
    from .build import sandboxed_make
    for extra, folder in ((["BENCH=1"], "10-guest-sol-bench"), ([], "10-guest-sol")):
        ok, out = sandboxed_make(ROOT, ["-s", "LAB=10", "SOLUTION=1", "HOST_ORACLE_SRCS="]
                                 + extra, os.path.join(ROOT, "build", folder))
        if not ok:
            sys.stderr.write(out)
            sys.exit("bench: build failed: make LAB=10 SOLUTION=1 " + " ".join(extra))


def kv(text):
    return {k: v for k, v in (w.split("=", 1) for w in text.split() if "=" in w)}


def run_bench(test):
    """One icount run of the bench image; {name: {key: value}} of its facts."""
    cmd = [QEMU, "-machine", "virt", "-nographic", "-bios", "default", "-no-reboot",
           "-cpu", "rv64", "-smp", "1", "-m", "256M", "-icount", "shift=0,sleep=off",
           "-kernel", BENCH_ELF, "-append", f"test={test} nonce={NONCE}"]
    from .grade import sandboxed_qemu
    res = sandboxed_qemu(cmd, 60, ROOT, 256 << 20, 1)
    if "hyp: shutdown (ok)" not in res.text:
        sys.stderr.write(res.text[-3000:])
        sys.exit(f"bench: scenario {test} did not end cleanly")
    facts = {}
    for key, value in FACT_RE.findall(res.text):
        name, _, rest = value.partition(" ")
        facts[f"{key}:{name}"] = kv(rest)
    return facts


def per_op(f):
    """Instructions one op costs: (loop with op - loop with nop) / n + the op."""
    return (int(f["op"]) - int(f["base"])) / int(f["n"]) + 1


def median_runs(test, reps):
    runs = [run_bench(test) for _ in range(reps)]
    out = {}
    for key in runs[0]:
        if key.startswith("probe:"):
            out[key] = statistics.median(per_op(r[key]) for r in runs)
        else:
            out[key] = runs[0][key]
    return out, runs


def switch_static():
    """Instructions of switch.S as built, per symbol: the entry
    (vcpu_switch_to_guest, to sret), the exit vector with its fast path (to
    sret), the other exits' test for the device fast path (vcpu_exit_other)
    and the rest of the full exit (vcpu_exit_full, to ret)."""
    objdump = os.environ.get("OBJDUMP", "riscv64-unknown-elf-objdump")
    dis = sh([objdump, "-d", "--no-show-raw-insn", BENCH_ELF], capture_output=True,
             text=True).stdout
    counts = {}
    for sym in ("vcpu_switch_to_guest", "vcpu_exit_vector", "vcpu_exit_other", "vcpu_exit_full",
                "vcpu_run"):
        m = re.search(r"<" + sym + r">:\n(.*?)(?:\n\n|\n[0-9a-f]+ <)", dis, re.S)
        if not m:
            sys.exit(f"bench: no symbol {sym} in {BENCH_ELF} (switch.S changed?)")
        lines = [ln for ln in m.group(1).splitlines() if re.match(r"\s+[0-9a-f]+:\s", ln)]
        counts[sym] = lines
    return counts


def full_exit_len(sw):
    """A full exit that is neither an ecall nor a device access: the exit
    vector up to its branch to vcpu_exit_other (taken), vcpu_exit_other up
    to its branch to vcpu_exit_full (taken), then all of vcpu_exit_full."""
    def upto(sym, target):
        return 1 + next(i for i, ln in enumerate(sw[sym]) if f"<{target}>" in ln)
    return upto("vcpu_exit_vector", "vcpu_exit_other") + \
        upto("vcpu_exit_other", "vcpu_exit_full") + len(sw["vcpu_exit_full"])


def grade_time():
    start = time.monotonic()
    r = sh(["make", "-s", "grade", "SOLUTION=1"], capture_output=True, text=True)
    return time.monotonic() - start, r.returncode, r.stdout


# ---- the table --------------------------------------------------------------
def row(what, value, target="", note=""):
    print(f"  {what:<44} {value:>12}  {target:<12} {note}")


def met(value, target):
    """An instruction count against its target (at most), in the table's words."""
    return "MISSED" if value > target else "met"


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m grader.bench", description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=3, help="QEMU runs per icount scenario")
    ap.add_argument("--wall-reps", "--uboot-reps", type=int, default=5,
                    help="runs per side of each guest-versus-native row")
    ap.add_argument("--wall-rows", default=",".join(benchwall.ROWS),
                    help="guest-versus-native rows, of " + ",".join(benchwall.ROWS))
    ap.add_argument("--no-wall", action="store_true", help="skip guest versus native")
    ap.add_argument("--no-uboot", action="store_true", help="skip the U-Boot row")
    ap.add_argument("--no-grade", action="store_true", help="skip timing make grade")
    args = ap.parse_args(argv)
    if not shutil.which(QEMU):
        sys.exit(f"bench: {QEMU} not found (make setup)")
    t_start = time.monotonic()
    build()

    micro, _ = median_runs("micro", args.reps)
    fault, _ = median_runs("fault", args.reps)
    slow, _ = median_runs("slow", args.reps)
    prof = run_bench("profile")
    sw = switch_static()
    n_entry = len(sw["vcpu_switch_to_guest"])
    n_fast = len(sw["vcpu_exit_vector"])
    n_exit = full_exit_len(sw)
    n_run = len(sw["vcpu_run"])
    floor = sum(n for _, n in FLOOR_PARTS)

    print()
    print("make bench: the reference hypervisor (labs 1-10 solutions), QEMU "
          + sh([QEMU, "--version"], capture_output=True, text=True).stdout.split()[3])
    print(f"  {'instructions per round trip (icount, exact)':<44} {'measured':>12}  {'target':<12}")
    ecall = micro["probe:ecall"]
    row("null hypercall (VS ecall), vmm_run()", f"{ecall:.1f}", f"<= {TARGET_ECALL}",
        ("MISSED" if ecall > TARGET_ECALL else "met") + "; answered on the fast path")
    full = slow["probe:ecall_slow"]
    row("  the same, fast path off", f"{full:.1f}", f"<= {TARGET_FULL_EXIT}",
        met(full, TARGET_FULL_EXIT) + "; full exit, lab 6 decode, lab 7 dispatch, vmm_run()")
    row("  floor: 31 saves + 31 restores + CSRs + sret", f"{floor}", "", "(see docs/bench.md)")
    row("  switch.S as built: fast path", f"{n_fast}", "",
        "exit vector to sret, static; plus the C handler it calls")
    row("  switch.S as built: entry + full exit", f"{n_entry + n_exit}", "",
        f"entry {n_entry} (to sret), exit {n_exit} (to ret); vcpu_run body {n_run} (static)")
    mmio = micro["probe:mmio_read"]
    row("MMIO read (UART LSR, lab 9 path)", f"{mmio:.1f}", f"<= {TARGET_MMIO}",
        met(mmio, TARGET_MMIO))
    row("G-stage fault, page mapped on demand", f"{fault['probe:fault_map']:.1f}", "",
        "bench_run(); gstage_map + hfence.gvma")
    row("G-stage fault, load skipped", f"{fault['probe:fault_skip']:.1f}", "", "bench_run()")
    row("DBCN write of 64 bytes (lab 7)", f"{micro['probe:dbcn64']:.1f}", "",
        "includes 64 legacy putchars to OpenSBI (M-mode)")
    row("  check: null hypercall under bench_run()", f"{fault['probe:ecall_loop']:.1f}", "",
        "fast path off; own loop, refvm.c dispatch")
    print()
    print("  where one round trip goes (profile: rdinstret around each step, first exit dropped)")
    for key, f in sorted(prof.items()):
        if key.startswith("profile:"):
            n = int(f["n"])
            what = {"nothing": "null hypercall", "mmio_read": "MMIO read"}.get(key[8:], key[8:])
            row(f"  {what}: run / decode / handle",
                f"{int(f['run']) / n:.0f}/{int(f['decode']) / n:.0f}/{int(f['handle']) / n:.0f}", "",
                "run = vcpu_run(): switch + guest loop")
    for key, f in sorted(prof.items()):
        if key.startswith("part:"):
            row(f"  of which {key[5:]}", f["insns"], "", f"{f.get('bytes', '')} bytes" if "bytes" in f else "")
    unmeasured = 0
    if not args.no_wall:
        unmeasured = benchwall.report(args.wall_reps, [r for r in args.wall_rows.split(",")
                                          if r and not (args.no_uboot and r == "uboot")])
    if not args.no_grade:
        took, rc, out = grade_time()
        print()
        row(f"make grade SOLUTION=1, all labs ({os.cpu_count()} cores)", f"{took:.1f} s",
            f"<= {TARGET_GRADE:.0f} s",
            ("MISSED" if took > TARGET_GRADE else "met") + ("" if rc == 0 else f"; exit {rc}"))
        last = [ln for ln in out.splitlines() if ln.strip()][-1:] or [""]
        row("  grader's last line", "", "", last[0].strip()[:60])
    print(f"\nmake bench took {time.monotonic() - t_start:.0f} s")
    return 1 if unmeasured else 0


if __name__ == "__main__":
    sys.exit(main())
