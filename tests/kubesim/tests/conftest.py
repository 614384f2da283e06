"""Fixtures for the API server's own tests: a server with a stub kubelet, no containers, and kubectl."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.kubesim.api.auth import Rule
from tests.kubesim.api.server import ApiServer
from tests.kubesim.api.store import Store
from tests.kubesim.contracts import ApiError


class StubKubelet:
    """Logs of a fixed text; exec and attach refused as a kubelet with no such container would."""

    def logs(self, namespace: str, pod: str, container: str, **options: object) -> Iterator[bytes]:
        """One line naming the container."""
        return iter([f"log of {namespace}/{pod}/{container}\n".encode()])

    def exec(self, namespace: str, pod: str, container: str, command: list[str], **flags: bool):
        """Refused: no container runs here."""
        raise ApiError(404, "NotFound", f'container not found ("{container}")')

    def attach(self, namespace: str, pod: str, container: str, **flags: bool):
        """Refused: no container runs here."""
        raise ApiError(404, "NotFound", f'container not found ("{container}")')


@dataclass
class ApiHarness:
    """A running ApiServer, its store, and kubectl pointed at it as the admin (or as another user)."""

    server: ApiServer
    store: Store
    kubeconfig: Path
    cache_dir: Path

    def kubectl(self, *args: str, kubeconfig: Path | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
        """Run the real kubectl (the version dispatcher) with an isolated discovery cache."""
        command = ["kubectl", "--kubeconfig", str(kubeconfig or self.kubeconfig),
                   "--cache-dir", str(self.cache_dir), *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    def user_kubeconfig(self, token: str, user: str, rules: list[Rule], groups: list[str] | None = None) -> Path:
        """Register a user and write a kubeconfig for it."""
        self.server.add_user(token, user, groups or [], rules)
        path = self.kubeconfig.with_name(f"{user}.kubeconfig")
        self.server.write_kubeconfig(path, token=token)
        return path


def _harness(tmp: Path, **options: object) -> Iterator[ApiHarness]:
    store = Store()
    server = ApiServer(store, StubKubelet(), state_dir=tmp / "api", **options)
    server.start()
    try:
        kubeconfig = tmp / "admin.kubeconfig"
        server.write_kubeconfig(kubeconfig, token=server.admin_token)
        yield ApiHarness(server, store, kubeconfig, tmp / "cache")
    finally:
        server.stop()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiHarness]:
    """An HTTPS API server at 1.32 with a stub kubelet, shared by a test module."""
    yield from _harness(tmp_path_factory.mktemp("api"))


@pytest.fixture
def api_at(tmp_path: Path):
    """Start an API server with given options (version, tls, ...) for one test; stopped after it."""
    started: list[Iterator[ApiHarness]] = []

    def start(**options: object) -> ApiHarness:
        generator = _harness(tmp_path / f"api{len(started)}", **options)
        started.append(generator)
        return next(generator)

    yield start
    for generator in started:
        generator.close()
