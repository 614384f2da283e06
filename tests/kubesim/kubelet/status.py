"""Pod status as the kubelet reports it, computed from its records of the containers (pure)."""

from __future__ import annotations

from .conditions import condition, initialized_condition, ready_conditions
from .phase import pod_phase
from .record import ContainerRecord, now_rfc3339


def _ready(rec: ContainerRecord) -> bool:
    """A regular init container is ready once it completed; others while they run (no readiness
    probes here); ephemeral containers never."""
    if rec.init and not rec.sidecar:
        return rec.completed
    return rec.state == "running" and not rec.ephemeral


def container_status(rec: ContainerRecord) -> dict:
    """One entry of containerStatuses / initContainerStatuses / ephemeralContainerStatuses."""
    if rec.state == "running":
        state = {"running": {"startedAt": now_rfc3339(rec.started_at)}}
    elif rec.state == "terminated":
        state = {"terminated": rec.terminated_state()}
    else:
        waiting = {"reason": rec.reason}
        if rec.message:
            waiting["message"] = rec.message
        state = {"waiting": waiting}
    status = {
        "name": rec.name,
        "state": state,
        "lastState": {"terminated": rec.last_terminated} if rec.last_terminated else {},
        "ready": _ready(rec),
        "restartCount": rec.restart_count,
        "image": rec.image_ref or rec.image,
        "imageID": rec.image_id,
    }
    if rec.container_id:
        status["containerID"] = f"containerd://{rec.container_id}"
    if not rec.ephemeral:
        status["started"] = rec.state == "running"  # no startup probes: started once running
    return status


def _keep_transitions(conditions: list[dict], old: dict) -> list[dict]:
    """A condition keeps its lastTransitionTime for as long as its status stays the same."""
    before = {c.get("type"): c for c in old.get("conditions") or []}
    for cond in conditions:
        prev = before.get(cond["type"])
        if prev is not None and prev.get("status") == cond["status"] and prev.get("lastTransitionTime"):
            cond["lastTransitionTime"] = prev["lastTransitionTime"]
    return conditions


def pod_status(
    old: dict,
    records: list[ContainerRecord],
    ephemeral: list[ContainerRecord],
    *,
    inits: list[ContainerRecord],
    restart_policy: str,
    pod_ip: str,
    host_ip: str,
    started: float,
) -> dict:
    """The whole status object, keeping fields the kubelet does not own (qosClass) from old."""
    phase = pod_phase(inits, records, restart_policy)
    now = now_rfc3339()
    conditions = [
        condition("PodReadyToStartContainers", bool(pod_ip), now),
        initialized_condition(inits, records, phase, now),
        *ready_conditions(inits, records, phase, now),
        condition("PodScheduled", True, now),
    ]
    status = {
        "phase": phase,
        "conditions": _keep_transitions(conditions, old),
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "startTime": now_rfc3339(started),
        "containerStatuses": [container_status(r) for r in records],
        "qosClass": old.get("qosClass", "BestEffort"),
    }
    if pod_ip:
        status["podIP"] = pod_ip
        status["podIPs"] = [{"ip": pod_ip}]
    if inits:
        status["initContainerStatuses"] = [container_status(r) for r in inits]
    if ephemeral:
        status["ephemeralContainerStatuses"] = [container_status(r) for r in ephemeral]
    return status
