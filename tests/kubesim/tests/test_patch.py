"""PATCH semantics of api.patch: the bodies real clients send, strategic merge directives,
RFC 7386 and RFC 6902, and the apiserver's answers to bad patches."""

from __future__ import annotations

import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, Iterator

import pytest
from kubernetes import client

from tests.kubesim.api.patch import apply_patch
from tests.kubesim.contracts import ApiError

pytestmark = pytest.mark.sim

SMP = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"

DEBUGGER = {"name": "dshell-ab2cd", "image": "busybox:1.36", "targetContainerName": "app", "stdin": True}


def _pod(**spec: Any) -> dict:
    """A stored pod, as the apiserver keeps it after defaulting."""
    pod = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default", "resourceVersion": "7", "labels": {"app": "web", "tier": "front"},
                     "finalizers": ["a/one", "b/two"],
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "u1"}]},
        "spec": {
            "containers": [{"name": "app", "image": "nginx:1.27", "command": ["nginx", "-g", "daemon off;"],
                            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                            "ports": [{"containerPort": 80, "protocol": "TCP"}],
                            "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                            "securityContext": {"runAsUser": 1000, "runAsNonRoot": True}},
                           {"name": "sidecar", "image": "envoy:1"}],
            "volumes": [{"name": "data", "emptyDir": {}}],
            "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}],
        },
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"},
                                                      {"type": "Initialized", "status": "True"}]},
    }
    pod["spec"].update(spec)
    return pod


def _patch(obj: dict, body: Any, content_type: str = SMP) -> dict:
    return apply_patch(obj, json.dumps(body).encode(), content_type)


def _error(obj: dict, body: bytes, content_type: str) -> tuple[int, str, str]:
    with pytest.raises(ApiError) as caught:
        apply_patch(obj, body, content_type)
    return caught.value.code, caught.value.reason, caught.value.message


# -- what real clients send -------------------------------------------------------------------

class _Recorder(BaseHTTPRequestHandler):
    def do_PATCH(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append((self.headers["Content-Type"], body))  # type: ignore[attr-defined]
        answer = json.dumps(_pod()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def python_client_patch() -> Iterator:
    """Send a body with CoreV1Api.patch_namespaced_pod_ephemeralcontainers; return (type, bytes)."""
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    config = client.Configuration()
    config.host = f"http://127.0.0.1:{server.server_address[1]}"
    api = client.CoreV1Api(client.ApiClient(config))

    def send(body: Any) -> tuple[str, bytes]:
        api.patch_namespaced_pod_ephemeralcontainers("web", "default", body)
        return server.requests[-1]  # type: ignore[attr-defined]
    yield send
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.mark.parametrize("existing", [[], [{"name": "dshell-old00", "image": "busybox:1.36"}]])
def test_python_client_dict_body_appends_an_ephemeral_container(python_client_patch, existing: list) -> None:
    content_type, body = python_client_patch({"spec": {"ephemeralContainers": [DEBUGGER]}})
    result = apply_patch(_pod(ephemeralContainers=existing), body, content_type)
    assert content_type == SMP
    # Without $setElementOrder the merge puts items new to the list before the stored ones.
    assert result["spec"]["ephemeralContainers"] == [DEBUGGER] + existing


def test_python_client_list_body_is_a_json_patch_that_needs_an_existing_list(python_client_patch) -> None:
    op = {"op": "add", "path": "/spec/ephemeralContainers/-", "value": DEBUGGER}
    content_type, body = python_client_patch([op])
    assert content_type == JSON_PATCH
    # The stored pod without ephemeral containers has no such list: the add does not apply.
    assert _error(_pod(), body, content_type) == (
        422, "Invalid", "the server rejected our request due to an error in our request")
    old = {"name": "dshell-old00", "image": "busybox:1.36"}
    assert apply_patch(_pod(ephemeralContainers=[old]), body, content_type)["spec"]["ephemeralContainers"] == [old, DEBUGGER]


# kubectl debug (1.32) sends strategicpatch.CreateTwoWayMergePatch(pod, pod + debug container).
KUBECTL_DEBUG_CONTAINER = {"name": "debugger-x7k2p", "image": "busybox", "resources": {},
                           "terminationMessagePolicy": "File", "stdin": True, "tty": True, "targetContainerName": "app"}


@pytest.mark.parametrize("existing, body", [
    ([], {"spec": {"ephemeralContainers": [KUBECTL_DEBUG_CONTAINER]}}),
    ([{"name": "debugger-old00", "image": "busybox"}],
     {"spec": {"$setElementOrder/ephemeralContainers": [{"name": "debugger-old00"}, {"name": "debugger-x7k2p"}],
               "ephemeralContainers": [KUBECTL_DEBUG_CONTAINER]}}),
])
def test_kubectl_debug_patch_adds_its_container_after_the_existing_ones(existing: list, body: dict) -> None:
    result = _patch(_pod(ephemeralContainers=existing), body)
    assert result["spec"]["ephemeralContainers"] == existing + [KUBECTL_DEBUG_CONTAINER]
    assert "$setElementOrder/ephemeralContainers" not in result["spec"]


# -- strategic merge patch --------------------------------------------------------------------

SMP_CASES = [
    ("map keys merge, null deletes", {"metadata": {"labels": {"tier": None, "new": "x"}}},
     ("metadata", "labels"), {"app": "web", "new": "x"}),
    ("env merges by name", {"spec": {"containers": [{"name": "app", "env": [{"name": "B", "value": "b"}, {"name": "C", "value": "3"}]}]}},
     ("spec", "containers", 0, "env"), [{"name": "A", "value": "1"}, {"name": "B", "value": "b"}, {"name": "C", "value": "3"}]),
    ("$patch delete removes a list item", {"spec": {"containers": [{"name": "app", "env": [{"name": "A", "$patch": "delete"}]}]}},
     ("spec", "containers", 0, "env"), [{"name": "B", "value": "2"}]),
    ("$patch replace replaces a list", {"spec": {"containers": [{"name": "app", "env": [{"$patch": "replace"}, {"name": "Z", "value": "9"}]}]}},
     ("spec", "containers", 0, "env"), [{"name": "Z", "value": "9"}]),
    ("$patch replace replaces a map", {"spec": {"containers": [{"name": "app", "securityContext": {"$patch": "replace", "runAsUser": 7}}]}},
     ("spec", "containers", 0, "securityContext"), {"runAsUser": 7}),
    ("$patch delete empties a map", {"spec": {"containers": [{"name": "app", "securityContext": {"$patch": "delete"}}]}},
     ("spec", "containers", 0, "securityContext"), {}),
    ("ports merge by containerPort", {"spec": {"containers": [{"name": "app", "ports": [{"containerPort": 80, "name": "http"}, {"containerPort": 443}]}]}},
     ("spec", "containers", 0, "ports"), [{"containerPort": 80, "protocol": "TCP", "name": "http"}, {"containerPort": 443}]),
    ("volumeMounts merge by mountPath", {"spec": {"containers": [{"name": "app", "volumeMounts": [{"mountPath": "/data", "readOnly": True}]}]}},
     ("spec", "containers", 0, "volumeMounts"), [{"name": "data", "mountPath": "/data", "readOnly": True}]),
    ("command is replaced whole", {"spec": {"containers": [{"name": "app", "command": ["sh"]}]}},
     ("spec", "containers", 0, "command"), ["sh"]),
    ("tolerations are replaced whole", {"spec": {"tolerations": [{"key": "other", "operator": "Exists"}]}},
     ("spec", "tolerations"), [{"key": "other", "operator": "Exists"}]),
    ("$retainKeys drops the other volume source", {"spec": {"volumes": [{"name": "data", "$retainKeys": ["name", "configMap"], "configMap": {"name": "cm"}}]}},
     ("spec", "volumes"), [{"name": "data", "configMap": {"name": "cm"}}]),
    ("finalizers merge as a set, patch items first", {"metadata": {"finalizers": ["c/three", "a/one"]}},
     ("metadata", "finalizers"), ["c/three", "a/one", "b/two"]),
    ("$deleteFromPrimitiveList", {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a/one"]}},
     ("metadata", "finalizers"), ["b/two"]),
    ("ownerReferences merge by uid", {"metadata": {"ownerReferences": [{"uid": "u1", "controller": True}]}},
     ("metadata", "ownerReferences", 0, "controller"), True),
    ("conditions merge by type", {"status": {"conditions": [{"type": "Ready", "status": "False"}]}},
     ("status", "conditions"), [{"type": "Ready", "status": "False"}, {"type": "Initialized", "status": "True"}]),
    ("$setElementOrder reorders a list", {"spec": {"$setElementOrder/containers": [{"name": "sidecar"}, {"name": "app"}]}},
     ("spec", "containers", 0, "name"), "sidecar"),
    ("a new field keeps no nulls", {"spec": {"affinity": {"nodeAffinity": None, "podAffinity": {}}}},
     ("spec", "affinity"), {"podAffinity": {}}),
]


def _at(obj: Any, path: tuple) -> Any:
    for step in path:
        obj = obj[step]
    return obj


@pytest.mark.parametrize("name, body, path, expected", SMP_CASES, ids=[c[0] for c in SMP_CASES])
def test_strategic_merge(name: str, body: dict, path: tuple, expected: Any) -> None:
    assert _at(_patch(_pod(), body), path) == expected


def test_patching_returns_a_new_object_and_leaves_the_stored_one_alone() -> None:
    stored = _pod()
    before = copy.deepcopy(stored)
    result = _patch(stored, {"spec": {"containers": [{"name": "app", "image": "nginx:2"}]}})
    assert stored == before
    assert result["spec"]["containers"][0]["image"] == "nginx:2"


BAD_SMP = [
    (b'{"spec": {"containers": [{"image": "x"}]}}', 500, "",
     "map: map[image:x] does not contain declared merge key: name"),
    (b'{"spec": {"containers": [{"name": "app", "$patch": "sideways"}]}}', 500, "",
     "unknown patch type: sideways in map: map[$patch:sideways name:app]"),
    (b'{"spec": {"volumes": [{"name": "data", "$retainKeys": "name"}]}}', 400, "BadRequest",
     "invalid patch format of retainKeys"),
    (b'{"spec": ', 400, "BadRequest", "unexpected end of JSON input"),
    (b'{"spec" {}}', 400, "BadRequest", "invalid character '{' after object key"),
    (b'{"a": 1 "b": 2}', 400, "BadRequest", "invalid character '\"' after object key:value pair"),
    (b'{"a": [1 2]}', 400, "BadRequest", "invalid character '2' after array element"),
    (b"{'a': 1}", 400, "BadRequest", "invalid character '\\'' looking for beginning of object key string"),
    (b'{} x', 400, "BadRequest", "invalid character 'x' after top-level value"),
    (b'["spec"]', 400, "BadRequest", "json: cannot unmarshal array into Go value of type map[string]interface {}"),
]


@pytest.mark.parametrize("body, code, reason, message", BAD_SMP)
def test_bad_strategic_patches_get_the_apiservers_answer(body: bytes, code: int, reason: str, message: str) -> None:
    assert _error(_pod(), body, SMP) == (code, reason, message)


# -- JSON merge patch (RFC 7386) --------------------------------------------------------------

def test_merge_patch_merges_maps_and_replaces_lists() -> None:
    result = _patch(_pod(), {"metadata": {"labels": {"app": None, "x": "y"}},
                             "spec": {"containers": [{"name": "only"}], "nodeName": "n1"}}, MERGE)
    assert result["metadata"]["labels"] == {"tier": "front", "x": "y"}
    assert result["spec"]["containers"] == [{"name": "only"}]
    assert result["spec"]["nodeName"] == "n1"


def test_merge_patch_of_a_missing_map_keeps_no_nulls() -> None:
    result = _patch(_pod(), {"spec": {"affinity": {"nodeAffinity": None, "podAffinity": {"x": 1}}}}, MERGE)
    assert result["spec"]["affinity"] == {"podAffinity": {"x": 1}}


@pytest.mark.parametrize("body", [b'{"a":', b'"text"', b"null"])
def test_merge_patch_that_is_not_an_object_is_a_bad_request(body: bytes) -> None:
    assert _error(_pod(), body, MERGE) == (400, "BadRequest", "Invalid JSON Patch")


def test_merge_patch_that_is_an_array_cannot_become_a_pod() -> None:
    code, reason, message = _error(_pod(), b"[1]", MERGE)
    assert (code, reason) == (422, "Invalid")
    assert message.startswith(' "" is invalid: patch: Invalid value: "[1]": couldn\'t get version/kind;')


# -- JSON patch (RFC 6902) --------------------------------------------------------------------

JSON_PATCH_CASES = [
    ("add to a map", [{"op": "add", "path": "/metadata/labels/x", "value": "y"}], ("metadata", "labels", "x"), "y"),
    ("add at an index", [{"op": "add", "path": "/spec/containers/0/env/1", "value": {"name": "M"}}],
     ("spec", "containers", 0, "env"), [{"name": "A", "value": "1"}, {"name": "M"}, {"name": "B", "value": "2"}]),
    ("append with -", [{"op": "add", "path": "/metadata/finalizers/-", "value": "z/last"}],
     ("metadata", "finalizers"), ["a/one", "b/two", "z/last"]),
    ("remove", [{"op": "remove", "path": "/metadata/labels/tier"}], ("metadata", "labels"), {"app": "web"}),
    ("replace", [{"op": "replace", "path": "/spec/containers/1/image", "value": "envoy:2"}],
     ("spec", "containers", 1, "image"), "envoy:2"),
    ("move", [{"op": "move", "from": "/metadata/labels/tier", "path": "/metadata/labels/layer"}],
     ("metadata", "labels"), {"app": "web", "layer": "front"}),
    ("copy", [{"op": "copy", "from": "/spec/containers/0/image", "path": "/spec/containers/1/image"}],
     ("spec", "containers", 1, "image"), "nginx:1.27"),
    ("test then act", [{"op": "test", "path": "/metadata/name", "value": "web"},
                       {"op": "add", "path": "/metadata/labels/t", "value": "ok"}], ("metadata", "labels", "t"), "ok"),
    ("escaped pointer", [{"op": "add", "path": "/metadata/annotations", "value": {}},
                         {"op": "add", "path": "/metadata/annotations/example.com~1a~0b", "value": "v"}],
     ("metadata", "annotations"), {"example.com/a~b": "v"}),
]


@pytest.mark.parametrize("name, ops, path, expected", JSON_PATCH_CASES, ids=[c[0] for c in JSON_PATCH_CASES])
def test_json_patch(name: str, ops: list, path: tuple, expected: Any) -> None:
    assert _at(_patch(_pod(), ops, JSON_PATCH), path) == expected


@pytest.mark.parametrize("ops", [
    [{"op": "test", "path": "/metadata/name", "value": "other"}],
    [{"op": "remove", "path": "/metadata/labels/missing"}],
    [{"op": "replace", "path": "/spec/nodeName", "value": "n"}],
    [{"op": "add", "path": "/spec/containers/5", "value": {}}],
    [{"op": "add", "path": "/no/such/parent", "value": 1}],
    [{"op": "frobnicate", "path": "/metadata"}],
    [{"op": "add", "value": 1}],
])
def test_json_patch_op_that_does_not_apply_is_invalid(ops: list) -> None:
    assert _error(_pod(), json.dumps(ops).encode(), JSON_PATCH) == (
        422, "Invalid", "the server rejected our request due to an error in our request")


@pytest.mark.parametrize("body, message", [
    (b'{"op": "add"}', "json: cannot unmarshal object into Go value of type jsonpatch.Patch"),
    (b'["add"]', "json: cannot unmarshal string into Go value of type jsonpatch.Operation"),
    (b"[", "unexpected end of JSON input"),
])
def test_undecodable_json_patch_is_a_bad_request(body: bytes, message: str) -> None:
    assert _error(_pod(), body, JSON_PATCH) == (400, "BadRequest", message)


# -- content types ----------------------------------------------------------------------------

def test_content_type_parameters_are_ignored() -> None:
    result = apply_patch(_pod(), b'{"metadata": {"labels": {"x": "1"}}}', f"{SMP}; charset=utf-8")
    assert result["metadata"]["labels"]["x"] == "1"


def test_unknown_content_type_is_unsupported_media_type() -> None:
    assert _error(_pod(), b"{}", "application/json") == (
        415, "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, "
        "application/apply-patch+yaml")
