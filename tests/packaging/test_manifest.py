"""krew/dshell.yaml and krew/.krew.yaml against krew's and krew-index's rules, one negative case per rule."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

import pytest
import yaml

from packaging_tools import krew_rules
from packaging_tools.krew_template import TemplateError, render, urls
from packaging_tools.platforms import PLATFORMS
from packaging_tools.project import HOMEPAGE, MANIFEST, TEMPLATE, release_tag, version
from tests.packaging.fakes import DELETE, changed

TAG = release_tag()


@pytest.fixture(scope="module")
def manifest() -> dict:
    """krew/dshell.yaml, as committed."""
    return yaml.safe_load(MANIFEST.read_text())


def sums_of(manifest: dict) -> dict[str, str]:
    """Asset file name -> sha256, as the manifest gives them."""
    return {posixpath.basename(p["uri"]): p["sha256"] for p in manifest["spec"]["platforms"]}


def test_committed_manifest_breaks_no_rule(manifest):
    assert krew_rules.problems(manifest, MANIFEST.name, TAG, PLATFORMS) == []


def test_manifest_version_is_v_and_the_package_version(manifest):
    assert manifest["spec"]["version"] == "v" + version() == TAG


def test_manifest_is_the_template_rendered_for_its_version(manifest):
    assert yaml.safe_load(render(TEMPLATE.read_text(), TAG, sums_of(manifest))) == manifest


def test_template_names_each_platforms_release_asset():
    expected = [f"{HOMEPAGE}/releases/download/{TAG}/{p.asset(TAG)}" for p in PLATFORMS]
    assert urls(TEMPLATE.read_text(), TAG) == expected


def test_template_renders_for_another_tag_with_that_tags_assets():
    sums = {p.asset("v9.8.7"): "a" * 64 for p in PLATFORMS}
    rendered = yaml.safe_load(render(TEMPLATE.read_text(), "v9.8.7", sums))
    assert rendered["spec"]["version"] == "v9.8.7"
    assert [posixpath.basename(p["uri"]) for p in rendered["spec"]["platforms"]] == list(sums)


@pytest.mark.parametrize("template,error", [
    ('version: {{ .Version }}\n', "unsupported template action: version: {{ .Version }}"),
    ('{{addURIAndSha "https://x/{{ .TagName }}/missing.tar.gz" .TagName }}\n', "no sha256 for missing.tar.gz"),
])
def test_template_renderer_refuses_what_the_bot_would_not_render(template, error):
    with pytest.raises(TemplateError, match=re.escape(error)):
        render(template, TAG, {})


def _long(n: int) -> str:
    return ("word " * n)[:n]


# (what changes, dotted path, new value or DELETE, a problem that must be reported)
BROKEN = [
    ("apiVersion", "apiVersion", "krew.googlecontainertools.github.com/v1alpha1", "apiVersion="),
    ("kind", "kind", "PluginList", "kind='PluginList'"),
    ("name differs from the file's", "metadata.name", "shell", "plugin should be named 'dshell', not 'shell'"),
    ("no short description", "spec.shortDescription", "", "should have a short description"),
    ("two-line short description", "spec.shortDescription", "Shell\nand facts", "line breaks in short description"),
    ("short description over 50", "spec.shortDescription", _long(51), "krew-index asks for at most 50"),
    ("no description", "spec.description", DELETE, "should have a description"),
    ("description line over 80", "spec.description", _long(81) + "\n", "line longer than 80 characters"),
    ("no caveats", "spec.caveats", DELETE, "should have a caveats"),
    ("no homepage", "spec.homepage", DELETE, "should have a homepage"),
    ("no version", "spec.version", DELETE, "should have a version specified"),
    ("version without v", "spec.version", version(), "not starting with 'v'"),
    ("version not semver", "spec.version", "v0.1", "not a semantic version"),
    ("version not the package's", "spec.version", "v99.0.0", "is not the package's"),
    ("no platforms", "spec.platforms", [], "should have a platform specified"),
    ("no uri", "spec.platforms.0.uri", DELETE, "`uri` has to be set"),
    ("no sha256", "spec.platforms.0.sha256", DELETE, "`sha256` sum has to be set"),
    ("uppercase sha256", "spec.platforms.0.sha256", "F" * 64, "is not valid, must match pattern ^[a-f0-9]{64}$"),
    ("short sha256", "spec.platforms.0.sha256", "f" * 63, "is not valid"),
    ("sha256 read as a number", "spec.platforms.0.sha256", 1234, "is not a string"),
    ("no bin", "spec.platforms.0.bin", DELETE, "`bin` has to be set"),
    ("bin outside the install folder", "spec.platforms.0.bin", "../kubectl-dshell", "is not inside the install folder"),
    ("empty files", "spec.platforms.0.files", [], "`files` has to be unspecified or non-empty"),
    ("file op without from", "spec.platforms.0.files.0.from", DELETE, "`from` field has to be set"),
    ("file op without to", "spec.platforms.0.files.0.to", DELETE, "`to` field has to be set"),
    ("unclean to", "spec.platforms.0.files.0.to", "./bin/", "the provided path is not clean, './bin/' should be 'bin'"),
    ("no selector", "spec.platforms.0.selector", DELETE, "nil selector is not supported"),
    ("empty selector", "spec.platforms.0.selector", {}, "empty selector is not supported"),
    ("selector key besides os and arch", "spec.platforms.0.selector.matchLabels.libc", "musl",
     "key 'libc' not supported"),
    ("bad selector operator", "spec.platforms.0.selector",
     {"matchExpressions": [{"key": "os", "operator": "Equals", "values": ["linux"]}]}, "not a valid label selector"),
    ("unsupported platform", "spec.platforms.0.selector.matchLabels.os", "plan9",
     "doesn't match any supported platforms"),
    ("two platforms for linux/amd64", "spec.platforms.1.selector.matchLabels.arch", "amd64",
     "overlapping selectors that select linux/amd64"),
    ("a shipped platform missing", "spec.platforms.1.selector.matchLabels.arch", "386", "no platform for linux/arm64"),
    ("a platform without an archive", "spec.platforms.0.selector", {"matchLabels": {"os": "linux"}},
     "linux/386 is offered but no archive is built for it"),
]


@pytest.mark.parametrize("path,value,problem", [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN])
def test_each_broken_rule_is_reported(manifest, path, value, problem):
    broken = changed(manifest, path, value)
    found = krew_rules.problems(broken, MANIFEST.name, TAG, PLATFORMS)
    assert any(problem in p for p in found), found


@pytest.mark.parametrize("file_name,problem", [
    ("dshell.yml", "expected manifest extension '.yaml' but found '.yml'"),
    ("con.yaml", "the plugin name 'con' is not allowed"),
    ("d shell.yaml", "the plugin name 'd shell' is not allowed"),
])
def test_file_name_rules(manifest, file_name, problem):
    renamed = changed(manifest, "metadata.name", file_name.rsplit(".", 1)[0])
    assert any(problem in p for p in krew_rules.header_problems(renamed, file_name))


def test_license_must_be_among_installed_files(tmp_path: Path):
    (tmp_path / "store" / "dshell" / "v1").mkdir(parents=True)
    (tmp_path / "store" / "dshell" / "v1" / "kubectl-dshell").write_text("")
    assert "could not find license file" in krew_rules.license_problems(tmp_path / "store")[0]
    (tmp_path / "store" / "dshell" / "v1" / "COPYING.txt").write_text("")
    assert krew_rules.license_problems(tmp_path / "store") == []
