"""cp POD:PATH -: a tar archive on stdout, as docker cp writes it."""

from __future__ import annotations

import io
import tarfile

import pytest
from rich.console import Console

from kubectl_dshell import archive as archive_module
from kubectl_dshell.archive import Archive, copy_to_stdout
from kubectl_dshell.errors import UsageError
from kubectl_dshell.render import Ui


def _archived(pieces: list[bytes], source: str = "/data/f") -> tuple[bytes, str]:
    out, said = io.BytesIO(), io.StringIO()
    ui = Ui(Console(file=said, width=300), stdout=out)
    archive = Archive(out, source.rsplit("/", 1)[-1])
    for piece in pieces:
        archive.write(piece)
    archive.finish(source, ui)
    return out.getvalue(), said.getvalue()


def _members(data: bytes) -> list[tuple[str, int, int, bytes]]:
    assert len(data) % tarfile.BLOCKSIZE == 0
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return [(m.name, m.mode, m.mtime, tar.extractfile(m).read()) for m in tar]  # type: ignore[union-attr]


def test_a_file_becomes_one_member_with_its_mode_and_mtime() -> None:
    data, said = _archived([b"file 4755 1700000000 5\nhel", b"lo"])
    assert _members(data) == [("f", 0o755, 1_700_000_000, b"hello")] and said == ""


@pytest.mark.parametrize(("sent", "held", "how"), [
    (b"hello world", b"hello", "the rest left out"),
    (b"hel", b"hel\0\0", "padded with zeros"),
])
def test_a_file_that_changed_keeps_the_announced_size(sent: bytes, held: bytes, how: str) -> None:
    data, said = _archived([b"file 644 1 5\n", sent])
    assert _members(data) == [("f", 0o644, 1, held)]
    assert f"/data/f changed while it was copied: 5 bytes when it started; the archive holds 5, {how}" in said


def test_a_kernel_file_of_unknown_size_is_held_until_its_end() -> None:
    data, said = _archived([b"file 444 1 0\n", b"Name:\tapp\n", b"Umask:\t0022\n"], source="/proc/1/status")
    assert _members(data) == [("status", 0o444, 1, b"Name:\tapp\nUmask:\t0022\n")] and said == ""


def test_a_folder_tar_stream_passes_through_and_a_name_keeps_its_bytes() -> None:
    stream = io.BytesIO()
    with tarfile.open(fileobj=stream, mode="w", format=tarfile.GNU_FORMAT, errors="surrogateescape") as tar:
        info = tarfile.TarInfo("./d/a\udcffb")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    data, _ = _archived([b"tar\n", stream.getvalue()], source="/d")
    assert data == stream.getvalue()
    with tarfile.open(fileobj=io.BytesIO(data), errors="surrogateescape") as tar:
        assert [m.name for m in tar] == ["./d/a\udcffb"]


def test_a_terminal_is_refused_before_anything_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.BytesIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(archive_module, "run_probe", lambda *args: pytest.fail("the probe ran"))
    ui = Ui(Console(file=io.StringIO()), stdout=Terminal())
    with pytest.raises(UsageError, match="cp - writes a tar archive: not to a terminal"):
        copy_to_stdout(None, None, "/f", ui)  # type: ignore[arg-type]
