"""The target: which pod and container to debug, and whether it can be debugged.

Parsing, choosing and checking are pure functions over API objects (plain dicts as the API server
sends them); :func:`resolve` is the thin lookup that feeds them.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .debugger import runs_debugger
from .errors import NotFound, NotReady, UsageError
from .podspec import container_status, init_names

if TYPE_CHECKING:
    from .kube import Kube

# kubectl's names for the workloads whose pods `kubectl exec TYPE/NAME` picks from.
WORKLOAD_KINDS: dict[str, str] = {
    "deploy": "deployment",
    "deployment": "deployment",
    "deployments": "deployment",
    "sts": "statefulset",
    "statefulset": "statefulset",
    "statefulsets": "statefulset",
    "ds": "daemonset",
    "daemonset": "daemonset",
    "daemonsets": "daemonset",
    "rs": "replicaset",
    "replicaset": "replicaset",
    "replicasets": "replicaset",
    "job": "job",
    "jobs": "job",
}
POD_KINDS = frozenset({"po", "pod", "pods"})
DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
OS_LABEL = "kubernetes.io/os"


@dataclass(frozen=True)
class TargetRef:
    """What the user named: ``kind`` is ``pod`` or a workload kind."""

    kind: str
    name: str


@dataclass(frozen=True)
class Target:
    """The resolved target: the pod (as the API returned it) and the container's name."""

    pod: dict
    container: str
    note: str | None = None  # e.g. kubectl's "Defaulted container ..." line

    @property
    def namespace(self) -> str:
        """The pod's namespace."""
        return self.pod["metadata"]["namespace"]

    @property
    def name(self) -> str:
        """The pod's name."""
        return self.pod["metadata"]["name"]


def parse_target(text: str) -> TargetRef:
    """Parse ``NAME``, ``pod/NAME`` or ``TYPE/NAME`` (TYPE may carry a group: ``deployment.apps``)."""
    kind, sep, name = text.partition("/")
    if not sep:
        kind, name = "pod", text
    kind = kind.lower().split(".", 1)[0]
    if not name or "/" in name:
        raise UsageError(f"cannot parse target {text!r}", "name a pod as NAME, pod/NAME or TYPE/NAME")
    if kind in POD_KINDS:
        return TargetRef("pod", name)
    if kind in WORKLOAD_KINDS:
        return TargetRef(WORKLOAD_KINDS[kind], name)
    raise UsageError(
        f"cannot debug a {kind!r}",
        "name a pod, or a deployment, statefulset, daemonset, replicaset or job",
    )


def selector_string(selector: dict | None) -> str:
    """A metav1.LabelSelector as a label selector string (``app=web,tier in (a,b)``)."""
    selector = selector or {}
    terms = [f"{key}={value}" for key, value in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], ",".join(expr.get("values") or [])
        terms.append(
            {
                "In": f"{key} in ({values})",
                "NotIn": f"{key} notin ({values})",
                "Exists": key,
                "DoesNotExist": f"!{key}",
            }[op]
        )
    return ",".join(terms)


def _ready_since(pod: dict) -> str | None:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready" and cond.get("status") == "True":
            return cond.get("lastTransitionTime") or ""
    return None


def _activity_key(pod: dict) -> tuple:
    """Sort key, most attachable first: kubectl's ``sort.Reverse(podutils.ActivePods)``."""
    status = pod.get("status") or {}
    phase_rank = {"Running": 2, "Unknown": 1}.get(status.get("phase", ""), 0)
    ready_since = _ready_since(pod)
    restarts = max((c.get("restartCount", 0) for c in status.get("containerStatuses") or []), default=0)
    created = pod["metadata"].get("creationTimestamp") or ""
    # Empty timestamps sort last, as kubectl's afterOrZero puts zero times after all others.
    return (
        not (pod.get("spec") or {}).get("nodeName"),
        -phase_rank,
        ready_since is None,
        (not ready_since, ready_since or ""),
        restarts,
        (not created, created),
    )


def pick_pod(pods: list[dict]) -> dict | None:
    """The pod ``kubectl exec TYPE/NAME`` would pick: scheduled, running, ready longest, fewest restarts."""
    return min(pods, key=_activity_key) if pods else None


def all_container_names(pod: dict) -> str:
    """The pod's containers as kubectl lists them: regular, then ``(ephem)``, then ``(init)``."""
    spec = pod["spec"]
    names = [c["name"] for c in spec.get("containers") or []]
    names += [f"{c['name']} (ephem)" for c in spec.get("ephemeralContainers") or []]
    names += [f"{c['name']} (init)" for c in spec.get("initContainers") or []]
    return ", ".join(names)


def choose_container(pod: dict, requested: str | None) -> tuple[str, str | None]:
    """The target container and an optional note: ``-c`` (a regular or an init container, such as a
    native sidecar), else the default-container annotation, else the first container (with kubectl's
    "Defaulted container" note when there was a choice)."""
    regular = [c["name"] for c in pod["spec"].get("containers") or []]
    if requested:
        ephemeral = [c["name"] for c in pod["spec"].get("ephemeralContainers") or []]
        if requested in ephemeral:
            raise NotFound(
                f"container {requested} is an ephemeral container (a debugger): a debugger cannot be a target",
                f"target one of the app's containers with -c: {', '.join(regular + init_names(pod))}",
            )
        if requested not in regular + init_names(pod):
            raise NotFound(
                f"container {requested} is not valid for pod {pod['metadata']['name']} "
                f"out of: {all_container_names(pod)}",
                "name one with -c: a regular container, or an init container such as a native sidecar",
            )
        return requested, None
    annotated = (pod["metadata"].get("annotations") or {}).get(DEFAULT_CONTAINER_ANNOTATION)
    if annotated in regular:
        return annotated, None
    # Unlike kubectl, our own dshell-* ephemeral containers do not make the default worth a note.
    if len(regular) > 1 or pod["spec"].get("initContainers"):
        return regular[0], f'Defaulted container "{regular[0]}" out of: {all_container_names(pod)}'
    return regular[0], None


def close_matches(name: str, candidates: list[str]) -> list[str]:
    """Names like ``name`` (for "did you mean")."""
    return difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)


def container_id(pod: dict, container: str) -> str:
    """The runtime's id of a container ("containerd://<hex>" without the scheme), or "" if unknown."""
    cstatus = container_status(pod, container) or {}
    return (cstatus.get("containerID") or "").rpartition("://")[2]


def _describe(pod: dict) -> str:
    return f"pod {pod['metadata'].get('namespace', '')}/{pod['metadata']['name']}"


def _logs_hint(pod: dict, container: str) -> str:
    meta = pod["metadata"]
    return f"read its last output: kubectl logs {meta['name']} -n {meta.get('namespace', '')} -c {container} --previous"


def declared_os(pod: dict) -> str | None:
    """The OS the pod spec asks for (spec.os.name, or a kubernetes.io/os node selector), if any."""
    spec = pod.get("spec") or {}
    return (spec.get("os") or {}).get("name") or (spec.get("nodeSelector") or {}).get(OS_LABEL)


def node_to_ask(pod: dict) -> str | None:
    """The node whose OS label :func:`check_pod_kind` needs: none when the spec says the OS or a
    debugger already runs there (a busybox: the node runs Linux), saving a round trip."""
    if declared_os(pod) or runs_debugger(pod):
        return None
    return (pod.get("spec") or {}).get("nodeName")


def check_pod_kind(pod: dict, node_os: str | None = None) -> None:
    """Refuse pods no debugger can join: static (mirror) pods and pods on Windows nodes."""
    if MIRROR_ANNOTATION in (pod["metadata"].get("annotations") or {}):
        raise NotReady(
            f"{_describe(pod)} is a static pod: the API server adds no ephemeral containers to mirror pods",
            "debug it on its node, or debug a copy: kubectl debug --copy-to",
        )
    if "windows" in (declared_os(pod), node_os):
        raise NotReady(f"{_describe(pod)} runs on a Windows node: the busybox debugger needs Linux")


def _phase_reason(status: dict) -> str:
    if status.get("reason"):
        return status["reason"] + (f": {status['message']}" if status.get("message") else "")
    for cstatus in status.get("containerStatuses") or []:
        waiting = (cstatus.get("state") or {}).get("waiting") or {}
        if waiting.get("reason"):
            return waiting["reason"]
    return ""


def check_pod_running(pod: dict) -> None:
    """Refuse a pod that is terminating or not in phase Running, saying its phase and reason."""
    if pod["metadata"].get("deletionTimestamp"):
        raise NotReady(f"{_describe(pod)} is terminating", "pick another pod of its workload")
    status = pod.get("status") or {}
    phase = status.get("phase") or "Unknown"
    if phase == "Running":
        return
    reason = _phase_reason(status)
    detail = f"phase {phase}" + (f" ({reason})" if reason else "")
    if phase == "Pending":
        raise NotReady(f"{_describe(pod)} is not running yet: {detail}", "wait until it runs: kubectl get pod -w")
    raise NotReady(f"{_describe(pod)} is not running: {detail}", "its processes are gone: a debugger cannot reach them")


def check_container_running(pod: dict, container: str) -> None:
    """Refuse a target container that is not running (a crash loop, say): its process is dead."""
    cstatus = container_status(pod, container)
    where = f"container {container} in {_describe(pod)}"
    if cstatus is None:
        raise NotReady(f"{where} has no status yet", "wait until it runs: kubectl get pod -w")
    state = cstatus.get("state") or {}
    if "running" in state:
        return
    if "terminated" in state:
        term = state["terminated"]
        why = f"terminated: {term.get('reason', 'Unknown')}, exit code {term.get('exitCode', '?')}"
    else:
        waiting = state.get("waiting") or {}
        why = waiting.get("reason") or "waiting"
        if waiting.get("message"):
            why += f": {waiting['message']}"
    restarts = cstatus.get("restartCount", 0)
    if restarts:
        why += f", restarted {restarts} times"
    raise NotReady(
        f"{where} is not running ({why}): a debugger cannot reach a dead process", _logs_hint(pod, container)
    )


def check_debuggable(pod: dict, container: str, node_os: str | None = None) -> None:
    """Raise :class:`NotReady` with the reason when a debugger cannot help in this pod now."""
    check_pod_kind(pod, node_os)
    check_pod_running(pod)
    check_container_running(pod, container)


def _pod_not_found(kube: Kube, namespace: str, name: str) -> NotFound:
    names = [p["metadata"]["name"] for p in kube.list_pods_or_none(namespace) or []]
    matches = close_matches(name, names)
    hint = f"did you mean: {', '.join(matches)}?" if matches else "list them: kubectl get pods -n " + namespace
    return NotFound(f'pod "{name}" not found in namespace {namespace}', hint)


def _find_pod(kube: Kube, ref: TargetRef, namespace: str) -> dict:
    if ref.kind == "pod":
        pod = kube.get_pod_or_none(namespace, ref.name)
        if pod is None:
            raise _pod_not_found(kube, namespace, ref.name)
        return pod
    workload = kube.get_workload(ref.kind, namespace, ref.name)
    selector = selector_string(workload.get("spec", {}).get("selector"))
    pod = pick_pod(kube.list_pods(namespace, selector))
    if pod is None:
        raise NotFound(f"{ref.kind}/{ref.name} has no pods (selector {selector})")
    return pod


def _debuggable_so_far(pod: dict, container: str) -> bool:
    """Whether the pod passes the checks that need no node (the node's OS may still refuse it)."""
    try:
        check_debuggable(pod, container)
    except NotReady:
        return False
    return True


def resolve(
    kube: Kube, text: str, namespace: str, container: str | None, ahead: Callable[[dict, str], None] | None = None
) -> Target:
    """Look the target up and check that a debugger can reach it. ``ahead`` hears of the pod and
    container as soon as they are known and look debuggable, to start its own lookups beside the node's."""
    pod = _find_pod(kube, parse_target(text), namespace)
    name, note = choose_container(pod, container)
    if ahead is not None and _debuggable_so_far(pod, name):
        ahead(pod, name)
    node = node_to_ask(pod)
    node_os = (kube.node_labels_or_none(node) or {}).get(OS_LABEL) if node else None
    check_debuggable(pod, name, node_os)
    return Target(pod=pod, container=name, note=note)
