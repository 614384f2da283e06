"""Which init containers the kubelet tends, as computeInitContainerActions decides (pure).

Init containers run in spec order. A regular one must complete (exit 0) before the next starts and
is never run again once it has. A sidecar (restartPolicy Always) lets the next one start as soon as
it runs, and is kept running (restarted with back-off) for the pod's life. The app containers start
once the pod is initialized.
"""

from __future__ import annotations

from .record import ContainerRecord


def init_actions(inits: list[ContainerRecord], app_started: bool) -> tuple[list[ContainerRecord], bool]:
    """(init containers to start or restart when their back-off allows, whether the pod is initialized).

    ``app_started``: an app container has run already, so initialization happened before; only the
    sidecars are then tended (the kubelet never re-runs regular init containers of such a pod)."""
    tend: list[ContainerRecord] = []
    for i, rec in enumerate(inits):
        if not rec.sidecar:
            if rec.completed or app_started:
                continue
            tend.append(rec)
            return tend, False
        tend.append(rec)
        later_started = app_started or any(r.ever_started for r in inits[i + 1:])
        if rec.state != "running" and not later_started:
            return tend, False  # the next one waits until this sidecar has started
    return tend, True
