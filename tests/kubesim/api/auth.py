"""Authentication (bearer tokens) and authorization of API requests: a static rule table per user
(and system:masters), then RBAC from the stored roles and bindings."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from . import errors, rbac
from .resources import by_name
from .store import Store

ADMIN_GROUP = "system:masters"
AUTHENTICATED = "system:authenticated"


@dataclass(frozen=True)
class Rule:
    """A static grant, as an RBAC PolicyRule: verbs on resources, optionally a subresource.

    ``Rule(["patch"], ["pods"], "ephemeralcontainers")`` is RBAC's ``pods/ephemeralcontainers``;
    "*" in verbs or resources matches everything (resources "*" also every subresource).
    ``namespace`` limits the rule to one namespace, as a RoleBinding does; None is cluster-wide.
    """

    verbs: list[str]
    resources: list[str]
    subresource: str | None = None
    namespace: str | None = None

    def rbac_resources(self) -> list[str]:
        """The rule's resources as RBAC writes them (``pods/exec``)."""
        return [f"{r}/{self.subresource}" if self.subresource else r for r in self.resources]

    def policy_rule(self) -> dict:
        """The rule as an RBAC PolicyRule, each resource in its own API group."""
        groups = sorted({"*" if r == "*" else by_name(r).group for r in self.resources})
        return {"verbs": list(self.verbs), "apiGroups": groups, "resources": self.rbac_resources()}

    def applies_in(self, namespace: str) -> bool:
        """Whether the rule counts for requests in ``namespace`` ("" for cluster-scoped ones)."""
        return self.namespace is None or self.namespace == namespace


@dataclass(frozen=True)
class User:
    """An authenticated identity (user.Info): name, groups (system:authenticated included), uid,
    extra attributes, and the static rules it was registered with."""

    name: str
    groups: tuple[str, ...]
    rules: tuple[Rule, ...] = field(default_factory=tuple)
    uid: str = ""
    extra: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def is_admin(self) -> bool:
        """Members of system:masters may do everything, as the apiserver's superuser group."""
        return ADMIN_GROUP in self.groups


@dataclass(frozen=True)
class Attributes:
    """What a request asks to do (the authorizer.Attributes of a resource request)."""

    verb: str
    resource: str = ""
    subresource: str = ""
    group: str = ""
    namespace: str = ""
    name: str = ""
    path: str = ""  # for non-resource requests (/version, /api, ...)

    @property
    def is_resource(self) -> bool:
        """Whether this is a resource request (not a path like /version)."""
        return bool(self.resource)


def decide(store: Store, user: User, attrs: Attributes) -> tuple[bool, str]:
    """Whether the user may do what the attributes describe, and the authorizer's reason.

    system:masters may do everything (the privileged-group authorizer, no reason); then the
    user's static rules; then RBAC, whose reason names the allowing binding or the bindings
    that could not be resolved.
    """
    if user.is_admin:
        return True, ""
    if any(rule.applies_in(attrs.namespace) and rbac.rule_allows(rule.policy_rule(), attrs) for rule in user.rules):
        return True, ""
    return rbac.authorize(store, user, attrs)


def forbidden_message(user: User, attrs: Attributes) -> str:
    """The authorizer's refusal text, as the apiserver's responsewriters.forbiddenMessage writes it."""
    if not attrs.is_resource:
        return f'User "{user.name}" cannot {attrs.verb} path "{attrs.path}"'
    resource = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
    where = f'in the namespace "{attrs.namespace}"' if attrs.namespace else "at the cluster scope"
    return f'User "{user.name}" cannot {attrs.verb} resource "{resource}" in API group "{attrs.group}" {where}'


def authorize(store: Store, user: User, attrs: Attributes) -> None:
    """Raise the apiserver's 403 Forbidden when the user may not do this (the reason appended)."""
    ok, reason = decide(store, user, attrs)
    if not ok:
        message = forbidden_message(user, attrs) + (f": {reason}" if reason else "")
        raise errors.forbidden(attrs.resource, attrs.name, message, attrs.group)


class Users:
    """The token table (which bearer token is which user), then ``fallback`` for other tokens
    (ServiceAccount tokens): it returns the token's user, or None when it does not accept it."""

    def __init__(self, fallback: Callable[[str], User | None] = lambda token: None) -> None:
        self._lock = threading.Lock()
        self._by_token: dict[str, User] = {}
        self._fallback = fallback

    def add(self, token: str, name: str, groups: list[str], rules: list[Rule]) -> User:
        """Register a token; the user also gets system:authenticated, as every authenticated user does."""
        user = User(name, with_authenticated(groups), tuple(rules))
        with self._lock:
            self._by_token[token] = user
        return user

    def _user_of(self, token: str) -> User | None:
        with self._lock:
            user = self._by_token.get(token)
        return user if user is not None else self._fallback(token)

    def authenticate(self, authorization: str | None) -> User:
        """The user of an ``Authorization: Bearer <token>`` header; 401 Unauthorized otherwise."""
        scheme, _, token = (authorization or "").partition(" ")
        user = self._user_of(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise errors.unauthorized()
        return user

    def name_of(self, token: str) -> str:
        """The user name a token belongs to (for a kubeconfig's user entry)."""
        user = self._user_of(token)
        if user is None:
            raise ValueError("no user has this token")
        return user.name


def with_authenticated(groups: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The groups plus system:authenticated, which the authenticator adds for every authenticated user."""
    return tuple(groups) + (() if AUTHENTICATED in groups else (AUTHENTICATED,))
