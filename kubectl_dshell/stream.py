"""One exec session's WebSocket, frame by frame, binary-safe.

The official client opens the connection (auth, TLS, proxies, subprotocol negotiation); this
wrapper reads and writes frames itself so that output goes straight through, unbuffered, and
stdin can be closed with the v5 close signal.
"""

from __future__ import annotations

import ssl
from contextlib import suppress
from typing import Any

from websocket import ABNF, WebSocketConnectionClosedException

from .channels import CONTROL, STDIN, V5, close_frame, frame, resize_frame, split


class ExecStream:
    """Frames out and (channel, data) in, over a kubernetes ``WSClient``'s socket."""

    def __init__(self, client: Any):
        self._ws = client.sock
        self.protocol: str = client.subprotocol or ""
        self._ended = False  # the server closed: its close frame (answered as it came) or EOF

    @property
    def can_close_stdin(self) -> bool:
        """Whether the server speaks v5, the only protocol that can signal end of input."""
        return self.protocol == V5

    def fileno(self) -> int:
        """The socket, for select()."""
        return self._ws.sock.fileno()

    def pending(self) -> bool:
        """Whether TLS has already decrypted bytes that select() cannot see."""
        sock = self._ws.sock
        return isinstance(sock, ssl.SSLSocket) and sock.pending() > 0

    def receive(self) -> tuple[int, bytes] | None:
        """The next frame as (channel, data); (CONTROL, b"") for a ping; None once closed."""
        try:
            opcode, received = self._ws.recv_data_frame(True)
        except (WebSocketConnectionClosedException, OSError):
            self._ended = True
            return None
        if opcode == ABNF.OPCODE_CLOSE:
            self._ended = True
            return None
        if opcode in (ABNF.OPCODE_BINARY, ABNF.OPCODE_TEXT):
            return split(received.data)
        return CONTROL, b""

    def _send(self, payload: bytes) -> None:
        self._ws.send(payload, opcode=ABNF.OPCODE_BINARY)

    def send_stdin(self, data: bytes) -> None:
        """Bytes for the remote process's stdin (or terminal)."""
        self._send(frame(STDIN, data))

    def close_stdin(self) -> bool:
        """Signal end of input; False when the protocol (v4) cannot."""
        if self.can_close_stdin:
            self._send(close_frame(STDIN))
        return self.can_close_stdin

    def resize(self, width: int, height: int) -> None:
        """Tell the remote terminal its new size."""
        self._send(resize_frame(width, height))

    def close(self) -> None:
        """Close the connection (the remote side sees the client leave)."""
        with suppress(WebSocketConnectionClosedException, OSError):
            if self._ended:
                # Nothing is left to say: websocket-client's close() would send a second close frame
                # and wait for a reply that never comes until the server drops the connection.
                self._ws.shutdown()
            else:
                self._ws.close(timeout=1)
