"""The pod phase as the kubelet's getPhase computes it from its records of the containers (pure).

Regular init containers gate the pod (Pending while one runs or waits, Failed when one failed under
restartPolicy Never); sidecars (restartable init containers) count like app containers while they
run, but a stopped sidecar never decides the phase.
"""

from __future__ import annotations

from dataclasses import dataclass

from .record import ContainerRecord


@dataclass
class _Tally:
    """getPhase's counters."""

    running: int = 0
    waiting: int = 0
    stopped: int = 0
    succeeded: int = 0
    pending_init: int = 0
    failed_init: int = 0


def _last_exit(rec: ContainerRecord) -> int | None:
    """Exit code of the instance that ended last (current or previous); None if none ended."""
    if rec.state == "terminated":
        return rec.exit_code or 0
    if rec.last_terminated:
        return rec.last_terminated.get("exitCode", 0)
    return None


def _count_init(rec: ContainerRecord, tally: _Tally) -> None:
    if rec.sidecar:
        if rec.state == "running":  # no startup probes: running means started
            tally.running += 1
        elif _last_exit(rec) is None:
            tally.pending_init += 1
            tally.waiting += 1
        return
    code = _last_exit(rec)
    if rec.state == "running" or code is None:
        tally.pending_init += 1
    elif code != 0:
        tally.failed_init += 1


def _count_regular(rec: ContainerRecord, tally: _Tally) -> None:
    if rec.state == "running":
        tally.running += 1
    elif rec.state == "terminated":
        tally.stopped += 1
        tally.succeeded += rec.exit_code == 0
    elif rec.last_terminated:
        tally.stopped += 1
    else:
        tally.waiting += 1


def regular_started(records: list[ContainerRecord]) -> bool:
    """HasAnyRegularContainerStarted: an app container is running or has terminated."""
    return any(rec.state in ("running", "terminated") for rec in records)


def pod_phase(inits: list[ContainerRecord], records: list[ContainerRecord], restart_policy: str) -> str:
    """Pending, Running, Succeeded or Failed, from the init and app containers' records."""
    tally = _Tally()
    for rec in inits:
        _count_init(rec, tally)
    for rec in records:
        _count_regular(rec, tally)
    if tally.failed_init and restart_policy == "Never":
        return "Failed"
    if (tally.pending_init and not regular_started(records)) or tally.waiting:
        return "Pending"
    if tally.running:
        return "Running"
    if not tally.stopped:
        return "Pending"
    if restart_policy == "Always" or (restart_policy == "OnFailure" and tally.succeeded < tally.stopped):
        return "Running"  # restarting
    return "Succeeded" if tally.succeeded == tally.stopped else "Failed"
