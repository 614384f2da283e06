"""krew's rules for a plugin manifest, as krew and the krew-index repository apply them.

Three sources, each rule with its message: krew's own validation (internal/index/validation,
run on every install), krew-index's CI (cmd/validate-krew-manifest: supported platforms, no
overlap, a license among the installed files) and the krew-index maintainers' review guidance
(shortDescription of at most 50 characters, description lines of at most 80). ``problems``
returns every finding, so a test or the release workflow sees all of them at once.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from . import selectors
from .platforms import Platform

API_VERSION = "krew.googlecontainertools.github.com/v1alpha2"
KIND = "Plugin"
SAFE_NAME = re.compile(r"^[\w-]+$", re.ASCII)
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
SHA256 = re.compile(r"^[a-f0-9]{64}$")
# Strict semver with krew's required leading "v" (krew parses with k8s.io/apimachinery's ParseSemantic).
_IDENT = r"(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)"
SEMVER = re.compile(
    rf"^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-{_IDENT}(?:\.{_IDENT})*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)
SHORT_DESCRIPTION_MAX = 50
LINE_MAX = 80
# validate-krew-manifest's list of the os/arch pairs krew runs on.
SUPPORTED = tuple(
    Platform(os, arch)
    for os, arches in (("windows", "386 amd64 arm64"), ("linux", "386 amd64 arm arm64 ppc64le"),
                       ("darwin", "386 amd64 arm64"))
    for arch in arches.split()
)
LICENSE_NAMES = {"license", "license.txt", "license.md", "licenses", "licenses.txt", "licenses.md", "copying",
                 "copying.txt"}

Manifest = Mapping[str, Any]


def _spec(manifest: Manifest) -> Mapping[str, Any]:
    return manifest.get("spec") or {}


def header_problems(manifest: Manifest, file_name: str) -> list[str]:
    """apiVersion, kind, and a safe name equal to the file's name (``dshell.yaml`` -> ``dshell``)."""
    found = []
    if manifest.get("apiVersion") != API_VERSION:
        found.append(f"plugin manifest has apiVersion={manifest.get('apiVersion')!r}, "
                     f"not supported in this version of krew (want {API_VERSION})")
    if manifest.get("kind") != KIND:
        found.append(f"plugin manifest has kind={manifest.get('kind')!r}, but only {KIND!r} is supported")
    stem, ext = posixpath.splitext(file_name)
    if ext != ".yaml":
        found.append(f"expected manifest extension '.yaml' but found {ext!r}")
    if not SAFE_NAME.match(stem) or stem.upper() in WINDOWS_RESERVED:
        found.append(f"the plugin name {stem!r} is not allowed, must match {SAFE_NAME.pattern}")
    name = (manifest.get("metadata") or {}).get("name")
    if name != stem:
        found.append(f"plugin should be named {stem!r}, not {name!r}")
    return found


def text_problems(manifest: Manifest) -> list[str]:
    """shortDescription (one line, at most 50 characters), description, caveats, homepage."""
    spec = _spec(manifest)
    short = spec.get("shortDescription") or ""
    found = []
    if not short:
        found.append("should have a short description")
    if "\n" in short or "\r" in short:
        found.append("should not have line breaks in short description")
    if len(short) > SHORT_DESCRIPTION_MAX:
        found.append(f"shortDescription has {len(short)} characters; "
                     f"krew-index asks for at most {SHORT_DESCRIPTION_MAX}")
    for field in ("description", "caveats", "homepage"):
        if not spec.get(field):
            found.append(f"should have a {field}")
    for field in ("description", "caveats"):
        found += [f"{field}: line longer than {LINE_MAX} characters: {line!r}"
                  for line in (spec.get(field) or "").splitlines() if len(line) > LINE_MAX and " " in line.strip()]
    return found


def version_problems(manifest: Manifest) -> list[str]:
    """A ``v`` and a strict semantic version."""
    version = str(_spec(manifest).get("version") or "")
    if not version:
        return ["should have a version specified"]
    if not version.startswith("v"):
        return [f"version string {version!r} not starting with 'v'"]
    if not SEMVER.match(version):
        return [f"failed to parse plugin version {version!r}: not a semantic version"]
    return []


def file_problems(files: Any) -> list[str]:
    """``files``: absent, or non-empty operations with ``from`` and a clean ``to``."""
    if files is None:
        return []
    if not files:
        return ["`files` has to be unspecified or non-empty"]
    found = []
    for op in files:
        if not op.get("from"):
            found.append("`from` field has to be set")
        to = op.get("to")
        if not to:
            found.append("`to` field has to be set")
        elif posixpath.normpath(to) != to:
            found.append(f"the provided path is not clean, {to!r} should be {posixpath.normpath(to)!r}")
    return found


def installed_bin(install_dir: str, bin_path: str) -> str | None:
    """Where krew looks for ``bin``: joined to the install folder (an absolute ``bin`` too, as Go's
    filepath.Join does); None when that is not inside the folder."""
    joined = os.path.normpath(os.path.join(install_dir, bin_path.lstrip("/\\")))
    return joined if joined.startswith(os.path.join(os.path.normpath(install_dir), "")) else None


def bin_problems(bin_path: str) -> list[str]:
    """``bin`` set, and inside the install folder."""
    if not bin_path:
        return ["`bin` has to be set"]
    if installed_bin("install", bin_path) is None:
        return [f"bin {bin_path!r} is not inside the install folder"]
    return []


def platform_problems(platform: Mapping[str, Any]) -> list[str]:
    """One ``spec.platforms`` item: uri, a lowercase 64-hex sha256, bin, files, selector."""
    found = [] if platform.get("uri") else ["`uri` has to be set"]
    digest = platform.get("sha256")
    if digest in (None, ""):
        found.append("`sha256` sum has to be set")
    elif not isinstance(digest, str):
        found.append(f"`sha256` value {digest!r} is not a string: YAML read it as a {type(digest).__name__}")
    elif not SHA256.match(digest):
        found.append(f"`sha256` value {digest} is not valid, must match pattern {SHA256.pattern}")
    found += bin_problems(platform.get("bin") or "")
    found += file_problems(platform.get("files"))
    found += [f"invalid platform selector: {p}" for p in selectors.problems(platform.get("selector"))]
    return found


def matched(platforms: Iterable[Mapping[str, Any]], pair: Platform) -> list[int]:
    """Indexes of the platform items whose selector selects ``pair``."""
    labels = {"os": pair.os, "arch": pair.arch}
    return [i for i, p in enumerate(platforms) if p.get("selector") and selectors.matches(p["selector"], labels)]


def platform_set_problems(manifest: Manifest) -> list[str]:
    """Each item selects some supported os/arch; no os/arch is selected by two items."""
    platforms = _spec(manifest).get("platforms") or []
    if not platforms:
        return ["should have a platform specified"]
    found = []
    for i, platform in enumerate(platforms):
        found += [f"spec.platforms[{i}]: {p}" for p in platform_problems(platform)]
        if not any(i in matched(platforms, pair) for pair in SUPPORTED):
            found.append(f"spec.platforms[{i}]'s selector doesn't match any supported platforms")
    for pair in SUPPORTED:
        if len(hits := matched(platforms, pair)) > 1:
            found.append(f"multiple spec.platforms (at indexes {hits}) have overlapping selectors that select {pair}")
    return found


def release_problems(manifest: Manifest, tag: str, shipped: Iterable[Platform]) -> list[str]:
    """Ours: the version is the package's tag, and exactly the shipped platforms are offered."""
    shipped = tuple(shipped)
    found = []
    if _spec(manifest).get("version") != tag:
        found.append(f"version {_spec(manifest).get('version')!r} is not the package's {tag!r}")
    platforms = _spec(manifest).get("platforms") or []
    offered = {pair for pair in SUPPORTED if matched(platforms, pair)}
    found += [f"no platform for {pair}" for pair in shipped if pair not in offered]
    found += [f"{pair} is offered but no archive is built for it" for pair in sorted(offered - set(shipped), key=str)]
    return found


def problems(manifest: Manifest, file_name: str, tag: str, shipped: Iterable[Platform]) -> list[str]:
    """Every rule broken by ``manifest`` (read from ``file_name``) for release ``tag``."""
    return (header_problems(manifest, file_name) + text_problems(manifest) + version_problems(manifest)
            + platform_set_problems(manifest) + release_problems(manifest, tag, shipped))


def license_problems(install_root: Path) -> list[str]:
    """krew-index's check after installing: a LICENSE (or alike) among the installed regular files."""
    names = sorted(p.name for p in install_root.rglob("*") if p.is_file() and not p.is_symlink())
    if any(n.lower() in LICENSE_NAMES for n in names):
        return []
    return [f"LICENSE (or alike) file is not extracted from the archive as part of installation: "
            f"could not find license file among {names[:20]}"]
