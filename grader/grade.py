"""Grade labs: build each image once, run its tests in parallel, score them."""

import concurrent.futures
import os
import random
import shutil
import tempfile

from . import build as buildmod
from . import diagnose, evaluate, guestcode, guestload, labspec, linux, oracle, ownership, qemu, \
    sandbox
from . import sanitize

QEMU = os.environ.get("QEMU", "qemu-system-riscv64")


class TestOutcome:
    def __init__(self, test, variant):
        self.test = test
        self.variant = variant
        self.score = 0
        self.status = "FAIL"
        self.results = []        # CheckResult per check
        self.run = None
        self.parsed = None
        self.log = None
        self.note = ""           # why the run went wrong, in one line
        self.params = None       # the run's parameters (nonce, seed, ...)
        self.build_output = ""
        self.diagnosis = None    # diagnose.Diagnosis of a run that went wrong

    @property
    def max(self):
        return self.test.points

    @property
    def passed(self):
        return self.score == self.max


def run_params(test):
    # The nonce must be unguessable (student code that knew it could print
    # result lines of its own): os.urandom, what the secrets module uses,
    # without the 3 ms that importing secrets adds to every grader's start.
    seed = test.seed if test.seed is not None else int.from_bytes(os.urandom(4), "little")
    mem = labspec.parse_mem(test.mem)
    params = {"smp": test.smp, "mem_bytes": mem, "mem_mib": mem >> 20, "cpu": test.cpu,
              "seed": int(seed), "nonce": os.urandom(8).hex(), "test": test.scenario}
    params.update(seed_values(int(seed)))
    params["cpu"] = evaluate.render(test.cpu, params)
    return params


def seed_values(seed):
    """Values a test's templates may use, drawn from the seed (so a rerun
    with the same seed sees the same): {rand_a} and {rand_c} 32 bits,
    {rand_b} 63 bits, never 0 (lab 7 gives them to -cpu as the machine
    ids: a hard-coded answer cannot match them); {seed_low1}, {seed_low2}."""
    r = random.Random(seed)
    return {"rand_a": r.getrandbits(32) | 1, "rand_b": r.getrandbits(63) | 1 << 62,
            "rand_c": r.getrandbits(32) | 1,
            # The seed with its two low bits never 0 (lab 6: SEED_LOW1/2 in
            # labs/06-trap/test/lab6.h): an address that is not 4-aligned.
            "seed_low1": (seed & ~3) | (1 + seed % 3),
            "seed_low2": (seed & ~3) | (1 + (seed >> 2) % 3)}


MONITOR = "qmp.sock"        # the run's QMP socket, in a folder of its own


def dtb_command(test, path):
    """QEMU writes the device tree of a machine like test's, but with the CPU
    test.dtb_cpu, to path, and exits (-machine virt,dumpdtb=)."""
    return [QEMU, "-machine", f"virt,dumpdtb={path}", "-bios", "default", "-display", "none",
            "-monitor", "none", "-serial", "none", "-nic", "none", "-cpu", test.dtb_cpu,
            "-smp", str(test.smp), "-m", test.mem]


def make_dtb(test, root, folder):
    """The device tree a test asks for (qemu "dtb_cpu"), made in the sandbox
    into folder (the run's own): its path, or raises GuestError."""
    path = os.path.join(folder, "machine.dtb")
    run = sandboxed_qemu(dtb_command(test, path), 20, root, labspec.parse_mem(test.mem),
                         test.smp, writable=[folder])
    if not os.path.isfile(path):
        raise guestload.GuestError("cannot make the test's device tree "
                                   f"(-cpu {test.dtb_cpu}): {run.error or run.text[-200:]}")
    return path


def qemu_command(test, kernel, params, monitor=None, dtb=None):
    """monitor: a QMP socket path for the grader to read the harts through
    (grader/monitor.py); with several harts the kit is then told (snap=1) to
    wait a moment for that read before a failing run shuts down."""
    # test= names the harness scenario: a test's own name unless it gives
    # "scenario" (hidden tests rerun an existing scenario under a new name).
    bootargs = f"test={test.scenario} nonce={params['nonce']} seed={params['seed']:#x}"
    if monitor and test.smp > 1:
        bootargs += " snap=1"
    if test.bootargs:
        bootargs += " " + evaluate.render(test.bootargs, params)
    loader = []
    if test.guest:      # lab 10: a real guest's files, and where they are
        loader, where = guestload.for_test(test.guest, labspec.ROOT,
                                           lambda s: evaluate.render(s, params))
        bootargs += " " + where
    cmd = [QEMU, "-machine", "virt", "-bios", "default", "-no-reboot",
           "-display", "none", "-monitor", "none", "-serial", "stdio", "-nic", "none",
           "-cpu", params["cpu"], "-smp", str(test.smp), "-m", test.mem,
           "-kernel", kernel, "-append", bootargs]
    if test.icount:
        cmd += ["-icount", "shift=0,sleep=off"]
    if monitor:
        cmd += ["-qmp", f"unix:{monitor},server=on,wait=off"]
    if dtb:
        cmd += ["-dtb", dtb]
    return cmd + loader + test.extra_args


def host_command(kernel, params):
    """A host-side unit test, as one would type it: the lab's oracle (kit
    files only) around the program built with the student's files."""
    d = os.path.dirname(kernel)
    return oracle.command(os.path.join(d, "host-oracle"), [os.path.join(d, "host-test")],
                          params)


def kit_of(kernel):
    """The kit root of an image at ROOT/build/<lab>-<variant>/hyp.elf (None
    when the image is elsewhere)."""
    d = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(kernel))))
    return d if os.path.basename(os.path.dirname(os.path.dirname(kernel))) == "build" \
        and os.path.isdir(d) else None


def _error_run(text):
    res = qemu.RunResult()
    res.error = text
    return res


def sandboxed_run(test, cmd, root, steps, params=None):
    """qemu.run(cmd) in a sandbox over the kit root (read-only). A host test
    (cmd from host_command): only the program with the student's code is
    sandboxed; the lab's oracle, built from the instructor's kit, runs it."""
    from .build import shared_readonly
    if test.host:
        judge, why = oracle.oracle_for(test.lab)
        if not judge:
            return _error_run(why)
        cmd = cmd[cmd.index("--") + 1:]
    if not shutil.which(cmd[0], path=None if os.sep in cmd[0] else sandbox.BASE_ENV["PATH"]):
        return _error_run(f"cannot start {cmd[0]}: not found or not executable")
    limits = sandbox.host_test_limits(test.timeout) if test.host else \
        sandbox.run_limits(test.timeout, labspec.parse_mem(test.mem), test.smp)
    monitor = _monitor_of(cmd)
    try:
        with sandbox.detect().jail(root, readonly=shared_readonly(root) if root else [],
                                   writable=[os.path.dirname(monitor)] if monitor else [],
                                   limits=limits) as j:
            wrapped = j.wrap(cmd)
            if test.host:
                wrapped = oracle.command(judge, wrapped, params)
            return qemu.run(wrapped, test.timeout, steps=steps, env=j.env, cwd=j.cwd,
                            monitor=monitor)
    except (sandbox.SandboxError, OSError) as e:
        return _error_run(f"cannot sandbox the run: {e}")


def _monitor_of(cmd):
    """The QMP socket named on a QEMU command line (qemu_command), if any."""
    for a, b in zip(cmd, cmd[1:]):
        if a == "-qmp" and b.startswith("unix:"):
            return b[len("unix:"):].split(",")[0]
    return None


def monitor_dir():
    """A folder of its own for one run's QMP socket: short (a unix socket
    path has at most 107 bytes) and private."""
    return tempfile.mkdtemp(prefix="rvh-qmp-")


def sandboxed_qemu(cmd, timeout, root, mem_bytes, smp, cap=qemu.OUTPUT_CAP, writable=()):
    """qemu.run(cmd) in the sandbox over root, for the instructors' tools
    (make bench, make fuzz) and a test's device tree (make_dtb)."""
    limits = sandbox.run_limits(timeout, mem_bytes, smp)
    try:
        with sandbox.detect().jail(root, writable=writable, limits=limits) as j:
            return qemu.run(j.wrap(cmd), timeout, cap=cap, env=j.env, cwd=j.cwd)
    except (sandbox.SandboxError, OSError) as e:
        return _error_run(f"cannot sandbox the run: {e}")


def run_test(test, kernel, variant, logdir, root=None):
    out = TestOutcome(test, variant)
    params = run_params(test)
    steps = [{k: evaluate.render(v, params) if isinstance(v, str) else v
              for k, v in s.items()} for s in test.input]
    # A "runs" check: what the looks must read besides the harts.
    guest = guestcode.for_image(evaluate.render(test.guest["image"], params), labspec.ROOT) \
        if test.guest and any(c.runs for c in test.checks) else None
    if isinstance(guest, str):
        out.params = params
        out.status, out.note = "ERROR", f"cannot judge the guest: {guest}"
        return out
    if guest:
        steps = [dict(s, look={"kind": s["look"], "memory": guest.memory()})
                 if s.get("look") else s for s in steps]
    mondir = None if test.host else monitor_dir()
    try:
        try:
            dtb = make_dtb(test, root or kit_of(kernel), mondir) if test.dtb_cpu and \
                not test.host else None
            cmd = host_command(kernel, params) if test.host else \
                qemu_command(test, kernel, params, os.path.join(mondir, MONITOR), dtb)
            by_hand = cmd if test.host else \
                qemu_command(test, kernel, params, dtb=keep_dtb(dtb, logdir, test))
        except guestload.GuestError as e:
            out.params = params
            out.status, out.note = "ERROR", str(e)
            return out
        run = sandboxed_run(test, cmd, root or kit_of(kernel), steps, params)
    finally:
        if mondir:
            ownership.rmtree_quiet(mondir)
    if not test.host and not run.error:
        run.error = refused_machine(run)
    parsed = evaluate.Parsed(run.text, params["nonce"])
    out.run, out.parsed, out.params = run, parsed, params
    out.results = [evaluate.evaluate_check(c, parsed, run, params, guest) for c in test.checks]
    not_credited(out.results)
    out.score = sum(r.points for r in out.results)
    if run.error:
        out.status, out.note = "ERROR", run.error
    elif (run.timed_out or run.flooded) and not out.passed:
        out.status = "TIMEOUT" if run.timed_out else "FLOOD"
    else:
        out.status = "PASS" if out.passed else ("PARTIAL" if out.score else "FAIL")
    # A run that had to be killed says so, even when its checks all passed.
    if run.timed_out:
        out.note = f"still running after {test.timeout:g} s: killed"
    elif run.flooded:
        out.note = f"more than {qemu.OUTPUT_CAP // 1024} KiB of output: killed"
    if run.input_stalled and not out.note:
        out.note = f"input step never saw /{run.input_stalled}/"
    if parsed.suspicious:
        out.note = (out.note + "; " if out.note else "") + \
            f"{len(parsed.suspicious)} result line(s) without this run's nonce ignored"
    # Not after Ctrl-C: the diagnosis starts sandboxed tools, and the
    # grader's exit waits for this thread.
    if not out.passed and not run.error and not qemu.stopping():
        out.diagnosis = diagnosis(test, kernel, root or kit_of(kernel), run, parsed)
    out.log = write_log(logdir, test, by_hand, run, out)
    return out


NOT_CREDITED = ("not credited: the console shows it, but QEMU did not see the guest run its "
                "code, so the hypervisor may have printed it (the test's \"QEMU itself "
                "sees\" check)")


def not_credited(results):
    """When a "runs" check fails, what the console showed may have been
    printed by the hypervisor instead of the guest: no check of the test
    scores (labspec.py)."""
    if any(r.check.runs and not r.ok for r in results):
        for r in results:
            if r.ok and not r.check.runs:
                r.ok, r.points = False, 0
                r.saw.append(NOT_CREDITED)
                r.not_judged = True     # its hint is not the way: QEMU's view is


def diagnosis(test, kernel, root, run, parsed):
    """Where the harts were (a snapshot) and what the kit's trap dump names
    (grader/diagnose.py); None when there is nothing to say."""
    # The kit's own kernel (a private kit has an empty build/linux).
    guest_elf = linux.vmlinux() if _uses_linux(test) else None
    images = diagnose.Images(kernel, root, guest_elf)
    d = diagnose.Diagnosis()
    if run.snapshot:
        d = diagnose.harts(run.snapshot, run.words, images,
                           diagnose.stack_ranges(root, kernel))
    from_dump = diagnose.dump(parsed.dump_excerpt(), images)
    d.lines += from_dump.lines
    d.hints += from_dump.hints
    return d or None


FIRMWARE_BANNER = "OpenSBI v"     # the first thing a machine prints


def refused_machine(run):
    """QEMU's own complaint when it refused its command line and never
    started the machine (a guest file or an image it cannot load): no
    firmware banner, a failing status and a line of QEMU's. No code ran, so
    the checks' hints, about what code did, would mislead. None otherwise
    (a student's code runs after OpenSBI's banner: it cannot fake this)."""
    if run.exit_code in (None, 0) or FIRMWARE_BANNER in run.text:
        return None
    prefix = os.path.basename(QEMU) + ": "
    said = [ln for ln in run.text.splitlines() if ln.startswith(prefix)]
    return f"QEMU did not start the machine: {said[0][len(prefix):][:300]}" if said else None


def keep_dtb(dtb, logdir, test):
    """A test's own device tree, kept beside its log (the run's copy goes
    with the run's folder), for the log's command: its path, or None."""
    if not dtb:
        return None
    path = os.path.join(logdir, f"{test.name}.dtb")
    try:
        os.makedirs(logdir, exist_ok=True)
        shutil.copyfile(dtb, path)
    except OSError:
        return dtb          # the command as it ran, then
    return path


def write_log(logdir, test, cmd, run, out):
    """The run's serial output; None (and a note) when it cannot be written.
    cmd: the run's command as one would type it (no monitor socket)."""
    path = os.path.join(logdir, f"{test.name}.log")
    try:
        os.makedirs(logdir, exist_ok=True)
        with open(path, "w", encoding="utf-8", errors="replace") as f:
            f.write("# " + " ".join(_quote(a) for a in cmd) + "\n")
            f.write(f"# status {out.status}, score {out.score:g}/{out.max:g}, "
                    f"{run.duration:.2f} s, exit {run.exit_code}\n")
            f.write(run.text)
    except OSError as e:
        out.note = (out.note + "; " if out.note else "") + f"log not written: {e}"
        return None
    return path


def _quote(a):
    return a if a and all(c.isalnum() or c in "-_=.,:/" for c in a) else repr(a)


class LabOutcome:
    def __init__(self, lab, variant):
        self.lab = lab
        self.variant = variant
        self.build = None
        self.tests = []

    @property
    def score(self):
        return sum(t.score for t in self.tests)

    @property
    def max(self):
        return self.lab.points


def _result_or_error(fut, test, variant):
    """A grader bug in one test becomes that test's ERROR, not a traceback
    that loses every other test's result and the summary."""
    try:
        return fut.result()
    except Exception as e:      # noqa: BLE001 (deliberately broad)
        t = TestOutcome(test, variant)
        t.status, t.note = "ERROR", "grader error: " + sanitize.error(e)
        return t


def logdir_for(root, lab, variant, tag=""):
    return os.path.join(root, "build", "grade" + tag, f"{lab.dirname}-{variant}")


def _uses_linux(test):
    return bool(test.guest) and test.guest.get("image") == guestload.LINUX


def ensure_linux(labs, say=print):
    """The kit's Linux guest (make linux) for the tests that boot it: built
    on first use, from the kit's own common/linux/ (never a submission's),
    saying so. None when it is there; else why not, in one sentence."""
    if not any(_uses_linux(t) for lab in labs for t in lab.tests):
        return None
    if linux.is_built():
        return None
    missing = linux.missing_tools()
    if missing:
        return f"the kit's Linux guest cannot be built here: {missing}"
    say("grader: building the kit's Linux guest first (make linux: about 5 minutes on 2 "
        "cores, once; cached in build/linux/)")
    ok, _ = linux.build(echo=lambda line: say("  " + line))
    return None if ok else "make linux failed: see build/linux/build.log"


def grade(root, labs, variant, jobs, on_test_done=None, tag="", untrusted=False):
    """Build every lab (in parallel, two at a time), then run every test on
    `jobs` workers. Returns a LabOutcome per lab, in order. on_test_done(o, t)
    is called as each test's outcome is known (a failed build's tests too).
    untrusted: the sources are a student's (build.build applies limits)."""
    outcomes = [LabOutcome(lab, variant) for lab in labs]
    for o in outcomes:
        shutil.rmtree(logdir_for(root, o.lab, variant, tag), ignore_errors=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        try:
            for o, b in zip(outcomes, pool.map(
                    lambda l: buildmod.build(root, l, variant, (), untrusted), labs)):
                o.build = b
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            qemu.kill_all()     # the builds in progress too
            raise
    no_linux = ensure_linux(labs)
    work = []
    for o in outcomes:
        for test in o.lab.tests:
            if o.build.ok and no_linux and _uses_linux(test):
                t = TestOutcome(test, variant)
                t.status, t.note = "ERROR", no_linux
                o.tests.append(t)
                if on_test_done:
                    on_test_done(o, t)
            elif o.build.ok:
                work.append((o, test))
            else:
                t = TestOutcome(test, variant)
                t.status, t.note = "BUILD", "the image did not build"
                t.build_output = o.build.output
                o.tests.append(t)
                if on_test_done:
                    on_test_done(o, t)
    # The longest first, so that no long test starts last with the other
    # workers idle beside it (a test's timeout is the kit's guess at its
    # length: Linux 120 s, lab 9's exhaustive decoder 30 s, most 10 s).
    # Stable: in lab order otherwise.
    work.sort(key=lambda w: -w[1].timeout)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futs, futs_test = {}, {}
        for o, test in work:
            fut = pool.submit(run_test, test, o.build.kernel, variant,
                              logdir_for(root, o.lab, variant, tag), root)
            futs[fut], futs_test[fut] = o, test
        try:
            for fut in concurrent.futures.as_completed(futs):
                o = futs[fut]
                t = _result_or_error(fut, futs_test[fut], variant)
                o.tests.append(t)
                if on_test_done:
                    on_test_done(o, t)
        except KeyboardInterrupt:
            # Do not start the queued tests, and end the running ones now
            # rather than at their timeouts: the pool waits for them on exit.
            pool.shutdown(wait=False, cancel_futures=True)
            qemu.kill_all()
            raise
    order = {id(t): i for o in outcomes for i, t in enumerate(o.lab.tests)}
    for o in outcomes:
        o.tests.sort(key=lambda t: order[id(t.test)])
    return outcomes
