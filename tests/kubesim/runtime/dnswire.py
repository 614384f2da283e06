"""DNS messages on the wire (RFC 1035 section 4): parsing any message, encoding replies (pure).

Names are ``str`` without the trailing dot, their bytes decoded as latin-1 so that any label
survives a round trip; comparisons are the caller's business (DNS names are case-insensitive).
Replies are written without name compression, which every resolver accepts.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass, field

HEADER = struct.Struct("!HHHHHH")
RR_FIXED = struct.Struct("!HHIH")  # type, class, ttl, rdlength
QR, AA, RD = 0x8000, 0x0400, 0x0100
OPCODE_SHIFT, OPCODE_MASK, RCODE_MASK = 11, 0xF, 0xF
NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP = 0, 1, 2, 3, 4
A, NS, SOA, AAAA = 1, 2, 6, 28
IN = 1
MAX_LABEL, MAX_NAME, MAX_POINTERS = 63, 255, 32


class WireError(ValueError):
    """The bytes are not a well-formed DNS message."""


@dataclass(frozen=True)
class Question:
    """One entry of the question section."""

    name: str
    qtype: int
    qclass: int = IN


@dataclass(frozen=True)
class Record:
    """A resource record; ``rdata`` as on the wire (names in it uncompressed)."""

    name: str
    rtype: int
    ttl: int
    rdata: bytes
    rclass: int = IN


@dataclass(frozen=True)
class Message:
    """A whole DNS message: header fields and the four sections."""

    id: int
    flags: int
    questions: list[Question] = field(default_factory=list)
    answers: list[Record] = field(default_factory=list)
    authority: list[Record] = field(default_factory=list)
    additional: list[Record] = field(default_factory=list)

    @property
    def rcode(self) -> int:
        """The response code (low 4 bits of the flags)."""
        return self.flags & RCODE_MASK

    @property
    def opcode(self) -> int:
        """The kind of query (0: a standard query)."""
        return (self.flags >> OPCODE_SHIFT) & OPCODE_MASK


def parse_message(data: bytes) -> Message:
    """Decode a message, following compression pointers; WireError if it is malformed."""
    if len(data) < HEADER.size:
        raise WireError("shorter than a DNS header")
    ident, flags, qdcount, ancount, nscount, arcount = HEADER.unpack_from(data)
    offset = HEADER.size
    questions = []
    for _ in range(qdcount):
        name, offset = _read_name(data, offset)
        if offset + 4 > len(data):
            raise WireError("question cut short")
        qtype, qclass = struct.unpack_from("!HH", data, offset)
        questions.append(Question(name, qtype, qclass))
        offset += 4
    sections = []
    for count in (ancount, nscount, arcount):
        records, offset = _read_records(data, offset, count)
        sections.append(records)
    return Message(ident, flags, questions, *sections)


def _read_records(data: bytes, offset: int, count: int) -> tuple[list[Record], int]:
    records = []
    for _ in range(count):
        name, offset = _read_name(data, offset)
        if offset + RR_FIXED.size > len(data):
            raise WireError("resource record cut short")
        rtype, rclass, ttl, rdlength = RR_FIXED.unpack_from(data, offset)
        offset += RR_FIXED.size
        if offset + rdlength > len(data):
            raise WireError("record data cut short")
        records.append(Record(name, rtype, ttl, data[offset:offset + rdlength], rclass))
        offset += rdlength
    return records, offset


def _read_name(data: bytes, offset: int) -> tuple[str, int]:
    """The name at ``offset`` and the offset after it (after the first pointer, if any)."""
    labels: list[str] = []
    end, jumps, length = None, 0, 1
    while True:
        if offset >= len(data):
            raise WireError("name runs past the end")
        size = data[offset]
        if size & 0xC0 == 0xC0:
            if offset + 1 >= len(data):
                raise WireError("compression pointer cut short")
            jumps += 1
            if jumps > MAX_POINTERS:  # a pointer loop
                raise WireError("too many compression pointers")
            end = offset + 2 if end is None else end
            offset = ((size & 0x3F) << 8) | data[offset + 1]
            continue
        if size & 0xC0:
            raise WireError(f"unknown label type {size >> 6}")
        if size == 0:
            return ".".join(labels), offset + 1 if end is None else end
        length += size + 1
        if length > MAX_NAME or offset + 1 + size > len(data):
            raise WireError("name too long or cut short")
        labels.append(data[offset + 1:offset + 1 + size].decode("latin-1"))
        offset += 1 + size


def encode_name(name: str) -> bytes:
    """A name in wire form (uncompressed); the root is ``""``."""
    out = bytearray()
    for label in name.rstrip(".").split(".") if name.strip(".") else ():
        raw = label.encode("latin-1")
        if not 0 < len(raw) <= MAX_LABEL:
            raise WireError(f"bad label {label!r} in {name!r}")
        out += bytes([len(raw)]) + raw
    if len(out) + 1 > MAX_NAME:
        raise WireError(f"name too long: {name!r}")
    return bytes(out + b"\0")


def encode_message(msg: Message) -> bytes:
    """A message in wire form."""
    counts = (len(msg.questions), len(msg.answers), len(msg.authority), len(msg.additional))
    out = bytearray(HEADER.pack(msg.id, msg.flags, *counts))
    for q in msg.questions:
        out += encode_name(q.name) + struct.pack("!HH", q.qtype, q.qclass)
    for record in (*msg.answers, *msg.authority, *msg.additional):
        fixed = RR_FIXED.pack(record.rtype, record.rclass, record.ttl, len(record.rdata))
        out += encode_name(record.name) + fixed + record.rdata
    return bytes(out)


def reply_flags(query: Message, rcode: int, *, authoritative: bool) -> int:
    """Flags of the reply to ``query``: QR, its opcode and RD copied, AA as given, no RA."""
    opcode = query.flags & (OPCODE_MASK << OPCODE_SHIFT)
    return QR | opcode | (query.flags & RD) | (AA if authoritative else 0) | rcode


def address_record(name: str, ttl: int, ip: str) -> Record:
    """An A or AAAA record, by the address's version."""
    addr = ipaddress.ip_address(ip)
    return Record(name, A if addr.version == 4 else AAAA, ttl, addr.packed)


def ns_record(name: str, ttl: int, host: str) -> Record:
    """An NS record naming ``host``."""
    return Record(name, NS, ttl, encode_name(host))


def soa_record(zone: str, ttl: int, mname: str, rname: str, serial: int,
               timers: tuple[int, int, int, int]) -> Record:
    """An SOA record; ``timers`` are refresh, retry, expire and minimum (the negative-cache TTL)."""
    rdata = encode_name(mname) + encode_name(rname) + struct.pack("!IIIII", serial, *timers)
    return Record(zone, SOA, ttl, rdata)
