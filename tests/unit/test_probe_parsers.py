"""The probe parsers on real output captured from the simulator's busybox (tests/unit/fixtures)."""

from __future__ import annotations

from pathlib import Path

from kubectl_dshell.probes.environ import looks_secret, variables
from kubectl_dshell.probes.listing import parse_listing
from kubectl_dshell.probes.netchecks import parse_resolve
from kubectl_dshell.probes.netreport import parse_net
from kubectl_dshell.probes.processes import pod_owners, parse_processes, tree
from kubectl_dshell.probes.sections import parse_failure
from kubectl_dshell.probes.sockets import decode_address

from .pods import MESH

FIXTURES = Path(__file__).parent / "fixtures"
WEB_POD = {
    "spec": {
        "containers": [
            {
                "name": "app",
                "env": [
                    {"name": "PORT", "value": "8080"},
                    {"name": "GREETING", "value": "hello"},
                    {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                ],
            }
        ]
    }
}


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_env_tags_every_source_and_masks_the_secret() -> None:
    pid, _, environ = _fixture("env-web.bin").partition(b"\0")
    found = {v.name: v for v in variables(WEB_POD, "app", environ, reveal=False)}
    assert pid == b"1"
    assert [(n, v.source) for n, v in found.items()] == [
        ("PATH", "image"), ("SSL_CERT_FILE", "image"), ("HOSTNAME", "runtime"), ("PORT", "spec"),
        ("GREETING", "spec"), ("DB_PASSWORD", "secret"), ("KUBERNETES_SERVICE_HOST", "service"),
        ("KUBERNETES_SERVICE_PORT", "service"), ("KUBERNETES_SERVICE_PORT_HTTPS", "service"),
        ("KUBERNETES_PORT", "service"), ("KUBERNETES_PORT_443_TCP", "service"),
        ("KUBERNETES_PORT_443_TCP_PROTO", "service"), ("KUBERNETES_PORT_443_TCP_PORT", "service"),
        ("KUBERNETES_PORT_443_TCP_ADDR", "service"), ("HOME", "runtime"),
    ]
    assert (found["DB_PASSWORD"].value, found["DB_PASSWORD"].masked) == (None, True)
    revealed = {v.name: v for v in variables(WEB_POD, "app", environ, reveal=True)}
    assert revealed["DB_PASSWORD"].value == "s3cr3t-value"


def test_env_keeps_newlines_and_equals_and_reads_env_from() -> None:
    pod = {"spec": {"containers": [{"name": "app", "envFrom": [{"configMapRef": {"name": "c"}, "prefix": "CFG_"}]}]}}
    found = variables(pod, "app", b"CFG_A=x=y\nz\0API_TOKEN=t\0OTHER=1\0", reveal=False)
    assert [(v.name, v.value, v.source, v.masked) for v in found] == [
        ("CFG_A", "x=y\nz", "configmap", False), ("API_TOKEN", None, "image", True), ("OTHER", "1", "image", False),
    ]


def test_env_of_a_native_sidecar_is_tagged_from_its_own_spec() -> None:
    found = variables(MESH, "proxy", b"PROXY_MODE=sidecar\0SSL_CERT_FILE=/etc/ssl\0", reveal=False)
    assert [(v.name, v.source) for v in found] == [("PROXY_MODE", "spec"), ("SSL_CERT_FILE", "image")]


def test_secret_looking_names() -> None:
    assert [n for n in ("DB_PASSWORD", "API_KEY", "GITHUB_TOKEN", "PWD", "SSL_CERT_FILE", "MONKEY", "AWS_SECRET_ACCESS_KEY") if looks_secret(n)] == [
        "DB_PASSWORD", "API_KEY", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY"
    ]


def test_ps_attributes_containers_in_a_shared_pid_namespace() -> None:
    owners = pod_owners({"status": {}}, "app", "dshell-x")
    processes = parse_processes(_fixture("ps-two.bin"), owners)
    by_pid = {p.pid: p for p in processes}
    assert by_pid[1].command == ["/pause"] and by_pid[1].user == "65535"
    assert by_pid[2].command == ["/app"] and by_pid[2].user == "nonroot" and by_pid[2].uid == 65532
    assert by_pid[3].command == ["sleep", "1000000"]
    assert by_pid[4].command[:2] == ["sh", "-c"] and by_pid[4].command[2].startswith("state=${DSHELL_STATE")
    assert [depth for depth, _ in tree(processes)] == [0, 0, 0, 0, 1]


def test_ps_finds_the_target_by_its_container_id() -> None:
    data = _fixture("ps-web.bin")
    cgroup = next(line for line in data.split(b"\0") if b"kubepods" in line)
    cid = cgroup.split(b"/")[-1].split()[0].decode()
    pod = {"status": {"containerStatuses": [{"name": "app", "containerID": f"containerd://{cid}"}]}}
    target = [p for p in parse_processes(data, pod_owners(pod, "app", "dshell-x")) if p.role == "target"]
    assert [(p.pid, p.command, p.container) for p in target] == [(1, ["/app"], "app")]


def test_net_listeners_owners_udp_ipv6_and_checks() -> None:
    report = parse_net(_fixture("net-web.bin"), 2).as_dict()
    assert report["listening"] == [
        {"protocol": "tcp", "address": "0.0.0.0", "port": 8080, "pid": 1, "process": "/app"},
        {"protocol": "tcp6", "address": "::", "port": 8080, "pid": 1, "process": "/app"},
        {"protocol": "udp", "address": "0.0.0.0", "port": 5353, "pid": None, "process": None},  # no owner in the pod
        {"protocol": "udp6", "address": "::", "port": 5354, "pid": None, "process": None},
    ]
    assert sorted((c["local"], c["remote"], c["pid"]) for c in report["connections"]) == [
        ("127.0.0.1:52312", "127.0.0.1:8080", None), ("127.0.0.1:8080", "127.0.0.1:52312", 1),
    ]
    assert report["interfaces"][0] == {
        "name": "eth0", "addresses": ["10.244.0.2/24", "fe80::6c86:66ff:fe41:c935/64"], "mtu": 1500, "state": "up",
        "mac": "6e:86:66:41:c9:35",
    }
    assert report["routes"][0] == {"destination": "0.0.0.0/0", "gateway": "10.244.0.1", "interface": "eth0", "metric": 0}
    assert report["dns"]["nameservers"] == ["10.96.0.10"] and report["dns"]["options"] == ["ndots:5"]
    assert report["checks"] == [
        {"target": "127.0.0.1:8080", "ok": True, "error": None, "ms": 0},
        {"target": "127.0.0.1:9", "ok": False, "error": "can't connect to remote host (127.0.0.1): Connection refused", "ms": 10},
    ]
    assert report["resolves"][0]["ok"] is False


def test_ipv6_and_mapped_addresses_decode() -> None:
    assert decode_address("00000000000000000000000001000000:1F90") == ("::1", 8080)
    assert decode_address("0000000000000000FFFF00000100007F:0050") == ("127.0.0.1", 80)


def test_ls_keeps_odd_names_and_link_targets() -> None:
    listing = parse_listing(_fixture("ls-odd.bin"))
    assert listing.path == "/tmp/odd" and listing.folder
    assert [(e.name, e.type, e.link_target) for e in listing.entries] == [
        ("-dash", "file", None), ("abs", "symlink", "/etc/passwd"), ("bad\\xff", "file", None),
        ("dangling", "symlink", "../missing"), ("fifo", "fifo", None), ("new\nline", "file", None),
        ("sp ace", "file", None), ("sub", "dir", None), ("sub/deep", "file", None), ("ünï", "file", None),
    ]
    assert listing.entries[7].as_dict()["mode"] == "0755"


def test_ls_of_a_symlink_shows_the_link() -> None:
    listing = parse_listing(_fixture("ls-link.bin"))
    assert not listing.folder
    assert [(e.name, e.type, e.link_target) for e in listing.entries] == [("localtime", "symlink", "/usr/share/zoneinfo/UTC")]


def test_a_failure_report_keeps_its_subject_whole() -> None:
    failure = parse_failure(b"noise\ndshell-error\tmissing\t65532\t65532\t/a\tb\nc\n")
    assert failure is not None and (failure.kind, failure.uid, failure.subject) == ("missing", "65532", "/a\tb\nc")
    assert parse_failure(b"cat: read error\n") is None


def _nslookup(name: str, *answer: str, status: int = 0, error: str | None = None) -> str:
    """busybox 1.35 nslookup's output as the net probe wraps it (seen against the simulator's DNS)."""
    lines = [f"try {name}", "Server:\t\t10.96.0.10", "Address:\t10.96.0.10:53", ""]
    lines += [line for address in answer for line in (f"Name:\t{name}", f"Address: {address}", "")]
    lines += [f"** server can't find {name}: {error}"] * 2 if error else []
    return "\n".join([*lines, f"exit {status}"]) + "\n"


def test_a_short_name_is_answered_under_a_search_domain() -> None:
    output = _nslookup("db.default.svc.cluster.local", status=1, error="NXDOMAIN") + _nslookup(
        "db.svc.cluster.local", "10.96.4.2"
    )
    found = parse_resolve("db", output.encode(), 3)
    assert found == {
        "name": "db", "ok": True, "addresses": ["10.96.4.2"], "server": "10.96.0.10", "error": None,
        "answered_as": "db.svc.cluster.local", "tried": ["db.default.svc.cluster.local", "db.svc.cluster.local"],
        "attempts": [
            {"name": "db.default.svc.cluster.local", "ok": False, "addresses": [], "server": "10.96.0.10",
             "error": "server can't find db.default.svc.cluster.local: NXDOMAIN"},
            {"name": "db.svc.cluster.local", "ok": True, "addresses": ["10.96.4.2"], "server": "10.96.0.10",
             "error": None},
        ],
    }


def test_a_failed_lookup_reports_the_name_asked_not_a_search_completion() -> None:
    output = _nslookup("db.x.default.svc.cluster.local", status=1, error="NXDOMAIN") + _nslookup(
        "db.x", status=1, error="SERVFAIL"
    )
    found = parse_resolve("db.x", output.encode(), 3)
    assert (found["ok"], found["error"], found["answered_as"]) == (False, "server can't find db.x: SERVFAIL", None)


def test_a_name_without_addresses_and_a_silent_server_are_told_apart() -> None:
    nodata = parse_resolve("svc.cluster.local", _nslookup("svc.cluster.local").encode(), 3)
    assert (nodata["ok"], nodata["error"]) == (False, "no A or AAAA record")
    silent = parse_resolve("db", b"try db\nexit 1\n", 3)
    assert (silent["ok"], silent["error"]) == (False, "no answer within 3s")
    assert parse_resolve("db", b"", 3)["error"] == "the lookup did not run"


def test_ls_json_tells_a_name_that_is_not_utf8_by_its_bytes() -> None:
    entries = {e.name: e.as_dict() for e in parse_listing(_fixture("ls-odd.bin")).entries}
    odd, plain = entries["bad\\xff"], entries["ünï"]
    assert (odd["name"], odd["name_bytes"]) == ("bad\ufffd", "YmFk/w==")  # b"bad\xff"
    assert plain["name"] == "ünï" and "name_bytes" not in plain
