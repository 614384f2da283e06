"""Server side of the Kubernetes streaming protocols (exec, attach) over WebSocket, on the socket of
an http.server BaseHTTPRequestHandler.

RFC 6455 (handshake, masked and fragmented client frames, ping/pong, close handshake) carrying the
channel protocol of k8s.io/apimachinery wsstream: every message starts with a channel byte, 0 stdin,
1 stdout, 2 stderr, 3 error (a metav1.Status), 4 resize ({"Width":W,"Height":H}), and in
v5.channel.k8s.io 255 close (payload: the channel closed). v4.channel.k8s.io and its base64 form
(channel digit, base64 payload, text frames) are spoken too.

The statuses on channel 3 are those of a 1.32 cluster: v5 sessions run through the apiserver's
StreamTranslator (which re-wraps the kubelet's status), v4 ones reach the kubelet's own wsstream.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from ..contracts import ApiError, ExitInfo, StreamSession

V5 = "v5.channel.k8s.io"
V4 = "v4.channel.k8s.io"
V4_BASE64 = "v4.base64.channel.k8s.io"
PROTOCOLS = (V5, V4, V4_BASE64)

STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
_OP_CONTINUATION, _OP_TEXT, _OP_BINARY, _OP_CLOSE, _OP_PING, _OP_PONG = 0, 1, 2, 8, 9, 10
_CLOSE_NORMAL, _CLOSE_PROTOCOL_ERROR = 1000, 1002
_ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

# How long the server waits for the client to answer its close frame (the real one: 15 minutes).
CLOSE_WAIT_SECONDS = 30.0
# How often a wait for session output wakes up to notice that the client has gone.
_POLL_SECONDS = 0.5


class _Disconnected(Exception):
    """The peer closed the connection, or broke the protocol."""


# ----------------------------------------------------------------------------------------------
# Handshake
# ----------------------------------------------------------------------------------------------

def _tokens(values: list[str]) -> list[str]:
    return [token.strip() for value in values for token in value.split(",") if token.strip()]


def _negotiate(handler: BaseHTTPRequestHandler) -> str | None:
    """The first protocol the client offers that is spoken here (wsstream's handshake order)."""
    offered = _tokens(handler.headers.get_all("Sec-WebSocket-Protocol") or [])
    return next((protocol for protocol in offered if protocol in PROTOCOLS), None)


def accept(handler: BaseHTTPRequestHandler) -> str | None:
    """Complete the WebSocket upgrade of ``handler``'s request and return the negotiated protocol.

    Returns None, having written nothing, when the request is not a WebSocket upgrade (GET with
    Upgrade: websocket, Connection: upgrade, Sec-WebSocket-Key, Sec-WebSocket-Version 13) or offers
    no protocol spoken here, so the caller can answer 400 itself. Afterwards the connection carries
    frames only: the handler is marked close_connection.
    """
    headers = handler.headers
    connection = [token.lower() for token in _tokens(headers.get_all("Connection") or [])]
    key = headers.get("Sec-WebSocket-Key")
    upgrade = headers.get("Upgrade", "").lower() == "websocket" and "upgrade" in connection
    if handler.command != "GET" or not upgrade or not key or headers.get("Sec-WebSocket-Version") != "13":
        return None
    protocol = _negotiate(handler)
    if protocol is None:
        return None
    digest = base64.b64encode(hashlib.sha1((key + _ACCEPT_GUID).encode()).digest()).decode()
    handler.wfile.write((
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {digest}\r\nSec-WebSocket-Protocol: {protocol}\r\n\r\n").encode())
    handler.wfile.flush()
    handler.close_connection = True
    handler.connection.settimeout(None)
    # Go's net package sets TCP_NODELAY on every connection; small interactive frames need it.
    handler.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return protocol


# ----------------------------------------------------------------------------------------------
# Frames
# ----------------------------------------------------------------------------------------------

_UNMASK_CHUNK = 1 << 18  # XOR as big integers of 256 KiB: measured ~3x faster than one huge integer


def _unmask(payload: bytes, key: bytes) -> bytes:
    """XOR ``payload`` with the client's 4-byte mask."""
    view, out = memoryview(payload), bytearray(len(payload))
    full_pad = int.from_bytes(key * (_UNMASK_CHUNK // 4), "little")
    for start in range(0, len(payload), _UNMASK_CHUNK):
        size = min(_UNMASK_CHUNK, len(payload) - start)
        pad = full_pad if size == _UNMASK_CHUNK else int.from_bytes((key * (size // 4 + 1))[:size], "little")
        out[start:start + size] = (int.from_bytes(view[start:start + size], "little") ^ pad).to_bytes(size, "little")
    return bytes(out)


def _header(opcode: int, length: int) -> bytes:
    first = 0x80 | opcode  # always a final frame: the server never fragments
    if length < 126:
        return bytes((first, length))
    if length < 1 << 16:
        return struct.pack("!BBH", first, 126, length)
    return struct.pack("!BBQ", first, 127, length)


class _Connection:
    """An upgraded connection: channel messages in and out, control frames, the close handshake."""

    def __init__(self, handler: BaseHTTPRequestHandler, protocol: str):
        self._rfile = handler.rfile
        self._socket = handler.connection
        self.protocol = protocol
        self._lock = threading.Lock()  # frames from two threads must not interleave
        self._close_sent = False

    def _send(self, opcode: int, payload: bytes) -> None:
        with self._lock:
            if self._close_sent:
                return
            self._close_sent = opcode == _OP_CLOSE
            self._socket.sendall(_header(opcode, len(payload)) + payload)

    def send_channel(self, channel: int, data: bytes) -> None:
        """One message on ``channel`` (binary, or base64 text for the base64 protocol)."""
        if self.protocol == V4_BASE64:
            self._send(_OP_TEXT, bytes((ord("0") + channel,)) + base64.b64encode(data))
        else:
            self._send(_OP_BINARY, bytes((channel,)) + data)

    def close(self, code: int = _CLOSE_NORMAL) -> None:
        """Send a close frame (once; later frames are dropped)."""
        try:
            self._send(_OP_CLOSE, struct.pack("!H", code))
        except OSError:
            pass

    def shutdown(self) -> None:
        """End the TCP connection, waking a reader blocked on it."""
        try:
            self._socket.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _read(self, size: int) -> bytes:
        try:
            data = self._rfile.read(size)
        except OSError as err:
            raise _Disconnected from err
        if len(data) < size:
            raise _Disconnected
        return data

    def _frame(self) -> tuple[bool, int, bytes]:
        """(final, opcode, unmasked payload) of the next frame."""
        first, second = self._read(2)
        if first & 0x70:
            raise _Disconnected("reserved bits set without an extension")
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._read(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._read(8))[0]
        key = self._read(4) if second & 0x80 else b""
        payload = self._read(length) if length else b""
        return bool(first & 0x80), first & 0x0F, _unmask(payload, key) if key and payload else payload

    def _control(self, opcode: int, payload: bytes) -> None:
        """Answer a control frame; a close frame ends the reading."""
        if len(payload) > 125 or opcode not in (_OP_CLOSE, _OP_PING, _OP_PONG):
            raise _Disconnected("bad control frame")
        if opcode == _OP_PING:
            self._send(_OP_PONG, payload)
        elif opcode == _OP_CLOSE:
            self.close(struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else _CLOSE_NORMAL)
            raise _Disconnected("closed by the client")

    def read_message(self) -> bytes | None:
        """The next data message, reassembled from its fragments; None once the client is gone."""
        parts: list[bytes] = []
        try:
            while True:
                final, opcode, payload = self._frame()
                if opcode >= _OP_CLOSE:
                    self._control(opcode, payload)
                    continue
                if (opcode == _OP_CONTINUATION) != bool(parts) or opcode > _OP_BINARY:
                    self.close(_CLOSE_PROTOCOL_ERROR)
                    return None
                parts.append(payload)
                if final:
                    return b"".join(parts)
        except (_Disconnected, OSError):
            return None

    def drain(self, timeout: float) -> None:
        """Read (and drop) until the client closes, at most ``timeout`` seconds."""
        self._socket.settimeout(timeout)
        while self.read_message() is not None:
            pass


# ----------------------------------------------------------------------------------------------
# Statuses on the error channel
# ----------------------------------------------------------------------------------------------

def _status(status: str, **fields: object) -> bytes:
    """A metav1.Status as json.Marshal writes it (no kind/apiVersion, fields in struct order)."""
    body: dict[str, object] = {"metadata": {}, "status": status}
    for key in ("message", "reason", "details", "code"):
        if fields.get(key) not in (None, ""):
            body[key] = fields[key]
    return json.dumps(body, separators=(",", ":")).encode()


def _internal_error(text: str) -> bytes:
    """apierrors.NewInternalError."""
    return _status("Failure", message=f"Internal error occurred: {text}", reason="InternalError",
                   details={"causes": [{"message": text}]}, code=500)


def _exit_status(handler: BaseHTTPRequestHandler, protocol: str, info: ExitInfo) -> bytes:
    """The status the kubelet (v4) or the apiserver's stream translator (v5) reports at the end."""
    url = urlsplit(handler.path)
    attach = url.path.rstrip("/").endswith("/attach")
    if info.error is not None:
        text = f"error {'attaching to container' if attach else 'executing command in container'}: {info.error}"
        # The translator decodes the kubelet's InternalError into a plain error and wraps it again.
        return _internal_error(f"Internal error occurred: {text}" if protocol == V5 else text)
    if attach or not info.exit_code:
        return _status("Success")
    if protocol == V5:
        detail = f"command terminated with exit code {info.exit_code}"
    else:
        command = parse_qs(url.query, keep_blank_values=True).get("command", [])
        detail = f"error executing command [{' '.join(command)}], exit code {info.exit_code}"
    causes = [{"reason": "ExitCode", "message": str(info.exit_code)}]
    return _status("Failure", message=f"command terminated with non-zero exit code: {detail}",
                   reason="NonZeroExitCode", details={"causes": causes})


# ----------------------------------------------------------------------------------------------
# Pumps
# ----------------------------------------------------------------------------------------------

class _ResizeEvents:
    """Terminal sizes from the resize channel: a stream of JSON objects, keys matched case-insensitively."""

    def __init__(self) -> None:
        self._pending = ""
        self._broken = False  # like the kubelet's decoder, stop at the first malformed size

    def feed(self, data: bytes) -> list[tuple[int, int]]:
        """The (width, height) of every size completed by ``data``."""
        self._pending += data.decode("utf-8", "replace")
        sizes = []
        while not self._broken and self._pending.strip():
            text = self._pending.lstrip()
            try:
                value, end = json.JSONDecoder().raw_decode(text)
            except json.JSONDecodeError as err:
                self._broken = not (err.msg.startswith("Unterminated") or err.pos >= len(text))
                break
            self._pending = text[end:]
            fields = {str(k).lower(): v for k, v in value.items()} if isinstance(value, dict) else {}
            sizes.append((int(fields.get("width") or 0), int(fields.get("height") or 0)))
        return sizes


class _Session:
    """One exec or attach: the WebSocket connection joined to a StreamSession."""

    def __init__(self, conn: _Connection, session: StreamSession, *, stdin: bool, tty: bool):
        self.conn = conn
        self.session = session
        self.stdin_open = stdin
        self.tty = tty
        self.finishing = threading.Event()  # the server is ending the session: input is dropped
        self.client_gone = threading.Event()
        self.resizes = _ResizeEvents()

    def _dispatch(self, message: bytes) -> bool:
        """Handle one client message; False on a protocol error."""
        if self.conn.protocol == V5 and message[0] == CLOSE:
            if len(message) != 2:
                return False
            if message[1] == STDIN and self.stdin_open:
                self.stdin_open = False
                self.session.close_stdin()
            return True
        channel, data = message[0], message[1:]
        if self.conn.protocol == V4_BASE64:
            channel, data = channel - ord("0"), base64.b64decode(data)
        if channel == STDIN and self.stdin_open:
            self.session.write_stdin(data)
        elif channel == RESIZE:
            for width, height in self.resizes.feed(data):
                if self.tty:
                    self.session.resize(width, height)
        return True

    def pump_input(self) -> None:
        """Reader thread: client messages to the session until the client leaves."""
        while True:
            message = self.conn.read_message()
            if message is None:
                break
            if not message or self.finishing.is_set():
                continue
            try:
                if not self._dispatch(message):
                    self.conn.close(_CLOSE_PROTOCOL_ERROR)
                    break
            except (OSError, ValueError):
                continue  # wsstream drops a frame it cannot deliver and reads on
        if not self.finishing.is_set():
            self.client_gone.set()
            self.session.close()

    def pump_output(self, channels: set[int]) -> bool:
        """Session output to the client; True once it has all been sent, False if the client left."""
        while not self.client_gone.is_set():
            try:
                chunk = self.session.read(timeout=_POLL_SECONDS)
            except TimeoutError:
                continue
            if chunk is None:
                return True
            channel, data = chunk
            if channel in channels and data:
                try:
                    self.conn.send_channel(channel, data)
                except OSError:
                    return False
        return False


def serve(handler: BaseHTTPRequestHandler, protocol: str, session: StreamSession, *, stdin: bool,
          stdout: bool, stderr: bool, tty: bool) -> None:
    """Run an exec or attach session on the connection ``accept`` upgraded, until it ends.

    Sends an empty message on the lowest output channel in use (the kubelet's "connected" signal),
    copies stdin/resize/close messages to ``session`` (one reader thread) and its output to the
    client, then the Status on channel 3 and a close frame, and waits for the client's close.
    If the client leaves first, ``session.close()`` is called and no status is sent.
    """
    conn = _Connection(handler, protocol)
    channels = {c for c, wanted in ((STDOUT, stdout), (STDERR, stderr)) if wanted}
    active = _Session(conn, session, stdin=stdin, tty=tty)
    try:
        conn.send_channel(min(channels, default=ERROR), b"")
    except OSError:
        session.close()
        return
    reader = threading.Thread(target=active.pump_input, name="kubesim-ws-reader", daemon=True)
    reader.start()
    if active.pump_output(channels):
        info = session.wait()
        active.finishing.set()
        try:
            conn.send_channel(ERROR, _exit_status(handler, protocol, info))
        except OSError:
            pass
        conn.close()
        reader.join(CLOSE_WAIT_SECONDS)
    conn.shutdown()
    reader.join()


def fail(handler: BaseHTTPRequestHandler, protocol: str, error: ApiError) -> None:
    """End an upgraded connection with ``error`` as the Status on channel 3, then close it."""
    conn = _Connection(handler, protocol)
    status = _status("Failure", message=error.message, reason=error.reason, details=error.details, code=error.code)
    try:
        conn.send_channel(ERROR, status)
        conn.close()
        conn.drain(CLOSE_WAIT_SECONDS)
    except OSError:
        pass
    conn.shutdown()
