"""API errors, as the client library raises them with real Status bodies, in words a person reads."""

from __future__ import annotations

import http.client
import json
import ssl

import pytest
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import MaxRetryError, NewConnectionError
from websocket import WebSocketBadStatusException

from kubectl_dshell.errors import ConfigError, ConnectionFailed, DshellError, Forbidden, NotFound, Unsupported
from kubectl_dshell.translate import Conflict, Operation, PodSecurityRejected, translate

PATCH = Operation("patch", "pods", "web", "default", "ephemeralcontainers")
GET = Operation("get", "pods", "webb", "default")
EXEC = Operation("create", "pods", "web", "default", "exec")


def status(code: int, reason: str, message: str, details: dict | None = None) -> str:
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details is not None:
        body["details"] = details
    return json.dumps(body)


def api_error(code: int, body: str) -> ApiException:
    return ApiException(status=code, reason="", body=body)


RBAC = status(
    403,
    "Forbidden",
    'pods "web" is forbidden: User "alice" cannot patch resource "pods/ephemeralcontainers" in API group "" '
    'in the namespace "default"',
    {"name": "web", "kind": "pods"},
)
PSA = status(
    403,
    "Forbidden",
    'pods "web" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false '
    '(container "dshell-abcde" must set securityContext.allowPrivilegeEscalation=false), unrestricted '
    'capabilities (container "dshell-abcde" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot '
    '!= true (pod or container "dshell-abcde" must set securityContext.runAsNonRoot=true)',
    {"name": "web", "kind": "pods"},
)


def test_rbac_denial_names_the_missing_permission() -> None:
    error = translate(api_error(403, RBAC), PATCH)
    assert isinstance(error, Forbidden)
    assert error.message == 'RBAC: user "alice" cannot patch pods/ephemeralcontainers in namespace default'
    assert error.hint.startswith('ask for a Role granting verb "patch" on "pods/ephemeralcontainers" (apiGroup "")')


def test_pod_security_denial_lists_the_violations() -> None:
    error = translate(api_error(403, PSA), PATCH)
    assert isinstance(error, PodSecurityRejected)
    assert error.level == "restricted:latest"
    assert error.violations == [
        'allowPrivilegeEscalation != false (container "dshell-abcde" must set '
        "securityContext.allowPrivilegeEscalation=false)",
        'unrestricted capabilities (container "dshell-abcde" must set securityContext.capabilities.drop=["ALL"])',
        'runAsNonRoot != true (pod or container "dshell-abcde" must set securityContext.runAsNonRoot=true)',
    ]
    assert error.message.startswith('Pod Security "restricted:latest" refused the debugger: allowPrivilegeEscalation')
    assert "--profile restricted" in error.hint


def test_webhook_denial_keeps_the_servers_words() -> None:
    body = status(403, "Forbidden", 'admission webhook "deny.example.com" denied the request: no debugging')
    error = translate(api_error(403, body), PATCH)
    assert type(error) is Forbidden
    assert error.message == (
        'patch pods/ephemeralcontainers "web" in namespace default was refused: '
        'admission webhook "deny.example.com" denied the request: no debugging'
    )


def test_missing_subresource_means_no_ephemeral_containers() -> None:
    body = status(404, "NotFound", "the server could not find the requested resource", {})
    error = translate(api_error(404, body), PATCH)
    assert isinstance(error, Unsupported)
    assert error.message.startswith("ephemeral containers are disabled for this cluster")


def test_missing_pod_is_not_found() -> None:
    body = status(404, "NotFound", 'pods "webb" not found', {"name": "webb", "kind": "pods"})
    error = translate(api_error(404, body), GET)
    assert isinstance(error, NotFound)
    assert error.message == 'pods "webb" not found in namespace default'


def test_conflict_is_its_own_kind() -> None:
    body = status(409, "Conflict", 'Operation cannot be fulfilled on pods "web": the object has been modified')
    assert isinstance(translate(api_error(409, body), PATCH), Conflict)


def test_unauthorized_says_credentials() -> None:
    error = translate(api_error(401, status(401, "Unauthorized", "Unauthorized")), GET)
    assert isinstance(error, ConnectionFailed)
    assert error.message == "the API server rejected your credentials (401 Unauthorized)"


def test_old_ephemeral_containers_api_is_unsupported() -> None:
    body = status(400, "BadRequest", 'EphemeralContainers in version "v1" cannot be handled as a Pod: no kind')
    assert isinstance(translate(api_error(400, body), PATCH), Unsupported)


def _failed_upgrade(code: int, body: bytes) -> ApiException:
    """As kubernetes.stream raises it: ApiException(status=0) while handling the handshake error."""
    try:
        try:
            raise WebSocketBadStatusException(f"Handshake status {code}", code, "Forbidden", {}, body)
        except Exception as exc:
            raise ApiException(status=0, reason=str(exc))  # noqa: B904 (exactly as kubernetes.stream does)
    except ApiException as wrapped:
        return wrapped


def test_failed_exec_upgrade_is_read_from_the_handshake() -> None:
    body = status(
        403,
        "Forbidden",
        'pods "web" is forbidden: User "bob" cannot create resource "pods/exec" in API group "" '
        'in the namespace "default"',
    )
    error = translate(_failed_upgrade(403, body.encode()), EXEC)
    assert error.message == 'RBAC: user "bob" cannot create pods/exec in namespace default'


def test_connection_refused_is_a_connection_error() -> None:
    cause = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    error = translate(
        MaxRetryError(None, "/api/v1/namespaces/default/pods/web", reason=cause), GET, "https://10.0.0.1:6443"
    )
    assert isinstance(error, ConnectionFailed)
    assert error.message == "cannot connect to the API server https://10.0.0.1:6443: connection refused"


def test_server_error_and_unknown_failures_keep_the_message() -> None:
    error = translate(api_error(500, status(500, "InternalError", "etcd is down")), GET)
    assert error.message == 'the API server failed to get pods "webb" in namespace default: etcd is down'
    plain = translate(api_error(400, "not json at all"), EXEC)
    assert type(plain) is DshellError and plain.message.endswith("not json at all")


@pytest.mark.parametrize("body", [RBAC, PSA])
def test_no_credentials_in_messages(body: str) -> None:
    exc = api_error(403, body)
    exc.headers = {"Authorization": "Bearer SECRET"}
    error = translate(exc, PATCH)
    assert "SECRET" not in error.message + (error.hint or "")


def test_an_unsendable_header_is_a_config_error_that_does_not_show_it() -> None:
    error = translate(ValueError("Invalid header value b'Bearer tok-CANARY\\n'"), GET)
    assert isinstance(error, ConfigError)
    assert "CANARY" not in error.message + (error.hint or "")


def _caused(outer: Exception, inner: BaseException) -> Exception:
    """``outer`` raised while handling ``inner``, as the client library chains them."""
    try:
        try:
            raise inner
        except BaseException:
            raise outer  # noqa: B904
    except Exception as chained:
        return chained


@pytest.mark.parametrize("inner,words", [
    (http.client.BadStatusLine("\x00GET / HTTP/1.1 authorization: Bearer x"), "it does not answer as an HTTP server does"),
    (ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"), "the TLS handshake failed"),
    (ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"), "its TLS certificate is not trusted"),
    (ConnectionResetError(104, "Connection reset by peer"), "the connection was dropped"),
])
def test_transport_failures_say_what_the_server_did(inner: BaseException, words: str) -> None:
    error = translate(_caused(ApiException(status=0, reason="SSLError"), inner), GET, "https://10.0.0.1:6443")
    assert isinstance(error, ConnectionFailed)
    assert error.message.startswith("cannot connect to the API server https://10.0.0.1:6443: ")
    assert words in error.message and "Bearer" not in error.message
