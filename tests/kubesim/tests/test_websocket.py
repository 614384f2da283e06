"""The WebSocket channel protocol against the real Python client (kubernetes.stream) and a raw
socket, served by a tiny http.server that uses api.websocket with a scripted session."""

from __future__ import annotations

import base64
import json
import os
import queue
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from kubernetes import client
from kubernetes.stream import stream

from tests.kubesim.api import websocket
from tests.kubesim.contracts import ApiError, ExitInfo

pytestmark = pytest.mark.sim


class ScriptedSession:
    """A StreamSession double. argv picks the behaviour: ``cat`` echoes stdin until it closes,
    ``exit N`` writes to stderr and exits N, ``print TEXT`` writes TEXT, ``error MSG`` cannot start,
    ``hang`` runs until the client goes away."""

    def __init__(self, argv: list[str], tty: bool):
        self.tty = tty
        self.argv = argv
        self.exit = ExitInfo(exit_code=0)
        self.resizes: list[tuple[int, int]] = []
        self.stdin_closed = threading.Event()
        self.closed = threading.Event()
        self._output: queue.Queue = queue.Queue()
        self._start(argv[0] if argv else "hang", argv[1:])

    def _start(self, verb: str, args: list[str]) -> None:
        if verb == "exit":
            self.exit = ExitInfo(exit_code=int(args[0]))
            self._output.put((2, b"failing\n"))
        elif verb == "print":
            self._output.put((1, " ".join(args).encode()))
        elif verb == "error":
            self.exit = ExitInfo(error=" ".join(args))
        if verb in ("exit", "print", "error"):
            self._output.put(None)

    def write_stdin(self, data: bytes) -> None:
        if self.argv[:1] == ["cat"]:
            self._output.put((1, data))

    def close_stdin(self) -> None:
        self.stdin_closed.set()
        if self.argv[:1] == ["cat"]:
            self._output.put(None)

    def resize(self, width: int, height: int) -> None:
        self.resizes.append((width, height))

    def read(self, timeout: float | None = None) -> tuple[int, bytes] | None:
        try:
            return self._output.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError from None

    def wait(self) -> ExitInfo:
        return self.exit

    def close(self) -> None:
        self.closed.set()
        self._output.put(None)


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        protocol = websocket.accept(self)
        if protocol is None:
            self.send_error(400, "not a websocket upgrade")
            return
        query = {k: v for k, v in parse_qs(urlsplit(self.path).query).items()}
        flags = {k: query.get(k, ["false"])[0] == "true" for k in ("stdin", "stdout", "stderr", "tty")}
        session = ScriptedSession(query.get("command", []), flags["tty"])
        self.server.sessions.append(session)  # type: ignore[attr-defined]
        if "/pods/gone/" in self.path:
            websocket.fail(self, protocol, ApiError(404, "NotFound", 'pods "gone" not found',
                                                    {"name": "gone", "kind": "pods"}))
            return
        websocket.serve(self, protocol, session, **flags)

    def log_message(self, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # server_close() then joins every handler thread


@pytest.fixture
def server() -> Iterator[_Server]:
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.sessions = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _api(server: _Server) -> client.CoreV1Api:
    config = client.Configuration()
    config.host = f"http://127.0.0.1:{server.server_address[1]}"
    return client.CoreV1Api(client.ApiClient(config))


def _exec(server: _Server, command: list[str], protocol: str | None = None, **flags: bool):
    headers = {"sec-websocket-protocol": protocol} if protocol else None
    options = {"stdin": False, "stdout": True, "stderr": True, "tty": False, **flags}
    return stream(_api(server).connect_get_namespaced_pod_exec, "web", "default", command=command,
                  _preload_content=False, binary=True, _headers=headers, **options)


def test_v5_closing_stdin_gives_the_process_eof(server: _Server) -> None:
    resp = _exec(server, ["cat"], stdin=True)
    resp.write_stdin(b"hello from stdin")
    resp.close_channel(0)
    resp.run_forever(timeout=10)
    assert resp.subprotocol == "v5.channel.k8s.io"
    assert resp.read_stdout() == b"hello from stdin"
    assert resp.returncode == 0
    assert server.sessions[0].stdin_closed.is_set()


def test_v4_session_runs_to_its_end_without_a_close_signal(server: _Server) -> None:
    resp = _exec(server, ["print", "hi", "there"], protocol="v4.channel.k8s.io", stdin=True)
    resp.close_channel(0)  # not part of v4: the client sends nothing
    resp.run_forever(timeout=10)
    assert resp.subprotocol == "v4.channel.k8s.io"
    assert resp.read_stdout() == b"hi there"
    assert resp.returncode == 0
    assert not server.sessions[0].stdin_closed.is_set()


@pytest.mark.parametrize("protocol, message", [
    ("v5.channel.k8s.io", "command terminated with non-zero exit code: command terminated with exit code 3"),
    ("v4.channel.k8s.io", "command terminated with non-zero exit code: error executing command [exit 3], exit code 3"),
])
def test_non_zero_exit_is_reported_as_the_cluster_does(server: _Server, protocol: str, message: str) -> None:
    resp = _exec(server, ["exit", "3"], protocol=protocol)
    resp.run_forever(timeout=10)
    assert resp.read_stderr() == b"failing\n"
    assert json.loads(resp.peek_channel(3)) == {
        "metadata": {}, "status": "Failure", "message": message, "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": "3"}]}}
    assert resp.returncode == 3


@pytest.mark.parametrize("protocol, message", [
    ("v4.channel.k8s.io", "Internal error occurred: error executing command in container: no such file"),
    ("v5.channel.k8s.io", "Internal error occurred: Internal error occurred: error executing command in container: no such file"),
])
def test_a_command_that_cannot_start_is_an_internal_error(server: _Server, protocol: str, message: str) -> None:
    resp = _exec(server, ["error", "no", "such", "file"], protocol=protocol)
    resp.run_forever(timeout=10)
    status = json.loads(resp.peek_channel(3))
    assert (status["message"], status["reason"], status["code"]) == (message, "InternalError", 500)


def test_large_payloads_cross_intact_both_ways(server: _Server) -> None:
    payload = os.urandom(10 * 1024 * 1024)
    resp = _exec(server, ["cat"], stdin=True)
    started = time.monotonic()
    resp.write_stdin(payload)
    received = bytearray()
    while len(received) < len(payload) and resp.is_open():
        resp.update(timeout=5)
        received += resp.read_stdout(timeout=0)
    elapsed = time.monotonic() - started
    resp.close_channel(0)
    resp.run_forever(timeout=10)
    assert bytes(received) == payload
    assert resp.returncode == 0
    print(f"\n10 MiB each way in {elapsed:.3f} s: {2 * len(payload) / elapsed / 1e6:.0f} MB/s")


class RawClient:
    """A minimal RFC 6455 client for what the Python client cannot send."""

    def __init__(self, port: int, path: str, protocol: str, key: str = ""):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        key = key or base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
                           f"Sec-WebSocket-Protocol: {protocol}\r\n\r\n").encode())
        self.file = self.sock.makefile("rb")
        self.status_line = self.file.readline().decode()
        self.headers = {}
        while (line := self.file.readline().decode().strip()):
            name, _, value = line.partition(":")
            self.headers[name.lower()] = value.strip()

    def send(self, opcode: int, payload: bytes, final: bool = True) -> None:
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes(((0x80 if final else 0) | opcode, 0x80 | len(payload))) + mask + masked)

    def recv(self) -> tuple[int, bytes]:
        first, second = self.file.read(2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", self.file.read(2))[0]
        return first & 0x0F, self.file.read(length)

    def close(self) -> None:
        self.file.close()
        self.sock.close()


@pytest.fixture
def raw(server: _Server) -> Iterator:
    opened: list[RawClient] = []

    def connect(path: str, protocol: str = "v5.channel.k8s.io", key: str = "") -> RawClient:
        opened.append(RawClient(server.server_address[1], path, protocol, key))
        return opened[-1]
    yield connect
    for conn in opened:
        conn.close()


def test_fragments_are_reassembled_and_pings_answered_between_them(raw) -> None:
    conn = raw("/api/v1/namespaces/default/pods/web/exec?command=cat&stdin=true&stdout=true")
    assert conn.status_line.startswith("HTTP/1.1 101")
    assert conn.headers["sec-websocket-protocol"] == "v5.channel.k8s.io"
    assert conn.recv() == (2, b"\x01")  # the "connected" signal: an empty stdout message
    conn.send(2, b"\x00frag", final=False)
    conn.send(9, b"are you there")
    conn.send(0, b"mented", final=True)
    assert conn.recv() == (10, b"are you there")
    assert conn.recv() == (2, b"\x01fragmented")
    conn.send(2, b"\xff\x00")  # v5: close stdin
    assert conn.recv() == (2, b'\x03{"metadata":{},"status":"Success"}')
    assert conn.recv() == (8, struct.pack("!H", 1000))
    conn.send(8, struct.pack("!H", 1000))


def test_resize_messages_reach_a_tty_session_even_split_across_frames(raw, server: _Server) -> None:
    conn = raw("/api/v1/namespaces/default/pods/web/attach?command=cat&stdin=true&tty=true")
    assert conn.recv() == (2, b"\x03")  # no output channel: the "connected" signal goes to channel 3
    conn.send(2, b'\x04{"Width":120,"He')
    conn.send(2, b'\x04ight":40}{"width":80,"height":24}')
    conn.send(2, b"\xff\x00")
    assert conn.recv() == (2, b'\x03{"metadata":{},"status":"Success"}')
    assert server.sessions[0].resizes == [(120, 40), (80, 24)]


def test_attach_reports_success_whatever_the_exit_code(raw) -> None:
    # The scripted session reads its behaviour from "command" even on attach.
    conn = raw("/api/v1/namespaces/default/pods/web/attach?command=exit&command=7&stderr=true")
    assert conn.recv() == (2, b"\x02")
    assert conn.recv() == (2, b"\x02failing\n")
    assert conn.recv() == (2, b'\x03{"metadata":{},"status":"Success"}')


def test_base64_protocol_encodes_channels_as_digits(raw) -> None:
    conn = raw("/api/v1/namespaces/default/pods/web/exec?command=cat&stdin=true&stdout=true",
               "v4.base64.channel.k8s.io")
    assert conn.headers["sec-websocket-protocol"] == "v4.base64.channel.k8s.io"
    assert conn.recv() == (1, b"1")
    conn.send(1, b"0" + base64.b64encode(b"echo me"))
    assert conn.recv() == (1, b"1" + base64.b64encode(b"echo me"))


def test_client_leaving_first_closes_the_session(raw, server: _Server) -> None:
    conn = raw("/api/v1/namespaces/default/pods/web/exec?command=hang&stdout=true")
    conn.recv()
    conn.close()
    assert server.sessions[0].closed.wait(5)


def test_fail_reports_the_error_status_then_closes(raw) -> None:
    conn = raw("/api/v1/namespaces/default/pods/gone/exec?command=ls&stdout=true")
    opcode, payload = conn.recv()
    assert (opcode, payload[:1]) == (2, b"\x03")
    assert json.loads(payload[1:]) == {"metadata": {}, "status": "Failure", "message": 'pods "gone" not found',
                                       "reason": "NotFound", "details": {"name": "gone", "kind": "pods"}, "code": 404}
    assert conn.recv() == (8, struct.pack("!H", 1000))


@pytest.mark.parametrize("request_text", [
    "GET /api/v1/namespaces/default/pods/web/exec HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /api/v1/namespaces/default/pods/web/exec HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Protocol: channel.k8s.io\r\n\r\n",
])
def test_requests_that_cannot_be_upgraded_are_left_to_the_caller(server: _Server, request_text: str) -> None:
    with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=10) as sock:
        sock.sendall(request_text.encode())
        assert sock.recv(100).startswith(b"HTTP/1.0 400")


def test_handshake_answers_the_rfc_6455_accept_key(raw) -> None:
    conn = raw("/api/v1/namespaces/default/pods/web/exec?command=print&command=x&stdout=true",
               key="dGhlIHNhbXBsZSBub25jZQ==")
    assert conn.status_line == "HTTP/1.1 101 Switching Protocols\r\n"
    assert conn.headers["sec-websocket-accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
