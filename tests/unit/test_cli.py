"""The command line: kubectl-style flags before or after POD, `--`, the `shell` verb, help, exit codes."""

from __future__ import annotations

import errno
import io
import signal

import pytest
from rich.console import Console
from typer.testing import CliRunner

from kubectl_dshell import cli, render, session
from kubectl_dshell.errors import ExitCode, NotFound, Stopped, UsageError
from kubectl_dshell.labelselector import check_selector
from kubectl_dshell.options import Connection, Profile, ShellOptions, Timeouts
from kubectl_dshell.render import DataOut, Ui


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[ShellOptions]:
    """The options each invocation would run with (the session itself is replaced: no cluster here)."""
    seen: list[ShellOptions] = []

    def record(options: ShellOptions, ui: Ui) -> int:
        seen.append(options)
        return 7

    monkeypatch.setattr(session, "run_shell", record)
    return seen


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli.app, list(args), env=env)


@pytest.mark.parametrize(
    "args",
    [
        ["-n", "prod", "web", "--context", "c1"],
        ["web", "-n", "prod", "--context", "c1"],
        ["--context", "c1", "-n", "prod", "web"],
        ["shell", "web", "-n", "prod", "--context=c1"],
        ["-n", "prod", "shell", "--context", "c1", "web"],
    ],
)
def test_flags_before_or_after_pod(calls: list[ShellOptions], args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 7, result.output
    assert calls[0].target == "web"
    assert calls[0].connection == Connection(None, "c1", "prod")
    assert calls[0].command == ()


def test_command_after_double_dash_keeps_its_own_flags(calls: list[ShellOptions]) -> None:
    result = invoke("web", "-c", "app", "--", "ls", "-n", "--", "-q")
    assert result.exit_code == 7, result.output
    assert calls[0].container == "app"
    assert calls[0].command == ("ls", "-n", "--", "-q")
    assert calls[0].quiet is False


def test_a_pod_named_like_a_verb(calls: list[ShellOptions]) -> None:
    assert invoke("shell", "shell").exit_code == 7
    assert calls[0].target == "shell"


def test_debugger_flags_and_environment(calls: list[ShellOptions]) -> None:
    invoke(
        "deploy/web",
        "--profile",
        "general",
        "--uid",
        "1000",
        "--timeout",
        "5",
        "--reason",
        "INC-1",
        "-q",
        env={"DSHELL_IMAGE": "registry.local/busybox:1"},
    )
    options = calls[0]
    assert options.target == "deploy/web"
    assert options.debugger.image == "registry.local/busybox:1"
    assert options.debugger.overrides.profile is Profile.GENERAL
    assert options.debugger.overrides.uid == 1000
    assert (options.debugger.timeout, options.debugger.reason, options.quiet) == (5.0, "INC-1", True)


def test_defaults(calls: list[ShellOptions]) -> None:
    invoke("web")
    assert calls[0].debugger.image == "busybox:1.36.1"
    assert calls[0].debugger.timeout == 120.0
    assert calls[0].debugger.idle == 1800


def test_a_command_without_double_dash_is_refused(calls: list[ShellOptions]) -> None:
    result = invoke("web", "ls")
    assert result.exit_code == ExitCode.USAGE
    assert "put the command after --" in result.output
    assert calls == []


def test_double_dash_needs_a_pod_first(calls: list[ShellOptions]) -> None:
    result = invoke("--", "ls")
    assert result.exit_code == ExitCode.USAGE
    assert "POD must come before --" in result.output


def test_help_reads_kubectl_dshell() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    assert result.output.startswith("Usage: kubectl dshell [flags] [shell] POD [-- CMD [ARG...]]")
    assert "Exit codes: 0 ok, 1 failure, 2 usage" in result.output
    assert "Usage: kubectl-dshell" not in result.output
    shell_help = invoke("web", "--help").output
    assert shell_help.startswith("Usage: kubectl dshell shell [flags] POD [-- CMD [ARG...]]")


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output.startswith("kubectl dshell ")


def test_route_puts_the_verb_first() -> None:
    verbs, values, group = {"shell", "ps"}, {"-n", "--namespace"}, {"--help", "--version"}
    assert cli.route(["-n", "x", "ps", "web"], verbs, values, group) == ["ps", "-n", "x", "web"]
    assert cli.route(["-n", "ps", "web"], verbs, values, group) == ["shell", "-n", "ps", "web"]
    assert cli.route(["--help"], verbs, values, group) == ["--help"]
    assert cli.route(["-q"], verbs, values, group) == ["shell", "-q"]


def _rendered(action, debug: bool = False) -> tuple[int, str]:
    err = io.StringIO()
    code = cli.outcome(action, Ui(Console(file=err, width=200, no_color=True)), debug)
    return code, err.getvalue()


def test_errors_are_one_line_and_a_hint_with_their_exit_code() -> None:
    def missing(ui: Ui) -> int:
        raise NotFound('pod "webb" not found in namespace default', "did you mean: web?")

    assert _rendered(missing) == (
        ExitCode.NOT_FOUND,
        'error: pod "webb" not found in namespace default\nhint: did you mean: web?\n',
    )


def test_ctrl_c_exits_130() -> None:
    def interrupted(ui: Ui) -> int:
        raise KeyboardInterrupt

    code, text = _rendered(interrupted)
    assert code == 130
    assert text.startswith("error: interrupted\n")


@pytest.mark.parametrize(("signum", "code", "line"), [
    (signal.SIGTERM, 143, "error: terminated (SIGTERM)"),
    (signal.SIGHUP, 129, "error: hung up (SIGHUP)"),
])
def test_sigterm_and_sighup_stop_as_ctrl_c_does(signum: int, code: int, line: str) -> None:
    def stopped(ui: Ui) -> int:
        raise Stopped(signum)

    assert _rendered(stopped) == (code, line + "\nhint: a debugger already running stops by itself once idle\n")
    assert f"{code} {ExitCode(code).name.lower()}" in cli.exit_code_table()


def test_a_closed_stdout_ends_silently_with_141() -> None:
    def piped_to_head(ui: Ui) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    assert _rendered(piped_to_head) == (141, "")


def test_a_full_disk_under_stdout_is_one_line_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    class Full(io.BytesIO):
        def write(self, data: bytes) -> int:  # type: ignore[override]
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(render, "stdout_name", lambda: "stdout (/mnt/small/out)")

    def cat(ui: Ui) -> int:
        DataOut(Full()).write(b"x")
        return 0

    code, text = _rendered(cat)
    assert (code, text.splitlines()[0]) == (15, "error: cannot write stdout (/mnt/small/out): No space left on device")


def test_unexpected_errors_have_no_traceback_without_debug() -> None:
    def broken(ui: Ui) -> int:
        raise RuntimeError("boom\nsecond line")

    code, text = _rendered(broken)
    assert code == ExitCode.FAILURE
    assert text == "error: unexpected RuntimeError: boom\nhint: run with --debug for the traceback\n"
    assert "Traceback" in _rendered(broken, debug=True)[1]


@pytest.mark.parametrize("args,message", [
    (["env"], "name a POD, or select pods with -l SELECTOR"),
    (["ps", "web", "-l", "app=web"], "name a POD or -l app=web, not both"),
])
def test_inspection_target_is_checked_before_any_kubeconfig(args: list[str], message: str) -> None:
    result = invoke(*args, env={"KUBECONFIG": "/nonexistent/kubeconfig"})
    assert result.exit_code == ExitCode.USAGE
    assert message in result.output
    assert "kubeconfig" not in result.output


@pytest.mark.parametrize("verb", [["env"], ["ps"], ["net"], ["ls", "/"]])
def test_a_bad_label_selector_is_a_usage_error_before_any_request(verb: list[str]) -> None:
    result = invoke(*verb, "-l", "!!!bad", env={"KUBECONFIG": "/nonexistent/kubeconfig"})
    assert result.exit_code == ExitCode.USAGE
    assert result.output.splitlines() == [
        "error: invalid label selector '!!!bad': '!!bad' is not a label key",
        "hint: for example -l app=web, -l 'app in (web,api)' or -l '!canary'",
    ]


@pytest.mark.parametrize("selector,problem", [
    ("app in ()", "in needs at least one value"),
    ("app=we b", "cannot parse 'app=we b'"),
    ("a/b/c=d", "'a/b/c' is not a label key"),
    ("app==-x", "'-x' is not a label value"),
    ("app,,b", "an empty requirement between commas"),
    ("x" * 64, "label key 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' is too long"),
])
def test_label_selectors_follow_kubernetes_grammar(selector: str, problem: str) -> None:
    for good in ("app in (web,root-app)", "!canary", "tier", "example.com/app==web,env!=prod", "v>3", "a = b"):
        check_selector(good)
    with pytest.raises(UsageError) as caught:
        check_selector(selector)
    assert caught.value.message == f"invalid label selector {selector!r}: {problem}"


@pytest.mark.parametrize("value,seconds", [("30", 30), ("2s", 2), ("1m", 60), ("1h30m", 5400), ("500ms", 0.5)])
def test_request_timeout_takes_kubectls_forms(calls: list[ShellOptions], value: str, seconds: float) -> None:
    assert invoke("web", "--request-timeout", value).exit_code == 7
    assert calls[0].connection.timeouts == Timeouts(min(10, seconds), seconds)


def test_request_timeout_0_is_no_read_limit_and_the_default_is_30s(calls: list[ShellOptions]) -> None:
    invoke("web", "--request-timeout", "0")
    invoke("web")
    assert [c.connection.timeouts for c in calls] == [Timeouts(10, None), Timeouts(10, 30)]


@pytest.mark.parametrize("args", [
    ["--timeout", "inf"], ["--timeout", "1e308"], ["--timeout", "99999999999999999999"], ["--timeout", "-1"],
    ["--timeout", "nan"], ["--timeout", "0"], ["--timeout", "25h"], ["--request-timeout", "-1"],
    ["--request-timeout", "1x"], ["--uid", "99999999999"], ["--uid", "-1"], ["--gid", "-1"], ["--gid", "1.5"],
])
def test_values_out_of_range_are_one_line_usage_errors(calls: list[ShellOptions], args: list[str]) -> None:
    result = CliRunner().invoke(cli.app, ["web", *args, "--", "true"])
    lines = result.output.splitlines()
    assert result.exit_code == ExitCode.USAGE
    assert len(lines) == 2 and lines[0].startswith(f"error: invalid value for '{args[0]}': "), lines
    assert lines[1].startswith("hint: ")
    assert calls == []


def test_timeout_takes_durations_and_ids_their_range(calls: list[ShellOptions]) -> None:
    assert invoke("web", "--timeout", "5m", "--uid", "2147483647", "--gid", "0").exit_code == 7
    assert calls[0].debugger.timeout == 300
    assert (calls[0].debugger.overrides.uid, calls[0].debugger.overrides.gid) == (2147483647, 0)
