"""packaging_tools.krew_install refuses what krew refuses (so that its success on the real archive
means something): small hand-made archives, one per refusal, beside one that installs."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from packaging_tools.krew_install import KrewError, install
from packaging_tools.platforms import Platform
from tests.packaging.fakes import GOOD_ENTRIES, Entry, manifest_for, tar_gz, zip_file

LINUX = Platform("linux", "amd64")


def test_good_archive_installs_and_its_link_runs(tmp_path: Path):
    archive = tar_gz(tmp_path / "demo.tar.gz", GOOD_ENTRIES)
    link = install(manifest_for(archive), archive, tmp_path / "krew", LINUX)
    assert link == tmp_path / "krew" / "bin" / "kubectl-demo"
    assert os.readlink(link) == "../store/demo/v1.0.0/demo"
    assert subprocess.run([str(link)], capture_output=True, text=True).stdout == "demo works\n"
    assert (tmp_path / "krew" / "store" / "demo" / "v1.0.0" / "lib" / "data.txt").read_text() == "data\n"


def test_zip_keeps_the_executable_mode(tmp_path: Path):
    archive = zip_file(tmp_path / "demo.zip", GOOD_ENTRIES)
    link = install(manifest_for(archive), archive, tmp_path / "krew", LINUX)
    assert subprocess.run([str(link)], capture_output=True, text=True).stdout == "demo works\n"


def test_reinstall_replaces_the_previous_files(tmp_path: Path):
    archive = tar_gz(tmp_path / "demo.tar.gz", GOOD_ENTRIES)
    install(manifest_for(archive), archive, tmp_path / "krew", LINUX)
    fewer = tar_gz(tmp_path / "fewer.tar.gz", GOOD_ENTRIES[:2])
    install(manifest_for(fewer), fewer, tmp_path / "krew", LINUX)
    assert sorted(os.listdir(tmp_path / "krew" / "store" / "demo" / "v1.0.0")) == ["LICENSE", "demo"]


@pytest.mark.parametrize("entries,error", [
    (GOOD_ENTRIES + [Entry("link", "symlink")], "unable to handle file type 50 for 'link' in tar"),
    (GOOD_ENTRIES + [Entry("hard", "hardlink")], "unable to handle file type 49 for 'hard' in tar"),
    (GOOD_ENTRIES + [Entry("pipe", "fifo")], "unable to handle file type 54 for 'pipe' in tar"),
    (GOOD_ENTRIES + [Entry("lib/../../escape")], "refusing to unpack archive with suspicious entry 'lib/../../escape'"),
    (GOOD_ENTRIES + [Entry("/etc/evil")], "refusing to unpack archive with absolute entry '/etc/evil'"),
], ids=["symlink", "hardlink", "fifo", "dot-dot", "absolute"])
def test_tar_entries_krew_refuses(tmp_path: Path, entries, error):
    archive = tar_gz(tmp_path / "demo.tar.gz", entries)
    with pytest.raises(KrewError, match=error):
        install(manifest_for(archive), archive, tmp_path / "krew", LINUX)
    assert not (tmp_path / "krew" / "bin").exists()


@pytest.mark.parametrize("platform,error", [
    ({"sha256": "0" * 64}, "checksum does not match, want: 0{64}, got [0-9a-f]{64}"),
    ({"bin": "../demo"}, "does not extend the sub-fullPath"),
    ({"bin": "missing"}, "source binary .* cannot be found in extracted archive"),
    ({"files": [{"from": "*.exe", "to": "."}]}, r"no files in the plugin archive matched the glob pattern=\*\.exe"),
    ({"files": [{"from": "*", "to": "./x"}]}, "the provided path is not clean, './x' should be 'x'"),
    ({"selector": {"matchLabels": {"os": "darwin"}}}, "plugin 'demo' does not offer installation for this platform"),
], ids=["sha256", "bin-outside", "bin-missing", "glob-unmatched", "unclean-to", "no-platform"])
def test_manifest_mistakes_krew_refuses(tmp_path: Path, platform, error):
    archive = tar_gz(tmp_path / "demo.tar.gz", GOOD_ENTRIES)
    with pytest.raises(KrewError, match=error):
        install(manifest_for(archive, **platform), archive, tmp_path / "krew", LINUX)


def test_unknown_archive_format_is_refused(tmp_path: Path):
    archive = tmp_path / "demo.tar.gz"
    archive.write_bytes(b"#!/bin/sh\n")
    with pytest.raises(KrewError, match="is not a supported archive format"):
        install(manifest_for(archive), archive, tmp_path / "krew", LINUX)
