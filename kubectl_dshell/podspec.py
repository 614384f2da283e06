"""A pod's containers by name, regular and init alike (pure).

A debugger may target an init container as well as a regular one: a native sidecar (an init
container with ``restartPolicy: Always``, as istio-proxy and linkerd-proxy run) or an init container
that hangs. Ephemeral containers are not targets.
"""

from __future__ import annotations

SPEC_KINDS = ("containers", "initContainers")
STATUS_KINDS = ("containerStatuses", "initContainerStatuses")


def container_spec(pod: dict, name: str) -> dict:
    """The spec of container ``name`` (regular or init); {} when there is none."""
    spec = pod.get("spec") or {}
    return next((c for kind in SPEC_KINDS for c in spec.get(kind) or [] if c.get("name") == name), {})


def container_status(pod: dict, name: str) -> dict | None:
    """The status of container ``name`` (regular or init); None before the kubelet reported one."""
    status = pod.get("status") or {}
    return next((s for kind in STATUS_KINDS for s in status.get(kind) or [] if s.get("name") == name), None)


def init_names(pod: dict) -> list[str]:
    """The init containers' names, in their order."""
    return [c["name"] for c in (pod.get("spec") or {}).get("initContainers") or []]
