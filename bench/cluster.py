"""The cluster the benchmark measures against: the simulator, the real kubectl, timed commands.

Every command runs as a user would run it: ``kubectl dshell ...`` goes through kubectl's plugin
lookup, with the plugin found on PATH. kubectl is the real binary for the server's version: the
development machine's ``kubectl`` is a dispatcher that asks the server for its version on every call,
a round trip and ~50 ms that no user pays, so it is bypassed where the versioned binary sits beside it.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeVar

from tests.kubesim.harness import Simulator, start_simulator
from tests.manifests import pod_copy

from .apilog import Request, RequestLog

BIN = Path(sys.executable).parent
READY_TIMEOUT = 300  # seconds for pods to become ready (50 pods each pay the container start delay)
# The simulator logs a request when it ends, and an idle watch notices its departed client within
# 0.5 s (tests/kubesim/api/watchstream.py): wait this long before reading the log after a watch.
WATCH_SETTLE = 0.6
T = TypeVar("T")


def may_leave_watch(requests: list[Request]) -> bool:
    """Whether a watch may follow: dshell and kubectl debug watch a pod after adding a debugger (a
    PATCH), kubectl debug and kubectl wait after listing pods."""
    return any(r.method == "PATCH" or (r.method == "GET" and r.path.endswith("/pods")) for r in requests)


@dataclass(frozen=True)
class Run:
    """One timed command: wall seconds and the API requests it made."""

    seconds: float
    requests: tuple[Request, ...]


def real_kubectl(minor: str) -> str:
    """The kubectl binary of version 1.``minor`` beside the dispatcher, else ``kubectl`` itself."""
    found = shutil.which("kubectl")
    if found is None:
        raise SystemExit("kubectl is not on PATH")
    versioned = Path(found).resolve().parent / f"kubectl.1.{minor}"
    return str(versioned) if versioned.exists() else found


class BenchCluster:
    """A simulator started for the benchmark, and the commands run against it."""

    def __init__(self, sim: Simulator):
        self.sim = sim
        self.log = RequestLog(sim.kubeconfig)
        server = json.loads(sim.kubectl("version", "-o", "json", check=True).stdout)["serverVersion"]
        self.kubectl = real_kubectl("".join(ch for ch in server["minor"] if ch.isdigit()))
        self.server_version = server["gitVersion"]

    def env(self, **extra: str) -> dict[str, str]:
        """This cluster only, the plugin on PATH, an isolated HOME (and so kubectl's cache)."""
        return self.sim.env(PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}", TERM="xterm", **extra)

    def kubectl_out(self, *args: str, input: bytes | None = None, timeout: float = 120) -> bytes:
        """Run kubectl (untimed, for setup); its stdout. Fails loudly."""
        result = subprocess.run([self.kubectl, *args], env=self.env(), input=input, capture_output=True,
                                timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)} failed: {result.stderr.decode(errors='replace')}")
        return result.stdout

    @contextmanager
    def counting(self) -> Iterator[list[Request]]:
        """Collect the API requests made inside the block into the yielded list, including watches
        that end with it but reach the log a little later."""
        mark = self.log.mark()
        made: list[Request] = []
        yield made
        found = self.log.since(mark)
        if may_leave_watch(found):
            time.sleep(WATCH_SETTLE)
            found = self.log.since(mark)
        made.extend(found)

    def prepare(self, action: Callable[[], T]) -> T:
        """Untimed set-up; once it returns, none of its watches is left to be logged later."""
        with self.counting():
            return action()

    def timed(self, action: Callable[[], None]) -> Run:
        """Run ``action``; its wall time and the requests it made."""
        with self.counting() as made:
            start = time.monotonic()
            action()
            seconds = time.monotonic() - start
        return Run(seconds, tuple(made))

    def call(self, argv: list[str], stdout: int | IO[bytes] = subprocess.DEVNULL, timeout: float = 600) -> None:
        """Run one command (``kubectl`` first in ``argv`` means the real kubectl); it must succeed."""
        argv = [self.kubectl, *argv[1:]] if argv[0] == "kubectl" else argv
        result = subprocess.run(argv, env=self.env(), stdin=subprocess.DEVNULL, stdout=stdout,
                                stderr=subprocess.PIPE, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {result.returncode}: {result.stderr.decode()[-500:]}")

    def run(self, argv: list[str], stdout: int | IO[bytes] = subprocess.DEVNULL, timeout: float = 600) -> Run:
        """Time one command (see :meth:`call`)."""
        return self.timed(lambda: self.call(argv, stdout, timeout))

    def get_pod(self, name: str) -> dict:
        """A pod of the default namespace, as JSON."""
        return json.loads(self.kubectl_out("get", "pod", name, "-o", "json"))

    def create_pods(self, source: str, names: list[str], labels: Callable[[str], dict[str, str]]) -> None:
        """Copies of pod ``source`` named ``names``, all created at once; returns once all are ready."""
        pod = self.get_pod(source)
        # A stream of JSON objects: the simulator's validation refuses kind List (see the report).
        stream = "\n".join(json.dumps(pod_copy(pod, name, labels(name))) for name in names)
        self.kubectl_out("create", "-f", "-", input=stream.encode())
        self.kubectl_out("wait", "--for=condition=Ready", *[f"pod/{n}" for n in names],
                         f"--timeout={READY_TIMEOUT}s", timeout=READY_TIMEOUT + 20)

    def fresh_pods(self, source: str, count: int) -> list[str]:
        """``count`` new copies of ``source``, ready, with no debugger yet."""
        names = [f"{source}-{secrets.token_hex(3)}" for _ in range(count)]
        self.create_pods(source, names, lambda name: {"app": name})
        return names

    def delete_pods(self, names: list[str]) -> None:
        """Delete pods without waiting for them to go."""
        if names:
            self.kubectl_out("delete", "pod", *names, "--wait=false")

    def running_debugger(self, pod: str, prefix: str, timeout: float = 60) -> str:
        """The name of a running ephemeral container of ``pod`` named ``prefix``*, once there is one."""
        deadline = time.monotonic() + timeout
        while True:
            statuses = self.get_pod(pod)["status"].get("ephemeralContainerStatuses") or []
            for status in statuses:
                if status["name"].startswith(prefix) and "running" in status.get("state", {}):
                    return status["name"]
            if time.monotonic() > deadline:
                raise RuntimeError(f"pod {pod} has no running ephemeral container named {prefix}*")
            time.sleep(0.5)  # setup only, never timed: a poll keeps this simple


@contextmanager
def bench_cluster(api_latency_ms: int, start_delay_ms: int) -> Iterator[BenchCluster]:
    """A simulator with the demo workloads and these delays, stopped (with all it made) afterwards."""
    sim = start_simulator("--api-latency-ms", str(api_latency_ms), "--start-delay-ms", str(start_delay_ms))
    try:
        yield BenchCluster(sim)
    finally:
        sim.stop()
