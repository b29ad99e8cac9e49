"""grader/tests in processes of their own, for `make test` (selftest.py),
which runs them beside the lab grades:

    python3 -m grader.unitrun OUT.json [SHARD COUNT]

runs the test modules of shard SHARD (0 .. COUNT-1) and writes
{"outcomes": [[test id, kind, detail], ...] in the order they ran ("pass",
"fail" or "skip", selftest._PerTestResult), "seconds", "modules": {module:
seconds}, "tail": the end of unittest's report when something failed}.

Most of the suite's time is waiting (a build, a QEMU run up to its
timeout, a grader in a subprocess), not computing: shards side by side
keep both cores busy. A module stays whole in one shard (test_attacks
plans its grader runs in setUpModule). Shards are balanced by each
module's time in the last make test (TIMES, written by selftest.py), else
by the rough costs in COST.

Their temporary folders (kit copies, submissions, tens of thousands of
files a run) go to memory when there is room (scratch_tmp()).
"""

import io
import json
import os
import sys
import time
import unittest

TIMES = os.path.join("build", "selftest-unit-times.json")
# Seconds on 2 idle cores, measured once; only to balance the shards when
# TIMES is not there yet (the first make test).
COST = {"test_handout": 60, "test_batch": 40, "test_attacks": 30, "test_determinism": 25,
        "test_diagnose": 15, "test_wrong_answers": 10, "test_grade": 12, "test_outputs": 10,
        "test_fuzz": 10, "test_timeout_e2e": 9, "test_submission": 9, "test_gradescope": 8,
        "test_editor": 8, "test_handin": 6, "test_pristine": 6, "test_symbols": 5,
        "test_qemu": 4, "test_sandbox": 4}


SCRATCH = "/dev/shm"
SCRATCH_FREE = 1 << 30      # bytes it must have free (a make test's unit tests: about 110 MiB at most)


def scratch_tmp():
    """/dev/shm when it is a writable folder with SCRATCH_FREE bytes free
    and allows running programs (the tests run what they build there;
    Docker's is noexec), else None (tempfile's default). Making a file there
    costs about 15 us; on this kit's 2-core test machine's disk it cost
    0.03-0.7 ms (ext4, 2026-12-05), and the unit tests' kit copies make
    thousands: 20-30% of their CPU time. A container's /dev/shm (podman,
    Docker: 64 MiB) is too small."""
    try:
        st = os.statvfs(SCRATCH)
    except OSError:
        return None
    if not os.access(SCRATCH, os.W_OK | os.X_OK) or st.f_bavail * st.f_frsize < SCRATCH_FREE \
            or st.f_flag & os.ST_NOEXEC:
        return None
    return SCRATCH


def modules(root):
    return sorted(f[:-3] for f in os.listdir(os.path.join(root, "grader", "tests"))
                  if f.startswith("test") and f.endswith(".py"))


def costs(root):
    cost = {m: COST.get(m, 1.0) for m in modules(root)}
    try:
        with open(os.path.join(root, TIMES), encoding="utf-8") as f:
            last = json.load(f)
        cost.update({m: float(s) for m, s in last.items() if m in cost})
    except (OSError, ValueError, TypeError, AttributeError):
        pass
    return cost


def shard_of(root, count):
    """{module: shard}: the longest first, each to the least loaded shard."""
    load, where = [0.0] * count, {}
    for m, c in sorted(costs(root).items(), key=lambda mc: (-mc[1], mc[0])):
        i = load.index(min(load))
        where[m] = i
        load[i] += c
    return where


def main(out_path, shard=0, count=1):
    from .labspec import ROOT
    from .selftest import _PerTestResult
    where = shard_of(ROOT, count)
    names = [f"grader.tests.{m}" for m, i in where.items() if i == shard]
    loader = unittest.TestLoader()
    stream = io.StringIO()
    runner = unittest.TextTestRunner(stream=stream, verbosity=2, resultclass=_PerTestResult)
    start = time.monotonic()
    outcomes, seconds, bad = [], {}, False
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    for name in sorted(names, key=lambda n: -costs(ROOT)[n.rsplit(".", 1)[1]]):
        t0 = time.monotonic()
        result = runner.run(loader.loadTestsFromName(name))
        seconds[name.rsplit(".", 1)[1]] = round(time.monotonic() - t0, 1)
        outcomes += [[tid, kind, detail] for tid, (kind, detail) in result.outcomes.items()]
        bad = bad or bool(result.failures or result.errors)
    report = {"outcomes": outcomes, "seconds": time.monotonic() - start, "modules": seconds,
              "tail": stream.getvalue()[-4000:] if bad else ""}
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(report, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], *(int(a) for a in sys.argv[2:4])))
