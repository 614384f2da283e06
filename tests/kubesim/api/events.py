"""core/v1 Events as the kubelet and the scheduler record them, so ``kubectl describe`` shows them."""

from __future__ import annotations

import time

from . import meta
from .store import Store

NODE_NAME = "kubesim-node"


_REF_KEYS = ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")


def _reference(involved: dict, field_path: str) -> dict:
    """An ObjectReference: ``involved`` is either one already or the full object it refers to."""
    source = {**involved, **involved.get("metadata", {})}
    ref = {k: source.get(k, "") for k in _REF_KEYS}
    ref["fieldPath"] = field_path or ref["fieldPath"]
    return {k: v for k, v in ref.items() if v}


def _same(event: dict, ref: dict, source: dict, kind: str, reason: str, message: str) -> bool:
    """Whether an existing event is the one being recorded again (client-go's aggregation key)."""
    theirs = {k: v for k, v in event.get("involvedObject", {}).items() if k != "resourceVersion"}
    ours = {k: v for k, v in ref.items() if k != "resourceVersion"}
    return (theirs == ours and event.get("source") == source and event.get("type") == kind
            and event.get("reason") == reason and event.get("message") == message)


def record_event(store: Store, involved: dict, reason: str, message: str, type: str = "Normal",
                 component: str = "kubelet", *, host: str = NODE_NAME, field_path: str = "") -> dict:
    """Record an Event about ``involved``, or count one more of the same event (as client-go aggregates).

    ``involved`` is the object itself or an ObjectReference to it (kind, apiVersion, namespace, name,
    uid, resourceVersion, fieldPath). ``field_path`` names the part concerned, e.g.
    ``spec.containers{app}``; ``host`` is "" for control-plane components such as default-scheduler.
    """
    ref = _reference(involved, field_path)
    namespace = ref.get("namespace") or "default"
    source = {"component": component, **({"host": host} if host else {})}
    stamp = meta.timestamp()
    events, _ = store.list("events", namespace, field_selector=f"involvedObject.name={ref.get('name', '')}")
    for event in events:
        if _same(event, ref, source, type, reason, message):
            def bump(current: dict) -> None:
                current["count"] = current.get("count", 1) + 1
                current["lastTimestamp"] = stamp
            return store.update("events", namespace, event["metadata"]["name"], bump)
    return store.create("events", {
        "metadata": {"name": f"{ref.get('name', 'event')}.{time.time_ns():x}", "namespace": namespace},
        "involvedObject": ref, "reason": reason, "message": message, "source": source,
        "firstTimestamp": stamp, "lastTimestamp": stamp, "count": 1, "type": type, "eventTime": None,
        "reportingComponent": component, "reportingInstance": host,
    })
