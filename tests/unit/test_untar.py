"""Unpacking the cp stream: modes and links kept, nothing written outside the copy."""

from __future__ import annotations

import io
import stat
import tarfile
from pathlib import Path

import pytest

from kubectl_dshell.untar import UnsafeMember, unpack
from kubectl_dshell.verbs_cli import check_target


def _tar(*members: tuple[str, bytes | str | None, int]) -> tarfile.TarFile:
    """A tar stream of (name, bytes for a file / str for a symlink target / None for a folder, mode)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, content, mode in members:
            info = tarfile.TarInfo(name)
            info.mode, info.mtime = mode, 1_700_000_000
            if content is None:
                info.type = tarfile.DIRTYPE
            elif isinstance(content, str):
                info.type, info.linkname = tarfile.SYMTYPE, content
            else:
                info.size = len(content)
            tar.addfile(info, io.BytesIO(content) if isinstance(content, bytes) else None)
    buffer.seek(0)
    return tarfile.open(fileobj=buffer, mode="r|")


def test_a_folder_with_files_links_and_modes(tmp_path: Path) -> None:
    tar = _tar(("./conf", None, 0o555), ("./conf/a", b"x" * 10, 0o4755), ("./conf/l", "/etc/passwd", 0o777))
    seen = []
    done = unpack(tar, tmp_path / "copy", seen.append, lambda m: None)
    assert (done.files, done.size, sum(seen)) == (1, 10, 10)
    assert done.top_mode == 0o555  # applied by copy_out once the copy is in place: moving needs write access
    assert stat.S_IMODE((tmp_path / "copy" / "a").stat().st_mode) == 0o755  # setuid dropped
    assert (tmp_path / "copy" / "l").readlink() == Path("/etc/passwd")
    assert (tmp_path / "copy" / "a").stat().st_mtime == 1_700_000_000


@pytest.mark.parametrize(
    "members",
    [
        (("./d", None, 0o755), ("./d/../../evil", b"x", 0o644)),
        (("./d", None, 0o755), ("/etc/evil", b"x", 0o644)),
        (("./d", None, 0o755), ("./d/l", "/tmp", 0o777), ("./d/l/evil", b"x", 0o644)),
        (("./d", None, 0o755), ("./other/evil", b"x", 0o644)),
    ],
)
def test_members_leaving_the_copy_are_refused(tmp_path: Path, members) -> None:
    with pytest.raises(UnsafeMember):
        unpack(_tar(*members), tmp_path / "copy", lambda n: None, lambda m: None)
    assert not list(Path("/tmp").glob("evil")) and not (tmp_path / "evil").exists()


def test_members_whose_folder_or_first_link_was_left_out_are_counted(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, kind, target in (("./d", tarfile.DIRTYPE, ""), ("./d/gone/f", tarfile.REGTYPE, ""),
                                   ("./d/hard", tarfile.LNKTYPE, "./d/unread"), ("./d/ok", tarfile.REGTYPE, "")):
            info = tarfile.TarInfo(name)
            info.type, info.linkname, info.mode = kind, target, 0o755
            tar.addfile(info, io.BytesIO(b""))
    buffer.seek(0)
    done = unpack(tarfile.open(fileobj=buffer, mode="r|"), tmp_path / "copy", lambda n: None, lambda m: None)
    assert (done.files, done.unreadable, done.skipped) == (1, 2, 0)
    assert sorted(p.name for p in (tmp_path / "copy").iterdir()) == ["ok"]


def test_check_targets_parse_and_refuse_options() -> None:
    assert check_target("db:5432") == ("db", 5432)
    assert check_target("[::1]:8080") == ("::1", 8080)
    for bad in ("-e:1", "db", "db:0", "db:70000", "a b:1", "$(id):1"):
        with pytest.raises(Exception, match="not HOST:PORT"):
            check_target(bad)
