"""Which pods a verb runs on (one POD, or every pod a -l selector matches), run with a bound on
concurrency, results kept per pod: a failing pod is reported without stopping the others."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

from .errors import DshellError, NotFound
from .target import OS_LABEL, Target, check_debuggable, choose_container, node_to_ask

if TYPE_CHECKING:
    from .kube import Kube

T = TypeVar("T")
DEFAULT_CONCURRENCY = 8


@dataclass(frozen=True)
class PodOutcome(Generic[T]):
    """One pod's result, or why it has none."""

    namespace: str
    name: str
    value: T | None = None
    error: DshellError | None = None


def _target_of(pod: dict, container: str | None, node_os: Callable[[str], str | None]) -> Target:
    name, note = choose_container(pod, container)
    node = node_to_ask(pod)
    check_debuggable(pod, name, node_os(node) if node else None)
    return Target(pod=pod, container=name, note=note)


def select(kube: Kube, selector: str, namespace: str | None, container: str | None) -> list[PodOutcome[Target]]:
    """Every pod ``selector`` matches in ``namespace`` (None: in every namespace), by namespace and
    name, each a target or the reason it is not."""
    pods = sorted(kube.list_pods(namespace, selector),
                  key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"]))
    if not pods:
        where = f"in namespace {namespace}" if namespace else "in any namespace"
        raise NotFound(f"no pods match {selector!r} {where}", None if namespace is None else "-A looks in every namespace")
    labels: dict[str, str | None] = {}

    def node_os(node: str) -> str | None:
        if node not in labels:
            labels[node] = (kube.node_labels_or_none(node) or {}).get(OS_LABEL)
        return labels[node]

    outcomes: list[PodOutcome[Target]] = []
    for pod in pods:
        meta = pod["metadata"]
        try:
            outcomes.append(PodOutcome(meta["namespace"], meta["name"], _target_of(pod, container, node_os)))
        except DshellError as exc:
            outcomes.append(PodOutcome(meta["namespace"], meta["name"], error=exc))
    return outcomes


def fan_out(targets: list[PodOutcome[Target]], work: Callable[[Target], T], limit: int) -> list[PodOutcome[T]]:
    """``work`` on every target, at most ``limit`` at once; outcomes in the targets' order."""

    def one(outcome: PodOutcome[Target]) -> PodOutcome[T]:
        if outcome.value is None:
            return PodOutcome(outcome.namespace, outcome.name, error=outcome.error)
        try:
            return PodOutcome(outcome.namespace, outcome.name, work(outcome.value))
        except DshellError as exc:
            return PodOutcome(outcome.namespace, outcome.name, error=exc)

    with ThreadPoolExecutor(max_workers=max(1, limit), thread_name_prefix="dshell-pod") as pool:
        return list(pool.map(one, targets))
