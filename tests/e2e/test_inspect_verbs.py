"""e2e: env, ps, net, cat, cp and ls on the demo pods (web, root-app, two, and api in namespace secure).

Independent calls run a few at a time (`calls`), which keeps this file's run time small.
"""

from __future__ import annotations

import hashlib
import json
import stat
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PORTS = {"web": 8080, "root-app": 8081, "two": 8082, "api": 8443}
PODS = [("web", "default"), ("root-app", "default"), ("two", "default"), ("api", "secure")]
SELECTED = "app in (web,root-app,two,crashy)"  # crashy crash-loops: its failure must not stop the others


def calls(cluster, *commands: tuple[str, ...]) -> list:
    """`kubectl dshell` for each command, three at a time; results in order."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        return list(pool.map(lambda args: cluster.dshell(*args), commands))


def _json(result) -> dict:
    assert result.stdout, result.stderr.decode()
    return json.loads(result.stdout)


def _by_pod(env_l, ps_l, net_l, env_api, ps_api, net_api) -> dict[str, tuple[dict, dict, dict]]:
    """Each pod's env, ps and net documents (the -l ones by pod, then api's)."""
    found = {}
    for docs in zip(*(_json(r)["items"] for r in (env_l, ps_l, net_l))):
        assert len({d["pod"] for d in docs}) == 1
        found[docs[0]["pod"]] = docs
    found["api"] = tuple(_json(r) for r in (env_api, ps_api, net_api))
    return found


def test_env_ps_and_net_on_every_demo_pod(cluster) -> None:
    results = calls(
        cluster,
        ("env", "-l", SELECTED, "-o", "json"),
        ("ps", "-l", SELECTED, "-o", "json", "--all"),
        ("net", "-l", SELECTED, "-o", "json"),
        ("env", "api", "-n", "secure", "-o", "json"),
        ("ps", "api", "-n", "secure", "-o", "json", "--all"),
        ("net", "api", "-n", "secure", "-o", "json"),
    )
    assert [r.returncode for r in results] == [6, 6, 6, 0, 0, 0], [r.stderr.decode() for r in results]
    assert "error: pod default/crashy: container app in pod default/crashy is not running" in results[0].stderr.decode()
    found = _by_pod(*results)
    assert "not running" in found.pop("crashy")[0]["error"]["message"]
    assert sorted(found) == sorted(PORTS)
    for pod, (env, ps, net) in found.items():
        port = PORTS[pod]
        assert "error" not in env and "error" not in ps and "error" not in net, (env, ps, net)
        variables = {v["name"]: v for v in env["variables"]}
        assert variables["PORT"] == {"name": "PORT", "value": str(port), "source": "spec", "masked": False}
        assert variables["PATH"]["source"] == "image"
        assert variables["HOSTNAME"] == {"name": "HOSTNAME", "value": pod, "source": "runtime", "masked": False}
        target = [p for p in ps["processes"] if p["role"] == "target"]
        assert [p["command"] for p in target] == [["/app"]], pod
        keepers = [p for p in ps["processes"] if p["command"][3:4] == ["dshell-keeper"]]  # shown with --all
        assert keepers and all(p["role"] == "debugger" and p["container"].startswith("dshell-") for p in keepers)
        tcp = [e for e in net["listening"] if e["protocol"] == "tcp" and e["port"] == port]
        assert tcp == [{"protocol": "tcp", "address": "0.0.0.0", "port": port, "pid": target[0]["pid"], "process": "/app"}]
        assert net["dns"]["nameservers"]
    assert [p["role"] for p in found["two"][1]["processes"] if p["command"] == ["/pause"]] == ["pause"]


def test_all_namespaces_fans_out_across_namespaces(cluster) -> None:
    result = cluster.dshell("ps", "-l", "app in (web,api)", "-A", "-o", "json")
    assert result.returncode == 0, result.stderr.decode()
    items = _json(result)["items"]
    found = [(d["namespace"], d["pod"]) for d in items]
    assert ("default", "web") in found and ("secure", "api") in found
    assert found == sorted(found)
    assert all("error" not in d for d in items)
    # Without --all: neither the keeper nor the probe's own exec, only the pod's processes.
    for doc in items:
        assert all(p["role"] != "debugger" for p in doc["processes"]), doc


def test_a_closed_stdout_ends_every_verb_silently_with_141(cluster) -> None:
    """`| true` closes the pipe before anything is written: each verb's first write finds it closed."""
    verbs = [("net", "web"), ("ps", "web"), ("env", "web"), ("ls", "web", "/"), ("cat", "web", "/etc/passwd"),
             ("cp", "web:/config", "-"), ("env", "-l", "app=web", "-o", "json"), ("web", "--", "cat", "/etc/passwd")]
    script = 'kubectl dshell -q "$@" | true; exit "${PIPESTATUS[0]}"'
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda args: subprocess.run(["bash", "-c", script, "-", *args], env=cluster.env(),
                                                             capture_output=True, timeout=180), verbs))
    assert [(r.returncode, r.stderr.decode()) for r in results] == [(141, "")] * len(verbs)


def test_net_checks_alone_with_every_name_tried(cluster) -> None:
    result = cluster.dshell("net", "web", "-q", "--check", "127.0.0.1:8080", "--check-timeout", "2s",
                            "--resolve", "kubernetes.default")
    assert result.returncode == 0, result.stderr.decode()
    lines = [line.rstrip() for line in result.stdout.decode().splitlines()]
    assert [line for line in lines if line in ("Listening", "Routes", "DNS", "Checks", "Resolve")] == [
        "DNS", "Checks", "Resolve"]
    rows = lines[lines.index("Resolve") + 1 :]
    assert rows[0].split() == ["NAME", "TRIED", "ADDRESSES", "SERVER", "ERROR"]
    # ndots:5: the search domains first, each with its own answer, up to the one that has the name
    assert rows[1].split()[:2] == ["kubernetes.default", "kubernetes.default.default.svc.cluster.local"]
    assert rows[1].split()[-1] == "NXDOMAIN"
    assert rows[-1].split()[0] == "kubernetes.default.svc.cluster.local" and rows[-1].split()[-1] == "-"


def test_cat_and_cp_read_each_targets_files(cluster, tmp_path: Path) -> None:
    results = calls(
        cluster,
        ("cat", "web", "/etc/localtime"),  # web: a non-root target, read through /proc/PID/root
        ("cat", "root-app", "/etc/localtime"),  # root-app: a root target, read in a chroot
        ("cat", "web", "/app"),
        ("web", "-q", "--", "sh", "-c", 'sha256sum "$DSHELL_ROOT/app"'),
        *(("cp", f"{pod}:/app", str(tmp_path / pod), "-n", namespace) for pod, namespace in PODS),
    )
    assert [r.returncode for r in results] == [0] * len(results), [r.stderr.decode() for r in results]
    for localtime in results[:2]:
        assert localtime.stdout.startswith(b"TZif")  # an absolute symlink, followed inside the target
    binary = results[2].stdout
    assert results[3].stdout.split()[0].decode() == hashlib.sha256(binary).hexdigest() and len(binary) > 100_000
    for pod, _ in PODS:  # every demo image has the same /app
        assert (tmp_path / pod).read_bytes() == binary, pod
        assert stat.S_IMODE((tmp_path / pod).stat().st_mode) == 0o755
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(pod for pod, _ in PODS)  # no temporary left


def _requests_since(cluster, since: int) -> dict:
    """The simulator's request log (its admin-only debug endpoint) after sequence number ``since``."""
    return json.loads(cluster.kubectl("get", "--raw", f"/kubesim/requests?since={since}", check=True).stdout)


def test_web_secrets_checks_config_errors_and_one_exec_each(cluster, tmp_path: Path) -> None:
    since = _requests_since(cluster, 0)["total"] if cluster.simulated else 0
    commands = [
        ("env", "web", "-o", "json"),
        ("env", "web", "--reveal", "-o", "json"),
        ("ps", "web"),
        ("net", "web", "--check", "127.0.0.1:8080", "--check", "127.0.0.1:9", "-o", "json"),
        ("cat", "web", "/config/app.yaml"),
        ("ls", "web", "/config", "-o", "json"),
        ("cp", "web:/config", str(tmp_path)),
        ("cat", "web", "/nope"),
        ("ls", "web", "/../etc"),
        ("cat", "web", "--uid", "1000", "/root/.profile"),  # probes read as root where they chroot
        ("cat", "web", "/config"),
    ]
    env, revealed, ps, net, config, listing, folder, *errors = calls(cluster, *commands)
    masked = {v["name"]: v for v in _json(env)["variables"]}
    assert masked["DB_PASSWORD"] == {"name": "DB_PASSWORD", "value": None, "source": "secret", "masked": True,
                                     "secret": {"name": "db", "key": "password"}}
    assert {v["name"]: v["value"] for v in _json(revealed)["variables"]}["DB_PASSWORD"] == "s3cr3t-value"
    assert ps.returncode == 0 and b"/app" in ps.stdout and b"(target)" in ps.stdout

    assert net.returncode == 14 and b"a --check or --resolve failed" in net.stderr
    ok, closed = _json(net)["checks"]
    assert (ok["target"], ok["ok"], ok["error"]) == ("127.0.0.1:8080", True, None)
    assert closed["ok"] is False and "Connection refused" in closed["error"]

    assert (config.returncode, config.stdout) == (0, b"greeting: hello\n")
    entries = {e["name"]: e for e in _json(listing)["entries"]}
    assert (entries["app.yaml"]["type"], entries["app.yaml"]["link_target"]) == ("symlink", "..data/app.yaml")
    assert folder.returncode == 0 and (tmp_path / "config" / "app.yaml").read_text() == "greeting: hello\n"
    assert (tmp_path / "config" / "..data").is_symlink()

    expected = [
        (12, "no such file or folder in the target: /nope"),
        (12, "refused: /../etc leads outside the target's root"),
        (13, "permission denied: /root (read as uid 1000 gid 1000)"),
        (2, "/config is a folder"),
    ]
    for result, (code, message) in zip(errors, expected):
        assert result.returncode == code, result.stderr.decode()
        assert result.stderr.decode().splitlines()[0].startswith("error: " + message)
        assert result.stdout == b""

    if cluster.simulated:  # one exec round trip per verb, failed ones included (the debugger ran already)
        execs = [r for r in _requests_since(cluster, since)["requests"] if r["path"].endswith("/exec")]
        assert [r["path"] for r in execs] == ["/api/v1/namespaces/default/pods/web/exec"] * len(commands)


def test_net_resolve_asks_the_cluster_dns_as_the_pod_would(cluster) -> None:
    # Short names, as an application would look them up: the pod's search domains complete them,
    # whatever the cluster's domain is.
    env, known, unknown = calls(
        cluster,
        ("env", "web", "-o", "json"),
        ("net", "web", "--resolve", "kubernetes.default", "-o", "json"),
        ("net", "web", "--resolve", "no-such-name.default", "-o", "json"),
    )
    host = {v["name"]: v["value"] for v in _json(env)["variables"]}["KUBERNETES_SERVICE_HOST"]
    assert known.returncode == 0, known.stderr.decode()
    [resolved] = _json(known)["resolves"]
    assert resolved["ok"] is True and host in resolved["addresses"], resolved
    assert resolved["answered_as"].startswith("kubernetes.default.svc."), resolved
    assert unknown.returncode == 14 and b"a --check or --resolve failed" in unknown.stderr
    [failed] = _json(unknown)["resolves"]
    assert (failed["ok"], failed["addresses"], failed["tried"][-1]) == (False, [], "no-such-name.default"), failed
    assert failed["error"].startswith("server can't find no-such-name.default: "), failed


def test_a_large_copy_shows_its_progress_and_ctrl_c_leaves_nothing_behind(cluster, tmp_path: Path) -> None:
    big = "/tmp/dshell-e2e-big"  # 1 GB of zeros: made fast, copied for seconds
    made = cluster.dshell("-q", "root-app", "--", "sh", "-c", 'head -c 1000000000 /dev/zero > "$0"', big)
    assert made.returncode == 0, made.stderr.decode()
    try:
        term = cluster.dshell_pty("cp", f"root-app:{big}", str(tmp_path / "big"))
        try:
            # The bar (on stderr): the source, bytes so far of the total, in colour on a terminal.
            term.expect(r"root-app:/tmp/dshell-e2e-big (\x1b\[[0-9;]*m)?[\d.]+/1\.0 GB", timeout=60)
            term.send("\x03")
            assert term.wait() == 130, term.output.decode(errors="replace")
        finally:
            term.close()
        assert b"Traceback" not in term.output
        assert list(tmp_path.iterdir()) == []  # neither the copy nor its hidden staging folder
    finally:
        cluster.dshell("-q", "root-app", "--", "rm", "-f", big)


def test_a_native_sidecar_is_a_target_of_its_own(cluster) -> None:
    # mesh: init container setup (done), native sidecar proxy (running, distroless, /mesh mounted), app.
    env, ps, config, done = calls(
        cluster,
        ("env", "mesh", "-c", "proxy", "-o", "json"),
        ("ps", "mesh", "-c", "proxy", "-o", "json"),
        ("cat", "mesh", "-c", "proxy", "/mesh/proxy.yaml"),
        ("mesh", "-c", "setup", "--", "true"),
    )
    variables = {v["name"]: v for v in _json(env)["variables"]}
    assert (variables["PROXY_MODE"]["value"], variables["PROXY_MODE"]["source"]) == ("sidecar", "spec")
    target = [p for p in _json(ps)["processes"] if p["role"] == "target"]
    assert [(p["container"], p["command"]) for p in target] == [("proxy", ["/app"])]
    assert (config.returncode, config.stdout) == (0, b"upstream: 127.0.0.1:8083\n"), config.stderr.decode()
    assert done.returncode == 6 and done.stdout == b""
    assert done.stderr.decode().startswith(
        "error: container setup in pod default/mesh is not running (terminated: Completed, exit code 0)"
    )


SECRET, PIN = "s3cr3t-value", "712"  # PIN: shorter than a secret hidden inside other text


def _secret_pod(cluster, namespace: str) -> str:
    """A pod whose Secret reaches other variables and the app's arguments through $(VAR), and whose
    envFrom ConfigMap has no prefix."""
    objects = [
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, "stringData": {"password": SECRET, "pin": PIN}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"GREETING": "hello"}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "vault", "labels": {"app": "vault"}}, "spec": {
            "containers": [{
                "name": "app",
                "image": cluster.app_image,
                "args": ["--password=$(PW)", "--pin=$(PIN)", "--literal=$$(PW)"],
                "envFrom": [{"configMapRef": {"name": "settings"}}],
                "env": [
                    {"name": "PORT", "value": "8080"},
                    {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                    {"name": "PIN", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pin"}}},
                    {"name": "COMPOSED", "value": "x-$(PW)-y"},
                    {"name": "ESCAPED", "value": "$$(PW)"},
                    {"name": "NOTE", "value": f"the password is {SECRET}"},
                ],
            }],
        }},
    ]
    for manifest in objects:
        cluster.kubectl("create", "-n", namespace, "-f", "-", input=json.dumps(manifest).encode(), check=True)
    cluster.kubectl("wait", "--for=condition=Ready", "pod/vault", "-n", namespace, "--timeout=60s", check=True)
    return "vault"


def test_secret_values_are_masked_wherever_they_appear(cluster, namespace) -> None:
    pod = _secret_pod(cluster, namespace)
    shown = [
        ("env", pod), ("env", pod, "-o", "json"), ("env", pod, "-o", "yaml"), ("ps", pod), ("ps", pod, "-o", "json"),
        ("net", pod, "-o", "json"), ("ps", pod, "--reveal", "-o", "json"),
    ]
    *results, revealed = calls(cluster, *((*args, "-n", namespace) for args in shown))
    for result in results:
        assert result.returncode == 0, result.stderr.decode()
        assert SECRET.encode() not in result.stdout and b"x-" + SECRET.encode() not in result.stdout
    table, env, _, ps_table, ps, _ = results
    variables = {v["name"]: v for v in _json(env)["variables"]}
    assert variables["PW"] == {"name": "PW", "value": None, "source": "secret", "masked": True,
                               "secret": {"name": "db", "key": "password"}}
    assert (variables["COMPOSED"]["value"], variables["COMPOSED"]["masked"]) == (None, True)
    assert (variables["ESCAPED"]["value"], variables["ESCAPED"]["masked"]) == ("$(PW)", False)
    assert variables["NOTE"]["value"] == "the password is ****"
    assert [line.split()[:3] for line in table.stdout.decode().splitlines() if line.startswith("PW ")] == [
        ["PW", "secret", "db/password"]
    ]
    [target] = [p for p in _json(ps)["processes"] if p["role"] == "target"]
    assert target["command"] == ["/app", "--password=****", "--pin=****", "--literal=$(PW)"]
    assert b"/app --password=**** --pin=****" in ps_table.stdout
    warnings = [line for line in revealed.stderr.decode().splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: --reveal: values from Secrets are shown"]
    [target] = [p for p in _json(revealed)["processes"] if p["role"] == "target"]
    assert target["command"] == ["/app", f"--password={SECRET}", f"--pin={PIN}", "--literal=$(PW)"]


def test_env_attributes_each_variable_to_its_real_source(cluster, namespace) -> None:
    env = cluster.dshell("env", _secret_pod(cluster, namespace), "-n", namespace, "-o", "json")
    sources = {v["name"]: v["source"] for v in _json(env)["variables"]}
    assert (sources["GREETING"], sources["PORT"], sources["PATH"], sources["HOSTNAME"], sources["HOME"]) == (
        "configmap", "spec", "image", "runtime", "runtime"
    )
    assert sources["SSL_CERT_FILE"] == "image"  # the image's: the ConfigMap's keys were read, and it has no such key
    assert {s for name, s in sources.items() if name.startswith("KUBERNETES_")} == {"service"}
