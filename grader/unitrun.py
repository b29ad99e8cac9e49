"""grader/tests in a process of its own, for `make test` (selftest.py),
which runs it beside the lab grades: python3 -m grader.unitrun OUT.json.

Writes {test id: [kind, detail]} in the order the tests ran ("pass",
"fail" or "skip", selftest._PerTestResult), the time taken and the tail of
unittest's report."""

import io
import json
import os
import sys
import time
import unittest


def main(out_path):
    from .labspec import ROOT
    from .selftest import _PerTestResult
    suite = unittest.TestLoader().discover(os.path.join(ROOT, "grader", "tests"),
                                           top_level_dir=ROOT)
    stream = io.StringIO()
    runner = unittest.TextTestRunner(stream=stream, verbosity=2, resultclass=_PerTestResult)
    start = time.monotonic()
    result = runner.run(suite)
    report = {"outcomes": [[tid, kind, detail] for tid, (kind, detail)
                           in result.outcomes.items()],
              "seconds": time.monotonic() - start,
              "tail": stream.getvalue()[-4000:] if result.failures or result.errors else ""}
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(report, f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
