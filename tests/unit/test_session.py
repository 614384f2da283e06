"""Orchestration: Pod Security fallback, blame for old debuggers, and one whole command's exit code."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from rich.console import Console

from kubectl_dshell import provision, session
from kubectl_dshell.debugger import Audit, Wanted, debugger_container
from kubectl_dshell.identity import choose_identity
from kubectl_dshell.options import Connection, DebuggerOptions, Overrides, Profile, ShellOptions
from kubectl_dshell.probes.runner import LOADER
from kubectl_dshell.render import Ui
from kubectl_dshell.target import Target
from kubectl_dshell.translate import PodSecurityRejected

from .fakeapi import Behaviour, FakeApi
from .memoryapi import MemoryApi
from .pods import WEB, variant


def ui() -> tuple[Ui, io.StringIO]:
    err = io.StringIO()
    return Ui(Console(file=err, width=200, no_color=True), stdout=io.BytesIO(), stderr=io.BytesIO()), err


def test_pod_security_refusals_fall_back_a_level_at_a_time() -> None:
    api = MemoryApi(WEB, restricted=True)
    shown, err = ui()
    general = choose_identity(WEB, "app", None, Overrides())
    debugger, identity = provision.add_admitted(api, Target(WEB, "app"), general, DebuggerOptions(), shown)
    assert identity.profile is Profile.RESTRICTED
    assert api.patches == 1
    assert api.pod["spec"]["ephemeralContainers"][0]["securityContext"]["runAsNonRoot"] is True
    assert err.getvalue().splitlines() == [
        'warning: Pod Security "restricted:latest" refused a root debugger with CAP_SYS_PTRACE; '
        "trying a root debugger with the runtime's default capabilities",
        'warning: Pod Security "restricted:latest" refused a root debugger with the runtime\'s default capabilities; '
        "trying a restricted debugger running as uid 65532 gid 65532 (a guess: the image's USER is not in the pod spec)",
    ]
    provision.announce(shown, Target(WEB, "app"), debugger, identity)
    assert err.getvalue().splitlines()[-1] == (
        f'added debugger {debugger.name} to pod default/web: Pod Security "restricted:latest" refused a root '
        "debugger with the runtime's default capabilities: a restricted debugger running as uid 65532 gid 65532 "
        "(a guess: the image's USER is not in the pod spec)"
    )


def test_an_explicit_profile_is_not_second_guessed() -> None:
    api = MemoryApi(WEB, restricted=True)
    chosen = choose_identity(WEB, "app", None, Overrides(profile=Profile.GENERAL))
    options = DebuggerOptions(overrides=Overrides(profile=Profile.GENERAL))
    with pytest.raises(PodSecurityRejected):
        provision.add_admitted(api, Target(WEB, "app"), chosen, options, ui()[0])
    assert api.patches == 0


def test_old_noncompliant_debuggers_are_blamed_without_trying_other_levels() -> None:
    pod = variant(WEB, spec={"ephemeralContainers": [{"name": "debugger-old01"}]})
    api = MemoryApi(pod, restricted=True)
    api.violation = 'allowPrivilegeEscalation != false (container "debugger-old01" must set it)'
    general = choose_identity(pod, "app", None, Overrides())
    shown, err = ui()
    with pytest.raises(PodSecurityRejected) as refused:
        provision.add_admitted(api, Target(pod, "app"), general, DebuggerOptions(), shown)
    assert refused.value.hint.startswith("the pod already holds ephemeral containers Pod Security rejects (debugger-old01)")
    assert err.getvalue() == ""  # no level below would be admitted either


def test_a_whole_command_reuses_the_debugger_and_returns_the_remote_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    identity = choose_identity(WEB, "app", None, Overrides())
    debugger = debugger_container("dshell-abcde", Wanted("app", "busybox:1.36.1", identity), Audit("a", "", "t"), 1800)
    pod = variant(WEB, spec={"ephemeralContainers": [debugger]})
    pod["status"]["ephemeralContainerStatuses"] = [{"name": "dshell-abcde", "state": {"running": {}}}]
    behaviour = Behaviour(objects={"/api/v1/namespaces/default/pods/web": pod}, exit_code=5)
    api = FakeApi(behaviour)
    (tmp_path / "kubeconfig").write_text(api.kubeconfig())
    (tmp_path / "input").write_bytes(b"piped input")
    shown, _ = ui()
    options = ShellOptions("web", Connection(str(tmp_path / "kubeconfig"), None, "default"), command=("cat",))
    try:
        with open(tmp_path / "input", "rb") as stdin:
            monkeypatch.setattr(sys, "stdin", stdin)
            assert session.run_shell(options, shown) == 5
    finally:
        api.stop()
    execs = [r for r in behaviour.requests if r.path.endswith("/exec")]
    exec_request = next(r for r in execs if r.query["command"][3] == "dshell")
    lease = next(r for r in execs if r.query["command"][3] == "dshell-lease")
    assert exec_request.query["container"] == lease.query["container"] == ["dshell-abcde"]
    sent = exec_request.query["command"]
    assert sent[:4] == ["sh", "-c", LOADER, "dshell"]
    assert sent[5:] == [
        "0123456789abcdef" * 4,
        "web",
        "app",
        "",
        "",
        "command",
        "1",
        "the pod's debugger dshell-abcde fits: a root debugger with CAP_SYS_PTRACE",
        "cat",
    ]
    # Piped input: the command's lease rides beside it (its token a lease file's name, 32 hex digits).
    assert lease.query["command"][5:13] == ["", "", "", "", "", "lease", "0", ""]
    assert len(lease.query["command"][13]) == 32
    # Reuse costs two round trips (the pod, then the exec; no namespace, node or version asked), and
    # the lease's exec beside the command's.
    assert sorted((r.method, r.path) for r in behaviour.requests) == [
        ("GET", "/api/v1/namespaces/default/pods/web"),
        ("GET", "/api/v1/namespaces/default/pods/web/exec"),
        ("GET", "/api/v1/namespaces/default/pods/web/exec"),
    ]
    # The fake echoes stdin: the script came first (its length the loader's argument), then the input.
    script, rest = shown.stdout.getvalue()[: int(sent[4])], shown.stdout.getvalue()[int(sent[4]) :]
    assert script.endswith(b": dshell-end\n") and rest == b"piped input"
    assert shown.stderr.getvalue() == b"done\n"
