"""grader/sandbox.py and grader/ownership.py: each mode this machine can
give, what a run sees and keeps, limits, cleanup, and the reports' words.

The attacks of a hostile student's code through the whole grader are in
test_attacks.py; here the runner itself is exercised with small shell
commands. A mode the machine cannot give is SKIPPED with the reason.
"""

import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
import unittest

from grader import labspec, ownership, sandbox, uids, unitrun
from grader.tests import fakes

ROOT = os.geteuid() == 0


def mode_or_skip(mode):
    """A Sandbox in mode, or SkipTest saying why this machine has none."""
    if mode == "setpriv" and not ROOT:
        raise unittest.SkipTest("setpriv mode needs root")
    try:
        box = sandbox.Sandbox(mode)
    except sandbox.SandboxError as e:
        raise unittest.SkipTest(f"{mode}: {e}")
    if mode != "none":
        ok, why = box.probe()
        if not ok:
            box.close()
            raise unittest.SkipTest(f"{mode} does not work here: {why}")
    return box


def run(jail, script, timeout=20):
    p = subprocess.run(jail.wrap(["/bin/sh", "-c", script]), env=jail.env, cwd=jail.cwd,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=timeout, start_new_session=True)
    return p.returncode, p.stdout.decode("utf-8", "replace")


class ModeCase:
    """The same checks in every mode; subclasses name the mode."""
    MODE = None

    @classmethod
    def setUpClass(cls):
        cls.box = mode_or_skip(cls.MODE)

    @classmethod
    def tearDownClass(cls):
        cls.box.close()

    def setUp(self):
        self.tmp = fakes.TempDir(prefix="grader-sandbox-")
        self.addCleanup(self.tmp.cleanup)
        self.kit = os.path.join(self.tmp.path, "kit")
        os.makedirs(os.path.join(self.kit, "labs"))
        with open(os.path.join(self.kit, "labs", "tests.txt"), "w") as f:
            f.write("the kit's tests\n")
        self.build = os.path.join(self.kit, "build", "lab-student")

    def test_build_folder_writable_then_locked(self):
        with self.box.jail(self.kit, writable=[self.build]) as j:
            rc, out = run(j, "echo built > build/lab-student/hyp.elf && cat labs/tests.txt")
        self.assertEqual((rc, out), (0, "the kit's tests\n"))
        if self.box.mode == "none":
            return      # nothing is locked in mode none (the reports say so)
        with self.box.jail(self.kit) as j:
            rc, out = run(j, "echo forged > build/lab-student/hyp.elf")
        self.assertNotEqual(rc, 0, "a later run rewrote the build: " + out)
        with open(os.path.join(self.build, "hyp.elf")) as f:
            self.assertEqual(f.read(), "built\n")

    def test_kit_read_only(self):
        if self.box.mode == "none":
            self.skipTest("mode none: nothing is read-only (the reports say so)")
        with self.box.jail(self.kit, writable=[self.build]) as j:
            rc, out = run(j, "echo x > labs/tests.txt; echo y > labs/new.c; ls labs")
        self.assertEqual(out.strip().splitlines()[-1], "tests.txt")
        with open(os.path.join(self.kit, "labs", "tests.txt")) as f:
            self.assertEqual(f.read(), "the kit's tests\n")

    def test_leftover_process_is_killed(self):
        if self.box.mode == "none":
            self.skipTest("mode none: a process that leaves the group survives (said)")
        marker = f"rvh-leftover-{os.getpid()}-{self.MODE}"
        with self.box.jail(self.kit) as j:
            # setsid: a new session, out of the process group the grader kills.
            rc, _ = run(j, f"setsid sh -c 'exec -a {marker} sleep 60' </dev/null >/dev/null "
                           "2>&1 & sleep 0.2")
        self.assertEqual(rc, 0)
        left = [p for p, cmd in fakes.processes_mentioning("sleep 60") if marker in cmd]
        self.assertEqual(fakes.wait_gone(left, 2), [])
        self.assertEqual(fakes.processes_mentioning(marker), [])

    def test_limits(self):
        if not self.box.prlimit:
            self.skipTest("prlimit is not installed")
        limits = sandbox.Limits(cpu=7, mem=1 << 30, fsize=1 << 20, nproc=64)
        with self.box.jail(self.kit, writable=[self.build], limits=limits) as j:
            rc, out = run(j, "ulimit -t; ulimit -v; ulimit -f; "
                             "head -c 2000000 /dev/zero > build/lab-student/big; echo $?")
        cpu, mem, blocks, status = out.split()[:4]
        self.assertEqual((cpu, mem), ("7", str((1 << 30) // 1024)))
        self.assertEqual(int(blocks) * 512, 1 << 20)
        self.assertNotEqual(status, "0")        # SIGXFSZ at 1 MiB
        self.assertLessEqual(os.path.getsize(os.path.join(self.build, "big")), 1 << 20)

    def test_environment_is_not_passed(self):
        os.environ["RVH_SECRET_TOKEN"] = "hunter2"
        self.addCleanup(os.environ.pop, "RVH_SECRET_TOKEN")
        with self.box.jail(self.kit) as j:
            _, out = run(j, "env")
        self.assertNotIn("hunter2", out)

    def test_report_words(self):
        js = self.box.to_json()
        self.assertEqual(js["mode"], self.MODE)
        self.assertIn(self.box.summary().split(":")[0], "sandbox")
        if self.MODE == "bwrap":
            # Nothing, or what the options this machine refuses cost (a container).
            lacks = [what for opt, _, what in sandbox.BWRAP_OPTIONAL
                     if what and opt in self.box.refused]
            self.assertEqual(js["missing"], lacks)
            self.assertEqual(js["full"], not lacks and not self.box.notes
                             and (self.box.dedicated_uids or not ROOT))
        else:
            self.assertFalse(js["full"])
            self.assertTrue(js["missing"])
            self.assertIn("MISSING", self.box.summary())


class BwrapTest(ModeCase, unittest.TestCase):
    MODE = "bwrap"

    def test_only_usr_and_the_kit(self):
        with self.box.jail(self.kit) as j:
            _, out = run(j, "cat /etc/passwd; ls /root /home; ls /; id -u")
        self.assertIn("/etc/passwd: No such file", out)
        self.assertEqual(out.strip().splitlines()[-1], str(sandbox.INSIDE_ID))
        for name in ("root", "home", "srv"):
            self.assertNotIn(f"\n{name}\n", "\n" + out)

    def test_a_link_named_on_the_command_line(self):
        # A guest image named by a symbolic link outside the kit (the kit's
        # build/linux/Image names the cached kernel beside it, and a private
        # kit's QEMU is given that name) is there, at that name.
        cache = os.path.join(self.tmp.path, "cache")
        os.makedirs(os.path.join(cache, "k-1"))
        with open(os.path.join(cache, "k-1", "Image"), "w") as f:
            f.write("kernel\n")
        os.symlink("k-1/Image", os.path.join(cache, "Image"))
        with self.box.jail(self.kit) as j:
            p = subprocess.run(j.wrap(["/bin/cat", os.path.join(cache, "Image")]), env=j.env,
                               cwd=j.cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=20)
        self.assertEqual(p.stdout.decode("utf-8", "replace"), "kernel\n")

    def test_no_ram_without_limit(self):
        # bubblewrap's / and /dev are tmpfs in RAM that no rlimit counts:
        # read-only; /dev/shm is 1 MiB; /tmp is the only place to write.
        with self.box.jail(self.kit) as j:
            _, out = run(j, "for f in /hog /dev/hog; do (: > $f) 2>/dev/null; echo $?; done; "
                            "head -c 2000000 /dev/zero > /dev/shm/hog 2>/dev/null; echo $?; "
                            "echo ok > /tmp/f && cat /tmp/f; : > /dev/null; echo $?")
        self.assertEqual(out.split(), ["2", "2", "1", "ok", "0"], out)

    def test_no_user_namespace_inside(self):
        if "--disable-userns" in self.box.refused:
            self.skipTest("bubblewrap's --disable-userns is refused here (the reports say "
                          f"so): {self.box.refused['--disable-userns']}")
        with self.box.jail(self.kit) as j:
            rc, out = run(j, "unshare -U true && echo made one")
        self.assertNotIn("made one", out)

    def test_no_network(self):
        # A listener of this machine's loopback cannot be reached (bash's
        # /dev/tcp: works with or without a /proc inside).
        listener = socket.socket()
        self.addCleanup(listener.close)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        with self.box.jail(self.kit) as j:
            _, out = run(j, f"bash -c 'exec 3<>/dev/tcp/127.0.0.1/{port}' 2>&1 && echo reached; "
                            "cat /proc/net/dev 2>&1")
        self.assertNotIn("reached", out)
        self.assertIn("Connection refused", out)
        if "--proc" in self.box.refused:
            self.assertIn("/proc/net/dev: No such file", out)   # no /proc at all
            return
        ifaces = [ln.split(":")[0].strip() for ln in out.splitlines()
                  if ":" in ln and "/dev/tcp" not in ln and "Connection" not in ln]
        self.assertEqual(ifaces, ["lo"])


    def test_dedicated_uid_as_root(self):
        if not ROOT:
            self.skipTest("as a normal user bubblewrap runs as that user")
        with self.box.jail(self.kit, writable=[self.build]) as j:
            self.assertIsNotNone(j.uid)
            self.assertIn("setpriv", j.wrap(["true"])[0])
            run(j, "touch build/lab-student/mine")
            self.assertEqual(os.lstat(os.path.join(self.build, "mine")).st_uid, j.uid)
        self.assertEqual(os.lstat(os.path.join(self.build, "mine")).st_uid, 0)


# A bubblewrap that refuses options as a default Docker or podman container
# does, with bubblewrap's own words (measured: docs/devcontainer.md), and
# otherwise runs the real one.
REFUSING_BWRAP = """#!/bin/sh
for a in "$@"; do
    case "$a" in
    --) break ;;
    --hostname) echo "bwrap: Can't set hostname to sandbox: Operation not permitted" >&2; exit 1 ;;
    --proc) echo "bwrap: Can't mount proc on /newroot/proc: Operation not permitted" >&2; exit 1 ;;
    --disable-userns) echo "bwrap: cannot open /proc/sys/user/max_user_namespaces: \
Read-only file system" >&2; exit 1 ;;
    --unknown-failure) echo "bwrap: something else went wrong" >&2; exit 1 ;;
    esac
done
exec REAL "$@"
"""


class BwrapRefusalsTest(unittest.TestCase):
    """In a container bubblewrap is refused its hostname, a new /proc and
    --disable-userns: the sandbox runs without them and says what that
    costs; it never drops an option for an error it does not know."""

    def setUp(self):
        self.box = mode_or_skip("bwrap")
        self.addCleanup(self.box.close)
        self.tmp = fakes.TempDir(prefix="grader-refusing-")
        self.addCleanup(self.tmp.cleanup)
        os.chmod(self.tmp.path, 0o755)
        self.fake = os.path.join(self.tmp.path, "bwrap")
        with open(self.fake, "w") as f:
            f.write(REFUSING_BWRAP.replace("REAL", self.box.bwrap))
        os.chmod(self.fake, 0o755)
        self.kit = os.path.join(self.tmp.path, "kit")
        os.makedirs(os.path.join(self.kit, "labs"))

    def test_runs_without_what_is_refused_and_says_so(self):
        box = sandbox.Sandbox("bwrap")
        self.addCleanup(box.close)
        box.bwrap = self.fake
        self.assertEqual(box.probe(), (True, ""))
        self.assertEqual(sorted(box.refused), ["--disable-userns", "--hostname", "--proc"])
        self.assertIn("Can't mount proc", box.refused["--proc"])
        build = os.path.join(self.kit, "build", "x")
        with box.jail(self.kit, writable=[build]) as j:
            argv = j.wrap(["true"])
            rc, out = run(j, "echo built > build/x/f; ls /proc 2>&1; cat /etc/passwd 2>&1; "
                             "id -u")
        for opt in ("--hostname", "--proc", "--disable-userns"):
            self.assertNotIn(opt, argv)
        self.assertEqual(rc, 0, out)
        self.assertIn("'/proc': No such file", out)
        self.assertIn("/etc/passwd: No such file", out)
        self.assertEqual(out.split()[-1], str(sandbox.INSIDE_ID))
        summary = box.summary()
        self.assertIn("no /proc at all", summary)
        self.assertIn("MISSING: user namespaces can be made inside the sandbox", summary)
        self.assertFalse(box.full)
        self.assertFalse(box.to_json()["full"])
        self.assertEqual(sorted(box.to_json()["bubblewrap_refused"]), sorted(box.refused))

    def test_an_unknown_error_is_not_worked_around(self):
        box = sandbox.Sandbox("bwrap")
        self.addCleanup(box.close)
        box.bwrap = self.fake
        real = sandbox.Jail._bwrap_args
        self.addCleanup(setattr, sandbox.Jail, "_bwrap_args", real)
        # bubblewrap's first option fails with an error no option is known by
        sandbox.Jail._bwrap_args = lambda j, argv: (lambda a: [a[0], "--unknown-failure",
                                                               *a[1:]])(real(j, argv))
        ok, why = box.probe()
        self.assertFalse(ok)
        self.assertIn("something else went wrong", why)
        self.assertEqual(box.refused, {})


class UidRangeTest(unittest.TestCase):
    """The dedicated uids: another range in a container that shares the
    machine's uids; a range this user namespace does not map is refused."""

    def test_container_sharing_the_machines_uids_uses_the_next_range(self):
        self.assertEqual(uids.default_base(uids.INIT_PID_NS, uids.INIT_USER_NS), 59000)
        # rootful podman or Docker: own PID namespace, the machine's uids
        self.assertEqual(uids.default_base("pid:[4026532383]", uids.INIT_USER_NS), 59128)
        # rootless, or a user namespace of its own: its uids are not the machine's
        self.assertEqual(uids.default_base("pid:[4026532383]", "user:[4026532400]"), 59000)
        self.assertEqual(uids.CONTAINER_BASE, uids.MACHINE_BASE + uids.SLOTS)

    def test_unmapped_ids(self):
        tmp = fakes.TempDir()
        self.addCleanup(tmp.cleanup)
        path = os.path.join(tmp.path, "uid_map")
        with open(path, "w") as f:
            f.write("         0       1000          1\n         1     100000      59050\n")
        self.assertIsNone(uids.unmapped(0, 59051, path))
        self.assertEqual(uids.unmapped(59000, 128, path), 59051)
        with open(path, "w") as f:
            f.write("         0          0 4294967295\n")
        self.assertIsNone(uids.unmapped(59000, 128, path))

class ClosedFolderTest(unittest.TestCase):
    """A kit in a folder the dedicated uids cannot enter (root's home): the
    run still happens, and the reports say how it was weakened."""

    def test_said_not_silent(self):
        if not ROOT:
            self.skipTest("dedicated uids need root")
        tmp = fakes.TempDir(prefix="grader-closed-")
        self.addCleanup(tmp.cleanup)
        os.chmod(tmp.path, 0o700)
        kit_dir = os.path.join(tmp.path, "kit")
        os.makedirs(kit_dir)
        for mode, words in (("bwrap", "bubblewrap ran as root"),
                            ("setpriv", "were NOT confined")):
            with self.subTest(mode=mode):
                box = mode_or_skip(mode)
                self.addCleanup(box.close)
                with box.jail(kit_dir, writable=[os.path.join(kit_dir, "build", "x")]) as j:
                    rc, out = run(j, "echo ran > build/x/f && cat build/x/f")
                self.assertEqual((rc, out), (0, "ran\n"))
                self.assertFalse(box.full)
                self.assertIn(words, box.summary())


class SetprivTest(ModeCase, unittest.TestCase):
    MODE = "setpriv"

    def test_runs_as_a_dedicated_uid_without_privileges(self):
        with self.box.jail(self.kit) as j:
            _, out = run(j, "id -u; grep -E '^(NoNewPrivs|CapEff)' /proc/self/status")
        uid = int(out.split()[0])
        self.assertGreaterEqual(uid, sandbox.UID_BASE)
        self.assertIn("NoNewPrivs:\t1", out)
        self.assertIn("CapEff:\t0000000000000000", out)

    def test_user_namespaces_as_said(self):
        # No --disable-userns here: whether a run can make a user namespace
        # is the machine's (a container's seccomp profile may refuse it),
        # and the summary says the mode sets no limit of its own.
        self.assertIn("no limit on user namespaces of its own", self.box.summary())
        with self.box.jail(self.kit) as j:
            _, out = run(j, "unshare -U true && echo made one; cat /proc/sys/user/"
                            "max_user_namespaces")
        if out.split()[-1:] != ["0"] and "made one" not in out:
            self.skipTest(f"this machine refuses user namespaces here too: {out.strip()}")
        self.assertEqual("made one" in out, out.split()[-1:] != ["0"], out)

    def test_shared_tmp_swept(self):
        # No mount namespace: the run shares /tmp, and what it leaves there goes.
        with self.box.jail(self.kit) as j:
            _, out = run(j, "mktemp -d /tmp/rvh-left-XXXXXX")
        left = out.strip()
        self.assertTrue(left.startswith("/tmp/rvh-left-"), out)
        self.assertFalse(os.path.exists(left))

    def test_writable_folder_in_tmp_kept(self):
        # The folders the grader gives a run to write in are its own, also
        # at the top of /tmp (a test's device tree is made in one there):
        # the sweep of what the run left passes them by.
        d = tempfile.mkdtemp(prefix="rvh-keep-", dir="/tmp")
        self.addCleanup(shutil.rmtree, d, True)
        with self.box.jail(self.kit, writable=[d]) as j:
            run(j, f"echo tree > {d}/machine.dtb")
        with open(os.path.join(d, "machine.dtb")) as f:
            self.assertEqual(f.read(), "tree\n")

    def test_ipc_and_lock_files_removed(self):
        # The machine's IPC namespace: a shared memory segment or a queue
        # left behind keeps its RAM and is open to later runs.
        lock = f"/run/lock/rvh-left-{os.getpid()}"
        with self.box.jail(self.kit) as j:
            _, out = run(j, f": > {lock}; ipcmk -M 65536; ipcmk -S 1; ipcmk -Q")
        ids = re.findall(r"id: (\d+)", out)
        self.assertEqual(len(ids), 3, out)
        self.assertFalse(os.path.exists(lock))
        for table, i in zip(("shm", "sem", "msg"), ids):
            with open(f"/proc/sysvipc/{table}") as f:
                self.assertNotIn(i, [line.split()[1] for line in f.readlines()[1:]], table)


class NoneTest(ModeCase, unittest.TestCase):
    MODE = "none"

    def test_says_it_is_unconfined(self):
        self.assertIn("sandbox: NONE", self.box.summary())
        self.assertIn("no sandbox at all", " ".join(self.box.missing()))


class DetectTest(unittest.TestCase):
    def test_forced_mode_that_does_not_exist(self):
        env = dict(os.environ, RVH_SANDBOX="chroot")
        p = subprocess.run([sys.executable, "-c", "from grader import sandbox; "
                            "sandbox.detect()"], env=env, cwd=labspec.ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("use bwrap, setpriv or none", p.stdout.decode())

    def test_best_mode(self):
        box = sandbox.detect()
        self.assertIn(box.mode, ("bwrap", "setpriv", "none"))
        if box.mode != "bwrap":
            self.assertTrue(box.tried, "why bubblewrap was not used must be said")


class OwnershipTest(unittest.TestCase):
    def setUp(self):
        self.tmp = fakes.TempDir(prefix="grader-owner-", where=unitrun.scratch_tmp())
        self.addCleanup(self.tmp.cleanup)

    def deep(self, depth):
        """top/d/d/d/... depth folders, made without long paths."""
        top = os.path.join(self.tmp.path, "deep")
        os.mkdir(top)
        fd = os.open(top, os.O_RDONLY)
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            with open(os.open("f", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "w") as f:
                f.write("x")
            new = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = new
        os.close(fd)
        return top

    def test_1200_deep_tree_is_walked_and_deleted(self):
        top = self.deep(1200)
        seen = []
        ownership.walk(top, lambda fd, name, st: seen.append(name))
        self.assertEqual(len(seen), 2400)
        ownership.rmtree(top)
        self.assertFalse(os.path.exists(top))

    @unittest.skipUnless(ROOT, "changing owners needs root")
    def test_links_are_never_followed(self):
        outside = os.path.join(self.tmp.path, "outside.txt")
        with open(outside, "w") as f:
            f.write("root's\n")
        os.chmod(outside, 0o600)
        top = os.path.join(self.tmp.path, "build")
        os.makedirs(os.path.join(top, "obj"))
        os.symlink(outside, os.path.join(top, "obj", "link"))
        os.symlink(self.tmp.path, os.path.join(top, "up"))
        ownership.give(top, sandbox.UID_BASE + 99, sandbox.UID_BASE + 99)
        ownership.take_back(top, 0, 0)
        st = os.stat(outside)
        self.assertEqual((st.st_uid, stat.S_IMODE(st.st_mode)), (0, 0o600))
        ownership.rmtree(top)
        self.assertTrue(os.path.isfile(outside))


class SlotsTest(unittest.TestCase):
    def test_one_folder_whatever_tmpdir(self):
        # make test gives its unit tests TMPDIR=/dev/shm; a grader whose
        # slots followed it would hand out uids another grader holds.
        from unittest import mock
        for tmpdir in ("/dev/shm", "/var/tmp"):
            with mock.patch.dict(os.environ, {"TMPDIR": tmpdir}), \
                    mock.patch.object(tempfile, "tempdir", None):
                self.assertEqual(uids.Slots(sandbox.UID_BASE, 4).dir, uids.SLOTS_DIR)


class KillUidTest(unittest.TestCase):
    @unittest.skipUnless(ROOT, "taking another uid needs root")
    def test_forking_processes_all_die(self):
        box = sandbox.detect()
        if not box.dedicated_uids:
            self.skipTest(f"mode {box.mode} has no dedicated uids")
        uid = box.slots.acquire()
        self.addCleanup(box.slots.release, uid)
        # Each shell starts another one and sleeps: a slow fork chain.
        p = subprocess.Popen(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
                              "sh", "-c", "f() { (sleep 0.05; f) & sleep 60; }; f"],
                             start_new_session=True)
        time.sleep(0.5)
        self.assertTrue(sandbox.processes_of(uid))
        sandbox.kill_uid(uid)
        p.wait(5)
        self.assertEqual(sandbox.processes_of(uid), [])


if __name__ == "__main__":
    unittest.main()


class LinuxCacheTest(unittest.TestCase):
    """The instructor kit's cached Linux kernel (build/linux/) is seen
    read-only by a submission's private kit, which has no copy of its own."""

    def test_private_kit_sees_build_linux_read_only(self):
        from unittest import mock
        from grader import build, submission
        box = sandbox.detect()
        if box.mode == "none":
            self.skipTest("mode none: nothing is read-only (the reports say so)")
        tmp = fakes.TempDir(prefix="grader-linux-")
        self.addCleanup(tmp.cleanup)
        instructor = os.path.join(tmp.path, "kit")
        os.makedirs(os.path.join(instructor, "build", "linux"))
        os.makedirs(os.path.join(instructor, "labs"))
        with open(os.path.join(instructor, "build", "linux", "Image"), "w") as f:
            f.write("kernel image\n")
        with mock.patch.object(labspec, "ROOT", instructor), \
                submission.PrivateKit(instructor, tmp.path, box) as pk:
            lab_build = os.path.join(pk.root, "build", "10-guest-student")
            with box.jail(pk.root, writable=[lab_build],
                          readonly=build.shared_readonly(pk.root)) as j:
                rc, out = run(j, "cat build/linux/Image; echo x >> build/linux/Image; "
                                 "echo built > build/10-guest-student/hyp.elf && echo wrote")
        self.assertIn("kernel image", out)
        self.assertIn("wrote", out)
        with open(os.path.join(instructor, "build", "linux", "Image")) as f:
            self.assertEqual(f.read(), "kernel image\n")
