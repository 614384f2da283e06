"""env: the target's real environment, each variable tagged with where it came from (pure).

Sources, joined from the pod spec of the target container:

* ``spec``: ``env[].value``; ``secret``, ``configmap``, ``field``, ``resource``: ``env[].valueFrom``;
* ``configmap`` or ``secret`` from ``envFrom``, whose keys the spec does not list. A ConfigMap's keys
  are read when RBAC allows (``keys``): it then explains exactly those. A ConfigMap that could not be
  read, and a Secret (whose reading most users may not do, and dshell does not want), explain any
  variable with their prefix that nothing below explains. The last entry that could have set a
  variable wins, as in the kubelet;
* ``service``: the service links the kubelet adds (``KUBERNETES_SERVICE_HOST``, ``X_PORT_80_TCP``...);
* ``runtime``: what the kubelet or the container runtime adds (``HOSTNAME``, ``HOME``, ``TERM``);
* ``image``: everything else, present at runtime but in no spec: the image's ENV (and ``PATH``, the
  image's or the runtime's default, never taken for an envFrom key unless a ConfigMap read has it).

Masked (unless ``--reveal``): variables from Secrets, names that look secret, and spec values that
reference one of those through ``$(VAR)`` (``$$`` is Kubernetes' escape: ``$$(VAR)`` references
nothing). Wherever else a masked value appears, :mod:`.secretmask` hides it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..podspec import container_spec
from .secretmask import Masker
from .sections import text

VALUE_FROM = {"secretKeyRef": "secret", "configMapKeyRef": "configmap", "fieldRef": "field", "resourceFieldRef": "resource"}
RUNTIME = frozenset({"HOSTNAME", "HOME", "TERM"})
IMAGE = frozenset({"PATH"})
# Service links as the kubelet writes them (pkg/kubelet/envvars): NAME_SERVICE_HOST, NAME_SERVICE_PORT[_PORTNAME],
# NAME_PORT, NAME_PORT_<port>_<PROTO>[_PROTO|_PORT|_ADDR].
SERVICE_LINK = re.compile(r"[A-Z0-9_]+_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT_\d+_(TCP|UDP|SCTP)(_PROTO|_PORT|_ADDR)?)")
SERVICE_URL = re.compile(r"(tcp|udp|sctp)://")
# Kubernetes' expansion of env values and args (third_party/forked/golang/expansion): $$ is a literal $.
REFERENCE = re.compile(r"\$\$|\$\(([^)]*)\)")
SECRET_WORDS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "CREDENTIAL", "PRIVATE", "APIKEY", "ACCESSKEY")
SECRET_PARTS = frozenset({"KEY", "PASS", "PW", "AUTH", "DSN", "SIGNATURE", "SALT"})
Keys = dict[str, frozenset[str] | None]  # ConfigMap name -> its keys, None when it could not be read


@dataclass(frozen=True)
class Variable:
    """One environment variable; ``value`` is None when masked; ``secret`` the (name, key) of the
    Secret a secretKeyRef names."""

    name: str
    value: str | None
    source: str
    masked: bool
    secret: tuple[str, str] | None = None

    def as_dict(self) -> dict:
        """The JSON shape of design.md, plus ``secret`` ({"name", "key"}) where the spec names one."""
        found = {"name": self.name, "value": self.value, "source": self.source, "masked": self.masked}
        if self.secret:
            found["secret"] = {"name": self.secret[0], "key": self.secret[1]}
        return found


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


def secret_refs(container: dict) -> dict[str, tuple[str, str]]:
    """The (Secret, key) each secretKeyRef variable of ``env`` names."""
    refs = {}
    for var in container.get("env") or []:
        ref = (var.get("valueFrom") or {}).get("secretKeyRef")
        if ref:
            refs[var["name"]] = (ref.get("name", ""), ref.get("key", ""))
    return refs


def env_from_config_maps(container: dict) -> list[str]:
    """The ConfigMaps ``envFrom`` names, whose keys tell which variables they set."""
    return [ref["configMapRef"]["name"] for ref in container.get("envFrom") or [] if "configMapRef" in ref]


def known_source(name: str, value: str) -> str | None:
    """``service``, ``runtime`` or ``image`` for the names those always set, else None."""
    if SERVICE_LINK.fullmatch(name) or (name.endswith("_PORT") and SERVICE_URL.match(value)):
        return "service"
    return "runtime" if name in RUNTIME else "image" if name in IMAGE else None


def env_from_source(container: dict, name: str, known: str | None, keys: Keys) -> str | None:
    """The kind of the last envFrom entry that could have set ``name`` (see the module's doc)."""
    found = None
    for ref in container.get("envFrom") or []:
        prefix = ref.get("prefix") or ""
        if not name.startswith(prefix):
            continue
        read = keys.get(ref["configMapRef"]["name"]) if "configMapRef" in ref else None
        if read is not None:
            found = "configmap" if name[len(prefix) :] in read else found
        elif "secretRef" in ref:  # its keys unread: even a well-known name may be one, and so masked
            found = "secret"
        elif known is None:
            found = "configmap"
    return found


def source_of(container: dict, declared: dict[str, str], name: str, value: str, keys: Keys) -> str:
    """Where a variable present at runtime came from (see the module's doc)."""
    if name in declared:
        return declared[name]
    known = known_source(name, value)
    return env_from_source(container, name, known, keys) or known or "image"


def looks_secret(name: str) -> bool:
    """Whether a name suggests a secret value (DB_PASSWORD, API_KEY, GITHUB_TOKEN...)."""
    upper = name.upper()
    return any(word in upper for word in SECRET_WORDS) or bool(SECRET_PARTS & set(upper.split("_")))


def references(value: str) -> set[str]:
    """The variables a spec value references with $(VAR), as the kubelet expands it."""
    return {match.group(1) for match in REFERENCE.finditer(value) if match.group(1) is not None}


def masked_names(container: dict, tagged: list[tuple[str, str, str]]) -> set[str]:
    """The variables to mask: from Secrets, named like secrets, and spec values referencing one of
    those (in the spec's order, as the kubelet expands them: a reference sees only what is above)."""
    names = {name for name, _, source in tagged if source == "secret" or looks_secret(name)}
    for var in container.get("env") or []:
        if "valueFrom" not in var and references(var.get("value") or "") & names:
            names.add(var["name"])
    return names


def tagged_environ(container: dict, environ: bytes, keys: Keys) -> list[tuple[str, str, str]]:
    """(name, value, source) of each variable, in the process's order."""
    declared = spec_sources(container)
    return [(name, value, source_of(container, declared, name, value, keys)) for name, value in parse_environ(environ)]


def _masker(tagged: list[tuple[str, str, str]], names: set[str]) -> Masker:
    return Masker(frozenset(value for name, value, _ in tagged if name in names and value))


def variables(pod: dict, container: str, environ: bytes, reveal: bool, keys: Keys | None = None) -> list[Variable]:
    """The environment in the process's order, tagged and masked (unless ``reveal``): a masked
    variable has no value, and the masked values are hidden inside the others."""
    spec = container_spec(pod, container)
    tagged = tagged_environ(spec, environ, keys or {})
    names = set() if reveal else masked_names(spec, tagged)
    masker, refs = _masker(tagged, names), secret_refs(spec)
    return [
        Variable(name, None if name in names else masker.text(value), source, name in names, refs.get(name))
        for name, value, source in tagged
    ]


def secret_masker(pod: dict, container: str, environ: bytes) -> Masker:
    """What hides the target's secret values (env's masked ones) in other output, such as ps's."""
    spec = container_spec(pod, container)
    tagged = tagged_environ(spec, environ, {})
    return _masker(tagged, masked_names(spec, tagged))


def has_secrets(pod: dict, container: str) -> bool:
    """Whether the spec gives the container a Secret or a secret-looking variable."""
    spec = container_spec(pod, container)
    names = spec_sources(spec)
    from_secret = any("secretRef" in ref for ref in spec.get("envFrom") or [])
    return from_secret or any(source == "secret" or looks_secret(name) for name, source in names.items())
