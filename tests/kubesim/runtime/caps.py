"""Capability names (as in ContainerSpec.caps) to the kernel's bit numbers."""

from __future__ import annotations

from collections.abc import Iterable

# Index = bit number (linux/capability.h).
CAPABILITIES = (
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
    "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
    "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
    "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
    "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
    "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
)
ALL_CAPS = (1 << 64) - 1  # the launcher keeps only what the host's permitted set has


class UnknownCapability(ValueError):
    """A capability name the kernel does not know."""


def cap_mask(names: Iterable[str]) -> int:
    """Bit mask of ``names`` ("CAP_SYS_PTRACE" or "SYS_PTRACE")."""
    mask = 0
    for name in names:
        short = name.upper().removeprefix("CAP_")
        if short not in CAPABILITIES:
            raise UnknownCapability(f'unknown capability "{name}"')
        mask |= 1 << CAPABILITIES.index(short)
    return mask
