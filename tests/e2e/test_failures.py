"""Every refusal: one line saying what happened plus a hint, a documented exit code, and no debris."""

from __future__ import annotations

import json
import secrets
import signal
import subprocess

import pytest

from kubectl_dshell.errors import ExitCode
from tests.e2e.conftest import kubeconfig_for


def assert_one_line_error(r: subprocess.CompletedProcess, code: ExitCode, *needles: str) -> str:
    """The command failed with ``code``, said so on stderr (error + hint, no traceback), printed no data."""
    err = r.stderr.decode()
    assert r.returncode == code, err
    assert r.stdout == b""
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert 1 <= len(lines) <= 3, err  # the error, its hint (and at most one note)
    for needle in needles:
        assert needle in err, err
    return err


def create_pod(cluster, namespace: str, spec: dict, **metadata) -> str:
    name = "p-" + secrets.token_hex(3)
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace, **metadata},
           "spec": spec}
    cluster.kubectl("create", "-f", "-", input=json.dumps(pod).encode(), check=True)
    return name


def app(cluster) -> dict:
    """A container of the demo app (uid 65532), from an image the cluster under test has."""
    return {"name": "app", "image": cluster.app_image}


def test_no_such_pod_suggests_close_names(cluster):
    err = assert_one_line_error(cluster.dshell("wbe", "--", "true"), ExitCode.NOT_FOUND, '"wbe"', "web")
    assert "did you mean" in err.lower() or "web" in err.split("\n", 1)[-1]


def test_crash_looping_container_is_refused_with_the_reason(cluster):
    before = cluster.ephemeral_names("crashy")
    assert_one_line_error(cluster.dshell("crashy", "--", "true"), ExitCode.NOT_READY, "CrashLoopBackOff")
    assert cluster.ephemeral_names("crashy") == before


def test_pending_pod_is_refused_with_phase_and_reason(cluster, namespace):
    name = create_pod(cluster, namespace, {"containers": [{"name": "app", "image": "example.invalid/nope:1"}]})
    cluster.kubectl("wait", f"pod/{name}", "-n", namespace, "--for=jsonpath={.status.phase}=Pending", check=True)
    assert_one_line_error(cluster.dshell("-n", namespace, name, "--", "true"), ExitCode.NOT_READY, "Pending")
    assert cluster.ephemeral_names(name, namespace) == []


def test_static_pod_is_refused(cluster, namespace):
    name = create_pod(cluster, namespace, {"containers": [app(cluster)]},
                      annotations={"kubernetes.io/config.mirror": "0123456789abcdef"})
    assert_one_line_error(cluster.dshell("-n", namespace, name, "--", "true"), ExitCode.NOT_READY, "static")


def test_windows_pod_is_refused(cluster, namespace):
    name = create_pod(cluster, namespace, {"os": {"name": "windows"}, "containers": [app(cluster)]})
    assert_one_line_error(cluster.dshell("-n", namespace, name, "--", "true"), ExitCode.NOT_READY, "Windows")


def test_unknown_container_names_the_choices(cluster):
    assert_one_line_error(cluster.dshell("two", "-c", "nope", "--", "true"), ExitCode.NOT_FOUND, "nope", "app",
                          "sidecar")


def test_pod_security_refusal_lists_the_violations(cluster):
    before = cluster.ephemeral_names("api", "secure")
    err = assert_one_line_error(cluster.dshell("-n", "secure", "api", "--profile", "baseline", "--", "true"),
                                ExitCode.FORBIDDEN, "restricted")
    assert "runAsNonRoot" in err and "allowPrivilegeEscalation" in err
    assert cluster.ephemeral_names("api", "secure") == before


def test_unpullable_image_fails_with_a_hint_and_is_not_repeated(cluster, fresh_pod):
    pod = fresh_pod("root-app")
    for _ in range(2):
        r = cluster.dshell(pod, "--image", "example.invalid/busybox:1", "--timeout", "60", "--", "true")
        assert_one_line_error(r, ExitCode.DEBUGGER_FAILED, "--image")
    assert len(cluster.ephemeral_names(pod)) == 1  # the failed debugger is reused, never piled up


def test_missing_kubeconfig_says_which(cluster, tmp_path):
    missing = tmp_path / "nope.yaml"
    r = cluster.dshell("web", "--", "true", env={"KUBECONFIG": str(missing)})
    assert_one_line_error(r, ExitCode.CONFIG, str(missing))


def test_malformed_kubeconfig_says_which(cluster, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nclusters: [oops\n")
    assert_one_line_error(cluster.dshell("web", "--", "true", env={"KUBECONFIG": str(bad)}), ExitCode.CONFIG,
                          str(bad))


def test_unknown_context_names_it(cluster):
    assert_one_line_error(cluster.dshell("--context", "nope", "web", "--", "true"), ExitCode.CONFIG, "nope")


def test_connection_refused_names_the_server(cluster, tmp_path):
    config = tmp_path / "refused.yaml"
    config.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: x, cluster: {server: 'https://127.0.0.1:9'}}]\n"
        "users: [{name: u, user: {token: secret-token-value}}]\n"
        "contexts: [{name: c, context: {cluster: x, user: u}}]\n"
    )
    err = assert_one_line_error(cluster.dshell("web", "--", "true", env={"KUBECONFIG": str(config)}),
                                ExitCode.CONNECTION, "127.0.0.1:9")
    assert "secret-token-value" not in err


@pytest.fixture
def simulator_with(request):
    """Factory: a simulator of its own started with extra flags (only where the test needs a knob)."""
    from tests.e2e.conftest import Target
    from tests.kubesim.harness import start_simulator

    if not request.node.get_closest_marker("simulator_only"):
        pytest.fail("a test that starts a simulator of its own must be marked simulator_only")
    started = []

    def make(*args: str) -> Target:
        sim = start_simulator(*args)
        started.append(sim)
        return Target(sim.kubeconfig, sim.workdir, simulated=True)

    yield make
    for sim in started:
        sim.stop()


@pytest.mark.simulator_only
def test_cluster_without_ephemeral_containers_says_so(simulator_with):
    cluster = simulator_with("--no-ephemeral-containers")
    assert_one_line_error(cluster.dshell("root-app", "--", "true"), ExitCode.UNSUPPORTED, "ephemeral containers")


@pytest.mark.simulator_only
def test_cluster_older_than_1_23_says_so(simulator_with):
    cluster = simulator_with("--version", "1.22", "--no-ephemeral-containers")  # 1.22: alpha, off by default
    assert_one_line_error(cluster.dshell("root-app", "--", "true"), ExitCode.UNSUPPORTED, "1.22")


@pytest.mark.simulator_only
def test_timeout_names_the_waiting_reason_and_ctrl_c_exits_130(simulator_with):
    cluster = simulator_with("--start-delay-ms", "8000")
    r = cluster.dshell("root-app", "--timeout", "2", "--", "true")
    assert_one_line_error(r, ExitCode.TIMEOUT, "2")
    proc = subprocess.Popen(["kubectl", "dshell", "web", "--", "true"], env=cluster.env(),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        proc.stderr.readline()  # the debugger was requested: the spinner or the note is on stderr
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == ExitCode.INTERRUPTED
    finally:
        proc.kill()
        proc.communicate()
    assert len(cluster.ephemeral_names("web")) <= 1  # a request already made stays; nothing more


def test_rbac_refusal_names_the_missing_permission(cluster, namespace, tmp_path):
    name = create_pod(cluster, namespace, {"containers": [app(cluster)]})
    cluster.kubectl("wait", "--for=condition=Ready", f"pod/{name}", "-n", namespace, "--timeout=60s", check=True)
    for args in (["create", "serviceaccount", "limited"],
                 ["create", "role", "pod-reader", "--verb=get,list,watch", "--resource=pods"],
                 ["create", "rolebinding", "limited-reader", "--role=pod-reader",
                  f"--serviceaccount={namespace}:limited"]):
        cluster.kubectl(*args, "-n", namespace, check=True)
    token = cluster.kubectl("create", "token", "limited", "-n", namespace, check=True).stdout.decode().strip()
    config = json.loads(cluster.kubectl("config", "view", "--raw", "--minify", "--flatten", "-o", "json",
                                        check=True).stdout)
    config["users"][0]["user"] = {"token": token}
    kubeconfig = tmp_path / "limited.json"
    kubeconfig.write_text(json.dumps(config))
    r = cluster.dshell("-n", namespace, name, "--", "true", env={"KUBECONFIG": str(kubeconfig)})
    err = assert_one_line_error(r, ExitCode.FORBIDDEN, "patch", "pods/ephemeralcontainers")
    assert token not in err
    assert cluster.ephemeral_names(name, namespace) == []


@pytest.mark.parametrize("scheme,verb", [("https", ["web"]), ("http", ["env", "web"])])
def test_a_server_that_never_answers_times_out_with_the_connection_code(cluster, listener, tmp_path, scheme, verb):
    silent = listener(None)  # accepts, never answers
    server = f"{scheme}://127.0.0.1:{silent.port}"
    config = kubeconfig_for(tmp_path / "silent.json", {"server": server, "insecure-skip-tls-verify": True},
                            {"token": "t"})
    r = cluster.dshell(*verb, "--request-timeout", "2s", env={"KUBECONFIG": str(config)}, timeout=60)
    assert_one_line_error(r, ExitCode.CONNECTION, f"{server}: no answer within 2s", "--request-timeout")


BAD_VALUES = [["--timeout", v] for v in ("inf", "1e308", "99999999999999999999", "-1", "nan")] + [
    ["--uid", "99999999999"], ["--gid", "-1"], ["--request-timeout", "-5s"]]


def test_values_out_of_range_are_usage_errors_before_anything_is_sent(cluster, fresh_pod):
    pod = fresh_pod("root-app")
    for flag, value in BAD_VALUES:
        err = assert_one_line_error(cluster.dshell(pod, flag, value, "--", "true"), ExitCode.USAGE,
                                    f"error: invalid value for '{flag}': '{value}'", "hint: ")
        assert len(err.splitlines()) == 2, err
    assert cluster.ephemeral_names(pod) == []
