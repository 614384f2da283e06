"""Running the simulator from tests: a subprocess, ready when it says so, stopped and checked for debris."""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


class SimulatorError(RuntimeError):
    """The simulator did not start; the message carries its output."""


@dataclass
class Simulator:
    """A running `python -m tests.kubesim` and what clients need to talk to it."""

    process: subprocess.Popen
    workdir: Path
    kubeconfig: Path
    log: list[str] = field(default_factory=list)

    @property
    def cache_dir(self) -> Path:
        return self.workdir / "kube-cache"

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for kubectl and the plugin: this cluster only, isolated caches."""
        env = dict(os.environ, KUBECONFIG=str(self.kubeconfig), HOME=str(self.workdir / "home"))
        env.update(extra)
        return env

    def kubectl(self, *args: str, input: bytes | None = None, timeout: float = 60,
                check: bool = False) -> subprocess.CompletedProcess:
        """Run the real kubectl against this cluster."""
        cmd = ["kubectl", "--cache-dir", str(self.cache_dir), *args]
        return subprocess.run(cmd, env=self.env(), input=input, capture_output=True, timeout=timeout,
                              check=check)

    def snapshot(self) -> Footprint:
        """What the running simulator has made: its processes and their namespaces."""
        return footprint(self.process.pid)

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, wait; SIGKILL if it hangs. Returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)
        return self.process.returncode


@dataclass(frozen=True)
class Footprint:
    """A simulator's processes and the namespaces they are in, seen from the host."""

    sim_pid: int
    pids: frozenset[int]
    namespaces: frozenset[tuple[str, int]]  # (kind, inode) of net, mnt, pid namespaces


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(ppid, []).append(int(entry))
    return tree


def _namespaces(pid: int) -> set[tuple[str, int]]:
    found = set()
    for kind in ("net", "mnt", "pid"):
        try:
            found.add((kind, os.stat(f"/proc/{pid}/ns/{kind}").st_ino))
        except OSError:
            pass
    return found


def footprint(sim_pid: int) -> Footprint:
    """The simulator's descendant processes and the namespaces not shared with the host."""
    tree, pids, todo = _children(), set(), [sim_pid]
    while todo:
        pid = todo.pop()
        pids.add(pid)
        todo.extend(tree.get(pid, []))
    host = _namespaces(1) | _namespaces(os.getpid())
    namespaces = set().union(*(_namespaces(p) for p in pids)) - host
    return Footprint(sim_pid, frozenset(pids), frozenset(namespaces))


def _alive(pid: int) -> bool:
    """Running (a zombie holds nothing but its pid until its new parent, here a lazy init, reaps it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _wait_gone(pids: frozenset[int], timeout: float) -> None:
    """Wait (on pidfds, no polling) until each process has terminated, at most ``timeout`` in all."""
    deadline = time.monotonic() + timeout
    for pid in pids:
        try:
            fd = os.pidfd_open(pid)
        except OSError:
            continue  # already gone
        try:
            select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        finally:
            os.close(fd)


def debris(fp: Footprint, timeout: float = 10.0) -> list[str]:
    """Whatever of a stopped simulator is still there: processes, namespaces, mounts, cgroups, state.

    Processes get ``timeout`` to die: after a SIGKILL of the simulator the kernel ends its node's
    processes asynchronously (parent-death signal, then the PID namespace's teardown)."""
    _wait_gone(fp.pids, timeout)
    found = [f"process {pid}" for pid in fp.pids if _alive(pid)]
    live = set().union(*(_namespaces(int(p)) for p in os.listdir("/proc") if p.isdigit() and _alive(int(p))))
    found += [f"{kind} namespace {inode}" for kind, inode in fp.namespaces & live]
    marker = f"/{fp.sim_pid}-"
    found += [f"mount {line.split()[4]}" for line in Path("/proc/self/mountinfo").read_text().splitlines()
              if "kubesim" in line and marker in line]
    found += [str(p) for p in Path("/sys/fs/cgroup").glob(f"*/**/kubesim-{fp.sim_pid}-*")]
    state_root = Path(os.environ.get("KUBESIM_STATE_ROOT", "/tmp/kubesim"))
    found += [str(p) for p in state_root.glob(f"{fp.sim_pid}-*")]
    return found


def start_simulator(*args: str, timeout: float = 120) -> Simulator:
    """Start the simulator with extra command-line args; returns once it has written its kubeconfig."""
    workdir = Path(tempfile.mkdtemp(prefix="kubesim-test-"))
    (workdir / "home").mkdir()
    kubeconfig = workdir / "kubeconfig"
    cmd = [sys.executable, "-m", "tests.kubesim", "--kubeconfig", str(kubeconfig), "--die-with-parent", *args]
    proc = subprocess.Popen(cmd, cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    sim = Simulator(proc, workdir, kubeconfig)
    ready = threading.Event()

    def read_stderr() -> None:
        for line in proc.stderr:
            sim.log.append(line.rstrip("\n"))
            if line.startswith("kubesim: ready"):
                ready.set()
        ready.set()  # the process ended: stop waiting

    threading.Thread(target=read_stderr, daemon=True, name="kubesim-stderr").start()
    if not ready.wait(timeout) or proc.poll() is not None or not kubeconfig.exists():
        sim.stop()
        tail = "\n".join(sim.log[-30:])
        raise SimulatorError(f"the simulator did not start (exit {proc.returncode}):\n{tail}")
    return sim
