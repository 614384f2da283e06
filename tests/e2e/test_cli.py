"""The plugin as kubectl presents it: discovery, help, version and shell completion."""

from __future__ import annotations

import re
import subprocess


def test_kubectl_finds_the_plugin(cluster):
    r = cluster.kubectl("plugin", "list")
    assert re.search(r"/kubectl-dshell$", r.stdout.decode(), re.M), r.stdout + r.stderr


def test_help_names_the_command_as_users_type_it(cluster):
    r = cluster.dshell("--help")
    out = r.stdout.decode()
    assert r.returncode == 0
    assert out.startswith("Usage: kubectl dshell [flags] [shell] POD [-- CMD [ARG...]]")
    assert "kubectl-dshell" not in out.replace("kubectl-dshell __complete", "")
    assert "Exit codes:" in out


def test_version(cluster):
    r = cluster.dshell("--version")
    assert re.fullmatch(r"kubectl dshell \d+\.\d+\.\d+\n", r.stdout.decode())


def complete(cluster, *words: str) -> list[str]:
    """What kubectl's shell completion offers (it runs kubectl_complete-dshell from PATH)."""
    r = subprocess.run(["kubectl", "__complete", "dshell", *words], env=cluster.env(), capture_output=True,
                       timeout=60)
    return r.stdout.decode().split()


def test_completion_offers_verbs_then_pods_of_the_namespace(cluster):
    words = complete(cluster, "")
    assert {"env", "ps", "net", "ls", "cat", "cp", "shell"} <= set(words)
    assert {"web", "root-app", "two"} <= set(words)
    secure = complete(cluster, "-n", "secure", "")
    assert "api" in secure and "web" not in secure


def test_completion_offers_the_pods_containers_init_ones_too(cluster):
    assert complete(cluster, "mesh", "-c", "") == ["app", "setup", "proxy", ":4"]
    assert complete(cluster, "env", "mesh", "--container", "p") == ["proxy", ":4"]
