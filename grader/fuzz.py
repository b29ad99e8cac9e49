"""make fuzz: an adversarial guest against the reference hypervisor (docs/fuzz.md).

    python3 -m grader.fuzz [--seed S] [--ops N] [--test fuzz|vmm|both|hsm|all] [--timeout T]

Instructor-side. Builds the fuzz image (lab 10's reference VMM with
solutions/fuzz/ as harness and guest: make LAB=10 SOLUTION=1 FUZZ=1) and
boots it once per scenario with bootargs seed=S ops=N:

- fuzz: fuzz_run(), lab 10's dispatch in a loop of the harness's own that
  also counts the virtual instructions it reflects to the guest;
- vmm:  lab 10's vmm_run() untouched (it reflects them too).

Both run every operation kind, virtual instructions included.

A third scenario, hsm, boots another image: lab 8's reference SMP VM (4
vCPUs on 4 harts) with solutions/fuzz/smp/ as harness and guest (make
LAB=8 SOLUTION=1 FUZZ=smp): every hart hammers HSM, IPI and RFENCE with
garbage, N / 4 operations each (docs/fuzz.md, "Several harts"). SMP runs
are not deterministic: the seed fixes each hart's choices, not their
interleaving. By default all three scenarios run, side by side.

A run passes when every CHECK line (the guest's invariants, the harness's
canary and clean exit) says PASS, it ends with "hyp: shutdown (ok)", and it
neither timed out nor flooded. The same seed gives the same run.
"""

import argparse
import os
import re
import sys
import threading
import time

from . import labspec, qemu

ROOT = labspec.ROOT
QEMU = os.environ.get("QEMU", "qemu-system-riscv64")
FUZZ_DIR = os.path.join(ROOT, "solutions", "fuzz")
FUZZ_ELF = os.path.join(ROOT, "build", "10-guest-sol-fuzz", "hyp.elf")
NONCE = "fuzz"
DEFAULT_SEED = 0x5EED
DEFAULT_OPS = 100000
SCENARIOS = ("fuzz", "vmm")
# The SMP scenario: lab 8's reference hypervisor, its own image.
SMP_SCENARIOS = ("hsm",)
ALL_SCENARIOS = SCENARIOS + SMP_SCENARIOS
SMP_ELF = os.path.join(ROOT, "build", "08-hsm-sol-fuzz-smp", "hyp.elf")
SMP_HARTS = 4
OUTPUT_CAP = 32 * 1024 * 1024      # refused accesses print a line each: ~8 bytes/op
SHUTDOWN_OK = "hyp: shutdown (ok)"

CHECK_RE = re.compile(r"CHECK " + NONCE + r" (\S+) (PASS|FAIL)(.*)$", re.M)
FACT_RE = re.compile(r"FACT " + NONCE + r" (\S+) (.*)$", re.M)


def available():
    return os.path.isdir(FUZZ_DIR)


def _make(args, build_dir):
    """make ARGS in the sandbox; an error message or None."""
    from .build import sandboxed_make
    ok, out = sandboxed_make(ROOT, ["-s", *args], os.path.join(ROOT, "build", build_dir))
    return None if ok else (out[-3000:] or "make failed")


def build():
    """make LAB=10 SOLUTION=1 FUZZ=1; returns an error message or None."""
    return _make(["LAB=10", "SOLUTION=1", "FUZZ=1"], "10-guest-sol-fuzz")


def build_smp():
    """make LAB=8 SOLUTION=1 FUZZ=smp; returns an error message or None."""
    return _make(["LAB=8", "SOLUTION=1", "FUZZ=smp"], "08-hsm-sol-fuzz-smp")


def hart_ops(ops):
    """The hsm scenario's operations per hart: the run's N shared by its harts."""
    return max(1, ops // SMP_HARTS)


def default_timeout(ops):
    """About 10 s per 100k operations measured (2 cores, next to other
    builds); four times that, and never less than 20 s."""
    return max(20.0, 40.0 * ops / 100000)


class FuzzRun:
    def __init__(self, test, seed, ops):
        self.test, self.seed, self.ops = test, seed, ops
        self.checks = []            # (name, passed, detail)
        self.facts = []             # (key, value)
        self.res = None

    @property
    def failures(self):
        return [c for c in self.checks if not c[1]]

    @property
    def shutdown_ok(self):
        return self.res is not None and SHUTDOWN_OK in self.res.text

    @property
    def ok(self):
        r = self.res
        return (r is not None and not r.timed_out and not r.flooded and not r.error
                and self.shutdown_ok and bool(self.checks) and not self.failures
                and any(name == "canary" for name, _, _ in self.checks))

    def problems(self):
        r, out = self.res, []
        if r is None or r.error:
            out.append(f"QEMU did not start: {r.error if r else 'not run'}")
            return out
        if r.timed_out:
            out.append(f"timed out after {r.duration:.1f} s (hang?)")
        if r.flooded:
            out.append("output cap reached")
        if not self.shutdown_ok:
            out.append(f"no '{SHUTDOWN_OK}' line")
        if not any(name == "canary" for name, _, _ in self.checks):
            out.append("no canary CHECK (the harness did not finish)")
        out += [f"CHECK {n} FAIL{d}" for n, _, d in self.failures]
        return out


def run_one(test, seed, ops, timeout=None):
    """One QEMU boot of the fuzz image; the image must be built."""
    run = FuzzRun(test, seed, ops)
    elf, smp, mem, boot_ops = FUZZ_ELF, "1", "256M", ops
    if test in SMP_SCENARIOS:
        # No -icount with several harts (docs/qemu-facts.md). About 3.5 s
        # per 100k operations alone, but harts that wait for each other
        # (remote fences, locks) slow down far more than the rest when the
        # host is busy: 4 such runs side by side on 2 cores took 38 s
        # each. The guest reports a hart stuck for 5 s itself.
        elf, smp, mem, boot_ops = SMP_ELF, str(SMP_HARTS), "128M", hart_ops(ops)
        timeout = timeout or max(30.0, 120.0 * ops / 100000)
    cmd = [QEMU, "-machine", "virt", "-nographic", "-bios", "default", "-no-reboot",
           "-cpu", "rv64", "-smp", smp, "-m", mem, "-kernel", elf,
           "-append", f"test={test} nonce={NONCE} seed={seed:#x} ops={boot_ops}"]
    from .grade import sandboxed_qemu
    run.res = sandboxed_qemu(cmd, timeout or default_timeout(ops), ROOT,
                             labspec.parse_mem(mem), int(smp), cap=OUTPUT_CAP)
    run.checks = [(n, s == "PASS", d) for n, s, d in CHECK_RE.findall(run.res.text)]
    run.facts = FACT_RE.findall(run.res.text)
    return run


def run_many(tests, seed, ops, timeout=None):
    """The scenarios side by side (one QEMU each), in the order given."""
    runs = [None] * len(tests)

    def work(i, t):
        runs[i] = run_one(t, seed, ops, timeout)

    threads = [threading.Thread(target=work, args=(i, t)) for i, t in enumerate(tests)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return runs


def summary(run):
    facts = {}
    for key, value in run.facts:
        facts.setdefault(key, []).append(value)
    ops = ", ".join(facts.get("ops", []))
    exits = ", ".join(facts.get("exits", []))
    lines = [f"{run.test}: seed {run.seed:#x}, {run.ops} operations, "
             f"{run.res.duration:.1f} s: {'PASS' if run.ok else 'FAIL'}",
             f"  operations: {ops}"]
    if run.test in SMP_SCENARIOS:
        lines += [f"  {SMP_HARTS} harts, {hart_ops(run.ops)} operations each; host IPIs: "
                  f"{', '.join(facts.get('host_ipis', ['?']))}"]
        lines += [f"  hart {h}" for h in facts.get("hart", [])]
    else:
        lines += [f"  guest traps: {', '.join(facts.get('traps', ['?']))}; "
                  f"reflected virtual instructions: {', '.join(facts.get('reflected', ['?']))}"]
    lines += [f"  exits: {exits}"]
    for name, passed, detail in run.checks:
        lines.append(f"  {'ok  ' if passed else 'FAIL'} {name}:{detail}")
    if not run.ok:
        lines += [f"  problem: {p}" for p in run.problems()]
        tail = "\n".join(run.res.text.splitlines()[-25:])
        lines.append("  last lines of the serial output:\n" +
                     "\n".join("    | " + t for t in tail.splitlines()))
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m grader.fuzz", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=lambda s: int(s, 0), default=DEFAULT_SEED,
                    help="the run's seed (decimal or 0x hex; default %(default)#x)")
    ap.add_argument("--ops", type=int, default=DEFAULT_OPS, help="operations per run")
    ap.add_argument("--test", choices=ALL_SCENARIOS + ("both", "all"), default="all",
                    help="both = fuzz and vmm; all (default) = the three")
    ap.add_argument("--timeout", type=float, default=None, help="seconds per run")
    args = ap.parse_args(argv)
    if not available():
        sys.exit("fuzz: solutions/fuzz is missing (instructors' copy only)")
    if args.ops <= 0:
        sys.exit("fuzz: --ops must be positive")
    tests = {"both": list(SCENARIOS), "all": list(ALL_SCENARIOS)}.get(args.test, [args.test])
    if any(t in SCENARIOS for t in tests):
        err = build()
        if err:
            sys.stderr.write(err)
            sys.exit("fuzz: build failed: make LAB=10 SOLUTION=1 FUZZ=1")
    if any(t in SMP_SCENARIOS for t in tests):
        err = build_smp()
        if err:
            sys.stderr.write(err)
            sys.exit("fuzz: build failed: make LAB=8 SOLUTION=1 FUZZ=smp")
    start = time.monotonic()
    runs = run_many(tests, args.seed, args.ops, args.timeout)
    for run in runs:
        print(summary(run))
    ok = all(r.ok for r in runs)
    print(f"fuzz: {'PASS' if ok else 'FAIL'} ({len(runs)} runs, seed {args.seed:#x}, "
          f"{args.ops} operations each, {time.monotonic() - start:.1f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
