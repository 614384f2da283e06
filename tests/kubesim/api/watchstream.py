"""Serving a watch: a chunked stream of JSON watch events, one per line."""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler

from ..contracts import ApiError, WatchEvent
from . import tables
from .context import Backend, Request
from .objects import TABLE_TYPE
from .store import Watch
from .wire import JSON, ChunkedWriter, client_gone

_POLL_SECONDS = 0.5  # how often an idle watch checks for a departed client, a deadline or a bookmark


class _Encoder:
    """Watch events as the client asked for them: objects, or one-row Tables (headers only in the first)."""

    def __init__(self, req: Request):
        self._req = req
        self._as_table = tables.wants_table(req.accept)
        self._headers = True

    @property
    def content_type(self) -> str:
        """The stream's media type."""
        return TABLE_TYPE if self._as_table else JSON

    def line(self, event: WatchEvent) -> bytes:
        """One event as the JSON line the client reads."""
        obj = event.object
        if self._as_table and event.type in ("ADDED", "MODIFIED", "DELETED"):
            obj = tables.table(self._req.rtype.name, [obj], obj["metadata"].get("resourceVersion", ""),
                               include_object=self._req.param("includeObject", "Metadata"), headers=self._headers)
            self._headers = False
        return json.dumps({"type": event.type, "object": obj}).encode() + b"\n"


def _bookmark(req: Request, resource_version: str) -> WatchEvent:
    rtype = req.rtype
    return WatchEvent("BOOKMARK", {"kind": rtype.kind, "apiVersion": rtype.api_version,
                                   "metadata": {"resourceVersion": resource_version}})


def serve_watch(handler: BaseHTTPRequestHandler, backend: Backend, req: Request) -> None:
    """Stream a watch until timeoutSeconds, the client leaves, or the server stops.

    A resourceVersion too old for the history answers 200 with a single ERROR event carrying the
    410 Expired Status, as the watch cache does.
    """
    encoder = _Encoder(req)
    try:
        watch = backend.store.watch(req.rtype.name, req.info.namespace or None,
                                    resource_version=req.param("resourceVersion"),
                                    label_selector=req.param("labelSelector"),
                                    field_selector=req.param("fieldSelector"))
    except ApiError as exc:
        if exc.code != 410:
            raise
        writer = ChunkedWriter(handler, JSON)
        writer.write(json.dumps({"type": "ERROR", "object": exc.status()}).encode() + b"\n")
        writer.close()
        return
    writer = ChunkedWriter(handler, encoder.content_type)
    try:
        _pump(handler, backend, req, watch, writer, encoder)
    except OSError:
        handler.close_connection = True
    finally:
        watch.close()
        writer.close()


def _pump(handler: BaseHTTPRequestHandler, backend: Backend, req: Request, watch: Watch,
          writer: ChunkedWriter, encoder: _Encoder) -> None:
    timeout = req.int_param("timeoutSeconds")
    deadline = time.monotonic() + timeout if timeout else None
    bookmarks = req.flag("allowWatchBookmarks")
    next_bookmark = time.monotonic() + backend.bookmark_seconds
    while not backend.stopping.is_set():
        wait = _POLL_SECONDS if deadline is None else min(_POLL_SECONDS, deadline - time.monotonic())
        if wait <= 0:
            return
        event = watch.get(timeout=wait)
        if event is not None:
            writer.write(encoder.line(event))
            continue
        if client_gone(handler):
            return
        if bookmarks and time.monotonic() >= next_bookmark:
            resource_version = watch.bookmark_rv()
            if resource_version is not None:
                writer.write(encoder.line(_bookmark(req, resource_version)))
                next_bookmark = time.monotonic() + backend.bookmark_seconds
