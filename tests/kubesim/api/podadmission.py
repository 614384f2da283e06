"""The mutating admission plugins a pod create passes: ServiceAccount (token volume and mounts),
Priority (the two built-in PriorityClasses) and DefaultTolerationSeconds."""

from __future__ import annotations

import random

from ..contracts import ApiError
from .fielderrors import go_quote

TOKEN_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
_RAND_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # utilrand.String's alphabet: no vowels, no 0/1/3
_SYSTEM_PRIORITIES = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}


def is_mirror_pod(pod: dict) -> bool:
    """Whether the pod mirrors a kubelet's static pod (it carries the config.mirror annotation)."""
    return "kubernetes.io/config.mirror" in ((pod.get("metadata") or {}).get("annotations") or {})


def _token_volume(name: str) -> dict:
    """The projected kube-api-access-xxxxx volume the ServiceAccount admission adds."""
    return {"name": name, "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
            "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
    ]}}


def _mount_service_account_token(spec: dict) -> None:
    """Mount the API token into every init and regular container (not ephemeral ones)."""
    existing = [v["name"] for v in spec.get("volumes") or [] if v.get("name", "").startswith("kube-api-access-")]
    name = existing[0] if existing else "kube-api-access-" + "".join(random.choices(_RAND_ALPHABET, k=5))
    mount = {"name": name, "readOnly": True, "mountPath": TOKEN_MOUNT_PATH}
    needs_volume = False
    for ctr in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        # A container mounting something at the token path keeps it: no token for it.
        if not any(m.get("mountPath") == TOKEN_MOUNT_PATH for m in ctr.get("volumeMounts") or []):
            ctr.setdefault("volumeMounts", []).append(dict(mount))
            needs_volume = True
    if needs_volume and not existing:
        spec.setdefault("volumes", []).append(_token_volume(name))


def _admit_service_account(pod: dict) -> None:
    """ServiceAccount: the "default" account unless one is named, and its token unless opted out."""
    spec = pod["spec"]
    spec["serviceAccountName"] = spec.get("serviceAccountName") or "default"
    spec["serviceAccount"] = spec["serviceAccountName"]
    if not is_mirror_pod(pod) and spec.get("automountServiceAccountToken") is not False:
        _mount_service_account_token(spec)


def _add_default_tolerations(spec: dict) -> None:
    """DefaultTolerationSeconds: tolerate not-ready and unreachable nodes for 300 s."""
    tolerations = spec.setdefault("tolerations", [])
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        if not any(t.get("key", "") in ("", key) and t.get("effect", "") in ("", "NoExecute") for t in tolerations):
            tolerations.append({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300})


def _set_priority(pod: dict) -> None:
    """Priority admission with no PriorityClass objects besides the two built-in ones."""
    spec = pod["spec"]
    class_name = spec.get("priorityClassName") or ""
    if class_name and class_name not in _SYSTEM_PRIORITIES:
        name = pod["metadata"].get("name", "")
        raise ApiError(403, "Forbidden",
                       f"pods {go_quote(name)} is forbidden: no PriorityClass with name {class_name} was found",
                       {"name": name, "kind": "pods"})
    spec["priority"] = _SYSTEM_PRIORITIES.get(class_name, 0)
    spec["preemptionPolicy"] = spec.get("preemptionPolicy") or "PreemptLowerPriority"


def admit_create(pod: dict) -> None:
    """Run the mutating admission plugins on a scheme-defaulted pod, in the apiserver's order.

    Raises ApiError 403 for an unknown priorityClassName, as the Priority admission does.
    """
    _admit_service_account(pod)
    _set_priority(pod)
    _add_default_tolerations(pod["spec"])
