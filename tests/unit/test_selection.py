"""-l fan-outs: which pods a selector picks, in one namespace or (with -A) in all of them."""

from __future__ import annotations

import pytest

from kubectl_dshell.errors import NotFound
from kubectl_dshell.selection import select

from .pods import API, ROOT_APP, WEB


class Pods:
    """The two calls select() makes, over a fixed list of pods."""

    def __init__(self, *pods: dict):
        self.pods = pods
        self.asked: list[str | None] = []

    def list_pods(self, namespace: str | None, selector: str | None = None) -> list[dict]:
        self.asked.append(namespace)
        return [p for p in self.pods if namespace is None or p["metadata"]["namespace"] == namespace]

    def node_labels_or_none(self, node: str) -> dict:
        return {"kubernetes.io/os": "linux"}


def test_all_namespaces_lists_pods_once_across_namespaces_sorted_as_kubectl_does() -> None:
    kube = Pods(WEB, API, ROOT_APP)
    found = select(kube, "app", None, None)  # type: ignore[arg-type]
    assert kube.asked == [None]
    assert [(o.namespace, o.name) for o in found] == [("default", "root-app"), ("default", "web"), ("secure", "api")]
    assert all(o.value is not None for o in found)


def test_one_namespace_only_and_nothing_found_says_where_and_what_next() -> None:
    kube = Pods(WEB, API)
    assert [o.name for o in select(kube, "app", "secure", None)] == ["api"]  # type: ignore[arg-type]
    with pytest.raises(NotFound) as caught:
        select(Pods(), "app=x", "default", None)  # type: ignore[arg-type]
    assert (caught.value.message, caught.value.hint) == ("no pods match 'app=x' in namespace default",
                                                         "-A looks in every namespace")
    with pytest.raises(NotFound) as caught:
        select(Pods(), "app=x", None, None)  # type: ignore[arg-type]
    assert caught.value.message == "no pods match 'app=x' in any namespace"
