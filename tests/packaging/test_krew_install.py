"""The locally built archive, through the manifest krew-release-bot would render for it, installed
as krew installs it, then used through kubectl's plugin discovery against the simulator."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from packaging_tools import krew_rules
from packaging_tools.krew_install import install
from packaging_tools.platforms import PLATFORMS, current
from packaging_tools.project import MANIFEST, release_tag, version
from tests.packaging.installers import kubectl, local_manifest, plugin_env

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def manifest(archive: Path) -> dict:
    """The manifest for a release whose archive for this platform is the one just built."""
    return local_manifest(archive)


@pytest.fixture(scope="module")
def krew_root(manifest: dict, archive: Path) -> Iterator[Path]:
    """A KREW_ROOT with the archive installed in it."""
    root = Path(tempfile.mkdtemp(prefix="dshell-krew-root-"))
    try:
        install(manifest, archive, root, current())
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_rendered_manifest_breaks_no_rule(manifest):
    assert krew_rules.problems(manifest, MANIFEST.name, release_tag(), PLATFORMS) == []


def test_install_puts_the_bundle_in_the_store_and_links_it(krew_root):
    store = krew_root / "store" / "dshell" / release_tag()
    link = krew_root / "bin" / "kubectl-dshell"
    assert sorted(os.listdir(store)) == ["LICENSE", "_internal", "kubectl-dshell"]
    assert link.is_symlink() and link.resolve() == store / "kubectl-dshell"
    assert krew_rules.license_problems(krew_root / "store") == []


def test_kubectl_plugin_list_finds_the_krew_link(krew_root, simulator):
    listed = kubectl(plugin_env(krew_root / "bin", simulator.env()), "plugin", "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("The following compatible plugins are available:")
    dshells = [line for line in listed.stdout.splitlines() if line.endswith("kubectl-dshell")]
    assert dshells == [str(krew_root / "bin" / "kubectl-dshell")]
    assert "warning" not in listed.stderr


def test_help_and_version_through_kubectl(krew_root, simulator):
    env = plugin_env(krew_root / "bin", simulator.env())
    shown = kubectl(env, "dshell", "--help")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("Usage: kubectl dshell [flags] [shell] POD [-- CMD [ARG...]]")
    assert kubectl(env, "dshell", "--version").stdout == f"kubectl dshell {version()}\n"


def test_command_in_the_web_pod_through_the_installed_build(krew_root, simulator):
    ran = kubectl(plugin_env(krew_root / "bin", simulator.env()), "dshell", "web", "--", "ls")
    assert ran.returncode == 0, ran.stderr
    assert {"app", "config", "etc", "tmp"} <= set(ran.stdout.split())
