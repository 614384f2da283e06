"""Writing responses on the HTTP connection: JSON bodies, Status errors, chunked streams."""

from __future__ import annotations

import json
import select
import socket
import ssl
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from ..contracts import ApiError

JSON = "application/json"


@dataclass
class Response:
    """A complete (non-streamed) answer: status code, body, content type and extra headers."""

    code: int
    body: dict | bytes
    content_type: str = JSON
    headers: list[tuple[str, str]] = field(default_factory=list)


def warning_headers(warnings: list[str]) -> list[tuple[str, str]]:
    """``Warning: 299 - "text"`` headers, as the apiserver sends admission and deprecation warnings."""
    return [("Warning", '299 - "' + w.replace('"', '\\"') + '"') for w in warnings]


def send(handler: BaseHTTPRequestHandler, response: Response) -> None:
    """Write a whole response with its Content-Length (the connection stays open for the next request)."""
    data = response.body if isinstance(response.body, bytes) else json.dumps(response.body).encode()
    handler.send_response(response.code)
    handler.send_header("Content-Type", response.content_type)
    handler.send_header("Content-Length", str(len(data)))
    handler.send_header("Cache-Control", "no-cache, private")
    for name, value in response.headers:
        handler.send_header(name, value)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(data)


def send_error(handler: BaseHTTPRequestHandler, error: ApiError) -> None:
    """Write an ApiError as its metav1.Status."""
    send(handler, Response(error.code, error.status()))


def read_body(handler: BaseHTTPRequestHandler) -> bytes:
    """The request body (by Content-Length; clients of this API send no chunked bodies)."""
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length > 0 else b""


class ChunkedWriter:
    """A response streamed with Transfer-Encoding: chunked (watches, ``logs -f``)."""

    def __init__(self, handler: BaseHTTPRequestHandler, content_type: str, headers: list[tuple[str, str]] = ()):
        self._handler = handler
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.send_header("Cache-Control", "no-cache, private")
        for name, value in headers:
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.flush()

    def write(self, data: bytes) -> None:
        """Send one chunk now. Raises OSError when the client has gone."""
        if data:
            self._handler.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self._handler.wfile.flush()

    def close(self) -> None:
        """End the stream with the zero-length chunk (quietly, if the client has already gone)."""
        try:
            self._handler.wfile.write(b"0\r\n\r\n")
            self._handler.wfile.flush()
        except OSError:
            self._handler.close_connection = True


def client_gone(handler: BaseHTTPRequestHandler) -> bool:
    """Whether the client closed its side while we stream (it sends nothing else meanwhile)."""
    sock = handler.connection
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            return False
        if isinstance(sock, ssl.SSLSocket):
            return _tls_closed(sock)
        return not sock.recv(1, socket.MSG_PEEK)
    except (OSError, ValueError):
        return True


def _tls_closed(sock: ssl.SSLSocket) -> bool:
    # Non-blocking: the readable bytes may be only part of a TLS record.
    sock.setblocking(False)
    try:
        return not sock.recv(1)
    except ssl.SSLWantReadError:
        return False
    finally:
        sock.setblocking(True)
