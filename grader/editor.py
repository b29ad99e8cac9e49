"""The student's editor, proven (`make test`'s [editor] section; also
`python3 -m grader.editor`). For the lab in .vscode/settings.json ("rvh.lab"):

- `make compdb` writes build/compile_commands.json with every file of the lab
  (every `make LAB=n` does; clangd finds it there, the C/C++ extension is
  pointed at it by .vscode/settings.json);
- `clangd --check` parses a lab file without errors (with .clangd), and clangd
  as a language server resolves a type of common/include (go to definition);
- F5 replayed as VS Code's C/C++ extension (cppdbg, microsoft/MIEngine) runs
  it: the preLaunchTask's command until its background pattern, gdb-multiarch
  in MI mode with launch.json's setupCommands, the program, the
  miDebuggerServerAddress, then continue: it must stop at lab_main; then the
  postDebugTask, after which QEMU must be gone. A launch.json or tasks.json that
  would not work in VS Code fails here.

When the launch's port is taken on this machine (another self-test running),
the replay uses a free one in both the task's command and the address.
"""

import json
import os
import queue
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

from . import jsonc, labspec

ROOT = labspec.ROOT
TASK_TIMEOUT = 300          # the pre-launch task builds the lab first
GDB_TIMEOUT = 60


class Broken(Exception):
    """The replay cannot go on: the message says why."""


# ---- VS Code's files -------------------------------------------------------------

def vscode(root, name):
    return jsonc.load(os.path.join(root, ".vscode", name))


def expand(text, root, settings):
    """VS Code's ${...} variables that the kit's files use."""
    def one(m):
        var = m.group(1)
        if var == "workspaceFolder":
            return root
        if var == "workspaceFolderBasename":
            return os.path.basename(root)
        if var.startswith("config:") and var[7:] in settings:
            return str(settings[var[7:]])
        raise Broken(f"unsupported variable ${{{var}}} in {text!r}")
    return re.sub(r"\$\{([^}]+)\}", one, text)


def the_lab(root):
    """(settings, the Lab named by "rvh.lab")."""
    settings = vscode(root, "settings.json")
    name = settings.get("rvh.lab")
    lab = labspec.find_lab(labspec.load_labs(root), str(name)) if name else None
    if not lab:
        raise Broken(f'.vscode/settings.json: "rvh.lab" {name!r} names no lab')
    return settings, lab


# ---- compile_commands.json and clangd ----------------------------------------------

def check_compdb(root, lab, tally):
    db = os.path.join(root, "build", "compile_commands.json")
    p = subprocess.run(["make", "--no-print-directory", "-C", root, "compdb",
                        f"LAB={lab.dirname}"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, encoding="utf-8", errors="replace", timeout=60)
    try:
        with open(db, encoding="utf-8") as f:
            files = {os.path.relpath(e["file"], root) for e in json.load(f)}
    except (OSError, ValueError, KeyError, TypeError) as e:
        files, why = set(), f"{e}; make said: {p.stdout[-300:]}"
    want = {f"labs/{lab.dirname}/{f}" for f in lab.student_files if f.endswith(".c")}
    missing = sorted(want - files)
    if files and not missing:
        why = ""
    elif files:
        why = f"missing {', '.join(missing)}"
    return tally.case(f"make compdb LAB={lab.dirname} lists the lab's files "
                      "(build/compile_commands.json)", p.returncode == 0 and not why,
                      why or p.stdout[-300:])


def lab_source(root, lab):
    for f in lab.student_files:
        if f.endswith(".c"):
            return f"labs/{lab.dirname}/{f}"
    raise Broken(f"lab {lab.dirname} has no C file")


def check_clangd_parse(root, rel, tally):
    p = subprocess.run(["clangd", f"--check={rel}"], cwd=root, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, encoding="utf-8",
                       errors="replace", timeout=120)
    errors = [ln for ln in p.stdout.splitlines() if ln.startswith("E[")]
    done = re.search(r"All checks completed, (\d+) errors", p.stdout)
    ok = p.returncode == 0 and done is not None and done.group(1) == "0" and not errors
    return tally.case(f"clangd --check={rel}: parses without errors", ok,
                      "; ".join(errors[:3]) or p.stdout.strip()[-300:])


def header_type(root, text):
    """(name, header) of the first `struct NAME` in text defined in common/include."""
    inc = os.path.join(root, "common", "include")
    defined = {}
    for name in sorted(os.listdir(inc)):
        if name.endswith(".h"):
            with open(os.path.join(inc, name), encoding="utf-8") as f:
                for m in re.finditer(r"^struct (\w+) \{", f.read(), re.M):
                    defined.setdefault(m.group(1), f"common/include/{name}")
    for m in re.finditer(r"\bstruct (\w+)\b", text):
        if m.group(1) in defined:
            return m.group(1), defined[m.group(1)], m.start(1)
    raise Broken("the lab file uses no struct of common/include")


class Lsp:
    """Just enough of a language-server client: requests in order, answers
    by id; notifications are kept."""

    def __init__(self, cmd, cwd):
        self.proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        self.buf = b""
        self.next_id = 1
        self.notes = []

    def send(self, method, params, request=True):
        msg = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            msg["id"] = self.next_id
            self.next_id += 1
        body = json.dumps(msg).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.proc.stdin.flush()
        return msg.get("id")

    def _message(self, deadline):
        while True:
            head, sep, rest = self.buf.partition(b"\r\n\r\n")
            m = re.search(rb"Content-Length: *(\d+)", head) if sep else None
            if m and len(rest) >= int(m.group(1)):
                n = int(m.group(1))
                self.buf = rest[n:]
                return json.loads(rest[:n])
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                raise Broken("clangd did not answer in time")
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                raise Broken("clangd exited")
            self.buf += chunk

    def call(self, method, params, timeout=60):
        rid = self.send(method, params)
        deadline = time.monotonic() + timeout
        while True:
            msg = self._message(deadline)
            if msg.get("id") == rid and "method" not in msg:
                if "error" in msg:
                    raise Broken(f"clangd: {method}: {msg['error']}")
                return msg.get("result")
            if "method" in msg:
                self.notes.append(msg)

    def close(self):
        try:
            self.call("shutdown", None, timeout=10)
            self.send("exit", None, request=False)
            self.proc.wait(timeout=10)
        except (Broken, OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if self.proc.poll() is None:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def check_clangd_navigation(root, rel, tally):
    path = os.path.join(root, rel)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    name, header, at = header_type(root, text)
    line = text.count("\n", 0, at)
    col = at - (text.rfind("\n", 0, at) + 1)
    uri = "file://" + path
    lsp = Lsp(["clangd", "--log=error", "--background-index=false"], root)
    try:
        lsp.call("initialize", {"processId": os.getpid(), "rootUri": "file://" + root,
                                "capabilities": {}})
        lsp.send("initialized", {}, request=False)
        lsp.send("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "c", "version": 1, "text": text}}, request=False)
        got = lsp.call("textDocument/definition", {"textDocument": {"uri": uri},
                                                   "position": {"line": line, "character": col}})
    except Broken as e:
        got = str(e)
    finally:
        lsp.close()
    where = [g.get("uri", "") for g in got] if isinstance(got, list) else []
    ok = any(w == "file://" + os.path.join(root, header) for w in where)
    return tally.case(f"clangd resolves struct {name} ({rel}:{line + 1}) to {header}", ok,
                      f"got {got!r}"[:300])


# ---- F5 ----------------------------------------------------------------------------

class Task:
    """A VS Code shell task: bash -c COMMAND in the workspace, own process group."""

    def __init__(self, command, root):
        self.proc = subprocess.Popen(["/bin/bash", "-c", command], cwd=root,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.lines = queue.Queue()
        self.output = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.output.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, pattern, timeout):
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return False
            if line is None:
                return False
            if re.search(pattern, line):
                return True

    def ended(self, timeout):
        try:
            self.proc.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()


class Mi:
    """gdb in MI mode: commands with tokens, async records kept in order."""

    def __init__(self, gdb, cwd):
        self.proc = subprocess.Popen([gdb, "--interpreter=mi", "-nx"], cwd=cwd,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.lines = queue.Queue()
        self.log = []
        self.token = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self.log.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def _next(self, deadline):
        try:
            line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise Broken("gdb did not answer in time") from None
        if line is None:
            raise Broken("gdb exited")
        return line

    def cmd(self, command, timeout=GDB_TIMEOUT):
        """(result class, record) of an MI command."""
        self.token += 1
        self.proc.stdin.write(f"{self.token}{command}\n".encode())
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        while True:
            line = self._next(deadline)
            m = re.match(rf"^{self.token}\^(\w+)(.*)$", line)
            if m:
                return m.group(1), m.group(2)

    def console(self, text):
        quoted = text.replace("\\", "\\\\").replace('"', '\\"')
        return self.cmd(f'-interpreter-exec console "{quoted}"')

    def stopped(self, timeout):
        """The next *stopped record, or the reason there is none."""
        deadline = time.monotonic() + timeout
        while True:
            line = self._next(deadline)
            if line.startswith("*stopped"):
                return line
            if "Remote connection closed" in line or line.startswith("=thread-group-exited"):
                raise Broken("the target ran to its end without stopping")

    def close(self):
        try:
            if self.proc.poll() is None:
                self.proc.stdin.write(b"-gdb-exit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def port_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch_plan(root):
    """Everything F5 uses, read and expanded as VS Code would."""
    settings, lab = the_lab(root)
    configs = vscode(root, "launch.json").get("configurations") or []
    if not configs:
        raise Broken(".vscode/launch.json has no configuration")
    cfg = configs[0]                # F5 starts the first one until another is picked
    if (cfg.get("type"), cfg.get("request"), cfg.get("MIMode")) != ("cppdbg", "launch", "gdb"):
        raise Broken("launch.json: the replay knows cppdbg launch with MIMode gdb only")
    tasks = {t.get("label"): t for t in vscode(root, "tasks.json").get("tasks", [])}
    plan = {"name": cfg.get("name", "?"), "settings": settings, "lab": lab}
    for key in ("preLaunchTask", "postDebugTask"):
        task = tasks.get(cfg.get(key))
        if not task or task.get("type") != "shell":
            raise Broken(f"launch.json {key} {cfg.get(key)!r}: no shell task of that label")
        plan[key] = task
        plan[key + "Command"] = expand(task["command"], root, settings)
    bg = (plan["preLaunchTask"].get("problemMatcher") or {})
    bg = bg.get("background", {}) if isinstance(bg, dict) else {}
    plan["ready"] = bg.get("endsPattern") or bg.get("beginsPattern")
    if not plan["preLaunchTask"].get("isBackground") or not plan["ready"]:
        raise Broken("the preLaunchTask is not a background task with a pattern: "
                     "VS Code would wait for it to end")
    plan["gdb"] = cfg.get("miDebuggerPath") or "gdb"
    if not shutil.which(plan["gdb"]):
        raise Broken(f"miDebuggerPath {plan['gdb']} is not installed (make setup)")
    plan["program"] = expand(cfg["program"], root, settings)
    plan["cwd"] = expand(cfg.get("cwd", "${workspaceFolder}"), root, settings)
    plan["address"] = expand(cfg.get("miDebuggerServerAddress", ""), root, settings)
    plan["setup"] = [(expand(c["text"], root, settings), bool(c.get("ignoreFailures")))
                     for c in cfg.get("setupCommands", [])]
    host, _, port = plan["address"].rpartition(":")
    if not host or not port.isdigit():
        raise Broken(f"miDebuggerServerAddress {plan['address']!r} is not host:port")
    if port not in plan["preLaunchTaskCommand"]:
        raise Broken(f"the preLaunchTask does not start QEMU on port {port}, "
                     "where launch.json attaches")
    if not port_free(int(port)):
        new = str(free_port())
        plan["preLaunchTaskCommand"] = plan["preLaunchTaskCommand"].replace(port, new)
        plan["postDebugTaskCommand"] = plan["postDebugTaskCommand"].replace(port, new)
        plan["address"] = f"{host}:{new}"
    return plan


def debug_session(mi, plan):
    """MIEngine's launch: setup commands, symbols, connect, continue. Returns
    (function, reason) of the first stop after continue."""
    mi.cmd("-gdb-set mi-async on")
    for text, ignore in plan["setup"]:
        cls, rest = mi.cmd(text) if text.startswith("-") else mi.console(text)
        if cls == "error" and not ignore:
            raise Broken(f"setup command {text!r} failed: {rest}")
    mi.console("set pagination off")
    mi.cmd(f"-environment-cd {plan['cwd']}")
    cls, rest = mi.cmd(f"-file-exec-and-symbols {plan['program']}")
    if cls == "error":
        raise Broken(f"cannot load {plan['program']}: {rest}")
    mi.cmd("-break-insert main")         # MIEngine tries; there is no main: ignored
    cls, rest = mi.cmd(f"-target-select remote {plan['address']}")
    if cls != "connected":
        raise Broken(f"cannot connect to {plan['address']}: {rest}")
    cls, rest = mi.cmd("-exec-continue")
    if cls != "running":
        raise Broken(f"continue: {cls}{rest}")
    stop = mi.stopped(GDB_TIMEOUT)
    func = re.search(r'func="([^"]*)"', stop)
    reason = re.search(r'reason="([^"]*)"', stop)
    return (func.group(1) if func else "??"), (reason.group(1) if reason else "")


def check_f5(root, tally):
    try:
        plan = launch_plan(root)
    except (Broken, OSError, ValueError, KeyError) as e:
        return tally.case("F5: launch.json and tasks.json can be replayed", False, str(e))
    pre, post = plan["preLaunchTask"]["label"], plan["postDebugTask"]["label"]
    task = Task(plan["preLaunchTaskCommand"], root)
    try:
        ready = task.wait_for(plan["ready"], TASK_TIMEOUT)
        if not tally.case(f"F5: preLaunchTask '{pre}' reaches /{plan['ready']}/", ready,
                          " | ".join(task.output[-5:])):
            return False
        mi = Mi(plan["gdb"], plan["cwd"])
        try:
            try:
                func, reason = debug_session(mi, plan)
                why = f"stopped in {func} ({reason or 'no reason'})"
            except Broken as e:
                func, why = "", str(e)
            halted = tally.case("F5: gdb-multiarch with launch.json's setupCommands stops at "
                                f"lab_main ({plan['lab'].dirname})", func == "lab_main", why)
            # While QEMU is halted under gdb only the task can make it go away.
            p = subprocess.run(["/bin/bash", "-c", plan["postDebugTaskCommand"]], cwd=root,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=60)
            gone = task.ended(5)
        finally:
            mi.close()
        if not halted:
            return tally.skip(f"F5: postDebugTask '{post}' stops QEMU", "QEMU was not halted")
        return tally.case(f"F5: postDebugTask '{post}' stops QEMU", p.returncode == 0 and gone,
                          f"exit status {p.returncode}" + ("" if gone else ", QEMU still runs"))
    finally:
        task.kill()


# ---- all of it ---------------------------------------------------------------------

def check(tally, root=ROOT):
    print("\n[editor] compile_commands.json, clangd, VS Code's F5 (.vscode/)")
    try:
        _, lab = the_lab(root)
        rel = lab_source(root, lab)
    except (Broken, OSError, ValueError) as e:
        tally.case("editor: .vscode/settings.json names a lab", False, str(e))
        return
    check_compdb(root, lab, tally)
    if not shutil.which("clangd"):
        tally.case("clangd is installed", False, "run make setup")
    else:
        check_clangd_parse(root, rel, tally)
        try:
            check_clangd_navigation(root, rel, tally)
        except Broken as e:
            tally.case("clangd resolves a type of common/include", False, str(e))
    check_f5(root, tally)


def main():
    from .selftest import Tally
    tally = Tally()
    check(tally)
    print(f"{tally.passed} passed, {tally.failed} failed")
    return 0 if tally.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
