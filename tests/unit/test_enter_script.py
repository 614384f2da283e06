"""enter.sh for real: busybox sessions against fake distroless targets, as root and as non-root."""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kubectl_dshell.probes.runner import Mode, SessionArgs

from .sandbox import Debugger, Target, make_tools, runnable, start_target

pytestmark = pytest.mark.skipif(runnable() is not None, reason=str(runnable()))

HOSTILE = ("$(id)", "`id`", "a\nb", "it's", '"q"', "\\", "-n", "*", "")


@pytest.fixture(scope="module")
def shared() -> Iterator[Path]:
    """A folder every uid may traverse (pytest's own temporary folders are root-only)."""
    folder = Path(tempfile.mkdtemp(prefix="dshell-unit-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


@pytest.fixture(scope="module")
def tools(shared: Path) -> Path:
    return make_tools(shared / "bin")


@pytest.fixture
def state(shared: Path) -> Path:
    """The keeper's state folder, writable by any session uid, as /tmp is."""
    folder = Path(tempfile.mkdtemp(prefix="state-", dir=shared))
    folder.chmod(0o1777)
    return folder


@pytest.fixture
def targets(tmp_path: Path) -> Iterator:
    """Factory of fake targets, all stopped after the test."""
    started: list[Target] = []

    def start(uid: int, with_child: bool = False) -> Target:
        target = start_target(tmp_path / f"target{len(started)}", uid, with_child)
        started.append(target)
        return target

    yield start
    for target in started:
        target.stop()


def test_root_target_gets_a_chroot_shell_with_busybox_tools(tools, state, targets) -> None:
    target = targets(0)
    result = Debugger(tools, state).run(
        target, Mode.COMMAND, ("sh", "-c", 'pwd; cat /etc/marker; ls /; echo "$PATH"; id -u')
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == "/\ntarget-root\napp\netc\nproc\n/proc/self/fd/3:/app:/bin\n0\n"


def test_nonroot_target_with_default_caps_gets_cwd_mode_as_its_uid(tools, state, targets) -> None:
    target = targets(65532)
    result = Debugger(tools, state).run(target, Mode.COMMAND, ("sh", "-c", "pwd; id -u; id -g; cat etc/marker"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == f"/proc/{target.pid}/root\n65532\n65532\ntarget-root\n"


def test_sys_ptrace_lets_root_chroot_into_a_nonroot_target_then_be_the_target(tools, state, targets) -> None:
    target = targets(65532)
    result = Debugger(tools, state, caps="all").run(
        target, Mode.COMMAND, ("sh", "-c", "pwd; id -u; id -g; cat /etc/marker; busybox true && echo tools"))
    assert result.stdout.decode() == "/\n65532\n65532\ntarget-root\ntools\n", result.stderr


def test_probes_stay_root_in_the_chroot(tools, state, targets) -> None:
    target = targets(65532)
    result = Debugger(tools, state, caps="all").run(target, Mode.COMMAND, ("sh", "-c", "pwd; id -u"), uid="-")
    assert result.stdout.decode() == "/\n0\n", result.stderr


def test_probes_take_the_targets_ids_where_there_is_no_chroot(tools, state, targets) -> None:
    target = targets(65532)
    result = Debugger(tools, state).run(target, Mode.COMMAND, ("sh", "-c", "id -u; cat etc/marker"), uid="-")
    assert result.stdout.decode() == "65532\ntarget-root\n", result.stderr


def test_forced_ids_apply_inside_the_chroot(tools, state, targets) -> None:
    target = targets(0)
    result = Debugger(tools, state).run(target, Mode.COMMAND, ("sh", "-c", "pwd; id -u; id -g"), uid=1000, gid=1001)
    assert result.stdout.decode() == "/\n1000\n1001\n"


def test_restricted_debugger_with_the_targets_ids_reads_it(tools, state, targets) -> None:
    target = targets(65532)
    result = Debugger(tools, state, caps="none", uid=65532, gid=65532).run(target, Mode.COMMAND, ("cat", "etc/marker"))
    assert (result.returncode, result.stdout) == (0, b"target-root\n"), result.stderr


def test_other_ids_are_refused_with_a_reason(tools, state, targets) -> None:
    target = targets(65532)
    result = Debugger(tools, state, caps="none", uid=1000, gid=1000).run(target, Mode.COMMAND, ("true",))
    assert result.returncode == 126
    assert result.stderr.decode().endswith(
        f"dshell: permission denied entering /proc/{target.pid}/root as uid 1000 gid 1000 (the target runs as "
        "uid 65532 gid 65532); dshell needs the same ids or CAP_SYS_PTRACE (--profile general)\n"
    )


@pytest.mark.parametrize("caps", ["default", "all"])
def test_hostile_arguments_reach_the_command_unchanged(tools, state, targets, caps) -> None:
    target = targets(65532)
    result = Debugger(tools, state, caps=caps).run(target, Mode.COMMAND, ("printf", "<%s>\\n", *HOSTILE))
    assert result.stdout.decode() == "".join(f"<{value}>\n" for value in HOSTILE)


def test_stdin_stdout_stderr_and_exit_code_pass_through(tools, state, targets) -> None:
    target = targets(0)
    data = bytes(range(256)) * 64
    result = Debugger(tools, state).run(target, Mode.COMMAND, ("sh", "-c", "cat; echo oops >&2; exit 7"), stdin=data)
    assert (result.returncode, result.stdout, result.stderr) == (7, data, b"oops\n")


def test_ids_mode_finds_the_main_process_by_container_id(tools, state, targets) -> None:
    target = targets(65532, with_child=True)
    result = Debugger(tools, state).run(target, Mode.IDS)
    assert result.stdout.decode() == f"{target.pid} 65532 65532\n"


def test_unknown_container_id_falls_back_to_pid_1_with_a_warning(tools, state, targets) -> None:
    target = targets(65532)
    lost = Target(target.process, "f" * 64, target.root, target.cgroup)
    result = Debugger(tools, state).run(lost, Mode.IDS)
    assert result.stdout.decode().startswith("1 ")
    assert (
        result.stderr.decode() == "dshell: no process of container app found by its id: assuming the target is PID 1\n"
    )


def test_sessions_register_for_the_keeper(tools, state, targets) -> None:
    target = targets(0)
    result = Debugger(tools, state).run(target, Mode.COMMAND, ("sh", "-c", "echo $$"))
    pid = result.stdout.decode().strip()
    assert (state / "sessions" / pid).exists()
    assert (state / "last").exists()


def _interact(argv: list[str], options: dict, keys: bytes) -> tuple[int, str]:
    """Run ``argv`` on a new terminal, type ``keys``, collect everything it prints."""
    master, slave = pty.openpty()
    process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, start_new_session=True, **options)
    os.close(slave)
    output = b""
    deadline = time.monotonic() + 15
    try:
        time.sleep(0.3)
        os.write(master, keys)
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            try:
                chunk = os.read(master, 4096) if ready else b""
            except OSError:  # EIO: the terminal's last user is gone
                break
            output += chunk
            if not ready and process.poll() is not None:
                break
        return process.wait(timeout=5), output.decode(errors="replace")
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait()


def test_interactive_shell_has_banner_and_prompt_and_exit_code(tools, state, targets) -> None:
    target = targets(65532)
    debugger = Debugger(tools, state)
    args = SessionArgs(target.container_id, "web", "app", Mode.INTERACTIVE, 2, "why this identity")
    code, output = _interact(debugger.argv(args), debugger.popen_options(), b"cat etc/marker\nexit 3\n")
    assert code == 3
    assert "dshell: why this identity" in output
    assert f"dshell: target: pod web, container app, pid {target.pid}, uid 65532 gid 65532" in output
    assert (f"dshell: absolute paths are the debugger's own: the target's files are under $DSHELL_ROOT "
            f"(/proc/{target.pid}/root, the working directory); uid 65532 gid 65532, the target's") in output
    assert f"[dshell web/app] /proc/{target.pid}/root $ " in output
    assert "target-root" in output


def test_interactive_chroot_prompt_starts_at_the_targets_root(tools, state, targets) -> None:
    target = targets(0)
    debugger = Debugger(tools, state)
    args = SessionArgs(target.container_id, "web", "app", Mode.INTERACTIVE, 2, "why")
    code, output = _interact(debugger.argv(args), debugger.popen_options(), b"ls /app\nexit\n")
    assert code == 0, output
    assert ("dshell: / is the target's filesystem (chroot); tools come from the debugger's busybox; "
            "uid 0 gid 0, the target's") in output
    assert "[dshell web/app] / # " in output
    assert "busybox" in output
