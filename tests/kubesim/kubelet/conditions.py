"""The kubelet's pod conditions (pkg/kubelet/status/generate.go), from its records (pure)."""

from __future__ import annotations

from .phase import regular_started
from .record import ContainerRecord

_TERMINAL_REASON = {"Succeeded": "PodCompleted", "Failed": "PodFailed"}


def condition(kind: str, ok: bool, since: str, reason: str = "", message: str = "") -> dict:
    """One pod condition; reason and message only where the kubelet sets them."""
    cond = {"type": kind, "status": "True" if ok else "False", "lastProbeTime": None, "lastTransitionTime": since}
    if reason:
        cond["reason"] = reason
    if message:
        cond["message"] = message
    return cond


def _go_list(names: list[str]) -> str:
    """A []string as Go's %s prints it."""
    return "[" + " ".join(names) + "]"


def _initialized(rec: ContainerRecord) -> bool:
    """isInitContainerInitialized: a sidecar once started, a regular init container once it completed."""
    return rec.state == "running" if rec.sidecar else rec.completed


def initialized_condition(inits: list[ContainerRecord], records: list[ContainerRecord], phase: str,
                          since: str) -> dict:
    """Initialized: every init container done (sidecars: started), or an app container already ran."""
    incomplete = [rec.name for rec in inits if not _initialized(rec)]
    if phase == "Succeeded":
        return condition("Initialized", True, since, "PodCompleted")
    if not incomplete or regular_started(records):
        return condition("Initialized", True, since)
    return condition("Initialized", False, since, "ContainersNotInitialized",
                     f"containers with incomplete status: {_go_list(incomplete)}")


def ready_conditions(inits: list[ContainerRecord], records: list[ContainerRecord], phase: str,
                     since: str) -> list[dict]:
    """Ready and ContainersReady: every sidecar and app container ready (running: no probes here)."""
    if phase in _TERMINAL_REASON:
        reason, message = _TERMINAL_REASON[phase], ""
    else:
        unready = [rec.name for rec in inits if rec.sidecar and rec.state != "running"]
        unready += [rec.name for rec in records if rec.state != "running"]
        reason = "ContainersNotReady" if unready else ""
        message = f"containers with unready status: {_go_list(unready)}" if unready else ""
    ok = not reason
    return [condition("Ready", ok, since, reason, message), condition("ContainersReady", ok, since, reason, message)]
