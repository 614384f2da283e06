"""The pod row of ``kubectl get pods``: READY, STATUS and RESTARTS as the apiserver's printer computes
them (pkg/printers/internalversion/printers.go, printPod)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import duration, meta


@dataclass
class _Tally:
    """Counters the printer keeps while it walks the container statuses."""

    restarts: int = 0
    last_restart: datetime | None = None
    sidecar_restarts: int = 0
    sidecar_last_restart: datetime | None = None
    ready: int = 0


def _later(current: datetime | None, status: dict) -> datetime | None:
    """The later of ``current`` and the status's last termination time."""
    finished = meta.parse_time(((status.get("lastState") or {}).get("terminated") or {}).get("finishedAt"))
    if finished is None or (current is not None and finished <= current):
        return current
    return finished


def _terminated_reason(term: dict, prefix: str = "") -> str:
    if term.get("reason"):
        return prefix + term["reason"]
    if term.get("signal"):
        return f"{prefix}Signal:{term['signal']}"
    return f"{prefix}ExitCode:{term.get('exitCode', 0)}"


def _init_reason(pod: dict, tally: _Tally) -> str | None:
    """The Init:... reason of the first init container not done, or None when all are done."""
    spec_inits = {c["name"]: c for c in pod.get("spec", {}).get("initContainers") or []}
    count = len(spec_inits)
    for index, status in enumerate(pod.get("status", {}).get("initContainerStatuses") or []):
        state = status.get("state") or {}
        sidecar = (spec_inits.get(status.get("name")) or {}).get("restartPolicy") == "Always"
        tally.restarts += status.get("restartCount", 0)
        tally.last_restart = _later(tally.last_restart, status)
        if sidecar:
            tally.sidecar_restarts += status.get("restartCount", 0)
            tally.sidecar_last_restart = _later(tally.sidecar_last_restart, status)
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated and terminated.get("exitCode", 0) == 0:
            continue
        if sidecar and status.get("started"):
            tally.ready += 1 if status.get("ready") else 0
            continue
        if terminated:
            return _terminated_reason(terminated, "Init:")
        if waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            return "Init:" + waiting["reason"]
        return f"Init:{index}/{count}"
    return None


def _containers_reason(pod: dict, tally: _Tally, reason: str) -> str:
    """The reason from the app containers' states (the last one with something to say wins)."""
    tally.restarts, tally.last_restart = tally.sidecar_restarts, tally.sidecar_last_restart
    has_running = False
    for status in reversed(pod.get("status", {}).get("containerStatuses") or []):
        state = status.get("state") or {}
        tally.restarts += status.get("restartCount", 0)
        tally.last_restart = _later(tally.last_restart, status)
        waiting, terminated = state.get("waiting"), state.get("terminated")
        if waiting and waiting.get("reason"):
            reason = waiting["reason"]
        elif terminated:
            reason = _terminated_reason(terminated)
        elif status.get("ready") and "running" in state:
            has_running = True
            tally.ready += 1
    if reason == "Completed" and has_running:
        reason = "Running" if _condition_true(pod, "Ready") else "NotReady"
    return reason


def _condition_true(pod: dict, kind: str) -> bool:
    conditions = pod.get("status", {}).get("conditions") or []
    return any(c.get("type") == kind and c.get("status") == "True" for c in conditions)


def _readiness_gates(pod: dict) -> str:
    gates = pod.get("spec", {}).get("readinessGates") or []
    if not gates:
        return "<none>"
    conditions = {c.get("type"): c.get("status") for c in pod.get("status", {}).get("conditions") or []}
    true_count = sum(1 for g in gates if conditions.get(g.get("conditionType")) == "True")
    return f"{true_count}/{len(gates)}"


def status_reason(pod: dict, tally: _Tally | None = None) -> str:
    """The STATUS column: Running, Pending, ContainerCreating, CrashLoopBackOff, Init:0/1, Terminating..."""
    tally = tally or _Tally()
    status = pod.get("status", {})
    phase = status.get("phase", "")
    reason = status.get("reason") or phase
    for condition in status.get("conditions") or []:
        if condition.get("type") == "PodScheduled" and condition.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"
    init_reason = _init_reason(pod, tally)
    if init_reason is not None:
        reason = init_reason
    if init_reason is None or _condition_true(pod, "Initialized"):
        reason = _containers_reason(pod, tally, reason)
    if pod.get("metadata", {}).get("deletionTimestamp"):
        if status.get("reason") == "NodeLost":
            reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            reason = "Terminating"
    return reason


def cells(pod: dict, now: datetime | None = None) -> list:
    """NAME, READY, STATUS, RESTARTS, AGE, IP, NODE, NOMINATED NODE, READINESS GATES."""
    tally = _Tally()
    reason = status_reason(pod, tally)
    spec, status = pod.get("spec", {}), pod.get("status", {})
    total = len(spec.get("containers") or []) + sum(
        1 for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always")
    restarts = str(tally.restarts)
    if tally.restarts and tally.last_restart is not None:
        restarts = f"{tally.restarts} ({duration.since(meta.format_time(tally.last_restart), now)} ago)"
    pod_ips = status.get("podIPs") or []
    return [
        pod["metadata"]["name"], f"{tally.ready}/{total}", reason, restarts,
        duration.since(pod["metadata"].get("creationTimestamp"), now),
        pod_ips[0].get("ip") if pod_ips else "<none>", spec.get("nodeName") or "<none>",
        status.get("nominatedNodeName") or "<none>", _readiness_gates(pod),
    ]
