"""Completion for kubectl's plugin protocol: flags, verbs, pods of the right namespace."""

from __future__ import annotations

import pytest

from kubectl_dshell import completion
from kubectl_dshell.options import Connection

VERBS = ["shell"]
FLAGS = ["--container", "--context", "--namespace", "--quiet"]
VALUES = {"-n", "--namespace", "--context", "-c", "--container"}


def lookup(kind: str, conn: Connection, pod: str) -> list[str]:
    if kind == "containers":
        return {("prod", "web"): ["app", "proxy"], (None, "web-1"): ["main"]}.get((conn.namespace, pod), [])
    names = {"pods": {"prod": ["api", "web"], None: ["shellfish", "web-1"]}, "namespaces": {None: ["default", "prod"]}}
    return names[kind].get(conn.namespace, [])


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([""], ["shell", "shellfish", "web-1"]),
        (["sh"], ["shell", "shellfish"]),
        (["-n", "prod", "w"], ["web"]),
        (["--namespace=prod", ""], ["shell", "api", "web"]),
        (["shell", "-n", "prod", ""], ["api", "web"]),
        (["-n", "p"], ["prod"]),
        (["web", "--co"], ["--container", "--context"]),
        (["-n", "prod", "web", "-c", ""], ["app", "proxy"]),
        (["shell", "-n", "prod", "pod/web", "--container", "p"], ["proxy"]),
        (["-c", ""], []),  # no pod yet
        (["deploy/web", "-c", ""], []),  # a workload's pod is not looked up
        (["web", ""], []),
        (["web", "--", ""], []),
    ],
)
def test_candidates(args: list[str], expected: list[str]) -> None:
    assert completion.candidates(args, VERBS, FLAGS, VALUES, lookup) == expected


def test_cp_completes_the_containers_of_the_pod_in_pod_path() -> None:
    assert completion.candidates(["cp", "web-1:/etc", "-c", ""], ["cp", "shell"], FLAGS, VALUES, lookup) == ["main"]


def test_complete_answers_in_cobras_format(capsys: pytest.CaptureFixture[str]) -> None:
    completion.complete(["--na"], lookup)
    assert capsys.readouterr().out == "--namespace\n:4\n"
