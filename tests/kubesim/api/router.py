"""Which code answers a request: discovery and health paths, object verbs, subresources, streams."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from typing import Callable

from . import discovery, errors, openapi, resources
from .context import Backend, Request
from .objects import create_object, delete_object, get_object, list_objects, update_object
from .requestinfo import RequestInfo
from .reviews import self_subject_access_review, self_subject_review, self_subject_rules_review
from .streams import refuse_spdy, serve_log, serve_stream
from .subresources import ephemeral_containers, status
from .tokenrequest import token_request
from .watchstream import serve_watch
from .wire import JSON, Response

Handler = Callable[[Backend, Request], Response]
Streamer = Callable[[BaseHTTPRequestHandler, Backend, Request], None]

_VERBS: dict[str, Handler] = {"get": get_object, "list": list_objects, "create": create_object,
                              "update": update_object, "patch": update_object, "delete": delete_object}
_REVIEWS: dict[str, Handler] = {"selfsubjectreviews": self_subject_review,
                                "selfsubjectaccessreviews": self_subject_access_review,
                                "selfsubjectrulesreviews": self_subject_rules_review}
_STREAMS: dict[tuple[str, str], Streamer] = {("exec", "get"): serve_stream, ("attach", "get"): serve_stream,
                                             ("exec", "create"): refuse_spdy, ("attach", "create"): refuse_spdy,
                                             ("log", "get"): serve_log}
_SUBRESOURCES: dict[str, Handler] = {"ephemeralcontainers": ephemeral_containers, "status": status,
                                     "token": token_request}


def _check_scope(rtype: resources.ResourceType, info: RequestInfo) -> None:
    """A namespaced object needs a namespace in its path; a cluster-scoped one must have none."""
    if rtype.namespaced and not info.namespace and (info.name or info.verb == "create"):
        raise errors.path_not_found()
    if not rtype.namespaced and rtype.name != "namespaces" and info.namespace:
        raise errors.path_not_found()


def route(handler: BaseHTTPRequestHandler, backend: Backend, req: Request) -> Response | None:
    """Answer a resource request; None when the answer was streamed on the connection already."""
    info = req.info
    rtype = req.rtype = resources.lookup(info.group, info.version, info.resource)
    _check_scope(rtype, info)
    if info.subresource:
        sub = rtype.subresource(info.subresource)
        if sub is None:
            raise errors.path_not_found()
        if info.verb not in sub.verbs:
            raise errors.method_not_allowed(req.method, f"{rtype.name}/{sub.name}", rtype.group)
        streamer = _STREAMS.get((info.subresource, info.verb))
        if streamer is not None:
            streamer(handler, backend, req)
            return None
        return _SUBRESOURCES[info.subresource](backend, req)
    if info.verb == "watch" and "watch" in rtype.verbs:
        serve_watch(handler, backend, req)
        return None
    if info.verb not in rtype.verbs:
        raise errors.method_not_allowed(req.method, rtype.name, rtype.group)
    return (_REVIEWS.get(rtype.name) or _VERBS[info.verb])(backend, req)


def _text(body: str) -> Response:
    return Response(200, body.encode(), "text/plain; charset=utf-8")


def _discovery(path: str, accept: str, server_address: str) -> Response | None:
    if path in ("/api", "/apis"):
        if discovery.wants_aggregated(accept):
            return Response(200, discovery.aggregated(core=path == "/api"), discovery.AGGREGATED_TYPE)
        return Response(200, discovery.api_versions(server_address) if path == "/api" else discovery.api_group_list())
    parts = path.strip("/").split("/")
    if parts[0] == "api" and len(parts) == 2:
        gv = discovery.find_group_version("", parts[1])
        return Response(200, discovery.resource_list(gv)) if gv else None
    if parts[0] == "apis" and len(parts) == 2:
        group = discovery.api_group(parts[1])
        return Response(200, group) if group else None
    if parts[0] == "apis" and len(parts) == 3:
        gv = discovery.find_group_version(parts[1], parts[2])
        return Response(200, discovery.resource_list(gv)) if gv else None
    return None


def _openapi(path: str, accept: str, git_version: str) -> Response | None:
    if path == "/openapi/v2":
        if "protobuf" in accept:
            return Response(200, b"", openapi.V2_PROTOBUF)  # an empty, valid openapi_v2.Document
        return Response(200, openapi.v2_json(git_version))
    if path == "/openapi/v3":
        return Response(200, openapi.v3_root(git_version))
    if path.startswith("/openapi/v3/"):
        doc = openapi.v3_document(path[len("/openapi/v3/"):], git_version)
        return Response(200, doc, JSON) if doc else None
    return None


def serve_path(backend: Backend, req: Request, server_address: str) -> Response:
    """Answer a non-resource request: version, health, discovery, OpenAPI."""
    path = "/" + req.info.path.strip("/")
    if req.method not in ("GET", "HEAD"):
        raise errors.path_not_found()
    version = discovery.version_info(backend.version)
    if path == "/version":
        return Response(200, version)
    if path in ("/healthz", "/livez", "/readyz"):
        return _text("ok")
    answer = _discovery(path, req.accept, server_address) or _openapi(path, req.accept, version["gitVersion"])
    if answer is None:
        raise errors.path_not_found()
    return answer
