"""`kubectl dshell POD [-- CMD]`: a shell in the target's filesystem on every demo pod."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess

import pytest

# (args naming the pod, the PORT its app was started with)
DEMO_TARGETS = [
    pytest.param(["web"], "8080", id="web"),
    pytest.param(["root-app"], "8081", id="root-app"),
    pytest.param(["two"], "8082", id="two"),
    pytest.param(["-n", "secure", "api"], "8443", id="secure-api"),
]


def test_command_lists_the_target_root(cluster):
    r = cluster.dshell("web", "--", "ls")
    assert r.returncode == 0, r.stderr
    assert {"app", "config", "etc", "tmp"} <= set(r.stdout.decode().split())


@pytest.mark.parametrize("args,port", DEMO_TARGETS)
def test_target_files_environ_and_fds_are_readable(cluster, args, port):
    script = 'ls app && tr "\\0" "\\n" </proc/$DSHELL_PID/environ | grep "^PORT=" && ls /proc/$DSHELL_PID/fd | wc -l'
    r = cluster.dshell(*args, "--", "sh", "-c", script)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().split()
    assert lines[:2] == ["app", f"PORT={port}"]
    assert int(lines[2]) >= 3  # the app's stdin, stdout, stderr and its listening socket


def test_exit_code_and_streams_pass_through(cluster):
    r = cluster.dshell("web", "--", "sh", "-c", "echo out; echo err >&2; exit 7")
    assert (r.returncode, r.stdout) == (7, b"out\n")
    assert r.stderr.decode().splitlines()[-1] == "err"


def test_piped_stdin_reaches_the_command(cluster):
    data = os.urandom(1024 * 1024)
    r = cluster.dshell("-q", "root-app", "--", "md5sum", input=data)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().split()[0] == hashlib.md5(data).hexdigest()


def test_hostile_arguments_arrive_unchanged(cluster):
    args = ["$(id)", "`id`", "a b", "'q'", '"dq"', "semi;colon", "new\nline", "", "-n"]
    r = cluster.dshell("-q", "web", "--", "printf", "[%s]\\n", *args)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode() == "".join(f"[{a}]\n" for a in args)


def test_workload_target_picks_its_running_pod(cluster):
    r = cluster.dshell("-q", "deploy/web", "--", "cat", "/etc/hostname")
    assert (r.returncode, r.stdout) == (0, b"web\n"), r.stderr


@pytest.mark.parametrize("args,prompt,sign", [
    (["web"], "[dshell web/app]", "$"),
    (["root-app"], "[dshell root-app/app]", "#"),
    (["-n", "secure", "api"], "[dshell api/api]", "$"),
], ids=["web", "root-app", "secure-api"])
def test_interactive_shell_on_a_terminal(cluster, args, prompt, sign):
    term = cluster.dshell_pty(*args)
    try:
        term.expect(re.escape(prompt) + r".*" + re.escape(sign) + " ", timeout=60)
        term.send("ls; echo MARK-$((40+2))\n")
        term.expect(r"config|app")
        term.expect("MARK-42")
        term.send("exit 3\n")
        assert term.wait() == 3
    finally:
        term.close()


def test_ctrl_c_interrupts_the_remote_command_not_the_session(cluster):
    term = cluster.dshell_pty("root-app")
    try:
        term.expect(r"# ", timeout=60)
        # the command says when it runs: it then owns the terminal, so ^C is its, not the shell's
        term.send("sh -c 'echo RUN''NING; exec sleep 300'; echo SLEPT\n")
        mark = term.expect("RUNNING").end()
        term.send("\x03")
        term.expect(r"# ", since=mark)  # a new prompt: the shell survived (input sent with ^C is flushed)
        term.send("echo ALIVE-$((1+1))\n")
        term.expect("ALIVE-2")
        assert b"\nSLEPT\r\n" not in term.output  # the sequence was interrupted, not just sleep
        term.send("exit\n")
        assert term.wait() == 0
    finally:
        term.close()


def test_window_size_reaches_the_remote_terminal(cluster):
    term = cluster.dshell_pty("root-app", rows=33, cols=101)
    try:
        term.expect(r"# ", timeout=60)
        term.send("stty size\n")
        term.expect("33 101")
        term.resize(40, 120)
        term.send("stty size\n")
        term.expect("40 120")
        term.send("exit\n")
        term.wait()
    finally:
        term.close()


def test_second_call_reuses_the_debugger(cluster, fresh_pod):
    pod = fresh_pod("web")
    for _ in range(2):
        r = cluster.dshell(pod, "--", "true")
        assert r.returncode == 0, r.stderr
    assert len(cluster.ephemeral_names(pod)) == 1
    assert "added debugger" not in r.stderr.decode()


def test_ten_concurrent_calls_add_one_debugger(cluster, fresh_pod):
    pod = fresh_pod("web")
    procs = [subprocess.Popen(["kubectl", "dshell", "-q", pod, "--", "true"], env=cluster.env(),
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(10)]
    results = [(p.wait(180), p.stderr.read().decode()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    assert [code for code, _ in results] == [0] * 10, results
    assert len(cluster.ephemeral_names(pod)) == 1


def test_debugger_records_who_when_and_why(cluster, fresh_pod):
    pod = fresh_pod("root-app")
    r = cluster.dshell(pod, "--reason", "INC-1234 latency", "--", "true")
    assert r.returncode == 0, r.stderr
    out = cluster.kubectl("get", "pod", pod, "-o", "jsonpath={.spec.ephemeralContainers[0].env}", check=True)
    env = {e["name"]: e.get("value") for e in json.loads(out.stdout)}
    assert env["DSHELL_REASON"] == "INC-1234 latency"
    assert env["DSHELL_USER"]  # who: from SelfSubjectReview (the kubeconfig's user where that is not allowed)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", env["DSHELL_CREATED"])


def test_a_command_starting_with_a_dash_runs_in_the_pod(cluster):
    # web's session works in /proc/PID/root, root-app's in a chroot: both start the command as given.
    runs = [("web", "-n", "x"), ("root-app", "-n", "x"), ("web", "echo", "-n", "x")]
    *dashes, echo = (cluster.dshell("-q", pod, "--", *cmd) for pod, *cmd in runs)
    for dash in dashes:
        assert dash.returncode == 127, dash.stderr.decode()  # the pod's "not found": it ran there
        assert b"-n: not found" in dash.stderr and dash.stdout == b""
    assert (echo.returncode, echo.stdout) == (0, b"x"), echo.stderr.decode()
