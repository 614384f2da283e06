"""ServiceAccount tokens: JWTs issued by the TokenRequest API and accepted as bearer tokens.

Like the apiserver's bound tokens, a token is accepted while it has not expired (a minute of
leeway), while one of its audiences is the API server's, and while the ServiceAccount (and the
Pod or Secret it is bound to) still exists with the uid it was issued for.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..contracts import ApiError
from .auth import User, with_authenticated
from .rbac import SERVICE_ACCOUNT_PREFIX, service_account_username
from .store import Store

if TYPE_CHECKING:
    from .context import Backend

ISSUER = "https://kubernetes.default.svc.cluster.local"
API_AUDIENCES = (ISSUER,)  # kube-apiserver's --api-audiences default to its issuer
_LEEWAY = 60  # go-jose's DefaultLeeway, which the token authenticator allows
_BOUND_RESOURCES = {"Pod": "pods", "Secret": "secrets"}
_CREDENTIAL_ID = "authentication.kubernetes.io/credential-id"
_JTI_SINCE = 30  # ServiceAccountTokenJTI and ServiceAccountTokenPodNodeInfo: beta, on, since 1.30


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenIssuer:
    """Signs and verifies tokens with a key of its own (HS256: the shape of a real token, not its RS256)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._key = secrets.token_bytes(32)
        self._kid = _b64(hashlib.sha256(self._key).digest()[:12])
        self.clock = clock

    def now(self) -> int:
        """The current time in whole seconds, as token claims count it."""
        return int(self.clock())

    def _sign(self, signing_input: str) -> str:
        return _b64(hmac.new(self._key, signing_input.encode(), hashlib.sha256).digest())

    def sign(self, claims: dict) -> str:
        """A compact JWS of the claims."""
        header = _b64(json.dumps({"alg": "HS256", "kid": self._kid}).encode())
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"{header}.{payload}.{self._sign(header + '.' + payload)}"

    def verify(self, token: str) -> dict | None:
        """The claims of a token this issuer signed that is valid now; None for any other."""
        parts = token.split(".")
        if len(parts) != 3 or not hmac.compare_digest(self._sign(parts[0] + "." + parts[1]), parts[2]):
            return None
        try:
            claims = json.loads(_unb64(parts[1]))
        except ValueError:
            return None
        now = self.now()
        if claims.get("iss") != ISSUER or not claims.get("sub", "").startswith(SERVICE_ACCOUNT_PREFIX):
            return None
        if now > claims.get("exp", 0) + _LEEWAY or now < claims.get("nbf", 0) - _LEEWAY:
            return None
        return claims


def _ref(obj: dict) -> dict:
    return {"name": obj["metadata"]["name"], "uid": obj["metadata"]["uid"]}


def claims(service_account: dict, audiences: list[str], expiration_seconds: int, now: int,
           bound: tuple[str, dict] | None = None) -> dict:
    """The claims of a token for a ServiceAccount (serviceaccount.Claims), optionally bound to a
    ("Pod" or "Secret", object)."""
    md = service_account["metadata"]
    private: dict = {"namespace": md["namespace"], "serviceaccount": _ref(service_account)}
    if bound is not None:
        private[bound[0].lower()] = _ref(bound[1])
    return {"aud": list(audiences), "exp": now + expiration_seconds, "iat": now, "iss": ISSUER,
            "jti": str(uuid.uuid4()), "kubernetes.io": private, "nbf": now,
            "sub": service_account_username(md["namespace"], md["name"])}


def _still_there(store: Store, resource: str, namespace: str, ref: dict) -> bool:
    try:
        obj = store.get(resource, namespace, ref.get("name", ""))
    except ApiError:
        return False
    return obj["metadata"]["uid"] == ref.get("uid") and not obj["metadata"].get("deletionTimestamp")


def _extra(found: dict, minor: int) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The user's extra attributes: the token's credential id and the pod it is bound to."""
    if minor < _JTI_SINCE:
        return ()
    entries = [(_CREDENTIAL_ID, (f"JTI={found['jti']}",))]
    pod = (found.get("kubernetes.io") or {}).get("pod")
    if pod:
        entries += [(f"authentication.kubernetes.io/pod-{key}", (pod[key],)) for key in ("name", "uid")]
    return tuple(entries)


def user_of(backend: Backend, token: str) -> User | None:
    """The ServiceAccount user a token authenticates, or None when the server does not accept it."""
    found = backend.tokens.verify(token)
    if found is None or not set(found.get("aud") or []) & set(API_AUDIENCES):
        return None
    private, store = found.get("kubernetes.io") or {}, backend.store
    namespace = private.get("namespace", "")
    sa = private.get("serviceaccount") or {}
    if not _still_there(store, "serviceaccounts", namespace, sa):
        return None
    for kind, resource in _BOUND_RESOURCES.items():
        if kind.lower() in private and not _still_there(store, resource, namespace, private[kind.lower()]):
            return None
    groups = ["system:serviceaccounts", f"system:serviceaccounts:{namespace}"]
    return User(found["sub"], with_authenticated(groups), uid=sa["uid"], extra=_extra(found, backend.minor))
