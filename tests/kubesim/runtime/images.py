"""The node's local images, found by reference as containerd's image store finds them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from . import catalog
from .build import Helpers
from .imagefs import materialize
from .reference import parse_reference
from .spec import ImageConfig

# Tags that name the same image as another tag (the canonical one).
ALIASES = {"docker.io/library/busybox:latest": catalog.BUSYBOX}


class Images:
    """The images this node has; anything else fails to pull."""

    def __init__(self, images: list[ImageConfig], pause: ImageConfig):
        self._by_name = {image.name: image for image in images}
        self._aliases = dict(ALIASES)
        self.pause = pause

    def retag(self, source: str, target: str) -> None:
        """Make the image ``source`` names known as ``target`` instead (`docker tag` then `docker rmi` of
        the old name): pods naming ``source`` then fail to pull. Raises ValueError for a bad reference."""
        image, parsed = self.resolve(source), parse_reference(target)
        if image is None or parsed is None or parsed.tag is None or parsed.digest:
            raise ValueError(f"cannot retag {source!r} as {target!r}: an existing image and a NAME:TAG are needed")
        del self._by_name[image.name]
        self._aliases = {alias: name for alias, name in self._aliases.items() if name != image.name}
        renamed = replace(image, name=f"{parsed.name}:{parsed.tag}")
        self._by_name[renamed.name] = renamed

    def resolve(self, ref: str) -> ImageConfig | None:
        """The image ``ref`` names, or None (the kubelet then reports ErrImagePull)."""
        parsed = parse_reference(ref)
        if parsed is None:
            return None
        if parsed.tag is None:  # a bare digest: any local image with that content
            return next((i for i in self._by_name.values() if i.digest == parsed.digest), None)
        tagged = f"{parsed.name}:{parsed.tag}"
        image = self._by_name.get(self._aliases.get(tagged, tagged))
        if image is None or (parsed.digest and parsed.digest != image.digest):
            return None
        return image


def build_images(helpers: Helpers, cache_dir: Path) -> Images:
    """Build (or reuse from ``cache_dir``) every image of the simulated registry."""
    recipes = [
        catalog.distroless(helpers.app, tag="nonroot", user=f"{catalog.NONROOT}:{catalog.NONROOT}"),
        catalog.distroless(helpers.app, tag="latest", user=""),
        catalog.busybox(),
    ]
    cache_dir.mkdir(parents=True, exist_ok=True)
    pause = materialize(catalog.pause(helpers.pause), cache_dir)
    return Images([materialize(r, cache_dir) for r in recipes], pause)
