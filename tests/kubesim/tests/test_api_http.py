"""The API server on the wire: tables, discovery, streams' errors, watch details, plain http, stopping."""

from __future__ import annotations

import http.client
import json
import ssl
import time
from urllib.parse import urlsplit

from tests.kubesim.api.auth import Rule

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
WEBSOCKET = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
             "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol": "v5.channel.k8s.io"}


def _connect(api) -> http.client.HTTPConnection:
    parts = urlsplit(api.server.url)
    if parts.scheme == "http":
        return http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    context = ssl.create_default_context(cafile=str(api.server.ca_path))
    return http.client.HTTPSConnection(parts.hostname, parts.port, timeout=10, context=context)


def _request(api, method: str, path: str, body: dict | None = None, token: str | None = None,
             **headers: str) -> tuple[int, dict, bytes]:
    conn = _connect(api)
    headers = {"Authorization": f"Bearer {token or api.server.admin_token}", "Content-Type": "application/json",
               **{k.replace("_", "-"): v for k, v in headers.items()}}
    conn.request(method, path, json.dumps(body).encode() if body is not None else None, headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), data


def _create_pod(api, name: str, **spec: object) -> None:
    pod = {"metadata": {"name": name}, "spec": {"containers": [{"name": "app", "image": "nginx"}], **spec}}
    status, _, data = _request(api, "POST", "/api/v1/namespaces/default/pods", pod)
    assert status == 201, data


def test_a_table_of_pods(api):
    _create_pod(api, "tabled")
    status, headers, data = _request(api, "GET", "/api/v1/namespaces/default/pods", Accept=TABLE)
    table = json.loads(data)
    assert status == 200 and headers["Content-Type"] == "application/json;as=Table;v=v1;g=meta.k8s.io"
    assert [(c["name"], c["priority"]) for c in table["columnDefinitions"]] == [
        ("Name", 0), ("Ready", 0), ("Status", 0), ("Restarts", 0), ("Age", 0), ("IP", 1), ("Node", 1),
        ("Nominated Node", 1), ("Readiness Gates", 1)]
    row = next(r for r in table["rows"] if r["cells"][0] == "tabled")
    assert row["cells"][1:4] == ["0/1", "Pending", "0"]
    assert row["object"]["kind"] == "PartialObjectMetadata" and row["object"]["metadata"]["name"] == "tabled"


def test_legacy_discovery_lists_the_pod_subresources(api):
    _, _, data = _request(api, "GET", "/api/v1")
    resources = {r["name"]: r for r in json.loads(data)["resources"]}
    assert resources["pods"]["shortNames"] == ["po"]
    assert resources["pods/exec"]["kind"] == "PodExecOptions" and resources["pods/exec"]["verbs"] == ["create", "get"]
    assert resources["pods/ephemeralcontainers"]["verbs"] == ["get", "patch", "update"]


def test_aggregated_discovery_when_asked_for(api):
    accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
    _, headers, data = _request(api, "GET", "/apis", Accept=accept)
    groups = {g["metadata"]["name"]: g for g in json.loads(data)["items"]}
    assert headers["Content-Type"] == "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    deployments = next(r for r in groups["apps"]["versions"][0]["resources"] if r["resource"] == "deployments")
    assert deployments["shortNames"] == ["deploy"] and deployments["scope"] == "Namespaced"


def test_exec_into_an_unknown_container_is_a_bad_request(api):
    _create_pod(api, "execd")
    status, _, data = _request(api, "GET", "/api/v1/namespaces/default/pods/execd/exec?command=sh&stdout=true"
                                           "&container=nope", **WEBSOCKET)
    assert (status, json.loads(data)["message"]) == (400, "container nope is not valid for pod execd")


def test_exec_into_an_unscheduled_pod_is_a_bad_request(api):
    _create_pod(api, "unplaced", nodeSelector={"disk": "ssd"})
    status, _, data = _request(api, "GET", "/api/v1/namespaces/default/pods/unplaced/exec?command=sh&stdout=true",
                               **WEBSOCKET)
    assert (status, json.loads(data)["message"]) == (400, "pod unplaced does not have a host assigned")


def test_websocket_exec_needs_get_on_pods_exec_before_1_35(api):
    _create_pod(api, "guarded-exec")
    api.server.add_user("exec-creator", "dave", [], [Rule(["get"], ["pods"]), Rule(["create"], ["pods"], "exec")])
    status, _, data = _request(api, "GET", "/api/v1/namespaces/default/pods/guarded-exec/exec?command=sh&stdout=true",
                               token="exec-creator", **WEBSOCKET)
    assert (status, json.loads(data)["message"]) == (403, 'pods "guarded-exec" is forbidden: User "dave" cannot get '
                                                          'resource "pods/exec" in API group "" in the namespace '
                                                          '"default"')


def test_spdy_fallback_is_refused_with_a_status(api):
    _create_pod(api, "spdy")
    status, _, data = _request(api, "POST", "/api/v1/namespaces/default/pods/spdy/exec?command=sh&stdout=true",
                               Connection="Upgrade", Upgrade="SPDY/3.1")
    assert status == 400 and "SPDY/3.1 upgrades are not supported" in json.loads(data)["message"]


def test_a_watch_from_a_compacted_version_gets_an_expired_error_event(api):
    for step in range(5001):  # more changes than the history keeps
        api.store.create("configmaps", {"metadata": {"name": f"churn-{step}", "namespace": "kube-public"}})
    status, _, data = _request(api, "GET", "/api/v1/configmaps?watch=true&resourceVersion=1")
    event = json.loads(data.splitlines()[0])
    assert status == 200 and event["type"] == "ERROR"
    assert (event["object"]["code"], event["object"]["reason"]) == (410, "Expired")


def test_watch_bookmarks_and_timeout(api_at):
    fast = api_at(bookmark_seconds=0.3)
    started = time.monotonic()
    status, _, data = _request(fast, "GET", "/api/v1/namespaces?watch=true&allowWatchBookmarks=true&timeoutSeconds=2"
                                            f"&resourceVersion={fast.store.resource_version()}")
    events = [json.loads(line) for line in data.splitlines()]
    assert status == 200 and 1.5 < time.monotonic() - started < 5
    assert events and {e["type"] for e in events} == {"BOOKMARK"}
    assert events[0]["object"] == {"kind": "Namespace", "apiVersion": "v1",
                                   "metadata": {"resourceVersion": fast.store.resource_version()}}


def test_ephemeral_containers_disabled_like_an_old_cluster(api_at):
    old = api_at(ephemeral_containers=False)
    _create_pod(old, "web")
    status, _, data = _request(old, "PATCH", "/api/v1/namespaces/default/pods/web/ephemeralcontainers", {},
                               Content_Type="application/strategic-merge-patch+json")
    assert (status, json.loads(data)["details"]) == (404, {})
    result = old.kubectl("debug", "web", "--image=busybox", "--target=app", "--profile=general")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        'error: ephemeral containers are disabled for this cluster (error from server: "the server could not find '
        'the requested resource")')


def test_plain_http_serves_kubectl_as_the_admin(api_at):
    plain = api_at(tls=False)
    assert plain.server.url.startswith("http://")
    result = plain.kubectl("get", "ns", "default", "-o", "name")
    assert (result.returncode, result.stdout.strip()) == (0, "namespace/default")


def test_the_request_log_counts_round_trips(api):
    before = len(api.server.request_log)
    _request(api, "GET", "/api/v1/namespaces/default/pods/nope")
    record = api.server.request_log[before]
    assert len(api.server.request_log) == before + 1
    assert (record.method, record.path, record.user, record.code) == (
        "GET", "/api/v1/namespaces/default/pods/nope", "kubernetes-admin", 404)


def test_stop_ends_an_open_watch(api_at):
    doomed = api_at()
    conn = _connect(doomed)
    conn.request("GET", "/api/v1/pods?watch=true", headers={"Authorization": f"Bearer {doomed.server.admin_token}"})
    response = conn.getresponse()
    started = time.monotonic()
    doomed.server.stop()
    try:
        response.read()  # returns (or fails) once the server ends the stream; times out after 10 s if not
    except (http.client.HTTPException, OSError):
        pass
    assert time.monotonic() - started < 5
    conn.close()
