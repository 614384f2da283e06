"""Pod defaulting and validation of api.pods, with the apiserver's messages."""

from __future__ import annotations

import copy
import re
from typing import Any, Callable

import pytest

from tests.kubesim.api.pods import (
    default_pod,
    update_ephemeral_containers,
    validate_pod_create,
    validate_pod_update,
)
from tests.kubesim.contracts import ApiError

pytestmark = pytest.mark.sim

LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
             "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
             "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
                 "must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")


def _new_pod(**spec: Any) -> dict:
    pod = {"metadata": {"name": "web", "namespace": "default"},
           "spec": {"containers": [{"name": "app", "image": "registry.example/app:1.2"}], **spec}}
    return pod


def _created(**spec: Any) -> dict:
    """A pod as the apiserver stores it after a create."""
    pod = _new_pod(**spec)
    default_pod(pod)
    validate_pod_create(pod)
    return pod


def _rejection(call: Callable[[], Any]) -> ApiError:
    with pytest.raises(ApiError) as caught:
        call()
    return caught.value


# -- defaulting -------------------------------------------------------------------------------

def test_create_defaults_the_pod_as_the_apiserver_does() -> None:
    pod = _created()
    spec = pod["spec"]
    assert {k: spec[k] for k in ("restartPolicy", "dnsPolicy", "schedulerName", "terminationGracePeriodSeconds",
                                 "securityContext", "serviceAccountName", "serviceAccount", "enableServiceLinks",
                                 "priority", "preemptionPolicy")} == {
        "restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "schedulerName": "default-scheduler",
        "terminationGracePeriodSeconds": 30, "securityContext": {}, "serviceAccountName": "default",
        "serviceAccount": "default", "enableServiceLinks": True, "priority": 0,
        "preemptionPolicy": "PreemptLowerPriority"}
    assert spec["tolerations"] == [
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]
    assert pod["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


def test_containers_get_their_defaults() -> None:
    spec = _created(containers=[{"name": "app", "image": "app:1", "ports": [{"containerPort": 8080}],
                                 "env": [{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                                 "livenessProbe": {"httpGet": {"port": 8080}}}])["spec"]
    ctr = spec["containers"][0]
    assert (ctr["terminationMessagePath"], ctr["terminationMessagePolicy"], ctr["resources"]) == (
        "/dev/termination-log", "File", {})
    assert ctr["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]
    assert ctr["env"][0]["valueFrom"]["fieldRef"] == {"fieldPath": "metadata.name", "apiVersion": "v1"}
    assert ctr["livenessProbe"] == {"httpGet": {"port": 8080, "path": "/", "scheme": "HTTP"}, "timeoutSeconds": 1,
                                    "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}


@pytest.mark.parametrize("image, policy", [
    ("busybox", "Always"),
    ("busybox:latest", "Always"),
    ("docker.io/library/busybox:1.36", "IfNotPresent"),
    ("localhost:5000/tools/busybox", "Always"),
    ("busybox@sha256:" + "a" * 64, "IfNotPresent"),
    ("busybox:1.36@sha256:" + "a" * 64, "IfNotPresent"),
    ("BusyBox", "IfNotPresent"),  # not a valid reference: no tag found, so not "latest"
])
def test_image_pull_policy_follows_the_tag(image: str, policy: str) -> None:
    assert _created(containers=[{"name": "app", "image": image}])["spec"]["containers"][0]["imagePullPolicy"] == policy


def test_service_account_token_is_mounted_in_init_and_regular_containers() -> None:
    spec = _created(initContainers=[{"name": "init", "image": "app:1"}])["spec"]
    volume = spec["volumes"][-1]
    assert re.fullmatch(r"kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}", volume["name"])
    assert volume["projected"]["defaultMode"] == 420
    assert volume["projected"]["sources"][0] == {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}
    mount = {"name": volume["name"], "readOnly": True, "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}
    assert spec["initContainers"][0]["volumeMounts"] == [mount]
    assert spec["containers"][0]["volumeMounts"] == [mount]


@pytest.mark.parametrize("spec", [
    {"automountServiceAccountToken": False},
    {"containers": [{"name": "app", "image": "app:1",
                     "volumeMounts": [{"name": "own", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}]}],
     "volumes": [{"name": "own", "emptyDir": {}}]},
])
def test_no_token_volume_when_opted_out_or_the_path_is_taken(spec: dict) -> None:
    names = [v["name"] for v in _created(**spec)["spec"].get("volumes", [])]
    assert not any(name.startswith("kube-api-access-") for name in names)


def test_volumes_get_default_sources_and_modes() -> None:
    volumes = _created(volumes=[{"name": "scratch"}, {"name": "cfg", "configMap": {"name": "c"}},
                                {"name": "sec", "secret": {"secretName": "s", "defaultMode": 256}}],
                       automountServiceAccountToken=False)["spec"]["volumes"]
    assert volumes == [{"name": "scratch", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "c", "defaultMode": 420}},
                       {"name": "sec", "secret": {"secretName": "s", "defaultMode": 256}}]


def test_an_existing_not_ready_toleration_is_kept_and_only_unreachable_added() -> None:
    mine = {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 5}
    assert [t["key"] for t in _created(tolerations=[mine])["spec"]["tolerations"]] == [
        "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]


@pytest.mark.parametrize("resources, qos", [
    ({}, "BestEffort"),
    ({"requests": {"cpu": "100m"}}, "Burstable"),
    ({"limits": {"cpu": "1", "memory": "64Mi"}}, "Guaranteed"),
    ({"requests": {"cpu": "500m", "memory": "64Mi"}, "limits": {"cpu": "1", "memory": "64Mi"}}, "Burstable"),
    ({"requests": {"cpu": "1000m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1024Mi"}}, "Guaranteed"),
])
def test_qos_class(resources: dict, qos: str) -> None:
    assert _created(containers=[{"name": "app", "image": "app:1", "resources": resources}])["status"]["qosClass"] == qos


def test_unknown_priority_class_is_forbidden() -> None:
    error = _rejection(lambda: default_pod(_new_pod(priorityClassName="gold")))
    assert (error.code, error.reason, error.message) == (
        403, "Forbidden", 'pods "web" is forbidden: no PriorityClass with name gold was found')


# -- create validation ------------------------------------------------------------------------

CREATE_ERRORS = [
    ("invalid name", lambda p: p["metadata"].update(name="Web_1"),
     f'Pod "Web_1" is invalid: metadata.name: Invalid value: "Web_1": {SUBDOMAIN_MSG}'),
    ("no containers", lambda p: p["spec"].update(containers=[]),
     'Pod "web" is invalid: spec.containers: Required value'),
    ("no image", lambda p: p["spec"]["containers"][0].pop("image"),
     'Pod "web" is invalid: spec.containers[0].image: Required value'),
    ("bad container name", lambda p: p["spec"]["containers"][0].update(name="App"),
     f'Pod "web" is invalid: spec.containers[0].name: Invalid value: "App": {LABEL_MSG}'),
    ("restart policy", lambda p: p["spec"].update(restartPolicy="Sometimes"),
     'Pod "web" is invalid: spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", '
     '"OnFailure", "Never"'),
    ("negative runAsUser", lambda p: p["spec"]["containers"][0].update(securityContext={"runAsUser": -1}),
     'Pod "web" is invalid: spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and '
     '2147483647, inclusive'),
    ("mount of a missing volume", lambda p: p["spec"]["containers"][0].update(volumeMounts=[{"name": "nope", "mountPath": "/x"}]),
     'Pod "web" is invalid: spec.containers[0].volumeMounts[0].name: Not found: "nope"'),
    ("pull policy", lambda p: p["spec"]["containers"][0].update(imagePullPolicy="Sometimes"),
     'Pod "web" is invalid: spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: '
     '"Always", "IfNotPresent", "Never"'),
    ("image whitespace", lambda p: p["spec"]["containers"][0].update(image=" app:1"),
     'Pod "web" is invalid: spec.containers[0].image: Invalid value: " app:1": must not have leading or trailing whitespace'),
    ("seccomp type", lambda p: p["spec"].update(securityContext={"seccompProfile": {"type": "Strict"}}),
     'Pod "web" is invalid: spec.securityContext.seccompProfile.type: Unsupported value: "Strict": supported values: '
     '"Localhost", "RuntimeDefault", "Unconfined"'),
    ("privileged without escalation", lambda p: p["spec"]["containers"][0].update(
        securityContext={"privileged": True, "allowPrivilegeEscalation": False}),
     'Pod "web" is invalid: spec.containers[0].securityContext: Invalid value: {"privileged":true,'
     '"allowPrivilegeEscalation":false}: cannot set `allowPrivilegeEscalation` to false and `privileged` to true'),
    ("ephemeral containers on create", lambda p: p["spec"].update(ephemeralContainers=[{"name": "dbg", "image": "busybox"}]),
     'Pod "web" is invalid: spec.ephemeralContainers: Forbidden: cannot be set on create'),
    ("duplicate volume", lambda p: p["spec"].update(volumes=[{"name": "v", "emptyDir": {}}, {"name": "v"}]),
     'Pod "web" is invalid: spec.volumes[1].name: Duplicate value: "v"'),
]


@pytest.mark.parametrize("name, mutate, message", CREATE_ERRORS, ids=[c[0] for c in CREATE_ERRORS])
def test_create_is_rejected_with_the_apiservers_message(name: str, mutate: Callable, message: str) -> None:
    pod = _new_pod()
    mutate(pod)
    default_pod(pod)
    error = _rejection(lambda: validate_pod_create(pod))
    assert (error.code, error.reason, error.message) == (422, "Invalid", message)


def test_several_errors_are_listed_in_brackets_with_one_cause_each() -> None:
    pod = _new_pod(containers=[{"name": "app", "image": ""}, {"name": "app", "image": "x"}])
    default_pod(pod)
    error = _rejection(lambda: validate_pod_create(pod))
    assert error.message == ('Pod "web" is invalid: [spec.containers[0].image: Required value, '
                             'spec.containers[1].name: Duplicate value: "app"]')
    assert error.details == {"name": "web", "kind": "Pod", "causes": [
        {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.containers[0].image"},
        {"reason": "FieldValueDuplicate", "message": 'Duplicate value: "app"', "field": "spec.containers[1].name"}]}


# -- plain updates ----------------------------------------------------------------------------

def test_update_may_change_images_and_metadata_and_keeps_the_status() -> None:
    old = _created()
    old["status"] = {"phase": "Running"}
    new = copy.deepcopy(old)
    new["spec"]["containers"][0]["image"] = "registry.example/app:1.3"
    new["metadata"]["labels"] = {"debugged": "yes"}
    new["status"] = {"phase": "Failed"}
    stored = validate_pod_update(old, new)
    assert stored["spec"]["containers"][0]["image"] == "registry.example/app:1.3"
    assert stored["metadata"]["labels"] == {"debugged": "yes"}
    assert stored["status"] == {"phase": "Running"}


UPDATABLE = ("`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
             "`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
             "(allow it to be set to 1 if it was previously negative)")

UPDATE_ERRORS = [
    ("changed port", lambda s: s["containers"][0].update(ports=[{"containerPort": 81}]),
     f'Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than {UPDATABLE}\n'),
    ("ephemeral containers through a plain update", lambda s: s.update(ephemeralContainers=[{"name": "dbg", "image": "busybox"}]),
     f'Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than {UPDATABLE}\n'),
    ("added container", lambda s: s["containers"].append({"name": "two", "image": "x"}),
     'Pod "web" is invalid: spec.containers: Forbidden: pod updates may not add or remove containers'),
    ("longer deadline", lambda s: s.update(activeDeadlineSeconds=600),
     'Pod "web" is invalid: spec.activeDeadlineSeconds: Invalid value: 600: must be less than or equal to previous value'),
    ("changed toleration", lambda s: s["tolerations"][0].update(effect="NoSchedule"),
     'Pod "web" is invalid: spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds'),
]


@pytest.mark.parametrize("name, mutate, message", UPDATE_ERRORS, ids=[c[0] for c in UPDATE_ERRORS])
def test_update_of_other_fields_is_rejected(name: str, mutate: Callable, message: str) -> None:
    old = _created(activeDeadlineSeconds=300)
    new = copy.deepcopy(old)
    mutate(new["spec"])
    error = _rejection(lambda: validate_pod_update(old, new))
    assert error.code == 422
    assert error.message.startswith(message)


def test_update_may_add_tolerations_and_lower_the_deadline() -> None:
    old = _created(activeDeadlineSeconds=300)
    new = copy.deepcopy(old)
    new["spec"]["tolerations"].append({"key": "maintenance", "operator": "Exists"})
    new["spec"]["activeDeadlineSeconds"] = 60
    assert validate_pod_update(old, new)["spec"]["activeDeadlineSeconds"] == 60


# -- the ephemeralcontainers subresource ------------------------------------------------------

def _with_debugger(old: dict, **container: Any) -> dict:
    new = copy.deepcopy(old)
    new["spec"].setdefault("ephemeralContainers", []).append(
        {"name": "dshell-ab2cd", "image": "busybox:1.36", "targetContainerName": "app", **container})
    return new


def test_adding_an_ephemeral_container_takes_only_that_from_the_request() -> None:
    old = _created()
    new = _with_debugger(old, stdin=True, tty=True)
    new["spec"]["containers"][0]["image"] = "ignored:2"
    new["metadata"]["labels"] = {"ignored": "yes"}
    new["metadata"]["resourceVersion"] = "42"
    stored = update_ephemeral_containers(old, new)
    assert stored["spec"]["containers"] == old["spec"]["containers"]
    assert "labels" not in stored["metadata"] and stored["metadata"]["resourceVersion"] == "42"
    assert stored["spec"]["ephemeralContainers"] == [{
        "name": "dshell-ab2cd", "image": "busybox:1.36", "targetContainerName": "app", "stdin": True, "tty": True,
        "imagePullPolicy": "IfNotPresent", "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File", "resources": {}}]


EPHEMERAL_ERRORS = [
    ("forbidden fields", {"ports": [{"containerPort": 80}], "resources": {"limits": {"cpu": "1"}},
                          "readinessProbe": {"exec": {"command": ["true"]}}},
     '[spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container, '
     'spec.ephemeralContainers[0].resources: Forbidden: cannot be set for an Ephemeral Container, '
     'spec.ephemeralContainers[0].readinessProbe: Forbidden: cannot be set for an Ephemeral Container]'),
    ("name taken by a container", {"name": "app"},
     'spec.ephemeralContainers[0].name: Duplicate value: "app"'),
    ("no name", {"name": ""},
     'spec.ephemeralContainers[0].name: Required value'),
    ("bad name", {"name": "Debug"},
     f'spec.ephemeralContainers[0].name: Invalid value: "Debug": {LABEL_MSG}'),
    ("no image", {"image": ""},
     'spec.ephemeralContainers[0].image: Required value'),
    ("unknown target", {"targetContainerName": "db"},
     'spec.ephemeralContainers[0].targetContainerName: Not found: "db"'),
    ("mount of a missing volume with a subPath", {"volumeMounts": [{"name": "nope", "mountPath": "/x", "subPath": "a"}]},
     '[spec.ephemeralContainers[0].volumeMounts[0].name: Not found: "nope", '
     'spec.ephemeralContainers[0].volumeMounts[0].subPath: Forbidden: cannot be set for an Ephemeral Container]'),
    ("negative runAsUser", {"securityContext": {"runAsUser": -5}},
     'spec.ephemeralContainers[0].securityContext.runAsUser: Invalid value: -5: must be between 0 and 2147483647, inclusive'),
]


@pytest.mark.parametrize("name, fields, errors", EPHEMERAL_ERRORS, ids=[c[0] for c in EPHEMERAL_ERRORS])
def test_invalid_ephemeral_container_is_rejected(name: str, fields: dict, errors: str) -> None:
    old = _created()
    error = _rejection(lambda: update_ephemeral_containers(old, _with_debugger(old, **fields)))
    assert (error.code, error.reason, error.message) == (422, "Invalid", f'Pod "web" is invalid: {errors}')


def test_ephemeral_container_may_target_an_init_container() -> None:
    old = _created(initContainers=[{"name": "setup", "image": "app:1"}])
    stored = update_ephemeral_containers(old, _with_debugger(old, targetContainerName="setup"))
    assert stored["spec"]["ephemeralContainers"][0]["targetContainerName"] == "setup"


def test_existing_ephemeral_containers_can_be_neither_removed_nor_changed() -> None:
    old = update_ephemeral_containers(_created(), _with_debugger(_created()))
    removed = copy.deepcopy(old)
    removed["spec"]["ephemeralContainers"] = []
    changed = copy.deepcopy(old)
    changed["spec"]["ephemeralContainers"][0]["image"] = "busybox:1.37"
    assert _rejection(lambda: update_ephemeral_containers(old, removed)).message == (
        'Pod "web" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers "dshell-ab2cd" '
        'may not be removed\n')
    assert _rejection(lambda: update_ephemeral_containers(old, changed)).message.startswith(
        'Pod "web" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers "dshell-ab2cd" '
        'may not be changed\n')


def test_static_pods_take_no_ephemeral_containers() -> None:
    old = _created()
    old["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "abc"}
    error = _rejection(lambda: update_ephemeral_containers(old, _with_debugger(old)))
    assert error.message == 'Pod "web" is invalid: : Forbidden: static pods do not support ephemeral containers'
