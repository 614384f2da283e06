"""Pod volumes and kubelet-managed files, laid out on the host as the kubelet does.

configMap, secret and projected volumes use the kubelet's AtomicWriter layout: the payload in a
timestamped folder, a ``..data`` symlink to it, and one relative symlink per key
(``app.yaml -> ..data/app.yaml``), so tools that read them meet real symlinks.
"""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path

from ..runtime.network import CLUSTER_DNS
from .containers import ConfigError, PodContext


def write_atomic_payload(folder: Path, files: dict[str, tuple[bytes, int]]) -> None:
    """Write {relative path: (content, mode)} in the AtomicWriter layout under folder."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("..%Y_%m_%d_%H_%M_%S", time.gmtime()) + f".{os.getpid() % 100000000:08d}"
    data_dir = folder / stamp
    data_dir.mkdir()
    os.chmod(data_dir, 0o755)
    for rel, (content, mode) in files.items():
        target = data_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        os.chmod(target, mode)
    os.symlink(stamp, folder / "..data")
    for top in sorted({rel.split("/")[0] for rel in files}):
        os.symlink(f"..data/{top}", folder / top)


def _key_items(source: dict, data: dict[str, bytes], default_mode: int, kind: str, name: str) -> dict[str, tuple[bytes, int]]:
    """Select keys (items with path/mode) or all keys, as configMap/secret volume sources do."""
    items = source.get("items")
    if not items:
        return {k: (v, default_mode) for k, v in data.items()}
    out = {}
    for item in items:
        if item["key"] not in data:
            if source.get("optional"):
                continue
            raise ConfigError(f"configmap references non-existent config key: {item['key']}" if kind == "configmap"
                              else f"references non-existent secret key: {item['key']}")
        out[item["path"]] = (data[item["key"]], int(item.get("mode", default_mode)))
    return out


def _configmap_files(ctx: PodContext, source: dict) -> dict[str, tuple[bytes, int]]:
    name = source["name"]
    cm = ctx.configmaps.get(name)
    if cm is None:
        if source.get("optional"):
            return {}
        raise ConfigError(f'configmap "{name}" not found')
    data = {k: v.encode() for k, v in (cm.get("data") or {}).items()}
    data.update({k: base64.b64decode(v) for k, v in (cm.get("binaryData") or {}).items()})
    return _key_items(source, data, int(source.get("defaultMode", 0o644)), "configmap", name)


def _secret_files(ctx: PodContext, source: dict) -> dict[str, tuple[bytes, int]]:
    name = source.get("secretName") or source.get("name")
    sec = ctx.secrets.get(name)
    if sec is None:
        if source.get("optional"):
            return {}
        raise ConfigError(f'secret "{name}" not found')
    data = {k: base64.b64decode(v) for k, v in (sec.get("data") or {}).items()}
    return _key_items(source, data, int(source.get("defaultMode", 0o644)), "secret", name)


def _projected_files(ctx: PodContext, source: dict, ca_pem: bytes) -> dict[str, tuple[bytes, int]]:
    mode = int(source.get("defaultMode", 0o644))
    files: dict[str, tuple[bytes, int]] = {}
    for part in source.get("sources") or []:
        if "serviceAccountToken" in part:
            files[part["serviceAccountToken"].get("path", "token")] = (_fake_token(ctx), mode)
        elif "configMap" in part:
            sub = dict(part["configMap"], defaultMode=mode)
            files.update(_configmap_files(ctx, sub))
        elif "secret" in part:
            sub = dict(part["secret"], defaultMode=mode)
            files.update(_secret_files(ctx, sub))
        elif "downwardAPI" in part:
            for item in part["downwardAPI"].get("items") or []:
                path = item.get("fieldRef", {}).get("fieldPath", "")
                value = ctx.pod["metadata"].get("namespace", "default") if path == "metadata.namespace" else ""
                files[item["path"]] = (value.encode(), mode)
    if "ca.crt" in files:
        files["ca.crt"] = (ca_pem, files["ca.crt"][1])
    return files


def _fake_token(ctx: PodContext) -> bytes:
    """A JWT-shaped token; nothing accepts it (the simulator authenticates by its own tokens)."""
    def b64(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

    meta = ctx.pod["metadata"]
    claims = {"sub": f"system:serviceaccount:{meta.get('namespace', 'default')}:"
                     f"{ctx.pod['spec'].get('serviceAccountName', 'default')}", "iss": "kubesim"}
    return f"{b64({'alg': 'none'})}.{b64(claims)}.".encode()


def prepare_volumes(ctx: PodContext, root: Path, ca_pem: bytes) -> dict[str, Path]:
    """Make every volume of the pod under root; returns volume name -> host folder."""
    paths: dict[str, Path] = {}
    fs_group = (ctx.pod["spec"].get("securityContext") or {}).get("fsGroup")
    for vol in ctx.pod["spec"].get("volumes") or []:
        folder = root / vol["name"]
        if "emptyDir" in vol:
            folder.mkdir(parents=True, exist_ok=True)
            os.chmod(folder, 0o777)
        elif "configMap" in vol:
            write_atomic_payload(folder, _configmap_files(ctx, vol["configMap"]))
        elif "secret" in vol:
            write_atomic_payload(folder, _secret_files(ctx, vol["secret"]))
        elif "projected" in vol:
            write_atomic_payload(folder, _projected_files(ctx, vol["projected"], ca_pem))
        else:
            kind = next((k for k in vol if k != "name"), "unknown")
            raise ConfigError(f'volume "{vol["name"]}": volume type {kind} is not supported by kubesim')
        if fs_group is not None:
            _apply_fs_group(folder, int(fs_group))
        paths[vol["name"]] = folder
    return paths


def _apply_fs_group(folder: Path, gid: int) -> None:
    """SetVolumeOwnership: group-own everything, group-readable files, setgid folders."""
    for dirpath, dirnames, filenames in os.walk(folder):
        os.chown(dirpath, -1, gid)
        os.chmod(dirpath, os.stat(dirpath).st_mode | 0o2070)
        for f in filenames:
            p = os.path.join(dirpath, f)
            os.chown(p, -1, gid)
            os.chmod(p, os.stat(p).st_mode | 0o040)


def write_etc_files(folder: Path, pod: dict, pod_ip: str) -> dict[str, Path]:
    """/etc/hosts, /etc/hostname and /etc/resolv.conf as the kubelet writes them."""
    folder.mkdir(parents=True, exist_ok=True)
    meta = pod["metadata"]
    name, ns = meta["name"], meta.get("namespace", "default")
    hostname = pod["spec"].get("hostname") or name
    hosts = (
        "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        "fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n"
        f"{pod_ip}\t{hostname}\n"
    )
    resolv = (
        f"search {ns}.svc.cluster.local svc.cluster.local cluster.local\n"
        f"nameserver {CLUSTER_DNS}\noptions ndots:5\n"
    )
    files = {"/etc/hosts": hosts, "/etc/hostname": hostname + "\n", "/etc/resolv.conf": resolv}
    out = {}
    for target, text in files.items():
        path = folder / target.rsplit("/", 1)[1]
        path.write_text(text)
        os.chmod(path, 0o644)
        out[target] = path
    return out
