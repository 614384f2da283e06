"""cp's receiving end: the probe's header line, then a file written as it arrives or a tar stream
unpacked by a second thread; metadata applied, changes during the copy reported."""

from __future__ import annotations

import io
import stat
import tarfile
from contextlib import ExitStack, suppress
from pathlib import Path

import pytest
from rich.console import Console

from kubectl_dshell import copy as copy_module
from kubectl_dshell.copy import FileHeader, Meter, Receiver, copy_out, parse_header
from kubectl_dshell.errors import DshellError, UsageError
from kubectl_dshell.render import Ui
from kubectl_dshell.transfer import copied_note
from kubectl_dshell.untar import UnsafeMember


def _ui() -> tuple[Ui, io.StringIO]:
    said = io.StringIO()
    return Ui(Console(file=said, width=200)), said


def _receive(base: Path, pieces: list[bytes], source: str = "/data/f") -> tuple[object, str]:
    ui, said = _ui()
    with ExitStack() as stack:
        receiver = Receiver(base, Meter(ui, "pod:" + source, stack))
        try:
            for piece in pieces:
                receiver.write(piece)
            return receiver.finish(source, ui), said.getvalue()
        finally:
            receiver.abandon()


def _tar_bytes(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size, info.mode = len(content), 0o640
        tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def test_headers_are_read_or_refused() -> None:
    assert parse_header(b"file 4755 1700000000 12") == FileHeader(0o4755, 1_700_000_000, 12)
    assert parse_header(b"tar") is None
    for garbage in (b"file 9x 1 2", b"file 644 1", b"\x7fELF", b""):
        with pytest.raises(DshellError, match="cp received a header it cannot read"):
            parse_header(garbage)


def test_a_file_split_anywhere_arrives_whole_with_its_mode_and_mtime(tmp_path: Path) -> None:
    data = bytes(range(256)) * 100
    stream = b"file 4751 1600000000 %d\n" % len(data) + data
    pieces = [stream[:3], stream[3:30], stream[30:1000], stream[1000:]]  # the header line cut twice
    done, said = _receive(tmp_path / "copy", pieces)
    copy = tmp_path / "copy"
    assert (done.files, done.size, copy.read_bytes()) == (1, len(data), data)
    assert stat.S_IMODE(copy.stat().st_mode) == 0o751  # setuid dropped
    assert copy.stat().st_mtime == 1_600_000_000 and said == ""


def test_a_file_that_changed_size_while_copied_is_reported(tmp_path: Path) -> None:
    done, said = _receive(tmp_path / "copy", [b"file 644 1 10\n", b"grown to 15 b"])
    assert done.size == 13 and (tmp_path / "copy").read_bytes() == b"grown to 15 b"
    assert "/data/f changed while it was copied: 10 bytes when it started, 13 copied" in said


def test_a_kernel_file_saying_size_0_has_its_content_and_no_warning(tmp_path: Path) -> None:
    done, said = _receive(tmp_path / "copy", [b"file 444 1 0\n", b"Name:\tapp\n"], source="/proc/1/status")
    assert (done.size, (tmp_path / "copy").read_bytes(), said) == (10, b"Name:\tapp\n", "")


def test_a_tar_stream_is_unpacked(tmp_path: Path) -> None:
    stream = b"tar\n" + _tar_bytes("./conf", b"greeting: hello\n")
    done, _ = _receive(tmp_path / "copy", [stream[:2], stream[2:700], stream[700:]])
    assert (done.files, (tmp_path / "copy").read_bytes()) == (1, b"greeting: hello\n")


def test_an_unsafe_tar_member_stops_the_copy_with_its_name(tmp_path: Path) -> None:
    stream = b"tar\n" + _tar_bytes("../evil", b"x")
    ui, _ = _ui()
    with ExitStack() as stack:
        receiver = Receiver(tmp_path / "copy", Meter(ui, "pod:/d", stack))
        with suppress(BrokenPipeError):  # the unpacking may have stopped reading already
            receiver.write(stream)
        with pytest.raises(UnsafeMember, match=r"^\.\./evil$"):
            receiver.finish("/d", ui)
    assert not (tmp_path / "evil").exists()


def test_nothing_received_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DshellError, match="cp received nothing for /data/f"):
        _receive(tmp_path / "copy", [])
    with pytest.raises(DshellError, match="cp received a header it cannot read"):
        _receive(tmp_path / "copy", [b"x" * 300])


class _Reached:
    """What copy_out reads of a reached target: its name."""

    class target:  # noqa: N801  (an attribute, as on Reached)
        name = "root-app"


def _probe_writing(data: bytes, then: BaseException):
    def run_probe(kube, reached, verb, args, sink, ui) -> None:
        sink.write(data)
        raise then

    return run_probe


@pytest.mark.parametrize(
    ("written", "raised", "reported"),
    [
        # The probe failed mid-folder: its error, not the cut tar stream's.
        (b"tar\n" + _tar_bytes("./d", b"x" * 5000)[:1024], DshellError("cp failed in debugger dshell-x: tar: short read"),
         "cp failed in debugger dshell-x: tar: short read"),
        # The unpacking refused a member and stopped reading: its reason, not the broken pipe.
        (b"tar\n" + _tar_bytes("../evil", b"x"), BrokenPipeError(32, "Broken pipe"), "refused ../evil, which would land outside the copy"),
        # A file cut short by a failing probe.
        (b"file 644 1 10\nabc", DshellError("the connection ended"), "the connection ended"),
    ],
    ids=["probe-failed-mid-tar", "unsafe-member", "probe-failed-mid-file"],
)
def test_a_failed_copy_says_why_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, written: bytes, raised: BaseException, reported: str
) -> None:
    monkeypatch.setattr(copy_module, "run_probe", _probe_writing(written, raised))
    ui, _ = _ui()
    with pytest.raises(DshellError) as failure:
        copy_out(None, _Reached(), "/d", tmp_path / "out", ui)  # type: ignore[arg-type]
    assert reported in failure.value.message
    assert "Broken pipe" not in failure.value.message
    assert list(tmp_path.iterdir()) == []


def test_a_folder_never_replaces_a_file(tmp_path: Path) -> None:
    (tmp_path / "out").write_bytes(b"keep")
    ui, _ = _ui()
    with ExitStack() as stack:
        receiver = Receiver(tmp_path / "copy", Meter(ui, "pod:/d", stack), tmp_path / "out")
        with pytest.raises(UsageError, match="out is a file: a folder cannot replace it"):
            receiver.write(b"tar\n" + _tar_bytes("./d/f", b"x"))  # refused at the header: nothing unpacked
    assert receiver.unpacker is None and not (tmp_path / "copy").exists()
    assert (tmp_path / "out").read_bytes() == b"keep"


def _probe_sending(data: bytes, stderr: bytes):
    def run_probe(kube, reached, verb, args, sink, ui) -> bytes:
        sink.write(data)
        return stderr

    return run_probe


def test_what_the_probe_could_not_read_is_counted_in_the_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reports = b"dshell: a warning\ndshell-skipped\t/d/secret\ndshell-skipped\t/d/\xff\n"
    monkeypatch.setattr(copy_module, "run_probe", _probe_sending(b"tar\n" + _tar_bytes("./d/f", b"abc"), reports))
    ui, _ = _ui()
    copied = copy_out(None, _Reached(), "/d", tmp_path / "out", ui)  # type: ignore[arg-type]
    assert copied_note(copied) == "copied 1 file, 3 bytes, 2 unreadable files skipped"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_special_file_alone_is_refused_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.addfile(_device("./null"))
    monkeypatch.setattr(copy_module, "run_probe", _probe_sending(b"tar\n" + buffer.getvalue(), b""))
    ui, _ = _ui()
    with pytest.raises(UsageError, match="^/dev/null is a device, FIFO or socket: cp copies files and folders$"):
        copy_out(None, _Reached(), "/dev/null", tmp_path / "out", ui)  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


def _device(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.devmajor, info.devminor = tarfile.CHRTYPE, 1, 3
    return info


def test_a_failed_copys_staging_goes_even_with_read_only_folders(tmp_path) -> None:
    from kubectl_dshell.copy import _remove

    staging = tmp_path / ".x.dshell-1"
    (staging / "copy" / "sub").mkdir(parents=True)
    (staging / "copy" / "sub" / "f").write_bytes(b"x")
    for folder in (staging / "copy" / "sub", staging / "copy"):
        folder.chmod(0o555)
    _remove(staging)
    assert not staging.exists()
