"""kube.py against a fake API server: what the official client really sends, and what comes back."""

from __future__ import annotations

import base64
import io
import json
import os
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from kubectl_dshell.channels import ExitStatus
from kubectl_dshell.errors import ConfigError, ConnectionFailed, Forbidden, NotFound
from kubectl_dshell.probes.runner import Invocation
from kubectl_dshell.kube import Kube
from kubectl_dshell.options import Connection, Timeouts
from kubectl_dshell.pump import Wiring, pump
from kubectl_dshell.redact import Secrets
from kubectl_dshell.translate import Expired

from .fakeapi import Behaviour, FakeApi
from .pods import WEB

POD_PATH = "/api/v1/namespaces/team/pods/web"
FORBIDDEN = (
    403,
    {
        "kind": "Status",
        "status": "Failure",
        "reason": "Forbidden",
        "code": 403,
        "message": 'namespaces "team" is forbidden: User "alice" cannot get resource "namespaces"',
    },
)


@pytest.fixture
def behaviour() -> Behaviour:
    team_web = json.loads(json.dumps(WEB).replace('"default"', '"team"'))
    return Behaviour(
        objects={
            POD_PATH: team_web,
            f"{POD_PATH}/ephemeralcontainers": team_web,
            "/version/": {"major": "1", "minor": "28+", "gitVersion": "v1.28.3-eks"},
            "/apis/authentication.k8s.io/v1/selfsubjectreviews": {
                "kind": "SelfSubjectReview",
                "status": {"userInfo": {"username": "alice@example.com"}},
            },
        },
        errors={"/api/v1/namespaces/team": FORBIDDEN},
        watch_events=[{"type": "MODIFIED", "object": team_web}],
    )


@pytest.fixture
def kube(behaviour: Behaviour, tmp_path: Path) -> Iterator[Kube]:
    api = FakeApi(behaviour)
    config = tmp_path / "kubeconfig"
    config.write_text(api.kubeconfig())
    try:
        yield Kube.connect(Connection(kubeconfig=str(config)), Secrets())
    finally:
        api.stop()


def test_connect_takes_namespace_and_user_from_the_context(kube: Kube) -> None:
    assert (kube.namespace, kube.config_user) == ("team", "alice")


def test_get_pod_returns_the_servers_json(kube: Kube) -> None:
    assert kube.get_pod("team", "web")["metadata"]["name"] == "web"
    assert kube.get_pod_or_none("team", "nope") is None
    with pytest.raises(NotFound):
        kube.get_pod("team", "nope")


def test_patch_is_a_strategic_merge_with_the_resource_version(kube: Kube, behaviour: Behaviour) -> None:
    body = {"metadata": {"resourceVersion": "100"}, "spec": {"ephemeralContainers": [{"name": "dshell-x"}]}}
    kube.patch_ephemeral("team", "web", body)
    request = behaviour.requests[-1]
    assert (request.method, request.path) == ("PATCH", f"{POD_PATH}/ephemeralcontainers")
    assert request.headers["Content-Type"] == "application/strategic-merge-patch+json"
    assert json.loads(request.body) == body


def test_watch_is_one_pod_from_a_resource_version(kube: Kube, behaviour: Behaviour) -> None:
    events = list(kube.watch_pod("team", "web", "123", 5))
    assert [e["type"] for e in events] == ["MODIFIED"]
    assert events[0]["object"]["metadata"]["name"] == "web"
    query = behaviour.requests[-1].query
    assert query["fieldSelector"] == ["metadata.name=web"]
    assert query["resourceVersion"] == ["123"]
    assert query["watch"] == ["true"]


def test_watch_error_events_raise_what_they_carry(kube: Kube, behaviour: Behaviour) -> None:
    gone = {
        "kind": "Status",
        "status": "Failure",
        "reason": "Expired",
        "code": 410,
        "message": "too old resource version: 123 (456)",
    }
    behaviour.watch_events = [{"type": "ERROR", "object": gone}]
    with pytest.raises(Expired):
        list(kube.watch_pod("team", "web", "123", 5))


def test_forbidden_namespace_labels_read_as_unknown(kube: Kube) -> None:
    assert kube.namespace_labels_or_none("team") is None


def test_config_map_keys_or_unknown_when_forbidden(kube: Kube, behaviour: Behaviour) -> None:
    behaviour.objects["/api/v1/namespaces/team/configmaps/settings"] = {"data": {"GREETING": "hi", "MODE": "x"}}
    behaviour.errors["/api/v1/namespaces/team/configmaps/private"] = FORBIDDEN
    assert kube.configmap_keys_or_none("team", "settings") == {"GREETING", "MODE"}
    assert kube.configmap_keys_or_none("team", "private") is None
    assert kube.configmap_keys_or_none("team", "gone") is None


def test_whoami_and_version(kube: Kube, behaviour: Behaviour) -> None:
    assert kube.whoami() == "alice@example.com"
    assert json.loads(behaviour.requests[-1].body)["kind"] == "SelfSubjectReview"
    assert kube.server_version() == (1, 28)


def test_exec_argv_reaches_the_server_unchanged(kube: Kube, behaviour: Behaviour) -> None:
    argv = ["sh", "-c", 'echo "$1"\n# comment', "dshell", "$(id)", "a b&c=d", "\n", "é"]
    out = io.BytesIO()
    stream = kube.exec("team", "web", "dshell-x", Invocation(argv), tty=False)
    try:
        pump(stream, Wiring(out, io.BytesIO()))
    finally:
        stream.close()
    assert json.loads(out.getvalue()) == argv
    query = behaviour.requests[-1].query
    assert (query["container"], query["stdout"], query["stderr"], query["tty"]) == (
        ["dshell-x"],
        ["true"],
        ["true"],
        ["false"],
    )


def test_exec_argv_may_hold_any_bytes(kube: Kube, behaviour: Behaviour) -> None:
    # A file name that is not UTF-8 arrives in sys.argv surrogate-escaped; the server gets its bytes.
    name = os.fsdecode(b"/tmp/a\xffb+c d%e")
    kube.exec("team", "web", "dshell-x", Invocation(["cat", name]), tty=False).close()
    assert [os.fsencode(word) for word in behaviour.requests[-1].query["command"]] == [b"cat", b"/tmp/a\xffb+c d%e"]


def test_exec_passes_binary_stdin_and_closes_it_with_v5(kube: Kube, behaviour: Behaviour, tmp_path: Path) -> None:
    behaviour.exit_code = 3
    data = bytes(range(256)) * 300  # more than one 64 KiB read
    (tmp_path / "stdin").write_bytes(data)
    out, err = io.BytesIO(), io.BytesIO()
    stream = kube.exec("team", "web", "dshell-x", Invocation(["cat"]), tty=False)
    try:
        with open(tmp_path / "stdin", "rb") as stdin:
            status = pump(stream, Wiring(out, err, stdin_fd=stdin.fileno()))
    finally:
        stream.close()
    assert stream.protocol == "v5.channel.k8s.io"
    assert (status, out.getvalue(), err.getvalue()) == (ExitStatus(3), data, b"done\n")


def test_v4_cannot_close_stdin(kube: Kube, behaviour: Behaviour) -> None:
    behaviour.protocol = "v4.channel.k8s.io"
    stream = kube.exec("team", "web", "dshell-x", Invocation(["true"]), tty=False)
    try:
        assert stream.close_stdin() is False
    finally:
        stream.close()


def test_exec_refused_by_rbac_names_the_permission(kube: Kube, behaviour: Behaviour) -> None:
    behaviour.errors[f"{POD_PATH}/exec"] = (
        403,
        {
            "kind": "Status",
            "status": "Failure",
            "reason": "Forbidden",
            "code": 403,
            "message": 'pods "web" is forbidden: User "alice" cannot create resource "pods/exec" in API group "" '
            'in the namespace "team"',
        },
    )
    with pytest.raises(Forbidden) as caught:
        kube.exec("team", "web", "dshell-x", Invocation(["true"]), tty=False)
    assert caught.value.message == 'RBAC: user "alice" cannot create pods/exec in namespace team'


def test_kubeconfig_problems_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as missing:
        Kube.connect(Connection(kubeconfig=str(tmp_path / "nope")), Secrets())
    assert missing.value.message == f"no kubeconfig at {tmp_path / 'nope'}"
    config = tmp_path / "kubeconfig"
    config.write_text(FakeApi.kubeconfig_for("http://127.0.0.1:1"))
    with pytest.raises(ConfigError) as unknown:
        Kube.connect(Connection(kubeconfig=str(config), context="prod"), Secrets())
    assert (unknown.value.message, unknown.value.hint) == (
        f"context 'prod' not found in {config}",
        "contexts there: dev",
    )


def test_lookups_started_ahead_run_side_by_side_and_answer_once(kube: Kube, behaviour: Behaviour) -> None:
    behaviour.together = ("/api/v1/namespaces/team", "/apis/authentication.k8s.io/v1/selfsubjectreviews")
    behaviour.__post_init__()
    kube.look_ahead("namespace_labels_or_none", "team")
    kube.look_ahead("whoami")
    # Asked one after the other, the first would wait for the second and get a 504.
    assert (kube.namespace_labels_or_none("team"), kube.whoami()) == (None, "alice@example.com")
    assert kube.whoami() == "alice@example.com"  # asked again: a new request
    paths = [r.path for r in behaviour.requests]
    assert paths.count("/api/v1/namespaces/team") == 1
    assert paths.count("/apis/authentication.k8s.io/v1/selfsubjectreviews") == 2


def _config_with_user(tmp_path: Path, user: dict) -> str:
    config = json.loads(FakeApi.kubeconfig_for("https://127.0.0.1:1"))
    config["users"][0]["user"] = user
    path = tmp_path / "kubeconfig"
    path.write_text(json.dumps(config))
    return str(path)


def test_the_users_credentials_are_told_before_loading(tmp_path: Path) -> None:
    key = base64.b64encode(b"-----BEGIN PRIVATE KEY-----\nKEYDATA-CANARY-0123456789\n").decode()
    user = {
        "username": "bob", "password": "pw-CANARY", "client-key-data": key,
        "auth-provider": {"name": "oidc", "config": {"client-id": "dshell", "client-secret": "cs-CANARY",
                                                     "id-token": "id-CANARY", "refresh-token": "rt-CANARY"}},
    }
    secrets = Secrets()
    with suppress(ConfigError):  # whatever the client makes of them, they were known first
        Kube.connect(Connection(kubeconfig=_config_with_user(tmp_path, user)), secrets)
    text = "pw-CANARY bob:pw-CANARY cs-CANARY id-CANARY rt-CANARY KEYDATA-CANARY-0123456789 " + key
    assert "CANARY" not in secrets.redact(text)
    assert "dshell" in secrets.redact("client-id dshell")


def test_the_token_the_client_sends_is_followed(tmp_path: Path) -> None:
    secrets = Secrets()
    kube = Kube.connect(Connection(kubeconfig=_config_with_user(tmp_path, {"token": "tok-1"})), secrets)
    kube.api.configuration.api_key["authorization"] = "Bearer refreshed-CANARY"  # as an exec plugin refreshes it
    assert secrets.redact("Invalid header value refreshed-CANARY") == "Invalid header value <redacted>"


def test_a_token_with_a_newline_is_a_config_error_that_does_not_show_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        Kube.connect(Connection(kubeconfig=_config_with_user(tmp_path, {"token": "tok-CANARY\n"})), Secrets())
    assert caught.value.message == (
        "the token of user 'alice' in the kubeconfig is not a valid HTTP header value (it ends with a newline?)"
    )
    assert "CANARY" not in caught.value.message + (caught.value.hint or "")


def test_a_failing_exec_plugin_is_a_config_error_without_its_stderr(tmp_path: Path) -> None:
    plugin = tmp_path / "plugin"
    plugin.write_text("#!/bin/sh\necho 'my token: tok-CANARY' >&2\nexit 7\n")
    plugin.chmod(0o755)
    user = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": str(plugin),
                     "interactiveMode": "Never"}}
    with pytest.raises(ConfigError) as caught:
        Kube.connect(Connection(kubeconfig=_config_with_user(tmp_path, user)), Secrets())
    assert caught.value.message == "the exec credential plugin of user 'alice' failed (process returned 7)"
    assert str(plugin) in (caught.value.hint or "")


@pytest.fixture
def hasty(behaviour: Behaviour, tmp_path: Path) -> Iterator[Kube]:
    """A Kube whose requests wait at most half a second for an answer."""
    api = FakeApi(behaviour)
    config = tmp_path / "kubeconfig"
    config.write_text(api.kubeconfig())
    try:
        yield Kube.connect(Connection(kubeconfig=str(config), timeouts=Timeouts(0.5, 0.5)), Secrets())
    finally:
        api.stop()


def test_a_request_without_answer_times_out_once(hasty: Kube, behaviour: Behaviour) -> None:
    behaviour.delays[POD_PATH] = 3
    with pytest.raises(ConnectionFailed) as caught:
        hasty.get_pod("team", "web")
    assert caught.value.message == f"cannot connect to the API server {hasty.server}: no answer within 0.5s"
    assert [r.path for r in behaviour.requests] == [POD_PATH]  # not retried


def test_an_exec_upgrade_without_answer_times_out(hasty: Kube, behaviour: Behaviour) -> None:
    behaviour.delays[f"{POD_PATH}/exec"] = 3
    with pytest.raises(ConnectionFailed) as caught:
        hasty.exec("team", "web", "dshell-x", Invocation(["true"]), tty=False)
    assert caught.value.message == f"cannot connect to the API server {hasty.server}: no answer within 0.5s"


def test_a_running_exec_session_may_be_silent_longer_than_the_limit(hasty: Kube, behaviour: Behaviour) -> None:
    behaviour.exec_pause = 1.5
    out = io.BytesIO()
    stream = hasty.exec("team", "web", "dshell-x", Invocation(["idle"]), tty=False)
    try:
        status = pump(stream, Wiring(out, io.BytesIO()))
    finally:
        stream.close()
    assert (status, json.loads(out.getvalue())) == (ExitStatus(0), ["idle"])


def test_request_timeout_limits_connecting_too() -> None:
    assert Timeouts.of(2) == Timeouts(2, 2)
    assert Timeouts.of(60) == Timeouts(10, 60)
    assert Timeouts.of(0) == Timeouts(10, None)
