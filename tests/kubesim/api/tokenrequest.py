"""The serviceaccounts/token subresource: the TokenRequest API that ``kubectl create token`` calls."""

from __future__ import annotations

from datetime import datetime, timezone

from ..contracts import ApiError
from . import errors, meta, satokens
from .context import Backend, Request
from .wire import Response

GROUP = "authentication.k8s.io"
_DEFAULT_EXPIRATION = 3600  # SetDefaults_TokenRequestSpec: one hour
_MIN_EXPIRATION = 600
_MAX_EXPIRATION = 1 << 32


def _invalid(name: str, field: str, value: object, detail: str) -> ApiError:
    shown = f'"{value}"' if isinstance(value, str) else value
    return errors.invalid("TokenRequest", name, [(field, "FieldValueInvalid", f"Invalid value: {shown}: {detail}")],
                          GROUP)


def _check_target(req: Request, md: dict) -> None:
    """A name or namespace in the body must be the ServiceAccount's of the URL."""
    for key, wanted in (("name", req.info.name), ("namespace", req.info.namespace)):
        if md.get(key) and md[key] != wanted:
            raise _invalid(req.info.name, f"metadata.{key}", md[key],
                           f"must match the service account {key} if specified")


def _check_expiration(seconds: int) -> None:
    """ValidateTokenRequest, whose error names no object ("")."""
    if seconds < _MIN_EXPIRATION:
        raise _invalid("", "spec.expirationSeconds", seconds, "may not specify a duration less than 10 minutes")
    if seconds > _MAX_EXPIRATION:
        raise _invalid("", "spec.expirationSeconds", seconds, "may not specify a duration larger than 2^32 seconds")


def _bound_object(backend: Backend, namespace: str, sa_name: str, ref: dict) -> tuple[str, dict]:
    """The Pod or Secret a token is to be bound to, checked as the TokenREST does."""
    kind, api_version, name = ref.get("kind", ""), ref.get("apiVersion", ""), ref.get("name", "")
    if api_version != "v1" or kind not in ("Pod", "Secret"):
        group, _, version = api_version.rpartition("/")
        raise errors.bad_request(f"cannot bind token to object of type {group}/{version}, Kind={kind}")
    obj = backend.store.get("pods" if kind == "Pod" else "secrets", namespace, name)
    if kind == "Pod" and obj["spec"].get("serviceAccountName", "default") != sa_name:
        raise errors.bad_request(f'cannot bind token for serviceaccount "{sa_name}" to pod running with '
                                 f'serviceaccount "{obj["spec"].get("serviceAccountName", "default")}"')
    uid = obj["metadata"]["uid"]
    if ref.get("uid") and ref["uid"] != uid:
        raise errors.conflict(kind, name, reason=f"the UID in the bound object reference ({ref['uid']}) does not "
                                                 f"match the UID in record ({uid}). The object might have been "
                                                 "deleted and then recreated")
    return kind, obj


def token_request(backend: Backend, req: Request) -> Response:
    """POST ``serviceaccounts/NAME/token``: a token for the ServiceAccount, valid for
    spec.expirationSeconds (default one hour) and spec.audiences (default the API server's)."""
    body = req.json_body()
    md, spec = dict(body.get("metadata") or {}), dict(body.get("spec") or {})
    _check_target(req, md)
    namespace = req.info.namespace
    service_account = backend.store.get("serviceaccounts", namespace, req.info.name)
    spec["audiences"] = spec.get("audiences") or list(satokens.API_AUDIENCES)
    if spec.get("expirationSeconds") is None:
        spec["expirationSeconds"] = _DEFAULT_EXPIRATION
    now = backend.tokens.now()
    _check_expiration(spec["expirationSeconds"])
    ref = spec.get("boundObjectRef")
    bound = _bound_object(backend, namespace, req.info.name, ref) if ref else None
    spec["boundObjectRef"] = ref or None
    claims = satokens.claims(service_account, spec["audiences"], spec["expirationSeconds"], now, bound)
    expires = datetime.fromtimestamp(claims["exp"], timezone.utc)
    created = meta.format_time(datetime.fromtimestamp(now, timezone.utc))
    status = {"token": backend.tokens.sign(claims), "expirationTimestamp": meta.format_time(expires)}
    return Response(201, {
        "kind": "TokenRequest", "apiVersion": f"{GROUP}/v1",
        "metadata": {"name": req.info.name, "namespace": namespace, "creationTimestamp": created},
        "spec": spec, "status": status,
    })
