"""The debugger ephemeral container: its spec, which existing one fits, and what its status means.

All pure, like kubectl debug's generateDebugContainer: pod in, container (or verdict) out. The
side effects (PATCH, watch) live in :mod:`kubectl_dshell.provision`.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

from .identity import Identity
from .probes.runner import keeper_command

PREFIX = "dshell-"
NAME_ALPHABET = string.ascii_lowercase + string.digits
NAME_LENGTH = 5
# Waiting reasons after which the kubelet will not start the container without a spec change.
FATAL_WAITING = frozenset(
    {
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
        "InvalidImageName",
        "ErrImageNeverPull",
    }
)
# Waiting reasons the kubelet keeps retrying; they become fatal only after a short grace.
IMAGE_PULL_ERRORS = frozenset({"ErrImagePull", "ImagePullBackOff"})


@dataclass(frozen=True)
class Audit:
    """Who made the debugger, why and when: recorded in its env, so the pod spec is the audit trail."""

    user: str
    reason: str
    created: str  # RFC 3339, UTC


@dataclass(frozen=True)
class Wanted:
    """What a fitting debugger has: the target container, the image and the identity."""

    target: str
    image: str
    identity: Identity


@dataclass(frozen=True)
class DebuggerState:
    """A debugger's status in words: phase is ``starting``, ``running``, ``failed`` (will not
    start) or ``exited`` (its main process ended)."""

    phase: str
    reason: str = ""
    message: str = ""

    def describe(self) -> str:
        """The reason and message as one phrase."""
        return f"{self.reason}: {self.message}" if self.message else self.reason


def container_names(pod: dict) -> set[str]:
    """Every container name in the pod (names must be unique across all three kinds)."""
    spec = pod.get("spec") or {}
    kinds = ("containers", "initContainers", "ephemeralContainers")
    return {c["name"] for kind in kinds for c in spec.get(kind) or []}


def new_name(pod: dict, rng: random.Random) -> str:
    """``dshell-`` plus 5 random [a-z0-9], unused in the pod."""
    taken = container_names(pod)
    while True:
        name = PREFIX + "".join(rng.choice(NAME_ALPHABET) for _ in range(NAME_LENGTH))
        if name not in taken:
            return name


def _env(wanted: Wanted, audit: Audit, idle: int) -> list[dict]:
    values = {
        "DSHELL_TARGET": wanted.target,
        "DSHELL_USER": audit.user,
        "DSHELL_REASON": audit.reason,
        "DSHELL_CREATED": audit.created,
        "DSHELL_IDLE": str(idle),
    }
    return [{"name": key, "value": value} for key, value in values.items()]


def debugger_container(name: str, wanted: Wanted, audit: Audit, idle: int) -> dict:
    """The ephemeral container: the keeper as main process, in the target's PID namespace."""
    return {
        "name": name,
        "image": wanted.image,
        "imagePullPolicy": "IfNotPresent",
        "command": keeper_command(),
        "env": _env(wanted, audit, idle),
        "targetContainerName": wanted.target,
        "securityContext": wanted.identity.security_context,
        "stdin": False,
        "tty": False,
    }


def patch_body(pod: dict, container: dict) -> dict:
    """A strategic-merge patch adding ``container``; the resourceVersion makes a race a 409 Conflict."""
    return {
        "metadata": {"resourceVersion": pod["metadata"]["resourceVersion"]},
        "spec": {"ephemeralContainers": [container]},
    }


def debugger_state(pod: dict, name: str) -> DebuggerState:
    """What the kubelet says about debugger ``name`` (no status yet counts as starting)."""
    statuses = (pod.get("status") or {}).get("ephemeralContainerStatuses") or []
    status = next((s for s in statuses if s.get("name") == name), None)
    state = (status or {}).get("state") or {}
    if "running" in state:
        return DebuggerState("running")
    if "terminated" in state:
        term = state["terminated"]
        reason = f"{term.get('reason') or 'Terminated'}, exit code {term.get('exitCode', '?')}"
        return DebuggerState("exited", reason, term.get("message") or "")
    waiting = state.get("waiting") or {}
    reason = waiting.get("reason") or "Waiting"
    phase = "failed" if reason in FATAL_WAITING else "starting"
    return DebuggerState(phase, reason, waiting.get("message") or "")


def fits(container: dict, wanted: Wanted, shared_pids: bool = False) -> bool:
    """Whether an existing ephemeral container is a dshell debugger with this target, image and
    identity. In a pod that shares one PID namespace (``shared_pids``) any target will do: every
    debugger sees every container's processes, and each session picks its target by container id."""
    return (
        container.get("name", "").startswith(PREFIX)
        and container.get("image") == wanted.image
        and (shared_pids or container.get("targetContainerName") == wanted.target)
        and (container.get("securityContext") or {}) == wanted.identity.security_context
    )


def shares_pids(pod: dict) -> bool:
    """Whether the pod's containers share one PID namespace (shareProcessNamespace)."""
    return bool((pod.get("spec") or {}).get("shareProcessNamespace"))


def runs_debugger(pod: dict) -> bool:
    """Whether a dshell debugger runs in the pod (so the node runs Linux containers)."""
    statuses = (pod.get("status") or {}).get("ephemeralContainerStatuses") or []
    return any(s.get("name", "").startswith(PREFIX) and "running" in (s.get("state") or {}) for s in statuses)


def find_fitting(pod: dict, wanted: Wanted) -> str | None:
    """The name of a running (else still starting) debugger that fits, if any."""
    shared = shares_pids(pod)
    candidates = [c["name"] for c in (pod.get("spec") or {}).get("ephemeralContainers") or [] if fits(c, wanted, shared)]
    phases = {name: debugger_state(pod, name).phase for name in candidates}
    for phase in ("running", "starting"):
        for name in candidates:
            if phases[name] == phase:
                return name
    return None
