"""Init containers and native sidecars as the real kubectl sees them: order, status, exec, logs and
debuggers that target a sidecar (the demo pod `mesh`: init `setup`, sidecar `proxy`, app `app`)."""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from types import SimpleNamespace

import pytest

from tests.kubesim.kubelet.termination import stop_in_order
from tests.ptydriver import PtyProcess

BUSYBOX = "busybox:1.36.1"
DISTROLESS = "gcr.io/distroless/static-debian12:nonroot"
WORK = {"volumeMounts": [{"name": "work", "mountPath": "/work"}]}


@pytest.fixture(scope="module")
def ns(simulator):
    """A namespace for this module's pods, deleted (with them) afterwards."""
    name = "inits-" + secrets.token_hex(3)
    simulator.kubectl("create", "namespace", name, check=True)
    yield name
    simulator.kubectl("delete", "namespace", name, "--wait=false")


def _create(simulator, ns: str, name: str, inits: list[dict], app: dict, policy: str = "Always") -> None:
    """A pod with these init containers and one app container, sharing an emptyDir at /work."""
    spec = {"restartPolicy": policy, "initContainers": inits, "containers": [{"name": "app", **app}],
            "volumes": [{"name": "work", "emptyDir": {}}]}
    manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns}, "spec": spec}
    simulator.kubectl("create", "-f", "-", input=json.dumps(manifest).encode(), check=True)


def _wait(simulator, ns: str, name: str, condition: str) -> None:
    simulator.kubectl("wait", "-n", ns, f"pod/{name}", f"--for={condition}", "--timeout=30s", check=True)


def _pod(simulator, ns: str, name: str) -> dict:
    return json.loads(simulator.kubectl("get", "pod", name, "-n", ns, "-o", "json", check=True).stdout)


def _row(simulator, ns: str, name: str) -> list[str]:
    """NAME, READY, STATUS, RESTARTS, AGE as `kubectl get pod` prints them."""
    out = simulator.kubectl("get", "pod", name, "-n", ns, check=True).stdout.decode()
    return re.split(r"\s{2,}", out.splitlines()[1].strip())


def _logs(simulator, ns: str, pod: str, *args: str) -> str:
    return simulator.kubectl("logs", pod, "-n", ns, *args, check=True).stdout.decode()


def _statuses(pod: dict, key: str = "initContainerStatuses") -> dict[str, dict]:
    return {s["name"]: s for s in pod["status"].get(key) or []}


def _condition(pod: dict, kind: str) -> dict:
    return next(c for c in pod["status"]["conditions"] if c["type"] == kind)


def test_app_starts_only_after_the_init_containers_and_status_shows_progress(simulator, ns):
    gate = "until [ -e /work/go ]; do sleep 0.1; done; echo setup-done | tee /work/stamp"
    _create(simulator, ns, "gated", [
        {"name": "setup", "image": BUSYBOX, "command": ["sh", "-c", gate], **WORK},
        {"name": "proxy", "image": BUSYBOX, "restartPolicy": "Always", "command": ["sleep", "3600"]},
    ], {"image": BUSYBOX, "command": ["sh", "-c", "cat /work/stamp && exec sleep 3600"], **WORK})
    _wait(simulator, ns, "gated", "jsonpath={.status.initContainerStatuses[0].started}=true")
    assert _row(simulator, ns, "gated")[1:3] == ["0/2", "Init:0/2"]
    pod = _pod(simulator, ns, "gated")
    assert pod["status"]["phase"] == "Pending"
    assert {k: _condition(pod, "Initialized").get(k) for k in ("status", "reason", "message")} == {
        "status": "False", "reason": "ContainersNotInitialized",
        "message": "containers with incomplete status: [setup proxy]"}
    assert _statuses(pod)["proxy"]["state"] == {"waiting": {"reason": "PodInitializing"}}
    app = _statuses(pod, "containerStatuses")["app"]
    assert app["state"] == {"waiting": {"reason": "PodInitializing"}} and "containerID" not in app

    simulator.kubectl("exec", "gated", "-n", ns, "-c", "setup", "--", "touch", "/work/go", check=True)
    _wait(simulator, ns, "gated", "condition=Ready")
    assert _row(simulator, ns, "gated")[1:4] == ["2/2", "Running", "0"]
    assert _logs(simulator, ns, "gated", "-c", "app") == "setup-done\n"  # the file setup wrote was there
    assert _logs(simulator, ns, "gated", "-c", "setup") == "setup-done\n"
    pod = _pod(simulator, ns, "gated")
    setup, proxy = _statuses(pod)["setup"], _statuses(pod)["proxy"]
    assert setup["state"]["terminated"]["reason"] == "Completed" and (setup["ready"], setup["started"]) == (True, False)
    assert (proxy["ready"], proxy["started"], list(proxy["state"])) == (True, True, ["running"])
    started_app = _statuses(pod, "containerStatuses")["app"]["state"]["running"]["startedAt"]
    assert setup["state"]["terminated"]["finishedAt"] <= proxy["state"]["running"]["startedAt"] <= started_app


def test_a_failing_init_container_is_restarted_with_back_off(simulator, ns):
    once = "if [ -e /work/tried ]; then echo second try; exit 0; fi; touch /work/tried; echo first try; exit 3"
    _create(simulator, ns, "flaky", [{"name": "setup", "image": BUSYBOX, "command": ["sh", "-c", once], **WORK}],
            {"image": DISTROLESS, "env": [{"name": "PORT", "value": "9000"}]})
    _create(simulator, ns, "failing", [{"name": "setup", "image": BUSYBOX, "command": ["sh", "-c", "exit 1"]}],
            {"image": DISTROLESS})
    _wait(simulator, ns, "flaky", "condition=Ready")
    setup = _statuses(_pod(simulator, ns, "flaky"))["setup"]
    assert (setup["restartCount"], setup["state"]["terminated"]["exitCode"]) == (1, 0)
    assert {k: setup["lastState"]["terminated"][k] for k in ("exitCode", "reason")} == {"exitCode": 3, "reason": "Error"}
    assert _logs(simulator, ns, "flaky", "-c", "setup", "--previous") == "first try\n"
    assert _logs(simulator, ns, "flaky", "-c", "setup") == "second try\n"

    _wait(simulator, ns, "failing",
          "jsonpath={.status.initContainerStatuses[0].state.waiting.reason}=CrashLoopBackOff")
    assert _row(simulator, ns, "failing")[1:3] == ["0/1", "Init:CrashLoopBackOff"]
    pod = _pod(simulator, ns, "failing")
    assert pod["status"]["phase"] == "Pending"
    assert _statuses(pod, "containerStatuses")["app"]["state"] == {"waiting": {"reason": "PodInitializing"}}


def test_restart_policy_never_fails_on_init_error_and_stops_sidecars_when_the_app_is_done(simulator, ns):
    sidecar = {"name": "proxy", "image": DISTROLESS, "restartPolicy": "Always"}
    _create(simulator, ns, "broken", [{"name": "setup", "image": BUSYBOX, "command": ["sh", "-c", "exit 2"]}, sidecar],
            {"image": DISTROLESS}, policy="Never")
    _create(simulator, ns, "job", [sidecar], {"image": BUSYBOX, "command": ["sleep", "0.3"]}, policy="Never")
    _wait(simulator, ns, "broken", "jsonpath={.status.phase}=Failed")
    assert _row(simulator, ns, "broken")[1:3] == ["0/2", "Init:Error"]
    pod = _pod(simulator, ns, "broken")
    assert _statuses(pod)["proxy"]["state"] == {"waiting": {"reason": "PodInitializing"}}  # never started

    _wait(simulator, ns, "job", "jsonpath={.status.phase}=Succeeded")
    assert _row(simulator, ns, "job")[1:3] == ["0/2", "Completed"]
    proxy = _statuses(_pod(simulator, ns, "job"))["proxy"]["state"]["terminated"]
    assert (proxy["reason"], proxy["exitCode"]) == ("Completed", 0)  # stopped by the kubelet (SIGTERM)


def test_mesh_demo_counts_its_sidecar_as_ready(simulator):
    assert _row(simulator, "default", "mesh")[:4] == ["mesh", "2/2", "Running", "0"]
    statuses = _statuses(_pod(simulator, "default", "mesh"))
    assert list(statuses) == ["setup", "proxy"]
    assert statuses["setup"]["state"]["terminated"]["reason"] == "Completed"
    assert "running" in statuses["proxy"]["state"] and statuses["proxy"]["ready"]


def test_exec_and_logs_reach_the_sidecar(simulator):
    r = simulator.kubectl("exec", "mesh", "-c", "proxy", "--", "/app", "--exit=7")
    assert r.returncode == 7
    assert r.stderr.decode() == "app: exiting with code 7 as asked\ncommand terminated with exit code 7\n"
    assert _logs(simulator, "default", "mesh", "-c", "proxy") == "listening on :15001\n"


@pytest.mark.parametrize(("target", "seen"), [("proxy", "PORT=15001 PROXY_MODE=sidecar "), ("app", "PORT=8083 ")])
def test_a_debugger_targeting_a_container_sees_that_containers_process(simulator, target, seen):
    argv = ["kubectl", "--cache-dir", str(simulator.cache_dir), "debug", "mesh", "-it", f"--image={BUSYBOX}",
            f"--target={target}", "--profile=general"]
    term = PtyProcess(argv, env=simulator.env())
    try:
        term.expect("If you don't see a command prompt", timeout=60)
        term.send("tr '\\0' '\\n' </proc/1/environ | grep -E '^(PORT|PROXY_MODE)=' | sort | tr '\\n' ' '; "
                  "echo E$((1+1))ND\n")
        term.expect(re.escape(seen) + "E2ND")
        term.send("exit\n")
        term.wait()
    finally:
        term.close()


def test_sidecars_stop_after_the_other_containers_in_reverse_order():
    stopped: list[str] = []
    lock = threading.Lock()

    def record(name: str, delay: float):
        def stop(grace: float) -> int:
            time.sleep(delay)
            with lock:
                stopped.append(name)
            return 0
        return SimpleNamespace(name=name, sidecar=name.startswith("sidecar"), handle=SimpleNamespace(stop=stop))

    stop_in_order([record("sidecar-1", 0), record("sidecar-2", 0), record("app", 0.2), record("debugger", 0.1)], 5)
    assert stopped == ["debugger", "app", "sidecar-2", "sidecar-1"]
