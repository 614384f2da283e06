"""Resolve a pod's container into the runtime's ContainerSpec, as kubelet and containerd would.

Pure functions: the pod, the container, the image and looked-up Secrets/ConfigMaps in; a spec (or a
ConfigError with the kubelet's message) out.
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from ..runtime.network import KUBERNETES_SERVICE_IP
from ..runtime.spec import DEFAULT_CAPS, ContainerSpec, ImageConfig, Mount

# The env vars the kubelet adds for the `kubernetes` service in the default namespace.
SERVICE_ENV = (
    ("KUBERNETES_SERVICE_HOST", KUBERNETES_SERVICE_IP),
    ("KUBERNETES_SERVICE_PORT", "443"),
    ("KUBERNETES_SERVICE_PORT_HTTPS", "443"),
    ("KUBERNETES_PORT", f"tcp://{KUBERNETES_SERVICE_IP}:443"),
    ("KUBERNETES_PORT_443_TCP", f"tcp://{KUBERNETES_SERVICE_IP}:443"),
    ("KUBERNETES_PORT_443_TCP_PROTO", "tcp"),
    ("KUBERNETES_PORT_443_TCP_PORT", "443"),
    ("KUBERNETES_PORT_443_TCP_ADDR", KUBERNETES_SERVICE_IP),
)

ALL_CAPS = frozenset(
    "CAP_" + n
    for n in (
        "CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP "
        "LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER "
        "SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE "
        "SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP "
        "MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF "
        "CHECKPOINT_RESTORE"
    ).split()
)


class ConfigError(Exception):
    """The container cannot be created: the kubelet reports CreateContainerConfigError with this message."""


@dataclass
class PodContext:
    """What resolution needs beyond the pod: objects and host paths the kubelet prepared."""

    pod: dict
    pod_ip: str
    node_name: str
    volume_paths: dict[str, Path]  # volume name -> host folder
    etc_files: dict[str, Path]  # "/etc/hosts", "/etc/hostname", "/etc/resolv.conf" -> host file
    secrets: dict[str, dict]  # name -> Secret object (missing: absent)
    configmaps: dict[str, dict]


def new_container_id() -> str:
    """A 64-hex container id, as containerd makes them."""
    return secrets.token_hex(32)


def security_value(pod: dict, container: dict, key: str):
    """A securityContext field: the container's, else the pod's (for the fields both have)."""
    own = (container.get("securityContext") or {}).get(key)
    if own is not None:
        return own
    return (pod["spec"].get("securityContext") or {}).get(key)


def pod_ref(pod: dict) -> str:
    """The kubelet's format.Pod: name_namespace(uid)."""
    meta = pod["metadata"]
    return f"{meta['name']}_{meta.get('namespace', 'default')}({meta.get('uid', '')})"


def image_user(image: ImageConfig) -> tuple[str, str]:
    """The image's USER split into (user, group) strings; ("", "") for root."""
    user, _, group = image.user.partition(":")
    return user, group


def _passwd(image: ImageConfig) -> list[list[str]]:
    """The image's /etc/passwd entries (name, x, uid, gid, gecos, home, shell) with numeric ids."""
    path = image.rootfs / "etc" / "passwd"
    if not path.is_file():
        return []
    rows = [line.split(":") for line in path.read_text(errors="replace").splitlines()]
    return [r for r in rows if len(r) >= 6 and r[2].isdigit() and r[3].isdigit()]


def _passwd_lookup(image: ImageConfig, user: str) -> tuple[int, int, str] | None:
    """(uid, gid, home) of a user name or numeric id in the image's /etc/passwd."""
    for row in _passwd(image):
        if user in (row[0], row[2]):
            return int(row[2]), int(row[3]), row[5]
    return None


def _image_groups(image: ImageConfig, uid: int) -> list[int]:
    """Supplementary groups of a user in the image's /etc/group (containerd merges them)."""
    names = {row[0] for row in _passwd(image) if row[2] == str(uid)}
    path = image.rootfs / "etc" / "group"
    if not names or not path.is_file():
        return []
    groups = []
    for line in path.read_text(errors="replace").splitlines():
        fields = line.split(":")
        if len(fields) >= 4 and fields[2].isdigit() and names & set(fields[3].split(",")):
            groups.append(int(fields[2]))
    return groups


def resolve_identity(pod: dict, container: dict, image: ImageConfig) -> tuple[int, int, list[int]]:
    """uid, gid and supplementary groups; ConfigError where the kubelet refuses runAsNonRoot."""
    run_as_user = security_value(pod, container, "runAsUser")
    run_as_group = security_value(pod, container, "runAsGroup")
    img_user, img_group = image_user(image)
    if run_as_user is not None:
        uid = int(run_as_user)
    elif img_user == "" or img_user.isdigit():
        uid = int(img_user or 0)
    else:
        entry = _passwd_lookup(image, img_user)
        uid = entry[0] if entry else 0
    _check_non_root(pod, container, run_as_user, img_user, uid)
    if run_as_group is not None:
        gid = int(run_as_group)
    elif img_group.isdigit():
        gid = int(img_group)
    else:
        entry = _passwd_lookup(image, str(uid))
        gid = entry[1] if entry else 0
    pod_sc = pod["spec"].get("securityContext") or {}
    groups = [int(g) for g in pod_sc.get("supplementalGroups") or []]
    if pod_sc.get("fsGroup") is not None:
        groups.append(int(pod_sc["fsGroup"]))
    groups += _image_groups(image, uid)
    return uid, gid, sorted(set(groups) - {gid})


def _check_non_root(pod: dict, container: dict, run_as_user, img_user: str, uid: int) -> None:
    """The kubelet's verifyRunAsNonRoot."""
    if not security_value(pod, container, "runAsNonRoot"):
        return
    where = f"(pod: {pod_ref(pod)!r}, container: {container['name']})".replace("'", '"')
    if run_as_user is not None and uid == 0:
        raise ConfigError(f"container's runAsUser breaks non-root policy {where}")
    if run_as_user is None and img_user and not img_user.isdigit():
        raise ConfigError(
            f"container has runAsNonRoot and image has non-numeric user ({img_user}), "
            f"cannot verify user is non-root {where}"
        )
    if uid == 0:
        raise ConfigError(f"container has runAsNonRoot and image will run as root {where}")


def resolve_caps(container: dict) -> tuple[frozenset[str], bool]:
    """Capability set and privileged flag: containerd's defaults with add/drop applied."""
    sc = container.get("securityContext") or {}
    if sc.get("privileged"):
        return ALL_CAPS, True
    caps_spec = sc.get("capabilities") or {}
    drop = {_cap(c) for c in caps_spec.get("drop") or []}
    add = {_cap(c) for c in caps_spec.get("add") or []}
    base = set() if "CAP_ALL" in drop else set(DEFAULT_CAPS) - drop
    if "CAP_ALL" in add:
        return ALL_CAPS, False
    return frozenset(base | add), False


def _cap(name: str) -> str:
    name = name.upper()
    return name if name.startswith("CAP_") else "CAP_" + name


def _key_value(ctx: PodContext, kind: str, name: str, key: str, optional: bool) -> str | None:
    """One key of a Secret or ConfigMap (a secretKeyRef or configMapKeyRef), as the kubelet resolves it."""
    objects = ctx.secrets if kind == "Secret" else ctx.configmaps
    obj = objects.get(name)
    data = (obj or {}).get("data") or {}
    if key in data:
        value = data[key]
        return base64.b64decode(value).decode("utf-8", errors="surrogateescape") if kind == "Secret" else value
    if optional:
        return None
    if obj is None:
        raise ConfigError(f'{kind.lower()} "{name}" not found')
    namespace = ctx.pod["metadata"].get("namespace", "default")
    raise ConfigError(f"couldn't find key {key} in {kind} {namespace}/{name}")


def _field_value(ctx: PodContext, path: str) -> str:
    meta, pod = ctx.pod["metadata"], ctx.pod
    simple = {
        "metadata.name": meta.get("name", ""),
        "metadata.namespace": meta.get("namespace", "default"),
        "metadata.uid": meta.get("uid", ""),
        "spec.nodeName": ctx.node_name,
        "spec.serviceAccountName": pod["spec"].get("serviceAccountName", "default"),
        "status.podIP": ctx.pod_ip,
        "status.podIPs": ctx.pod_ip,
        "status.hostIP": "127.0.0.1",
        "status.hostIPs": "127.0.0.1",
    }
    if path in simple:
        return simple[path]
    m = re.fullmatch(r"metadata\.(labels|annotations)\['(.+)'\]", path)
    if m:
        return (meta.get(m.group(1)) or {}).get(m.group(2), "")
    raise ConfigError(f"unsupported fieldRef {path}")


def _resource_value(container: dict, ref: dict) -> str:
    """resourceFieldRef: with no limits set the kubelet reports the node's allocatable."""
    resource = ref.get("resource", "")
    limits = (container.get("resources") or {}).get("limits") or {}
    if resource.startswith("limits.") and resource[7:] in limits:
        return str(limits[resource[7:]])
    return {"limits.cpu": "2", "limits.memory": str(24 * 1024**3)}.get(resource, "0")


def resolve_env(ctx: PodContext, container: dict) -> list[tuple[str, str]]:
    """The container's env from envFrom and env (later wins), in the kubelet's order."""
    out: dict[str, str] = {}
    for source in container.get("envFrom") or []:
        prefix = source.get("prefix", "")
        if "configMapRef" in source:
            ref = source["configMapRef"]
            cm = ctx.configmaps.get(ref["name"])
            if cm is None and not ref.get("optional"):
                raise ConfigError(f'configmap "{ref["name"]}" not found')
            for k, v in ((cm or {}).get("data") or {}).items():
                out[prefix + k] = v
        if "secretRef" in source:
            ref = source["secretRef"]
            sec = ctx.secrets.get(ref["name"])
            if sec is None and not ref.get("optional"):
                raise ConfigError(f'secret "{ref["name"]}" not found')
            for k, v in ((sec or {}).get("data") or {}).items():
                out[prefix + k] = base64.b64decode(v).decode("utf-8", errors="surrogateescape")
    for var in container.get("env") or []:
        value = _env_var_value(ctx, container, var, out)
        if value is not None:
            out[var["name"]] = value
    return list(out.items())


def _env_var_value(ctx: PodContext, container: dict, var: dict, defined: dict[str, str]) -> str | None:
    if "valueFrom" not in var:
        return expand(var.get("value", ""), defined)
    src = var["valueFrom"]
    if "secretKeyRef" in src:
        ref = src["secretKeyRef"]
        return _key_value(ctx, "Secret", ref["name"], ref["key"], bool(ref.get("optional")))
    if "configMapKeyRef" in src:
        ref = src["configMapKeyRef"]
        return _key_value(ctx, "ConfigMap", ref["name"], ref["key"], bool(ref.get("optional")))
    if "fieldRef" in src:
        return _field_value(ctx, src["fieldRef"]["fieldPath"])
    if "resourceFieldRef" in src:
        return _resource_value(container, src["resourceFieldRef"])
    return ""


_VAR_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


def expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes $(VAR) expansion: defined names are replaced, $$ escapes, others stay as written."""

    def repl(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1), m.group(0))

    return _VAR_REF.sub(repl, text)


def resolve_argv(container: dict, image: ImageConfig, env: dict[str, str]) -> list[str]:
    """command/args over the image's entrypoint/cmd, as the kubelet combines them."""
    command = container.get("command")
    args = container.get("args")
    if command:
        argv = list(command) + list(args or [])
    elif args:
        argv = list(image.entrypoint) + list(args)
    else:
        argv = list(image.entrypoint) + list(image.cmd)
    if command or args:
        argv = [expand(a, env) for a in argv]
    return argv


def process_env(image: ImageConfig, hostname: str, home: str, pairs: list[tuple[str, str]]) -> list[str]:
    """containerd's order: image env, HOSTNAME, then the CRI env (overriding same names); HOME last if unset."""
    merged: dict[str, str] = {}
    for item in image.env:
        k, _, v = item.partition("=")
        merged[k] = v
    merged["HOSTNAME"] = hostname
    for k, v in pairs:
        merged[k] = v
    merged.setdefault("HOME", home)
    return [f"{k}={v}" for k, v in merged.items()]


def resolve_mounts(ctx: PodContext, container: dict) -> list[Mount]:
    """Volume mounts plus the kubelet-managed /etc files and the termination log."""
    mounts = []
    for vm in container.get("volumeMounts") or []:
        source = ctx.volume_paths.get(vm["name"])
        if source is None:
            raise ConfigError(f'cannot find volume "{vm["name"]}" to mount into container "{container["name"]}"')
        if vm.get("subPath"):
            source = source / vm["subPath"]
        mounts.append(Mount(source=source, target=vm["mountPath"], readonly=bool(vm.get("readOnly"))))
    targets = {m.target for m in mounts}
    for target, source in ctx.etc_files.items():
        if target not in targets:
            mounts.append(Mount(source=source, target=target))
    return mounts


def build_spec(
    ctx: PodContext,
    container: dict,
    image: ImageConfig,
    *,
    pid_mode: str,
    log_path: Path,
    termination_log: Path,
) -> ContainerSpec:
    """The full ContainerSpec for one container (regular or ephemeral)."""
    pod = ctx.pod
    uid, gid, groups = resolve_identity(pod, container, image)
    caps, privileged = resolve_caps(container)
    pairs = resolve_env(ctx, container)
    defined = {k for k, _ in pairs}
    pairs += [(k, v) for k, v in SERVICE_ENV if k not in defined]  # the master service: always added
    entry = _passwd_lookup(image, str(uid))
    home = entry[2] if entry else "/"
    env_list = process_env(image, pod["metadata"]["name"], home, pairs)
    sc = container.get("securityContext") or {}
    mounts = resolve_mounts(ctx, container)
    mounts.append(Mount(source=termination_log, target=container.get("terminationMessagePath") or "/dev/termination-log"))
    return ContainerSpec(
        id=new_container_id(),
        name=container["name"],
        image=image,
        argv=resolve_argv(container, image, dict(pairs)),
        env=env_list,
        cwd=container.get("workingDir") or image.workdir or "/",
        uid=uid,
        gid=gid,
        groups=groups,
        caps=caps,
        no_new_privs=sc.get("allowPrivilegeEscalation") is False and not privileged,
        readonly_rootfs=bool(sc.get("readOnlyRootFilesystem")),
        privileged=privileged,
        mounts=mounts,
        pid_mode=pid_mode,
        stdin=bool(container.get("stdin")),
        stdin_once=bool(container.get("stdinOnce")),
        tty=bool(container.get("tty")),
        log_path=log_path,
    )
