"""Self reviews: who am I (kubectl auth whoami), may I (auth can-i), what may I (auth can-i --list)."""

from __future__ import annotations

from . import protobuf, rbac
from .auth import Attributes, User, decide
from .context import Backend, Request
from .store import Store
from .wire import Response


def _review(req: Request, spec: dict | None, status: dict) -> Response:
    rtype = req.rtype
    body = {"kind": rtype.kind, "apiVersion": rtype.api_version, "metadata": {"creationTimestamp": None}}
    if spec is not None:
        body["spec"] = spec
    return Response(201, {**body, "status": status})


def self_subject_review(backend: Backend, req: Request) -> Response:
    """The requesting user's name, uid, groups and extra attributes."""
    user = req.user
    info: dict = {"username": user.name}
    if user.uid:
        info["uid"] = user.uid
    info["groups"] = list(user.groups)
    if user.extra:
        info["extra"] = {key: list(values) for key, values in user.extra}
    return _review(req, None, {"userInfo": info})


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
    ok, reason = decide(backend.store, req.user, attrs)
    return _review(req, spec, {"allowed": ok, **({"reason": reason} if reason else {})})


def _rules(store: Store, user: User, namespace: str) -> tuple[list[dict], list[str]]:
    """The user's PolicyRules in a namespace (static ones first, then RBAC's), and RBAC's errors."""
    rules = [rule.policy_rule() for rule in user.rules if rule.applies_in(namespace)]
    errors = []
    for grant in rbac.grants(store, user, namespace):
        rules.extend(grant.rules)
        if grant.error:
            errors.append(grant.error)
    return rules, errors


def _rules_status(store: Store, user: User, namespace: str) -> dict:
    """SubjectRulesReviewStatus: each rule split into its resource and non-resource parts."""
    rules, errors = _rules(store, user, namespace)
    keys = ("verbs", "apiGroups", "resources", "resourceNames")
    status = {
        "resourceRules": [{k: rule[k] for k in keys if rule.get(k)} for rule in rules if rule.get("resources")],
        "nonResourceRules": [{"verbs": rule["verbs"], "nonResourceURLs": rule["nonResourceURLs"]}
                             for rule in rules if rule.get("nonResourceURLs")],
        "incomplete": False,
    }
    if errors:
        status["evaluationError"] = rbac.aggregate_errors(errors)
    return status


def self_subject_rules_review(backend: Backend, req: Request) -> Response:
    """Every rule that applies to the requesting user in spec.namespace."""
    if req.content_type == protobuf.MEDIA_TYPE:
        spec = _rules_spec_from_protobuf(req.body)
    else:
        spec = req.json_body().get("spec", {})
    return _review(req, spec, _rules_status(backend.store, req.user, spec.get("namespace", "")))
