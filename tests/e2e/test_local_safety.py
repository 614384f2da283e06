"""e2e: what cp, cat and sessions do to the machine they run on: write only where asked, atomically,
never onto devices or through links; end cleanly when stdout closes, the disk fills or a signal comes;
file names are bytes."""

from __future__ import annotations

import base64
import io
import json
import os
import re
import secrets
import signal
import subprocess
import tarfile
import termios
from pathlib import Path

import pytest

TERM_AND_HUP = pytest.mark.parametrize(("signum", "code", "said"), [
    (signal.SIGTERM, 143, r"error: terminated \(SIGTERM\)"),  # a regex: red on a terminal, the escape comes first
    (signal.SIGHUP, 129, r"error: hung up \(SIGHUP\)"),
], ids=["TERM", "HUP"])


def _first_line(result) -> str:
    return result.stderr.decode(errors="replace").splitlines()[0]


def test_cp_writes_only_files_and_folders_never_through_links(cluster, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "target").write_bytes(b"keep")
    (tmp_path / "link").symlink_to("target")
    (tmp_path / "file").write_bytes(b"keep too")
    (tmp_path / "folder").mkdir()
    (tmp_path / "to-folder").symlink_to("folder")
    before = sorted(os.listdir(tmp_path))
    fifo, link, onto_file, missing, proc, into_link = (cluster.dshell(*args) for args in (
        ("-q", "cp", "root-app:/app", str(tmp_path / "fifo")),
        ("-q", "cp", "root-app:/app", str(tmp_path / "link")),
        ("-q", "cp", "web:/config", str(tmp_path / "file")),
        ("-q", "cp", "web:/config", str(tmp_path / "none" / "config")),
        ("-q", "cp", "web:/config", "/proc/dshell-e2e"),
        ("-q", "cp", "root-app:/app", str(tmp_path / "to-folder")),
    ))
    assert (fifo.returncode, _first_line(fifo)) == (2, f"error: {tmp_path}/fifo is a FIFO: cp writes only files and folders")
    assert (link.returncode, _first_line(link)) == (2, f"error: {tmp_path}/link is a symbolic link: name the file it points to")
    assert (onto_file.returncode, _first_line(onto_file)) == (2, f"error: {tmp_path}/file is a file: a folder cannot replace it")
    assert (missing.returncode, _first_line(missing)) == (2, f"error: no folder {tmp_path}/none to copy into")
    assert proc.returncode == 15 and _first_line(proc).startswith("error: cannot write into /proc: "), proc.stderr
    for refused in (fifo, link, onto_file, missing, proc):
        assert len(refused.stderr.decode().splitlines()) == 2 and b"hint: " in refused.stderr and refused.stdout == b""
    assert into_link.returncode == 0, into_link.stderr
    assert sorted(os.listdir(tmp_path)) == before  # nothing new: no copy, no hidden staging folder
    assert (tmp_path / "target").read_bytes() == b"keep" and (tmp_path / "file").read_bytes() == b"keep too"
    assert (tmp_path / "folder" / "app").stat().st_size > 100_000


def _closed_early(cluster, *args: str) -> tuple[int, bytes]:
    proc = subprocess.Popen(["kubectl", "dshell", "-q", *args], env=cluster.env(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout.read(10) == bytes(10)  # as `| head -c 10` reads, then leaves
        proc.stdout.close()
        return proc.wait(120), proc.stderr.read()
    finally:
        proc.kill()
        proc.wait()


def test_output_closed_early_ends_silently_with_141(cluster) -> None:
    assert _closed_early(cluster, "cat", "web", "/dev/zero") == (141, b"")
    assert _closed_early(cluster, "web", "--", "cat", "/dev/zero") == (141, b"")


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 256 KiB file system of our own (a tmpfs; needs root), unmounted however the test ends."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    small = tmp_path / "small"
    small.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(small)], check=True)
    try:
        yield small
    finally:
        subprocess.run(["umount", "-l", str(small)], check=True)


def test_a_full_local_disk_is_one_line_naming_the_file(cluster, small_disk: Path) -> None:
    copied = cluster.dshell("-q", "cp", "web:/app", str(small_disk / "app"))  # /app: 900 KB
    assert copied.returncode == 15, copied.stderr
    assert copied.stderr.decode().splitlines() == [
        f"error: cannot write {small_disk}/app: No space left on device",
        "hint: check that file system (free space, permissions, read-only mounts), or write elsewhere",
    ]
    assert os.listdir(small_disk) == []  # neither the copy nor its staging folder
    with open(small_disk / "out", "wb") as out:
        cat = subprocess.run(["kubectl", "dshell", "-q", "cat", "web", "/app"], env=cluster.env(),
                             stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.PIPE, timeout=120)
    assert cat.returncode == 15
    assert cat.stderr.decode().splitlines()[0] == f"error: cannot write stdout ({small_disk}/out): No space left on device"


def test_file_names_that_are_not_utf8(cluster, tmp_path: Path) -> None:
    raw = b"dshell-e2e-" + secrets.token_hex(3).encode() + b"-\xff"
    path = os.fsdecode(b"/tmp/" + raw)  # as sys.argv holds it
    made = cluster.dshell("-q", "root-app", "--", "sh", "-c", 'printf hello > "$1"', "sh", path)
    assert made.returncode == 0, made.stderr
    try:
        cat, listing, copied = (cluster.dshell(*args) for args in (
            ("cat", "root-app", path), ("ls", "root-app", "/tmp", "-o", "json"), ("cp", f"root-app:{path}", str(tmp_path)),
        ))
        assert (cat.returncode, cat.stdout) == (0, b"hello"), cat.stderr
        entries = json.loads(listing.stdout)["entries"]
        [entry] = [e for e in entries if e.get("name_bytes") == base64.b64encode(raw).decode()]
        assert entry["name"] == raw.decode("utf-8", "replace")
        assert all("name_bytes" not in e for e in entries if e is not entry)  # UTF-8 names: name alone
        assert copied.returncode == 0, copied.stderr
        assert os.listdir(os.fsencode(tmp_path)) == [raw] and (tmp_path / os.fsdecode(raw)).read_bytes() == b"hello"
    finally:
        cluster.dshell("-q", "root-app", "--", "rm", "-f", path)


def _members(archive: bytes) -> dict[str, tuple[tarfile.TarInfo, bytes | None]]:
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        return {m.name: (m, tar.extractfile(m).read() if m.isreg() else None) for m in tar}  # type: ignore[union-attr]


def test_cp_to_stdout_is_a_tar_archive_and_kernel_files_copy_quietly(cluster, tmp_path: Path) -> None:
    binary, app, config, status, status_file = (cluster.dshell(*args) for args in (
        ("cat", "web", "/app"),
        ("cp", "web:/app", "-"),
        ("cp", "web:/config", "-"),
        ("cp", "web:/proc/1/status", "-"),
        ("cp", "web:/proc/1/status", str(tmp_path / "status")),
    ))
    for result in (binary, app, config, status, status_file):
        assert result.returncode == 0, result.stderr
        assert b"changed while it was copied" not in result.stderr
    assert not (Path.cwd() / "-").exists()  # no file named -
    info, content = _members(app.stdout)["app"]
    assert content == binary.stdout and info.mode == 0o755
    members = _members(config.stdout)
    assert members["./config/app.yaml"][0].linkname == "..data/app.yaml"
    assert _members(status.stdout)["status"][1].startswith(b"Name:\t")
    assert (tmp_path / "status").read_bytes().startswith(b"Name:\t")


@pytest.fixture(scope="module")
def big_file(cluster):
    """1 GB of zeros in root-app: made fast, copied for seconds."""
    big = "/tmp/dshell-e2e-big-signals"
    made = cluster.dshell("-q", "root-app", "--", "sh", "-c", 'head -c 1000000000 /dev/zero > "$0"', big)
    assert made.returncode == 0, made.stderr.decode()
    yield big
    cluster.dshell("-q", "root-app", "--", "rm", "-f", big)


@TERM_AND_HUP
def test_a_signal_stops_a_copy_leaving_nothing_behind(cluster, tmp_path: Path, big_file: str, signum, code, said) -> None:
    term = cluster.dshell_pty("cp", f"root-app:{big_file}", str(tmp_path / "big"))
    try:
        term.expect(r"root-app:/tmp/dshell-e2e-big-signals (\x1b\[[0-9;]*m)?[\d.]+/1\.0 GB", timeout=60)
        os.kill(term.proc.pid, signum)  # kubectl exec'd the plugin: same process
        assert term.wait() == code, term.output.decode(errors="replace")
    finally:
        term.close()
    assert re.search(said.encode(), term.output) and b"Traceback" not in term.output
    assert list(tmp_path.iterdir()) == []  # neither the copy nor its hidden staging folder


@TERM_AND_HUP
def test_a_signal_ends_a_terminal_session_with_the_terminal_restored(cluster, signum, code, said) -> None:
    term = cluster.dshell_pty("root-app")
    watcher = os.open(term.tty, os.O_RDWR | os.O_NOCTTY)  # kept open: the settings outlive the plugin
    try:
        cooked = termios.tcgetattr(watcher)
        term.expect(r"# ", timeout=60)
        assert not termios.tcgetattr(watcher)[3] & termios.ICANON  # raw while the session runs
        os.kill(term.proc.pid, signum)
        assert term.proc.wait(30) == code  # not term.wait(): the watcher keeps the terminal open
        term.expect(said)
        assert termios.tcgetattr(watcher) == cooked
        assert b"Traceback" not in term.output
    finally:
        os.close(watcher)
        term.close()
