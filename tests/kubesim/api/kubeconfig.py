"""kubeconfig files pointing clients at the simulator."""

from __future__ import annotations

import base64
from pathlib import Path

import yaml


def render(server: str, *, user: str, token: str, namespace: str, ca_pem: bytes | None) -> str:
    """A kubeconfig with one cluster, user and context (named ``kubesim``), as YAML."""
    cluster: dict = {"server": server}
    if ca_pem is not None:
        cluster["certificate-authority-data"] = base64.b64encode(ca_pem).decode()
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "kubesim", "cluster": cluster}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": "kubesim", "context": {"cluster": "kubesim", "user": user, "namespace": namespace}}],
        "current-context": "kubesim",
        "preferences": {},
    }
    return yaml.safe_dump(config, sort_keys=False)


def write(path: Path, server: str, *, user: str, token: str, namespace: str, ca_pem: bytes | None) -> None:
    """Write a kubeconfig file readable only by its owner (it holds a token)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(server, user=user, token=token, namespace=namespace, ca_pem=ca_pem))
    path.chmod(0o600)
