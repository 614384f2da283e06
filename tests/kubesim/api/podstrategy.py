"""Pods: defaulting, validation and admission on create, the single-node "scheduler", graceful delete."""

from __future__ import annotations

from datetime import timedelta

from ..contracts import ApiError
from . import meta, pods, psa
from .context import NODE_NAME, Backend
from .events import record_event
from .resources import ResourceType
from .strategy import DeleteOptions, Strategy

DEFAULT_GRACE_SECONDS = 30


def _schedule(backend: Backend, pod: dict) -> dict:
    """Bind to the one node when its labels satisfy the pod's nodeSelector; the PodScheduled condition."""
    wanted = pod["spec"].get("nodeSelector") or {}
    try:
        node_labels = backend.store.get("nodes", None, NODE_NAME)["metadata"].get("labels", {})
    except ApiError:  # no node registered: nothing can be scheduled
        node_labels = None
    condition = {"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                 "lastTransitionTime": meta.timestamp()}
    if node_labels is not None and all(node_labels.get(k) == v for k, v in wanted.items()):
        pod["spec"].setdefault("nodeName", NODE_NAME)
        return condition
    reason = "didn't match Pod's node affinity/selector" if node_labels is not None else "not ready"
    return {**condition, "status": "False", "reason": "Unschedulable",
            "message": f"0/1 nodes are available: 1 node(s) {reason}. preemption: 0/1 nodes are available: "
                       "1 Preemption is not helpful for scheduling."}


class PodStrategy(Strategy):
    """What the apiserver (and the scheduler right after) does to a pod."""

    returns_deleted_object = True

    def before_create(self, backend: Backend, rtype: ResourceType, obj: dict) -> list[str]:
        """Default, validate, admit (Pod Security), then schedule onto the node."""
        pods.default_pod(obj)
        pods.validate_pod_create(obj)
        namespace = backend.store.get("namespaces", None, obj["metadata"]["namespace"])
        warnings = psa.admit(namespace, obj, operation="CREATE")
        scheduled = _schedule(backend, obj) if not obj["spec"].get("nodeName") else None
        # default_pod already set the status PrepareForCreate sets: Pending, with the QoS class.
        if scheduled is not None:
            obj["status"]["conditions"] = [scheduled]
        return warnings

    def after_create(self, backend: Backend, rtype: ResourceType, obj: dict) -> None:
        """The scheduler's event (describe shows it first)."""
        md = obj["metadata"]
        if obj["spec"].get("nodeName") == NODE_NAME:
            record_event(backend.store, obj, "Scheduled",
                         f"Successfully assigned {md['namespace']}/{md['name']} to {NODE_NAME}",
                         component="default-scheduler", host="")

    def before_update(self, backend: Backend, rtype: ResourceType, old: dict, new: dict) -> tuple[dict, list[str]]:
        """Plain pod updates: only what the apiserver lets change (api.pods decides), then Pod Security."""
        result = pods.validate_pod_update(old, new)
        namespace = backend.store.get("namespaces", None, old["metadata"]["namespace"])
        return result, psa.admit(namespace, result, operation="UPDATE", old_pod=old)

    def delete(self, backend: Backend, rtype: ResourceType, obj: dict, options: DeleteOptions) -> dict:
        """Graceful deletion: set deletionTimestamp and grace period; the kubelet removes the pod.

        Pods never scheduled, already finished, or deleted with grace 0 go at once.
        """
        spec, md = obj.get("spec", {}), obj["metadata"]
        grace = options.grace_period
        if grace is None:
            grace = spec.get("terminationGracePeriodSeconds", DEFAULT_GRACE_SECONDS)
        if not spec.get("nodeName") or obj.get("status", {}).get("phase") in ("Succeeded", "Failed"):
            grace = 0
        current = md.get("deletionGracePeriodSeconds")
        if md.get("deletionTimestamp") and current and (options.grace_period is None or grace >= current):
            return obj  # graceful deletion already under way; only a shorter period changes it
        if options.dry_run:
            return obj
        marked = backend.store.update("pods", md["namespace"], md["name"], _mark_deleted(grace))
        if grace == 0:
            return backend.store.delete("pods", md["namespace"], md["name"])
        return marked


def _mark_deleted(grace: int):
    def mark(pod: dict) -> None:
        md = pod["metadata"]
        start = meta.now()
        if md.get("deletionTimestamp") and md.get("deletionGracePeriodSeconds"):
            # Shortening: the new deadline counts from when deletion was first asked.
            start = meta.parse_time(md["deletionTimestamp"]) - timedelta(seconds=md["deletionGracePeriodSeconds"])
        md["deletionTimestamp"] = meta.format_time(start + timedelta(seconds=grace))
        md["deletionGracePeriodSeconds"] = grace
    return mark
