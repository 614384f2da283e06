"""The status and ephemeralcontainers subresources."""

from __future__ import annotations

from . import errors, pods, psa
from .context import Backend, Request
from .objects import get_object, patched, put_body, store_update
from .wire import Response


def status(backend: Backend, req: Request) -> Response:
    """GET, PUT or PATCH of ``<resource>/status``: only the status of what is sent is kept."""
    if req.method == "GET":
        return get_object(backend, req)
    desired_of = put_body(req) if req.method == "PUT" else patched(req)
    return store_update(backend, req, desired_of, lambda old, new: ({**old, "status": new.get("status", {})}, []))


def _ephemeral_update(backend: Backend, old: dict, new: dict) -> tuple[dict, list[str]]:
    """The pods/ephemeralcontainers strategy (static pods refused there), then Pod Security admission."""
    result = pods.update_ephemeral_containers(old, new)
    namespace = backend.store.get("namespaces", None, old["metadata"]["namespace"])
    return result, psa.admit(namespace, result, operation="UPDATE", subresource="ephemeralcontainers", old_pod=old)


def ephemeral_containers(backend: Backend, req: Request) -> Response:
    """GET, PUT or PATCH of ``pods/ephemeralcontainers`` (absent, like a 1.15 cluster, when disabled)."""
    if not backend.ephemeral_containers:
        raise errors.path_not_found()
    if req.method == "GET":
        return get_object(backend, req)
    desired_of = put_body(req) if req.method == "PUT" else patched(req)
    return store_update(backend, req, desired_of, lambda old, new: _ephemeral_update(backend, old, new))
