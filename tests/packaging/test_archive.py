"""The release archive: built from the checkout, self-contained, and shaped as krew needs it."""

from __future__ import annotations

import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from packaging_tools import archive_rules
from packaging_tools.archive import write_archive
from packaging_tools.checksums import write_checksum
from packaging_tools.platforms import Platform, current
from packaging_tools.project import LICENSE, release_tag, version
from packaging_tools.smoke import smoke
from tests.packaging.fakes import Entry, tar_gz

LINUX = Platform("linux", "amd64")
PROBES = [Entry(f"_internal/kubectl_dshell/probes/{name}") for name in archive_rules.PROBES]
COMPLETE = [Entry("LICENSE"), Entry("kubectl-dshell", mode=0o755), *PROBES]


def test_built_archive_breaks_no_rule(archive: Path):
    assert archive_rules.problems(archive, current()) == []


def test_built_archive_holds_the_bundle_and_license_at_the_top(archive: Path):
    members = archive_rules.members(archive)
    assert {m.name.split("/")[0] for m in members} == {"LICENSE", "kubectl-dshell", "_internal"}
    assert {m.kind for m in members} == {"file", "dir"}
    with tarfile.open(archive) as tar:
        assert tar.extractfile("LICENSE").read() == LICENSE.read_bytes()


def test_sha256_file_verifies_with_sha256sum(archive: Path):
    checked = subprocess.run(["sha256sum", "-c", archive.name + ".sha256"], cwd=archive.parent,
                             capture_output=True, text=True)
    assert checked.stdout == f"{archive.name}: OK\n", checked.stderr


def test_unpacked_build_runs_without_python_or_the_checkout(archive: Path, tmp_path: Path):
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path, filter="data")
    env = {"PATH": "/nonexistent", "HOME": str(tmp_path)}
    result = subprocess.run([str(tmp_path / "kubectl-dshell"), "--version"], env=env, capture_output=True, text=True,
                            cwd="/")
    assert (result.returncode, result.stdout) == (0, f"kubectl dshell {version()}\n"), result.stderr


@pytest.mark.parametrize("entries,problem", [
    (COMPLETE + [Entry("lib", "symlink")], "lib: a symlink; krew unpacks only folders and regular files"),
    (COMPLETE + [Entry("hard", "hardlink")], "hard: a hardlink"),
    (COMPLETE + [Entry("/abs")], "/abs: an absolute path"),
    (COMPLETE + [Entry("_internal/../up")], "_internal/../up: krew refuses any entry whose name contains '..'"),
    (COMPLETE[1:], "LICENSE: missing"),
    ([COMPLETE[0], *PROBES], "kubectl-dshell: missing"),
    ([*COMPLETE[:2], *PROBES[1:]], f"_internal/kubectl_dshell/probes/{archive_rules.PROBES[0]}: missing"),
    ([COMPLETE[0], Entry("kubectl-dshell", mode=0o644), *PROBES], "kubectl-dshell: not executable (mode 644)"),
], ids=["symlink", "hardlink", "absolute", "dot-dot", "no-license", "no-executable", "no-probe", "not-executable"])
def test_archive_rules_report_each_fault(tmp_path: Path, entries, problem):
    assert archive_rules.problems(tar_gz(tmp_path / "a.tar.gz", COMPLETE), LINUX) == []
    found = archive_rules.problems(tar_gz(tmp_path / "b.tar.gz", entries), LINUX)
    assert any(problem in p for p in found), found


def test_writer_stores_links_inside_the_build_as_copies(tmp_path: Path):
    build = tmp_path / "build"
    (build / "lib" / "real").mkdir(parents=True)
    (build / "lib" / "real" / "libx.so").write_bytes(b"ELF")
    os.symlink("real/libx.so", build / "lib" / "libx.so")
    os.symlink("real", build / "lib" / "current")
    write_archive(build, LICENSE, tmp_path / "out.tar.gz")
    kinds = {m.name: m.kind for m in archive_rules.members(tmp_path / "out.tar.gz")}
    assert kinds["lib/libx.so"] == kinds["lib/current/libx.so"] == "file"
    assert set(kinds.values()) == {"file", "dir"}


@pytest.mark.parametrize("target,error", [("/etc/hostname", "links outside the build"),
                                          (".", "links to a folder that contains it")])
def test_writer_refuses_links_it_cannot_store(tmp_path: Path, target, error):
    build = tmp_path / "build"
    build.mkdir()
    os.symlink(target, build / "link")
    with pytest.raises(ValueError, match=error):
        write_archive(build, LICENSE, tmp_path / "out.tar.gz")


def test_zip_for_windows_holds_the_same_entries(tmp_path: Path):
    build = tmp_path / "build"
    (build / "_internal").mkdir(parents=True)
    (build / "kubectl-dshell.exe").write_bytes(b"MZ")
    write_archive(build, LICENSE, tmp_path / "out.zip")
    names = {m.name for m in archive_rules.members(tmp_path / "out.zip")}
    assert names == {"LICENSE", "_internal/", "kubectl-dshell.exe"}


def test_release_smoke_check_passes_on_the_built_archive(archive: Path):
    assert smoke(archive) == []


def test_release_smoke_check_catches_a_build_that_does_not_start(tmp_path: Path):
    fake = tar_gz(tmp_path / current().asset(release_tag()), [
        Entry("LICENSE"), Entry("_internal", "dir", mode=0o755),
        Entry("kubectl-dshell", mode=0o755, data=b"#!/bin/sh\necho 'kubectl dshell 0.0.0'\n")])
    write_checksum(fake)
    assert smoke(fake) == ["--version printed 'kubectl dshell 0.0.0\\n' (exit 0): ",
                           "--help failed (exit 0): "]
