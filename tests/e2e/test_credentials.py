"""No credential ever shows: a canary token sent down every error path dshell can meet, with and
without --debug, never appears (nor its base64) in anything the plugin prints."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from pathlib import Path

import pytest

from kubectl_dshell.errors import ExitCode
from tests.e2e.conftest import kubeconfig_for

CANARY = "CANARY" + secrets.token_hex(8)
EXEC = "client.authentication.k8s.io/v1"


def _leaks(text: bytes) -> list[str]:
    forms = [CANARY, base64.b64encode(CANARY.encode()).decode(), base64.b64encode(f"u:{CANARY}".encode()).decode()]
    return [form for form in forms if form.encode() in text]


def _echo(status: str) -> Callable[[bytes], bytes]:
    """A reply with ``status`` whose body (and a header) repeat the request, credentials included."""
    def answer(request: bytes) -> bytes:
        return (f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nX-Seen: ".encode()
                + request.split(b"\r\n\r\n")[0].replace(b"\r\n", b" | ")
                + b"\r\nConnection: close\r\n\r\n"
                + json.dumps({"kind": "Status", "code": int(status[:3]), "message": request.decode("latin-1")}).encode())
    return answer


def _plugin(tmp_path: Path, script: str) -> dict:
    plugin = tmp_path / "plugin"
    plugin.write_text("#!/bin/sh\n" + script)
    plugin.chmod(0o755)
    return {"exec": {"apiVersion": EXEC, "command": str(plugin), "interactiveMode": "Never"}}


def _credential(token: str) -> str:
    status = json.dumps({"apiVersion": EXEC, "kind": "ExecCredential", "status": {"token": token}})
    return f"cat <<'EOF'\n{status}\nEOF\n"


TOKEN = {"token": CANARY}
# name: (where the kubeconfig points, its user, extra flags, the exit code)
CASES: dict[str, tuple[str, Callable[[Path], dict], tuple[str, ...], ExitCode]] = {
    "refused port": ("refused", lambda _: TOKEN, (), ExitCode.CONNECTION),
    "password in the server URL": ("refused-userinfo", lambda _: TOKEN, (), ExitCode.CONNECTION),
    "server that never answers": ("silent", lambda _: TOKEN, ("--request-timeout", "2s"), ExitCode.CONNECTION),
    "garbage instead of TLS": ("garbage-tls", lambda _: TOKEN, (), ExitCode.CONNECTION),
    "garbage instead of HTTP": ("garbage-http", lambda _: TOKEN, (), ExitCode.CONNECTION),
    "401 repeating the request": ("echo 401 Unauthorized", lambda _: TOKEN, (), ExitCode.CONNECTION),
    "403 repeating the request": ("echo 403 Forbidden", lambda _: TOKEN, (), ExitCode.FORBIDDEN),
    "500 repeating the request": ("echo 500 Internal Server Error", lambda _: TOKEN, (), ExitCode.FAILURE),
    "bad token": ("simulator", lambda _: TOKEN, (), ExitCode.CONNECTION),
    "untrusted TLS certificate": ("simulator-no-ca", lambda _: TOKEN, (), ExitCode.CONNECTION),
    "token ending with a newline": ("simulator", lambda _: {"token": CANARY + "\n"}, (), ExitCode.CONFIG),
    "basic auth": ("simulator", lambda _: {"username": "u", "password": CANARY}, (), ExitCode.CONNECTION),
    "auth provider": ("simulator", lambda _: {"auth-provider": {"name": "oidc", "config": {
        "client-id": "dshell", "client-secret": CANARY, "id-token": CANARY, "refresh-token": CANARY,
        "idp-issuer-url": "https://127.0.0.1:9"}}}, (), ExitCode.CONNECTION),
    "client key data": ("simulator", lambda _: {
        "client-certificate-data": base64.b64encode(b"not a certificate").decode(),
        "client-key-data": base64.b64encode(f"-----BEGIN PRIVATE KEY-----\n{CANARY}\n".encode()).decode()},
        (), ExitCode.CONFIG),
    "exec plugin failing with its token on stderr": (
        "simulator", lambda tmp: _plugin(tmp, f"echo 'token: {CANARY}' >&2\nexit 1\n"), (), ExitCode.CONFIG),
    "exec plugin giving a token with a newline": (
        "simulator", lambda tmp: _plugin(tmp, _credential(CANARY + "\n")), (), ExitCode.CONFIG),
    "exec plugin giving garbage": ("simulator", lambda tmp: _plugin(tmp, f"echo '{CANARY}'\n"), (), ExitCode.CONFIG),
    "exec plugin giving a bad token": (
        "simulator", lambda tmp: _plugin(tmp, _credential(CANARY)), (), ExitCode.CONNECTION),
}


@pytest.fixture
def servers(cluster, listener, tmp_path) -> Callable[[str], dict]:
    """The cluster entry of a kubeconfig for each kind of server a case names."""
    config = json.loads(cluster.kubectl("config", "view", "--raw", "--minify", "--flatten", "-o", "json",
                                        check=True).stdout)
    real = config["clusters"][0]["cluster"]

    def server(kind: str) -> dict:
        if kind == "simulator":
            return real
        if kind == "simulator-no-ca":
            return {"server": real["server"]}
        if kind in ("refused", "refused-userinfo"):
            closed = listener(None)
            closed.close()
            userinfo = f"user:{CANARY}@" if kind == "refused-userinfo" else ""
            return {"server": f"https://{userinfo}127.0.0.1:{closed.port}"}
        if kind == "silent":
            return {"server": f"https://127.0.0.1:{listener(None).port}"}
        scheme = "https" if kind == "garbage-tls" else "http"
        answer = _echo(kind.removeprefix("echo ")) if kind.startswith("echo") else (lambda request: b"\x00" + request)
        return {"server": f"{scheme}://127.0.0.1:{listener(answer).port}", "insecure-skip-tls-verify": True}

    return server


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
@pytest.mark.parametrize("case", list(CASES))
def test_no_error_path_shows_a_credential(cluster, servers, tmp_path, case: str, debug: bool) -> None:
    kind, user, flags, code = CASES[case]
    config = kubeconfig_for(tmp_path / "kubeconfig.json", servers(kind), user(tmp_path))
    args = ["web", *flags, *(["--debug"] if debug else []), "--", "true"]
    r = cluster.dshell(*args, env={"KUBECONFIG": str(config)}, timeout=60)
    assert _leaks(r.stdout + r.stderr) == [], r.stderr.decode()
    assert r.returncode == code, r.stderr.decode()
    if not debug:
        lines = r.stderr.decode().splitlines()
        assert len(lines) == 2 and lines[0].startswith("error: ") and lines[1].startswith("hint: "), lines
