"""A running debugger that can read the target: reuse one, else choose its identity, add it (once,
even under concurrency, falling back a Pod Security level when refused) and wait until it runs.

Ephemeral containers are append-only, so a debugger is made only when none fits; concurrent
invocations race on the pod's resourceVersion and all but one get 409 Conflict, re-read the pod
and reuse the winner's debugger. A pod whose debugger could not pull or start an image is not given
another of that image: the recorded reason is the answer. Waiting is a watch on the pod, never a poll.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from .debugger import (
    IMAGE_PULL_ERRORS,
    PREFIX,
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
from .identity import Identity, choose_identity, fallback, possible_identities, psa_level, refusal_hint, reusing, with_ids
from .translate import Conflict, Expired, PodSecurityRejected

if TYPE_CHECKING:
    from .kube import Kube
    from .options import DebuggerOptions
    from .render import Progress, Ui
    from .target import Target

MAX_ATTEMPTS = 10  # each Conflict means the pod changed: another debugger, or only its status
IMAGE_PULL_GRACE = 10.0  # seconds of ErrImagePull/ImagePullBackOff before giving up
MIN_VERSION = (1, 23)  # ephemeral containers on by default (beta in 1.23, GA in 1.25)
IMAGE_HINT = "pass --image with a busybox your cluster can pull"
# Image errors that no retry of the same spec mends soon: a pod holding a debugger stuck on one is not
# given another debugger of that image.
IMAGE_FAILURES = IMAGE_PULL_ERRORS | {"InvalidImageName", "ErrImageNeverPull"}


@dataclass(frozen=True)
class Debugger:
    """A debugger in the pod: its name, the latest pod seen, and whether this call made it."""

    name: str
    pod: dict
    created: bool


class PullGrace:
    """The kubelet retries image pulls; an image error becomes final after a short grace. The
    registry's own words (ErrImagePull's message) are kept: ImagePullBackOff's say only "Back-off"."""

    def __init__(self, grace: float = IMAGE_PULL_GRACE, clock: Callable[[], float] = time.monotonic):
        self._grace = grace
        self._clock = clock
        self._since: float | None = None
        self._why = ""

    def judge(self, state: DebuggerState) -> DebuggerState:
        """``state``, or ``failed`` when an image error has lasted longer than the grace."""
        if state.phase != "starting" or state.reason not in IMAGE_PULL_ERRORS:
            self._since = None
            return state
        if state.reason == "ErrImagePull" and state.message:
            self._why = state.message
        now = self._clock()
        self._since = now if self._since is None else self._since
        if now - self._since >= self._grace:
            return DebuggerState("failed", state.reason, self._why or state.message)
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


def stuck_on_image(pod: dict, image: str) -> tuple[str, DebuggerState] | None:
    """A dshell debugger of the pod that could not pull or run ``image`` (its name and state), if any."""
    for container in (pod.get("spec") or {}).get("ephemeralContainers") or []:
        name = container.get("name", "")
        if not name.startswith(PREFIX) or container.get("image") != image:
            continue
        state = debugger_state(pod, name)
        if state.phase in ("starting", "failed") and state.reason in IMAGE_FAILURES:
            return name, state
    return None


def refuse_stuck(pod: dict, image: str) -> None:
    """Raise the recorded failure when the pod holds a debugger stuck on ``image`` (another would be too)."""
    stuck = stuck_on_image(pod, image)
    if stuck is not None:
        name, state = stuck
        raise failure(name, image, state, already=True)


def find_or_create(
    kube: Kube, pod: dict, wanted: Wanted, audit: Callable[[], Audit], idle: int, rng: random.Random
) -> Debugger:
    """Reuse a running (or starting) debugger that fits, else add one with a guarded PATCH; refused
    when the pod's debugger of this image failed on it."""
    namespace, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
    record: Audit | None = None
    for _ in range(MAX_ATTEMPTS):
        fitting = find_fitting(pod, wanted)
        if fitting and debugger_state(pod, fitting).phase == "running":
            return Debugger(fitting, pod, created=False)
        refuse_stuck(pod, wanted.image)
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


def failure(name: str, image: str, state: DebuggerState, already: bool = False) -> DshellError:
    """Why debugger ``name`` will not run, with what to do about it; ``already``: it failed before
    this call (so none was added)."""
    if state.reason in IMAGE_FAILURES:
        if already:
            return DebuggerFailed(
                f"the pod's debugger {name} cannot pull {image}: {state.describe()}",
                f"{IMAGE_HINT} (no other debugger of {image} is added; the kubelet keeps retrying {name})",
            )
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


def rfc3339_now() -> str:
    """The current time in RFC 3339, UTC, whole seconds (as Kubernetes writes timestamps)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fitting(pod: dict, container: str, opts: DebuggerOptions) -> tuple[list[Identity], list[tuple[Identity, str]]]:
    """The identities a debugger could have here (best first), and those a running debugger already
    has (with its name), in the same order."""
    possible = possible_identities(pod, container, opts.overrides)
    found = [(i, find_fitting(pod, Wanted(container, opts.image, i))) for i in possible]
    return possible, [(i, name) for i, name in found if name and debugger_state(pod, name).phase == "running"]


def look_ahead(kube: Kube, opts: DebuggerOptions) -> Callable[[dict, str], None]:
    """For resolve(): once the pod is known, start the lookups ensure_debugger() will make, so that
    they run beside the node's: the namespace when its level will decide the identity (as in
    choose_for), the user's name when no running debugger fits (one will be made)."""

    def start(pod: dict, container: str) -> None:
        possible, fitting = _fitting(pod, container, opts)
        if len(possible) > 1 and not fitting:
            kube.look_ahead("namespace_labels_or_none", pod["metadata"]["namespace"])
        if not fitting:
            kube.look_ahead("whoami")

    return start


def choose_for(kube: Kube, target: Target, opts: DebuggerOptions) -> Identity:
    """The debugger's identity. A running debugger that can read the target decides (the best, when
    several can): exec into it is allowed whatever the level now says, and adds nothing. Else the
    namespace's Pod Security level does, read only when it can change the choice."""
    possible, fitting = _fitting(target.pod, target.container, opts)
    if fitting:
        return reusing(*fitting[0])
    if len(possible) == 1:
        return possible[0]
    level = psa_level(kube.namespace_labels_or_none(target.namespace))
    return choose_identity(target.pod, target.container, level, opts.overrides)


def add_admitted(
    kube: Kube, target: Target, identity: Identity, opts: DebuggerOptions, ui: Ui
) -> tuple[Debugger, Identity]:
    """Find or add the debugger; when Pod Security refuses one we chose ourselves, fall back a level
    (general, baseline, restricted) and say so."""

    def audit() -> Audit:
        return Audit(kube.whoami() or kube.config_user, opts.reason, rfc3339_now())

    rng = random.SystemRandom()
    while True:
        wanted = Wanted(target.container, opts.image, identity)
        try:
            return find_or_create(kube, target.pod, wanted, audit, opts.idle, rng), identity
        except PodSecurityRejected as exc:
            blamed = refusal_hint(exc.violations, target.pod)
            if blamed is not None:
                raise PodSecurityRejected(exc.message, blamed, exc.level, exc.violations) from None
            below = fallback(identity, target.pod, target.container, opts.overrides, exc.level)
            if below is None:
                raise
            ui.warn(f'Pod Security "{exc.level}" refused {identity.summary}; trying {below.summary}')
            identity = below


def _started(
    kube: Kube, target: Target, identity: Identity, opts: DebuggerOptions, ui: Ui
) -> tuple[Debugger, Identity]:
    debugger, identity = add_admitted(kube, target, identity, opts, ui)
    pod = wait_running(kube, debugger, opts.image, opts.timeout, ui)
    return replace(debugger, pod=pod), identity


def ensure_debugger(
    kube: Kube, target: Target, opts: DebuggerOptions, ui: Ui, read_ids: Callable[[str], tuple[int, int]]
) -> tuple[Debugger, Identity]:
    """A running debugger whose identity can read the target, made only if none fits. A restricted
    debugger whose uid/gid were guessed is checked with ``read_ids`` (the target's real ids, read in
    the named debugger), and replaced by one with the right ids when the guess was wrong."""
    debugger, identity = _started(kube, target, choose_for(kube, target, opts), opts, ui)
    if not identity.verify_ids:
        return debugger, identity
    uid, gid = read_ids(debugger.name)
    guessed = identity.security_context
    if (uid, gid) == (guessed["runAsUser"], guessed["runAsGroup"]):
        return debugger, identity
    ui.warn(
        f"the target runs as uid {uid} gid {gid}, not {guessed['runAsUser']}:{guessed['runAsGroup']} as guessed: "
        "using a second debugger with its ids"
    )
    return _started(kube, target, with_ids(identity, uid, gid), opts, ui)


def announce(ui: Ui, target: Target, debugger: Debugger, identity: Identity) -> None:
    """The note for a debugger this call added: which, where, and what it is (said once: the
    session's banner then leaves it out)."""
    if debugger.created:
        ui.note(f"added debugger {debugger.name} to pod {target.namespace}/{target.name}: {identity.reason}")
