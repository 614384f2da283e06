"""The simulator as the real kubectl meets it: the demo workloads, exec, and kubectl debug."""

from __future__ import annotations

import hashlib
import os
import re

import pytest

from tests.ptydriver import PtyProcess


def test_get_pods_shows_demo_workloads_with_real_columns(simulator):
    out = simulator.kubectl("get", "pods", "-A", check=True).stdout.decode()
    lines = out.splitlines()
    assert re.split(r"\s{2,}", lines[0]) == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    rows = {tuple(re.split(r"\s+", l)[:2]): re.split(r"\s+", l) for l in lines[1:]}
    for ns, name, ready in [("default", "web", "1/1"), ("default", "root-app", "1/1"),
                            ("default", "two", "2/2"), ("secure", "api", "1/1")]:
        assert rows[(ns, name)][2:4] == [ready, "Running"], out
    assert rows[("default", "crashy")][3] in ("CrashLoopBackOff", "Error"), out


def test_exec_in_distroless_fails_like_containerd(simulator):
    r = simulator.kubectl("exec", "web", "-c", "app", "--", "ls")
    assert r.returncode == 1
    assert 'exec: "ls": executable file not found in $PATH' in r.stderr.decode()


def test_exec_passes_output_and_exit_code(simulator):
    r = simulator.kubectl("exec", "two", "-c", "sidecar", "--", "sh", "-c", "echo hi; echo oops >&2; exit 3")
    assert (r.returncode, r.stdout, r.stderr.decode()) == (3, b"hi\n", "oops\ncommand terminated with exit code 3\n")


def test_exec_stdin_10mb_intact(simulator):
    data = os.urandom(10 * 1024 * 1024)
    r = simulator.kubectl("exec", "-i", "two", "-c", "sidecar", "--", "md5sum", input=data, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().split()[0] == hashlib.md5(data).hexdigest()


def _debug(simulator, *args: str) -> PtyProcess:
    argv = ["kubectl", "--cache-dir", str(simulator.cache_dir), "debug", *args]
    return PtyProcess(argv, env=simulator.env())


def _debug_shell(simulator, *args: str) -> PtyProcess:
    term = _debug(simulator, *args)
    term.expect("If you don't see a command prompt", timeout=60)
    term.send("echo READY-$((6*7))\n")
    term.expect("READY-42")
    return term


def test_kubectl_debug_root_without_ptrace_is_denied_on_nonroot_target(simulator):
    term = _debug_shell(simulator, "web", "-it", "--image=busybox:1.36.1", "--target=app")
    try:
        term.send("cat /proc/1/cmdline; echo; ls /proc/1/root/; echo rc=$?\n")
        term.expect(r"/app")
        term.expect(r"Permission denied")
        term.expect(r"rc=1")
        term.send("exit\n")
        term.wait()
    finally:
        term.close()


@pytest.mark.parametrize("extra", [["--profile=general"], ["--custom", "CUSTOM"]])
def test_kubectl_debug_can_read_target_root_with_ptrace_or_same_uid(simulator, tmp_path, extra):
    if extra[-1] == "CUSTOM":
        custom = tmp_path / "custom.yaml"
        custom.write_text("securityContext:\n  runAsUser: 65532\n  runAsGroup: 65532\n")
        extra = ["--custom", str(custom)]
    term = _debug_shell(simulator, "web", "-it", "--image=busybox:1.36.1", "--target=app", *extra)
    try:
        term.send("ls /proc/1/root/config/; echo rc=$?\n")
        term.expect(r"app\.yaml")
        term.expect(r"rc=0")
        term.send("exit\n")
        term.wait()
    finally:
        term.close()


def test_kubectl_debug_in_restricted_namespace_is_refused_with_violations(simulator):
    r = simulator.kubectl("debug", "-n", "secure", "api", "--image=busybox:1.36.1", "--target=api", "--", "true")
    err = r.stderr.decode()
    assert r.returncode == 1
    assert 'violates PodSecurity "restricted:latest"' in err
    assert "allowPrivilegeEscalation != false" in err and "runAsNonRoot != true" in err


def test_kubectl_debug_restricted_profile_with_matching_uid_reads_target(simulator, tmp_path):
    custom = tmp_path / "custom.yaml"
    custom.write_text("securityContext:\n  runAsUser: 10001\n  runAsGroup: 10001\n")
    term = _debug_shell(simulator, "-n", "secure", "api", "-it", "--image=busybox:1.36.1", "--target=api",
                        "--profile=restricted", "--custom", str(custom))
    try:
        term.send("id; ls /proc/1/root/; echo rc=$?\n")
        term.expect(r"uid=10001")
        term.expect(r"app")
        term.expect(r"rc=0")
        term.send("exit\n")
        term.wait()
    finally:
        term.close()


def test_unknown_image_shows_image_pull_backoff(simulator):
    term = _debug(simulator, "root-app", "-it", "--image=example.invalid/nope:1", "--target=app")
    try:
        term.expect(r"Back-off pulling image|ImagePullBackOff", timeout=60)
    finally:
        term.close()
