"""``pipx install .`` and ``uv tool install .`` from a checkout, each in a fresh home, give a
``kubectl dshell`` that kubectl finds and that works against the simulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from packaging_tools.project import version
from tests.packaging.installers import kubectl, plugin_env

pytestmark = [pytest.mark.e2e, pytest.mark.parametrize("tool", ["pipx", "uv"])]


@pytest.fixture
def bin_dir(installs, tool) -> Path:
    """Where the tool put the console scripts."""
    return installs[tool].wait()


def test_tool_installs_both_console_scripts(bin_dir):
    assert sorted(p.name for p in bin_dir.iterdir()) == ["kubectl-dshell", "kubectl_complete-dshell"]


def test_kubectl_finds_and_runs_the_installed_plugin(bin_dir, simulator):
    env = plugin_env(bin_dir, simulator.env())
    listed = kubectl(env, "plugin", "list")
    assert str(bin_dir / "kubectl-dshell") in listed.stdout.split(), listed.stderr
    assert kubectl(env, "dshell", "--version").stdout == f"kubectl dshell {version()}\n"
    ran = kubectl(env, "dshell", "web", "--", "cat", "/etc/hostname")
    assert (ran.returncode, ran.stdout) == (0, "web\n"), ran.stderr
