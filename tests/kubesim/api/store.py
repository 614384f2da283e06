"""The object store: etcd plus the watch cache, in memory.

Every change gets the next resourceVersion and is kept in a bounded history, so a watch can start
from any recent resourceVersion and see exactly the changes after it, in order. Everything handed
out is a deep copy: callers may change what they get without touching the store.
"""

from __future__ import annotations

import copy
import queue
import threading
from collections import deque
from dataclasses import dataclass
from typing import Callable, Iterator

from ..contracts import WatchEvent
from . import errors, fields, labels, meta
from .resources import ResourceType, by_name

Key = tuple[str, str]  # (namespace or "", name)


@dataclass(frozen=True)
class _Change:
    rv: int
    resource: str
    type: str
    obj: dict
    old: dict | None = None


class _Filter:
    """Which objects a list or watch selects: namespace, label and field selectors."""

    def __init__(self, resource: str, namespace: str | None, label_selector: str, field_selector: str):
        self.resource = resource
        self.namespace = namespace
        self.labels = labels.parse(label_selector)
        self.fields = fields.parse(resource, field_selector)

    def __call__(self, obj: dict | None) -> bool:
        if obj is None:
            return False
        md = obj.get("metadata", {})
        if self.namespace and md.get("namespace") != self.namespace:
            return False
        return labels.matches(self.labels, md.get("labels")) and fields.matches(self.resource, self.fields, obj)


class Watch:
    """A stream of WatchEvents for one resource; iterate it, or poll with :meth:`get`; then close it."""

    _CLOSED = object()

    def __init__(self, store: "Store", resource: str, selects: _Filter):
        self._store = store
        self._resource = resource
        self._selects = selects
        self._queue: queue.Queue = queue.Queue()
        self._closed = False

    def _offer(self, change: _Change) -> None:
        """Called under the store lock: queue what this change means to this watch's selection."""
        if change.resource != self._resource:
            return
        now_in, was_in = self._selects(change.obj), self._selects(change.old)
        if change.type == "MODIFIED" and now_in != was_in:
            # An object moving into or out of the selection is an ADDED or DELETED to this watcher.
            kind = "ADDED" if now_in else "DELETED"
        elif now_in:
            kind = change.type
        else:
            return
        self._queue.put(WatchEvent(kind, copy.deepcopy(change.obj)))

    def get(self, timeout: float | None = None) -> WatchEvent | None:
        """The next event; None when ``timeout`` passes first or the watch is closed."""
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
        if item is self._CLOSED:
            self._queue.put(item)  # stays closed for every later call
            return None
        return item

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def bookmark_rv(self) -> str | None:
        """The store's resourceVersion when every change up to it has been delivered, else None."""
        with self._store._lock:
            return None if not self._queue.empty() else str(self._store._rv)

    def __iter__(self) -> Iterator[WatchEvent]:
        return self

    def __next__(self) -> WatchEvent:
        event = self.get()
        if event is None:
            raise StopIteration
        return event

    def close(self) -> None:
        """Stop the stream: iteration ends, no more events are queued."""
        if not self._closed:
            self._closed = True
            self._store._unregister(self)
            self._queue.put(self._CLOSED)


class Store:
    """Thread-safe storage of API objects by resource, namespace and name, with watch history."""

    def __init__(self, *, history: int = 5000):
        self._lock = threading.RLock()
        self._objects: dict[str, dict[Key, dict]] = {}
        self._rv = 0
        self._history: deque[_Change] = deque(maxlen=history)
        self._compacted_rv = 0  # changes up to this resourceVersion have left the history
        self._watches: set[Watch] = set()

    @staticmethod
    def _key(rtype: ResourceType, namespace: str | None, name: str) -> Key:
        return ((namespace or "") if rtype.namespaced else "", name)

    def resource_version(self) -> str:
        """The current (latest) resourceVersion."""
        with self._lock:
            return str(self._rv)

    def get(self, resource: str, namespace: str | None, name: str) -> dict:
        """A copy of one object; ApiError 404 NotFound when absent."""
        rtype = by_name(resource)
        with self._lock:
            obj = self._objects.get(resource, {}).get(self._key(rtype, namespace, name))
            if obj is None:
                raise errors.not_found(resource, name, rtype.group)
            return copy.deepcopy(obj)

    def list(self, resource: str, namespace: str | None = None, *, label_selector: str = "",
             field_selector: str = "") -> tuple[list[dict], str]:
        """Copies of the selected objects sorted by namespace and name, and the list resourceVersion."""
        selects = _Filter(resource, namespace, label_selector, field_selector)
        with self._lock:
            items = [copy.deepcopy(o) for k, o in sorted(self._objects.get(resource, {}).items()) if selects(o)]
            return items, str(self._rv)

    def create(self, resource: str, obj: dict) -> dict:
        """Store a new object; fills uid, resourceVersion, creationTimestamp (and generation).

        ``metadata.generateName`` is completed when there is no name. ApiError 409 AlreadyExists
        when the name is taken.
        """
        rtype = by_name(resource)
        obj = copy.deepcopy(obj)
        md = obj.setdefault("metadata", {})
        obj["kind"], obj["apiVersion"] = rtype.kind, rtype.api_version
        with self._lock:
            table = self._objects.setdefault(resource, {})
            if not md.get("name") and md.get("generateName"):
                md["name"] = self._free_name(rtype, table, md)
            key = self._key(rtype, md.get("namespace"), md.get("name", ""))
            if key in table:
                raise errors.already_exists(resource, key[1], rtype.group)
            self._stamp_new(rtype, md)
            table[key] = obj
            self._record(_Change(self._rv, resource, "ADDED", copy.deepcopy(obj)))
            return copy.deepcopy(obj)

    def _free_name(self, rtype: ResourceType, table: dict[Key, dict], md: dict) -> str:
        while True:
            name = meta.generated_name(md["generateName"])
            if self._key(rtype, md.get("namespace"), name) not in table:
                return name

    def _stamp_new(self, rtype: ResourceType, md: dict) -> None:
        self._rv += 1
        md.setdefault("uid", meta.new_uid())
        md.setdefault("creationTimestamp", meta.timestamp())
        md["resourceVersion"] = str(self._rv)
        if not rtype.namespaced:
            md.pop("namespace", None)
        if rtype.has_generation:
            md["generation"] = 1

    def update(self, resource: str, namespace: str | None, name: str, mutate: Callable[[dict], None],
               *, expect_rv: str | None = None) -> dict:
        """Atomic read-modify-write: ``mutate`` changes a copy in place, which is then stored.

        ApiError 404 when absent; 409 Conflict when ``expect_rv`` is not the current
        resourceVersion. A mutation that changes nothing stores nothing and sends no event.
        """
        rtype = by_name(resource)
        with self._lock:
            table = self._objects.get(resource, {})
            key = self._key(rtype, namespace, name)
            old = table.get(key)
            if old is None:
                raise errors.not_found(resource, name, rtype.group)
            if expect_rv is not None and expect_rv != old["metadata"].get("resourceVersion"):
                raise errors.conflict(resource, name, rtype.group)
            new = copy.deepcopy(old)
            mutate(new)
            self._keep_identity(old, new)
            if new == old:
                return copy.deepcopy(old)
            self._rv += 1
            if rtype.has_generation and new.get("spec") != old.get("spec"):
                new["metadata"]["generation"] = old["metadata"].get("generation", 0) + 1
            new["metadata"]["resourceVersion"] = str(self._rv)
            table[key] = new
            self._record(_Change(self._rv, resource, "MODIFIED", copy.deepcopy(new), old))
            return copy.deepcopy(new)

    @staticmethod
    def _keep_identity(old: dict, new: dict) -> None:
        """What an update can never change: kind, name, namespace, uid, creation time, version."""
        new["kind"], new["apiVersion"] = old["kind"], old["apiVersion"]
        md = new.setdefault("metadata", {})
        for key in ("name", "namespace", "uid", "creationTimestamp", "resourceVersion", "generation"):
            if key in old["metadata"]:
                md[key] = old["metadata"][key]
            else:
                md.pop(key, None)

    def delete(self, resource: str, namespace: str | None, name: str) -> dict:
        """Remove an object now; returns it as last stored (with the deletion's resourceVersion)."""
        rtype = by_name(resource)
        with self._lock:
            obj = self._objects.get(resource, {}).pop(self._key(rtype, namespace, name), None)
            if obj is None:
                raise errors.not_found(resource, name, rtype.group)
            self._rv += 1
            obj["metadata"]["resourceVersion"] = str(self._rv)
            self._record(_Change(self._rv, resource, "DELETED", copy.deepcopy(obj), copy.deepcopy(obj)))
            return copy.deepcopy(obj)

    def _record(self, change: _Change) -> None:
        if len(self._history) == self._history.maxlen:
            self._compacted_rv = self._history[0].rv
        self._history.append(change)
        for watch in list(self._watches):
            watch._offer(change)

    def watch(self, resource: str, namespace: str | None = None, *, resource_version: str = "",
              label_selector: str = "", field_selector: str = "") -> Watch:
        """Watch a resource's changes.

        ``resource_version`` "" or "0": first an ADDED for every selected object, then changes.
        "N": every change after N (ApiError 410 Expired when N is older than the history kept).
        """
        by_name(resource)
        selects = _Filter(resource, namespace, label_selector, field_selector)
        watch = Watch(self, resource, selects)
        with self._lock:
            for change in self._backlog(resource, resource_version, selects):
                watch._offer(change)
            self._watches.add(watch)
        return watch

    def _backlog(self, resource: str, resource_version: str, selects: _Filter) -> list[_Change]:
        if resource_version in ("", "0"):
            current = sorted(self._objects.get(resource, {}).items())
            return [_Change(self._rv, resource, "ADDED", obj) for _, obj in current if selects(obj)]
        try:
            since = int(resource_version)
        except ValueError:
            raise errors.bad_request(f"invalid resource version: {resource_version}") from None
        if since < self._compacted_rv:
            raise errors.expired(resource_version, str(self._compacted_rv + 1))
        return [c for c in self._history if c.rv > since and c.resource == resource]

    def _unregister(self, watch: Watch) -> None:
        with self._lock:
            self._watches.discard(watch)
