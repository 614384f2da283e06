"""What a fresh cluster already holds: the initial namespaces, the one Node, the default RBAC policy."""

from __future__ import annotations

import os
import platform

from . import discovery, meta, namespaces, rbacdefaults
from .context import NODE_NAME, Backend

_CONDITIONS = (
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
)
_ARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())


def node_object(version: str) -> dict:
    """The node as its kubelet registers it: Ready, with its labels, addresses and versions."""
    stamp = meta.timestamp()
    conditions = [{"type": kind, "status": status, "reason": reason, "message": message,
                   "lastHeartbeatTime": stamp, "lastTransitionTime": stamp}
                  for kind, status, reason, message in _CONDITIONS]
    capacity = {"cpu": str(os.cpu_count() or 1), "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"}
    return {
        "metadata": {"name": NODE_NAME, "labels": {
            "kubernetes.io/hostname": NODE_NAME, "kubernetes.io/os": "linux", "kubernetes.io/arch": _ARCH,
            "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": _ARCH}},
        "spec": {"podCIDR": "10.244.0.0/24", "podCIDRs": ["10.244.0.0/24"]},
        "status": {
            "conditions": conditions, "capacity": capacity, "allocatable": dict(capacity),
            "addresses": [{"type": "InternalIP", "address": "10.89.0.2"}, {"type": "Hostname", "address": NODE_NAME}],
            "nodeInfo": {"kubeletVersion": discovery.version_info(version)["gitVersion"],
                         "kubeProxyVersion": "", "containerRuntimeVersion": "kubesim://1.0.0",
                         "osImage": "Debian GNU/Linux 12 (bookworm)", "kernelVersion": platform.release(),
                         "operatingSystem": "linux", "architecture": _ARCH},
        },
    }


def seed(backend: Backend) -> None:
    """Fill an empty store; a store already holding namespaces keeps them. The default RBAC
    objects are created wherever missing, as the apiserver does on every start."""
    rbacdefaults.ensure(backend.store)
    if backend.store.list("namespaces")[0]:
        return
    namespaces.seed(backend)
    backend.store.create("nodes", node_object(backend.version))
