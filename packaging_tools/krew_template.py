"""Rendering ``krew/.krew.yaml`` as krew-release-bot does at release time.

The bot runs the file through Go's text/template with ``.TagName`` set to the release's tag and one
function, ``addURIAndSha "URL" .TagName``: it renders the URL with the same tag, downloads it, and
writes ``uri: URL`` and, on the next line indented by four spaces, ``sha256: SUM``. Only these two
actions are supported here; anything else in ``{{ }}`` is an error, so the template cannot come to
rely on something this renderer (and so the tests) does not understand.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping

TAG = re.compile(r"\{\{\s*\.TagName\s*\}\}")
ADD_URI_AND_SHA = re.compile(r'\{\{\s*addURIAndSha\s+"((?:[^"\\]|\\.)*)"\s+\.TagName\s*\}\}')


class TemplateError(ValueError):
    """The template uses something the bot would not render the same way, or an asset is missing."""


def urls(template: str, tag: str) -> list[str]:
    """The release asset URLs the template names, rendered for ``tag``."""
    return [TAG.sub(tag, m.group(1)) for m in ADD_URI_AND_SHA.finditer(template)]


def render(template: str, tag: str, sums: Mapping[str, str]) -> str:
    """The manifest for release ``tag``; ``sums`` maps each asset's file name to its sha256."""

    def uri_and_sha(match: re.Match[str]) -> str:
        url = TAG.sub(tag, match.group(1))
        name = posixpath.basename(url)
        if name not in sums:
            raise TemplateError(f"no sha256 for {name} (the bot would fail to download {url})")
        return f"uri: {url}\n    sha256: {sums[name]}"

    text = TAG.sub(tag, ADD_URI_AND_SHA.sub(uri_and_sha, template))
    if "{{" in text:
        line = next(line for line in text.splitlines() if "{{" in line)
        raise TemplateError(f"unsupported template action: {line.strip()}")
    return text
