"""The generic verbs on objects: get, list, create, update (PUT), patch and delete."""

from __future__ import annotations

import copy
import json
from typing import Callable

from . import errors, names, patch, tables
from .context import Backend, Request
from .namespaces import NamespaceStrategy
from .podstrategy import PodStrategy
from .rbacstrategy import STRATEGIES as RBAC_STRATEGIES
from .resources import ResourceType
from .strategy import DeleteOptions, SecretStrategy, Strategy, check_preconditions
from .wire import Response, warning_headers

TABLE_TYPE = "application/json;as=Table;v=v1;g=meta.k8s.io"
_STRATEGIES: dict[str, Strategy] = {"pods": PodStrategy(), "namespaces": NamespaceStrategy(),
                                     "secrets": SecretStrategy(), **RBAC_STRATEGIES}
_DEFAULT = Strategy()
# System-owned metadata a client cannot set on create.
_SYSTEM_FIELDS = ("uid", "resourceVersion", "creationTimestamp", "deletionTimestamp",
                  "deletionGracePeriodSeconds", "generation")


def strategy_for(resource: str) -> Strategy:
    """The behaviour of a resource's verbs."""
    return _STRATEGIES.get(resource, _DEFAULT)


def _namespace(req: Request) -> str | None:
    return req.info.namespace or None


def _table_or(req: Request, objects: list[dict], resource_version: str, plain: dict) -> Response:
    if tables.wants_table(req.accept):
        body = tables.table(req.rtype.name, objects, resource_version,
                            include_object=req.param("includeObject", "Metadata"))
        return Response(200, body, TABLE_TYPE)
    return Response(200, plain)


def get_object(backend: Backend, req: Request) -> Response:
    """GET one object (or its Table row)."""
    obj = backend.store.get(req.rtype.name, _namespace(req), req.info.name)
    return _table_or(req, [obj], obj["metadata"]["resourceVersion"], obj)


def list_objects(backend: Backend, req: Request) -> Response:
    """GET a collection: ``<Kind>List`` (items without kind/apiVersion, as the apiserver sends), or a Table."""
    rtype = req.rtype
    items, rv = backend.store.list(rtype.name, _namespace(req), label_selector=req.param("labelSelector"),
                                   field_selector=req.param("fieldSelector"))
    plain_items = [{k: v for k, v in item.items() if k not in ("kind", "apiVersion")} for item in items]
    plain = {"kind": f"{rtype.kind}List", "apiVersion": rtype.api_version, "metadata": {"resourceVersion": rv},
             "items": plain_items}
    return _table_or(req, items, rv, plain)


def _check_kind(rtype: ResourceType, obj: dict) -> None:
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if (kind and kind != rtype.kind) or (api_version and api_version != rtype.api_version):
        raise errors.bad_request(f"the API version in the data ({api_version}) does not match the expected API "
                                 f"version ({rtype.api_version})" if api_version != rtype.api_version else
                                 f"{kind} in version \"{rtype.version}\" cannot be handled as a {rtype.kind}")


def _check_name(rtype: ResourceType, md: dict) -> None:
    name = md.get("name") or ""
    if not name and not md.get("generateName"):
        raise errors.invalid(rtype.kind, "", [("metadata.name", "FieldValueRequired",
                                               "Required value: name or generateName is required")], rtype.group)
    if rtype.name == "pods" or not name:
        return  # pods: api.pods validates the name with the rest of the pod
    causes = [("metadata.name", "FieldValueInvalid", f'Invalid value: "{name}": {problem}')
              for problem in names.problems(rtype.name_rule, name)]
    if causes:
        raise errors.invalid(rtype.kind, name, causes, rtype.group)


def require_namespace(backend: Backend, rtype: ResourceType, namespace: str, name: str) -> None:
    """The NamespaceLifecycle admission check: the namespace exists and is not being deleted."""
    ns = backend.store.get("namespaces", None, namespace)
    if ns.get("status", {}).get("phase") == "Terminating":
        raise errors.forbidden(rtype.name, name, f"unable to create new content in namespace {namespace} "
                                                 "because it is being terminated", rtype.group)


def create_object(backend: Backend, req: Request) -> Response:
    """POST to a collection: checks, defaulting, validation and admission, then storage (201)."""
    rtype, obj = req.rtype, req.json_body()
    _check_kind(rtype, obj)
    md = obj.setdefault("metadata", {})
    for key in _SYSTEM_FIELDS:
        md.pop(key, None)
    if rtype.namespaced:
        if md.get("namespace") and md["namespace"] != req.info.namespace:
            raise errors.bad_request("the namespace of the provided object does not match the namespace sent "
                                     "on the request")
        md["namespace"] = req.info.namespace
        require_namespace(backend, rtype, req.info.namespace, md.get("name", ""))
    _check_name(rtype, md)
    strategy = strategy_for(rtype.name)
    warnings = strategy.before_create(backend, rtype, obj)
    if req.param("dryRun") == "All":
        return Response(201, obj, headers=warning_headers(warnings))
    created = backend.store.create(rtype.name, obj)
    strategy.after_create(backend, rtype, created)
    return Response(201, created, headers=warning_headers(warnings))


def store_update(backend: Backend, req: Request, desired_of: Callable[[dict], dict],
                 finish: Callable[[dict, dict], tuple[dict, list[str]]]) -> Response:
    """The update path of PUT and PATCH, on the main resource or a subresource, atomically.

    ``desired_of`` turns the current object into what the client asks for (its PUT body, or the
    patched object); a resourceVersion in it must be the current one (409 Conflict otherwise);
    ``finish`` decides what is stored from (current, desired) and returns warnings.
    """
    rtype, info, warnings = req.rtype, req.info, []

    def mutate(current: dict) -> None:
        desired = desired_of(copy.deepcopy(current))
        wanted_rv = (desired.get("metadata") or {}).get("resourceVersion")
        if wanted_rv and wanted_rv != current["metadata"]["resourceVersion"]:
            raise errors.conflict(rtype.name, info.name, rtype.group)
        result, more = finish(copy.deepcopy(current), desired)
        warnings.extend(more)
        current.clear()
        current.update(result)

    updated = backend.store.update(rtype.name, _namespace(req), info.name, mutate)
    return Response(200, updated, headers=warning_headers(warnings))


def put_body(req: Request) -> Callable[[dict], dict]:
    """``desired_of`` for PUT: the body, which must name the object of the URL."""
    body = req.json_body()
    _check_kind(req.rtype, body)
    md = body.setdefault("metadata", {})
    if md.get("name") != req.info.name:
        raise errors.bad_request(f"the name of the object ({md.get('name')}) does not match the name on the "
                                 f"URL ({req.info.name})")
    if req.rtype.namespaced:
        md["namespace"] = req.info.namespace
    return lambda current: copy.deepcopy(body)


def patched(req: Request) -> Callable[[dict], dict]:
    """``desired_of`` for PATCH: the current object with the patch applied (api.patch answers 415 for a
    patch type it does not take)."""
    return lambda current: patch.apply_patch(current, req.body, req.headers.get("Content-Type", ""))


def update_object(backend: Backend, req: Request) -> Response:
    """PUT or PATCH of the main resource."""
    desired_of = put_body(req) if req.method == "PUT" else patched(req)
    strategy = strategy_for(req.rtype.name)
    response = store_update(backend, req, desired_of,
                            lambda old, new: strategy.before_update(backend, req.rtype, old, new))
    strategy.after_update(backend, req.rtype, response.body)
    return response


def _delete_options(req: Request) -> DeleteOptions:
    body = json.loads(req.body) if req.body.strip() else {}
    grace = body.get("gracePeriodSeconds")
    if req.int_param("gracePeriodSeconds") is not None:
        grace = req.int_param("gracePeriodSeconds")
    dry_run = "All" in (body.get("dryRun") or []) or req.param("dryRun") == "All"
    return DeleteOptions(grace, body.get("propagationPolicy") or req.param("propagationPolicy", "Background"),
                         body.get("preconditions") or {}, dry_run)


def delete_object(backend: Backend, req: Request) -> Response:
    """DELETE one object: the object itself for pods and namespaces, else a Success Status."""
    rtype = req.rtype
    obj = backend.store.get(rtype.name, _namespace(req), req.info.name)
    options = _delete_options(req)
    check_preconditions(rtype, obj, options)
    strategy = strategy_for(rtype.name)
    result = strategy.delete(backend, rtype, obj, options)
    if strategy.returns_deleted_object:
        return Response(200, result)
    details = {"name": req.info.name, "kind": rtype.name, "uid": obj["metadata"]["uid"]}
    if rtype.group:
        details["group"] = rtype.group
    return Response(200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                          "details": details})
