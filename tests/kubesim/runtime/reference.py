"""Image references, normalised as containerd (docker's distribution/reference) does.

``busybox`` -> ``docker.io/library/busybox:latest``; ``gcr.io/x/y`` keeps its registry; a
``@sha256:...`` digest may follow the tag; without a tag and digest the tag is ``latest``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_DOMAIN = "docker.io"
_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST = re.compile(r"sha256:[a-f0-9]{64}")


@dataclass(frozen=True)
class Reference:
    """A normalised reference: full repository name, tag (None with a bare digest), digest."""

    name: str
    tag: str | None
    digest: str | None

    def __str__(self) -> str:
        text = self.name
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def parse_reference(ref: str) -> Reference | None:
    """Normalise ``ref``; None when it is not a valid reference."""
    remainder, _, digest = ref.partition("@")
    if digest and not _DIGEST.fullmatch(digest):
        return None
    name, tag = _split_tag(remainder)
    if tag is not None and not _TAG.fullmatch(tag):
        return None
    full = _normalise_name(name)
    if full is None:
        return None
    if tag is None and not digest:
        tag = "latest"
    return Reference(full, tag, digest or None)


def _split_tag(remainder: str) -> tuple[str, str | None]:
    colon = remainder.rfind(":")
    if colon > remainder.rfind("/"):
        return remainder[:colon], remainder[colon + 1 :]
    return remainder, None


def _normalise_name(name: str) -> str | None:
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        domain, path = first, rest
    else:
        domain, path = DEFAULT_DOMAIN, name
    if domain == "index.docker.io":
        domain = DEFAULT_DOMAIN
    if domain == DEFAULT_DOMAIN and "/" not in path:
        path = f"library/{path}"
    if not all(_COMPONENT.fullmatch(c) for c in path.split("/")):
        return None
    return f"{domain}/{path}"
