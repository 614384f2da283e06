"""The debugger's spec (pure, like kubectl debug's generateDebugContainer), reuse and status."""

from __future__ import annotations

import random
import re

import pytest

from kubectl_dshell.debugger import (
    Audit,
    DebuggerState,
    Wanted,
    debugger_container,
    debugger_state,
    find_fitting,
    new_name,
    patch_body,
)
from kubectl_dshell.identity import choose_identity
from kubectl_dshell.options import Overrides, Profile
from kubectl_dshell.probes.runner import keeper_command

from .pods import API, WEB, variant

AUDIT = Audit(user="alice@example.com", reason="INC-42: 500s", created="2025-06-01T12:00:00Z")
ROOT_WANTED = Wanted("app", "busybox:1.36.1", choose_identity(WEB, "app", "baseline", Overrides()))


def test_debugger_container_is_the_keeper_in_the_targets_pid_namespace() -> None:
    assert debugger_container("dshell-ab12c", ROOT_WANTED, AUDIT, 1800) == {
        "name": "dshell-ab12c",
        "image": "busybox:1.36.1",
        "imagePullPolicy": "IfNotPresent",
        "command": keeper_command(),
        "env": [
            {"name": "DSHELL_TARGET", "value": "app"},
            {"name": "DSHELL_USER", "value": "alice@example.com"},
            {"name": "DSHELL_REASON", "value": "INC-42: 500s"},
            {"name": "DSHELL_CREATED", "value": "2025-06-01T12:00:00Z"},
            {"name": "DSHELL_IDLE", "value": "1800"},
        ],
        "targetContainerName": "app",
        "securityContext": {"runAsUser": 0, "runAsGroup": 0},
        "stdin": False,
        "tty": False,
    }


def test_restricted_debugger_spec_passes_restricted() -> None:
    wanted = Wanted("api", "busybox:1.36.1", choose_identity(API, "api", "restricted", Overrides()))
    container = debugger_container("dshell-x", wanted, AUDIT, 1800)
    assert container["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def test_patch_body_carries_the_resource_version() -> None:
    container = {"name": "dshell-x"}
    assert patch_body(WEB, container) == {
        "metadata": {"resourceVersion": "100"},
        "spec": {"ephemeralContainers": [container]},
    }


def test_new_name_is_dshell_plus_five_and_unused() -> None:
    taken = "dshell-" + "".join(random.Random(7).choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(5))
    pod = variant(WEB, spec={"ephemeralContainers": [{"name": taken}]})
    name = new_name(pod, random.Random(7))
    assert re.fullmatch(r"dshell-[a-z0-9]{5}", name)
    assert name != taken


def _with_debugger(container: dict, state: dict | None) -> dict:
    statuses = [{"name": container["name"], "state": state}] if state is not None else []
    pod = variant(WEB, spec={"ephemeralContainers": [container]})
    pod["status"]["ephemeralContainerStatuses"] = statuses
    return pod


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (None, DebuggerState("starting", "Waiting")),
        ({"waiting": {"reason": "ContainerCreating"}}, DebuggerState("starting", "ContainerCreating")),
        (
            {"waiting": {"reason": "ErrImagePull", "message": "not found"}},
            DebuggerState("starting", "ErrImagePull", "not found"),
        ),
        (
            {"waiting": {"reason": "CreateContainerConfigError", "message": "runAsNonRoot"}},
            DebuggerState("failed", "CreateContainerConfigError", "runAsNonRoot"),
        ),
        ({"waiting": {"reason": "InvalidImageName"}}, DebuggerState("failed", "InvalidImageName")),
        ({"running": {"startedAt": "x"}}, DebuggerState("running")),
        ({"terminated": {"reason": "Completed", "exitCode": 0}}, DebuggerState("exited", "Completed, exit code 0")),
    ],
)
def test_debugger_state_reads_the_kubelet(state: dict | None, expected: DebuggerState) -> None:
    assert debugger_state(_with_debugger({"name": "dshell-x"}, state), "dshell-x") == expected


def _spec(name: str, wanted: Wanted = ROOT_WANTED) -> dict:
    return debugger_container(name, wanted, AUDIT, 1800)


def test_find_fitting_prefers_running_and_skips_exited_or_different() -> None:
    general = Wanted("app", "busybox:1.36.1", choose_identity(WEB, "app", None, Overrides()))
    assert general.identity.profile is Profile.GENERAL
    pod = variant(
        WEB,
        spec={
            "ephemeralContainers": [
                _spec("dshell-dead1"),
                _spec("dshell-start"),
                _spec("dshell-other", general),
                {**_spec("dshell-image"), "image": "busybox:latest"},
                _spec("dshell-runs1"),
            ]
        },
    )
    pod["status"]["ephemeralContainerStatuses"] = [
        {"name": "dshell-dead1", "state": {"terminated": {"exitCode": 0}}},
        {"name": "dshell-start", "state": {"waiting": {"reason": "ContainerCreating"}}},
        {"name": "dshell-other", "state": {"running": {}}},
        {"name": "dshell-image", "state": {"running": {}}},
        {"name": "dshell-runs1", "state": {"running": {}}},
    ]
    assert find_fitting(pod, ROOT_WANTED) == "dshell-runs1"
    pod["status"]["ephemeralContainerStatuses"].pop()
    assert find_fitting(pod, ROOT_WANTED) == "dshell-start"
    assert find_fitting(pod, Wanted("sidecar", "busybox:1.36.1", ROOT_WANTED.identity)) is None


def test_in_a_pod_sharing_its_pids_one_debugger_serves_every_container() -> None:
    debugger = _with_debugger(_spec("dshell-runs1"), {"running": {}})
    sidecar = Wanted("sidecar", "busybox:1.36.1", ROOT_WANTED.identity)
    assert find_fitting(debugger, sidecar) is None  # each container has a PID namespace of its own
    shared = variant(debugger, spec={"shareProcessNamespace": True})
    assert find_fitting(shared, sidecar) == "dshell-runs1"


def test_a_debugger_without_status_counts_as_starting() -> None:
    assert find_fitting(_with_debugger(_spec("dshell-new00"), None), ROOT_WANTED) == "dshell-new00"
