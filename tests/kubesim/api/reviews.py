"""Self reviews: who am I (kubectl auth whoami), may I (auth can-i), what may I (auth can-i --list)."""

from __future__ import annotations

from . import protobuf, resources
from .auth import Attributes, User, allowed
from .context import Backend, Request
from .wire import Response


def _review(req: Request, spec: dict | None, status: dict) -> Response:
    rtype = req.rtype
    body = {"kind": rtype.kind, "apiVersion": rtype.api_version, "metadata": {"creationTimestamp": None}}
    if spec is not None:
        body["spec"] = spec
    return Response(201, {**body, "status": status})


def self_subject_review(backend: Backend, req: Request) -> Response:
    """The requesting user's name and groups."""
    return _review(req, None, {"userInfo": {"username": req.user.name, "groups": list(req.user.groups)}})


_RESOURCE_ATTRIBUTES = ("namespace", "verb", "group", "version", "resource", "subresource", "name")


def _access_spec_from_protobuf(body: bytes) -> dict:
    spec = protobuf.sub(protobuf.unwrap(body), 2) or {}
    decoded: dict = {}
    res, non = protobuf.sub(spec, 1), protobuf.sub(spec, 2)
    if res is not None:
        decoded["resourceAttributes"] = {k: protobuf.text(res, n) for n, k in enumerate(_RESOURCE_ATTRIBUTES, 1)}
    if non is not None:
        decoded["nonResourceAttributes"] = {"path": protobuf.text(non, 1), "verb": protobuf.text(non, 2)}
    return decoded


def _rules_spec_from_protobuf(body: bytes) -> dict:
    spec = protobuf.sub(protobuf.unwrap(body), 2) or {}
    return {"namespace": protobuf.text(spec, 1)}


def self_subject_access_review(backend: Backend, req: Request) -> Response:
    """Whether the requesting user may do what spec.resourceAttributes or nonResourceAttributes describe."""
    if req.content_type == protobuf.MEDIA_TYPE:  # kubectl auth can-i sends it so
        spec = _access_spec_from_protobuf(req.body)
    else:
        spec = req.json_body().get("spec", {})
    res, non = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if res is not None:
        attrs = Attributes(res.get("verb", ""), res.get("resource", ""), res.get("subresource", ""),
                           res.get("group", ""), res.get("namespace", ""), res.get("name", ""))
    else:
        attrs = Attributes((non or {}).get("verb", ""), path=(non or {}).get("path", ""))
    return _review(req, spec, {"allowed": allowed(req.user, attrs)})


def _resource_rules(user: User, namespace: str) -> list[dict]:
    if user.is_admin:
        return [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}]
    rules = [{"verbs": ["create"], "apiGroups": ["authentication.k8s.io"], "resources": ["selfsubjectreviews"]},
             {"verbs": ["create"], "apiGroups": ["authorization.k8s.io"],
              "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]}]
    for rule in user.rules:
        if rule.namespace not in (None, namespace):
            continue
        groups = sorted({"*" if r == "*" else resources.by_name(r).group for r in rule.resources})
        rules.append({"verbs": list(rule.verbs), "apiGroups": groups, "resources": rule.rbac_resources()})
    return rules


def self_subject_rules_review(backend: Backend, req: Request) -> Response:
    """Every rule that applies to the requesting user in spec.namespace."""
    if req.content_type == protobuf.MEDIA_TYPE:
        spec = _rules_spec_from_protobuf(req.body)
    else:
        spec = req.json_body().get("spec", {})
    status = {"resourceRules": _resource_rules(req.user, spec.get("namespace", "")),
              "nonResourceRules": [{"verbs": ["get"], "nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*",
                                                                          "/healthz", "/livez", "/readyz",
                                                                          "/version", "/version/", "/openapi",
                                                                          "/openapi/*"]}],
              "incomplete": False}
    return _review(req, spec, status)
