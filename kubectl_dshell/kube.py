"""The official Kubernetes client, behind the few calls dshell makes.

Objects come back as plain dicts, exactly as the API server sent them (no model conversion);
every failure leaves as a :class:`~kubectl_dshell.errors.DshellError` (see :mod:`.translate`).
Requests go through the client's ``ApiClient`` (see :mod:`.rest`), not its generated API classes.
This module imports ``kubernetes``: import it only inside commands, never on the ``--help`` path.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from kubernetes import client

from .ahead import Lookahead, answered_ahead
from .errors import DshellError, Forbidden, NotFound
from .kubeconfig import load
from .options import Connection, Timeouts
from .redact import Secrets
from .rest import JSON, Path, Query, Rest
from .probes.runner import Invocation
from .stream import ExecStream
from .translate import Operation, from_status, parse_status, translate

# A watch's reads may wait the whole timeoutSeconds the server was given, and this long after it.
WATCH_MARGIN = 30.0
FIELD_MANAGER = "kubectl-dshell"


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
ALL_PODS = "/api/v1/pods"
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
        api, context = load(conn, secrets)
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

    def list_pods(self, namespace: str | None, selector: str | None = None) -> list[dict]:
        """LIST pods of ``namespace`` (None: of every namespace), optionally by label selector."""
        op = Operation("list", "pods", namespace=namespace or "")
        query: Query = [("labelSelector", selector)] if selector else []
        path: Path = (PODS, {"namespace": namespace}) if namespace else (ALL_PODS, {})
        return self._json(op, "GET", path, query=query).get("items") or []

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
    def configmap_keys_or_none(self, namespace: str, name: str) -> frozenset[str] | None:
        """A ConfigMap's keys (``data``, the ones envFrom sets), None when it cannot be read: it only
        sharpens env's sources, so no failure of it fails a verb."""
        path = ("/api/v1/namespaces/{namespace}/configmaps/{name}", {"namespace": namespace, "name": name})
        try:
            found = self._json(Operation("get", "configmaps", name, namespace), "GET", path)
        except DshellError:
            return None
        return frozenset(found.get("data") or {})

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

    def exec(self, namespace: str, pod: str, container: str, invocation: Invocation, tty: bool) -> ExecStream:
        """Open an exec session (WebSocket, v5 or v4 channel protocol) into ``container``, stdin open,
        and send the invocation's preamble (its script) as the first input."""
        op = Operation("create", "pods", pod, namespace, "exec")
        query: Query = [
            ("command", invocation.argv),
            ("container", container),
            ("stderr", not tty),
            ("stdin", True),
            ("stdout", True),
            ("tty", tty),
        ]
        with calling(op, self.server, self.timeouts.read):
            ws = self.rest.websocket(pod_path(namespace, pod, "exec"), query, self.timeouts.read)
        stream = ExecStream(ws)
        if invocation.preamble:
            with calling(op, self.server, self.timeouts.read):
                stream.send_stdin(invocation.preamble)
        return stream
