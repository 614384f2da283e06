"""The kubeconfig: its context and user, merged as kubectl merges KUBECONFIG, loaded into the
official client's configuration with dshell's transport settings.

The user's credentials are told to :class:`~kubectl_dshell.redact.Secrets` before the client reads
them (its loader can fail with them in its message), and credentials that cannot work (a token that
is no valid HTTP header value, a failing exec plugin, a client key that cannot be read) are refused
here, before any request, as :class:`~kubectl_dshell.errors.ConfigError` (exit code 3).
"""

from __future__ import annotations

import base64
import logging
import os
import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import yaml
from kubernetes import client, config
from kubernetes.config.config_exception import ConfigException

from .errors import ConfigError
from .options import Connection
from .redact import PLUGIN_OUTPUT, Secrets

DEFAULT_KUBECONFIG = "~/.kube/config"
# Names of a kubeconfig user's fields (auth-provider config, exec env) whose values are credentials.
SECRET_NAME = re.compile(r"token|secret|password|key", re.I)


def _kubeconfig_path(flag: str | None) -> str:
    return flag or os.environ.get("KUBECONFIG") or DEFAULT_KUBECONFIG


def _merged(files: list[str]) -> tuple[dict[str, dict], dict[str, dict], str | None]:
    """Contexts and users by name, and the current context, merged as kubectl merges KUBECONFIG:
    first wins."""
    contexts: dict[str, dict] = {}
    users: dict[str, dict] = {}
    current = None
    for name in files:
        with open(name, encoding="utf-8") as file:
            data = yaml.safe_load(file) or {}
        for key, field, found in (("contexts", "context", contexts), ("users", "user", users)):
            for entry in data.get(key) or []:
                found.setdefault(entry["name"], entry.get(field) or {})
        current = current or data.get("current-context")
    return contexts, users, current


def _credentials(user: dict) -> list[str]:
    """The credential values of a kubeconfig user entry, as written and as decoded."""
    values = [user.get(key) for key in ("token", "password", "client-key-data")]
    if user.get("username") and user.get("password"):
        values.append(f"{user['username']}:{user['password']}")
    with suppress(ValueError, TypeError):
        values.append(base64.b64decode(user.get("client-key-data") or "").decode("utf-8", "replace"))
    provider = (user.get("auth-provider") or {}).get("config") or {}
    values += [value for key, value in provider.items() if SECRET_NAME.search(str(key))]
    env = (user.get("exec") or {}).get("env") or []
    secret_env = [item for item in env if isinstance(item, dict) and SECRET_NAME.search(str(item.get("name")))]
    values += [item.get("value") for item in secret_env]
    return [value for value in values if isinstance(value, str)]


def _sent(configuration: client.Configuration) -> list[str]:
    """The credentials the client sends (an exec plugin fills them at run time): headers, and their values."""
    headers = [value for value in configuration.api_key.values() if isinstance(value, str)]
    return headers + [value.partition(" ")[2] for value in headers]


@contextmanager
def _plugin_failures() -> Iterator[list[str]]:
    """What the client logs, and swallows, when an exec plugin fails: kept here, never printed (the
    plugin's stderr is in it, and may hold credentials)."""
    failures: list[str] = []

    def keep(record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("exec:"):
            failures.append(PLUGIN_OUTPUT.sub(r"\1", message).removeprefix("exec: "))
            return False
        return True

    root = logging.getLogger()
    root.addFilter(keep)
    try:
        yield failures
    finally:
        root.removeFilter(keep)


def _check_credentials(configuration: client.Configuration, name: str, user: dict) -> None:
    """Refuse credentials that cannot be used, before any request: the client would fail on each
    with the credential in its error (a token that is no valid HTTP header) or blame the server."""
    where, hint = ("from its exec plugin", "fix the exec plugin") if "exec" in user else (
        "in the kubeconfig", "write it on one line (token: VALUE, not a token: | block)")
    for value in configuration.api_key.values():
        if isinstance(value, str) and not (value.isascii() and value.isprintable()):
            newline = " (it ends with a newline?)" if value.endswith("\n") else ""
            raise ConfigError(f"the token of user {name!r} {where} is not a valid HTTP header value{newline}", hint)
    problem = _certificate_problem(configuration)
    if problem:
        raise ConfigError(
            f"the client certificate or key of user {name!r} {where} cannot be used ({problem})",
            "check client-certificate-data and client-key-data (or the files they name)",
        )


def _certificate_problem(configuration: client.Configuration) -> str | None:
    """Why the client certificate and key cannot be loaded, if there are some and they cannot."""
    if not configuration.cert_file:
        return None
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_cert_chain(configuration.cert_file, configuration.key_file)
    except ssl.SSLError as exc:
        return exc.reason.lower().replace("_", " ") if exc.reason else "not valid PEM"
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    return None


def _configure(path: str, context: str, user: dict, name: str) -> client.Configuration:
    """The client's configuration for ``context``, with dshell's transport settings."""
    configuration = client.Configuration()
    # urllib3 retries a failed request 3 times by default: a GET that times out waited 4 x the timeout.
    configuration.retries = 0
    with _plugin_failures() as failures:
        config.load_kube_config(config_file=path, context=context, client_configuration=configuration,
                                persist_config=False)
    if failures:
        command = (user.get("exec") or {}).get("command") or "the plugin"
        raise ConfigError(
            f"the exec credential plugin of user {name!r} failed ({failures[0]})",
            f"its messages are not shown, as they may hold credentials: run {command} to see them",
        )
    _check_credentials(configuration, name, user)
    return configuration


def load(conn: Connection, secrets: Secrets) -> tuple[client.ApiClient, dict]:
    """The client for ``conn``'s kubeconfig and context, and the context; every credential of its
    user told to ``secrets`` first (before the client loads it), and those it sends followed."""
    path = _kubeconfig_path(conn.kubeconfig)
    files = [p for p in (os.path.expanduser(p) for p in path.split(os.pathsep)) if os.path.exists(p)]
    if not files:
        raise ConfigError(f"no kubeconfig at {path}", "pass --kubeconfig, or set KUBECONFIG")
    try:
        contexts, users, current = _merged(files)
        name = conn.context or current
        if name is None:
            raise ConfigError(f"no current context in {path}", "pass --context, or: kubectl config use-context NAME")
        if name not in contexts:
            raise ConfigError(f"context {name!r} not found in {path}", f"contexts there: {', '.join(contexts)}")
        user_name = contexts[name].get("user") or ""
        user = users.get(user_name) or {}
        secrets.add(*_credentials(user))
        configuration = _configure(path, name, user, user_name)
    except (ConfigException, OSError, ValueError, TypeError, KeyError, AttributeError, yaml.YAMLError) as exc:
        reason = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise ConfigError(
            f"cannot load kubeconfig {path}: {reason}", "check --kubeconfig, KUBECONFIG and --context"
        ) from None
    secrets.follow(lambda: _sent(configuration))
    return client.ApiClient(configuration), contexts[name]
