"""Running the simulator from tests: a subprocess, ready when it says so, stopped and checked for debris."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
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
