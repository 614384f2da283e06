"""The official Python client against the API server: CRUD, watch, errors, ephemeral containers."""

from __future__ import annotations

import threading

import pytest
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

from tests.kubesim.api.auth import Rule


@pytest.fixture(scope="module")
def core(api):
    api_client = config.new_client_from_config(config_file=str(api.kubeconfig))
    yield client.CoreV1Api(api_client)
    api_client.close()


def _pod(name: str, **annotations: str) -> client.V1Pod:
    return client.V1Pod(metadata=client.V1ObjectMeta(name=name, annotations=annotations or None),
                        spec=client.V1PodSpec(containers=[client.V1Container(name="app", image="nginx")]))


def test_watch_from_a_resource_version_sees_a_later_change(core):
    core.create_namespaced_pod("default", _pod("watched"))
    listed = core.list_namespaced_pod("default", field_selector="metadata.name=watched")
    seen: list[tuple[str, str]] = []

    def follow() -> None:
        stream = watch.Watch().stream(core.list_namespaced_pod, "default", field_selector="metadata.name=watched",
                                      resource_version=listed.metadata.resource_version, timeout_seconds=5)
        for event in stream:
            seen.append((event["type"], (event["object"].metadata.labels or {}).get("step", "")))
            if len(seen) == 1:
                return

    watcher = threading.Thread(target=follow)
    watcher.start()
    core.patch_namespaced_pod("watched", "default", {"metadata": {"labels": {"step": "two"}}})
    watcher.join(10)
    assert seen == [("MODIFIED", "two")]


def test_create_with_a_taken_name_is_already_exists(core):
    core.create_namespaced_pod("default", _pod("twice"))
    with pytest.raises(ApiException) as err:
        core.create_namespaced_pod("default", _pod("twice"))
    assert err.value.status == 409 and '"reason":"AlreadyExists"' in err.value.body.replace(" ", "")


def test_a_missing_namespace_is_not_found(core):
    with pytest.raises(ApiException) as err:
        core.create_namespaced_pod("nowhere", _pod("lost"))
    assert err.value.status == 404 and 'namespaces \\"nowhere\\" not found' in err.value.body


def test_a_new_namespace_has_its_label_and_default_service_account(core):
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="team-a")))
    namespace = core.read_namespace("team-a")
    assert namespace.metadata.labels == {"kubernetes.io/metadata.name": "team-a"}
    assert namespace.status.phase == "Active"
    assert [sa.metadata.name for sa in core.list_namespaced_service_account("team-a").items] == ["default"]


def test_ephemeral_container_patch(core):
    core.create_namespaced_pod("default", _pod("debugged"))
    body = {"spec": {"ephemeralContainers": [{"name": "dbg", "image": "busybox:1.36.1", "targetContainerName": "app"}]}}
    patched = core.patch_namespaced_pod_ephemeralcontainers("debugged", "default", body)
    assert [c.name for c in patched.spec.ephemeral_containers] == ["dbg"]
    assert core.read_namespaced_pod("debugged", "default").spec.ephemeral_containers[0].target_container_name == "app"


def test_ephemeral_containers_of_a_static_pod_are_refused(core):
    core.create_namespaced_pod("default", _pod("static-web", **{"kubernetes.io/config.mirror": "abc"}))
    body = {"spec": {"ephemeralContainers": [{"name": "dbg", "image": "busybox"}]}}
    with pytest.raises(ApiException) as err:
        core.patch_namespaced_pod_ephemeralcontainers("static-web", "default", body)
    assert err.value.status == 422
    assert 'Pod \\"static-web\\" is invalid: ' in err.value.body
    assert "Forbidden: static pods do not support ephemeral containers" in err.value.body


def test_a_stale_resource_version_on_the_subresource_conflicts(core):
    pod = core.create_namespaced_pod("default", _pod("raced"))
    core.patch_namespaced_pod("raced", "default", {"metadata": {"labels": {"moved": "on"}}})
    body = {"metadata": {"resourceVersion": pod.metadata.resource_version},
            "spec": {"ephemeralContainers": [{"name": "dbg", "image": "busybox"}]}}
    with pytest.raises(ApiException) as err:
        core.patch_namespaced_pod_ephemeralcontainers("raced", "default", body)
    assert err.value.status == 409
    assert ('Operation cannot be fulfilled on pods \\"raced\\": the object has been modified; please apply your '
            'changes to the latest version and try again') in err.value.body


def test_forbidden_subresource_patch_names_the_subresource(api, core, tmp_path):
    core.create_namespaced_pod("default", _pod("guarded"))
    reader = api.user_kubeconfig("reader-token", "carol", [Rule(["get"], ["pods"])])
    limited = client.CoreV1Api(config.new_client_from_config(config_file=str(reader)))
    body = {"spec": {"ephemeralContainers": [{"name": "dbg", "image": "busybox"}]}}
    with pytest.raises(ApiException) as err:
        limited.patch_namespaced_pod_ephemeralcontainers("guarded", "default", body)
    assert err.value.status == 403
    assert ('pods \\"guarded\\" is forbidden: User \\"carol\\" cannot patch resource \\"pods/ephemeralcontainers\\" '
            'in API group \\"\\" in the namespace \\"default\\"') in err.value.body
    limited.api_client.close()


def test_graceful_delete_of_a_scheduled_pod_marks_it_for_the_kubelet(api, core):
    core.create_namespaced_pod("default", _pod("leaving"))
    deleted = core.delete_namespaced_pod("leaving", "default", grace_period_seconds=7)
    assert deleted.metadata.deletion_grace_period_seconds == 7 and deleted.metadata.deletion_timestamp
    api.store.delete("pods", "default", "leaving")  # what the kubelet does once the containers stopped
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod("leaving", "default")
    assert err.value.status == 404


def test_log_of_a_container(core):
    core.create_namespaced_pod("default", _pod("logged"))
    assert core.read_namespaced_pod_log("logged", "default") == "log of default/logged/app\n"
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod_log("logged", "default", container="nope")
    assert err.value.status == 400 and "container nope is not valid for pod logged" in err.value.body
