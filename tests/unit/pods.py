"""Pod objects for unit tests, shaped as the API server sends them (plain dicts).

The four demo pods mirror tests/kubesim/demo.yaml: web (distroless nonroot image, uid not in the
spec), root-app (root image), two (shareProcessNamespace, app + busybox sidecar) and api (namespace
secure, restricted, runAsUser/runAsGroup 10001, read-only root filesystem).
"""

from __future__ import annotations

import copy

CONTAINER_ID = "0123456789abcdef" * 4


def running_status(*names: str, phase: str = "Running") -> dict:
    """A status with every named container running."""
    return {
        "phase": phase,
        "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2025-01-01T00:00:00Z"}],
        "containerStatuses": [
            {"name": n, "state": {"running": {}}, "restartCount": 0, "containerID": f"containerd://{CONTAINER_ID}"}
            for n in names
        ],
    }


def pod(name: str, containers: list[dict], namespace: str = "default", **spec: object) -> dict:
    """A running pod with these containers (each needs at least a name)."""
    return {
        "metadata": {
            "name": name,
            "namespace": namespace,
            "resourceVersion": "100",
            "creationTimestamp": "2025-01-01T00:00:00Z",
            "annotations": {},
        },
        "spec": {"containers": containers, "nodeName": "node-1", **spec},
        "status": running_status(*(c["name"] for c in containers)),
    }


NONROOT_IMAGE = "gcr.io/distroless/static-debian12:nonroot"
WEB = pod("web", [{"name": "app", "image": NONROOT_IMAGE}])
ROOT_APP = pod("root-app", [{"name": "app", "image": "gcr.io/distroless/static-debian12:latest"}])
TWO = pod(
    "two",
    [{"name": "app", "image": NONROOT_IMAGE}, {"name": "sidecar", "image": "busybox:1.36.1"}],
    shareProcessNamespace=True,
)
TWO["metadata"]["annotations"] = {"kubectl.kubernetes.io/default-container": "app"}
API = pod(
    "api",
    [
        {
            "name": "api",
            "image": NONROOT_IMAGE,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": 10001,
                "runAsGroup": 10001,
                "readOnlyRootFilesystem": True,
                "allowPrivilegeEscalation": False,
                "capabilities": {"drop": ["ALL"]},
                "seccompProfile": {"type": "RuntimeDefault"},
            },
        }
    ],
    namespace="secure",
)


def variant(base: dict, **changes: object) -> dict:
    """A deep copy of ``base`` with top-level sections (metadata, spec, status) merged."""
    copied = copy.deepcopy(base)
    for section, values in changes.items():
        copied[section].update(values)  # type: ignore[union-attr]
    return copied

SIDECAR_ID = "fedcba9876543210" * 4
# A pod with a native sidecar (an init container with restartPolicy Always, running) and a
# regular init container that completed: as the simulator's demo pod mesh.
MESH = pod("mesh", [{"name": "app", "image": NONROOT_IMAGE}])
MESH["spec"]["initContainers"] = [
    {"name": "setup", "image": "busybox:1.36.1"},
    {"name": "proxy", "image": NONROOT_IMAGE, "restartPolicy": "Always",
     "env": [{"name": "PROXY_MODE", "value": "sidecar"}], "securityContext": {"runAsUser": 1337}},
]
MESH["status"]["initContainerStatuses"] = [
    {"name": "setup", "state": {"terminated": {"reason": "Completed", "exitCode": 0}}, "restartCount": 0,
     "containerID": "containerd://" + "0" * 64},
    {"name": "proxy", "state": {"running": {}}, "restartCount": 0, "started": True,
     "containerID": f"containerd://{SIDECAR_ID}"},
]
