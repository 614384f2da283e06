"""Find a fitting debugger or add one (once, even under concurrency), then wait until it runs.

Ephemeral containers are append-only, so a debugger is made only when none fits; concurrent
invocations race on the pod's resourceVersion and all but one get 409 Conflict, re-read the pod
and reuse the winner's debugger. Waiting is a watch on the pod, never a poll.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .debugger import (
    IMAGE_PULL_ERRORS,
    Audit,
    DebuggerState,
    Wanted,
    debugger_container,
    debugger_state,
    find_fitting,
    new_name,
    patch_body,
)
from .errors import DebuggerFailed, DshellError, NotFound, TimedOut, Unsupported
from .translate import Conflict, Expired

if TYPE_CHECKING:
    from .kube import Kube
    from .render import Progress, Ui

MAX_ATTEMPTS = 10  # each Conflict means the pod changed: another debugger, or only its status
IMAGE_PULL_GRACE = 10.0  # seconds of ErrImagePull/ImagePullBackOff before giving up
MIN_VERSION = (1, 23)  # ephemeral containers on by default (beta in 1.23, GA in 1.25)
IMAGE_HINT = "pass --image with a busybox your cluster can pull"


@dataclass(frozen=True)
class Debugger:
    """A debugger in the pod: its name, the latest pod seen, and whether this call made it."""

    name: str
    pod: dict
    created: bool


class PullGrace:
    """The kubelet retries image pulls; an image error becomes final after a short grace."""

    def __init__(self, grace: float = IMAGE_PULL_GRACE, clock: Callable[[], float] = time.monotonic):
        self._grace = grace
        self._clock = clock
        self._since: float | None = None

    def judge(self, state: DebuggerState) -> DebuggerState:
        """``state``, or ``failed`` when an image error has lasted longer than the grace."""
        if state.phase != "starting" or state.reason not in IMAGE_PULL_ERRORS:
            self._since = None
            return state
        now = self._clock()
        self._since = now if self._since is None else self._since
        if now - self._since >= self._grace:
            return DebuggerState("failed", state.reason, state.message)
        return state

    def wake_in(self) -> float | None:
        """Seconds until a pending image error becomes final (None if there is none)."""
        if self._since is None:
            return None
        return max(0.0, self._since + self._grace - self._clock())


def _older_cluster(kube: Kube) -> Unsupported | None:
    """The refusal that names the cluster's version when it predates ephemeral containers, else None."""
    try:
        version = kube.server_version()
    except DshellError:
        return None
    if version >= MIN_VERSION:
        return None
    return Unsupported(
        f"this cluster runs Kubernetes {version[0]}.{version[1]}: ephemeral containers are off before 1.23",
        "dshell needs Kubernetes 1.23 or newer",
    )


def find_or_create(
    kube: Kube, pod: dict, wanted: Wanted, audit: Callable[[], Audit], idle: int, rng: random.Random
) -> Debugger:
    """Reuse a running (or starting) debugger that fits, else add one with a guarded PATCH."""
    namespace, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
    record: Audit | None = None
    for _ in range(MAX_ATTEMPTS):
        fitting = find_fitting(pod, wanted)
        if fitting:
            return Debugger(fitting, pod, created=False)
        record = record or audit()
        container = debugger_container(new_name(pod, rng), wanted, record, idle)
        try:
            patched = kube.patch_ephemeral(namespace, name, patch_body(pod, container))
            return Debugger(container["name"], patched, created=True)
        except Conflict:
            pod = kube.get_pod(namespace, name)
        except Unsupported as exc:
            # The version is asked only now: on a cluster that has ephemeral containers it is a
            # round trip for nothing, and an old one refuses the PATCH anyway.
            raise _older_cluster(kube) or exc from None
    raise DshellError(f"pod {namespace}/{name} kept changing: could not add a debugger", "try again")


def failure(name: str, image: str, state: DebuggerState) -> DshellError:
    """Why debugger ``name`` will not run, with what to do about it."""
    if state.reason in IMAGE_PULL_ERRORS or state.reason in ("InvalidImageName", "ErrImageNeverPull"):
        return DebuggerFailed(f"debugger {name} cannot pull {image}: {state.describe()}", IMAGE_HINT)
    if "runAsNonRoot" in state.message:
        return DebuggerFailed(
            f"debugger {name} cannot start: {state.describe()}",
            "the pod demands a non-root debugger: use --profile restricted",
        )
    if state.phase == "exited":
        return DebuggerFailed(
            f"debugger {name} exited ({state.describe()})", f"its image must provide busybox sh: {IMAGE_HINT}"
        )
    return DebuggerFailed(
        f"debugger {name} cannot start: {state.describe()}", "see the pod's events: kubectl describe pod"
    )


def _watch_once(kube: Kube, pod: dict, name: str, seconds: float, grace: PullGrace, shown: Progress) -> dict:
    """Follow the pod for up to ``seconds``; the latest pod once the debugger leaves "starting"."""
    meta = pod["metadata"]
    for event in kube.watch_pod(meta["namespace"], meta["name"], meta["resourceVersion"], math.ceil(seconds)):
        if event["type"] == "DELETED":
            raise NotFound(f"pod {meta['namespace']}/{meta['name']} was deleted while the debugger started")
        if event["type"] not in ("ADDED", "MODIFIED"):
            continue
        pod = event["object"]
        state = grace.judge(debugger_state(pod, name))
        shown.update(f"starting debugger {name}: {state.describe()}")
        if state.phase != "starting":
            break
    return pod


def wait_running(
    kube: Kube, debugger: Debugger, image: str, timeout: float, ui: Ui, grace: PullGrace | None = None
) -> dict:
    """Wait with a watch until the debugger runs; the pod then. Fails on a final reason or timeout."""
    deadline = time.monotonic() + timeout
    grace, pod = grace or PullGrace(), debugger.pod
    if debugger_state(pod, debugger.name).phase == "running":
        return pod  # a reused debugger: no spinner to flash
    with ui.progress(f"starting debugger {debugger.name}") as shown:
        while True:
            state = grace.judge(debugger_state(pod, debugger.name))
            if state.phase == "running":
                return pod
            if state.phase in ("failed", "exited"):
                raise failure(debugger.name, image, state)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimedOut(
                    f"debugger {debugger.name} is not running after {timeout:g}s ({state.describe()})",
                    f"pass a longer --timeout, or {IMAGE_HINT}",
                )
            pending = grace.wake_in()
            window = remaining if pending is None else min(remaining, max(pending, 1.0))
            try:
                pod = _watch_once(kube, pod, debugger.name, window, grace, shown)
            except Expired:
                pod = kube.get_pod(pod["metadata"]["namespace"], pod["metadata"]["name"])
