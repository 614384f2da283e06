"""Authentication (bearer tokens) and authorization (an RBAC-like rule table) of API requests."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from . import errors
from .resources import REVIEWS

ADMIN_GROUP = "system:masters"
AUTHENTICATED = "system:authenticated"


@dataclass(frozen=True)
class Rule:
    """What a user may do, as an RBAC PolicyRule: verbs on resources, optionally a subresource.

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


@dataclass(frozen=True)
class User:
    """An authenticated identity: name, groups (system:authenticated included), and its rules."""

    name: str
    groups: tuple[str, ...]
    rules: tuple[Rule, ...] = field(default_factory=tuple)

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


def _rule_allows(rule: Rule, attrs: Attributes) -> bool:
    if rule.namespace is not None and rule.namespace != attrs.namespace:
        return False
    if "*" not in rule.verbs and attrs.verb not in rule.verbs:
        return False
    combined = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
    for resource in rule.rbac_resources():
        if resource in ("*", combined):
            return True
        if attrs.subresource and resource == f"*/{attrs.subresource}":
            return True
    return False


def allowed(user: User, attrs: Attributes) -> bool:
    """Whether the user may do what the attributes describe.

    Discovery, health and version paths, and the self reviews, are open to every authenticated
    user, as the default system:discovery, system:public-info-viewer and system:basic-user roles make them.
    """
    if user.is_admin:
        return True
    if not attrs.is_resource:
        return attrs.verb == "get"
    if attrs.resource in REVIEWS:
        return True
    return any(_rule_allows(rule, attrs) for rule in user.rules)


def forbidden_message(user: User, attrs: Attributes) -> str:
    """The authorizer's refusal text, as the apiserver's responsewriters.forbiddenMessage writes it."""
    if not attrs.is_resource:
        return f'User "{user.name}" cannot {attrs.verb} path "{attrs.path}"'
    resource = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
    where = f'in the namespace "{attrs.namespace}"' if attrs.namespace else "at the cluster scope"
    return f'User "{user.name}" cannot {attrs.verb} resource "{resource}" in API group "{attrs.group}" {where}'


def authorize(user: User, attrs: Attributes) -> None:
    """Raise the apiserver's 403 Forbidden when the user may not do this."""
    if not allowed(user, attrs):
        raise errors.forbidden(attrs.resource, attrs.name, forbidden_message(user, attrs), attrs.group)


class Users:
    """The token table: which bearer token is which user."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_token: dict[str, User] = {}

    def add(self, token: str, name: str, groups: list[str], rules: list[Rule]) -> User:
        """Register a token; the user also gets system:authenticated, as every authenticated user does."""
        all_groups = tuple(groups) + (() if AUTHENTICATED in groups else (AUTHENTICATED,))
        user = User(name, all_groups, tuple(rules))
        with self._lock:
            self._by_token[token] = user
        return user

    def authenticate(self, authorization: str | None) -> User:
        """The user of an ``Authorization: Bearer <token>`` header; 401 Unauthorized otherwise."""
        scheme, _, token = (authorization or "").partition(" ")
        with self._lock:
            user = self._by_token.get(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise errors.unauthorized()
        return user

    def name_of(self, token: str) -> str:
        """The user name a token belongs to (for a kubeconfig's user entry)."""
        with self._lock:
            user = self._by_token.get(token)
        if user is None:
            raise ValueError("no user has this token")
        return user.name
