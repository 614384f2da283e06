"""Target parsing, pod choice, default container and the readiness checks."""

from __future__ import annotations

import pytest

from kubectl_dshell.errors import NotFound, NotReady, UsageError
from kubectl_dshell.target import (
    TargetRef,
    check_debuggable,
    choose_container,
    container_id,
    parse_target,
    pick_pod,
    selector_string,
)

from .pods import CONTAINER_ID, MESH, SIDECAR_ID, TWO, WEB, pod, running_status, variant


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("web", TargetRef("pod", "web")),
        ("pod/web", TargetRef("pod", "web")),
        ("po/web", TargetRef("pod", "web")),
        ("deploy/web", TargetRef("deployment", "web")),
        ("deployment.apps/web", TargetRef("deployment", "web")),
        ("sts/db", TargetRef("statefulset", "db")),
        ("statefulset/db", TargetRef("statefulset", "db")),
        ("ds/agent", TargetRef("daemonset", "agent")),
        ("daemonset/agent", TargetRef("daemonset", "agent")),
        ("rs/web-5d", TargetRef("replicaset", "web-5d")),
        ("replicaset/web-5d", TargetRef("replicaset", "web-5d")),
        ("job/backup", TargetRef("job", "backup")),
        ("Deployment/web", TargetRef("deployment", "web")),
    ],
)
def test_parse_target_accepts_kubectl_forms(text: str, expected: TargetRef) -> None:
    assert parse_target(text) == expected


@pytest.mark.parametrize("text", ["svc/web", "pod/", "a/b/c", "cronjob/x"])
def test_parse_target_refuses_what_it_cannot_debug(text: str) -> None:
    with pytest.raises(UsageError):
        parse_target(text)


def test_selector_string_renders_labels_and_expressions() -> None:
    selector = {
        "matchLabels": {"app": "web", "tier": "front"},
        "matchExpressions": [
            {"key": "env", "operator": "In", "values": ["a", "b"]},
            {"key": "canary", "operator": "NotIn", "values": ["yes"]},
            {"key": "owner", "operator": "Exists"},
            {"key": "legacy", "operator": "DoesNotExist"},
        ],
    }
    assert selector_string(selector) == "app=web,tier=front,env in (a,b),canary notin (yes),owner,!legacy"


def _candidate(name: str, phase: str = "Running", ready: str | None = "2025-01-01T00:00:00Z", **extra: object) -> dict:
    p = pod(name, [{"name": "app"}])
    p["status"]["phase"] = phase
    p["status"]["conditions"] = [{"type": "Ready", "status": "True", "lastTransitionTime": ready}] if ready else []
    for key, value in extra.items():
        if key == "created":
            p["metadata"]["creationTimestamp"] = value
        if key == "restarts":
            p["status"]["containerStatuses"][0]["restartCount"] = value
        if key == "unscheduled":
            del p["spec"]["nodeName"]
    return p


@pytest.mark.parametrize(
    ("pods", "winner"),
    [
        ([_candidate("pending", phase="Pending", ready=None), _candidate("running")], "running"),
        ([_candidate("unready", ready=None), _candidate("ready")], "ready"),
        (
            [_candidate("late", ready="2025-02-01T00:00:00Z"), _candidate("early", ready="2025-01-01T00:00:00Z")],
            "early",
        ),
        ([_candidate("flaky", restarts=4), _candidate("steady")], "steady"),
        (
            [_candidate("young", created="2025-03-01T00:00:00Z"), _candidate("old", created="2024-01-01T00:00:00Z")],
            "old",
        ),
        (
            [
                _candidate("nowhere", unscheduled=True, phase="Pending", ready=None),
                _candidate("pending", phase="Pending", ready=None),
            ],
            "pending",
        ),
    ],
)
def test_pick_pod_prefers_what_kubectl_exec_prefers(pods: list[dict], winner: str) -> None:
    assert pick_pod(pods)["metadata"]["name"] == winner


def test_pick_pod_of_nothing_is_none() -> None:
    assert pick_pod([]) is None


def test_choose_container_honours_flag_then_annotation_then_first() -> None:
    assert choose_container(TWO, "sidecar") == ("sidecar", None)
    assert choose_container(TWO, None) == ("app", None)
    plain = variant(TWO, metadata={"annotations": {}})
    assert choose_container(plain, None) == ("app", 'Defaulted container "app" out of: app, sidecar')
    assert choose_container(WEB, None) == ("app", None)


def test_choose_container_refuses_unknown_and_ephemeral_names() -> None:
    debugged = variant(WEB, spec={"ephemeralContainers": [{"name": "dshell-abcde"}]})
    with pytest.raises(NotFound) as caught:
        choose_container(debugged, "dshell-abcde")
    assert caught.value.message == (
        "container dshell-abcde is an ephemeral container (a debugger): a debugger cannot be a target")
    assert caught.value.hint == "target one of the app's containers with -c: app"
    with pytest.raises(NotFound) as caught:
        choose_container(debugged, "nope")
    assert caught.value.message == "container nope is not valid for pod web out of: app, dshell-abcde (ephem)"


def test_an_init_container_such_as_a_native_sidecar_is_a_target() -> None:
    assert choose_container(MESH, "proxy") == ("proxy", None)
    assert choose_container(MESH, None) == ("app", 'Defaulted container "app" out of: app, setup (init), proxy (init)')
    check_debuggable(MESH, "proxy")
    assert container_id(MESH, "proxy") == SIDECAR_ID
    with pytest.raises(NotReady) as caught:  # an init container that did its work is gone
        check_debuggable(MESH, "setup")
    assert caught.value.message.startswith(
        "container setup in pod default/mesh is not running (terminated: Completed, exit code 0)"
    )


def test_running_pod_passes_the_checks() -> None:
    check_debuggable(WEB, "app")


def _crashlooping() -> dict:
    status = running_status("app")
    status["containerStatuses"][0].update(
        state={"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}},
        restartCount=7,
    )
    return variant(WEB, status=status)


@pytest.mark.parametrize(
    ("broken", "node_os", "message"),
    [
        (
            variant(WEB, metadata={"annotations": {"kubernetes.io/config.mirror": "abc"}}),
            None,
            "pod default/web is a static pod: the API server adds no ephemeral containers to mirror pods",
        ),
        (
            variant(WEB, spec={"os": {"name": "windows"}}),
            None,
            "pod default/web runs on a Windows node: the busybox debugger needs Linux",
        ),
        (WEB, "windows", "pod default/web runs on a Windows node: the busybox debugger needs Linux"),
        (variant(WEB, metadata={"deletionTimestamp": "2025-01-01T00:00:00Z"}), None, "pod default/web is terminating"),
        (
            variant(
                WEB,
                status={
                    "phase": "Pending",
                    "containerStatuses": [{"name": "app", "state": {"waiting": {"reason": "ContainerCreating"}}}],
                },
            ),
            None,
            "pod default/web is not running yet: phase Pending (ContainerCreating)",
        ),
        (
            variant(WEB, status={"phase": "Failed", "reason": "Evicted", "message": "low on memory"}),
            None,
            "pod default/web is not running: phase Failed (Evicted: low on memory)",
        ),
        (
            _crashlooping(),
            None,
            "container app in pod default/web is not running (CrashLoopBackOff: back-off 5m0s restarting failed "
            "container, restarted 7 times): a debugger cannot reach a dead process",
        ),
        (
            variant(
                WEB,
                status={
                    "phase": "Running",
                    "containerStatuses": [{"name": "app", "state": {"terminated": {"reason": "Error", "exitCode": 1}}}],
                },
            ),
            None,
            "container app in pod default/web is not running (terminated: Error, exit code 1): a debugger cannot "
            "reach a dead process",
        ),
        (
            variant(WEB, status={"phase": "Running", "containerStatuses": []}),
            None,
            "container app in pod default/web has no status yet",
        ),
    ],
)
def test_checks_refuse_with_the_reason(broken: dict, node_os: str | None, message: str) -> None:
    with pytest.raises(NotReady) as caught:
        check_debuggable(broken, "app", node_os)
    assert caught.value.message == message


def test_crash_loop_hint_points_at_previous_logs() -> None:
    with pytest.raises(NotReady) as caught:
        check_debuggable(_crashlooping(), "app")
    assert caught.value.hint == "read its last output: kubectl logs web -n default -c app --previous"


def test_container_id_drops_the_runtime_scheme() -> None:
    assert container_id(WEB, "app") == CONTAINER_ID
    assert container_id(WEB, "missing") == ""
