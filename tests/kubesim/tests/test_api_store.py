"""The store as the kubelet and the API handlers use it: versions, conflicts, watches."""

from __future__ import annotations

import pytest

from tests.kubesim.api.store import Store
from tests.kubesim.contracts import ApiError


def _pod(name: str, **labels: str) -> dict:
    return {"metadata": {"name": name, "namespace": "default", "labels": labels}, "spec": {"nodeName": ""}}


def test_create_fills_metadata_and_rejects_a_taken_name():
    store = Store()
    created = store.create("pods", _pod("web"))
    assert created["kind"] == "Pod" and created["apiVersion"] == "v1"
    assert created["metadata"]["uid"] and created["metadata"]["creationTimestamp"].endswith("Z")
    with pytest.raises(ApiError) as err:
        store.create("pods", _pod("web"))
    assert (err.value.code, err.value.message) == (409, 'pods "web" already exists')


def test_generate_name_gets_five_more_characters():
    created = Store().create("configmaps", {"metadata": {"generateName": "cfg-", "namespace": "default"}})
    assert created["metadata"]["name"].startswith("cfg-") and len(created["metadata"]["name"]) == 9


def test_get_of_a_missing_object_is_the_real_not_found():
    with pytest.raises(ApiError) as err:
        Store().get("deployments", "default", "nope")
    assert (err.value.code, err.value.message) == (404, 'deployments.apps "nope" not found')
    assert err.value.details == {"name": "nope", "kind": "deployments", "group": "apps"}


def test_update_with_a_stale_resource_version_conflicts():
    store = Store()
    first = store.create("pods", _pod("web"))
    store.update("pods", "default", "web", lambda p: p["metadata"]["labels"].update(a="1"))
    with pytest.raises(ApiError) as err:
        store.update("pods", "default", "web", lambda p: None, expect_rv=first["metadata"]["resourceVersion"])
    assert err.value.code == 409
    assert err.value.message.startswith('Operation cannot be fulfilled on pods "web": the object has been modified')


def test_an_update_that_changes_nothing_keeps_the_version():
    store = Store()
    created = store.create("pods", _pod("web"))
    same = store.update("pods", "default", "web", lambda p: None)
    assert same["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


def test_watch_from_a_version_sees_only_later_changes_in_order():
    store = Store()
    store.create("pods", _pod("old"))
    _, version = store.list("pods")
    store.create("pods", _pod("new"))
    store.delete("pods", "default", "old")
    watch = store.watch("pods", resource_version=version)
    seen = [(e.type, e.object["metadata"]["name"]) for e in (watch.get(1), watch.get(1))]
    watch.close()
    assert seen == [("ADDED", "new"), ("DELETED", "old")]


def test_watch_from_zero_starts_with_the_current_objects():
    store = Store()
    store.create("pods", _pod("a"))
    watch = store.watch("pods", resource_version="0")
    event = watch.get(1)
    watch.close()
    assert (event.type, event.object["metadata"]["name"]) == ("ADDED", "a")
    assert list(watch) == []


def test_an_object_leaving_a_selection_is_deleted_for_that_watcher():
    store = Store()
    store.create("pods", _pod("web", app="web"))
    watch = store.watch("pods", resource_version=store.resource_version(), label_selector="app=web")
    store.update("pods", "default", "web", lambda p: p["metadata"]["labels"].update(app="other"))
    event = watch.get(1)
    watch.close()
    assert event.type == "DELETED"


def test_a_version_older_than_the_history_is_gone():
    store = Store(history=2)
    for name in "abcd":  # versions 1-4; only the changes 3 and 4 are kept
        store.create("pods", _pod(name))
    with pytest.raises(ApiError) as err:
        store.watch("pods", resource_version="1")
    assert (err.value.code, err.value.reason) == (410, "Expired")
    assert err.value.message.startswith("too old resource version: 1 (")


@pytest.mark.parametrize("selector, expected", [
    ("app=web", ["a"]), ("app!=web", ["b", "c"]), ("app in (web,db)", ["a", "b"]),
    ("app notin (web)", ["b", "c"]), ("app", ["a", "b"]), ("!app", ["c"]), ("app==db,tier=x", ["b"]),
])
def test_label_selectors(selector, expected):
    store = Store()
    store.create("pods", _pod("a", app="web"))
    store.create("pods", _pod("b", app="db", tier="x"))
    store.create("pods", _pod("c"))
    items, _ = store.list("pods", label_selector=selector)
    assert [i["metadata"]["name"] for i in items] == expected


def test_an_unsupported_field_selector_is_a_bad_request():
    with pytest.raises(ApiError) as err:
        Store().list("pods", field_selector="spec.image=x")
    assert (err.value.code, err.value.message) == (400, "field label not supported: spec.image")
