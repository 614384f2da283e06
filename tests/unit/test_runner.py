"""The argv sent for exec: enter.sh's text and its positional arguments, user values last."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kubectl_dshell.probes.runner import (
    Mode,
    SessionArgs,
    compact,
    enter_command,
    keeper_command,
    script,
    user_command,
)


def test_compact_drops_comments_blank_lines_and_indentation() -> None:
    text = "# header\n\nfoo() {\n    # why\n    echo 'a  b' # trailing stays\n}\n"
    assert compact(text) == "foo() {\necho 'a  b' # trailing stays\n}\n"


def test_packaged_scripts_are_compacted() -> None:
    for name in ("enter.sh", "keeper.sh"):
        lines = script(name).splitlines()
        assert lines and not any(line.startswith(("#", " ")) or not line for line in lines)


def test_enter_command_puts_user_values_only_in_positional_arguments() -> None:
    args = SessionArgs("abc123", "web", "app", Mode.COMMAND, 1, "why", uid=1000, gid=None)
    argv = enter_command(args, ("cat", "$(id)"))
    assert argv[:3] == ["sh", "-c", script("enter.sh")]
    assert argv[3:] == ["dshell", "abc123", "web", "app", "1000", "", "command", "1", "why", "cat", "$(id)"]
    assert "$(id)" not in argv[2]


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
