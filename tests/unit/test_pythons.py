"""The Pythons the package claims: one list (pyproject.toml's classifiers), the same in requires-python,
the README and the GitHub workflow's matrix; .ci/pythons smoke-tests each of them that it finds."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "Programming Language :: Python :: "


def claimed() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [c[len(PREFIX):] for c in project["classifiers"] if re.fullmatch(re.escape(PREFIX) + r"3\.\d+", c)]


def minor(version: str) -> int:
    return int(version.split(".")[1])


def test_the_claimed_versions_are_3_11_to_3_13_without_a_gap() -> None:
    versions = claimed()
    assert versions == ["3.11", "3.12", "3.13"]
    assert [minor(v) for v in versions] == list(range(minor(versions[0]), minor(versions[-1]) + 1))


def test_requires_python_starts_at_the_oldest_claimed() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == f">={claimed()[0]}"


def test_the_readme_says_the_same() -> None:
    readme = (ROOT / "README.md").read_text()
    assert f"(Python {claimed()[0]}+)" in readme
    assert "3.10+" not in readme


def test_the_workflow_matrix_runs_every_claimed_version() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    assert workflow["jobs"]["pythons"]["strategy"]["matrix"]["python"] == claimed()


def test_ci_runs_the_smoke_on_the_other_pythons() -> None:
    run = (ROOT / ".ci" / "run").read_text()
    assert "\n.ci/pythons\n" in run
    assert "kubectl dshell web" in (ROOT / ".ci" / "pythons").read_text()
