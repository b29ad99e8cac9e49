"""Build a lab image with the kit's Makefile."""

import os
import subprocess

VARIANT_ARGS = {"student": [], "sol": ["SOLUTION=1"], "skel": ["SKELETON=1"]}
VARIANT_NAMES = {"student": "your files", "sol": "solutions",
                 "skel": "skeleton (earlier labs from solutions)"}
BUILD_TIMEOUT = 300


class BuildResult:
    def __init__(self, ok, kernel, output):
        self.ok = ok
        self.kernel = kernel
        self.output = output


def kernel_path(root, lab, variant):
    return os.path.join(root, "build", f"{lab.dirname}-{variant}", "hyp.elf")


def build(root, lab, variant, extra_make_args=()):
    cmd = ["make", "--no-print-directory", "-C", root, "build", f"LAB={lab.number}",
           *VARIANT_ARGS[variant], *extra_make_args]
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT,
                           start_new_session=True)
        out = p.stdout.decode("utf-8", "replace")
        ok = p.returncode == 0
    except subprocess.TimeoutExpired:
        out, ok = f"build did not finish in {BUILD_TIMEOUT} s", False
    except OSError as e:
        out, ok = f"cannot run make: {e}", False
    kernel = kernel_path(root, lab, variant)
    return BuildResult(ok and os.path.isfile(kernel), kernel, out)
