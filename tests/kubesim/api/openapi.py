"""OpenAPI documents, just enough for kubectl's checks.

kubectl create/replace download /openapi/v2 (as protobuf) when they build their validator, then ask
/openapi/v3 whether the server supports the ``fieldValidation`` query parameter for the object's
kind (a PATCH operation carrying x-kubernetes-group-version-kind and that parameter). When it does,
validation is left to the server and no schema is needed on the client: so v3 lists every resource's
PATCH operation, and v2 is an empty (valid) document.
"""

from __future__ import annotations

import hashlib
import json

from .resources import GroupVersion, ResourceType, group_versions

V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"


def v2_json(git_version: str) -> dict:
    """The Swagger 2.0 document in JSON, empty of paths and definitions."""
    return {"swagger": "2.0", "info": {"title": "Kubernetes", "version": git_version}, "paths": {}, "definitions": {}}


def _patch_path(rtype: ResourceType) -> str:
    prefix = f"/apis/{rtype.group}/{rtype.version}" if rtype.group else f"/api/{rtype.version}"
    scope = "/namespaces/{namespace}" if rtype.namespaced else ""
    return f"{prefix}{scope}/{rtype.name}/{{name}}"


def _patch_operation(rtype: ResourceType) -> dict:
    field_validation = {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": True},
                        "description": "fieldValidation instructs the server on how to handle objects in the "
                                       "request containing unknown or duplicate fields."}
    return {
        "operationId": f"patch{rtype.kind}",
        "parameters": [field_validation],
        "responses": {"200": {"description": "OK"}},
        "x-kubernetes-action": "patch",
        "x-kubernetes-group-version-kind": {"group": rtype.group, "version": rtype.version, "kind": rtype.kind},
    }


def _doc_path(gv: GroupVersion) -> str:
    return f"apis/{gv.group}/{gv.version}" if gv.group else f"api/{gv.version}"


def v3_group_version(gv: GroupVersion, git_version: str) -> dict:
    """The OpenAPI 3 document of one group version."""
    paths = {_patch_path(r): {"patch": _patch_operation(r)} for r in gv.resources if "patch" in r.verbs}
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": git_version}, "paths": paths,
            "components": {"schemas": {}}}


def v3_root(git_version: str) -> dict:
    """The /openapi/v3 index: each group version's document, named by a content hash."""
    paths = {}
    for gv in group_versions():
        digest = hashlib.sha512(json.dumps(v3_group_version(gv, git_version), sort_keys=True).encode()).hexdigest()
        paths[_doc_path(gv)] = {"serverRelativeURL": f"/openapi/v3/{_doc_path(gv)}?hash={digest.upper()[:128]}"}
    return {"paths": paths}


def v3_document(path: str, git_version: str) -> dict | None:
    """The document served at /openapi/v3/<path>, or None when there is none."""
    found = next((gv for gv in group_versions() if _doc_path(gv) == path.strip("/")), None)
    return None if found is None else v3_group_version(found, git_version)
