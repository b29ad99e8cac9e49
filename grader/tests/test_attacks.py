"""A hostile student against the whole grader (issue 13): real C files in
submissions, graded by `python3 -m grader grade --submission` and `batch`
as an instructor would, each attack checked from the outside.

- Code run on the grading machine (lab 9's host test, in its sandbox)
  tries to read /etc/passwd, the kit's solutions/ and another student's
  submission, to write into the kit and the build, to reach a listener
  outside, to rewrite Gradescope's results.json at once and, from a
  process it leaves behind, after the grader is done (HostCode*).
- Forged verdicts: a constructor, a printf of its own for the host
  program, the report API, the report function patched (Forgery).
- The build's inputs: .incbin split across string literals, .include, an
  #include of /etc/passwd, an absolute #include in the host build only
  (BuildInputs): refused, and nothing of those files in any report.
- Escape sequences in compiler output and file names, a folder 1,200
  deep, a bzip2 bomb with an unknown member type, names that are not
  UTF-8, in one batch (Intake); Gradescope's results.json on those too.

One kit copy and as few builds as possible serve them all (the lab-9
builds run side by side). Where this machine's sandbox cannot stop an
attack (setpriv mode has no network or mount namespace; mode none has
nothing), that test is SKIPPED with the reason, never passed.
"""

import csv
import hashlib
import json
import os
import platform
import socket
import subprocess
import sys
import tarfile
import threading
import time
import unittest

from grader import sandbox, unitrun
from grader.tests import fakes, kit

HOSTILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hostile")
LAB9 = "labs/09-mmio"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
STRONG = ("bwrap",)                 # modes that stop what needs namespaces
UIDS = ("bwrap", "setpriv")         # modes with dedicated uids and locked files

_kit = {}                           # the shared kit copy, made once


def shared_kit():
    """A copy of the kit (labs 1-9 and their solutions) whose lab 9 runs
    only its host test, and whose lab 1 tests have short timeouts."""
    if "root" not in _kit:
        tmp = fakes.TempDir(prefix="grader-attacks-")
        _kit["tmp"] = tmp
        root = os.path.join(tmp.path, "kit")
        os.makedirs(root)
        labs = sorted(d for d in os.listdir(os.path.join(kit.ROOT, "labs")) if d < "10")
        # Lab 9's host test keeps its own timeout (about 3 s, 30 allowed): a loaded
        # machine must not turn an attack's verdict into a TIMEOUT.
        kit.kit_copy(root, labs=labs, timeouts={"*": 5, "decoder_exhaustive": 30})
        spec_path = os.path.join(root, LAB9, "lab.json")
        spec = json.loads(kit.read(spec_path))
        spec["tests"] = [t for t in spec["tests"] if t["name"] == "decoder_exhaustive"]
        kit.write(spec_path, json.dumps(spec, indent=1))
        _kit["root"] = root
    return _kit["root"]


_jobs = {}                          # name -> Future of a grader run
_pool = None


def setUpModule():
    """Every grader run of this module is started here, two at a time
    (the machine's cores), longest first; each class then waits for its own."""
    global _pool
    if not (kit.HAVE_TOOLS and kit.HAVE_SOLUTIONS):
        return
    import concurrent.futures
    shared_kit()
    _pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)
    for cls in (HostCode, HostCodeSetpriv, Forgery, BuildInputs, Intake):
        try:
            cls.plan()
        except unittest.SkipTest as e:
            _jobs[cls.__name__] = e


def job(name, fn):
    _jobs[name] = _pool.submit(fn)


def result_of(name):
    """What the job returned (SkipTest: the class is skipped)."""
    j = _jobs.get(name)
    if isinstance(j, unittest.SkipTest):
        raise j
    if j is None:
        raise unittest.SkipTest("not planned (the kit's tools or solutions are missing)")
    return j.result()


def tearDownModule():
    if _pool:
        _pool.shutdown(wait=True, cancel_futures=True)
    for tmp in _kit.get("more", []):
        tmp.cleanup()
    if "tmp" in _kit:
        kill_leftovers()
        fakes.kill_mentioning(_kit["tmp"].path)
        _kit["tmp"].cleanup()


# The name the hostile code gives the process it leaves behind: this test
# process's own (comm holds 15 bytes), so that another make test on the same
# machine, whose leftovers live until its grader kills them, is not counted.
LEFT_PREFIX = f"rvl{os.getpid() % 1000000:06d}-"


def leftovers(tag=""):
    """Live processes (zombies are dead) that the hostile code left behind
    (those of one run: tag; of all: "")."""
    out = []
    for name in os.listdir("/proc"):
        try:
            with open(f"/proc/{name}/comm", encoding="ascii", errors="replace") as f:
                comm = f.read().strip()
            if comm.startswith(LEFT_PREFIX + tag) and fakes.alive(int(name)):
                out.append(int(name))
        except (OSError, ValueError):
            pass
    return out


def kill_leftovers(tag=""):
    for pid in leftovers(tag):
        try:
            os.kill(pid, 9)
        except OSError:
            pass


def run_grader(args, env=None, timeout=600):
    """python3 -m grader ARGS in the shared kit copy: (exit status, output)."""
    proc = subprocess.Popen([sys.executable, "-m", "grader", *args], cwd=shared_kit(),
                            env=dict(os.environ, **(env or {})), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, 9)
            proc.wait()
    return proc.returncode, out.decode("utf-8", "replace")


def solution(rel):
    return kit.read(os.path.join(kit.ROOT, "solutions", rel))


def submission(name, files):
    """A submission folder in the shared copy's temporary folder."""
    d = os.path.join(_kit["tmp"].path, name)
    for rel, text in files.items():
        kit.write(os.path.join(d, rel), text, "wb" if isinstance(text, bytes) else "w")
    return d


def lab9_files(decoder):
    return {f"{LAB9}/insn_decode.c": decoder, f"{LAB9}/mmio.c": solution("09-mmio/mmio.c"),
            f"{LAB9}/uart16550.c": solution("09-mmio/uart16550.c")}


def host_attack_arch():
    return platform.machine() in ("x86_64", "aarch64")


class Listener:
    """A TCP listener on 127.0.0.1, outside any sandbox: counts who connects."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
                self.connections += 1
                conn.close()
            except OSError:
                pass

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def sandbox_mode_or_skip(forced):
    """The mode a grader started with RVH_SANDBOX=forced would use, or
    SkipTest when that is none at all (nothing to test)."""
    if forced == "setpriv" and os.geteuid() != 0:
        raise unittest.SkipTest("setpriv mode needs root")
    box = sandbox.detect() if not forced else None
    if box is not None and box.mode == "none":
        raise unittest.SkipTest("this machine has no sandbox (mode none): the grader says "
                                "so in every report; the attacks would all succeed")
    return forced or box.mode


@kit.needs_real_kit
@unittest.skipUnless(host_attack_arch(), "the hostile host code is written for x86_64 and "
                                         "aarch64")
class HostCode(unittest.TestCase):
    """Lab 9's host test program, written by a hostile student."""
    FORCED = ""             # RVH_SANDBOX for the grader ("": what it detects)

    @classmethod
    def plan(cls):
        if not host_attack_arch():
            raise unittest.SkipTest("x86_64 and aarch64 only")
        if cls.FORCED and sandbox.detect().mode == cls.FORCED:
            raise unittest.SkipTest(f"{cls.FORCED} is this machine's own mode: HostCode "
                                    "runs these attacks in it")
        mode = sandbox_mode_or_skip(cls.FORCED)
        root = shared_kit()
        tag = cls.FORCED or "default"
        listener = Listener()
        victim = submission(f"victim-{tag}", lab9_files(solution("09-mmio/insn_decode.c")))
        results = os.path.join(_kit["tmp"].path, f"results-{tag}.json")
        js_path = os.path.join(_kit["tmp"].path, f"result-{tag}.json")
        attack = kit.read(os.path.join(HOSTILE, "decoder_attacks.c"))
        left_name = f"{LEFT_PREFIX}{tag}"[:15]
        for key, value in (("@ROOT@", root), ("@VICTIM@", victim), ("@RESULTS@", results),
                           ("@PORT@", str(listener.port)), ("@LEFTOVER@", left_name)):
            attack = attack.replace(key, value)
        ref = solution("09-mmio/insn_decode.c").replace(
            "int insn_decode_mem(", "static int reference_decode_mem(", 1)
        decoder = attack + ref + (
            "\nint insn_decode_mem(const struct guest_insn *insn, struct insn_mem *m)\n{\n"
            "\tif (!attacked)\n\t\tattack();\n\tint rc = reference_decode_mem(insn, m);\n"
            "\tspoil(m);\n\treturn rc;\n}\n")
        sub = submission(f"hostile-{tag}", lab9_files(decoder))
        kit_file = os.path.join(root, "grader", "evaluate.py")
        before = digest(kit_file)
        # The kit's lab 9 objects that start every later private build of
        # lab 9 (build.seed()): the hostile code writes to two of them.
        seeds = [os.path.join(root, "build", "09-mmio-sol", f)
                 for f in ("flags.txt", "obj/common/hyp/cpu.c.o")]
        seeds_before = [digest(f) if os.path.isfile(f) else None for f in seeds]
        args = ["grade", "--lab", "9", "--submission", sub, "--json", js_path,
                "--gradescope", results]
        env = {"RVH_SANDBOX": cls.FORCED} if cls.FORCED else None

        def work():
            code, out = run_grader(args, env)
            # A while longer: the process left behind rewrites the results
            # every second, and calls out.
            at_end = leftovers(tag[:5])
            time.sleep(2.5)
            later = leftovers(tag[:5])
            kill_leftovers(tag[:5])
            listener.close()
            with open(js_path, encoding="utf-8") as f:
                js = json.load(f)
            with open(results, encoding="utf-8") as f:
                results_js = json.load(f)
            return dict(mode=mode, code=code, out=out, js=js, results_js=results_js,
                        left=(at_end, later), connections=listener.connections,
                        kit_changed=digest(kit_file) != before, seeds_before=seeds_before,
                        seeds_after=[digest(f) if os.path.isfile(f) else None for f in seeds])
        job(cls.__name__, work)

    def setUp(self):
        self.r = result_of(type(self).__name__)
        self.mode, js, out = self.r["mode"], self.r["js"], self.r["out"]
        self.assertEqual(js["sandbox"]["mode"], self.mode, out[-2000:])
        self.assertTrue(js["labs"][0]["build_ok"], out[-3000:])
        (test,) = js["labs"][0]["tests"]
        self.checks = {c["name"]: c for c in test["checks"]}

    def defended_in(self, modes, why):
        if self.mode not in modes:
            self.skipTest(f"{self.mode} mode: {why} (the report says so)")

    def group_passes(self, check_name):
        c = self.checks[check_name]
        self.assertTrue(c["ok"], f"{check_name}: {c['saw']}")

    def test_cannot_read_passwd(self):
        self.defended_in(STRONG, "no mount namespace: world-readable files are readable")
        self.group_passes("32-bit loads: LB LH LW LD LBU LHU LWU, every rd and rs1")

    def test_cannot_read_solutions(self):
        self.defended_in(STRONG, "no mount namespace: the kit's solutions/ is readable "
                                 "when its folder lets other users in")
        self.group_passes("32-bit stores: SB SH SW SD and the split immediate")

    def test_cannot_read_another_submission(self):
        self.defended_in(STRONG, "no mount namespace: a submission folder open to other "
                                 "users is readable")
        self.group_passes("C.LWSP and C.LDSP")

    def test_cannot_write_into_the_kit(self):
        self.defended_in(UIDS, "no sandbox")
        self.group_passes("C.LW and C.LD")
        self.assertFalse(self.r["kit_changed"])

    def test_cannot_change_the_build_for_later_runs(self):
        self.defended_in(UIDS, "no sandbox")
        self.group_passes("FP loads/stores, LR, SC/AMO classified; everything else is not "
                          "a load or store")
        self.assertNotIn(None, self.r["seeds_before"],
                         "the kit copy has no lab 9 solution build to seed from")
        self.assertEqual(self.r["seeds_after"], self.r["seeds_before"],
                         "the kit's objects that seed later builds were changed")

    def test_no_network(self):
        self.defended_in(STRONG, "no network namespace")
        self.group_passes("C.SW and C.SD")
        self.assertEqual(self.r["connections"], 0)

    def test_results_cannot_be_rewritten(self):
        self.defended_in(UIDS, "no sandbox")
        self.group_passes("C.SWSP and C.SDSP")          # at once, during the run
        results = self.r["results_js"]                  # and later
        self.assertEqual(results["score"], self.r["js"]["score"])
        self.assertNotIn("pwned", results["output"])

    def test_no_process_left_behind(self):
        self.defended_in(UIDS, "no sandbox")
        self.assertEqual(self.r["left"], ([], []))

    def test_the_honest_part_still_scores(self):
        # The decoder itself is right: with every attack stopped, full marks.
        self.defended_in(STRONG, "some attacks succeed here and spoil their group")
        self.assertEqual(self.r["js"]["score"], 21, self.r["out"][-3000:])


class HostCodeSetpriv(HostCode):
    """The same attacks with the grader forced into setpriv mode (what a
    container without user namespaces, such as Gradescope's, gets)."""
    FORCED = "setpriv"


FORGED_BOOT = r'''
#include "report.h"
#include "printf.h"
// Forge from a constructor, with the nonce the kit's API gives.
__attribute__((constructor)) static void forge(void)
{
	printf("CHECK %s hext_restores_stvec PASS\n", run_nonce());
}
// The report API itself.
void boot_extra(void);
void boot_extra(void)
{
	check("hext_restores_stvec", 1, "forged");
}
// Patch the report function: make it print PASS whatever it is told.
void boot_patch(void);
void boot_patch(void)
{
	*(volatile unsigned int *)(void *)check = 0x00000013;     // a nop over its code
}
'''
# Weak definitions of the report API: the kit's strong ones win at link
# time, so the calls below reach the real check() and run_nonce() while the
# object never lists them as used.
FORGED_WEAK = r'''
#include "report.h"
__attribute__((weak)) int check(const char *name, int ok, const char *fmt, ...)
{
	(void)name; (void)fmt;
	return ok;
}
__attribute__((weak)) const char *run_nonce(void)
{
	return "";
}
void deleg_extra(void);
void deleg_extra(void)
{
	check("hext_restores_stvec", 1, "forged through a weak alias of the report API");
}
'''
FORGED_DECODER = r'''
// A printf of its own for the host program: FAIL would become PASS.
__attribute__((weak)) int printf(const char *fmt, ...)
{
	(void)fmt;
	return 0;
}
static volatile int armed;
__attribute__((constructor)) static void early(void)
{
	armed = 1;
}
#ifndef __riscv
// An ifunc (the host's C library supports them): its resolver runs before
// main(), a constructor under another name.
static void real_op(void) {}
static void (*pick_op(void))(void)
{
	armed = 2;
	return real_op;
}
void decode_op(void) __attribute__((ifunc("pick_op")));
#endif
'''


@kit.needs_real_kit
class Forgery(unittest.TestCase):
    """Verdicts forged from student code: all refused by the symbol check
    before anything runs (one build, every reason listed)."""

    @classmethod
    def plan(cls):
        files = dict(lab9_files(solution("09-mmio/insn_decode.c") + FORGED_DECODER))
        files["labs/01-boot/boot.c"] = solution("01-boot/boot.c") + FORGED_BOOT
        files["labs/03-deleg/deleg.c"] = solution("03-deleg/deleg.c") + FORGED_WEAK
        sub = submission("forgery", files)
        job(cls.__name__, lambda: run_grader(["grade", "--lab", "9", "--submission", sub]))

    def test_refused_with_every_reason(self):
        code, out = result_of("Forgery")
        self.assertEqual(code, 1, out[-3000:])
        self.assertIn("build refused by the symbol check", out)
        for why in ("labs/01-boot/boot.c has a .init_array section",
                    "labs/01-boot/boot.c uses 'check': the report API",
                    "labs/01-boot/boot.c uses 'run_nonce': the report API",
                    "labs/01-boot/boot.c defines 'boot_extra': not part of the lab's API",
                    "labs/03-deleg/deleg.c defines 'check': the kit's report function",
                    "labs/03-deleg/deleg.c defines 'run_nonce': the kit's report function",
                    "labs/09-mmio/insn_decode.c (host test) defines 'decode_op' as an ifunc",
                    "labs/09-mmio/insn_decode.c (host test) defines 'printf': the kit's own",
                    "labs/09-mmio/insn_decode.c (host test) has a .init_array section"):
            self.assertIn(why, out)
        self.assertIn("Score: 0/21", out)
        self.assertRegex(out, r"decoder_exhaustive +0/21 +BUILD")


@kit.needs_real_kit
class BuildInputs(unittest.TestCase):
    """Files read while building: refused, and no report shows a byte of
    them (nor the compiler's quotes of them)."""

    @classmethod
    def plan(cls):
        root = shared_kit()
        sol1 = solution("01-boot/boot.c")
        ref1 = os.path.join(root, "solutions", "01-boot", "boot.c")
        ref9 = os.path.join(root, "solutions", "09-mmio", "insn_decode.c")
        half = len(ref1) // 2
        attacks = {
            # .incbin split across string literals (no ".incbin" in the text),
            # printed on the console by the student's own code.
            "incbin": ("1", {"labs/01-boot/boot.c": sol1.replace(
                "int hext_detect(void)\n{\n", "int hext_detect(void)\n{\n"
                "\textern const char stolen[];\n\tprintf(\"%s\\n\", stolen);\n", 1) +
                '__asm__(".section .rodata\\n.globl stolen\\nstolen:\\n.inc" "bin \\"'
                + ref1[:half] + '" "' + ref1[half:] + '\\"\\n.byte 0\\n.previous");\n'}),
            "include_asm": ("1", {"labs/01-boot/boot.c": sol1 + '__asm__(".inc" "lude '
                                  '\\"/etc/passwd\\"");\n'}),
            "include_passwd": ("1", {"labs/01-boot/boot.c": '#include "/etc/passwd"\n' + sol1}),
            # The reference decoder, in the host build only (riscv: the skeleton).
            "host_only": ("9", lab9_files(
                "#if defined(__riscv)\n" + kit.read(os.path.join(root, LAB9, "insn_decode.c"))
                + f'#else\n#include "{ref9}"\n#endif\n')),
        }
        for name, (lab, files) in attacks.items():
            sub = submission(f"build-{name}", files)
            js = os.path.join(_kit["tmp"].path, f"build-{name}.json")

            def work(sub=sub, js=js, lab=lab):
                code, out = run_grader(["grade", "--lab", lab, "--submission", sub,
                                        "--json", js])
                with open(js, encoding="utf-8") as f:
                    return code, out, json.load(f)
            job(f"build-{name}", work)

    def check_refused(self, name):
        code, out, js = result_of(f"build-{name}")
        self.assertEqual(code, 1, out[-3000:])
        self.assertFalse(js["labs"][0]["build_ok"], out[-3000:])
        self.assertEqual(js["score"], 0)
        # Nothing of the reference, nothing of /etc/passwd, anywhere.
        with open("/etc/passwd", encoding="utf-8", errors="replace") as f:
            secrets = [f.readline().strip(),
                       "platform_read(const void *dtb, struct platform_info *out)",
                       "static int decode_q2(u32 b, struct insn_mem *m)"]
        text = out + json.dumps(js)
        for secret in secrets:
            self.assertNotIn(secret, text)
        return out, js

    def test_incbin_split_across_literals(self):
        self.check_refused("incbin")

    def test_assembler_include(self):
        self.check_refused("include_asm")

    def test_include_of_passwd_shows_nothing_of_it(self):
        self.check_refused("include_passwd")

    def test_absolute_include_in_the_host_build_only(self):
        self.check_refused("host_only")


def bzip2_bomb(path):
    """About 3 KiB of bzip2: a tar header of an unknown member type that
    announces 4 GiB, then a gigabyte of zeros. bzip2 streams may follow one
    another in a file (bzip2 itself and Python's BZ2File read them as one),
    so the gigabyte is one compressed 16 MiB of zeros, 64 times: compressing
    the whole gigabyte cost 7 CPU seconds of every make test."""
    import bz2
    info = tarfile.TarInfo("payload")
    info.type = b"Z"
    info.size = 4 << 30
    zeros = bz2.compress(bytes(16 << 20), 9)
    with open(path, "wb") as f:
        f.write(bz2.compress(info.tobuf(format=tarfile.GNU_FORMAT), 9) + zeros * 64)


def deep_folder(top, depth):
    """top/d/d/... depth folders (made relative to each other: no long paths)."""
    os.makedirs(top, exist_ok=True)
    fd = os.open(top, os.O_RDONLY)
    for _ in range(depth):
        os.mkdir("d", dir_fd=fd)
        new = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = new
    with open(os.open("deep.c", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "w") as f:
        f.write("int deep;\n")
    os.close(fd)


ESCAPES = b"\x1b]0;owned\x07\x1b[2J\x9b31m\xe2\x80\xae\r"


@kit.needs_real_kit
class Intake(unittest.TestCase):
    """One batch of hostile submissions (lab 1): every one gets its row,
    grades.csv is written, nothing escapes into the reports."""

    @classmethod
    def plan(cls):
        # The submissions in memory when possible: 1,200 folders to make and
        # delete (the grader only reads them, as root, outside the sandbox).
        cls.subs_tmp = fakes.TempDir(prefix="grader-intake-", where=unitrun.scratch_tmp())
        _kit.setdefault("more", []).append(cls.subs_tmp)
        subs = os.path.join(os.fsencode(cls.subs_tmp.path), b"intake")
        os.makedirs(subs)
        sol = solution("01-boot/boot.c").encode()
        boot = b"labs/01-boot/boot.c"

        def folder(name, files):
            for rel, data in files.items():
                path = os.path.join(subs, name, rel)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(data)

        folder(b"deep", {boot: sol})
        deep_folder(os.path.join(subs, b"deep", b"labs", b"01-boot", b"notes"), 1200)
        bzip2_bomb(os.path.join(subs, b"bomb.tar.gz"))
        folder(b"caf\xe9", {boot: sol, b"labs/01-boot/\xff\xfe.c": b"int x;\n"})
        folder(b"esc" + ESCAPES, {
            boot: b'#error "' + ESCAPES + b'"\n',
            b"labs/01-boot/" + ESCAPES + b".c": b"int y;\n",
            b"labs/01-boot/\xe2\x81\xa6evil\xe2\x81\xa9.c": b"int z;\n"})
        folder(b"honest", {boot: sol})
        tmp = _kit["tmp"].path
        csv_path, out_dir = os.path.join(tmp, "intake.csv"), os.path.join(tmp, "intake-out")
        results = os.path.join(tmp, "deep-results.json")

        def batch():
            code, out = run_grader(["batch", os.fsdecode(subs), "--lab", "1", "--jobs", "1",
                                    "--csv", csv_path, "--out", out_dir])
            with open(csv_path, encoding="utf-8", newline="") as f:
                text = f.read()
            reports = []
            for dirpath, _, names in os.walk(out_dir):
                for n in names:
                    if n.endswith((".txt", ".json")):
                        with open(os.path.join(dirpath, n), encoding="utf-8",
                                  errors="replace") as f:
                            reports.append((n, f.read()))
            return code, out, text, reports

        def gradescope():
            code, out = run_grader(["grade", "--lab", "1", "--submission",
                                    os.fsdecode(os.path.join(subs, b"deep")),
                                    "--gradescope", results])
            with open(results, encoding="utf-8") as f:
                return code, out, json.load(f)
        job("intake-batch", batch)
        job("intake-gradescope", gradescope)

    def setUp(self):
        self.code, self.out, self.text, self.reports = result_of("intake-batch")
        self.rows = {r["student"]: r for r in csv.DictReader(self.text.splitlines())}

    def clean(self, text, where):
        if where.endswith(".json"):         # its strings, once decoded
            text = json.dumps(json.loads(text), ensure_ascii=False)
        for bad in ("\x1b", "\x9b", "\x07") + tuple(BIDI):
            self.assertNotIn(bad, text, f"{where}: {bad!r} reached it")
        self.assertNotRegex(text, "\r(?!\n)", f"{where}: a lone CR reached it")

    def test_every_submission_has_its_row(self):
        self.assertEqual(self.code, 0, self.out[-3000:])
        self.assertEqual(len(self.rows), 5, list(self.rows))
        self.assertEqual(self.rows["honest"][f"total ({kit.LAB1_POINTS})"], str(kit.LAB1_POINTS))

    def test_1200_deep_folder(self):
        row = self.rows["deep"]
        self.assertEqual((row["status"], row[f"total ({kit.LAB1_POINTS})"]), ("ok", str(kit.LAB1_POINTS)), row)
        self.assertIn("deep: not looked at", row["notes"])

    def test_bzip2_bomb_with_unknown_member(self):
        row = self.rows["bomb"]
        self.assertEqual(row["status"], "error", row)
        self.assertIn("bad archive", row["notes"])
        self.assertLess(float(row["seconds"]), 5)

    def test_names_that_are_not_utf8(self):
        row = self.rows["caf\\xe9"]
        self.assertEqual(row[f"total ({kit.LAB1_POINTS})"], str(kit.LAB1_POINTS), row)
        self.assertIn("\\xff\\xfe.c", row["notes"])

    def test_escape_sequences_reach_no_report(self):
        esc = [n for n in self.rows if n.startswith("esc")]
        self.assertEqual(len(esc), 1, list(self.rows))
        self.assertEqual(self.rows[esc[0]][f"total ({kit.LAB1_POINTS})"], "0", self.rows[esc[0]])
        self.clean(self.text, "grades.csv")
        self.clean(self.out, "the batch's terminal output")
        self.assertGreaterEqual(len(self.reports), 8)      # 4 graded x (report, json)
        for name, text in self.reports:
            self.clean(text, name)

    def test_gradescope_results_for_a_deep_folder(self):
        code, out, js = result_of("intake-gradescope")
        self.assertEqual(code, 0, out[-2000:])
        self.assertEqual(js["score"], kit.LAB1_POINTS)
        self.assertIn("more than 32 folders deep", js["output"])


if __name__ == "__main__":
    unittest.main()
