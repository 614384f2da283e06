"""The cluster DNS: wire format and answers (pure), the server in a network namespace of its own,
and busybox nslookup in a pod of the running simulator."""

from __future__ import annotations

import os
import socket
import struct
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.kubesim.runtime.dns import PORT, DnsServer, enter_netns, respond
from tests.kubesim.runtime.dnswire import (
    AA, AAAA, FORMERR, NOERROR, NOTIMP, NS, NXDOMAIN, QR, RD, SERVFAIL, SOA, A, Message, Question, Record,
    WireError, encode_message, parse_message,
)
from tests.kubesim.runtime.dnszone import ClusterZone
from tests.kubesim.runtime.network import add_service_address, ip_batch

T = TypeVar("T")
ZONE = ClusterZone({("kubernetes", "default"): "10.96.0.1", ("kube-dns", "kube-system"): "10.96.0.10"},
                   dns_ip="10.96.0.10", serial=1700000000)
KUBERNETES = b"\x0akubernetes\x07default\x03svc\x07cluster\x05local\x00"
# What res_mkquery (busybox nslookup) sends for kubernetes.default.svc.cluster.local, type A.
QUERY = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00" + KUBERNETES + b"\x00\x01\x00\x01"


def ask(name: str, qtype: int = A) -> Message:
    """The zone's reply to one question (recursion desired, as stub resolvers ask), through the wire."""
    reply = respond(ZONE, encode_message(Message(7, RD, [Question(name, qtype)])))
    assert reply is not None
    return parse_message(reply)


def soa_fields(record: Record) -> tuple:
    """An SOA record's (owner, mname, rname, serial, refresh, retry, expire, minimum)."""
    mname, rest = _name(record.rdata)
    rname, rest = _name(rest)
    return (record.name, mname, rname, *struct.unpack("!IIIII", rest))


def _name(data: bytes) -> tuple[str, bytes]:
    """The uncompressed name at the start of ``data`` and what follows it."""
    labels = []
    while data[0]:
        labels.append(data[1:1 + data[0]].decode())
        data = data[1 + data[0]:]
    return ".".join(labels), data[1:]


# --- wire format ----------------------------------------------------------------------------

def test_a_query_as_resolvers_send_it_parses() -> None:
    msg = parse_message(QUERY)
    assert (msg.id, msg.flags, msg.opcode, msg.rcode) == (0x1234, RD, 0, 0)
    assert msg.questions == [Question("kubernetes.default.svc.cluster.local", A)]
    assert msg.answers == msg.authority == msg.additional == []


def test_the_reply_to_kubernetes_is_byte_exact() -> None:
    header = b"\x12\x34\x85\x00\x00\x01\x00\x01\x00\x00\x00\x00"  # QR AA RD, NOERROR, 1 question 1 answer
    answer = KUBERNETES + b"\x00\x01\x00\x01" + b"\x00\x00\x00\x05" + b"\x00\x04" + bytes([10, 96, 0, 1])
    assert respond(ZONE, QUERY) == header + KUBERNETES + b"\x00\x01\x00\x01" + answer


def test_compressed_names_are_followed() -> None:
    # A reply as most servers write it: the answer's owner is a pointer to the question's name.
    reply = (b"\x00\x01\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + KUBERNETES + b"\x00\x01\x00\x01"
             + b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x05\x00\x04\x0a\x60\x00\x01")
    msg = parse_message(reply)
    assert msg.answers == [Record("kubernetes.default.svc.cluster.local", A, 5, b"\x0a\x60\x00\x01")]


@pytest.mark.parametrize("packet", [
    b"\x00\x01\x01\x00\x00\x01",  # shorter than a header
    QUERY[:-3],  # question cut short
    QUERY[:12] + b"\x0akubern",  # label runs past the end
    QUERY[:12] + b"\xc0\x0c\x00\x01\x00\x01",  # a pointer to itself
    QUERY[:12] + b"\x40abc\x00\x00\x01\x00\x01",  # extended label type
    QUERY[:12] + b"\x3f" + b"a" * 63 + b"\x3f" + b"a" * 63 + b"\x3f" + b"a" * 63 + b"\x3f" + b"a" * 63
    + b"\x00\x00\x01\x00\x01",  # a 257-byte name
    b"\x00\x01\x81\x80\x00\x00\x00\x01\x00\x00\x00\x00\xc0",  # record owner pointer cut short
])
def test_malformed_messages_are_refused(packet: bytes) -> None:
    with pytest.raises(WireError):
        parse_message(packet)


LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABC0123456789-_", min_size=1, max_size=20)
NAME = st.lists(LABEL, min_size=0, max_size=5).map(".".join)


@given(ident=st.integers(0, 0xFFFF), names=st.lists(NAME, min_size=1, max_size=4),
       ttl=st.integers(0, 2**31), rdata=st.binary(max_size=40))
def test_messages_survive_a_round_trip(ident: int, names: list[str], ttl: int, rdata: bytes) -> None:
    msg = Message(ident, QR | AA, [Question(names[0], AAAA)], [Record(n, A, ttl, rdata) for n in names],
                  [Record(names[-1], SOA, ttl, rdata)], [])
    assert parse_message(encode_message(msg)) == msg


# --- what the zone answers ------------------------------------------------------------------

@pytest.mark.parametrize(("name", "address"), [
    ("kubernetes.default.svc.cluster.local", "10.96.0.1"),
    ("kube-dns.kube-system.svc.cluster.local", "10.96.0.10"),
    ("10-244-0-5.default.pod.cluster.local", "10.244.0.5"),
    ("10-244-0-9.other-ns.pod.cluster.local", "10.244.0.9"),
    ("ns.dns.cluster.local", "10.96.0.10"),
])
def test_known_names_answer_their_address_authoritatively(name: str, address: str) -> None:
    reply = ask(name)
    assert (reply.rcode, reply.flags & (QR | AA | RD)) == (NOERROR, QR | AA | RD)
    assert reply.questions == [Question(name, A)]
    assert reply.answers == [Record(name, A, 5, socket.inet_aton(address))]
    assert reply.authority == []


def test_the_answer_keeps_the_case_of_the_question() -> None:
    reply = ask("Kubernetes.DEFAULT.svc.Cluster.Local")
    assert [(r.name, r.rdata) for r in reply.answers] == [("Kubernetes.DEFAULT.svc.Cluster.Local", bytes([10, 96, 0, 1]))]


@pytest.mark.parametrize("name", [
    "nope.default.svc.cluster.local", "kubernetes.nope.svc.cluster.local", "web.default.pod.cluster.local",
    "10-244-0-5.default.svc.cluster.local", "a.b.c.d.cluster.local", "nope.cluster.local",
])
def test_unknown_names_under_the_zone_are_nxdomain_with_the_soa(name: str) -> None:
    reply = ask(name)
    assert (reply.rcode, reply.flags & AA, reply.answers) == (NXDOMAIN, AA, [])
    assert [soa_fields(r) for r in reply.authority] == [
        ("cluster.local", "ns.dns.cluster.local", "hostmaster.cluster.local", 1700000000, 7200, 1800, 86400, 5)
    ]


@pytest.mark.parametrize(("name", "qtype"), [
    ("kubernetes.default.svc.cluster.local", AAAA), ("kubernetes.default.svc.cluster.local", NS),
    ("svc.cluster.local", A), ("default.svc.cluster.local", A), ("pod.cluster.local", A), ("cluster.local", A),
])
def test_existing_names_without_that_type_are_nodata(name: str, qtype: int) -> None:
    reply = ask(name, qtype)
    assert (reply.rcode, reply.flags & AA, reply.answers) == (NOERROR, AA, [])
    assert [r.rtype for r in reply.authority] == [SOA]


def test_the_apex_answers_soa_and_ns_with_glue() -> None:
    soa, ns = ask("cluster.local", SOA), ask("cluster.local", NS)
    assert [soa_fields(r)[:3] for r in soa.answers] == [("cluster.local", "ns.dns.cluster.local", "hostmaster.cluster.local")]
    assert [(r.name, r.rtype, _name(r.rdata)[0]) for r in ns.answers] == [("cluster.local", NS, "ns.dns.cluster.local")]
    assert ns.additional == [Record("ns.dns.cluster.local", A, 5, bytes([10, 96, 0, 10]))]


def test_names_outside_the_zone_fail_without_authority() -> None:
    reply = ask("example.com")
    assert (reply.rcode, reply.flags & AA, reply.answers, reply.authority) == (SERVFAIL, 0, [], [])


def test_what_is_not_a_plain_query_gets_an_error_or_nothing() -> None:
    notify = respond(ZONE, encode_message(Message(9, 4 << 11, [Question("cluster.local", SOA)])))
    two = respond(ZONE, encode_message(Message(9, RD, [Question("a.cluster.local", A), Question("b", A)])))
    garbage = respond(ZONE, b"\x00\x09\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xff\xff")
    assert [parse_message(r).rcode for r in (notify, two, garbage)] == [NOTIMP, FORMERR, FORMERR]
    assert all(parse_message(r).id == 9 and parse_message(r).flags & QR for r in (notify, two, garbage))
    assert respond(ZONE, QUERY[:11]) is None
    assert respond(ZONE, QUERY[:2] + b"\x81\x00" + QUERY[4:]) is None  # a response: never answered


# --- the server, in a network namespace made for the test ----------------------------------

def in_thread(fn: Callable[[], T]) -> T:
    """Call ``fn`` in a thread of its own (one that may change its network namespace) and return its result."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


@pytest.fixture
def netns() -> Iterator[str]:
    """A new network namespace with lo up and 10.96.0.10 on it, held by a process killed afterwards."""
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    with subprocess.Popen(["unshare", "--net", "sh", "-c", "echo ready; exec sleep 600"],
                          stdout=subprocess.PIPE) as holder:  # leaving the block waits for it
        try:
            assert holder.stdout is not None and holder.stdout.readline() == b"ready\n"
            ip_batch(holder.pid, ["link set lo up"])
            add_service_address(holder.pid, "10.96.0.10")
            yield f"/proc/{holder.pid}/ns/net"
        finally:
            holder.kill()


def socket_in(netns: str, kind: int) -> socket.socket:
    """A socket of the namespace at ``netns`` (a socket stays in the namespace it was made in)."""
    def make() -> socket.socket:
        enter_netns(netns)
        sock = socket.socket(socket.AF_INET, kind)
        sock.settimeout(5)
        return sock

    return in_thread(make)


def test_the_server_survives_garbage_and_answers_udp_and_tcp(netns: str) -> None:
    server = DnsServer(netns, ZONE)
    server.start()
    try:
        with socket_in(netns, socket.SOCK_DGRAM) as udp, socket_in(netns, socket.SOCK_STREAM) as tcp:
            udp.connect(("10.96.0.10", PORT))
            pointer_loop = b"\x0b\xad" + QUERY[2:12] + b"\xc0\x0c\x00\x01\x00\x01"
            for packet in (b"", b"\x00", b"\xff" * 300, pointer_loop, QUERY):
                udp.send(packet)
            formerr, answer = (parse_message(udp.recv(512)) for _ in range(2))
            assert (formerr.id, formerr.rcode, answer.id, answer.rcode) == (0x0BAD, FORMERR, 0x1234, NOERROR)
            assert answer.answers[0].rdata == bytes([10, 96, 0, 1])
            tcp.connect(("10.96.0.10", PORT))
            nxdomain = encode_message(Message(8, RD, [Question("nope.cluster.local", A)]))
            tcp.sendall(b"".join(struct.pack("!H", len(m)) + m for m in (QUERY, nxdomain)))
            stream = tcp.makefile("rb")
            replies = [parse_message(stream.read(struct.unpack("!H", stream.read(2))[0])) for _ in range(2)]
            assert [(r.id, r.rcode) for r in replies] == [(0x1234, NOERROR), (8, NXDOMAIN)]
    finally:
        server.stop()
    with socket_in(netns, socket.SOCK_DGRAM) as again:  # stopped: the port is free again
        again.bind(("10.96.0.10", PORT))


# --- busybox nslookup in a pod of the simulator ---------------------------------------------

def nslookup(simulator, name: str) -> subprocess.CompletedProcess:
    """busybox 1.35 nslookup in pod two's busybox sidecar, with the pod's /etc/resolv.conf."""
    return simulator.kubectl("exec", "two", "-c", "sidecar", "--", "nslookup", "-timeout=3", "-retry=1", name)


def test_nslookup_in_a_pod_resolves_the_kubernetes_service(simulator) -> None:
    env = simulator.kubectl("exec", "two", "-c", "sidecar", "--", "sh", "-c", 'echo "$KUBERNETES_SERVICE_HOST"',
                            check=True)
    host = env.stdout.decode().strip()
    r = nslookup(simulator, "kubernetes.default.svc.cluster.local")
    assert r.returncode == 0, r.stderr.decode()
    lines = r.stdout.decode().splitlines()
    assert lines[:2] == ["Server:\t\t10.96.0.10", "Address:\t10.96.0.10:53"]
    assert "Name:\tkubernetes.default.svc.cluster.local" in lines and f"Address: {host}" in lines
    assert "Non-authoritative answer:" not in lines


def test_nslookup_in_a_pod_gets_nxdomain_for_an_unknown_service(simulator) -> None:
    r = nslookup(simulator, "nope.default.svc.cluster.local")
    assert r.returncode == 1
    assert "** server can't find nope.default.svc.cluster.local: NXDOMAIN" in r.stdout.decode().splitlines()
