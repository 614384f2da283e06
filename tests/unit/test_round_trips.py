"""Fewer API round trips: the namespace and the node are read only when they can change the outcome."""

from __future__ import annotations

import copy

import pytest

from kubectl_dshell.debugger import Audit, Wanted, debugger_container, runs_debugger
from kubectl_dshell.identity import choose_identity, possible_identities
from kubectl_dshell.options import DebuggerOptions, Overrides, Profile
from kubectl_dshell.provision import choose_for, look_ahead
from kubectl_dshell.target import Target, node_to_ask

from .pods import WEB, variant

IMAGE = DebuggerOptions().image


class Namespaces:
    """A Kube that answers only namespace reads, and counts them."""

    def __init__(self, labels: dict | None):
        self.labels = labels
        self.reads = 0

    def namespace_labels_or_none(self, namespace: str) -> dict | None:
        self.reads += 1
        return self.labels


def with_debugger(pod: dict, level: str | None, state: dict, name: str = "dshell-abcde") -> dict:
    """``pod`` holding one more debugger, of the identity ``level`` picks, in ``state``."""
    identity = choose_identity(pod, "app", level, Overrides())
    found = copy.deepcopy(pod)
    container = debugger_container(name, Wanted("app", IMAGE, identity), Audit("a", "", "t"), 1800)
    found["spec"].setdefault("ephemeralContainers", []).append(container)
    found["status"].setdefault("ephemeralContainerStatuses", []).append({"name": name, "state": state})
    return found


def test_the_level_decides_between_general_baseline_and_restricted() -> None:
    profiles = [i.profile for i in possible_identities(WEB, "app", Overrides())]
    assert profiles == [Profile.GENERAL, Profile.BASELINE, Profile.RESTRICTED]
    assert len(possible_identities(WEB, "app", Overrides(profile=Profile.GENERAL))) == 1
    nonroot = variant(WEB, spec={"securityContext": {"runAsNonRoot": True}})
    assert len(possible_identities(nonroot, "app", Overrides())) == 1


@pytest.mark.parametrize(
    ("pod", "overrides", "labels", "reads", "note"),
    [
        # A running root debugger decides: no namespace read, and the note says why.
        (with_debugger(WEB, "", {"running": {}}), Overrides(), {}, 0, "the pod's debugger dshell-abcde fits"),
        # So does a baseline or restricted one (say, added after Pod Security refused general).
        (with_debugger(WEB, "baseline", {"running": {}}), Overrides(), None, 0, "the pod's debugger dshell-abcde"),
        (with_debugger(WEB, "restricted", {"running": {}}), Overrides(), None, 0, "the pod's debugger dshell-abcde"),
        # An exited debugger does not: the level picks the new one.
        (with_debugger(WEB, "", {"terminated": {"exitCode": 0}}), Overrides(), {}, 1, "the namespace sets no"),
        # No debugger: read, as before.
        (WEB, Overrides(), {"pod-security.kubernetes.io/enforce": "restricted"}, 1, "the namespace enforces"),
        # A forced profile leaves nothing for the level to decide.
        (WEB, Overrides(profile=Profile.GENERAL), {}, 0, "--profile general"),
    ],
    ids=["running-root", "running-baseline", "running-restricted", "exited", "none", "forced-profile"],
)
def test_the_namespace_is_read_only_when_it_decides(
    pod: dict, overrides: Overrides, labels: dict | None, reads: int, note: str
) -> None:
    kube = Namespaces(labels)
    identity = choose_for(kube, Target(pod, "app"), DebuggerOptions(overrides=overrides))  # type: ignore[arg-type]
    assert kube.reads == reads
    assert identity.reason.startswith(note)


class Ahead:
    """A Kube that records the lookups started ahead."""

    def __init__(self) -> None:
        self.started: list[tuple[str, ...]] = []

    def look_ahead(self, name: str, *args: str) -> None:
        self.started.append((name, *args))


@pytest.mark.parametrize(
    ("pod", "overrides", "started"),
    [
        (with_debugger(WEB, "", {"running": {}}), Overrides(), []),  # reused: nothing to look up
        (with_debugger(WEB, "", {"terminated": {"exitCode": 0}}), Overrides(),
         [("namespace_labels_or_none", "default"), ("whoami",)]),
        (WEB, Overrides(), [("namespace_labels_or_none", "default"), ("whoami",)]),
        (WEB, Overrides(profile=Profile.GENERAL), [("whoami",)]),  # the level cannot decide
    ],
    ids=["running", "exited", "none", "forced-profile"],
)
def test_lookups_start_ahead_exactly_when_they_will_be_made(pod: dict, overrides: Overrides, started: list) -> None:
    kube = Ahead()
    look_ahead(kube, DebuggerOptions(overrides=overrides))(pod, "app")  # type: ignore[arg-type]
    assert kube.started == started


def test_of_two_running_debuggers_the_one_that_sees_more_is_used() -> None:
    restricted = with_debugger(WEB, "restricted", {"running": {}}, "dshell-rstr1")
    both = with_debugger(restricted, "", {"running": {}}, "dshell-gnrl1")
    kube = Namespaces({"pod-security.kubernetes.io/enforce": "restricted"})
    identity = choose_for(kube, Target(both, "app"), DebuggerOptions())  # type: ignore[arg-type]
    assert (kube.reads, identity.profile) == (0, Profile.GENERAL)
    assert identity.reason.startswith("the pod's debugger dshell-gnrl1 fits")


def test_the_node_is_asked_only_while_its_os_is_unknown() -> None:
    assert node_to_ask(WEB) == "node-1"
    assert node_to_ask(variant(WEB, spec={"os": {"name": "linux"}})) is None
    running = with_debugger(WEB, "", {"running": {}})
    assert runs_debugger(running) and node_to_ask(running) is None
    waiting = copy.deepcopy(running)
    waiting["status"]["ephemeralContainerStatuses"][0]["state"] = {"waiting": {"reason": "ContainerCreating"}}
    assert not runs_debugger(waiting) and node_to_ask(waiting) == "node-1"
