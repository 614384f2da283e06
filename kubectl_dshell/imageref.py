"""Image references checked as the kubelet will check them, before anything is added to a pod.

The API server accepts any image string without surrounding spaces; the kubelet then parses it with
the distribution/reference grammar and, on a bad one, leaves the container waiting forever in
InvalidImageName. Ephemeral containers cannot be removed, so a typo would stay in the pod: the same
grammar is applied here first.

    reference  := name [ ":" tag ] [ "@" digest ]
    name       := [ domain "/" ] path-component ( "/" path-component )*     (at most 255 characters)
    domain     := host [ ":" port ]          host: DNS labels joined by ".", or "[" IPv6 "]"
    path-component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
    tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
    digest     := algorithm ":" hex (32 or more; sha256: exactly 64, sha512: 128)
"""

from __future__ import annotations

import re

NAME_MAX = 255
_LABEL = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9a-fA-F:.]+\])"
DOMAIN = re.compile(rf"{_HOST}(?::[0-9]+)?")
COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
DIGEST = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}")
DIGEST_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
EXAMPLE = "busybox:1.36.1, or registry.example.com/tools/busybox@sha256:<64 hex digits>"


class BadImage(ValueError):
    """Why an image reference is not one."""


def _invalid(image: str, why: str) -> BadImage:
    return BadImage(why)


def _split(image: str) -> tuple[str, str | None, str | None]:
    """name, tag, digest (tag and digest None when absent)."""
    rest, _, digest = image.partition("@")
    if "@" not in image:
        digest = None
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        return rest[:colon], rest[colon + 1 :], digest
    return rest, None, digest


def _is_domain(first: str) -> bool:
    """Whether the first part of a name is a registry (as docker decides: a dot, a port or localhost)."""
    return "." in first or ":" in first or first == "localhost" or first != first.lower()


def check_image(image: str) -> str:
    """``image`` when the kubelet would accept it; else BadImage saying which rule it breaks."""
    if not image:
        raise _invalid(image, "it is empty")
    if any(c.isspace() for c in image) or not image.isprintable():
        raise _invalid(image, "it holds a space, a newline or another control character")
    name, tag, digest = _split(image)
    if digest is not None:
        if not DIGEST.fullmatch(digest):
            raise _invalid(image, f"{digest!r} is not a digest (ALGORITHM:HEX, as sha256: and 64 hex digits)")
        algorithm, _, hexa = digest.partition(":")
        wanted = DIGEST_LENGTHS.get(algorithm)
        if wanted is not None and len(hexa) != wanted:
            raise _invalid(image, f"a {algorithm} digest has {wanted} hex digits, not {len(hexa)}")
    if tag is not None and not TAG.fullmatch(tag):
        raise _invalid(image, f"{tag!r} is not a tag (letters, digits, _ . -, at most 128, not starting with . or -)")
    if len(name) > NAME_MAX:
        raise _invalid(image, f"the repository name is longer than {NAME_MAX} characters")
    parts = name.split("/")
    if len(parts) > 1 and _is_domain(parts[0]):
        if not DOMAIN.fullmatch(parts[0]):
            raise _invalid(image, f"{parts[0]!r} is not a registry host[:port]")
        parts = parts[1:]
    for part in parts:
        if part and COMPONENT.fullmatch(part.lower()) and part != part.lower():
            raise _invalid(image, "the repository name must be lower case")
        if not COMPONENT.fullmatch(part):
            raise _invalid(image, f"{part!r} is not a repository name part (lower-case letters and digits, "
                           "joined by . _ __ or -)")
    if re.fullmatch(r"[0-9a-f]{64}", name):
        raise _invalid(image, "a 64-digit hex string is an image id, not a repository name")
    return image
