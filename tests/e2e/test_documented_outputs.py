"""e2e: what the README documents, as a user sees it: the default tables (their columns and a row a
user would look for), -o yaml, the -l headers, --kubeconfig, each --profile, and hard links in cp."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml


def _ok(r) -> str:
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout.decode()


def _header(table: str) -> list[str]:
    return table.splitlines()[0].split()


def _row(table: str, first: str) -> list[str]:
    rows = [line.split() for line in table.splitlines() if line.split()[:1] == [first]]
    assert rows, table
    return rows[0]


def test_env_table_shows_source_and_masks_secrets(cluster):
    table = _ok(cluster.dshell("env", "web"))
    assert _header(table) == ["NAME", "SOURCE", "VALUE"]
    assert _row(table, "PORT") == ["PORT", "spec", "8080"]
    assert _row(table, "DB_PASSWORD") == ["DB_PASSWORD", "secret", "db/password", "****"]
    assert "s3cr3t-value" not in table


def test_ls_table_shows_modes_owners_and_link_targets(cluster):
    table = _ok(cluster.dshell("ls", "web", "/config"))
    assert _header(table) == ["MODE", "UID", "GID", "SIZE", "MODIFIED", "NAME"]
    row = _row(table, "lrwxrwxrwx")
    assert row[-3:] == ["app.yaml", "->", "..data/app.yaml"] or "app.yaml" in table, table


def test_yaml_output_is_the_json_document(cluster):
    as_json = json.loads(_ok(cluster.dshell("env", "web", "-o", "json")))
    as_yaml = yaml.safe_load(_ok(cluster.dshell("env", "web", "-o", "yaml")))
    assert as_yaml == as_json
    assert {"pod", "namespace", "container", "pid", "variables"} <= set(as_yaml)


def test_a_selector_titles_each_pods_tables(cluster):
    out = _ok(cluster.dshell("env", "-l", "app in (web,root-app)"))
    titles = [line for line in out.splitlines() if line.startswith("pod ")]
    assert titles == ["pod default/root-app", "pod default/web"]
    assert out.index("pod default/root-app") < out.index("NAME") < out.index("pod default/web")


def test_kubeconfig_flag_picks_the_cluster(cluster):
    env = {"KUBECONFIG": str(cluster.workdir / "no-such-kubeconfig")}
    r = cluster.dshell("--kubeconfig", str(cluster.kubeconfig), "web", "--", "cat", "/config/app.yaml", env=env)
    assert (r.returncode, r.stdout) == (0, b"greeting: hello\n"), r.stderr


@pytest.mark.parametrize(("profile", "uid", "root", "context"), [
    ("general", "65532", "/", {"capabilities": {"add": ["SYS_PTRACE"]}, "runAsUser": 0, "runAsGroup": 0}),
    ("baseline", "65532", "/proc/", {"runAsUser": 0, "runAsGroup": 0}),
    ("restricted", "65532", "/proc/", {"runAsNonRoot": True, "runAsUser": 65532, "runAsGroup": 65532}),
    ("sysadmin", "65532", "/", {"privileged": True, "runAsUser": 0, "runAsGroup": 0}),
])
def test_each_profile_makes_the_debugger_it_names(cluster, fresh_pod, profile, uid, root, context):
    pod = fresh_pod("web")
    r = cluster.dshell(pod, "--profile", profile, "--", "sh", "-c", 'id -u; echo "$DSHELL_ROOT"')
    got_uid, got_root = _ok(r).splitlines()
    assert got_uid == uid and got_root.startswith(root), (got_uid, got_root)
    assert f"--profile {profile}:" in r.stderr.decode()
    spec = json.loads(cluster.kubectl("get", "pod", pod, "-o", "json", check=True).stdout)
    (debugger,) = spec["spec"]["ephemeralContainers"]
    assert context.items() <= debugger["securityContext"].items(), debugger["securityContext"]


def test_uid_and_gid_set_the_sessions_identity(cluster):
    r = cluster.dshell("root-app", "--uid", "1000", "--gid", "2000", "--", "sh", "-c", "id -u; id -g")
    assert (r.returncode, r.stdout) == (0, b"1000\n2000\n"), r.stderr


def test_cp_copies_hard_links_as_files_of_their_own(cluster, fresh_pod, tmp_path: Path):
    pod = fresh_pod("root-app")
    made = cluster.dshell(pod, "--", "sh", "-c", "mkdir -p /tmp/h && echo same >/tmp/h/a && ln /tmp/h/a /tmp/h/b")
    assert made.returncode == 0, made.stderr
    _ok(cluster.dshell("cp", f"{pod}:/tmp/h", str(tmp_path / "h")))
    a, b = tmp_path / "h" / "a", tmp_path / "h" / "b"
    assert a.read_text() == b.read_text() == "same\n"
    assert os.stat(a).st_ino != os.stat(b).st_ino  # as documented (kubectl_dshell/untar.py): copies
