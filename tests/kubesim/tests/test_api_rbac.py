"""RBAC objects and ServiceAccount tokens, set up as on a real cluster: kubectl create serviceaccount,
role, rolebinding and token, then the real kubectl and the Python client acting as that account."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

from tests.kubesim.api import kubeconfig
from tests.kubesim.api.satokens import ISSUER, TokenIssuer

RBAC = "rbac.authorization.k8s.io/v1"
FORBIDDEN_PATCH = ('Error from server (Forbidden): pods "web" is forbidden: User "system:serviceaccount:{ns}:limited" '
                   'cannot patch resource "pods/ephemeralcontainers" in API group "" in the namespace "{ns}"')


def _ok(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def _typed_sequence(api, ns: str) -> Path:
    """The README's sequence with kubectl's typed commands (protobuf bodies): a ServiceAccount, a Role,
    a RoleBinding, a token, and a kubeconfig with that token."""
    _ok(api.kubectl("create", "namespace", ns))
    _ok(api.kubectl("create", "serviceaccount", "limited", "-n", ns))
    _ok(api.kubectl("run", "web", "-n", ns, "--image=nginx"))
    _ok(api.kubectl("create", "role", "pod-reader", "-n", ns, "--verb=get,list,watch", "--resource=pods"))
    _ok(api.kubectl("create", "rolebinding", "limited-pod-reader", "-n", ns, "--role=pod-reader",
                    f"--serviceaccount={ns}:limited"))
    return _kubeconfig_for(api, ns, _ok(api.kubectl("create", "token", "limited", "-n", ns)))


def _limited_account(api, ns: str) -> Path:
    """The same objects from one manifest (kubectl create -f, JSON bodies), and the token's kubeconfig."""
    manifest = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "limited", "namespace": ns}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": ns},
         "spec": {"containers": [{"name": "web", "image": "nginx"}]}},
        {"apiVersion": RBAC, "kind": "Role", "metadata": {"name": "pod-reader", "namespace": ns},
         "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]},
        {"apiVersion": RBAC, "kind": "RoleBinding", "metadata": {"name": "limited-pod-reader", "namespace": ns},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"},
         "subjects": [{"kind": "ServiceAccount", "name": "limited", "namespace": ns}]},
    ]
    path = api.kubeconfig.with_name(f"{ns}.yaml")
    path.write_text(yaml.safe_dump_all(manifest))
    _ok(api.kubectl("create", "-f", str(path)))
    return _kubeconfig_for(api, ns, _ok(api.kubectl("create", "token", "limited", "-n", ns)))


def _kubeconfig_for(api, ns: str, token: str) -> Path:
    """A kubeconfig with a bearer token, whatever the server thinks of it."""
    path = api.kubeconfig.with_name(f"token-{token[-16:]}.kubeconfig")  # the signature's end: unique
    kubeconfig.write(path, api.server.url, user="token-user", token=token, namespace=ns,
                     ca_pem=api.server.ca_path.read_bytes())
    return path


@pytest.mark.parametrize("version", ["1.30", "1.31", "1.32", "1.33"])
def test_a_limited_service_account_cannot_add_a_debug_container(api_at, version):
    api = api_at(version=version)
    limited = _typed_sequence(api, "shop")
    assert _ok(api.kubectl("get", "pods", "-o", "name", kubeconfig=limited)) == "pod/web\n"
    debug = api.kubectl("debug", "web", "--image=busybox", "--target=web", kubeconfig=limited)
    assert debug.returncode == 1
    assert debug.stderr.splitlines()[-1] == FORBIDDEN_PATCH.format(ns="shop")


def test_auth_whoami_and_can_i_as_the_service_account(api):
    limited = _limited_account(api, "whoami")
    whoami = _ok(api.kubectl("auth", "whoami", kubeconfig=limited)).splitlines()
    uid = _ok(api.kubectl("get", "sa", "limited", "-n", "whoami", "-o", "jsonpath={.metadata.uid}"))
    assert [line.split(None, 1) for line in whoami[1:4]] == [
        ["Username", "system:serviceaccount:whoami:limited"], ["UID", uid],
        ["Groups", "[system:serviceaccounts system:serviceaccounts:whoami system:authenticated]"]]
    assert whoami[4].startswith("Extra: authentication.kubernetes.io/credential-id   [JTI=")
    answers = {" ".join(question): api.kubectl("auth", "can-i", *question, kubeconfig=limited).stdout.strip()
               for question in (["watch", "pods"], ["patch", "pods", "--subresource=ephemeralcontainers"],
                                ["create", "pods/exec"], ["get", "pods", "-n", "default"])}
    assert answers == {"watch pods": "yes", "patch pods --subresource=ephemeralcontainers": "no",
                       "create pods/exec": "no", "get pods -n default": "no"}


def test_a_rolebinding_grants_nothing_in_another_namespace(api):
    limited = _limited_account(api, "home")
    result = api.kubectl("get", "pods", "-n", "default", kubeconfig=limited)
    assert result.stderr.strip() == (
        'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:home:limited" cannot list '
        'resource "pods" in API group "" in the namespace "default"')


def test_a_clusterrolebinding_grants_in_every_namespace(api):
    limited = _limited_account(api, "roaming")
    assert api.kubectl("get", "configmaps", "-n", "kube-system", kubeconfig=limited).returncode == 1
    _ok(api.kubectl("create", "clusterrolebinding", "roaming-view", "--clusterrole=view",
                    "--serviceaccount=roaming:limited"))
    names = _ok(api.kubectl("get", "configmaps", "-n", "kube-system", "-o", "name", kubeconfig=limited))
    assert names == "configmap/kube-root-ca.crt\n"
    assert _ok(api.kubectl("auth", "can-i", "list", "pods", "-A", kubeconfig=limited)).strip() == "yes"
    assert api.kubectl("auth", "can-i", "get", "secrets", "-n", "kube-system", kubeconfig=limited).returncode == 1


def test_resource_names_limit_a_rule_to_the_named_pods(api):
    limited = _limited_account(api, "named")
    _ok(api.kubectl("run", "other", "-n", "named", "--image=nginx"))
    _ok(api.kubectl("create", "role", "exec-web", "-n", "named", "--verb=get,create", "--resource=pods/exec",
                    "--resource-name=web"))
    _ok(api.kubectl("create", "rolebinding", "exec-web", "-n", "named", "--role=exec-web",
                    "--serviceaccount=named:limited"))
    web = api.kubectl("exec", "web", "--", "true", kubeconfig=limited)
    other = api.kubectl("exec", "other", "--", "true", kubeconfig=limited)
    assert web.stderr.strip() == 'error: container not found ("web")'  # authorized: the stub kubelet answered
    # The WebSocket GET is refused, so kubectl falls back to SPDY (a POST: create) and reports that refusal.
    assert other.stderr.strip() == (
        'Error from server (Forbidden): pods "other" is forbidden: User "system:serviceaccount:named:limited" '
        'cannot create resource "pods/exec" in API group "" in the namespace "named"')


def test_roles_and_bindings_print_the_usual_columns(api):
    _limited_account(api, "printed")
    roles = _ok(api.kubectl("get", "roles", "-n", "printed")).splitlines()
    bindings = _ok(api.kubectl("get", "rolebindings", "-n", "printed", "-o", "wide")).splitlines()
    assert roles[0].split() == ["NAME", "CREATED", "AT"] and roles[1].split()[0] == "pod-reader"
    assert bindings[0].split() == ["NAME", "ROLE", "AGE", "USERS", "GROUPS", "SERVICEACCOUNTS"]
    assert bindings[1].split()[:2] + bindings[1].split()[3:] == [
        "limited-pod-reader", "Role/pod-reader", "printed/limited"]
    admins = _ok(api.kubectl("get", "clusterrolebinding", "cluster-admin", "-o", "wide")).splitlines()[1].split()
    assert admins[:2] + admins[3:] == ["cluster-admin", "ClusterRole/cluster-admin", "system:masters"]


def test_rbac_api_group_in_discovery(api):
    listed = _ok(api.kubectl("api-resources", "--api-group=rbac.authorization.k8s.io", "-o", "name"))
    assert listed.split() == ["clusterrolebindings.rbac.authorization.k8s.io",
                              "clusterroles.rbac.authorization.k8s.io", "rolebindings.rbac.authorization.k8s.io",
                              "roles.rbac.authorization.k8s.io"]
    core = json.loads(_ok(api.kubectl("get", "--raw", "/api/v1")))
    token = next(r for r in core["resources"] if r["name"] == "serviceaccounts/token")
    assert (token["group"], token["version"], token["kind"], token["verbs"]) == (
        "authentication.k8s.io", "v1", "TokenRequest", ["create"])


def test_a_binding_to_a_missing_role_names_it_in_the_refusal(api):
    limited = _limited_account(api, "dangling")
    _ok(api.kubectl("create", "rolebinding", "ghost", "-n", "dangling", "--role=ghost",
                    "--serviceaccount=dangling:limited"))
    result = api.kubectl("get", "secrets", "-n", "dangling", kubeconfig=limited)
    assert result.stderr.strip().endswith(
        'cannot list resource "secrets" in API group "" in the namespace "dangling": '
        'RBAC: role.rbac.authorization.k8s.io "ghost" not found')


def test_a_labelled_clusterrole_is_aggregated_into_edit(api, tmp_path):
    limited = _limited_account(api, "editors")
    _ok(api.kubectl("create", "rolebinding", "editors", "-n", "editors", "--clusterrole=edit",
                    "--serviceaccount=editors:limited"))
    can_debug = ["auth", "can-i", "patch", "pods", "--subresource=ephemeralcontainers", "-n", "editors"]
    assert api.kubectl(*can_debug, kubeconfig=limited).stdout.strip() == "no"  # edit leaves it out on purpose
    manifest = tmp_path / "debuggers.yaml"
    manifest.write_text(json.dumps({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "debuggers", "labels": {"rbac.authorization.k8s.io/aggregate-to-edit": "true"}},
        "rules": [{"apiGroups": [""], "resources": ["pods/ephemeralcontainers"], "verbs": ["patch"]}]}))
    _ok(api.kubectl("create", "-f", str(manifest)))
    assert api.kubectl(*can_debug, kubeconfig=limited).stdout.strip() == "yes"
    admin_rules = _ok(api.kubectl("get", "clusterrole", "admin", "-o", "jsonpath={.rules[*].resources}"))
    assert '["pods/ephemeralcontainers"]' in admin_rules  # edit is aggregated into admin in turn
    _ok(api.kubectl("delete", "clusterrole", "debuggers"))
    assert api.kubectl(*can_debug, kubeconfig=limited).stdout.strip() == "no"


def test_deleting_the_service_account_invalidates_its_tokens(api):
    limited = _limited_account(api, "gone")
    _ok(api.kubectl("delete", "serviceaccount", "limited", "-n", "gone"))
    _ok(api.kubectl("create", "serviceaccount", "limited", "-n", "gone"))  # same name, new uid
    result = api.kubectl("get", "pods", kubeconfig=limited)
    assert (result.returncode, result.stderr.strip()) == (
        1, "error: You must be logged in to the server (Unauthorized)")


def test_a_token_lasts_an_hour_unless_asked_otherwise(api):
    _ok(api.kubectl("create", "serviceaccount", "timed"))
    default = json.loads(_ok(api.kubectl("create", "token", "timed", "-o", "json")))
    longer = json.loads(_ok(api.kubectl("create", "token", "timed", "--duration=2h", "-o", "json")))
    for answer, seconds in ((default, 3600), (longer, 7200)):
        created = datetime.fromisoformat(answer["metadata"]["creationTimestamp"].replace("Z", "+00:00"))
        expires = datetime.fromisoformat(answer["status"]["expirationTimestamp"].replace("Z", "+00:00"))
        assert (answer["spec"]["expirationSeconds"], expires - created) == (seconds, timedelta(seconds=seconds))
    short = api.kubectl("create", "token", "timed", "--duration=1m")
    assert short.stderr.strip() == (
        'error: failed to create token: TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: '
        'Invalid value: 60: may not specify a duration less than 10 minutes')


def test_a_token_for_another_audience_is_not_accepted_here(api):
    _ok(api.kubectl("create", "serviceaccount", "elsewhere"))
    token = _ok(api.kubectl("create", "token", "elsewhere", "--audience=https://vault.example"))
    result = api.kubectl("get", "pods", kubeconfig=_kubeconfig_for(api, "default", token))
    assert result.stderr.strip() == "error: You must be logged in to the server (Unauthorized)"


def test_an_expired_token_is_refused_after_a_minute_of_leeway():
    now = [1_000_000.0]
    issuer = TokenIssuer(clock=lambda: now[0])
    token = issuer.sign({"iss": ISSUER, "sub": "system:serviceaccount:ns:sa", "nbf": 1_000_000, "exp": 1_003_600})
    now[0] += 3600 + 60
    assert issuer.verify(token)["sub"] == "system:serviceaccount:ns:sa"
    now[0] += 1
    assert issuer.verify(token) is None
    assert TokenIssuer(clock=lambda: 1_000_000.0).verify(token) is None  # another server's key


def test_a_changed_role_ref_is_refused(api):
    _ok(api.kubectl("create", "rolebinding", "fixed", "--clusterrole=view", "--user=carol"))
    result = api.kubectl("patch", "rolebinding", "fixed", "--type=merge", "-p", '{"roleRef":{"name":"edit"}}')
    assert result.stderr.strip() == (
        'The RoleBinding "fixed" is invalid: roleRef: Invalid value: '
        'rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"edit"}: cannot change roleRef')


@pytest.fixture
def clients(api):
    """Admin Python clients: core, RBAC and authorization APIs."""
    api_client = config.new_client_from_config(config_file=str(api.kubeconfig))
    yield client.CoreV1Api(api_client), client.RbacAuthorizationV1Api(api_client)
    api_client.close()


def _python_setup(core: client.CoreV1Api, rbac: client.RbacAuthorizationV1Api, ns: str) -> str:
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))
    core.create_namespaced_service_account(ns, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name="limited")))
    core.create_namespaced_pod(ns, client.V1Pod(metadata=client.V1ObjectMeta(name="web"), spec=client.V1PodSpec(
        containers=[client.V1Container(name="app", image="nginx")])))
    rbac.create_namespaced_role(ns, client.V1Role(metadata=client.V1ObjectMeta(name="pod-reader"), rules=[
        client.V1PolicyRule(api_groups=[""], resources=["pods"], verbs=["get", "list", "watch"])]))
    rbac.create_namespaced_role_binding(ns, client.V1RoleBinding(
        metadata=client.V1ObjectMeta(name="limited-pod-reader"),
        role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="Role", name="pod-reader"),
        subjects=[client.RbacV1Subject(kind="ServiceAccount", name="limited", namespace=ns)]))
    request = client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(audiences=[]))
    return core.create_namespaced_service_account_token("limited", ns, request).status.token


def test_the_python_client_as_a_limited_service_account(api, clients):
    token = _python_setup(*clients, "python")
    limited_client = config.new_client_from_config(config_file=str(_kubeconfig_for(api, "python", token)))
    limited = client.CoreV1Api(limited_client)
    assert [p.metadata.name for p in limited.list_namespaced_pod("python").items] == ["web"]
    body = {"spec": {"ephemeralContainers": [{"name": "dbg", "image": "busybox"}]}}
    with pytest.raises(ApiException) as err:
        limited.patch_namespaced_pod_ephemeralcontainers("web", "python", body)
    assert (err.value.status, json.loads(err.value.body)["message"]) == (403, FORBIDDEN_PATCH.format(
        ns="python").removeprefix("Error from server (Forbidden): "))
    review = client.AuthorizationV1Api(limited_client).create_self_subject_access_review(
        client.V1SelfSubjectAccessReview(spec=client.V1SelfSubjectAccessReviewSpec(
            resource_attributes=client.V1ResourceAttributes(namespace="python", verb="list", resource="pods"))))
    assert (review.status.allowed, review.status.reason) == (
        True, 'RBAC: allowed by RoleBinding "limited-pod-reader/python" of Role "pod-reader" to ServiceAccount '
              '"limited/python"')
    limited_client.close()


def test_a_watch_on_rolebindings_sees_one_created(clients):
    core, rbac = clients
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="watched")))
    seen: list[tuple[str, str]] = []

    def follow() -> None:
        for event in watch.Watch().stream(rbac.list_namespaced_role_binding, "watched", timeout_seconds=5):
            seen.append((event["type"], event["object"].role_ref.name))
            return

    watcher = threading.Thread(target=follow)
    watcher.start()
    rbac.create_namespaced_role_binding("watched", client.V1RoleBinding(
        metadata=client.V1ObjectMeta(name="viewers"), role_ref=client.V1RoleRef(
            api_group="rbac.authorization.k8s.io", kind="ClusterRole", name="view"),
        subjects=[client.RbacV1Subject(kind="Group", name="auditors", api_group="rbac.authorization.k8s.io")]))
    watcher.join(10)
    assert seen == [("ADDED", "view")]


def test_a_token_bound_to_a_secret_dies_with_it(api):
    limited = _limited_account(api, "bound")
    _ok(api.kubectl("create", "secret", "generic", "anchor", "-n", "bound"))
    token = _ok(api.kubectl("create", "token", "limited", "-n", "bound", "--bound-object-kind=Secret",
                            "--bound-object-name=anchor"))
    bound = _kubeconfig_for(api, "bound", token)
    assert _ok(api.kubectl("get", "pods", "-o", "name", kubeconfig=bound)) == "pod/web\n"
    _ok(api.kubectl("delete", "secret", "anchor", "-n", "bound"))
    assert api.kubectl("get", "pods", kubeconfig=bound).stderr.strip() == (
        "error: You must be logged in to the server (Unauthorized)")
    assert _ok(api.kubectl("get", "pods", "-o", "name", kubeconfig=limited)) == "pod/web\n"  # unbound: still good


def test_impersonating_the_service_account(api):
    _limited_account(api, "acting")
    as_account = ["--as=system:serviceaccount:acting:limited"]
    assert _ok(api.kubectl("auth", "can-i", "list", "pods", "-n", "acting", *as_account)).strip() == "yes"
    assert api.kubectl("auth", "can-i", "list", "pods", "-n", "default", *as_account).stdout.strip() == "no"
    whoami = _ok(api.kubectl("auth", "whoami", *as_account)).splitlines()
    assert whoami[2].split(None, 1) == ["Groups", "[system:serviceaccounts system:serviceaccounts:acting "
                                                  "system:authenticated]"]
    refused = api.kubectl("get", "pods", "--as=alice", kubeconfig=_limited_account(api, "actor"))
    assert refused.stderr.strip() == (
        'Error from server (Forbidden): users "alice" is forbidden: User "system:serviceaccount:actor:limited" '
        'cannot impersonate resource "users" in API group "" at the cluster scope')
