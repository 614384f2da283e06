"""The official Kubernetes client, behind the few calls dshell makes.

Objects come back as plain dicts, exactly as the API server sent them (no model conversion);
every failure leaves as a :class:`~kubectl_dshell.errors.DshellError` (see :mod:`.translate`).
This module imports ``kubernetes``: import it only inside commands, never on the ``--help`` path.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import yaml
from kubernetes import client, config
from kubernetes.config.config_exception import ConfigException
from kubernetes.stream import stream
from kubernetes.watch.watch import iter_resp_lines

from .errors import ConfigError, DshellError, Forbidden, NotFound
from .options import Connection
from .stream import ExecStream
from .translate import Operation, from_status, parse_status, translate

REQUEST_TIMEOUT = 30  # seconds, for every request but watches and exec
DEFAULT_KUBECONFIG = "~/.kube/config"
FIELD_MANAGER = "kubectl-dshell"


@contextmanager
def calling(op: Operation, server: str) -> Iterator[None]:
    """Translate whatever the client raises for ``op`` into a DshellError."""
    try:
        yield
    except DshellError:
        raise
    except Exception as exc:  # the client raises ApiException, urllib3 and socket errors alike
        raise translate(exc, op, server) from None


def _json(response: Any) -> dict:
    return json.loads(response.data)


def _events(response: Any, op: Operation) -> Iterator[dict]:
    """The watch's events; an ERROR event (410 Gone, say) raises as the error it carries."""
    for line in iter_resp_lines(response):
        if not line.strip():
            continue
        event = json.loads(line)
        if event.get("type") == "ERROR":
            status = event.get("object") or {}
            raise from_status(parse_status(status.get("code") or 500, json.dumps(status)), op)
        yield event


def _kubeconfig_path(flag: str | None) -> str:
    return flag or os.environ.get("KUBECONFIG") or DEFAULT_KUBECONFIG


def _contexts(files: list[str]) -> tuple[dict[str, dict], str | None]:
    """Contexts by name and the current context, merged as kubectl merges KUBECONFIG: first wins."""
    contexts: dict[str, dict] = {}
    current = None
    for name in files:
        with open(name, encoding="utf-8") as file:
            data = yaml.safe_load(file) or {}
        for entry in data.get("contexts") or []:
            contexts.setdefault(entry["name"], entry.get("context") or {})
        current = current or data.get("current-context")
    return contexts, current


def _load(conn: Connection) -> tuple[client.ApiClient, dict]:
    path = _kubeconfig_path(conn.kubeconfig)
    files = [p for p in (os.path.expanduser(p) for p in path.split(os.pathsep)) if os.path.exists(p)]
    if not files:
        raise ConfigError(f"no kubeconfig at {path}", "pass --kubeconfig, or set KUBECONFIG")
    try:
        contexts, current = _contexts(files)
        name = conn.context or current
        if name is None:
            raise ConfigError(f"no current context in {path}", "pass --context, or: kubectl config use-context NAME")
        if name not in contexts:
            raise ConfigError(f"context {name!r} not found in {path}", f"contexts there: {', '.join(contexts)}")
        configuration = client.Configuration()
        config.load_kube_config(
            config_file=path, context=name, client_configuration=configuration, persist_config=False
        )
    except (ConfigException, OSError, ValueError, TypeError, KeyError, AttributeError, yaml.YAMLError) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ConfigError(
            f"cannot load kubeconfig {path}: {reason}", "check --kubeconfig, KUBECONFIG and --context"
        ) from None
    return client.ApiClient(configuration), contexts[name]


class Kube:
    """A connection to one cluster: the calls dshell makes, dicts in and out."""

    def __init__(self, api: client.ApiClient, namespace: str, config_user: str):
        self.api = api
        self.namespace = namespace
        self.config_user = config_user
        self.core = client.CoreV1Api(api)
        self.server: str = api.configuration.host

    @classmethod
    def connect(cls, conn: Connection) -> Kube:
        """Load the kubeconfig (``--kubeconfig``, else KUBECONFIG, else ~/.kube/config) and context."""
        api, context = _load(conn)
        namespace = conn.namespace or context.get("namespace") or "default"
        return cls(api, namespace, context.get("user") or "")

    def _get(self, op: Operation, call: Callable[..., Any], *args: Any, **kwargs: Any) -> dict:
        with calling(op, self.server):
            return _json(call(*args, _preload_content=False, _request_timeout=REQUEST_TIMEOUT, **kwargs))

    def get_pod(self, namespace: str, name: str) -> dict:
        """GET a pod."""
        op = Operation("get", "pods", name, namespace)
        return self._get(op, self.core.read_namespaced_pod, name, namespace)

    def get_pod_or_none(self, namespace: str, name: str) -> dict | None:
        """GET a pod, None when it does not exist."""
        try:
            return self.get_pod(namespace, name)
        except NotFound:
            return None

    def list_pods(self, namespace: str, selector: str | None = None) -> list[dict]:
        """LIST pods, optionally by label selector."""
        op = Operation("list", "pods", namespace=namespace)
        kwargs = {"label_selector": selector} if selector else {}
        return self._get(op, self.core.list_namespaced_pod, namespace, **kwargs).get("items") or []

    def list_pods_or_none(self, namespace: str) -> list[dict] | None:
        """LIST pods, None when RBAC forbids it (they only feed "did you mean")."""
        try:
            return self.list_pods(namespace)
        except Forbidden:
            return None

    def list_namespaces(self) -> list[dict]:
        """LIST namespaces."""
        op = Operation("list", "namespaces")
        return self._get(op, self.core.list_namespace).get("items") or []

    def get_workload(self, kind: str, namespace: str, name: str) -> dict:
        """GET a deployment, statefulset, daemonset, replicaset or job."""
        apps, batch = client.AppsV1Api(self.api), client.BatchV1Api(self.api)
        readers = {
            "deployment": apps.read_namespaced_deployment,
            "statefulset": apps.read_namespaced_stateful_set,
            "daemonset": apps.read_namespaced_daemon_set,
            "replicaset": apps.read_namespaced_replica_set,
            "job": batch.read_namespaced_job,
        }
        op = Operation("get", kind + "s", name, namespace)
        return self._get(op, readers[kind], name, namespace)

    def namespace_labels_or_none(self, namespace: str) -> dict | None:
        """The namespace's labels, None when RBAC forbids reading namespaces (often so)."""
        try:
            return (
                self._get(Operation("get", "namespaces", namespace), self.core.read_namespace, namespace)[
                    "metadata"
                ].get("labels")
                or {}
            )
        except (Forbidden, NotFound):
            return None

    def node_labels_or_none(self, name: str) -> dict | None:
        """A node's labels, None when RBAC forbids reading nodes."""
        try:
            return self._get(Operation("get", "nodes", name), self.core.read_node, name)["metadata"].get("labels") or {}
        except (Forbidden, NotFound):
            return None

    def whoami(self) -> str | None:
        """The user name the API server sees (SelfSubjectReview), None where that is not allowed."""
        body = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
        call = client.AuthenticationV1Api(self.api).create_self_subject_review
        try:
            review = self._get(Operation("create", "selfsubjectreviews"), call, body)
        except DshellError:
            return None
        return ((review.get("status") or {}).get("userInfo") or {}).get("username")

    def server_version(self) -> tuple[int, int]:
        """The API server's (major, minor) version; digits only (EKS says "28+")."""
        with calling(Operation("get", "version"), self.server):
            info = _json(client.VersionApi(self.api).get_code(_preload_content=False))
        digits = [int("".join(ch for ch in info.get(key, "0") if ch.isdigit()) or 0) for key in ("major", "minor")]
        return digits[0], digits[1]

    def patch_ephemeral(self, namespace: str, name: str, body: dict) -> dict:
        """Strategic-merge PATCH of pods/ephemeralcontainers; returns the updated pod."""
        op = Operation("patch", "pods", name, namespace, "ephemeralcontainers")
        call = self.core.patch_namespaced_pod_ephemeralcontainers
        return self._get(op, call, name, namespace, body, field_manager=FIELD_MANAGER)

    def watch_pod(self, namespace: str, name: str, resource_version: str, timeout: int) -> Iterator[dict]:
        """WATCH one pod from ``resource_version`` for at most ``timeout`` seconds: the raw events."""
        op = Operation("watch", "pods", name, namespace)
        with calling(op, self.server):
            response = self.core.list_namespaced_pod(
                namespace,
                field_selector=f"metadata.name={name}",
                resource_version=resource_version,
                timeout_seconds=max(1, timeout),
                watch=True,
                _preload_content=False,
                _request_timeout=timeout + REQUEST_TIMEOUT,
            )
            try:
                yield from _events(response, op)
            finally:
                response.release_conn()

    def exec(self, namespace: str, pod: str, container: str, argv: list[str], stdin: bool, tty: bool) -> ExecStream:
        """Open an exec session (WebSocket, v5 or v4 channel protocol) into ``container``."""
        op = Operation("create", "pods", pod, namespace, "exec")
        with calling(op, self.server):
            ws = stream(
                self.core.connect_get_namespaced_pod_exec,
                pod,
                namespace,
                container=container,
                command=argv,
                stdin=stdin,
                stdout=True,
                stderr=not tty,
                tty=tty,
                binary=True,
                _preload_content=False,
            )
        return ExecStream(ws)
