"""The real kubectl against the API server (no containers: pods stay Pending)."""

from __future__ import annotations

import base64
import json
import time

import pytest

from tests.kubesim.api.auth import Rule

POD_AND_DEPLOYMENT = """
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web, tier: front}
spec:
  containers:
  - {name: app, image: nginx}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  replicas: 2
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      containers:
      - {name: app, image: nginx}
"""


@pytest.fixture(scope="module")
def created(api, tmp_path_factory):
    """The pod and deployment, created once with kubectl create -f."""
    manifest = tmp_path_factory.mktemp("manifests") / "objects.yaml"
    manifest.write_text(POD_AND_DEPLOYMENT)
    return api.kubectl("create", "-f", str(manifest))


def _header(output: str) -> list[str]:
    return output.splitlines()[0].split()


@pytest.mark.parametrize("version", ["1.30", "1.33"])
def test_the_dispatcher_picks_kubectl_by_the_server_version(api_at, version):
    result = api_at(version=version).kubectl("version")
    assert result.returncode == 0, result.stderr
    assert f"Client Version: v{version}." in result.stdout
    assert f"Server Version: v{version}.0" in result.stdout


def test_initial_namespaces_with_their_columns(api):
    result = api.kubectl("get", "ns")
    assert result.returncode == 0, result.stderr
    assert _header(result.stdout) == ["NAME", "STATUS", "AGE"]
    rows = [line.split()[:2] for line in result.stdout.splitlines()[1:]]
    assert rows == [["default", "Active"], ["kube-node-lease", "Active"], ["kube-public", "Active"],
                    ["kube-system", "Active"]]


def test_create_from_a_manifest_without_warnings(created):
    assert created.returncode == 0
    assert created.stdout.splitlines() == ["pod/web created", "deployment.apps/shop created"]
    assert created.stderr == ""


def test_pods_in_all_namespaces_wide(api, created):
    result = api.kubectl("get", "pods", "-A", "-o", "wide")
    assert _header(result.stdout) == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE",
                                      "NOMINATED", "NODE", "READINESS", "GATES"]
    assert result.stdout.splitlines()[1].split()[:5] + result.stdout.splitlines()[1].split()[7:8] == [
        "default", "web", "0/1", "Pending", "0", "kubesim-node"]


def test_deployment_columns(api, created):
    result = api.kubectl("get", "deploy", "shop")
    assert _header(result.stdout) == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert result.stdout.splitlines()[1].split()[:4] == ["shop", "0/2", "0", "0"]


def test_get_json_round_trips_the_object(api, created):
    pod = json.loads(api.kubectl("get", "pod", "web", "-o", "json").stdout)
    stored = api.store.get("pods", "default", "web")
    assert pod == stored
    assert pod["status"]["phase"] == "Pending" and pod["spec"]["nodeName"] == "kubesim-node"


@pytest.mark.parametrize("args, shown", [
    (["-l", "tier=front"], ["web"]), (["-l", "tier!=front"], []), (["-l", "app in (web,db)"], ["web"]),
    (["--field-selector", "status.phase=Pending"], ["web"]), (["--field-selector", "metadata.name=other"], []),
])
def test_selectors(api, created, args, shown):
    result = api.kubectl("get", "pods", "-o", "name", *args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [f"pod/{name}" for name in shown]


def test_describe_shows_the_scheduler_event(api, created):
    result = api.kubectl("describe", "pod", "web")
    assert result.returncode == 0, result.stderr
    assert "Successfully assigned default/web to kubesim-node" in result.stdout


def test_a_bad_token_is_unauthorized(api, tmp_path):
    kubeconfig = tmp_path / "bad"
    kubeconfig.write_text(api.kubeconfig.read_text().replace(api.server.admin_token, "not-a-token"))
    result = api.kubectl("get", "pods", kubeconfig=kubeconfig)
    assert result.returncode == 1
    assert "error: You must be logged in to the server (Unauthorized)" in result.stderr


def test_a_limited_user_is_forbidden_with_the_real_message(api, created):
    viewer = api.user_kubeconfig("viewer-token", "alice", [Rule(["get", "list", "watch"], ["pods"])])
    assert api.kubectl("get", "pods", kubeconfig=viewer).returncode == 0
    result = api.kubectl("get", "deploy", kubeconfig=viewer)
    assert result.stderr.strip() == (
        'Error from server (Forbidden): deployments.apps is forbidden: User "alice" cannot list resource '
        '"deployments" in API group "apps" in the namespace "default"')
    result = api.kubectl("delete", "pod", "web", kubeconfig=viewer)
    assert result.stderr.strip() == (
        'Error from server (Forbidden): pods "web" is forbidden: User "alice" cannot delete resource "pods" '
        'in API group "" in the namespace "default"')


def test_auth_whoami_and_can_i(api):
    debugger = api.user_kubeconfig("debugger-token", "bob", [
        Rule(["get"], ["pods"]), Rule(["patch"], ["pods"], "ephemeralcontainers")], groups=["oncall"])
    whoami = api.kubectl("auth", "whoami", kubeconfig=debugger)
    assert whoami.stdout.splitlines()[1:] == ["Username    bob", "Groups      [oncall system:authenticated]"]
    allowed = api.kubectl("auth", "can-i", "patch", "pods", "--subresource=ephemeralcontainers", kubeconfig=debugger)
    denied = api.kubectl("auth", "can-i", "create", "pods", "--subresource=exec", kubeconfig=debugger)
    assert (allowed.returncode, allowed.stdout.strip()) == (0, "yes")
    assert (denied.returncode, denied.stdout.strip()) == (1, "no")


def test_delete_of_an_unscheduled_pod_is_immediate(api, tmp_path):
    manifest = tmp_path / "stuck.yaml"
    manifest.write_text(json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "stuck"}, "spec": {
        "nodeSelector": {"disk": "ssd"}, "containers": [{"name": "app", "image": "nginx"}]}}))
    assert api.kubectl("create", "-f", str(manifest)).returncode == 0
    assert api.kubectl("get", "pod", "stuck", "-o", "jsonpath={.status.conditions[0].reason}").stdout == "Unschedulable"
    result = api.kubectl("delete", "pod", "stuck")
    assert (result.returncode, result.stdout.strip()) == (0, 'pod "stuck" deleted')
    assert "stuck" not in api.kubectl("get", "pods", "-o", "name").stdout


def test_kubectl_create_generators_send_protobuf_that_is_understood(api):
    result = api.kubectl("create", "secret", "generic", "db", "--from-literal=password=hunter2")
    assert (result.returncode, result.stdout.strip()) == (0, "secret/db created"), result.stderr
    secret = api.store.get("secrets", "default", "db")
    assert (secret["type"], base64.b64decode(secret["data"]["password"])) == ("Opaque", b"hunter2")


def test_exec_reports_the_kubelet_refusal(api, created):
    result = api.kubectl("exec", "web", "--", "ls")
    assert (result.returncode, result.stderr.strip()) == (1, 'error: container not found ("app")')
    deadline = time.monotonic() + 5  # the server logs the request when the stream has ended on its side
    while not any(r.path.endswith("/web/exec") for r in api.server.request_log) and time.monotonic() < deadline:
        time.sleep(0.05)
    # Upgraded, then the kubelet's refusal came as the Status on the error channel.
    assert [r.code for r in api.server.request_log if r.path.endswith("/web/exec")] == [101]
