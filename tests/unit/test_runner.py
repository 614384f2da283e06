"""What an exec sends: a short argv (the loader, the script's name, its arguments) and the script on
stdin; for a terminal, the installed script checked by its sha256. Run by this machine's busybox."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kubectl_dshell.probes.runner import (
    LOADER,
    NOT_INSTALLED,
    URL_BUDGET,
    Mode,
    SessionArgs,
    compact,
    install_invocation,
    keeper_command,
    probe_invocation,
    script,
    session_invocation,
    terminal_invocation,
    user_command,
)

BUSYBOX = shutil.which("busybox")
needs_busybox = pytest.mark.skipif(BUSYBOX is None, reason="busybox is not installed")


def test_compact_drops_comments_blank_lines_and_indentation() -> None:
    text = "# header\n\nfoo() {\n    # why\n    echo 'a  b' # trailing stays\n}\n"
    assert compact(text) == "foo() {\necho 'a  b' # trailing stays\n}\n"


def test_packaged_scripts_are_compacted() -> None:
    for name in ("enter.sh", "keeper.sh"):
        lines = script(name).splitlines()
        assert lines and not any(line.startswith(("#", " ")) or not line for line in lines)


def test_the_argv_names_the_script_and_its_arguments_and_the_script_goes_on_stdin() -> None:
    args = SessionArgs("abc123", "web", "app", Mode.COMMAND, 1, "why", uid=1000, gid=None)
    sent = session_invocation(args, ("cat", "$(id)"))
    assert sent.argv[:3] == ["sh", "-c", LOADER]
    assert sent.argv[3:] == ["dshell", str(len(sent.preamble)), "abc123", "web", "app", "1000", "", "command", "1",
                             "why", "cat", "$(id)"]
    assert sent.preamble.startswith(script("enter.sh").encode()) and b"$(id)" not in sent.preamble
    probe = probe_invocation(args, "env")
    assert probe.argv[3] == "dshell-env" and len(" ".join(probe.argv)) < 600
    assert b"dshell_main" in probe.preamble and b"/proc/$DSHELL_PID/environ" in probe.preamble


def test_arguments_too_long_for_the_url_go_ahead_of_the_script() -> None:
    args = SessionArgs("abc123", "web", "app", Mode.COMMAND, 1, "why")
    word = "x" * 3000 + "'$(id)"
    sent = session_invocation(args, ("echo", word))
    assert sent.argv[3:] == ["dshell", str(len(sent.preamble))]
    assert sum(len(w) for w in sent.argv) < URL_BUDGET
    assert sent.preamble.startswith(b"set -- 'abc123' 'web' 'app'")


@needs_busybox
@pytest.mark.parametrize("word", ["plain", "x" * 3000 + "'\"$(id)`id`\n", "-n"])
def test_the_loader_runs_the_script_with_the_arguments_and_leaves_stdin_to_the_command(word: str) -> None:
    sent = _stub("printf '%s|' \"$@\"; cat")
    ran = subprocess.run([BUSYBOX, *sent(word)[0]], input=sent(word)[1] + b"REST", capture_output=True)
    assert (ran.returncode, ran.stdout) == (0, f"{word}|tail|REST".encode()), ran.stderr


@needs_busybox
def test_a_script_cut_short_is_not_run() -> None:
    argv, preamble = _stub("echo RAN")("a")
    ran = subprocess.run([BUSYBOX, *argv], input=preamble[:-3], capture_output=True)
    assert (ran.returncode, ran.stdout) == (125, b"") and b"did not arrive whole" in ran.stderr


@needs_busybox
def test_a_terminal_runs_only_the_installed_script_whose_digest_it_names(tmp_path: Path) -> None:
    env = {"DSHELL_STATE": str(tmp_path), "PATH": str(Path(BUSYBOX).parent)}
    args = SessionArgs("", "web", "app", Mode.IDS, 0, "")
    terminal = terminal_invocation(args).argv
    assert subprocess.run([BUSYBOX, *terminal], env=env).returncode == NOT_INSTALLED
    install = install_invocation()
    subprocess.run([BUSYBOX, *install.argv], input=install.preamble, env=env, check=True)
    (installed,) = (tmp_path / "scripts").iterdir()
    assert installed.read_text() == script("enter.sh").rstrip("\n")
    ran = subprocess.run([BUSYBOX, *terminal], env=env, capture_output=True)
    assert ran.returncode == 0 and ran.stdout.split()[0] == b"1"  # IDS mode: the target assumed PID 1
    installed.write_text(installed.read_text() + "\necho tampered")
    assert subprocess.run([BUSYBOX, *terminal], env=env, capture_output=True).returncode == NOT_INSTALLED


def _stub(text: str):
    """A loaded invocation of ``text`` with arguments (WORD, "tail"): its argv for busybox and its stdin."""
    from kubectl_dshell.probes.runner import loaded

    def make(word: str) -> tuple[list[str], bytes]:
        sent = loaded("dshell-test", text + "\nexit 0\n", [word, "tail"])
        return sent.argv, sent.preamble

    return make


def test_a_command_named_like_an_option_runs_behind_exec_double_dash() -> None:
    assert user_command(("echo", "-n", "x")) == ["echo", "-n", "x"]
    wrapped = user_command(("-n", "x"))
    assert wrapped[3:] == ["dshell-exec", "-n", "x"]
    busybox = shutil.which("busybox")  # the debugger's shell
    if busybox is None:
        pytest.skip("busybox is not installed")
    ran = subprocess.run([busybox, *wrapped], capture_output=True)
    assert ran.returncode == 127 and b"-n: not found" in ran.stderr


def test_keeper_command_is_the_keeper_script() -> None:
    assert keeper_command() == ["sh", "-c", script("keeper.sh"), "dshell-keeper"]


def test_scripts_are_shellcheck_clean() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed")
    scripts = Path(__file__).parents[2] / "kubectl_dshell" / "probes"
    result = subprocess.run(
        [shellcheck, "-s", "sh", *sorted(map(str, scripts.glob("*.sh")))], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout
