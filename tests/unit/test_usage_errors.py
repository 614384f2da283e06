"""Usage errors as the user sees them from the real entry point: dshell's two lines (``error: ...``,
``hint: ...``) on stderr, nothing on stdout, exit code 2; never click's ``Error:`` or a usage block."""

from __future__ import annotations

import sys

import pytest

from kubectl_dshell import cli
from kubectl_dshell.errors import ExitCode

CASES = [
    ([], "name a POD, as in kubectl dshell POD",
     "see kubectl dshell --help for the verbs, options and examples"),
    (["nett", "web"], "'nett' is not a verb (the verbs: shell, env, ps, net, ls, cat, cp)",
     "did you mean kubectl dshell net web? (a command for a pod named nett goes after --)"),
    (["-n", "shop", "evn", "web", "-o", "json"], "'evn' is not a verb (the verbs: shell, env, ps, net, ls, cat, cp)",
     "did you mean kubectl dshell -n shop env web -o json? (a command for a pod named evn goes after --)"),
    (["web", "ls", "-l"], "unexpected argument 'ls': put the command after --, as in kubectl dshell POD -- ls -l",
     "to run it in pod web: kubectl dshell web -- ls -l"),
    (["--bogus", "web"], "no such option: --bogus", "see kubectl dshell shell --help"),
    (["ps", "--revel", "web"], "no such option: --revel", "did you mean --reveal? see kubectl dshell ps --help"),
    (["-n"], "option '-n' requires an argument", "see kubectl dshell --help"),
    (["--profile", "root", "web"],
     "invalid value for '--profile': 'root' is not one of 'restricted', 'baseline', 'general', 'sysadmin'",
     "see kubectl dshell shell --help"),
    (["--timeout", "soon", "web"], "invalid value for '--timeout': 'soon' is not a duration from 1s to 24h",
     "give seconds or a duration, as in --timeout 90 or --timeout 5m"),
    (["ls", "web"], "ls takes POD PATH", "see kubectl dshell ls --help"),
    (["ls", "-l", "app=web"], "ls takes PATH with -l", "see kubectl dshell ls --help"),
    (["env"], "name a POD, or select pods with -l SELECTOR", "see kubectl dshell env --help"),
    (["ps", "-o", "xml", "web"], "unknown output format 'xml'", "use one of: table, json, yaml"),
    (["cp", "web"], "missing argument 'LOCAL'", "see kubectl dshell cp --help"),
    (["ps", "-A", "web"], "-A selects pods in every namespace with -l, not one POD",
     "-n NAMESPACE names a POD's namespace; many pods: -l SELECTOR -A"),
    (["net", "-l", "app=web", "-A", "-n", "shop"], "-n shop and -A together",
     "-A looks in every namespace: drop one of them"),
    (["cat", "web", "/a", "/b"], "got unexpected extra argument(s) (/b)", "see kubectl dshell cat --help"),
]


@pytest.mark.parametrize(("args", "message", "hint"), CASES, ids=[" ".join(c[0]) or "(none)" for c in CASES])
def test_every_usage_error_is_dshells_two_lines_and_exit_2(
    args: list[str], message: str, hint: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("KUBECONFIG", "/nonexistent/kubeconfig")  # no usage error may need a cluster
    monkeypatch.setattr(sys, "argv", ["kubectl-dshell", *args])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    out, err = capsys.readouterr()
    assert (exited.value.code, out) == (ExitCode.USAGE, "")
    assert err.splitlines() == [f"error: {message}", f"hint: {hint}"]
