"""Pod status as the kubelet reports it, computed from its records of the containers (pure)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

BACKOFF_INITIAL = 10.0
BACKOFF_MAX = 300.0


def now_rfc3339(ts: float | None = None) -> str:
    """A Kubernetes timestamp (seconds precision, UTC)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if ts is None else ts))


@dataclass
class ContainerRecord:
    """What the kubelet knows of one container of a pod (its current instance and the last one)."""

    name: str
    image: str  # as written in the spec
    ephemeral: bool = False
    image_ref: str = ""  # canonical name once resolved
    image_id: str = ""
    container_id: str = ""
    state: str = "waiting"  # waiting | running | terminated
    reason: str = "ContainerCreating"
    message: str = ""
    started_at: float | None = None
    finished_at: float | None = None
    exit_code: int | None = None
    restart_count: int = 0
    last_terminated: dict | None = None
    ever_started: bool = False
    backoff: float = 0.0  # current back-off length, seconds
    retry_at: float = 0.0  # epoch: no new attempt before this
    crashes: int = 0  # exits in a row without 10 minutes of running in between
    handle: object = field(default=None, repr=False)  # the runtime's Container
    log_path: object = field(default=None, repr=False)

    def terminated_state(self) -> dict:
        """The `terminated` object for the instance that ended."""
        state = {
            "exitCode": self.exit_code if self.exit_code is not None else 0,
            "reason": self.reason,
            "startedAt": now_rfc3339(self.started_at) if self.started_at else None,
            "finishedAt": now_rfc3339(self.finished_at),
            "containerID": f"containerd://{self.container_id}" if self.container_id else None,
        }
        if self.message:
            state["message"] = self.message
        return {k: v for k, v in state.items() if v is not None}

    def next_backoff(self, now: float) -> None:
        """Start (or double) the back-off, as the kubelet's flowcontrol.Backoff does."""
        self.backoff = BACKOFF_INITIAL if self.backoff == 0 else min(self.backoff * 2, BACKOFF_MAX)
        self.retry_at = now + self.backoff

    def crashed(self, started: float, finished: float) -> None:
        """Schedule the restart after an exit: the first at once, then 10 s, 20 s, ... up to 5 min."""
        self.crashes = 1 if finished - started > 600 else self.crashes + 1
        if self.crashes == 1:
            self.backoff, self.retry_at = 0.0, finished
        else:
            self.backoff = min(BACKOFF_INITIAL * 2 ** (self.crashes - 2), BACKOFF_MAX)
            self.retry_at = finished + self.backoff


def container_status(rec: ContainerRecord) -> dict:
    """One entry of containerStatuses / ephemeralContainerStatuses."""
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
        "ready": rec.state == "running" and not rec.ephemeral,
        "restartCount": rec.restart_count,
        "image": rec.image_ref or rec.image,
        "imageID": rec.image_id,
    }
    if rec.container_id:
        status["containerID"] = f"containerd://{rec.container_id}"
    if not rec.ephemeral:
        status["started"] = rec.state == "running"
    return status


def pod_phase(records: list[ContainerRecord], restart_policy: str) -> str:
    """The kubelet's getPhase over the regular containers."""
    waiting = running = stopped = succeeded = 0
    for rec in records:
        if rec.state == "running":
            running += 1
        elif rec.state == "terminated":
            stopped += 1
            succeeded += rec.exit_code == 0
        elif rec.last_terminated:
            stopped += 1
            succeeded += rec.last_terminated.get("exitCode") == 0
        else:
            waiting += 1
    if waiting:
        return "Pending"
    if running:
        return "Running"
    if restart_policy == "Always":
        return "Running"
    if restart_policy == "OnFailure" and succeeded < stopped:
        return "Running"
    return "Succeeded" if succeeded == stopped else "Failed"


def _condition(kind: str, ok: bool, since: str, reason: str = "", message: str = "") -> dict:
    cond = {"type": kind, "status": "True" if ok else "False", "lastProbeTime": None, "lastTransitionTime": since}
    if not ok and reason:
        cond["reason"] = reason
        cond["message"] = message
    return cond


def pod_status(
    old: dict,
    records: list[ContainerRecord],
    ephemeral: list[ContainerRecord],
    *,
    restart_policy: str,
    pod_ip: str,
    host_ip: str,
    started: float,
) -> dict:
    """The whole status object, keeping fields the kubelet does not own (qosClass) from old."""
    phase = pod_phase(records, restart_policy)
    unready = [r.name for r in records if r.state != "running"]
    ready = not unready and phase == "Running"
    since = now_rfc3339(started)
    msg = f"containers with unready status: [{' '.join(unready)}]"
    conditions = [
        _condition("PodReadyToStartContainers", bool(pod_ip), since),
        _condition("Initialized", True, since),
        _condition("Ready", ready, since, "ContainersNotReady", msg),
        _condition("ContainersReady", ready, since, "ContainersNotReady", msg),
        _condition("PodScheduled", True, since),
    ]
    status = {
        "phase": phase,
        "conditions": conditions,
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "startTime": since,
        "containerStatuses": [container_status(r) for r in records],
        "qosClass": old.get("qosClass", "BestEffort"),
    }
    if pod_ip:
        status["podIP"] = pod_ip
        status["podIPs"] = [{"ip": pod_ip}]
    if ephemeral:
        status["ephemeralContainerStatuses"] = [container_status(r) for r in ephemeral]
    return status
