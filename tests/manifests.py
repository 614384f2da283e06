"""Manifests the tests and the benchmark create: a fresh copy of a running pod."""

from __future__ import annotations

TOKEN_VOLUME = "kube-api-access"  # the ServiceAccount admission adds it (and its mounts) to every pod


def pod_copy(pod: dict, name: str, labels: dict[str, str]) -> dict:
    """A manifest for a new pod with ``pod``'s spec and annotations: no debuggers, no node, and no
    token volume (admission adds its own), from regular and init containers alike."""
    spec = {k: v for k, v in pod["spec"].items() if k not in ("ephemeralContainers", "nodeName")}
    spec["volumes"] = [v for v in spec.get("volumes", []) if not v["name"].startswith(TOKEN_VOLUME)]
    for kind in ("containers", "initContainers"):
        spec[kind] = [
            {**c, "volumeMounts": [m for m in c.get("volumeMounts", []) if not m["name"].startswith(TOKEN_VOLUME)]}
            for c in spec.get(kind) or []
        ]
    if not spec["initContainers"]:
        del spec["initContainers"]
    meta = {"name": name, "namespace": pod["metadata"]["namespace"], "labels": labels,
            "annotations": pod["metadata"].get("annotations") or {}}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
