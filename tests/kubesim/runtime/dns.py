"""The cluster DNS server: what answers at the pods' nameserver, UDP and TCP port 53.

One thread moves itself (setns is per thread) into the node holder's network namespace, where
the nameserver address is local, binds its sockets there and serves them until stopped. The
sockets belong to that namespace, the process holds them, so nothing of it outlives the
simulator. Replies come from dnszone; what is not a query gets none, a malformed query FORMERR.
"""

from __future__ import annotations

import ctypes
import logging
import os
import selectors
import socket
import struct
import threading

from .dnswire import FORMERR, HEADER, NOTIMP, QR, Message, WireError, encode_message, parse_message, reply_flags
from .dnszone import ClusterZone

log = logging.getLogger("kubesim.dns")

PORT = 53
CLONE_NEWNET = 0x40000000
TCP_LENGTH = struct.Struct("!H")  # DNS over TCP: each message after its length (RFC 1035 4.2.2)
TCP_TIMEOUT = 2.0  # a TCP client that does not read its reply is dropped after this
_libc = ctypes.CDLL(None, use_errno=True)


class DnsError(RuntimeError):
    """The DNS server could not start."""


def enter_netns(path: str) -> None:
    """Move the calling thread, and only it, into the network namespace at ``path``."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns {path}: {os.strerror(err)}")
    finally:
        os.close(fd)


def respond(zone: ClusterZone, packet: bytes) -> bytes | None:
    """The reply to one request: None for a response or a packet too short to answer."""
    if len(packet) < HEADER.size:
        return None
    ident, flags = HEADER.unpack_from(packet)[:2]
    if flags & QR:
        return None  # never answer an answer: two servers would ping-pong forever
    try:
        query = parse_message(packet)
        if query.opcode != 0:
            return _bare(query, NOTIMP)
        if len(query.questions) != 1:
            return _bare(query, FORMERR)
        question = query.questions[0]
        answer = zone.answer(question.name, question.qtype)
        reply = Message(
            query.id, reply_flags(query, answer.rcode, authoritative=answer.authoritative), [question],
            list(answer.answers), list(answer.authority), list(answer.additional),
        )
        return encode_message(reply)
    except WireError:
        return _bare(Message(ident, flags), FORMERR)


def _bare(query: Message, rcode: int) -> bytes:
    return encode_message(Message(query.id, reply_flags(query, rcode, authoritative=False)))


class DnsServer:
    """UDP and TCP DNS at the zone's own address (``zone.dns_ip``), port 53, in the network
    namespace at ``netns``."""

    def __init__(self, netns: str, zone: ClusterZone):
        self._netns = netns
        self._zone = zone
        self._wake_r, self._wake_w = os.pipe2(os.O_CLOEXEC)
        self._thread = threading.Thread(target=self._run, name="kubesim-dns", daemon=True)
        self._ready = threading.Event()
        self._error = ""

    def start(self, timeout: float = 10.0) -> None:
        """Start serving; returns once the sockets are bound, DnsError if they cannot be."""
        self._thread.start()
        if not self._ready.wait(timeout) or self._error:
            self.stop()
            raise DnsError(f"cluster DNS on {self._zone.dns_ip}:{PORT}: {self._error or 'timeout'}")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and close the sockets. Idempotent."""
        if self._wake_w < 0:
            return
        os.write(self._wake_w, b"x")
        if self._thread.is_alive():
            self._thread.join(timeout)
        for fd in (self._wake_r, self._wake_w):
            os.close(fd)
        self._wake_r = self._wake_w = -1

    def _run(self) -> None:
        try:
            enter_netns(self._netns)
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            for sock in (udp, tcp):
                sock.bind((self._zone.dns_ip, PORT))
            tcp.listen(16)
        except OSError as e:
            self._error = str(e)
            self._ready.set()
            return
        self._ready.set()
        with selectors.DefaultSelector() as selector, udp, tcp:
            selector.register(self._wake_r, selectors.EVENT_READ, None)
            selector.register(udp, selectors.EVENT_READ, self._on_udp)
            selector.register(tcp, selectors.EVENT_READ, self._on_accept)
            self._serve(selector)

    def _serve(self, selector: selectors.BaseSelector) -> None:
        while True:
            for key, _ in selector.select():
                if key.data is None:  # the wake pipe: stop() was called
                    for registered in list(selector.get_map().values()):
                        if isinstance(registered.fileobj, socket.socket):  # TCP clients too
                            registered.fileobj.close()
                    return
                try:
                    key.data(selector, key.fileobj)
                except Exception:  # one bad request must not end the server
                    log.exception("cluster DNS: request failed")

    def _on_udp(self, selector: selectors.BaseSelector, sock: socket.socket) -> None:
        packet, peer = sock.recvfrom(65535)
        reply = respond(self._zone, packet)
        if reply is not None:
            sock.sendto(reply, peer)

    def _on_accept(self, selector: selectors.BaseSelector, listener: socket.socket) -> None:
        conn, _ = listener.accept()
        conn.settimeout(TCP_TIMEOUT)
        selector.register(conn, selectors.EVENT_READ, _TcpClient(self._zone).on_readable)


class _TcpClient:
    """One TCP connection: length-prefixed queries in, replies out, until the client closes."""

    def __init__(self, zone: ClusterZone):
        self._zone = zone
        self._buffer = b""

    def on_readable(self, selector: selectors.BaseSelector, conn: socket.socket) -> None:
        """Read what arrived, answer every complete query; close on EOF or error."""
        try:
            data = conn.recv(65537)
            self._buffer += data
            while len(self._buffer) >= TCP_LENGTH.size:
                (size,) = TCP_LENGTH.unpack_from(self._buffer)
                if len(self._buffer) < TCP_LENGTH.size + size:
                    break
                packet = self._buffer[TCP_LENGTH.size:TCP_LENGTH.size + size]
                self._buffer = self._buffer[TCP_LENGTH.size + size:]
                reply = respond(self._zone, packet)
                if reply is not None:
                    conn.sendall(TCP_LENGTH.pack(len(reply)) + reply)
        except OSError:
            data = b""
        if not data:
            selector.unregister(conn)
            conn.close()
