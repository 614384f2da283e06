"""Where cp may write: only where asked, never onto a device, a FIFO or a socket, never through a link."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from kubectl_dshell.destination import destination
from kubectl_dshell.errors import UsageError


def _refused(source: str, local: str | Path) -> str:
    with pytest.raises(UsageError) as refused:
        destination(source, str(local))
    return refused.value.message


def test_a_new_name_an_existing_file_or_a_folder_to_copy_into(tmp_path: Path) -> None:
    (tmp_path / "old").write_text("x")
    (tmp_path / "dir").mkdir()
    assert destination("/app", str(tmp_path / "new")) == tmp_path / "new"
    assert destination("/app", str(tmp_path / "old")) == tmp_path / "old"  # replaced whole, later
    assert destination("/srv/app/", str(tmp_path / "dir")) == tmp_path / "dir" / "app"


def test_devices_fifos_and_sockets_are_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "sock"))
        assert _refused("/f", tmp_path / "sock") == f"{tmp_path}/sock is a socket: cp writes only files and folders"
    assert _refused("/f", "/dev/null") == "/dev/null is a character device: cp writes only files and folders"
    assert _refused("/f", tmp_path / "fifo") == f"{tmp_path}/fifo is a FIFO: cp writes only files and folders"
    assert _refused("/null", "/dev") == "/dev/null is a character device: cp writes only files and folders"


def test_a_link_is_refused_unless_it_names_a_folder(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    (tmp_path / "dir").mkdir()
    (tmp_path / "to-file").symlink_to(tmp_path / "file")
    (tmp_path / "dangling").symlink_to(tmp_path / "missing")
    (tmp_path / "to-dir").symlink_to("dir")
    for link in ("to-file", "dangling"):
        assert _refused("/f", tmp_path / link) == f"{tmp_path}/{link} is a symbolic link: name the file it points to"
    assert destination("/etc/f", str(tmp_path / "to-dir")) == tmp_path / "to-dir" / "f"
    (tmp_path / "dir" / "f").symlink_to("/etc/passwd")
    assert _refused("/etc/f", tmp_path / "to-dir") == f"{tmp_path}/to-dir/f is a symbolic link: name the file it points to"


def test_missing_folders_and_existing_ones_are_refused(tmp_path: Path) -> None:
    (tmp_path / "dir" / "app").mkdir(parents=True)
    assert _refused("/f", tmp_path / "nowhere" / "f") == f"no folder {tmp_path}/nowhere to copy into"
    assert _refused("/f", f"{tmp_path}/new/") == f"no folder {tmp_path}/new/ to copy into"
    assert _refused("/app", tmp_path / "dir") == f"{tmp_path}/dir/app is an existing folder"
    assert _refused("/", tmp_path) == f"/ has no name to copy into {tmp_path}"
