"""Every exec request line stays short enough for any front door (at most 2,048 bytes) and reads as
what dshell does: the simulator's request log shows each exec's line length and argv."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest

LIMIT = 2048


def _total(cluster) -> int:
    return json.loads(cluster.kubectl("get", "--raw", "/kubesim/requests?since=0", check=True).stdout)["total"]


def _execs_since(cluster, since: int) -> list[dict]:
    log = json.loads(cluster.kubectl("get", "--raw", f"/kubesim/requests?since={since}", check=True).stdout)
    return [r for r in log["requests"] if r["path"].endswith("/exec")]


@pytest.mark.simulator_only
def test_every_verb_sends_exec_request_lines_of_at_most_2_kb(cluster, fresh_pod, tmp_path) -> None:
    pod = fresh_pod("web")
    since = _total(cluster)
    long_word = "x" * 3000
    calls = [
        (pod, "--", "true"),
        ("env", pod), ("ps", pod), ("net", pod, "--check", "127.0.0.1:8080"), ("ls", pod, "/config"),
        ("cat", pod, "/config/app.yaml"), ("cp", f"{pod}:/config", str(tmp_path / "config")),
        (pod, "--", "echo", long_word),
    ]
    for args in calls:
        result = cluster.dshell(*args)
        assert result.returncode == 0, (args, result.stderr.decode())
    assert cluster.dshell(pod, "--", "echo", long_word).stdout == (long_word + "\n").encode()
    term = cluster.dshell_pty(pod)
    try:
        term.expect(r"\$ ", timeout=60)
        term.send("exit 4\n")
        assert term.wait() == 4
    finally:
        term.close()
    execs = _execs_since(cluster, since)
    assert len(execs) >= len(calls) + 2  # the terminal session's script was installed by an exec of its own
    assert max(r["line"] for r in execs) <= LIMIT, sorted(r["line"] for r in execs)[-3:]
    names = {parse_qs(r["query"])["command"][3] for r in execs}
    assert {"dshell", "dshell-env", "dshell-ps", "dshell-net", "dshell-ls", "dshell-cat", "dshell-cp"} <= names


@pytest.mark.simulator_only
def test_a_request_line_over_the_simulators_limit_is_refused_with_414(cluster) -> None:
    result = cluster.kubectl("get", "--raw", "/api/v1/namespaces/default/pods?labelSelector=" + "a" * 9000)
    assert result.returncode != 0
    assert b"414" in result.stderr or b"Too Long" in result.stderr, result.stderr
