"""What the kubelet knows of one container of a pod: its state, restarts and back-off."""

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
    init: bool = False  # from spec.initContainers
    sidecar: bool = False  # an init container with restartPolicy Always (a native sidecar)
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

    @property
    def spec_key(self) -> str:
        """The pod spec's list that holds this container (for events' fieldPath)."""
        if self.ephemeral:
            return "ephemeralContainers"
        return "initContainers" if self.init else "containers"

    @property
    def completed(self) -> bool:
        """The current instance exited 0 (a regular init container is then done for good)."""
        return self.state == "terminated" and self.exit_code == 0

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
