"""What the cluster DNS answers: CoreDNS's ``kubernetes`` plugin for the objects the simulator has (pure).

As with ``kubernetes cluster.local { pods insecure }`` and ``ttl 5``: services' A records at
``SERVICE.NAMESPACE.svc.cluster.local``, pods' at ``A-B-C-D.NAMESPACE.pod.cluster.local`` (any
well-formed dashed address, as ``insecure`` does without asking the API), NXDOMAIN with the zone's
SOA for other names under the zone, NODATA with the SOA for names that exist without records of
the type asked (AAAA of a service, the ``svc`` and ``pod`` levels). Names outside the zone get
SERVFAIL: CoreDNS would forward them, and with no upstream reachable that is what it answers.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from .dnswire import NOERROR, NS, NXDOMAIN, SERVFAIL, SOA, Record, address_record, ns_record, soa_record

ZONE = "cluster.local"
TTL = 5
NAMESERVER = f"ns.dns.{ZONE}"
HOSTMASTER = f"hostmaster.{ZONE}"
SOA_TIMERS = (7200, 1800, 86400, TTL)  # refresh, retry, expire, minimum: CoreDNS's


@dataclass(frozen=True)
class Answer:
    """A reply's content: its rcode, whether it is authoritative, and its sections."""

    rcode: int
    authoritative: bool = True
    answers: tuple[Record, ...] = ()
    authority: tuple[Record, ...] = ()
    additional: tuple[Record, ...] = ()


@dataclass(frozen=True)
class ClusterZone:
    """The zone's data: service (name, namespace) -> ClusterIP, the DNS service's own address,
    and the SOA serial (CoreDNS uses the time of the last change it saw)."""

    services: dict[tuple[str, str], str]
    dns_ip: str
    serial: int

    def soa(self) -> Record:
        """The zone's SOA record, as CoreDNS writes it."""
        return soa_record(ZONE, TTL, NAMESERVER, HOSTMASTER, self.serial, SOA_TIMERS)

    def answer(self, qname: str, qtype: int) -> Answer:
        """The reply to a question for ``qname`` (as asked, any case, no trailing dot)."""
        labels = qname.rstrip(".").lower().split(".")
        zone = ZONE.split(".")
        if labels[-len(zone):] != zone:
            return Answer(SERVFAIL, authoritative=False)
        inside = labels[:-len(zone)]
        if not inside:
            return self._apex(qname, qtype)
        found = self._addresses(inside)
        if found is None:
            return Answer(NXDOMAIN, authority=(self.soa(),))
        records = tuple(r for r in (address_record(qname, TTL, ip) for ip in found) if r.rtype == qtype)
        return Answer(NOERROR, answers=records) if records else self._nodata()

    def _apex(self, qname: str, qtype: int) -> Answer:
        if qtype == SOA:
            return Answer(NOERROR, answers=(self.soa(),))
        if qtype == NS:
            glue = address_record(NAMESERVER, TTL, self.dns_ip)
            return Answer(NOERROR, answers=(ns_record(qname, TTL, NAMESERVER),), additional=(glue,))
        return self._nodata()

    def _nodata(self) -> Answer:
        return Answer(NOERROR, authority=(self.soa(),))

    def _addresses(self, labels: list[str]) -> list[str] | None:
        """The addresses of the name whose labels under the zone are ``labels``: None if no such
        name exists, [] for a name that exists only as a parent of others."""
        if self._is_parent(labels):
            return []
        if labels == NAMESERVER.split(".")[:2]:
            return [self.dns_ip]
        if len(labels) == 3 and labels[2] == "svc":
            ip = self.services.get((labels[0], labels[1]))
            return None if ip is None else [ip]
        if len(labels) == 3 and labels[2] == "pod":
            ip = dashed_address(labels[0])
            return None if ip is None else [ip]
        return None

    def _is_parent(self, labels: list[str]) -> bool:
        """Whether the name exists only above records (an empty non-terminal: NODATA, not NXDOMAIN)."""
        if len(labels) == 1:
            return labels[0] in ("svc", "pod", "dns")
        namespaces = {namespace for _, namespace in self.services}
        return len(labels) == 2 and labels[1] in ("svc", "pod") and labels[0] in namespaces


def dashed_address(label: str) -> str | None:
    """The address a pod record's first label spells (``10-244-0-5``, ``fd00--5``), else None."""
    for candidate in (label.replace("-", "."), label.replace("-", ":")):
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None
