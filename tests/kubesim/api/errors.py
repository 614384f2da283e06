"""Constructors for the API errors a real apiserver answers, with its exact reasons and messages.

They mirror k8s.io/apimachinery/pkg/api/errors: the message names the qualified resource
("pods", "deployments.apps") and the details carry group and ``kind`` = the plural resource name.
"""

from __future__ import annotations

from ..contracts import ApiError


def qualified(resource: str, group: str = "") -> str:
    """``resource.group`` as GroupResource.String() prints it (just ``resource`` for the core group)."""
    return f"{resource}.{group}" if group else resource


def _details(resource: str, group: str, name: str) -> dict:
    details: dict = {"name": name, "kind": resource}
    if group:
        details["group"] = group
    return details


def not_found(resource: str, name: str, group: str = "") -> ApiError:
    """404 NotFound: ``pods "x" not found``."""
    message = f'{qualified(resource, group)} "{name}" not found'
    return ApiError(404, "NotFound", message, _details(resource, group, name))


def path_not_found() -> ApiError:
    """404 for a path the server does not serve: an empty details object, as the mux answers."""
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def already_exists(resource: str, name: str, group: str = "") -> ApiError:
    """409 AlreadyExists: ``pods "x" already exists``."""
    message = f'{qualified(resource, group)} "{name}" already exists'
    return ApiError(409, "AlreadyExists", message, _details(resource, group, name))


def conflict(resource: str, name: str, group: str = "", reason: str = "") -> ApiError:
    """409 Conflict: ``Operation cannot be fulfilled on pods "x": <reason>``."""
    reason = reason or "the object has been modified; please apply your changes to the latest version and try again"
    message = f'Operation cannot be fulfilled on {qualified(resource, group)} "{name}": {reason}'
    return ApiError(409, "Conflict", message, _details(resource, group, name))


def invalid(kind: str, name: str, causes: list[tuple[str, str, str]], group: str = "") -> ApiError:
    """422 Invalid: ``Pod "x" is invalid: field: Reason: detail``.

    ``causes`` are (field, cause reason such as FieldValueRequired, message such as
    "Required value: name is required"); one cause prints bare, several as a bracketed list.
    """
    texts = [f"{field}: {message}" for field, _, message in causes]
    joined = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    details = {"name": name, "kind": kind, "causes": [
        {"reason": reason, "message": message, "field": field} for field, reason, message in causes
    ]}
    if group:
        details["group"] = group
    return ApiError(422, "Invalid", f'{qualified(kind, group)} "{name}" is invalid: {joined}', details)


def forbidden(resource: str, name: str, message: str, group: str = "") -> ApiError:
    """403 Forbidden: ``pods "x" is forbidden: <message>`` (no name: ``pods is forbidden: ...``)."""
    if not resource:
        text = f"forbidden: {message}"
    elif name:
        text = f'{qualified(resource, group)} "{name}" is forbidden: {message}'
    else:
        text = f"{qualified(resource, group)} is forbidden: {message}"
    return ApiError(403, "Forbidden", text, _details(resource, group, name))


def unauthorized() -> ApiError:
    """401 Unauthorized, as the authentication filter answers an unknown or missing credential."""
    return ApiError(401, "Unauthorized", "Unauthorized")


def bad_request(message: str) -> ApiError:
    """400 BadRequest with the given message."""
    return ApiError(400, "BadRequest", message)


def method_not_allowed(verb: str, resource: str, group: str = "") -> ApiError:
    """405 MethodNotAllowed: ``<verb> is not supported on resources of kind "pods"``."""
    message = f'{verb} is not supported on resources of kind "{qualified(resource, group)}"'
    return ApiError(405, "MethodNotAllowed", message, {"kind": resource, **({"group": group} if group else {})})


def unsupported_media_type(accepted: list[str]) -> ApiError:
    """415 UnsupportedMediaType, listing the body content types the endpoint takes."""
    message = "the body of the request was in an unknown format - accepted media types include: " + ", ".join(accepted)
    return ApiError(415, "UnsupportedMediaType", message)


def expired(requested: str, oldest: str) -> ApiError:
    """410 Expired: a watch from a resourceVersion older than the history kept."""
    return ApiError(410, "Expired", f"too old resource version: {requested} ({oldest})")


def internal(message: str) -> ApiError:
    """500 InternalError: ``Internal error occurred: <message>``."""
    return ApiError(500, "InternalError", f"Internal error occurred: {message}", {"causes": [{"message": message}]})
