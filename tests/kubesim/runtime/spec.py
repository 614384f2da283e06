"""What the kubelet hands the node runtime: fully resolved, nothing left for the runtime to decide.

The kubelet turns a pod's container into a :class:`ContainerSpec` (argv from command/args and the
image's entrypoint/cmd, env with every valueFrom resolved, uid/gid from the securityContext or the
image's user, the capability set after add/drop/privileged, mounts of prepared volume folders); the
runtime makes a process of it exactly as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# The capabilities containerd grants a container by default (containerd's oci.defaultUnixCaps).
DEFAULT_CAPS: frozenset[str] = frozenset(
    {
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_FSETID",
        "CAP_FOWNER",
        "CAP_MKNOD",
        "CAP_NET_RAW",
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SETFCAP",
        "CAP_SETPCAP",
        "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT",
        "CAP_KILL",
        "CAP_AUDIT_WRITE",
    }
)


@dataclass(frozen=True)
class ImageConfig:
    """A local image: its root filesystem folder and its OCI config."""

    name: str  # the canonical reference, e.g. "docker.io/library/busybox:1.36.1"
    digest: str  # "sha256:<64 hex>", stable for the same content
    rootfs: Path  # a read-only lower folder for overlayfs
    user: str = ""  # the image's USER: "" (root), "65532:65532", "65532"
    env: tuple[str, ...] = ()  # "KEY=VALUE"
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    workdir: str = "/"


@dataclass(frozen=True)
class Mount:
    """A host file or folder bound into the container (volumes, /etc/hosts, /etc/resolv.conf, ...)."""

    source: Path
    target: str
    readonly: bool = False


@dataclass
class ContainerSpec:
    """One container, resolved."""

    id: str  # 64 lowercase hex, unique
    name: str
    image: ImageConfig
    argv: list[str]
    env: list[str]  # "KEY=VALUE", final order; includes PATH etc. from the image and HOSTNAME
    cwd: str
    uid: int
    gid: int
    groups: list[int] = field(default_factory=list)  # supplementary gids
    caps: frozenset[str] = DEFAULT_CAPS  # the bounding/permitted/effective set for uid 0
    no_new_privs: bool = False  # allowPrivilegeEscalation: false
    readonly_rootfs: bool = False
    privileged: bool = False  # all capabilities, host devices, /sys read-write
    mounts: list[Mount] = field(default_factory=list)
    # "container": a PID namespace of its own (the main process is PID 1);
    # "pod": the sandbox's shared PID namespace (shareProcessNamespace);
    # "target:<container id>": the PID namespace of that running container (ephemeral targetContainerName).
    pid_mode: str = "container"
    stdin: bool = False
    stdin_once: bool = False
    tty: bool = False
    log_path: Path | None = None  # CRI-format log file the runtime appends stdout/stderr to
