"""User impersonation (``kubectl --as``, ``--as-group``, ``--as-uid``): the apiserver's
WithImpersonation filter. Each requested identity part must be allowed to the real user with the
verb "impersonate"; the request then proceeds as the impersonated user."""

from __future__ import annotations

from email.message import Message
from urllib.parse import unquote

from . import auth, errors
from .auth import Attributes, User
from .rbac import SERVICE_ACCOUNT_PREFIX
from .store import Store

_USER, _UID, _GROUP, _EXTRA = "Impersonate-User", "Impersonate-Uid", "Impersonate-Group", "impersonate-extra-"
_AUTHENTICATION = "authentication.k8s.io"
_ANONYMOUS = "system:anonymous"


def _user_check(name: str) -> Attributes:
    """What impersonating a user name needs: a ServiceAccount's name is checked on that ServiceAccount."""
    namespace, colon, account = name.removeprefix(SERVICE_ACCOUNT_PREFIX).partition(":")
    if name.startswith(SERVICE_ACCOUNT_PREFIX) and colon and namespace and account and ":" not in account:
        return Attributes("impersonate", "serviceaccounts", namespace=namespace, name=account)
    return Attributes("impersonate", "users", name=name)


def _extras(headers: Message) -> list[tuple[str, str]]:
    """(key, value) of every Impersonate-Extra-<key> header value; keys are lower case, %-unescaped."""
    return [(unquote(name[len(_EXTRA):].lower()), value) for name, value in headers.items()
            if name.lower().startswith(_EXTRA)]


def _checks(headers: Message) -> list[Attributes]:
    """One authorization check per requested identity part, in the filter's order."""
    checks = [_user_check(headers[_USER])]
    checks += [Attributes("impersonate", "groups", name=group) for group in headers.get_all(_GROUP) or []]
    checks += [Attributes("impersonate", "userextras", key, _AUTHENTICATION, name=value)
               for key, value in _extras(headers)]
    if headers.get(_UID):
        checks.append(Attributes("impersonate", "uids", group=_AUTHENTICATION, name=headers[_UID]))
    return checks


def _groups(headers: Message, user_check: Attributes) -> tuple[str, ...]:
    groups = list(headers.get_all(_GROUP) or [])
    if not groups and user_check.resource == "serviceaccounts":  # a ServiceAccount's groups are known
        groups = ["system:serviceaccounts", f"system:serviceaccounts:{user_check.namespace}"]
    name = headers[_USER]
    return tuple(groups) if name == _ANONYMOUS else auth.with_authenticated(groups)


def impersonated(store: Store, requestor: User, headers: Message) -> User:
    """The user a request acts as: the authenticated one, or whom its Impersonate-* headers name
    (403 Forbidden for each part the requestor may not impersonate)."""
    if not headers.get(_USER):
        if headers.get(_GROUP) or headers.get(_UID) or _extras(headers):
            raise errors.internal("requested impersonation of groups, extra or uid without impersonating a user")
        return requestor
    checks = _checks(headers)
    for check in checks:
        auth.authorize(store, requestor, check)
    extra: dict[str, list[str]] = {}
    for key, value in _extras(headers):
        extra.setdefault(key, []).append(value)
    return User(headers[_USER], _groups(headers, checks[0]), uid=headers.get(_UID, ""),
                extra=tuple((key, tuple(values)) for key, values in extra.items()))
