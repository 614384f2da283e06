"""The simulated registry's images: distroless static (nonroot and root), busybox, and pause."""

from __future__ import annotations

import os
import subprocess
from functools import partial
from pathlib import Path

from .imagefs import Recipe, copy_file, make_dir, write_file

BUSYBOX_BINARY = Path("/usr/bin/busybox")
PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DISTROLESS = "gcr.io/distroless/static-debian12"
BUSYBOX = "docker.io/library/busybox:1.36.1"
PAUSE = "registry.k8s.io/pause:3.10"
NONROOT = 65532

DISTROLESS_PASSWD = """\
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
"""
DISTROLESS_GROUP = "root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n"
DISTROLESS_NSSWITCH = """\
passwd:         files
group:          files
shadow:         files
gshadow:        files

hosts:          files dns
networks:       files

protocols:      files
services:       files
ethers:         files
rpc:            files
"""
DISTROLESS_OS_RELEASE = """\
PRETTY_NAME="Distroless"
NAME="Debian GNU/Linux"
ID="debian"
VERSION_ID="12"
VERSION="Debian GNU/Linux 12 (bookworm)"
HOME_URL="https://github.com/GoogleContainerTools/distroless"
SUPPORT_URL="https://github.com/GoogleContainerTools/distroless/blob/master/README.md"
BUG_REPORT_URL="https://github.com/GoogleContainerTools/distroless/issues/new"
"""
# Any PEM text serves: nothing in the simulator verifies TLS against it.
PLACEHOLDER_CA = """\
-----BEGIN CERTIFICATE-----
a3ViZXNpbSBwbGFjZWhvbGRlciBDQSBidW5kbGU7IG5vdCBhIHJlYWwgY2VydGlmaWNhdGUK
-----END CERTIFICATE-----
"""
# A TZif v1 file for UTC (no transitions, one type, abbreviation "UTC").
UTC_TZIF = (
    b"TZif" + b"\0" * 16 + (0).to_bytes(4, "big") * 2 + (0).to_bytes(4, "big") * 2
    + (1).to_bytes(4, "big") + (4).to_bytes(4, "big") + b"\0\0\0\0\0\0" + b"UTC\0"
)
DPKG_STATUS = {
    "base-files": "Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\n",
    "netbase": "Package: netbase\nVersion: 6.4\nArchitecture: all\n",
    "tzdata": "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n",
}

BUSYBOX_PASSWD = """\
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
"""
BUSYBOX_GROUP = "".join(
    f"{name}:x:{gid}:{members}\n"
    for name, gid, members in (
        ("root", 0, ""), ("daemon", 1, ""), ("bin", 2, ""), ("sys", 3, ""), ("adm", 4, ""),
        ("tty", 5, ""), ("disk", 6, ""), ("lp", 7, ""), ("mail", 8, ""), ("kmem", 9, ""),
        ("wheel", 10, "root"), ("cdrom", 11, ""), ("dialout", 18, ""), ("floppy", 19, ""),
        ("video", 28, ""), ("audio", 29, ""), ("tape", 32, ""), ("www-data", 33, ""),
        ("operator", 37, ""), ("utmp", 43, ""), ("plugdev", 46, ""), ("staff", 50, ""),
        ("lock", 54, ""), ("netdev", 82, ""), ("users", 100, ""), ("nogroup", 65534, ""),
    )
)


def distroless(app: Path, *, tag: str, user: str) -> Recipe:
    """gcr.io/distroless/static-debian12 with a static /app as its entrypoint."""
    return Recipe(
        name=f"{DISTROLESS}:{tag}",
        user=user,
        env=(PATH_ENV, "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"),
        entrypoint=("/app",),
        cmd=(),
        workdir="/",
        populate=partial(_populate_distroless, app=app),
        inputs=(app,),
    )


def busybox() -> Recipe:
    """docker.io/library/busybox:1.36.1 (Debian's static busybox, every applet hard-linked)."""
    return Recipe(
        name=BUSYBOX, user="", env=(PATH_ENV,), entrypoint=(), cmd=("sh",), workdir="/",
        populate=_populate_busybox, inputs=(BUSYBOX_BINARY,),
    )


def pause(binary: Path) -> Recipe:
    """The sandbox image: only /pause, run as 65535 like registry.k8s.io/pause."""
    return Recipe(
        name=PAUSE, user="65535:65535", env=(PATH_ENV,), entrypoint=("/pause",), cmd=(),
        workdir="/", populate=partial(_populate_pause, binary=binary), inputs=(binary,),
    )


def _populate_distroless(root: Path, app: Path) -> None:
    copy_file(root, "app", app)
    write_file(root, "etc/passwd", DISTROLESS_PASSWD)
    write_file(root, "etc/group", DISTROLESS_GROUP)
    write_file(root, "etc/nsswitch.conf", DISTROLESS_NSSWITCH)
    write_file(root, "etc/os-release", DISTROLESS_OS_RELEASE)
    write_file(root, "etc/ssl/certs/ca-certificates.crt", PLACEHOLDER_CA)
    write_file(root, "usr/share/zoneinfo/UTC", UTC_TZIF)
    os.symlink("/usr/share/zoneinfo/UTC", root / "etc/localtime")  # absolute, as in distroless
    for package, status in DPKG_STATUS.items():
        write_file(root, f"var/lib/dpkg/status.d/{package}", status)
    make_dir(root, "tmp", 0o1777)
    make_dir(root, "root", 0o700)
    make_dir(root, "home/nonroot", 0o700, (NONROOT, NONROOT))


def _populate_busybox(root: Path) -> None:
    copy_file(root, "bin/busybox", BUSYBOX_BINARY)
    applets = subprocess.run(
        [str(BUSYBOX_BINARY), "--list-full"], capture_output=True, text=True, check=True
    ).stdout.split()
    for rel in applets:
        link = root / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            os.link(root / "bin/busybox", link)
    write_file(root, "etc/passwd", BUSYBOX_PASSWD)
    write_file(root, "etc/group", BUSYBOX_GROUP)
    make_dir(root, "tmp", 0o1777)
    make_dir(root, "root", 0o700)
    for folder in ("home", "var/spool/mail", "var/www", "usr/sbin", "usr/bin", "sbin"):
        make_dir(root, folder)


def _populate_pause(root: Path, binary: Path) -> None:
    copy_file(root, "pause", binary)
