"""The node runtime against the real kernel: identities, namespaces, mounts, streams, cleanup."""

from __future__ import annotations

import hashlib
import os
import secrets
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.kubesim.contracts import ExitInfo, StreamSession
from tests.kubesim.runtime import Container, Node, Sandbox, StartError, make_state_dir
from tests.kubesim.runtime.crilog import CriLog
from tests.kubesim.runtime.spec import DEFAULT_CAPS, ContainerSpec, Mount

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the node runtime needs root")

BUSYBOX = "busybox:1.36.1"
NONROOT_APP = "gcr.io/distroless/static-debian12:nonroot"
ROOT_CAPEFF = "00000000a80425fb"  # containerd's 14 default capabilities


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    n = Node(make_state_dir(tmp_path_factory.mktemp("kubesim")))
    try:
        n.start()
        yield n
    finally:
        n.stop()


def make_spec(node: Node, image: str, argv: list[str] | None = None, **fields: object) -> ContainerSpec:
    """A spec as the kubelet would resolve it, for an image of the node."""
    config = node.images.resolve(image)
    assert config is not None
    uid, _, gid = config.user.partition(":")
    values: dict = {
        "id": secrets.token_hex(32), "name": "c", "image": config,
        "argv": argv or [*config.entrypoint, *config.cmd], "env": list(config.env),
        "cwd": config.workdir, "uid": int(uid or 0), "gid": int(gid or uid or 0),
    }
    values.update(fields)
    return ContainerSpec(**values)


def new_pod(node: Node, share_pid: bool = False) -> Sandbox:
    return node.run_sandbox(secrets.token_hex(8), f"pod-{secrets.token_hex(3)}", share_pid=share_pid)


def sleeper(node: Node, sandbox: Sandbox, image: str = BUSYBOX, **fields: object) -> Container:
    return node.start_container(sandbox, make_spec(node, image, ["sleep", "3600"], **fields))


def collect(session: StreamSession, timeout: float = 20) -> tuple[bytes, bytes]:
    out, err = b"", b""
    while (chunk := session.read(timeout)) is not None:
        if chunk[0] == 1:
            out += chunk[1]
        else:
            err += chunk[1]
    return out, err


def run(container: Container, *argv: str, stdin: bytes | None = None) -> tuple[ExitInfo, str, str]:
    """exec argv (no TTY); its exit, stdout and stderr."""
    session = container.exec(list(argv), tty=False, stdin=stdin is not None)
    if stdin is not None:
        session.write_stdin(stdin)
        session.close_stdin()
    out, err = collect(session)
    return session.wait(), out.decode(), err.decode()


def read_until(session: StreamSession, needle: bytes, timeout: float = 10) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        chunk = session.read(max(deadline - time.monotonic(), 0.01))
        assert chunk is not None, seen
        seen += chunk[1]
    return seen


def status_field(container: Container, name: str) -> str:
    """A field of /proc/self/status as seen by a process exec'd in the container."""
    info, out, _ = run(container, "grep", f"^{name}:", "/proc/self/status")
    assert info.exit_code == 0
    return out.split(":", 1)[1].strip()


# --- identity -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("image", "argv", "uid", "capeff"),
    [(BUSYBOX, ["sleep", "3600"], "0", ROOT_CAPEFF), (NONROOT_APP, None, "65532", "0000000000000000")],
)
def test_main_process_has_the_spec_identity(node: Node, image: str, argv: list[str] | None, uid: str,
                                            capeff: str) -> None:
    pod = new_pod(node)
    container = node.start_container(pod, make_spec(node, image, argv))
    status = Path(f"/proc/{container.pid}/status").read_text()
    assert f"Uid:\t{uid}\t{uid}\t{uid}\t{uid}" in status
    assert f"Gid:\t{uid}\t{uid}\t{uid}\t{uid}" in status
    assert f"CapEff:\t{capeff}" in status
    assert "CapInh:\t0000000000000000" in status and "CapAmb:\t0000000000000000" in status
    node.stop_sandbox(pod)


def test_exec_runs_as_the_container_user_with_its_env_and_cwd(node: Node) -> None:
    pod = new_pod(node)
    spec = make_spec(node, BUSYBOX, ["sleep", "3600"], uid=1000, gid=2000, groups=[50, 100],
                     env=["PATH=/bin", "GREETING=hi"], cwd="/work/dir")
    container = node.start_container(pod, spec)
    info, out, _ = run(container, "sh", "-c", 'id; echo "$GREETING"; pwd; env | sort')
    assert info == ExitInfo(exit_code=0)
    assert out.splitlines() == [
        "uid=1000 gid=2000 groups=50(staff),100(users)", "hi", "/work/dir",
        "GREETING=hi", "PATH=/bin", "PWD=/work/dir", "SHLVL=1",
    ]
    assert status_field(container, "CapEff") == "0000000000000000"
    node.stop_sandbox(pod)


def test_privileged_container_gets_every_capability_and_unmasked_proc(node: Node) -> None:
    pod = new_pod(node)
    container = sleeper(node, pod, privileged=True)
    host_permitted = status_field_of_host("CapPrm")
    assert status_field(container, "CapEff") == host_permitted
    assert status_field(container, "CapBnd") == host_permitted
    assert run(container, "stat", "-c", "%F", "/proc/keys")[1] == "regular empty file\n"
    assert run(container, "sh", "-c", "echo 1400 > /sys/class/net/eth0/mtu")[0].exit_code == 0
    assert run(container, "cat", "/sys/class/net/eth0/mtu")[1] == "1400\n"
    node.stop_sandbox(pod)


def status_field_of_host(name: str) -> str:
    line = next(l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith(f"{name}:"))
    return line.split(":", 1)[1].strip()


def test_no_new_privs_is_set_when_asked(node: Node) -> None:
    pod = new_pod(node)
    container = sleeper(node, pod, no_new_privs=True)
    assert "NoNewPrivs:\t1" in Path(f"/proc/{container.pid}/status").read_text()
    assert status_field(container, "NoNewPrivs") == "1"
    node.stop_sandbox(pod)


def test_missing_entrypoint_is_containerds_start_error(node: Node) -> None:
    pod = new_pod(node)
    with pytest.raises(StartError) as error:
        node.start_container(pod, make_spec(node, BUSYBOX, ["/nope"]))
    assert str(error.value) == (
        "failed to create containerd task: failed to create shim task: OCI runtime create failed: "
        "runc create failed: unable to start container process: error during container init: "
        'exec: "/nope": stat /nope: no such file or directory: unknown'
    )
    node.stop_sandbox(pod)


# --- exec -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def box(node: Node) -> Iterator[Container]:
    pod = new_pod(node)
    yield sleeper(node, pod)
    node.stop_sandbox(pod)


def test_exec_separates_stdout_stderr_and_exit_code(box: Container) -> None:
    info, out, err = run(box, "sh", "-c", "echo hi; echo err >&2; exit 3")
    assert (info, out, err) == (ExitInfo(exit_code=3), "hi\n", "err\n")


def test_exec_pipes_stdin_until_it_is_closed(box: Container) -> None:
    data = os.urandom(10 * 1024 * 1024)
    info, out, _ = run(box, "md5sum", stdin=data)
    assert info.exit_code == 0
    assert out.split()[0] == hashlib.md5(data).hexdigest()


def test_exec_killed_by_a_signal_reports_128_plus_signal(box: Container) -> None:
    info, _, _ = run(box, "sh", "-c", "kill -TERM $$")
    assert info.exit_code == 128 + signal.SIGTERM


def test_closing_a_session_does_not_wait_for_a_process_that_never_reads(box: Container) -> None:
    session = box.exec(["sleep", "100"], tty=False, stdin=True)
    writer = threading.Thread(target=session.write_stdin, args=(b"x" * (4 << 20),))
    writer.start()
    time.sleep(0.2)
    session.close()
    writer.join(5)
    assert not writer.is_alive()
    session.resize(1, 1)  # ignored without a terminal


def test_tty_exec_ctrl_c_interrupts_the_foreground_process(box: Container) -> None:
    session = box.exec(["sleep", "100"], tty=True, stdin=True)
    assert session.tty
    session.write_stdin(b"\x03")
    assert session.wait() == ExitInfo(exit_code=130)


def test_tty_exec_resize_is_seen_by_the_process(box: Container) -> None:
    session = box.exec(["sh", "-c", "read line; stty size; tty"], tty=True, stdin=True)
    session.resize(123, 45)
    session.write_stdin(b"go\n")
    output = read_until(session, b"/dev/pts/")  # its own devpts instance
    assert b"45 123\r\n" in output  # a terminal: output has \r\n, as on a real cluster
    assert session.wait() == ExitInfo(exit_code=0)


def test_tty_exec_close_stdin_sends_eof(box: Container) -> None:
    session = box.exec(["cat"], tty=True, stdin=True)
    session.write_stdin(b"abc\n")
    read_until(session, b"abc\r\nabc\r\n")  # the echo, then cat's copy
    session.close_stdin()
    assert session.wait() == ExitInfo(exit_code=0)


# --- filesystem -----------------------------------------------------------------------------

def test_root_is_pivoted_and_the_host_is_out_of_reach(box: Container) -> None:
    _, root, _ = run(box, "ls", "/")
    _, parent, _ = run(box, "ls", "/..")
    _, dev, _ = run(box, "ls", "-a", "/dev")
    assert parent == root and "bin\n" in root and "work\n" not in root
    assert set(dev.split()) >= {"null", "zero", "full", "random", "urandom", "tty", "pts",
                                "ptmx", "shm", "fd", "stdin", "stdout", "stderr"}
    assert ".host" not in dev


def test_proc_paths_are_masked_and_read_only_as_runc_does(box: Container) -> None:
    _, keys, _ = run(box, "stat", "-c", "%t,%T", "/proc/keys")
    assert keys.strip() == "1,3"  # /dev/null
    info, _, err = run(box, "sh", "-c", "echo 1 > /proc/sys/kernel/domainname")
    assert info.exit_code != 0 and "Read-only file system" in err
    info, _, err = run(box, "touch", "/sys/x")
    assert "Read-only file system" in err


def test_sys_shows_the_pods_own_network_devices(box: Container) -> None:
    _, out, _ = run(box, "ls", "/sys/class/net")
    assert out.split() == ["eth0", "lo"]


def test_readonly_root_refuses_writes_but_volumes_stay_writable(node: Node, tmp_path: Path) -> None:
    pod = new_pod(node)
    volume = tmp_path / "data"
    volume.mkdir()
    secret = tmp_path / "token"
    secret.write_text("s3cr3t")
    mounts = [Mount(volume, "/data"), Mount(secret, "/var/run/secrets/token", readonly=True)]
    container = sleeper(node, pod, readonly_rootfs=True, mounts=mounts)
    info, _, err = run(container, "touch", "/newfile")
    assert info.exit_code == 1 and "Read-only file system" in err
    assert run(container, "sh", "-c", "echo kept > /data/file")[0].exit_code == 0
    assert (volume / "file").read_text() == "kept\n"
    assert run(container, "cat", "/var/run/secrets/token")[1] == "s3cr3t"
    info, _, err = run(container, "sh", "-c", "echo x > /var/run/secrets/token")
    assert "Read-only file system" in err
    node.stop_sandbox(pod)


# --- distroless, network --------------------------------------------------------------------

@pytest.fixture(scope="module")
def app_pod(node: Node, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, Container]]:
    pod = new_pod(node)
    log = tmp_path_factory.mktemp("logs") / "app.log"
    app = node.start_container(pod, make_spec(node, NONROOT_APP, log_path=log, name="app"))
    yield pod, app
    node.stop_sandbox(pod)


def wget(container: Container, url: str) -> str:
    deadline = time.monotonic() + 5
    while True:  # the server may still be starting to listen
        info, out, err = run(container, "wget", "-q", "-O", "-", url)  # -T crashes busybox 1.35
        if info.exit_code == 0 or time.monotonic() > deadline:
            assert info.exit_code == 0, err
            return out
        time.sleep(0.05)


def test_app_answers_other_pods_by_pod_ip(node: Node, app_pod: tuple[Sandbox, Container], box: Container) -> None:
    pod, app = app_pod
    assert wget(box, f"http://{pod.ip}:8080/hello") == f"hello from {pod.hostname}\n"
    assert app.spec.log_path is not None
    wait_for_log(app.spec.log_path, b"stdout F GET /hello 200")


def test_app_answers_on_localhost_inside_its_pod(node: Node, app_pod: tuple[Sandbox, Container]) -> None:
    pod, _ = app_pod
    sidecar = sleeper(node, pod)
    assert wget(sidecar, "http://127.0.0.1:8080/") == f"hello from {pod.hostname}\n"


def test_exec_in_distroless_has_no_ls(app_pod: tuple[Sandbox, Container]) -> None:
    _, app = app_pod
    session = app.exec(["ls"], tty=False, stdin=False)
    assert session.read(5) is None
    error = session.wait().error or ""
    assert error.startswith('failed to exec in container: failed to start exec "')
    assert error.endswith(
        '": OCI runtime exec failed: exec failed: unable to start container process: '
        'exec: "ls": executable file not found in $PATH: unknown'
    )


def test_distroless_image_layout(app_pod: tuple[Sandbox, Container]) -> None:
    _, app = app_pod
    root = Path(f"/proc/{app.pid}/root")  # the test runs as root, so this is readable
    assert os.readlink(root / "etc/localtime") == "/usr/share/zoneinfo/UTC"
    assert sorted(p.name for p in root.iterdir() if p.is_file()) == ["app"]
    home = (root / "home/nonroot").stat()
    assert (home.st_uid, home.st_gid, oct(home.st_mode & 0o7777)) == (65532, 65532, "0o700")
    assert oct((root / "tmp").stat().st_mode & 0o7777) == "0o1777"


# --- pid namespaces: the debugger's view ----------------------------------------------------

def debugger(node: Node, pod: Sandbox, target: Container, **fields: object) -> Container:
    return sleeper(node, pod, pid_mode=f"target:{target.id}", **fields)


def test_target_pid_mode_shows_the_app_as_pid_1_but_not_its_root(node: Node, app_pod: tuple[Sandbox, Container]) -> None:
    pod, app = app_pod
    debug = debugger(node, pod, app)
    assert run(debug, "cat", "/proc/1/cmdline")[1] == "/app\0"
    info, _, err = run(debug, "ls", "/proc/1/root")
    assert info.exit_code == 1 and "Permission denied" in err


@pytest.mark.parametrize(
    "identity",
    [{"caps": DEFAULT_CAPS | {"CAP_SYS_PTRACE"}}, {"uid": 65532, "gid": 65532}],
    ids=["root-with-sys-ptrace", "same-uid-as-target"],
)
def test_target_root_is_readable_with_ptrace_or_the_same_uid(node: Node, app_pod: tuple[Sandbox, Container], identity: dict) -> None:
    pod, app = app_pod
    debug = debugger(node, pod, app, **identity)
    info, out, _ = run(debug, "ls", "/proc/1/root")
    assert info.exit_code == 0 and "app" in out.split()


def test_root_debugger_reads_target_root_after_switching_uid(node: Node, app_pod: tuple[Sandbox, Container]) -> None:
    pod, app = app_pod
    debug = debugger(node, pod, app)
    # busybox 1.35's setpriv has no --reuid/--regid: its nsenter -S/-G switches uid and gid
    # (and clears the supplementary groups).
    info, out, _ = run(debug, "nsenter", "-S", "65532", "-G", "65532", "ls", "/proc/1/root")
    assert info.exit_code == 0 and "app" in out.split()
    info, _, err = run(debug, "setpriv", "--reuid", "65532", "true")
    assert "unrecognized option" in err


def test_chroot_cannot_be_kept_across_the_uid_switch(node: Node, app_pod: tuple[Sandbox, Container]) -> None:
    pod, app = app_pod
    debug = debugger(node, pod, app)
    switch = ["setpriv", "--inh-caps", "+sys_chroot", "--ambient-caps", "+sys_chroot",
              "nsenter", "-S", "65532", "-G", "65532"]
    # setresuid away from root clears the ambient set: CAP_SYS_CHROOT does not survive.
    _, caps, _ = run(debug, *switch, "grep", "-E", "Cap(Eff|Amb)", "/proc/self/status")
    assert caps == "CapEff:\t0000000000000000\nCapAmb:\t0000000000000000\n"
    info, _, err = run(debug, *switch, "chroot", "/proc/1/root", "/app", "--exit=7")
    assert info.exit_code == 1 and "Operation not permitted" in err


def test_root_with_sys_ptrace_can_chroot_into_the_target(node: Node, app_pod: tuple[Sandbox, Container]) -> None:
    pod, app = app_pod
    debug = debugger(node, pod, app, caps=DEFAULT_CAPS | {"CAP_SYS_PTRACE"})
    info, _, err = run(debug, "chroot", "/proc/1/root", "/app", "--exit=7")
    assert (info.exit_code, err) == (7, "app: exiting with code 7 as asked\n")


def test_shared_pid_namespace_has_pause_as_pid_1_and_shows_every_container(node: Node) -> None:
    pod = new_pod(node, share_pid=True)
    first = sleeper(node, pod, pid_mode="pod")
    second = node.start_container(pod, make_spec(node, BUSYBOX, ["sleep", "3601"], pid_mode="pod"))
    assert run(first, "cat", "/proc/1/cmdline")[1] == "/pause\0"
    _, ps, _ = run(first, "ps", "-o", "pid,args")
    assert "sleep 3600" in ps and "sleep 3601" in ps
    # /proc/PID/cgroup tells whose process it is: the plugin relies on it.
    _, owners, _ = run(first, "sh", "-c", f"grep -l {second.id} /proc/[0-9]*/cgroup")
    _, cmdline, _ = run(first, "cat", owners.split()[0].replace("cgroup", "cmdline"))
    assert cmdline == "sleep\x003601\x00"
    node.stop_sandbox(pod)


def test_pause_reaps_orphans(node: Node) -> None:
    pod = new_pod(node, share_pid=True)
    container = sleeper(node, pod, pid_mode="pod")
    assert run(container, "sh", "-c", "sleep 0.1 & exit 0")[0].exit_code == 0
    time.sleep(0.4)
    _, states, _ = run(container, "sh", "-c", "cat /proc/[0-9]*/stat")
    assert [line for line in states.splitlines() if line.split(") ")[1].startswith("Z")] == []
    node.stop_sandbox(pod)


# --- cgroups, attach, logs, stop ------------------------------------------------------------

def test_every_container_process_is_in_the_containers_cgroup(box: Container) -> None:
    main = Path(f"/proc/{box.pid}/cgroup").read_text().splitlines()
    _, exec_view, _ = run(box, "cat", "/proc/self/cgroup")
    for lines in (main, exec_view.splitlines()):
        named = [line for line in lines if ":cpuset:" not in line]
        assert named and all(line.endswith(f"/{box.id}") for line in named)
        assert any(":name=systemd:" in line and "/kubepods/besteffort/pod" in line for line in named)


def test_stop_kills_exec_processes_in_a_shared_pid_namespace(node: Node) -> None:
    pod = new_pod(node, share_pid=True)
    container = sleeper(node, pod, pid_mode="pod")
    session = container.exec(["sleep", "1000"], tty=False, stdin=False)
    assert container.stop(grace=5) == 128 + signal.SIGTERM  # not PID 1 here: SIGTERM kills it
    assert session.wait() == ExitInfo(exit_code=137)  # nothing outlives the main process
    node.stop_sandbox(pod)


def wait_for_log(path: Path, text: bytes) -> None:
    deadline = time.monotonic() + 5
    while text not in (path.read_bytes() if path.exists() else b"") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert text in path.read_bytes()


def test_stop_sends_sigterm_first(node: Node, app_pod: tuple[Sandbox, Container], tmp_path: Path) -> None:
    pod, _ = app_pod
    spec = make_spec(node, NONROOT_APP, env=["PORT=9090"], log_path=tmp_path / "log")
    app = node.start_container(pod, spec)
    # As PID 1 of its pid namespace, /app only gets SIGTERM once its handler is installed.
    wait_for_log(tmp_path / "log", b"listening on :9090")
    started = time.monotonic()
    assert app.stop(grace=10) == 0  # /app exits at once on SIGTERM
    assert time.monotonic() - started < 5


def test_attach_with_tty_and_stdin_once(node: Node, tmp_path: Path) -> None:
    pod = new_pod(node)
    log = tmp_path / "debug.log"
    spec = make_spec(node, BUSYBOX, ["sh"], tty=True, stdin=True, stdin_once=True, log_path=log)
    container = node.start_container(pod, spec)
    session = container.attach(stdin=True, stdout=True, stderr=False)
    session.resize(80, 24)
    session.write_stdin(b"echo $((6*7)); exit 5\n")
    read_until(session, b"42\r\n")
    assert session.wait() == ExitInfo(exit_code=5)
    assert container.wait(5) == 5
    collect(session)  # the rest of the output, then its end
    assert b" stdout F " in log.read_bytes() and b"42\r" in log.read_bytes()
    node.stop_sandbox(pod)


def test_attach_pipes_stdin_and_keeps_the_container_after_detach(node: Node) -> None:
    pod = new_pod(node)
    container = node.start_container(pod, make_spec(node, BUSYBOX, ["cat"], stdin=True))
    first = container.attach(stdin=True, stdout=True, stderr=True)
    first.write_stdin(b"one\n")
    assert first.read(10) == (1, b"one\n")
    first.close()
    assert first.wait() == ExitInfo()
    assert container.exit_code is None  # without stdinOnce, detaching leaves stdin open
    second = container.attach(stdin=True, stdout=True, stderr=True)
    second.write_stdin(b"two\n")
    assert second.read(10) == (1, b"two\n")
    node.stop_sandbox(pod)


def test_stdin_once_closes_stdin_when_the_first_attachment_ends(node: Node) -> None:
    pod = new_pod(node)
    spec = make_spec(node, BUSYBOX, ["sh", "-c", "cat; echo done"], stdin=True, stdin_once=True)
    container = node.start_container(pod, spec)
    session = container.attach(stdin=True, stdout=True, stderr=True)
    session.write_stdin(b"one\n")
    assert session.read(10) == (1, b"one\n")
    session.close()
    assert container.wait(10) == 0
    node.stop_sandbox(pod)


def test_main_process_log_is_in_cri_format(node: Node, tmp_path: Path) -> None:
    pod = new_pod(node)
    log = tmp_path / "c.log"
    spec = make_spec(node, BUSYBOX, ["sh", "-c", "echo out; echo err >&2; printf tail"], log_path=log)
    assert node.start_container(pod, spec).wait(10) == 0
    deadline = time.monotonic() + 5
    while log.read_bytes().count(b"\n") < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    lines = sorted(line.split(" ", 1)[1] for line in log.read_text().splitlines())
    assert lines == ["stderr F err", "stdout F out", "stdout F tail"]
    node.stop_sandbox(pod)


def test_cri_log_splits_long_lines_into_partial_ones(tmp_path: Path) -> None:
    log = CriLog(tmp_path / "log", max_line=4)
    log.write("stdout", b"abcdefghij\nxy")
    log.write("stderr", b"e\n")
    log.close()
    entries = [line.split(" ", 1)[1] for line in (tmp_path / "log").read_text().splitlines()]
    assert entries == ["stdout P abcd", "stdout P efgh", "stdout F ij", "stderr F e", "stdout F xy"]
    timestamp = (tmp_path / "log").read_text().split(" ", 1)[0]
    assert len(timestamp) == len("2024-01-02T03:04:05.123456789Z") and timestamp.endswith("Z")


# --- images ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("ref", "name"),
    [
        ("busybox", "docker.io/library/busybox:1.36.1"),
        ("busybox:latest", "docker.io/library/busybox:1.36.1"),
        ("docker.io/library/busybox:1.36.1", "docker.io/library/busybox:1.36.1"),
        ("library/busybox:1.36.1", "docker.io/library/busybox:1.36.1"),
        ("gcr.io/distroless/static-debian12", "gcr.io/distroless/static-debian12:latest"),
        (NONROOT_APP, NONROOT_APP),
        ("busybox:1.35", None),
        ("nginx", None),
        ("BusyBox", None),
        ("busybox@sha256:" + "0" * 64, None),
    ],
)
def test_image_references_are_normalised_like_containerd(node: Node, ref: str, name: str | None) -> None:
    image = node.images.resolve(ref)
    assert (image.name if image else None) == name


def test_image_digest_pins_the_content(node: Node) -> None:
    image = node.images.resolve(BUSYBOX)
    assert image is not None and image.digest.startswith("sha256:") and len(image.digest) == 71
    assert node.images.resolve(f"busybox:1.36.1@{image.digest}") == image
    assert node.images.resolve(f"busybox@{image.digest}") == image
    assert image.user == "" and image.cmd == ("sh",)
    assert node.images.resolve(NONROOT_APP).user == "65532:65532"  # type: ignore[union-attr]


# --- whole-node cleanup ---------------------------------------------------------------------

def net_namespaces() -> set[int]:
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            found.add(os.stat(f"/proc/{pid}/ns/net").st_ino)
        except OSError:
            continue
    return found


def test_stop_leaves_no_process_mount_cgroup_or_namespace(tmp_path: Path) -> None:
    before = net_namespaces()
    node = Node(make_state_dir(tmp_path))
    try:
        node.start()
        pod = new_pod(node, share_pid=True)
        container = sleeper(node, pod, pid_mode="pod")
        session = container.exec(["sleep", "1000"], tty=True, stdin=True)
        ours = {os.stat(f"/proc/{node.holder_pid}/ns/net").st_ino, os.stat(pod.ns("net")).st_ino}
        assert len(ours) == 2 and ours <= net_namespaces() - before  # the node's and the pod's
        assert node.leftovers() != []
    finally:
        node.stop()
    assert session.wait() == ExitInfo(exit_code=137)
    assert node.leftovers() == []
    assert not ours & net_namespaces()
    node.stop()  # idempotent


CRASHING_SIMULATOR = """
import sys, time
sys.path.insert(0, {repo!r})
from pathlib import Path
from tests.kubesim.runtime import Node, make_state_dir
node = Node(make_state_dir(Path({root!r})) / {sub!r})
node.start()
pod = node.run_sandbox("crash", "crash", share_pid=False)
image = node.images.resolve("busybox")
from tests.kubesim.runtime.spec import ContainerSpec
c = node.start_container(pod, ContainerSpec(id="c" * 64, name="c", image=image, argv=["sleep", "3600"],
                                            env=list(image.env), cwd="/", uid=0, gid=0))
print(node.state_dir, node.holder_pid, c.pid, flush=True)
time.sleep(3600)
"""


def dead(pid: str) -> bool:
    """Gone, or a zombie: the holder, orphaned, waits for the host's init to reap it."""
    try:
        return "\nState:\tZ" in Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True


@pytest.mark.parametrize("sub", ["", "node"], ids=["run-folder", "folder-in-run-folder"])
def test_a_killed_simulator_leaves_only_files_that_sweep_removes(tmp_path: Path, sub: str) -> None:
    script = CRASHING_SIMULATOR.format(repo=str(Path(__file__).parents[3]), root=str(tmp_path), sub=sub)
    sim = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)], stdout=subprocess.PIPE, text=True)
    assert sim.stdout is not None
    state_dir, *pids = sim.stdout.readline().split()
    sim.kill()
    sim.wait()
    deadline = time.monotonic() + 5
    while not all(map(dead, pids)) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert all(map(dead, pids))  # the holder died with the simulator, the container with it
    cgroups = (Path(state_dir) / "node-cgroups").read_text().split()
    run_folder = str(tmp_path / Path(state_dir).relative_to(tmp_path).parts[0])
    assert cgroups
    assert run_folder in Node.sweep(tmp_path)
    assert not Path(run_folder).exists()
    assert not any(Path(c).exists() for c in cgroups)
    assert run_folder not in Node.sweep(tmp_path)
