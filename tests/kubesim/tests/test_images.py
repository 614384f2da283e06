"""The node's image store by name: retagging, as loading a retagged copy into a real node does."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.kubesim.runtime.images import Images
from tests.kubesim.runtime.spec import ImageConfig

APP = ImageConfig("gcr.io/distroless/static-debian12:nonroot", "sha256:" + "a" * 64, Path("/nonexistent"))
BUSYBOX = ImageConfig("docker.io/library/busybox:1.36.1", "sha256:" + "b" * 64, Path("/nonexistent"))
PAUSE = ImageConfig("registry.k8s.io/pause:3.10", "sha256:" + "c" * 64, Path("/nonexistent"))


def test_a_retagged_image_answers_only_to_its_new_name() -> None:
    images = Images([APP, BUSYBOX], PAUSE)
    images.retag("gcr.io/distroless/static-debian12:nonroot", "dshell-e2e.local/app:nonroot")
    image = images.resolve("dshell-e2e.local/app:nonroot")
    assert image is not None and (image.name, image.digest) == ("dshell-e2e.local/app:nonroot", APP.digest)
    assert images.resolve("gcr.io/distroless/static-debian12:nonroot") is None
    assert images.resolve("busybox") == BUSYBOX


def test_retagging_drops_the_old_names_aliases() -> None:
    images = Images([APP, BUSYBOX], PAUSE)
    images.retag("busybox:1.36.1", "example.local/tools:1")
    assert images.resolve("busybox:latest") is None
    assert images.resolve("example.local/tools:1").digest == BUSYBOX.digest  # type: ignore[union-attr]


@pytest.mark.parametrize("source,target", [("nginx:1", "x.local/a:1"), ("busybox:1.36.1", "Bad Name"),
                                           ("busybox:1.36.1", "x.local/a@sha256:" + "0" * 64)])
def test_retagging_needs_an_existing_image_and_a_tag(source: str, target: str) -> None:
    with pytest.raises(ValueError, match="cannot retag"):
        Images([APP, BUSYBOX], PAUSE).retag(source, target)
