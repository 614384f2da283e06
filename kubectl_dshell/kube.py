"""The official Kubernetes client, behind the few calls dshell makes.

Objects come back as plain dicts, exactly as the API server sent them (no model conversion);
every failure leaves as a :class:`~kubectl_dshell.errors.DshellError` (see :mod:`.translate`).
Requests go through the client's ``ApiClient`` (see :mod:`.rest`), not its generated API classes.
This module imports ``kubernetes``: import it only inside commands, never on the ``--help`` path.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import yaml
from kubernetes import client, config
from kubernetes.config.config_exception import ConfigException

from .ahead import Lookahead, answered_ahead
from .errors import ConfigError, DshellError, Forbidden, NotFound
from .options import Connection, Timeouts
from .redact import PLUGIN_OUTPUT, Secrets
from .rest import JSON, Path, Query, Rest
from .stream import ExecStream
from .translate import Operation, from_status, parse_status, translate

# A watch's reads may wait the whole timeoutSeconds the server was given, and this long after it.
WATCH_MARGIN = 30.0
DEFAULT_KUBECONFIG = "~/.kube/config"
FIELD_MANAGER = "kubectl-dshell"
# Names of a kubeconfig user's fields (auth-provider config, exec env) whose values are credentials.
SECRET_NAME = re.compile(r"token|secret|password|key", re.I)


@contextmanager
def calling(op: Operation, server: str, read_limit: float | None) -> Iterator[None]:
    """Translate whatever the client raises for ``op`` into a DshellError."""
    try:
        yield
    except DshellError:
        raise
    except Exception as exc:  # the client raises ApiException, urllib3 and socket errors alike
        raise translate(exc, op, server, read_limit) from None


def _events(lines: Iterator[str], op: Operation) -> Iterator[dict]:
    """The watch's events; an ERROR event (410 Gone, say) raises as the error it carries."""
    for line in lines:
        if not line.strip():
            continue
        event = json.loads(line)
        if event.get("type") == "ERROR":
            status = event.get("object") or {}
            raise from_status(parse_status(status.get("code") or 500, json.dumps(status)), op)
        yield event


def _kubeconfig_path(flag: str | None) -> str:
    return flag or os.environ.get("KUBECONFIG") or DEFAULT_KUBECONFIG


def _merged(files: list[str]) -> tuple[dict[str, dict], dict[str, dict], str | None]:
    """Contexts and users by name, and the current context, merged as kubectl merges KUBECONFIG:
    first wins."""
    contexts: dict[str, dict] = {}
    users: dict[str, dict] = {}
    current = None
    for name in files:
        with open(name, encoding="utf-8") as file:
            data = yaml.safe_load(file) or {}
        for key, field, found in (("contexts", "context", contexts), ("users", "user", users)):
            for entry in data.get(key) or []:
                found.setdefault(entry["name"], entry.get(field) or {})
        current = current or data.get("current-context")
    return contexts, users, current


def _credentials(user: dict) -> list[str]:
    """The credential values of a kubeconfig user entry, as written and as decoded."""
    values = [user.get(key) for key in ("token", "password", "client-key-data")]
    if user.get("username") and user.get("password"):
        values.append(f"{user['username']}:{user['password']}")
    with suppress(ValueError, TypeError):
        values.append(base64.b64decode(user.get("client-key-data") or "").decode("utf-8", "replace"))
    provider = (user.get("auth-provider") or {}).get("config") or {}
    values += [value for key, value in provider.items() if SECRET_NAME.search(str(key))]
    env = (user.get("exec") or {}).get("env") or []
    values += [item.get("value") for item in env if isinstance(item, dict) and SECRET_NAME.search(str(item.get("name")))]
    return [value for value in values if isinstance(value, str)]


def _sent(configuration: client.Configuration) -> list[str]:
    """The credentials the client sends (an exec plugin fills them at run time): headers, and their values."""
    headers = [value for value in configuration.api_key.values() if isinstance(value, str)]
    return headers + [value.partition(" ")[2] for value in headers]


@contextmanager
def _plugin_failures() -> Iterator[list[str]]:
    """What the client logs, and swallows, when an exec plugin fails: kept here, never printed (the
    plugin's stderr is in it, and may hold credentials)."""
    failures: list[str] = []

    def keep(record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("exec:"):
            failures.append(PLUGIN_OUTPUT.sub(r"\1", message).removeprefix("exec: "))
            return False
        return True

    root = logging.getLogger()
    root.addFilter(keep)
    try:
        yield failures
    finally:
        root.removeFilter(keep)


def _check_credentials(configuration: client.Configuration, name: str, user: dict) -> None:
    """Refuse credentials that cannot be used, before any request: the client would fail on each
    with the credential in its error (a token that is no valid HTTP header) or blame the server."""
    where, hint = ("from its exec plugin", "fix the exec plugin") if "exec" in user else (
        "in the kubeconfig", "write it on one line (token: VALUE, not a token: | block)")
    for value in configuration.api_key.values():
        if isinstance(value, str) and not (value.isascii() and value.isprintable()):
            newline = " (it ends with a newline?)" if value.endswith("\n") else ""
            raise ConfigError(f"the token of user {name!r} {where} is not a valid HTTP header value{newline}", hint)
    problem = _certificate_problem(configuration)
    if problem:
        raise ConfigError(
            f"the client certificate or key of user {name!r} {where} cannot be used ({problem})",
            "check client-certificate-data and client-key-data (or the files they name)",
        )


def _certificate_problem(configuration: client.Configuration) -> str | None:
    """Why the client certificate and key cannot be loaded, if there are some and they cannot."""
    if not configuration.cert_file:
        return None
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_cert_chain(configuration.cert_file, configuration.key_file)
    except ssl.SSLError as exc:
        return exc.reason.lower().replace("_", " ") if exc.reason else "not valid PEM"
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return None


def _configure(path: str, context: str, user: dict, name: str) -> client.Configuration:
    """The client's configuration for ``context``, with dshell's transport settings."""
    configuration = client.Configuration()
    # urllib3 retries a failed request 3 times by default: a GET that times out waited 4 x the timeout.
    configuration.retries = 0
    with _plugin_failures() as failures:
        config.load_kube_config(config_file=path, context=context, client_configuration=configuration,
                                persist_config=False)
    if failures:
        command = (user.get("exec") or {}).get("command") or "the plugin"
        raise ConfigError(
            f"the exec credential plugin of user {name!r} failed ({failures[0]})",
            f"its messages are not shown, as they may hold credentials: run {command} to see them",
        )
    _check_credentials(configuration, name, user)
    return configuration


def _load(conn: Connection, secrets: Secrets) -> tuple[client.ApiClient, dict]:
    path = _kubeconfig_path(conn.kubeconfig)
    files = [p for p in (os.path.expanduser(p) for p in path.split(os.pathsep)) if os.path.exists(p)]
    if not files:
        raise ConfigError(f"no kubeconfig at {path}", "pass --kubeconfig, or set KUBECONFIG")
    try:
        contexts, users, current = _merged(files)
        name = conn.context or current
        if name is None:
            raise ConfigError(f"no current context in {path}", "pass --context, or: kubectl config use-context NAME")
        if name not in contexts:
            raise ConfigError(f"context {name!r} not found in {path}", f"contexts there: {', '.join(contexts)}")
        user_name = contexts[name].get("user") or ""
        user = users.get(user_name) or {}
        secrets.add(*_credentials(user))
        configuration = _configure(path, name, user, user_name)
    except (ConfigException, OSError, ValueError, TypeError, KeyError, AttributeError, yaml.YAMLError) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ConfigError(
            f"cannot load kubeconfig {path}: {reason}", "check --kubeconfig, KUBECONFIG and --context"
        ) from None
    secrets.follow(lambda: _sent(configuration))
    return client.ApiClient(configuration), contexts[name]


def pod_path(namespace: str, name: str, subresource: str = "") -> Path:
    """A pod's path (or its subresource's)."""
    suffix = f"/{subresource}" if subresource else ""
    return f"/api/v1/namespaces/{{namespace}}/pods/{{name}}{suffix}", {"namespace": namespace, "name": name}


# The workload kinds whose pods `kubectl exec TYPE/NAME` picks from, by their API paths.
WORKLOAD_PATHS = {
    "deployment": "/apis/apps/v1/namespaces/{namespace}/deployments/{name}",
    "statefulset": "/apis/apps/v1/namespaces/{namespace}/statefulsets/{name}",
    "daemonset": "/apis/apps/v1/namespaces/{namespace}/daemonsets/{name}",
    "replicaset": "/apis/apps/v1/namespaces/{namespace}/replicasets/{name}",
    "job": "/apis/batch/v1/namespaces/{namespace}/jobs/{name}",
}
PODS = "/api/v1/namespaces/{namespace}/pods"
SELF_SUBJECT_REVIEWS = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
STRATEGIC_MERGE = "application/strategic-merge-patch+json"


class Kube:
    """A connection to one cluster: the calls dshell makes, dicts in and out."""

    def __init__(self, api: client.ApiClient, namespace: str, config_user: str, timeouts: Timeouts):
        self.api = api
        self.namespace = namespace
        self.config_user = config_user
        self.timeouts = timeouts
        self.rest = Rest(api)
        self.server: str = api.configuration.host
        self.lookahead = Lookahead()  # the client's connection pool is thread-safe

    def look_ahead(self, name: str, *args: str) -> None:
        """Start the lookup ``name(*args)`` (namespace_labels_or_none, node_labels_or_none or whoami)
        now, side by side with others; its later call takes the answer."""
        self.lookahead.start(self, name, *args)

    @classmethod
    def connect(cls, conn: Connection, secrets: Secrets) -> Kube:
        """Load the kubeconfig (``--kubeconfig``, else KUBECONFIG, else ~/.kube/config) and context;
        its credentials are told to ``secrets``, so that no message shows them."""
        api, context = _load(conn, secrets)
        namespace = conn.namespace or context.get("namespace") or "default"
        return cls(api, namespace, context.get("user") or "", conn.timeouts)

    def _json(
        self, op: Operation, method: str, path: Path, query: Query | None = None, body: dict | None = None,
        content_type: str = JSON,
    ) -> dict:
        with calling(op, self.server, self.timeouts.read):
            limits = (self.timeouts.connect, self.timeouts.read)
            return self.rest.request(method, path, limits, query, body, content_type)

    def get_pod(self, namespace: str, name: str) -> dict:
        """GET a pod."""
        return self._json(Operation("get", "pods", name, namespace), "GET", pod_path(namespace, name))

    def get_pod_or_none(self, namespace: str, name: str) -> dict | None:
        """GET a pod, None when it does not exist."""
        try:
            return self.get_pod(namespace, name)
        except NotFound:
            return None

    def list_pods(self, namespace: str, selector: str | None = None) -> list[dict]:
        """LIST pods, optionally by label selector."""
        op = Operation("list", "pods", namespace=namespace)
        query: Query = [("labelSelector", selector)] if selector else []
        return self._json(op, "GET", (PODS, {"namespace": namespace}), query=query).get("items") or []

    def list_pods_or_none(self, namespace: str) -> list[dict] | None:
        """LIST pods, None when RBAC forbids it (they only feed "did you mean")."""
        try:
            return self.list_pods(namespace)
        except Forbidden:
            return None

    def list_namespaces(self) -> list[dict]:
        """LIST namespaces."""
        return self._json(Operation("list", "namespaces"), "GET", ("/api/v1/namespaces", {})).get("items") or []

    def get_workload(self, kind: str, namespace: str, name: str) -> dict:
        """GET a deployment, statefulset, daemonset, replicaset or job."""
        op = Operation("get", kind + "s", name, namespace)
        return self._json(op, "GET", (WORKLOAD_PATHS[kind], {"namespace": namespace, "name": name}))

    def _labels_or_none(self, op: Operation, path: Path) -> dict | None:
        try:
            return self._json(op, "GET", path)["metadata"].get("labels") or {}
        except (Forbidden, NotFound):
            return None

    @answered_ahead
    def namespace_labels_or_none(self, namespace: str) -> dict | None:
        """The namespace's labels, None when RBAC forbids reading namespaces (often so)."""
        path = ("/api/v1/namespaces/{name}", {"name": namespace})
        return self._labels_or_none(Operation("get", "namespaces", namespace), path)

    @answered_ahead
    def node_labels_or_none(self, name: str) -> dict | None:
        """A node's labels, None when RBAC forbids reading nodes."""
        return self._labels_or_none(Operation("get", "nodes", name), ("/api/v1/nodes/{name}", {"name": name}))

    @answered_ahead
    def whoami(self) -> str | None:
        """The user name the API server sees (SelfSubjectReview), None where that is not allowed."""
        body = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
        op = Operation("create", "selfsubjectreviews")
        try:
            review = self._json(op, "POST", (SELF_SUBJECT_REVIEWS, {}), body=body)
        except DshellError:
            return None
        return ((review.get("status") or {}).get("userInfo") or {}).get("username")

    def server_version(self) -> tuple[int, int]:
        """The API server's (major, minor) version; digits only (EKS says "28+")."""
        info = self._json(Operation("get", "version"), "GET", ("/version/", {}))
        digits = [int("".join(ch for ch in info.get(key, "0") if ch.isdigit()) or 0) for key in ("major", "minor")]
        return digits[0], digits[1]

    def patch_ephemeral(self, namespace: str, name: str, body: dict) -> dict:
        """Strategic-merge PATCH of pods/ephemeralcontainers; returns the updated pod."""
        op = Operation("patch", "pods", name, namespace, "ephemeralcontainers")
        path = pod_path(namespace, name, "ephemeralcontainers")
        query: Query = [("fieldManager", FIELD_MANAGER)]
        return self._json(op, "PATCH", path, query=query, body=body, content_type=STRATEGIC_MERGE)

    def watch_pod(self, namespace: str, name: str, resource_version: str, timeout: int) -> Iterator[dict]:
        """WATCH one pod from ``resource_version`` for at most ``timeout`` seconds: the raw events."""
        op = Operation("watch", "pods", name, namespace)
        query: Query = [
            ("fieldSelector", f"metadata.name={name}"),
            ("resourceVersion", resource_version),
            ("timeoutSeconds", max(1, timeout)),
            ("watch", True),
        ]
        limits = (self.timeouts.connect, timeout + WATCH_MARGIN)
        with calling(op, self.server, limits[1]):
            yield from _events(self.rest.lines((PODS, {"namespace": namespace}), query, limits), op)

    def exec(self, namespace: str, pod: str, container: str, argv: list[str], stdin: bool, tty: bool) -> ExecStream:
        """Open an exec session (WebSocket, v5 or v4 channel protocol) into ``container``."""
        op = Operation("create", "pods", pod, namespace, "exec")
        query: Query = [
            ("command", argv),
            ("container", container),
            ("stderr", not tty),
            ("stdin", stdin),
            ("stdout", True),
            ("tty", tty),
        ]
        with calling(op, self.server, self.timeouts.read):
            ws = self.rest.websocket(pod_path(namespace, pod, "exec"), query, self.timeouts.read)
        return ExecStream(ws)
