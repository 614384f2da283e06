"""Content negotiation: which of the API's special response forms an Accept header asks for."""

from __future__ import annotations


def _params(media: str) -> dict[str, str]:
    pairs = (p.split("=", 1) for p in media.split(";")[1:] if "=" in p)
    return {k.strip(): v.strip() for k, v in pairs}


def accepts(accept: str | None, **wanted: str) -> bool:
    """Whether some media range of ``accept`` carries all the ``wanted`` parameters (as=, g=, v=)."""
    return any(all(_params(media).get(k) == v for k, v in wanted.items()) for media in (accept or "").split(","))
