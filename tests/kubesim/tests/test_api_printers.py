"""The pod row of kubectl get pods, computed as the apiserver's printer does, for crafted statuses."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.kubesim.api import duration, meta, podprinter, tables

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)


def _ago(seconds: int) -> str:
    return meta.format_time(NOW - timedelta(seconds=seconds))


def _pod(*statuses: dict, phase: str = "Running", init: tuple[dict, ...] = (), **extra: object) -> dict:
    pod = {"metadata": {"name": "web", "creationTimestamp": _ago(300)},
           "spec": {"containers": [{"name": f"c{i}"} for i in range(len(statuses))],
                    "initContainers": [{"name": f"i{i}"} for i in range(len(init))]},
           "status": {"phase": phase, "containerStatuses": list(statuses), "initContainerStatuses": list(init)}}
    pod.update(extra)
    return pod


def _ready(pod: dict) -> dict:
    pod["status"]["conditions"] = [{"type": "Ready", "status": "True"}]
    return pod


RUNNING = {"ready": True, "restartCount": 0, "state": {"running": {"startedAt": _ago(60)}}}
CREATING = {"ready": False, "restartCount": 0, "state": {"waiting": {"reason": "ContainerCreating"}}}
CRASHING = {"ready": False, "restartCount": 3, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": _ago(12)}}}
PULL_FAILING = {"ready": False, "restartCount": 0, "state": {"waiting": {"reason": "ImagePullBackOff"}}}
DONE = {"ready": False, "restartCount": 0, "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}
FAILED = {"ready": False, "restartCount": 0, "state": {"terminated": {"exitCode": 2, "reason": "Error"}}}
KILLED = {"ready": False, "restartCount": 0, "state": {"terminated": {"exitCode": 137, "signal": 9}}}


@pytest.mark.parametrize("pod, ready, status", [
    (_pod(RUNNING), "1/1", "Running"),
    (_pod(phase="Pending"), "0/0", "Pending"),
    (_pod(CREATING, phase="Pending"), "0/1", "ContainerCreating"),
    (_pod(CRASHING), "0/1", "CrashLoopBackOff"),
    (_pod(PULL_FAILING, phase="Pending"), "0/1", "ImagePullBackOff"),
    (_pod(DONE, phase="Succeeded"), "0/1", "Completed"),
    (_pod(FAILED, phase="Failed"), "0/1", "Error"),
    (_pod(KILLED, phase="Failed"), "0/1", "Signal:9"),
    (_pod(RUNNING, DONE), "1/2", "NotReady"),
    (_ready(_pod(RUNNING, DONE)), "1/2", "Running"),
    (_pod(CREATING, phase="Pending", init=(RUNNING,)), "0/1", "Init:0/1"),
    (_pod(CREATING, phase="Pending", init=(DONE, CRASHING)), "0/1", "Init:CrashLoopBackOff"),
    (_pod(CREATING, phase="Pending", init=(FAILED,)), "0/1", "Init:Error"),
    (_pod(RUNNING, metadata={"name": "web", "creationTimestamp": _ago(300), "deletionTimestamp": _ago(0)}),
     "1/1", "Terminating"),
    (_pod(phase="Failed", status={"phase": "Failed", "reason": "Evicted"}), "0/0", "Evicted"),
])
def test_ready_and_status_columns(pod, ready, status):
    cells = podprinter.cells(pod, NOW)
    assert (cells[1], cells[2]) == (ready, status)


def test_restarts_say_how_long_ago_the_last_one_was():
    cells = podprinter.cells(_pod(CRASHING), NOW)
    assert cells[3] == "3 (12s ago)"
    assert cells[4] == "5m"


def test_wide_columns_of_an_unscheduled_pod():
    assert podprinter.cells(_pod(phase="Pending"), NOW)[5:] == ["<none>", "<none>", "<none>", "<none>"]


@pytest.mark.parametrize("seconds, shown", [
    (45, "45s"), (119, "119s"), (200, "3m20s"), (600, "10m"), (3 * 3600, "3h"), (5 * 3600 + 60, "5h1m"),
    (30 * 3600, "30h"), (3 * 86400 + 7200, "3d2h"), (40 * 86400, "40d"), (800 * 86400, "2y70d"),
])
def test_ages_read_like_kubectl(seconds, shown):
    assert duration.human(seconds) == shown


def test_a_finished_pod_row_carries_the_completed_condition():
    table = tables.table("pods", [_pod(DONE, phase="Succeeded")], "7")
    row = table["rows"][0]
    assert row["conditions"][0]["type"] == "Completed"
    assert row["object"] == {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                             "metadata": _pod(DONE)["metadata"]}
    assert [c["name"] for c in table["columnDefinitions"] if c["priority"] == 0] == [
        "Name", "Ready", "Status", "Restarts", "Age"]
