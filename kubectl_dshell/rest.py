"""The official client's transport, without its generated API classes.

``kubernetes.client.CoreV1Api`` and its siblings are 60,000 lines of pydantic-validated methods:
importing them takes longer than everything else a command does. They only fill in a path, a query
and headers, then hand over to the ``ApiClient`` underneath, which does the real work (the kubeconfig's
credentials, exec plugins and token refresh, TLS, proxies, timeouts). This module makes that same
hand-over for the few requests dshell sends, and the WebSocket upgrade through the client's own
``ws_client``. Failures are the client's own exceptions (``ApiException``, urllib3's, websocket's),
for :func:`kubectl_dshell.translate.translate`.

One thing the client lacks: ``ws_client`` opens its WebSocket with no timeout at all, so a server
that accepts and never answers hangs exec for ever. :class:`_LimitedUpgrade` takes the place of
websocket-client's ``WebSocket`` in ``ws_client`` (only there) to give the upgrade a limit, then
lifts it: an interactive session may idle for hours.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from kubernetes.client import ApiClient
from kubernetes.client.exceptions import ApiException
from kubernetes.stream import ws_client
from kubernetes.stream.ws_client import WSClient, websocket_call
from kubernetes.watch.watch import iter_resp_lines
from websocket import WebSocket

Query = list[tuple[str, Any]]
# A path template and its parameters, e.g. ("/api/v1/namespaces/{namespace}/pods/{name}", {...}):
# the client percent-encodes each parameter, as the generated methods have it do.
Path = tuple[str, dict[str, str]]
JSON = "application/json"
AUTH = ["BearerToken"]  # the only auth setting the generated methods name; it covers every kubeconfig kind
MULTI = {"command": "multi"}  # exec's argv: one command=... per word, as the API expects
# (connect, read) seconds; a read limit of None waits for ever.
Limits = tuple[float, float | None]
_UPGRADE_LIMIT: ContextVar[float | None] = ContextVar("upgrade_limit", default=None)


class _LimitedUpgrade(WebSocket):
    """websocket-client's WebSocket as ``ws_client`` makes it, whose connection and upgrade each wait
    at most the limit of the call (websocket-client has one timeout for both); none once upgraded."""

    def connect(self, url: str, **options: Any) -> None:
        """Connect and upgrade within the limit; then block without one."""
        super().connect(url, timeout=_UPGRADE_LIMIT.get(), **options)
        self.settimeout(None)


ws_client.WebSocket = _LimitedUpgrade  # type: ignore[misc]


class Rest:
    """Requests to one API server through an ``ApiClient``: JSON in, dicts out."""

    def __init__(self, api: ApiClient):
        self.api = api

    def _serialize(self, method: str, path: Path, query: Query, headers: dict[str, str], body: Any = None) -> tuple:
        template, params = path
        return self.api.param_serialize(
            method, template, path_params=params, query_params=query, header_params=headers, body=body,
            auth_settings=AUTH, collection_formats=MULTI,
        )

    def _send(self, method: str, path: Path, query: Query, headers: dict[str, str], body: Any, timeout: Limits) -> Any:
        """The response, unread; a non-2xx status raises as the generated methods raise it."""
        response = self.api.call_api(*self._serialize(method, path, query, headers, body), _request_timeout=timeout)
        if not 200 <= response.status <= 299:
            response.read()
            raise ApiException.from_response(http_resp=response, body=None, data=None)
        return response

    def request(
        self, method: str, path: Path, timeout: Limits, query: Query | None = None, body: dict | None = None,
        content_type: str = JSON,
    ) -> dict:
        """One request whose answer is a JSON object."""
        headers = {"Accept": JSON, "Content-Type": content_type} if body is not None else {"Accept": JSON}
        return json.loads(self._send(method, path, query or [], headers, body, timeout).read())

    def lines(self, path: Path, query: Query, timeout: Limits) -> Iterator[str]:
        """A GET streamed line by line (a watch); the connection is released however iteration ends."""
        response = self._send("GET", path, query, {"Accept": JSON}, None, timeout).response
        try:
            yield from iter_resp_lines(response)
        finally:
            response.release_conn()

    def websocket(self, path: Path, query: Query, limit: float | None) -> WSClient:
        """A WebSocket upgrade of a GET (exec), binary frames, as ``kubernetes.stream`` opens it; connecting
        and the upgrade each wait at most ``limit`` seconds (None: no limit).

        The query goes to ``websocket_call`` as its own ``query_params`` (urlencoded there), not
        through ``param_serialize``, which quotes every value as UTF-8 text: an argv word may be any
        bytes (a file name need not be UTF-8; it arrives as a surrogate-escaped str) and is sent as them.
        """
        _, url, headers, _, _ = self._serialize("GET", path, [], {"Accept": "*/*"})
        query_params = [(name, _as_bytes(value)) for name, value in query]
        token = _UPGRADE_LIMIT.set(limit)
        try:
            return websocket_call(
                self.api.configuration, "GET", url, headers=headers, query_params=query_params,
                _preload_content=False, binary=True,
            )
        finally:
            _UPGRADE_LIMIT.reset(token)


def _as_bytes(value: Any) -> Any:
    """A query value as urlencode sends it unchanged: str as its own bytes (os.fsencode), bool lowercase."""
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, str):
        return os.fsencode(value)
    if isinstance(value, list):
        return [_as_bytes(item) for item in value]
    return value
