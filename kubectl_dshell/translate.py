"""API and transport errors, translated at the boundary into errors a person understands.

Pure: an exception and the :class:`Operation` that raised it in, a :class:`DshellError` out. The
server's own words are kept (they are authoritative); credentials never appear in them.
"""

from __future__ import annotations

import json
import re
import ssl
from dataclasses import dataclass

from .errors import ConfigError, ConnectionFailed, DshellError, Forbidden, NotFound, Unsupported

# RBAC denials, as the API server words them (apiserver responsewriters.forbiddenMessage).
RBAC_DENIAL = re.compile(
    r'User "(?P<user>[^"]*)" cannot (?P<verb>\S+) resource "(?P<resource>[^"]+)" '
    r'in API group "(?P<group>[^"]*)"'
)
# Pod Security: 'violates PodSecurity "restricted:latest": reason (detail), reason (detail)'.
PSA_DENIAL = re.compile(r'violates PodSecurity "(?P<level>[^"]+)": (?P<details>.*)$', re.S)
PSA_VIOLATION = re.compile(r"(?:^|, )(?P<reason>[^,(]+?) \((?P<detail>[^()]*)\)")
PERMISSIONS = "dshell needs: get pods, patch pods/ephemeralcontainers, create pods/exec"
SERVER_HINT = "check the server address of the current context: kubectl config view --minify"
# Answers that are not HTTP (http.client's and urllib3's names for them).
NOT_HTTP = ("BadStatusLine", "RemoteDisconnected", "IncompleteRead", "LineTooLong", "ProtocolError")
TIMEOUT_VALUE = re.compile(r"(?:read|connect) timeout=([0-9.]+)")


@dataclass(frozen=True)
class Operation:
    """One API request, as RBAC sees it: ``patch pods/ephemeralcontainers "web" in namespace default``."""

    verb: str
    resource: str
    name: str = ""
    namespace: str = ""
    subresource: str = ""

    @property
    def qualified(self) -> str:
        """``resource/subresource``."""
        return f"{self.resource}/{self.subresource}" if self.subresource else self.resource

    def describe(self) -> str:
        """The request in words."""
        what = f'{self.verb} {self.qualified} "{self.name}"' if self.name else f"{self.verb} {self.qualified}"
        return f"{what} in namespace {self.namespace}" if self.namespace else what


class Conflict(DshellError):
    """409: the object changed since we read it (the optimistic-concurrency check)."""


class Expired(DshellError):
    """410: a watch's resourceVersion is too old."""


class PodSecurityRejected(Forbidden):
    """Pod Security admission refused the debugger; ``violations`` are its reasons."""

    def __init__(self, message: str, hint: str | None, level: str, violations: list[str]):
        super().__init__(message, hint)
        self.level = level
        self.violations = violations


@dataclass(frozen=True)
class ServerStatus:
    """The parts of an error response that matter: HTTP code, Status reason, message, details."""

    code: int
    reason: str = ""
    message: str = ""
    details: dict | None = None


def parse_status(code: int, body: bytes | str | None, fallback: str = "") -> ServerStatus:
    """A metav1.Status body (or whatever came instead) as a :class:`ServerStatus`."""
    try:
        status = json.loads(body or b"")
    except ValueError:
        status = None
    if not isinstance(status, dict):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
        return ServerStatus(code, message=text.strip() or fallback)
    return ServerStatus(code, status.get("reason") or "", status.get("message") or fallback, status.get("details"))


def pod_security(status: ServerStatus) -> PodSecurityRejected | None:
    """A Pod Security refusal, its violations listed, or None for any other 403."""
    match = PSA_DENIAL.search(status.message)
    if not match:
        return None
    violations = [f"{m['reason'].strip()} ({m['detail']})" for m in PSA_VIOLATION.finditer(match["details"])]
    violations = violations or [match["details"]]
    return PodSecurityRejected(
        f'Pod Security "{match["level"]}" refused the debugger: ' + "; ".join(violations),
        "dshell needs a debugger that passes this level: run with --profile restricted, "
        "or ask for a namespace with pod-security.kubernetes.io/enforce=baseline",
        match["level"],
        violations,
    )


def _forbidden(status: ServerStatus, op: Operation) -> DshellError:
    rejected = pod_security(status)
    if rejected is not None:
        return rejected
    match = RBAC_DENIAL.search(status.message)
    if match:
        where = f" in namespace {op.namespace}" if op.namespace else ""
        return Forbidden(
            f'RBAC: user "{match["user"]}" cannot {match["verb"]} {match["resource"]}{where}',
            f'ask for a Role granting verb "{match["verb"]}" on "{match["resource"]}" '
            f'(apiGroup "{match["group"]}"); {PERMISSIONS}',
        )
    return Forbidden(f"{op.describe()} was refused: {status.message}", PERMISSIONS)


def _not_found(status: ServerStatus, op: Operation) -> DshellError:
    details = status.details or {}
    # A missing subresource answers 404 without a name: the feature is off, not the pod gone.
    if op.subresource == "ephemeralcontainers" and not details.get("name"):
        return Unsupported(
            f"ephemeral containers are disabled for this cluster (error from server: {status.message!r})",
            "dshell needs Kubernetes 1.23 or newer, where ephemeral containers are on by default",
        )
    name = op.name or details.get("name", "")
    where = f" in namespace {op.namespace}" if op.namespace else ""
    return NotFound(f'{op.resource} "{name}" not found{where}')


def from_status(status: ServerStatus, op: Operation) -> DshellError:
    """The error a person should read for an API error response to ``op``."""
    code, message = status.code, status.message
    if code == 401:
        return ConnectionFailed(
            "the API server rejected your credentials (401 Unauthorized)",
            "log in again, or check the user of this context in your kubeconfig",
        )
    if code == 403:
        return _forbidden(status, op)
    if code == 404:
        return _not_found(status, op)
    if code == 409:
        return Conflict(f"{op.describe()}: conflict: {message}")
    if code == 410:
        return Expired(f"{op.describe()}: {message}")
    old_api = "cannot be handled as a Pod" in message or "EphemeralContainers" in message
    if old_api and code in (400, 415, 422):
        return Unsupported(
            f"this cluster's ephemeral containers API is too old: {message}",
            "dshell needs Kubernetes 1.23 or newer",
        )
    if code >= 500:
        return DshellError(f"the API server failed to {op.describe()}: {message}", "try again in a moment")
    return DshellError(f"cannot {op.describe()}: {message}")


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes: urllib3 keeps the real one in ``reason``, Python in __cause__."""
    chain: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo:
        seen = todo.pop(0)
        if seen in chain:
            continue
        chain.append(seen)
        linked = (getattr(seen, "reason", None), seen.__cause__, seen.__context__)
        todo.extend(e for e in linked if isinstance(e, BaseException))
    return chain


def _failure(seen: BaseException) -> str | None:
    """What one exception of the chain says about the connection, if anything."""
    name, text = type(seen).__name__, str(seen)
    if isinstance(seen, ConnectionRefusedError) or "Connection refused" in text:
        return "refused"
    if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in text:
        return "untrusted"
    if isinstance(seen, TimeoutError) or "Timeout" in name or "timed out" in text:
        return "timeout"
    if isinstance(seen, ssl.SSLError):
        return "tls"
    if name in ("NameResolutionError", "gaierror") or "Name or service not known" in text:
        return "dns"
    if name in NOT_HTTP:
        return "not http"
    if isinstance(seen, ConnectionError):
        return "dropped"
    return None


def _timeout(chain: list[BaseException], read_limit: float | None) -> str:
    """The limit that passed: urllib3 names it ("read timeout=2.0"); else the read limit (exec's upgrade)."""
    for seen in chain:
        named = TIMEOUT_VALUE.search(str(seen))
        if named:
            return f"{float(named[1]):g}s"
    return f"{read_limit:g}s" if read_limit else "the time limit"


def _transport(exc: BaseException, server: str, read_limit: float | None) -> DshellError | None:
    """Connection-level failures (refused, DNS, TLS, timeouts, no HTTP) found along the cause chain."""
    prefix = f"cannot connect to the API server {server}".rstrip()
    chain = _chain(exc)
    found = [kind for kind in map(_failure, chain) if kind]
    if not found:
        return None
    kind = found[-1]  # the innermost says most: a timeout within a TLS handshake is a timeout
    if kind == "untrusted":
        return ConnectionFailed(f"{prefix}: its TLS certificate is not trusted",
                                "check certificate-authority-data of the cluster in your kubeconfig")
    if kind == "timeout":
        return ConnectionFailed(f"{prefix}: no answer within {_timeout(chain, read_limit)}",
                                f"{SERVER_HINT}; a slow server needs a longer --request-timeout")
    words = {
        "refused": "connection refused",
        "tls": "the TLS handshake failed",
        "dns": "its host name does not resolve",
        "not http": "it does not answer as an HTTP server does",
        "dropped": "the connection was dropped",
    }
    return ConnectionFailed(f"{prefix}: {words[kind]}", SERVER_HINT)


def translate(exc: BaseException, op: Operation, server: str = "", read_limit: float | None = None) -> DshellError:
    """Any exception from the client library for ``op`` (sent to ``server``, each read waiting at most
    ``read_limit`` seconds), as a :class:`DshellError`."""
    if isinstance(exc, DshellError):
        return exc
    if isinstance(exc, ValueError) and "Invalid header value" in str(exc):
        # http.client's words, the header itself (a credential) after them: never passed on.
        return ConfigError(
            "the credentials of the kubeconfig's user are not a valid HTTP header value (one ends with a newline?)",
            "check the token of the context's user, or the exec plugin that makes it",
        )
    status = getattr(exc, "status", None)
    if isinstance(status, int) and status > 0:
        return from_status(parse_status(status, getattr(exc, "body", None), str(getattr(exc, "reason", ""))), op)
    handshake = exc.__context__
    code = getattr(handshake, "status_code", None)
    if isinstance(code, int):
        # The stream module hides a failed WebSocket upgrade in ApiException(status=0); its cause
        # still carries the HTTP status and the Status body.
        return from_status(parse_status(code, getattr(handshake, "resp_body", None), str(handshake)), op)
    return _transport(exc, server, read_limit) or DshellError(f"cannot {op.describe()}: {getattr(exc, 'reason', None) or exc}")
