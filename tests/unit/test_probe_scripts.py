"""The path probes (lib.sh with ls.sh, cat.sh, cp.sh) for real: this machine's busybox against fake
targets, a root one (sessions chroot into it) and a non-root one (/proc/PID/root), hostile paths too."""

from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubectl_dshell.copy import FileHeader, parse_header
from kubectl_dshell.probes.listing import parse_listing
from kubectl_dshell.probes.runner import Mode, probe_script
from kubectl_dshell.probes.sections import parse_failure

from .sandbox import Debugger, Target, make_tools, runnable, start_target

pytestmark = pytest.mark.skipif(runnable() is not None, reason=str(runnable()))

# Component names: any character but "/" and NUL; "." and ".." mean something else.
NAMES = st.text(st.characters(blacklist_characters="/\0", blacklist_categories=("Cs",)), min_size=1, max_size=20).filter(
    lambda s: s not in (".", "..")
)


@pytest.fixture(scope="module", params=[0, 65532], ids=["root-chroot", "nonroot-cwd"])
def sandbox(request) -> Iterator[tuple[Debugger, Target]]:
    """A debugger and a running target whose root holds /data (hostile names land there),
    /etc/lt -> /etc/marker (absolute), /etc/up -> ../../.. (escaping) and a private /secret."""
    shared = Path(tempfile.mkdtemp(prefix="dshell-probe-"))
    shared.chmod(0o755)
    state = shared / "state"
    state.mkdir(mode=0o1777)
    state.chmod(0o1777)
    target = start_target(shared / "target", request.param)
    root = target.root
    (root / "dev").mkdir()
    os.mknod(root / "dev" / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))  # every container has it
    (root / "data").mkdir(mode=0o777)
    (root / "data").chmod(0o777)
    os.symlink("/etc/marker", root / "etc" / "lt")
    os.symlink("../../..", root / "etc" / "up")
    (root / "secret").mkdir(mode=0o700)
    try:
        yield Debugger(make_tools(shared / "bin"), state), target
    finally:
        target.stop()
        shutil.rmtree(shared)


def probe(sandbox: tuple[Debugger, Target], verb: str, *args: str):
    debugger, target = sandbox
    return debugger.run(target, Mode.COMMAND, ("sh", "-c", probe_script(verb), f"dshell-{verb}", *args), verbosity=0)


def test_cat_follows_an_absolute_link_inside_the_target(sandbox) -> None:
    result = probe(sandbox, "cat", "/etc/lt")
    assert (result.returncode, result.stdout) == (0, b"target-root\n"), result.stderr


@pytest.mark.parametrize("path", ["/../etc/marker", "/etc/up/etc/marker", "/etc/../../etc"])
def test_a_path_leaving_the_root_is_refused(sandbox, path: str) -> None:
    result = probe(sandbox, "cat", path)
    failure = parse_failure(result.stderr)
    assert result.returncode == 3 and result.stdout == b""
    assert failure is not None and failure.kind == "outside"


def test_missing_and_private_paths_are_told_apart(sandbox) -> None:
    _, target = sandbox
    missing = parse_failure(probe(sandbox, "cat", "/etc/nope").stderr)
    assert missing is not None and (missing.kind, missing.subject) == ("missing", "/etc/nope")
    private = parse_failure(probe(sandbox, "ls", "/secret/x", "1").stderr)
    expected = "missing" if target.process.args[-2] == "0" else "denied"  # root reads any folder
    assert private is not None and private.kind == expected


def test_cp_streams_a_folder_as_tar_with_links_kept(sandbox) -> None:
    result = probe(sandbox, "cp", "/etc")
    assert result.returncode == 0, result.stderr
    header, _, stream = result.stdout.partition(b"\n")
    assert parse_header(header) is None  # "tar"
    with tarfile.open(fileobj=io.BytesIO(stream)) as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert members["./etc/lt"].issym() and members["./etc/lt"].linkname == "/etc/marker"
    assert members["./etc/marker"].size == len(b"target-root\n")


def test_cp_sends_a_file_raw_after_its_mode_mtime_and_size(sandbox) -> None:
    _, target = sandbox
    data = bytes(range(256)) * 300 + b"\n\0tail"
    file = target.root / "data" / "blob"
    file.write_bytes(data)
    file.chmod(0o4755)
    os.utime(file, (1_600_000_000, 1_600_000_000))
    try:
        result = probe(sandbox, "cp", "/data/blob")
    finally:
        file.unlink()
    header, _, body = result.stdout.partition(b"\n")
    assert (result.returncode, body) == (0, data), result.stderr
    assert parse_header(header) == FileHeader(0o4755, 1_600_000_000, len(data))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=NAMES)
def test_hostile_names_reach_the_probe_exactly(sandbox, name: str) -> None:
    _, target = sandbox
    data = name.encode()
    file = target.root / "data" / name
    file.write_bytes(data)
    try:
        catted = probe(sandbox, "cat", "/data/" + name)
        assert (catted.returncode, catted.stdout) == (0, data), catted.stderr
        header, _, copied = probe(sandbox, "cp", "/data/" + name).stdout.partition(b"\n")
        assert (parse_header(header).size, copied) == (len(data), data)  # type: ignore[union-attr]
        listed = parse_listing(probe(sandbox, "ls", "/data/" + name, "1").stdout)
        assert [e.name for e in listed.entries] == [name]
        missing = parse_failure(probe(sandbox, "cat", "/data/" + name + "/x").stderr)
        assert missing is not None and missing.subject == "/data/" + name
    finally:
        file.unlink()
    assert sorted(os.listdir(target.root / "data")) == []  # nothing ran that made a file


TRIES = int(os.environ.get("DSHELL_RACE_TRIES", "500"))
SWAPPER = """
import os, random, sys, time
folder, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
os.chdir(folder)
while time.monotonic() < deadline:  # each state held for a random while: every phase of a read is hit
    for old, new in (("d", "sw"), ("sw", "d"), ("l", "sw"), ("sw", "l")):
        os.rename(old, new)
        time.sleep(random.choice((0, 0, 0.0005, 0.005, 0.02)))
"""


# Atomic exchanges (renameat2 RENAME_EXCHANGE): "sw" is always there, a folder or a symlink in turn.
EXCHANGER = """
import ctypes, os, random, sys, time
libc = ctypes.CDLL(None, use_errno=True)
folder, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
os.chdir(folder)
while time.monotonic() < deadline:
    libc.renameat2(-100, b"sw", -100, b"l", 2)
    time.sleep(random.choice((0, 0.0005, 0.002, 0.01)))
"""


@pytest.mark.parametrize("verb", ["cat", "cp"])
def test_a_target_swapping_a_folder_for_a_symlink_never_steers_a_read_outside(sandbox, verb: str) -> None:
    """The target flips /data/sw between a folder holding "busybox" and a symlink to /bin while the
    probe reads /data/sw/busybox: through /proc/PID/root the symlink would lead to the debugger's own
    /bin/busybox. Every read gives the target's file or a refusal, never the debugger's (500 tries
    through /proc/PID/root)."""
    _, target = sandbox
    tries = TRIES if target.process.args[-2] != "0" else TRIES // 5  # chrooted, the kernel confines
    folder = target.root / "data"
    (folder / "d").mkdir()
    (folder / "d" / "busybox").write_bytes(b"TARGET\n")
    os.symlink("/bin", folder / "l")
    swapper = subprocess.Popen([sys.executable, "-c", SWAPPER, str(folder), "300"])
    outcomes: dict[str, int] = {}
    try:
        for _ in range(tries):
            result = probe(sandbox, verb, "/data/sw/busybox")
            body = result.stdout.partition(b"\n")[2] if verb == "cp" else result.stdout
            failure = parse_failure(result.stderr)
            kind = "target" if body == b"TARGET\n" else failure.kind if failure else f"other {body[:8]!r}"
            outcomes[kind] = outcomes.get(kind, 0) + 1
    finally:
        swapper.kill()
        swapper.wait()
        for name in ("d", "sw"):
            shutil.rmtree(folder / name, ignore_errors=True)
        for name in ("l", "sw"):
            if (folder / name).is_symlink():
                (folder / name).unlink()
    assert set(outcomes) <= {"target", "missing", "notdir", "moved"}, outcomes
    assert outcomes.get("target", 0) > 0, outcomes  # the race was run, not only refused


def test_a_listing_never_descends_into_a_folder_the_target_swaps_for_a_symlink(sandbox) -> None:
    """ls with unlimited depth while /data/L/sw and /data/L/l (a symlink to /) are exchanged: the
    debugger's own root is never listed as the target's (100 tries)."""
    _, target = sandbox
    folder = target.root / "data" / "L"
    (folder / "sw").mkdir(parents=True)
    (folder / "sw" / "x").write_bytes(b"x")
    os.symlink("/", folder / "l")

    # Below the flipping names, the folder's own file or (chrooted, where "/" is the target's root)
    # the target's own files; never a folder only the debugger's root has (/bin, say).
    debuggers_only = set(os.listdir("/")) - set(os.listdir(target.root))

    def inside(name: str) -> bool:
        return name.split("/")[1:2] == [] or name.split("/")[1] not in debuggers_only

    swapper = subprocess.Popen([sys.executable, "-c", EXCHANGER, str(folder), "300"])
    seen: set[str] = set()
    try:
        for _ in range(max(1, TRIES // 5)):
            result = probe(sandbox, "ls", "/data/L", "0")
            if result.returncode == 0:
                seen.update(entry.name for entry in parse_listing(result.stdout).entries)
        swapper.kill()
        swapper.wait()
        outside = sorted(name for name in seen if not inside(name))
    finally:
        swapper.kill()
        swapper.wait()
        shutil.rmtree(folder, ignore_errors=True)
    assert not outside, outside[:20]
    assert {"sw/x", "l/x"} & seen  # the race was run: the folder was listed under either name
