"""`make devcontainer-test` (python3 -m grader.devcontainer test): the dev
container of .devcontainer/, proven on a Debian or Ubuntu host, as root.

1. Installs podman, runc, debootstrap and uidmap on the host with apt when
   missing (the kit's own package list is what the container installs).
2. Configures podman in build/devcontainer/containers.conf, named by
   CONTAINERS_CONF (nothing global changes): the runc runtime (crun fails on
   hosts whose cgroups are in hybrid mode) and default ulimits no higher than
   the host's hard limits (podman's defaults are higher, and root without
   CAP_SYS_RESOURCE cannot raise them).
3. The base image: localhost/rvh-labs-base:bookworm when it exists; else
   debian:bookworm from the registry when one answers; else made here with
   debootstrap from the host's Debian mirror and kept under that local name.
   It reaches the Dockerfile through `podman build --from`, so the local
   image never hides a real debian:bookworm.
4. Builds the image from .devcontainer/ (podman's layer cache reuses it when
   the Dockerfile and package list did not change).
5. Clones the kit's current commit (uncommitted changes are not tested, and
   it says so) into build/devcontainer/kit, without the host's build/;
   starts the container as VS Code does (devcontainer.json's runArgs, the
   clone at /workspaces/NAME, an idle shell as its process), runs the
   postCreateCommand in it, says which sandbox the grader gets there (the
   line every report starts with), then `make test` (which builds the kit's
   Linux kernel on first use and includes the editor checks:
   compile_commands.json, clangd, the F5 flow).
6. Prints each step's time and what it keeps; its last line is the closing
   line of make test inside ("N passed, N failed"); exits 0 only if all passed.

`make devcontainer-clean` (python3 -m grader.devcontainer clean) removes the
images and build/devcontainer/. docs/devcontainer.md says what was proven.
"""

import argparse
import os
import re
import resource
import shlex
import shutil
import subprocess
import sys
import time

from . import jsonc, labspec

ROOT = labspec.ROOT
STATE = os.path.join(ROOT, "build", "devcontainer")
BASE = "localhost/rvh-labs-base:bookworm"
IMAGE = "localhost/rvh-labs-dev:bookworm"
REGISTRY_BASE = "docker.io/library/debian:bookworm"
HOST_PACKAGES = ("podman", "runc", "debootstrap", "uidmap", "debian-archive-keyring")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
DEFAULT_SECURITY = "http://deb.debian.org/debian-security"
# The grader's sandbox inside, as every report says it.
SANDBOX_LINE = ["python3", "-c", "from grader import sandbox; print(sandbox.detect().summary())"]
# What VS Code runs as the container's process (it then execs everything).
IDLE = 'echo Container started; trap "exit 0" 15; while sleep 1000 & wait $!; do :; done'
CLOSING = re.compile(r"^\d+ passed, \d+ failed$")


class Failed(Exception):
    """A step failed: the message says which and why."""


def say(text=""):
    print(text, flush=True)


def run(cmd, check=True, quiet=False, log=None, **kw):
    """Run cmd (a list), echoed first; its output goes to ours, or to the file
    log (shown at the end if it fails)."""
    if not quiet:
        say("$ " + " ".join(shlex.quote(c) for c in cmd) + (f"  > {rel(log)}" if log else ""))
    if log:
        with open(log, "w", encoding="utf-8") as out:
            p = subprocess.run(cmd, stdin=kw.pop("stdin", subprocess.DEVNULL), stdout=out,
                               stderr=subprocess.STDOUT, **kw)
    else:
        p = subprocess.run(cmd, stdin=kw.pop("stdin", subprocess.DEVNULL), **kw)
    if check and p.returncode != 0:
        if log:
            with open(log, encoding="utf-8", errors="replace") as f:
                for line in f.read().splitlines()[-30:]:
                    say("   | " + line)
        raise Failed(f"{' '.join(cmd[:2])} exited with {p.returncode}"
                     + (f" (all of its output: {rel(log)})" if log else ""))
    return p


def rel(path):
    return os.path.relpath(path, ROOT)


def logfile(name):
    os.makedirs(STATE, exist_ok=True)
    return os.path.join(STATE, name + ".log")


def podman(*args, **kw):
    return run(["podman", *args], **kw)


def image_exists(name):
    return podman("image", "exists", name, check=False, quiet=True).returncode == 0


# ---- 1. host packages -----------------------------------------------------------

def installed(pkg):
    p = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, encoding="utf-8")
    return p.returncode == 0 and "install ok installed" in p.stdout


def host_packages():
    missing = [p for p in HOST_PACKAGES if not installed(p)]
    if not missing:
        return "already installed"
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(["apt-get", "update", "-qq"], env=env, log=logfile("apt-update"))
    run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env,
        log=logfile("apt-install"))
    return "installed " + " ".join(missing)


# ---- 2. podman's configuration --------------------------------------------------

def hard_limit(which, cap):
    hard = resource.getrlimit(which)[1]
    return cap if hard == resource.RLIM_INFINITY else min(hard, cap)


def containers_conf():
    """podman 4.3 raises NPROC to 32768 itself: never ask for more."""
    nofile = hard_limit(resource.RLIMIT_NOFILE, 1048576)
    nproc = hard_limit(resource.RLIMIT_NPROC, 32768)
    return ("# Written by make devcontainer-test (grader/devcontainer.py); used through\n"
            "# CONTAINERS_CONF, so nothing global changes. Why: docs/devcontainer.md.\n"
            "[containers]\n"
            f'default_ulimits = ["nofile={nofile}:{nofile}", "nproc={nproc}:{nproc}"]\n\n'
            "[engine]\n"
            'runtime = "runc"\n')


def configure():
    os.makedirs(STATE, exist_ok=True)
    path = os.path.join(STATE, "containers.conf")
    with open(path, "w", encoding="utf-8") as f:
        f.write(containers_conf())
    os.environ["CONTAINERS_CONF"] = path
    return path


# ---- 3. the base image ----------------------------------------------------------

APT_SOURCES = ("/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list")


def apt_mirrors(paths=APT_SOURCES):
    """The host's Debian mirror and security mirror for bookworm (deb822 or
    one-line sources), or deb.debian.org."""
    found = {}
    for path in paths:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError:
            continue
        stanzas = []
        for block in re.split(r"\n\s*\n", text):
            fields = dict(re.findall(r"^(\w[\w-]*):\s*(.*)$", block, re.M))
            if "URIs" in fields:
                stanzas.append((fields["URIs"].split(), fields.get("Suites", "").split()))
        for m in re.finditer(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+(\S+)", text, re.M):
            stanzas.append(([m.group(1)], [m.group(2)]))
        for uris, suites in stanzas:
            for suite in ("bookworm", "bookworm-security"):
                if suite in suites and uris:
                    found.setdefault(suite, uris[0].rstrip("/"))
    return found.get("bookworm", DEFAULT_MIRROR), found.get("bookworm-security", DEFAULT_SECURITY)


def sources_deb822(mirror, security):
    """An apt source list like the official debian:bookworm image's."""
    key = "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    return (f"Types: deb\nURIs: {mirror}\nSuites: bookworm bookworm-updates\n"
            f"Components: main\n{key}\n"
            f"Types: deb\nURIs: {security}\nSuites: bookworm-security\n"
            f"Components: main\n{key}")


def debootstrap_base():
    mirror, security = apt_mirrors()
    rootfs = os.path.join(STATE, "rootfs")
    shutil.rmtree(rootfs, ignore_errors=True)
    try:
        run(["debootstrap", "--variant=minbase", "bookworm", rootfs, mirror],
            log=logfile("debootstrap"))
        apt = os.path.join(rootfs, "etc", "apt")
        if os.path.exists(os.path.join(apt, "sources.list")):
            os.unlink(os.path.join(apt, "sources.list"))
        with open(os.path.join(apt, "sources.list.d", "debian.sources"), "w",
                  encoding="utf-8") as f:
            f.write(sources_deb822(mirror, security))
        for d in ("var/lib/apt/lists", "var/cache/apt"):
            for dirpath, _, files in os.walk(os.path.join(rootfs, d)):
                for name in files:
                    os.unlink(os.path.join(dirpath, name))
        say(f"$ tar -C {rootfs} -c . | podman import --change 'CMD [\"bash\"]' - {BASE}")
        tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
        imp = subprocess.run(["podman", "import", "-q", "--change", 'CMD ["bash"]', "-", BASE],
                             stdin=tar.stdout, stdout=subprocess.DEVNULL)
        tar.stdout.close()
        if tar.wait() != 0 or imp.returncode != 0:
            raise Failed("podman import of the debootstrap tree failed")
    finally:
        shutil.rmtree(rootfs, ignore_errors=True)
    return f"made with debootstrap from {mirror}"


def base_image():
    """(image name, how it was found)."""
    if image_exists(BASE):
        return BASE, "reused"
    try:
        p = podman("pull", "-q", REGISTRY_BASE, check=False, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE, encoding="utf-8", timeout=120)
        if p.returncode == 0:
            return REGISTRY_BASE, "pulled from the registry"
        why = (p.stderr.strip().splitlines() or ["?"])[-1]
    except subprocess.TimeoutExpired:
        why = "no answer in 120 s"
    say(f"  no registry: {why[:200]}")
    return BASE, debootstrap_base()


# ---- 4. the image ---------------------------------------------------------------

def image_id(name):
    p = podman("image", "inspect", "--format", "{{.Id}}", name, check=False, quiet=True,
               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, encoding="utf-8")
    return p.stdout.strip() if p.returncode == 0 else None


def build_image(kit, base):
    before = image_id(IMAGE)
    podman("build", "--from", base, "-t", IMAGE, os.path.join(kit, ".devcontainer"),
           log=logfile("image-build"))
    if before and image_id(IMAGE) == before:
        return "reused: podman's cached layers (.devcontainer/ and the base unchanged)"
    return "built"


# ---- 5. the clone and the container --------------------------------------------

def git(*args, cwd=ROOT):
    return subprocess.run(["git", *args], cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, encoding="utf-8")


def clone():
    head = git("rev-parse", "HEAD")
    if head.returncode != 0:
        raise Failed("the kit is not a git repository: the test runs on a clone of a commit")
    sha = head.stdout.strip()
    dirty = [ln for ln in git("status", "--porcelain").stdout.splitlines() if ln.strip()]
    if dirty:
        say(f"NOTE: {len(dirty)} uncommitted change(s) in the working tree are NOT tested "
            f"(the container gets commit {sha[:12]}):")
        for ln in dirty[:10]:
            say("    " + ln)
    dest = os.path.join(STATE, "kit")
    if os.path.exists(dest):
        say(f"removing the previous clone ({rel(dest)}: with a kernel build, minutes)")
    shutil.rmtree(dest, ignore_errors=True)
    run(["git", "clone", "-q", "--no-checkout", ROOT, dest])
    run(["git", "-C", dest, "checkout", "-q", "--detach", sha])
    return dest, f"commit {sha[:12]}" + (", uncommitted changes left out" if dirty else "")


def devcontainer_spec(kit):
    spec = jsonc.load(os.path.join(kit, ".devcontainer", "devcontainer.json"))
    run_args = spec.get("runArgs", [])
    post = spec.get("postCreateCommand")
    if isinstance(post, str):
        post = ["/bin/sh", "-c", post]
    elif post is not None and not isinstance(post, list):
        raise Failed("postCreateCommand: only a string or an array is supported here")
    return run_args, post


class Container:
    """A container started as VS Code starts one, removed on exit."""

    def __init__(self, kit, run_args):
        self.name = f"rvh-labs-devcontainer-test-{os.getpid()}"
        self.workdir = "/workspaces/" + os.path.basename(ROOT.rstrip("/"))
        self.cmd = ["podman", "run", "-d", "--name", self.name, *run_args,
                    "--mount", f"type=bind,source={kit},target={self.workdir}",
                    "-w", self.workdir, "--entrypoint", "/bin/sh", IMAGE, "-c", IDLE]

    def __enter__(self):
        run(self.cmd, log=logfile("container-start"))
        return self

    def __exit__(self, *exc):
        subprocess.run(["podman", "rm", "-f", "-t", "0", self.name], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

    def exec(self, argv, log=None):
        """Run argv inside; its output is shown and kept in log. Returns
        (exit status, last non-empty line)."""
        cmd = ["podman", "exec", "-w", self.workdir, self.name, *argv]
        say("$ " + " ".join(shlex.quote(c) for c in cmd))
        last = ""
        with open(log or os.devnull, "w", encoding="utf-8") as out:
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, encoding="utf-8", errors="replace")
            for line in p.stdout:
                sys.stdout.write(line)
                out.write(line)
                if line.strip():
                    last = line.strip()
            rc = p.wait()
        sys.stdout.flush()
        return rc, last


# ---- the test -------------------------------------------------------------------

class Steps:
    def __init__(self):
        self.times = []

    def step(self, name, fn, *args):
        say(f"\n== {name}")
        start = time.monotonic()
        result = fn(*args)
        took = time.monotonic() - start
        note = result[-1] if isinstance(result, tuple) else result
        self.times.append((name, took, note if isinstance(note, str) else ""))
        say(f"   {name}: {took:.1f} s" + (f" ({note})" if isinstance(note, str) else ""))
        return result

    def summary(self):
        say("\nTimings:")
        for name, took, note in self.times:
            say(f"  {name:<22} {took:7.1f} s  {note if len(note) <= 70 else note[:67] + '...'}")
        say(f"  {'in all':<22} {sum(t for _, t, _ in self.times):7.1f} s")


def image_size(name):
    p = podman("image", "inspect", "--format", "{{.Size}}", name, check=False, quiet=True,
               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, encoding="utf-8")
    try:
        return int(p.stdout.strip().splitlines()[0])
    except (ValueError, IndexError):
        return None


def what_is_kept():
    sizes = [(n, image_size(n)) for n in (BASE, IMAGE)]
    kept = [f"{n} ({s / 1e9:.2f} GB)" for n, s in sizes if s is not None]
    if kept:
        say("Kept: images " + ", ".join(kept) + "; remove them with make devcontainer-clean")


def test(args):
    if os.geteuid() != 0:
        say("devcontainer-test: run it as root (sudo make devcontainer-test): it installs "
            "packages and runs rootful podman")
        return 2
    say(f"Dev container test: the image of .devcontainer/ ({IMAGE}, with its base about "
        "2.3 GB, kept for the next run), make test inside on a fresh clone of this commit "
        "(which builds the kit's Linux guest there: minutes)")
    steps = Steps()
    closing, ok = "0 passed, 1 failed", False
    try:
        steps.step("host packages", host_packages)
        steps.step("podman configuration", configure)
        base, _ = steps.step("base image", base_image)
        kit, _ = steps.step("clone", clone)
        steps.step("image build", build_image, kit, base)
        run_args, post = devcontainer_spec(kit)
        with Container(kit, run_args) as box:
            if post:
                rc, _ = steps.step("postCreateCommand", box.exec, post,
                                   logfile("postcreate"))
                if rc != 0:
                    raise Failed(f"postCreateCommand {post} exited with {rc}")
            rc, line = steps.step("sandbox inside", box.exec, SANDBOX_LINE,
                                  logfile("sandbox"))
            if rc != 0:
                raise Failed(f"the grader's sandbox does not start in the container: {line}")
            rc, last = steps.step("make test inside", box.exec, ["make", "test"],
                                  logfile("make-test"))
        if CLOSING.match(last):
            closing = last
        ok = rc == 0 and bool(CLOSING.match(last)) and last.endswith(" 0 failed")
        if not ok:
            say(f"make test inside exited with {rc}; its log: {rel(logfile('make-test'))}")
    except Failed as e:
        say(f"\ndevcontainer-test: FAILED: {e}")
    except KeyboardInterrupt:
        say("\ndevcontainer-test: interrupted")
    steps.summary()
    if ok:
        shutil.rmtree(os.path.join(STATE, "kit"), ignore_errors=True)
    elif os.path.isdir(os.path.join(STATE, "kit")):
        say(f"The clone stays in {rel(STATE)}/kit for a look (make devcontainer-clean removes it)")
    what_is_kept()
    say(closing)
    return 0 if ok else 1


def clean(args):
    if shutil.which("podman"):
        configure()
        for name in (IMAGE, BASE):
            if image_exists(name):
                podman("rmi", name, check=False)
    shutil.rmtree(STATE, ignore_errors=True)
    say(f"Removed the dev container images and {os.path.relpath(STATE, ROOT)}/ "
        "(podman and the host packages stay installed)")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m grader.devcontainer",
                                     description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("test", help="build the dev container and run make test inside")
    sub.add_parser("clean", help="remove its images and build/devcontainer/")
    args = parser.parse_args(argv)
    return {"test": test, "clean": clean}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
