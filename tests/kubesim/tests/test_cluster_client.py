"""The simulator as the official Python client meets it: get, ephemeral-container patch, watch, exec."""

from __future__ import annotations

import secrets

import pytest
from kubernetes import client, config, watch
from kubernetes.stream import stream


@pytest.fixture(scope="module")
def core(simulator):
    api_client = config.new_client_from_config(config_file=str(simulator.kubeconfig))
    yield client.CoreV1Api(api_client)
    api_client.close()


def test_get_pod(core):
    pod = core.read_namespaced_pod("web", "default")
    assert pod.status.phase == "Running"
    assert pod.spec.containers[0].image == "gcr.io/distroless/static-debian12:nonroot"
    assert pod.status.container_statuses[0].container_id.startswith("containerd://")


def test_ephemeral_container_patch_then_watch_until_running(core):
    name = "dbg-" + secrets.token_hex(3)
    body = {"spec": {"ephemeralContainers": [{
        "name": name, "image": "busybox:1.36.1", "command": ["sleep", "3600"], "targetContainerName": "app",
    }]}}
    patched = core.patch_namespaced_pod_ephemeralcontainers("root-app", "default", body)
    assert name in [c.name for c in patched.spec.ephemeral_containers]
    w = watch.Watch()
    state = None
    for event in w.stream(core.list_namespaced_pod, "default", field_selector="metadata.name=root-app",
                          resource_version=patched.metadata.resource_version, timeout_seconds=30):
        statuses = event["object"].status.ephemeral_container_statuses or []
        state = next((s.state for s in statuses if s.name == name), None)
        if state is not None and state.running:
            w.stop()
    assert state is not None and state.running, state


def test_ephemeral_containers_are_append_only(core):
    name = "dbg-" + secrets.token_hex(3)
    body = {"spec": {"ephemeralContainers": [{"name": name, "image": "busybox:1.36.1", "command": ["true"]}]}}
    pod = core.patch_namespaced_pod_ephemeralcontainers("root-app", "default", body)
    index = [c.name for c in pod.spec.ephemeral_containers].index(name)
    for change in ([{"op": "remove", "path": f"/spec/ephemeralContainers/{index}"}],
                   [{"op": "replace", "path": f"/spec/ephemeralContainers/{index}/image", "value": "busybox"}]):
        with pytest.raises(client.ApiException) as err:
            core.patch_namespaced_pod_ephemeralcontainers("root-app", "default", change)
        assert err.value.status == 422, err.value.body


def test_exec_v5_stdin_close_gives_eof(core):
    resp = stream(core.connect_get_namespaced_pod_exec, "two", "default", container="sidecar",
                  command=["sh", "-c", "wc -c; exit 4"], stdin=True, stdout=True, stderr=True, tty=False,
                  _preload_content=False)
    resp.write_stdin("12345")
    resp.close_channel(0)
    resp.run_forever(timeout=20)
    assert resp.read_stdout().strip() == "5"
    assert resp.returncode == 4
    resp.close()
