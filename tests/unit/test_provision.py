"""Find-or-create under concurrency, and waiting on watch events, against an in-memory API."""

from __future__ import annotations

import copy
import io
import itertools
import random
import threading

import pytest
from rich.console import Console

from kubectl_dshell.debugger import DebuggerState, Wanted
from kubectl_dshell.errors import DebuggerFailed, NotFound, TimedOut, Unsupported
from kubectl_dshell.identity import choose_identity
from kubectl_dshell.options import Overrides
from kubectl_dshell.provision import Debugger, PullGrace, failure, find_or_create, wait_running
from kubectl_dshell.render import Ui

from .memoryapi import MemoryApi
from .pods import WEB

WANTED = Wanted("app", "busybox:1.36.1", choose_identity(WEB, "app", None, Overrides()))


def quiet_ui() -> Ui:
    return Ui(Console(file=io.StringIO(), width=100, no_color=True), quiet=True)


def test_creates_one_debugger_and_records_who() -> None:
    api = MemoryApi(WEB)
    made = find_or_create(api, WEB, WANTED, api.audit, 1800, random.Random(1))
    assert made.created and made.name.startswith("dshell-")
    assert [c["name"] for c in api.pod["spec"]["ephemeralContainers"]] == [made.name]
    assert api.audits == 1


def test_reuses_a_fitting_debugger_without_patching() -> None:
    api = MemoryApi(WEB)
    first = find_or_create(api, WEB, WANTED, api.audit, 1800, random.Random(1))
    again = find_or_create(api, api.get_pod("default", "web"), WANTED, api.audit, 1800, random.Random(2))
    assert (again.name, again.created, api.patches) == (first.name, False, 1)


def test_ten_concurrent_invocations_make_exactly_one_debugger() -> None:
    api = MemoryApi(WEB)
    stale = api.get_pod("default", "web")  # all ten read the pod before anyone patches
    results: list[Debugger] = []
    start = threading.Barrier(10)

    def invoke(seed: int) -> None:
        start.wait()
        results.append(find_or_create(api, stale, WANTED, api.audit, 1800, random.Random(seed)))

    threads = [threading.Thread(target=invoke, args=(seed,)) for seed in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert api.patches == 1
    assert len(api.pod["spec"]["ephemeralContainers"]) == 1
    assert {r.name for r in results} == {api.pod["spec"]["ephemeralContainers"][0]["name"]}
    assert sum(r.created for r in results) == 1


def test_an_old_cluster_is_refused_naming_its_version() -> None:
    api = MemoryApi(WEB, version=(1, 22))
    with pytest.raises(Unsupported) as refused:
        find_or_create(api, WEB, WANTED, api.audit, 1800, random.Random(1))
    assert refused.value.message.startswith("this cluster runs Kubernetes 1.22")
    assert api.patches == 0


def _state(pod: dict, name: str, state: dict) -> dict:
    pod = copy.deepcopy(pod)
    pod["status"]["ephemeralContainerStatuses"] = [{"name": name, "state": state}]
    return pod


def _started(api: MemoryApi) -> Debugger:
    return find_or_create(api, WEB, WANTED, api.audit, 1800, random.Random(1))


def test_wait_returns_once_the_watch_says_running() -> None:
    api = MemoryApi(WEB)
    debugger = _started(api)
    creating = _state(debugger.pod, debugger.name, {"waiting": {"reason": "ContainerCreating"}})
    running = _state(debugger.pod, debugger.name, {"running": {}})
    api.events = [[{"type": "MODIFIED", "object": creating}, {"type": "MODIFIED", "object": running}]]
    assert wait_running(api, debugger, "busybox:1.36.1", 10, quiet_ui()) == running


def test_wait_gives_up_on_a_config_error_with_the_kubelets_reason() -> None:
    api = MemoryApi(WEB)
    debugger = _started(api)
    broken = _state(
        debugger.pod,
        debugger.name,
        {
            "waiting": {
                "reason": "CreateContainerConfigError",
                "message": "container has runAsNonRoot and image will run as root",
            }
        },
    )
    api.events = [[{"type": "MODIFIED", "object": broken}]]
    with pytest.raises(DebuggerFailed) as caught:
        wait_running(api, debugger, "busybox:1.36.1", 10, quiet_ui())
    assert caught.value.hint == "the pod demands a non-root debugger: use --profile restricted"


def test_wait_gives_up_on_image_errors_after_the_grace() -> None:
    api = MemoryApi(WEB)
    debugger = _started(api)
    pulling = _state(
        debugger.pod, debugger.name, {"waiting": {"reason": "ImagePullBackOff", "message": "Back-off pulling image"}}
    )
    api.events = [[{"type": "MODIFIED", "object": pulling}], []]
    clock = itertools.count(0.0, 6.0).__next__  # each look at the clock is 6 s later
    with pytest.raises(DebuggerFailed) as caught:
        wait_running(api, debugger, "registry.local/busybox:x", 60, quiet_ui(), PullGrace(10.0, clock))
    assert caught.value.message == (
        f"debugger {debugger.name} cannot pull registry.local/busybox:x: ImagePullBackOff: Back-off pulling image"
    )
    assert caught.value.hint == "pass --image with a busybox your cluster can pull"


def test_wait_times_out_with_the_last_reason() -> None:
    api = MemoryApi(WEB)
    debugger = _started(api)
    with pytest.raises(TimedOut) as caught:
        wait_running(api, debugger, "busybox:1.36.1", 0.001, quiet_ui())
    assert caught.value.message == f"debugger {debugger.name} is not running after 0.001s (Waiting)"


def test_wait_notices_a_deleted_pod() -> None:
    api = MemoryApi(WEB)
    debugger = _started(api)
    api.events = [[{"type": "DELETED", "object": debugger.pod}]]
    with pytest.raises(NotFound):
        wait_running(api, debugger, "busybox:1.36.1", 10, quiet_ui())


def test_pull_grace_forgives_short_errors_and_resets() -> None:
    now = [0.0]
    grace = PullGrace(10.0, lambda: now[0])
    pulling = DebuggerState("starting", "ErrImagePull")
    assert grace.judge(pulling).phase == "starting"
    now[0] = 9.0
    assert grace.wake_in() == pytest.approx(1.0)
    assert grace.judge(DebuggerState("starting", "ContainerCreating")).phase == "starting"
    assert grace.wake_in() is None
    now[0] = 30.0
    assert grace.judge(pulling).phase == "starting"
    now[0] = 40.0
    assert grace.judge(pulling).phase == "failed"


def test_an_exited_debugger_points_at_the_image() -> None:
    error = failure("dshell-x", "alpine:3", DebuggerState("exited", "Error, exit code 127"))
    assert error.message == "debugger dshell-x exited (Error, exit code 127)"
    assert "busybox" in error.hint
