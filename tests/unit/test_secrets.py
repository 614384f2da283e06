"""Secrets masked wherever they appear (env values, ps command lines, net process names), and env's
sources with envFrom (probes/environ.py, probes/secretmask.py, verbs.py)."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

from rich.console import Console

from kubectl_dshell import verbs
from kubectl_dshell.probes.environ import secret_masker, variables
from kubectl_dshell.probes.secretmask import MASK, Masker
from kubectl_dshell.probes.sections import sections, text
from kubectl_dshell.render import Ui

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "s3cr3t-value"
POD = {
    "spec": {
        "containers": [
            {
                "name": "app",
                "env": [
                    {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
                    {"name": "COMPOSED", "value": "x-$(PW)-y"},
                    {"name": "TWICE", "value": "[$(COMPOSED)]"},
                    {"name": "ESCAPED", "value": "$$(PW)"},
                    {"name": "ESCAPED_THEN_REF", "value": "$$$(PW)"},
                    {"name": "AUTH_MODE", "value": "on"},
                ],
            }
        ]
    }
}
ENVIRON = (
    f"PW={SECRET}\0COMPOSED=x-{SECRET}-y\0TWICE=[x-{SECRET}-y]\0ESCAPED=$(PW)\0ESCAPED_THEN_REF=${SECRET}\0"
    f"AUTH_MODE=on\0NOTE=uses {SECRET} and on\0"
).encode()


def test_values_referencing_a_secret_are_masked_whole_and_secrets_hidden_in_the_rest() -> None:
    found = {v.name: v for v in variables(POD, "app", ENVIRON, reveal=False)}
    masked = {name for name, v in found.items() if v.masked}
    assert masked == {"PW", "COMPOSED", "TWICE", "ESCAPED_THEN_REF", "AUTH_MODE"}
    assert (found["ESCAPED"].value, found["NOTE"].value) == ("$(PW)", f"uses {MASK} and on")  # "on": too short
    assert found["PW"].as_dict() == {
        "name": "PW", "value": None, "source": "secret", "masked": True, "secret": {"name": "db", "key": "password"}
    }
    assert "secret" not in found["NOTE"].as_dict()
    revealed = {v.name: v.value for v in variables(POD, "app", ENVIRON, reveal=True)}
    assert (revealed["COMPOSED"], revealed["NOTE"]) == (f"x-{SECRET}-y", f"uses {SECRET} and on")


def test_command_lines_hide_long_secrets_anywhere_and_short_ones_only_whole() -> None:
    masker = secret_masker(POD, "app", ENVIRON)
    argv = ["/app", f"--password={SECRET}", f"--url=db://u:{SECRET}@db", "--auth=on", "on", "--mode=online"]
    assert masker.argv(argv, target_container=True) == [
        "/app", f"--password={MASK}", f"--url=db://u:{MASK}@db", f"--auth={MASK}", MASK, "--mode=online"
    ]
    blind = Masker(blind=True)
    assert blind.argv(argv[:2], target_container=True) == ["/app", MASK]
    assert blind.argv(argv[:2], target_container=False) == argv[:2]


def test_env_from_explains_only_what_its_config_map_has() -> None:
    pod = {"spec": {"containers": [{"name": "app", "envFrom": [{"configMapRef": {"name": "settings"}}]}]}}
    environ = b"PATH=/bin\0HOSTNAME=web\0GREETING=hello\0SSL_CERT_FILE=/etc/ssl\0KUBERNETES_SERVICE_HOST=10.0.0.1\0HOME=/\0"
    read = {v.name: v.source for v in variables(pod, "app", environ, False, {"settings": frozenset({"GREETING"})})}
    assert read == {"PATH": "image", "HOSTNAME": "runtime", "GREETING": "configmap", "SSL_CERT_FILE": "image",
                    "KUBERNETES_SERVICE_HOST": "service", "HOME": "runtime"}
    # Without the ConfigMap's keys (RBAC): the names the runtime, kubelet and image always set are
    # known; the rest may be the ConfigMap's.
    unread = {v.name: v.source for v in variables(pod, "app", environ, False, {"settings": None})}
    assert unread == {**read, "SSL_CERT_FILE": "configmap"}


def test_env_from_a_secret_masks_every_name_it_could_have_set_well_known_ones_too() -> None:
    # Its keys are not read (that needs RBAC on Secrets): a key named PATH or HOSTNAME would override
    # the image's or the runtime's value, so those are masked too; a prefix limits what it can set.
    pod = {"spec": {"containers": [{"name": "app", "envFrom": [{"secretRef": {"name": "creds"}}]}]}}
    found = variables(pod, "app", b"PATH=/bin\0HOSTNAME=web\0USER_NAME=admin\0", reveal=False)
    assert [(v.name, v.source, v.masked) for v in found] == [
        ("PATH", "secret", True), ("HOSTNAME", "secret", True), ("USER_NAME", "secret", True)
    ]
    prefixed = {"spec": {"containers": [{"name": "app", "envFrom": [{"secretRef": {"name": "c"}, "prefix": "DB_"}]}]}}
    found = variables(prefixed, "app", b"PATH=/bin\0DB_USER=admin\0", reveal=False)
    assert [(v.name, v.source, v.masked) for v in found] == [("PATH", "image", False), ("DB_USER", "secret", True)]


def _reached(pod: dict, status: dict | None = None) -> SimpleNamespace:
    target = SimpleNamespace(pod=pod, container="app", name="two", namespace="default")
    return SimpleNamespace(target=target, pod={"status": status or {}}, debugger=SimpleNamespace(name="dshell-x"))


def test_ps_without_the_targets_environment_hides_its_containers_arguments(monkeypatch) -> None:
    # ps-two.bin has no "environ" section: the probe could not read the target's environment. Its
    # pid 3 (sleep 1000000) is made the target container's here.
    data = (FIXTURES / "ps-two.bin").read_bytes()
    pairs = sections(data)
    cgroup = next(content for (name, pid), (_, content) in zip(pairs, pairs[3:]) if (name, pid) == ("pid", b"3"))
    cid = text(cgroup).splitlines()[0].rsplit("/", 1)[1]
    status = {"containerStatuses": [{"name": "app", "containerID": f"containerd://{cid}"}]}
    monkeypatch.setattr(verbs, "capture", lambda *args: data)
    err = io.StringIO()
    report = verbs.ps(None, _reached(POD, status), False, Ui(Console(file=err, width=300, no_color=True)))
    commands = {p.pid: p.command for p in report.processes}
    assert (commands[3], commands[1]) == (["sleep", MASK], ["/pause"])
    assert err.getvalue().startswith("warning: the target's environment is unreadable to this session: the arguments")
    plain = {"spec": {"containers": [{"name": "app"}]}}  # no secret in the spec: nothing to hide, nothing to say
    err.truncate(0)
    report = verbs.ps(None, _reached(plain, status), False, Ui(Console(file=err, width=300, no_color=True)))
    assert {p.pid: p.command for p in report.processes}[3] == ["sleep", "1000000"] and err.getvalue() == ""


def test_net_hides_secrets_in_process_names(monkeypatch) -> None:
    environ = b"PW=/app\0".hex().encode()  # a secret that is the program's name: hidden there too
    data = (FIXTURES / "net-web.bin").read_bytes() + b"environ\0" + environ + b"\0"
    monkeypatch.setattr(verbs, "capture", lambda *args: data)
    ui = Ui(Console(file=io.StringIO()))
    hidden, shown = (verbs.net(None, _reached(POD), verbs.NetRequest(), reveal, ui) for reveal in (False, True))
    assert {s.process for s in hidden.listening if s.pid} == {MASK}
    assert {s.process for s in shown.listening if s.pid} == {"/app"}
