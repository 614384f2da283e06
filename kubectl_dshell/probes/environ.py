"""env: the target's real environment, each variable tagged with where it came from (pure).

Sources, joined from the pod spec of the target container:

* ``spec``: ``env[].value``; ``secret``, ``configmap``, ``field``, ``resource``: ``env[].valueFrom``
  (and ``envFrom``, whose keys the spec does not list: an unexplained variable matching an
  ``envFrom`` prefix is tagged with that source, ``secret`` when a Secret could have supplied it);
* ``service``: the service links the kubelet adds (``KUBERNETES_SERVICE_HOST``, ``X_PORT_80_TCP``...);
* ``runtime``: what the kubelet or the container runtime adds (``HOSTNAME``, ``HOME``, ``TERM``);
* ``image``: everything else, present at runtime but in no spec: the image's ENV.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..podspec import container_spec
from .sections import text

VALUE_FROM = {"secretKeyRef": "secret", "configMapKeyRef": "configmap", "fieldRef": "field", "resourceFieldRef": "resource"}
RUNTIME = frozenset({"HOSTNAME", "HOME", "TERM"})
# Service links as the kubelet writes them (pkg/kubelet/envvars): NAME_SERVICE_HOST, NAME_SERVICE_PORT[_PORTNAME],
# NAME_PORT, NAME_PORT_<port>_<PROTO>[_PROTO|_PORT|_ADDR].
SERVICE_LINK = re.compile(r"[A-Z0-9_]+_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT_\d+_(TCP|UDP|SCTP)(_PROTO|_PORT|_ADDR)?)")
SERVICE_URL = re.compile(r"(tcp|udp|sctp)://")
SECRET_WORDS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "CREDENTIAL", "PRIVATE", "APIKEY", "ACCESSKEY")
SECRET_PARTS = frozenset({"KEY", "PASS", "PW", "AUTH", "DSN", "SIGNATURE", "SALT"})
MASK = "****"


@dataclass(frozen=True)
class Variable:
    """One environment variable; ``value`` is None when masked."""

    name: str
    value: str | None
    source: str
    masked: bool

    def as_dict(self) -> dict:
        """The JSON shape of design.md."""
        return {"name": self.name, "value": self.value, "source": self.source, "masked": self.masked}


def parse_environ(data: bytes) -> list[tuple[str, str]]:
    """/proc/PID/environ's NUL-separated NAME=VALUE strings (values keep newlines and '=')."""
    pairs = []
    for item in data.split(b"\0"):
        if item:
            name, _, value = item.partition(b"=")
            pairs.append((text(name), text(value)))
    return pairs


def spec_sources(container: dict) -> dict[str, str]:
    """Each variable the container's ``env`` sets, and its source."""
    sources = {}
    for var in container.get("env") or []:
        value_from = var.get("valueFrom") or {}
        kind = next((VALUE_FROM[key] for key in VALUE_FROM if key in value_from), "spec")
        sources[var["name"]] = kind
    return sources


def env_from_source(container: dict, name: str) -> str | None:
    """The envFrom source that may have set ``name`` (a Secret wins: it is the one to mask)."""
    kinds = {
        "secret" if "secretRef" in ref else "configmap"
        for ref in container.get("envFrom") or []
        if name.startswith(ref.get("prefix") or "")
    }
    return "secret" if "secret" in kinds else next(iter(kinds), None)


def is_service_link(name: str, value: str) -> bool:
    """Whether the kubelet's service links explain this variable."""
    if SERVICE_LINK.fullmatch(name):
        return True
    return name.endswith("_PORT") and bool(SERVICE_URL.match(value))


def source_of(container: dict, declared: dict[str, str], name: str, value: str) -> str:
    """Where a variable present at runtime came from (see the module's doc)."""
    if name in declared:
        return declared[name]
    from_env = env_from_source(container, name)
    if from_env:
        return from_env
    if is_service_link(name, value):
        return "service"
    return "runtime" if name in RUNTIME else "image"


def looks_secret(name: str) -> bool:
    """Whether a name suggests a secret value (DB_PASSWORD, API_KEY, GITHUB_TOKEN...)."""
    upper = name.upper()
    return any(word in upper for word in SECRET_WORDS) or bool(SECRET_PARTS & set(upper.split("_")))


def variables(pod: dict, container: str, environ: bytes, reveal: bool) -> list[Variable]:
    """The environment in the process's order, tagged and masked (unless ``reveal``)."""
    spec = container_spec(pod, container)
    declared = spec_sources(spec)
    found = []
    for name, value in parse_environ(environ):
        source = source_of(spec, declared, name, value)
        masked = not reveal and (source == "secret" or looks_secret(name))
        found.append(Variable(name, None if masked else value, source, masked))
    return found
