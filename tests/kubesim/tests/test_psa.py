"""Pod Security Admission of api.psa: levels, versions, modes and the exact messages."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.kubesim.api.psa import admit
from tests.kubesim.contracts import ApiError

pytestmark = pytest.mark.sim

# What kubectl debug --profile=restricted (and a compliant dshell debugger) sets.
RESTRICTED_CONTEXT = {"runAsNonRoot": True, "allowPrivilegeEscalation": False,
                      "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}}


def _namespace(**labels: str) -> dict:
    return {"metadata": {"name": "team", "labels": {f"pod-security.kubernetes.io/{k.replace('_', '-')}": v
                                                    for k, v in labels.items()}}}


def _pod(*ephemeral: dict, **spec: Any) -> dict:
    pod = {"metadata": {"name": "web", "namespace": "team"},
           "spec": {"containers": [{"name": "app", "image": "app:1"}], **spec}}
    if ephemeral:
        pod["spec"]["ephemeralContainers"] = list(ephemeral)
    return pod


def _debugger(name: str = "dshell-ab2cd", **context: Any) -> dict:
    return {"name": name, "image": "busybox:1.36", "targetContainerName": "app", "securityContext": context}


def _forbidden(namespace: dict, pod: dict, **kwargs: Any) -> str:
    with pytest.raises(ApiError) as caught:
        admit(namespace, pod, operation=kwargs.pop("operation", "CREATE"), **kwargs)
    error = caught.value
    assert (error.code, error.reason, error.details) == (403, "Forbidden", {"name": "web", "kind": "pods"})
    return error.message


def test_baseline_lists_each_violation_in_check_order() -> None:
    pod = _pod(_debugger(capabilities={"add": ["SYS_PTRACE", "NET_ADMIN"]}),
               hostPID=True, hostNetwork=True,
               volumes=[{"name": "root", "hostPath": {"path": "/"}}],
               securityContext={"sysctls": [{"name": "kernel.msgmax", "value": "1"}]})
    pod["spec"]["containers"][0]["securityContext"] = {"privileged": True, "procMount": "Unmasked"}
    pod["spec"]["containers"][0]["ports"] = [{"containerPort": 80, "hostPort": 8080}]
    assert _forbidden(_namespace(enforce="baseline"), pod) == (
        'pods "web" is forbidden: violates PodSecurity "baseline:latest": '
        'non-default capabilities (container "dshell-ab2cd" must not include "NET_ADMIN", "SYS_PTRACE" in '
        'securityContext.capabilities.add), '
        'host namespaces (hostNetwork=true, hostPID=true), '
        'hostPath volumes (volume "root"), '
        'hostPort (container "app" uses hostPort 8080), '
        'privileged (container "app" must not set securityContext.privileged=true), '
        'procMount (container "app" must not set securityContext.procMount to "Unmasked"), '
        'forbidden sysctls (kernel.msgmax)')


def test_restricted_lists_each_violation_of_every_container_kind() -> None:
    pod = _pod(_debugger(runAsUser=0, capabilities={"add": ["SYS_PTRACE"]}),
               initContainers=[{"name": "init", "image": "app:1", "securityContext": RESTRICTED_CONTEXT}],
               volumes=[{"name": "root", "hostPath": {"path": "/"}}, {"name": "nfs", "nfs": {"server": "s", "path": "/"}}])
    assert _forbidden(_namespace(enforce="restricted"), pod) == (
        'pods "web" is forbidden: violates PodSecurity "restricted:latest": '
        'allowPrivilegeEscalation != false (containers "app", "dshell-ab2cd" must set '
        'securityContext.allowPrivilegeEscalation=false), '
        'unrestricted capabilities (containers "app", "dshell-ab2cd" must set securityContext.capabilities.drop=["ALL"]; '
        'container "dshell-ab2cd" must not include "SYS_PTRACE" in securityContext.capabilities.add), '
        'restricted volume types (volumes "root", "nfs" use restricted volume types "hostPath", "nfs"), '
        'runAsNonRoot != true (pod or containers "app", "dshell-ab2cd" must set securityContext.runAsNonRoot=true), '
        'runAsUser=0 (container "dshell-ab2cd" must not set runAsUser=0), '
        'seccompProfile (pod or containers "app", "dshell-ab2cd" must set securityContext.seccompProfile.type to '
        '"RuntimeDefault" or "Localhost")')


def test_restricted_reports_explicitly_bad_values() -> None:
    pod = _pod(securityContext={"runAsNonRoot": False, "seccompProfile": {"type": "Unconfined"},
                                "seLinuxOptions": {"type": "spc_t", "user": "root"}})
    pod["spec"]["containers"][0]["securityContext"] = {**RESTRICTED_CONTEXT, "runAsNonRoot": False}
    assert _forbidden(_namespace(enforce="restricted"), pod) == (
        'pods "web" is forbidden: violates PodSecurity "restricted:latest": '
        'seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set), '
        'runAsNonRoot != true (pod and container "app" must not set securityContext.runAsNonRoot=false), '
        'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")')


def test_a_restricted_compliant_debugger_is_admitted() -> None:
    pod = _pod(_debugger(**RESTRICTED_CONTEXT, runAsUser=65532))
    pod["spec"]["containers"][0]["securityContext"] = RESTRICTED_CONTEXT
    assert admit(_namespace(enforce="restricted"), pod, operation="CREATE") == []


@pytest.mark.parametrize("namespace", [{"metadata": {"name": "open"}}, _namespace(enforce="privileged")])
def test_privileged_level_admits_anything(namespace: dict) -> None:
    pod = _pod(_debugger(privileged=True), hostPID=True)
    assert admit(namespace, pod, operation="CREATE") == []


def test_warn_level_yields_a_warning_for_an_admitted_pod() -> None:
    warnings = admit(_namespace(enforce="baseline", warn="restricted", warn_version="v1.30"),
                     _pod(_debugger(**RESTRICTED_CONTEXT)), operation="CREATE")
    assert warnings == [
        'would violate PodSecurity "restricted:v1.30": allowPrivilegeEscalation != false (container "app" must set '
        'securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "app" must set '
        'securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "app" must set '
        'securityContext.runAsNonRoot=true), seccompProfile (pod or container "app" must set '
        'securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")']


def test_a_rejected_pod_gets_no_warnings_but_the_error() -> None:
    message = _forbidden(_namespace(enforce="baseline", warn="restricted"), _pod(_debugger(privileged=True)))
    assert "would violate" not in message and '"baseline:latest": privileged' in message


@pytest.mark.parametrize("version, allowed", [("v1.28", False), ("v1.29", True), ("latest", True)])
def test_policy_version_picks_the_check_revision(version: str, allowed: bool) -> None:
    pod = _pod(securityContext={"sysctls": [{"name": "net.ipv4.tcp_keepalive_time", "value": "60"}]})
    namespace = _namespace(enforce="baseline", enforce_version=version)
    if allowed:
        assert admit(namespace, pod, operation="CREATE") == []
    else:
        assert _forbidden(namespace, pod) == ('pods "web" is forbidden: violates PodSecurity "baseline:v1.28": '
                                              'forbidden sysctls (net.ipv4.tcp_keepalive_time)')


def test_invalid_labels_mean_restricted_latest() -> None:
    message = _forbidden(_namespace(enforce="strict", enforce_version="1.30"), _pod())
    assert message.startswith('pods "web" is forbidden: violates PodSecurity "restricted:latest": ')


def test_windows_pods_skip_the_linux_only_restricted_checks() -> None:
    message = _forbidden(_namespace(enforce="restricted"), _pod(os={"name": "windows"}))
    assert message == ('pods "web" is forbidden: violates PodSecurity "restricted:latest": runAsNonRoot != true '
                       '(pod or container "app" must set securityContext.runAsNonRoot=true)')


# -- updates and subresources -----------------------------------------------------------------

def test_adding_a_non_compliant_debugger_is_judged_on_the_whole_pod() -> None:
    old = _pod()
    new = _pod(_debugger(capabilities={"add": ["SYS_PTRACE"]}))
    assert _forbidden(_namespace(enforce="baseline"), new, operation="UPDATE", subresource="ephemeralcontainers",
                      old_pod=old) == (
        'pods "web" is forbidden: violates PodSecurity "baseline:latest": non-default capabilities '
        '(container "dshell-ab2cd" must not include "SYS_PTRACE" in securityContext.capabilities.add)')


def test_an_old_non_compliant_debugger_blocks_every_later_one() -> None:
    old = _pod(_debugger("debugger-old00", capabilities={"add": ["SYS_PTRACE"]}))
    new = copy.deepcopy(old)
    new["spec"]["ephemeralContainers"].append(_debugger("dshell-ab2cd"))
    assert "debugger-old00" in _forbidden(_namespace(enforce="baseline"), new, operation="UPDATE",
                                          subresource="ephemeralcontainers", old_pod=old)


def test_an_update_that_changes_only_metadata_is_exempt() -> None:
    old = _pod(hostPID=True)
    new = copy.deepcopy(old)
    new["metadata"]["labels"] = {"touched": "yes"}
    assert admit(_namespace(enforce="restricted"), new, operation="UPDATE", old_pod=old) == []
    assert admit(_namespace(enforce="restricted"), new, operation="UPDATE") == []


def test_an_image_change_is_judged() -> None:
    old = _pod(hostPID=True)
    new = copy.deepcopy(old)
    new["spec"]["containers"][0]["image"] = "app:2"
    assert "host namespaces (hostPID=true)" in _forbidden(_namespace(enforce="baseline"), new, operation="UPDATE",
                                                          old_pod=old)


@pytest.mark.parametrize("subresource", ["exec", "attach", "status", "log"])
def test_ignored_subresources_are_not_judged(subresource: str) -> None:
    assert admit(_namespace(enforce="restricted"), _pod(hostPID=True), operation="CREATE",
                 subresource=subresource) == []
