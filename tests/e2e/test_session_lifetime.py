"""A session's remote processes end when its client goes away: killed, terminated, hung up, or cut off.
A runtime does not end an exec's processes when the connection closes; dshell must, or a debugger
would never go idle. Nothing may be left to the target's PID 1 either (it may never reap a zombie)."""

from __future__ import annotations

import json
import secrets
import signal
import subprocess
import time

import pytest


def _processes(cluster, pod: str) -> list[dict]:
    result = cluster.dshell("ps", pod, "-o", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["processes"]


def _running(cluster, pod: str, token: str) -> list[dict]:
    return [p for p in _processes(cluster, pod) if any(token in word for word in p["command"])]


def _zombies(cluster, pod: str) -> int:
    return sum(p["state"] == "Z" for p in _processes(cluster, pod))


def _await(condition, what: str, timeout: float = 30, shown=None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}" + (f": {shown()}" if shown else ""))
        time.sleep(0.3)


def _token() -> str:
    return str(100000 + secrets.randbelow(800000))  # a sleep's length no one else uses


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGHUP], ids=["KILL", "TERM", "HUP"])
def test_a_command_ends_when_its_client_is_signalled(cluster, fresh_pod, sig):
    pod = fresh_pod("web")
    token = _token()
    zombies = _zombies(cluster, pod)
    client = subprocess.Popen(["kubectl", "dshell", pod, "--", "sh", "-c", f"sleep {token}; echo never"],
                              env=cluster.env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    try:
        _await(lambda: _running(cluster, pod, token), "the remote command runs")
        client.send_signal(sig)
        client.wait(30)
        _await(lambda: not _running(cluster, pod, token), "the remote command is gone")
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()
    assert b"never" not in client.stdout.read()
    assert _zombies(cluster, pod) == zombies


def test_an_interactive_sessions_processes_end_when_its_client_is_killed(cluster, fresh_pod):
    pod = fresh_pod("web")
    token = _token()
    term = cluster.dshell_pty(pod)
    try:
        term.expect(r"\$ ", timeout=60)
        term.send(f"sleep {token}\n")
        _await(lambda: _running(cluster, pod, token), "the remote command runs")
        term.proc.send_signal(signal.SIGKILL)
        term.proc.wait(30)
        _await(lambda: not _running(cluster, pod, token), "the remote command is gone")
    finally:
        term.close()


def test_cat_of_a_fifo_ends_with_its_client(cluster, fresh_pod):
    pod = fresh_pod("web")
    fifo = f"/tmp/fifo-{_token()}"
    made = cluster.dshell(pod, "--", "sh", "-c", 'mkfifo "$DSHELL_ROOT$1"', "mk", fifo)
    assert made.returncode == 0, made.stderr
    client = subprocess.Popen(["kubectl", "dshell", "cat", pod, fifo], env=cluster.env(),
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _await(lambda: _running(cluster, pod, "dshell-cat"), "cat waits on the fifo")
        client.terminate()
        client.wait(30)
        _await(lambda: not _running(cluster, pod, "dshell-cat"), "cat is gone",
               shown=lambda: [(p["pid"], p["ppid"], p["state"], p["command"][:6]) for p in _processes(cluster, pod)])
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()


def test_a_pod_deleted_during_a_session_is_named_as_the_cause(cluster, fresh_pod):
    pod = fresh_pod("web")
    token = _token()
    client = subprocess.Popen(["kubectl", "dshell", pod, "--", "sleep", token], env=cluster.env(),
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _await(lambda: _running(cluster, pod, token), "the remote command runs")
        cluster.kubectl("delete", "pod", pod, "--grace-period=1", "--wait=false", check=True)
        code = client.wait(60)
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()
    lines = client.stderr.read().decode().strip().splitlines()
    assert code == 11, lines
    assert lines[-2].startswith(f"error: pod default/{pod} ") and "delet" in lines[-2], lines


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["KILL", "TERM"])
def test_a_command_fed_by_a_pipe_ends_with_its_client_after_its_input_ended(cluster, fresh_pod, sig):
    """Its stdin is the client's data, so it cannot be its lifeline: once the input has ended, the
    lease (a second exec) is what tells the debugger that the client went away."""
    pod = fresh_pod("web")
    token = _token()
    client = subprocess.Popen(["kubectl", "dshell", pod, "--", "sh", "-c", f"cat; sleep {token}; echo never"],
                              env=cluster.env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    try:
        client.stdin.write(b"input\n")
        client.stdin.close()  # the remote cat ends: from now on only the lease ties the command to us
        _await(lambda: _running(cluster, pod, token), "the remote command runs")
        client.send_signal(sig)
        client.wait(30)
        _await(lambda: not _running(cluster, pod, token), "the remote command is gone",
               shown=lambda: _processes(cluster, pod))
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()
    out = client.stdout.read()
    assert out == b"input\n", out


def test_a_piped_command_that_ends_by_itself_leaves_no_lease_behind(cluster, fresh_pod):
    pod = fresh_pod("web")
    r = cluster.dshell(pod, "--", "sh", "-c", "cat; echo done", input=b"data\n")
    assert (r.returncode, r.stdout) == (0, b"data\ndone\n"), r.stderr
    (debugger,) = cluster.ephemeral_names(pod)

    def leases() -> tuple[bytes, bytes]:
        files = cluster.kubectl("exec", pod, "-c", debugger, "--", "ls", "-A", "/tmp/dshell/leases", check=True)
        ps = cluster.kubectl("exec", pod, "-c", debugger, "--", "ps", "-o", "args", check=True)
        return files.stdout, b"\n".join(line for line in ps.stdout.splitlines() if b"dshell-lease" in line)

    _await(lambda: leases() == (b"", b""), "the lease is gone", shown=leases)
