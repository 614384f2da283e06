"""e2e fixtures: the real `kubectl dshell` (plugin discovery through PATH) against the simulator, or
against a real cluster when DSHELL_E2E_KUBECONFIG names its kubeconfig (the demo workloads of
tests/kubesim/demo.yaml must exist there, deployed by .github/e2e/deploy-demo.sh, and pods the tests
create run DSHELL_E2E_APP_IMAGE: the demo app on distroless that the cluster has, see images.env there).
Tests marked simulator_only need a knob no real cluster has; they are deselected in real-cluster mode."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.manifests import pod_copy
from tests.ptydriver import PtyProcess

BIN = Path(sys.executable).parent
REAL_KUBECONFIG = os.environ.get("DSHELL_E2E_KUBECONFIG")
DEMO_APP_IMAGE = "gcr.io/distroless/static-debian12:nonroot"  # the simulator's, as in demo.yaml


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Against a real cluster, simulator_only tests are deselected (not skipped: CI forbids skips)."""
    if not REAL_KUBECONFIG:
        return
    dropped = [item for item in items if item.get_closest_marker("simulator_only")]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not item.get_closest_marker("simulator_only")]


@dataclass
class Target:
    """The cluster under test and how to run kubectl and the plugin against it."""

    kubeconfig: Path
    workdir: Path
    simulated: bool
    app_image: str = DEMO_APP_IMAGE  # runs the demo app as uid 65532 (its /app, PORT, --exit=N)

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ, KUBECONFIG=str(self.kubeconfig), PATH=f"{BIN}{os.pathsep}{os.environ['PATH']}")
        if self.simulated:
            env["HOME"] = str(self.workdir)
        env.update(extra)
        return env

    def kubectl(self, *args: str, input: bytes | None = None, timeout: float = 120,
                check: bool = False) -> subprocess.CompletedProcess:
        cmd = ["kubectl", "--cache-dir", str(self.workdir / "kube-cache"), *args]
        return subprocess.run(cmd, env=self.env(), input=input, capture_output=True, timeout=timeout, check=check)

    def dshell(self, *args: str, input: bytes | None = None, timeout: float = 180,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """`kubectl dshell ARGS`, found by kubectl's plugin discovery."""
        return subprocess.run(["kubectl", "dshell", *args], env=self.env(**(env or {})), input=input,
                              capture_output=True, timeout=timeout, stdin=None if input is not None else subprocess.DEVNULL)

    def dshell_pty(self, *args: str, rows: int = 24, cols: int = 80) -> PtyProcess:
        """`kubectl dshell ARGS` on a real terminal."""
        return PtyProcess(["kubectl", "dshell", *args], env=self.env(TERM="xterm"), rows=rows, cols=cols)

    def ephemeral_names(self, pod: str, namespace: str = "default") -> list[str]:
        r = self.kubectl("get", "pod", pod, "-n", namespace, "-o",
                         "jsonpath={range .spec.ephemeralContainers[*]}{.name}{'\\n'}{end}", check=True)
        return r.stdout.decode().split()


@pytest.fixture(scope="session")
def cluster(request) -> Target:
    """The cluster every e2e test runs against."""
    if not shutil.which("kubectl-dshell", path=str(BIN)):
        pytest.fail(f"kubectl-dshell is not installed in {BIN}: run `pip install -e '.[test]'`")
    workdir = Path(tempfile.mkdtemp(prefix="dshell-e2e-"))
    try:
        if REAL_KUBECONFIG:
            yield Target(Path(REAL_KUBECONFIG), workdir, simulated=False,
                         app_image=os.environ.get("DSHELL_E2E_APP_IMAGE", DEMO_APP_IMAGE))
        else:
            sim = request.getfixturevalue("simulator")
            yield Target(sim.kubeconfig, workdir, simulated=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def namespace(cluster: Target):
    """A fresh namespace for one test, deleted afterwards (with everything in it)."""
    name = "e2e-" + secrets.token_hex(4)
    cluster.kubectl("create", "namespace", name, check=True)
    try:
        yield name
    finally:
        cluster.kubectl("delete", "namespace", name, "--wait=false")


@pytest.fixture
def fresh_pod(cluster: Target):
    """Factory: a copy of a demo pod (same spec, no debuggers yet) beside it, running; deleted after the test."""
    made: list[tuple[str, str]] = []

    def make(source: str, namespace: str = "default") -> str:
        pod = json.loads(cluster.kubectl("get", "pod", source, "-n", namespace, "-o", "json", check=True).stdout)
        name = f"{source}-{secrets.token_hex(3)}"
        manifest = pod_copy(pod, name, {"app": name})
        cluster.kubectl("create", "-f", "-", input=json.dumps(manifest).encode(), check=True)
        made.append((namespace, name))
        cluster.kubectl("wait", "--for=condition=Ready", f"pod/{name}", "-n", namespace, "--timeout=60s",
                        check=True)
        return name

    yield make
    for namespace, name in made:
        cluster.kubectl("delete", "pod", name, "-n", namespace, "--wait=false")


class Listener:
    """A TCP server on 127.0.0.1 (a random port) that plays a broken API server: ``answer`` makes the reply
    to each request it reads; None accepts and never answers."""

    def __init__(self, answer: Callable[[bytes], bytes] | None):
        self.answer = answer
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:  # closed
                return
            self.held.append(conn)
            if self.answer is not None:
                with suppress(OSError):
                    conn.sendall(self.answer(self._request(conn)))
                    conn.close()

    @staticmethod
    def _request(conn: socket.socket) -> bytes:
        conn.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        return data

    def close(self) -> None:
        self.server.close()
        for conn in self.held:
            conn.close()
        self.thread.join(5)


@pytest.fixture
def listener():
    """Factory: a :class:`Listener`, closed after the test."""
    made: list[Listener] = []

    def make(answer: Callable[[bytes], bytes] | None = None) -> Listener:
        made.append(Listener(answer))
        return made[-1]

    try:
        yield make
    finally:
        for server in made:
            server.close()


def kubeconfig_for(path: Path, cluster: dict, user: dict) -> Path:
    """A kubeconfig at ``path`` with one context: ``cluster`` (its server, CA...) and ``user``."""
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "c",
        "clusters": [{"name": "x", "cluster": cluster}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "c", "context": {"cluster": "x", "user": "u"}}],
    }))
    return path
