"""A tiny in-process API server speaking just enough HTTP and WebSocket to check what kube.py sends.

It records every request; an exec whose argv ends in `cat` echoes stdin to stdout until the client closes stdin (v5),
then report the exit code the test chose.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class Behaviour:
    """What the fake answers: objects by path, errors by path, exec protocol and exit code."""

    objects: dict[str, dict] = field(default_factory=dict)
    errors: dict[str, tuple[int, dict]] = field(default_factory=dict)
    watch_events: list[dict] = field(default_factory=list)
    protocol: str = "v5.channel.k8s.io"
    exit_code: int = 0
    requests: list[Request] = field(default_factory=list)
    # Paths first answered only once all of them are in flight at once (a client asking one after
    # the other gets a 504 for the first after a few seconds); later requests are answered at once.
    together: tuple[str, ...] = ()
    # Seconds to wait before answering a path (an exec's upgrade included), and, in an exec session,
    # between the upgrade and the output.
    delays: dict[str, float] = field(default_factory=dict)
    exec_pause: float = 0.0

    def __post_init__(self) -> None:
        self._arrived = threading.Barrier(max(1, len(self.together)))
        self._met = threading.Event()

    def wait_for_the_others(self, path: str) -> bool:
        """For a path of ``together``: wait for the others; False when they never came."""
        if path not in self.together or self._met.is_set():
            return True
        try:
            self._arrived.wait(timeout=5)
        except threading.BrokenBarrierError:
            return False
        self._met.set()
        return True


def read_frame(stream) -> tuple[int, bytes] | None:
    """One client frame (masked, as RFC 6455 requires): (opcode, payload)."""
    head = stream.read(2)
    if len(head) < 2:
        return None
    opcode, length = head[0] & 0x0F, head[1] & 0x7F
    if length == 126:
        length = struct.unpack(">H", stream.read(2))[0]
    elif length == 127:
        length = struct.unpack(">Q", stream.read(8))[0]
    mask = stream.read(4)
    data = stream.read(length)
    return opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def write_frame(stream, payload: bytes, opcode: int = 2) -> None:
    """One unmasked server frame."""
    length = len(payload)
    if length < 126:
        header = bytes([0x80 | opcode, length])
    elif length < 65536:
        header = bytes([0x80 | opcode, 126]) + struct.pack(">H", length)
    else:
        header = bytes([0x80 | opcode, 127]) + struct.pack(">Q", length)
    stream.write(header + payload)
    stream.flush()


class Handler(BaseHTTPRequestHandler):
    behaviour: Behaviour

    def log_message(self, *args: object) -> None:
        """Quiet."""

    def _record(self) -> Request:
        length = int(self.headers.get("Content-Length") or 0)
        url = urlsplit(self.path)
        request = Request(
            self.command,
            url.path,
            parse_qs(url.query, keep_blank_values=True, errors="surrogateescape"),  # any bytes, as Go's
            dict(self.headers.items()),
            self.rfile.read(length),
        )
        self.behaviour.requests.append(request)
        return request

    def _json(self, code: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _answer(self) -> None:
        request = self._record()
        time.sleep(self.behaviour.delays.get(request.path, 0.0))
        if not self.behaviour.wait_for_the_others(request.path):
            self._json(504, {"kind": "Status", "status": "Failure", "code": 504, "message": "asked one at a time"})
        elif request.path in self.behaviour.errors:
            self._json(*self.behaviour.errors[request.path])
        elif request.query.get("watch") == ["true"]:
            self._watch()
        elif self.headers.get("Upgrade", "").lower() == "websocket":
            self._exec()
        elif request.path in self.behaviour.objects:
            self._json(200, self.behaviour.objects[request.path])
        else:
            self._json(
                404,
                {
                    "kind": "Status",
                    "status": "Failure",
                    "reason": "NotFound",
                    "code": 404,
                    "message": "the server could not find the requested resource",
                    "details": {},
                },
            )

    do_GET = do_PATCH = do_POST = _answer

    def _watch(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        for event in self.behaviour.watch_events:
            self.wfile.write(json.dumps(event).encode() + b"\n")
            self.wfile.flush()

    def _exec(self) -> None:
        accept = base64.b64encode(hashlib.sha1((self.headers["Sec-WebSocket-Key"] + WS_GUID).encode()).digest())
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept.decode())
        self.send_header("Sec-WebSocket-Protocol", self.behaviour.protocol)
        self.end_headers()
        query = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        time.sleep(self.behaviour.exec_pause)
        if query.get("stdin") == ["true"] and (query.get("command") or [""])[-1] == "cat":
            self._echo_until_stdin_closes()
        else:
            write_frame(self.wfile, b"\x01" + json.dumps(query.get("command", [])).encode())
        status = (
            {"metadata": {}, "status": "Success"}
            if self.behaviour.exit_code == 0
            else {
                "metadata": {},
                "status": "Failure",
                "reason": "NonZeroExitCode",
                "details": {"causes": [{"reason": "ExitCode", "message": str(self.behaviour.exit_code)}]},
            }
        )
        write_frame(self.wfile, b"\x02done\n")
        write_frame(self.wfile, b"\x03" + json.dumps(status).encode())
        write_frame(self.wfile, b"\x03\xe8", opcode=8)
        self.close_connection = True

    def _echo_until_stdin_closes(self) -> None:
        while True:
            frame = read_frame(self.rfile)
            if frame is None or frame[0] == 8:
                return
            payload = frame[1]
            if payload[:1] == b"\x00":
                write_frame(self.wfile, b"\x01" + payload[1:])
            elif payload == b"\xff\x00":
                return


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet about clients that left (one that gave up waiting, say); loud about the rest."""
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class FakeApi:
    """Serve ``behaviour`` on a free loopback port until :meth:`stop`."""

    def __init__(self, behaviour: Behaviour):
        handler = type("BoundHandler", (Handler,), {"behaviour": behaviour})
        self.server = _Server(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def kubeconfig(self) -> str:
        """A kubeconfig for this server: context dev, user alice, namespace team."""
        return self.kubeconfig_for(self.url)

    @staticmethod
    def kubeconfig_for(url: str) -> str:
        """A kubeconfig for the server at ``url``."""
        return json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "dev",
                "clusters": [{"name": "c", "cluster": {"server": url}}],
                "contexts": [{"name": "dev", "context": {"cluster": "c", "user": "alice", "namespace": "team"}}],
                "users": [{"name": "alice", "user": {"token": "SECRET-TOKEN"}}],
            }
        )
