"""e2e: the debugger's default identity (``/`` is the app's root wherever Pod Security allows a root
debugger with CAP_SYS_PTRACE), the banner that says where the app's files are when it is not, and no
pile-ups: bad images refused before anything is added, a failed pull not repeated, one debugger for a
pod that shares its PID namespace."""

from __future__ import annotations

import json
import re
import time

import pytest

from kubectl_dshell.errors import ExitCode
from kubectl_dshell.provision import IMAGE_PULL_GRACE
from tests.e2e.test_failures import app, assert_one_line_error, create_pod


@pytest.mark.parametrize(("target", "uid", "command", "expected"), [
    # distroless nonroot: its own files at absolute paths, and the session is its uid
    (["web"], "65532", "cat /config/app.yaml", "greeting: hello\n"),
    (["root-app"], "0", "cat /etc/hostname", "root-app\n"),
    # a busybox sidecar that shares the pod's PID namespace: its own /bin/busybox, not the debugger's
    (["two", "-c", "sidecar"], "0", "ls /bin/busybox", "/bin/busybox\n"),
    # a distroless native sidecar: the volume only it and the setup container mount
    (["mesh", "-c", "proxy"], "65532", "cat /mesh/proxy.yaml", "upstream: 127.0.0.1:8083\n"),
], ids=["web", "root-app", "two-sidecar", "mesh-proxy"])
def test_absolute_paths_are_the_apps_and_the_session_is_its_uid(cluster, target, uid, command, expected):
    r = cluster.dshell(*target, "--", "sh", "-c", f'id -u; echo "$DSHELL_ROOT"; {command}')
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode() == f"{uid}\n/\n{expected}"


def test_a_restricted_namespace_says_where_the_apps_files_are(cluster):
    r = cluster.dshell("-n", "secure", "api", "--", "sh", "-c", 'id -u; cat "$DSHELL_ROOT/config/api.yaml"')
    assert (r.returncode, r.stdout) == (0, b"10001\nlisten: 8443\n"), r.stderr
    term = cluster.dshell_pty("-n", "secure", "api")
    try:
        banner = term.expect(r"dshell: absolute paths are the debugger's own: the target's files are under "
                             r"\$DSHELL_ROOT \(/proc/\d+/root, the working directory\); uid 10001 gid 10001, "
                             r"the target's", timeout=60)
        term.expect(r"\$ ", since=banner.end())
        term.send("cat config/api.yaml; echo DONE-$((6*7))\n")
        term.expect("listen: 8443", since=banner.end())
        term.expect("DONE-42")
        term.send("exit\n")
        assert term.wait() == 0
    finally:
        term.close()


def test_the_banner_says_the_identity_once_and_where_the_session_is(cluster, fresh_pod):
    pod = fresh_pod("web")
    term = cluster.dshell_pty(pod)
    try:
        prompt = term.expect(re.escape(f"[dshell {pod}/app] / $ "), timeout=60)
        banner = term.output[:prompt.start()].decode()
        term.send("exit\n")
        assert term.wait() == 0
    finally:
        term.close()
    assert banner.count("a root debugger with CAP_SYS_PTRACE") == 1, banner
    assert "added debugger dshell-" in banner and "the namespace sets no Pod Security level" in banner
    assert ("dshell: / is the target's filesystem (chroot); tools come from the debugger's busybox; "
            "uid 65532 gid 65532, the target's") in banner


def test_uid_asks_for_another_identity_inside_the_chroot(cluster):
    r = cluster.dshell("web", "--uid", "0", "--", "sh", "-c", "id -u; cat /config/app.yaml")
    assert (r.returncode, r.stdout) == (0, b"0\ngreeting: hello\n"), r.stderr


def test_a_baseline_namespace_gets_a_baseline_debugger(cluster, namespace):
    cluster.kubectl("label", "namespace", namespace, "pod-security.kubernetes.io/enforce=baseline", check=True)
    pod = create_pod(cluster, namespace, {"containers": [app(cluster)]})
    cluster.kubectl("wait", "--for=condition=Ready", f"pod/{pod}", "-n", namespace, "--timeout=60s", check=True)
    r = cluster.dshell("-n", namespace, pod, "--", "sh", "-c", 'id -u; ls "$DSHELL_ROOT/app"')
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().splitlines()[0] == "65532"
    assert 'the namespace enforces Pod Security "baseline": a root debugger with the runtime\'s default ' \
           "capabilities" in r.stderr.decode()
    spec = json.loads(cluster.kubectl("get", "pod", pod, "-n", namespace, "-o", "json", check=True).stdout)
    (debugger,) = spec["spec"]["ephemeralContainers"]
    assert debugger["securityContext"] == {"runAsUser": 0, "runAsGroup": 0}


BAD_IMAGES = ["busybox;id", "$(id)", "BusyBox:LATEST", "busybox\nid", "busybox:", "busybox@sha256:1234"]


def test_bad_image_references_are_usage_errors_before_anything_is_added(cluster, fresh_pod):
    pod = fresh_pod("root-app")
    for image in BAD_IMAGES:
        err = assert_one_line_error(cluster.dshell(pod, "--image", image, "--", "true"), ExitCode.USAGE,
                                    "error: invalid value for '--image'", "is not an image reference", "hint: ")
        assert len(err.splitlines()) == 2, err
    r = cluster.dshell(pod, "--", "true", env={"DSHELL_IMAGE": "BusyBox:LATEST"})
    assert_one_line_error(r, ExitCode.USAGE, "must be lower case")
    assert cluster.ephemeral_names(pod) == []


def test_a_pod_whose_debugger_failed_to_pull_fails_fast_with_the_same_reason(cluster, fresh_pod):
    pod = fresh_pod("root-app")
    image = "example.invalid/busybox:1"
    first = assert_one_line_error(cluster.dshell(pod, "--image", image, "--", "true"), ExitCode.DEBUGGER_FAILED)
    (debugger,) = cluster.ephemeral_names(pod)
    started = time.monotonic()
    second = assert_one_line_error(cluster.dshell(pod, "--image", image, "--", "true"), ExitCode.DEBUGGER_FAILED,
                                   f"the pod's debugger {debugger} cannot pull {image}")
    elapsed = time.monotonic() - started
    assert elapsed < IMAGE_PULL_GRACE, elapsed  # no grace waited out again (measured: bench/RESULTS.md)
    reason = first.splitlines()[0].split(f"cannot pull {image}: ", 1)[1]
    assert reason.split(":")[0] in second, (first, second)
    assert "no other debugger of" in second
    assert cluster.ephemeral_names(pod) == [debugger]
    # Another image is another matter: it gets a debugger of its own.
    r = cluster.dshell(pod, "--", "true")
    assert r.returncode == 0, r.stderr
    assert len(cluster.ephemeral_names(pod)) == 2


def test_one_debugger_serves_every_container_of_a_pod_sharing_its_pids(cluster, fresh_pod):
    pod = fresh_pod("two")
    app_uid = cluster.dshell(pod, "-c", "app", "--", "id", "-u")
    sidecar_uid = cluster.dshell(pod, "-c", "sidecar", "--", "id", "-u")
    assert (app_uid.returncode, app_uid.stdout) == (0, b"65532\n"), app_uid.stderr
    assert (sidecar_uid.returncode, sidecar_uid.stdout) == (0, b"0\n"), sidecar_uid.stderr
    assert len(cluster.ephemeral_names(pod)) == 1
    assert "added debugger" not in sidecar_uid.stderr.decode()


def test_a_selector_says_which_pods_got_a_new_debugger(cluster, namespace):
    pods = sorted(create_pod(cluster, namespace, {"containers": [app(cluster)]}, labels={"team": "x"})
                  for _ in range(2))
    for pod in pods:
        cluster.kubectl("wait", "--for=condition=Ready", f"pod/{pod}", "-n", namespace, "--timeout=60s", check=True)
    first = cluster.dshell("env", "-n", namespace, "-l", "team=x", "-o", "json")
    assert first.returncode == 0, first.stderr
    names = {pod: cluster.ephemeral_names(pod, namespace) for pod in pods}
    listed = ", ".join(f"{namespace}/{pod} ({names[pod][0]})" for pod in pods)
    assert f"added a debugger to 2 pods: {listed}\n" in first.stderr.decode()
    assert "added debugger " not in first.stderr.decode()
    again = cluster.dshell("env", "-n", namespace, "-l", "team=x", "-o", "json")
    assert again.returncode == 0 and "added" not in again.stderr.decode(), again.stderr
