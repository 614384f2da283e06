"""PATCH of a pod as the apiserver applies it: strategic merge patch, JSON merge patch (RFC 7386)
and JSON patch (RFC 6902), answering malformed bodies and failing operations with the real status.

Mirrors k8s.io/apiserver/pkg/endpoints/handlers/patch.go, apimachinery's strategicpatch package
with the core/v1 Pod patch metadata (patchStrategy/patchMergeKey struct tags), and
gopkg.in/evanphx/json-patch.v4, which the apiserver uses for the two JSON kinds.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..contracts import ApiError
from .pods import go_quote

STRATEGIC = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
APPLY = "application/apply-patch+yaml"
# What a pods PATCH accepts, in the order the 415 message lists them (CBOR apply is gated off in 1.32).
_ACCEPTED = (JSON_PATCH, MERGE, STRATEGIC, APPLY)


# ----------------------------------------------------------------------------------------------
# Errors and Go's JSON messages
# ----------------------------------------------------------------------------------------------

def _bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def _unknown_error(message: str) -> ApiError:
    """A plain Go error reaching the handler: ErrorToAPIStatus gives 500 with no reason."""
    return ApiError(500, "", message)


def _go_v(value: Any) -> str:
    """``value`` as Go's %v prints a decoded JSON value (maps with sorted keys)."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go_v(v)}" for k, v in sorted(value.items())) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go_v(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_SYNTAX_CONTEXTS = {
    "Expecting value": "looking for beginning of value",
    "Expecting property name enclosed in double quotes": "looking for beginning of object key string",
    "Expecting ':' delimiter": "after object key",
    "Extra data": "after top-level value",
    "Invalid control character at": "in string literal",
    "Invalid \\escape": "in string escape code",
}
_GO_KINDS = {dict: "object", list: "array", str: "string", bool: "bool", int: "number", float: "number"}


def _innermost_open(doc: str, pos: int) -> str:
    """The bracket ('{' or '[') enclosing ``pos``, skipping string contents."""
    stack: list[str] = []
    in_string = escaped = False
    for char in doc[:pos]:
        if escaped:
            escaped = False
        elif in_string:
            escaped, in_string = char == "\\", char != '"'
        elif char == '"':
            in_string = True
        elif char in "{[":
            stack.append(char)
        elif char in "}]" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def _quote_char(char: str) -> str:
    """encoding/json's quoteChar."""
    if char == "'":
        return "'\\''"
    if char == '"':
        return "'\"'"
    return "'" + go_quote(char)[1:-1] + "'"


def _syntax_message(err: json.JSONDecodeError) -> str:
    """The message encoding/json gives for the syntax error Python found."""
    if err.msg.startswith("Unterminated string") or err.pos >= len(err.doc):
        return "unexpected end of JSON input"
    if err.msg == "Expecting ',' delimiter":
        inside_object = _innermost_open(err.doc, err.pos) == "{"
        context = "after object key:value pair" if inside_object else "after array element"
    else:
        context = _SYNTAX_CONTEXTS.get(err.msg, "looking for beginning of value")
    return f"invalid character {_quote_char(err.doc[err.pos])} {context}"


def _decode(body: bytes) -> Any:
    """The patch body as JSON; raises ValueError with encoding/json's message."""
    try:
        return json.loads(body.decode("utf-8", "replace"))
    except json.JSONDecodeError as err:
        raise ValueError(_syntax_message(err)) from None


def _type_error(value: Any, go_type: str) -> str:
    return f"json: cannot unmarshal {_GO_KINDS.get(type(value), 'object')} into Go value of type {go_type}"


# ----------------------------------------------------------------------------------------------
# Patch metadata of core/v1 Pod
# ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Field:
    """How a field merges: a list with patchStrategy merge (by ``key``; "" for scalars) or not."""

    merge: bool = False
    key: str = ""
    schema: Mapping[str, "_Field"] = field(default_factory=dict)


_PLAIN = _Field()
_CONTAINER = {
    "ports": _Field(True, "containerPort"),
    "env": _Field(True, "name"),
    "volumeMounts": _Field(True, "mountPath"),
    "volumeDevices": _Field(True, "devicePath"),
}
_POD_SPEC = {
    "volumes": _Field(True, "name"),
    "initContainers": _Field(True, "name", _CONTAINER),
    "containers": _Field(True, "name", _CONTAINER),
    "ephemeralContainers": _Field(True, "name", _CONTAINER),
    "imagePullSecrets": _Field(True, "name"),
    "hostAliases": _Field(True, "ip"),
    "topologySpreadConstraints": _Field(True, "topologyKey"),
    "schedulingGates": _Field(True, "name"),
    "resourceClaims": _Field(True, "name"),
}
_POD = {
    "metadata": _Field(schema={"ownerReferences": _Field(True, "uid"), "finalizers": _Field(True, "")}),
    "spec": _Field(schema=_POD_SPEC),
    "status": _Field(schema={"conditions": _Field(True, "type"), "podIPs": _Field(True, "ip"),
                             "hostIPs": _Field(True, "ip"), "resourceClaimStatuses": _Field(True, "name")}),
}

_ORDER = "$setElementOrder/"
_DELETE_FROM = "$deleteFromPrimitiveList/"


# ----------------------------------------------------------------------------------------------
# Strategic merge patch (strategicpatch.StrategicMergeMapPatch, MergeParallelList and
# IgnoreUnmatchedNulls on)
# ----------------------------------------------------------------------------------------------

def _discard_nulls(value: Any) -> Any:
    """discardNullValuesFromPatch: a new value carries no deletions."""
    if isinstance(value, dict):
        return {k: _discard_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_discard_nulls(v) for v in value]
    return value


def _map_directive(patch: dict) -> dict:
    directive = patch["$patch"]
    if directive == "replace":
        return {k: v for k, v in patch.items() if k != "$patch"}
    if directive == "delete":
        return {}
    raise _unknown_error(f"unknown patch type: {_go_v(directive)} in map: {_go_v(patch)}")


def _apply_retain_keys(original: dict, patch: dict) -> None:
    if "$retainKeys" not in patch:
        return
    keys = patch.pop("$retainKeys")
    if not isinstance(keys, list):
        raise _bad_request("invalid patch format of retainKeys")
    for key, value in patch.items():
        if value is not None and not key.startswith((_ORDER, _DELETE_FROM)) and key not in keys:
            raise _bad_request("invalid patch format of retainKeys")
    for key in [k for k in original if k not in keys]:
        del original[key]


def _merge_map(original: dict, patch: dict, schema: Mapping[str, _Field]) -> dict:
    """mergeMap: ``original`` and ``patch`` are owned copies and are changed."""
    if "$patch" in patch:
        return _map_directive(patch)
    _apply_retain_keys(original, patch)
    _merge_ordered_lists(original, patch, schema)
    for key, value in patch.items():
        if key.startswith(_DELETE_FROM):
            name = key[len(_DELETE_FROM):]
            if isinstance(original.get(name), list):
                original[name] = _delete_from(original[name], value)
        elif value is None:
            original.pop(key, None)
        elif key not in original:
            original[key] = _discard_nulls(value)
        else:
            original[key] = _merge_value(original[key], value, schema.get(key, _PLAIN))
    return original


def _delete_from(current: list, patch: Any) -> list:
    if not isinstance(patch, list):
        raise _bad_request("invalid patch format of primitive list")
    return [v for v in current if v not in patch]


def _merge_value(original: Any, patch: Any, spec: _Field) -> Any:
    if isinstance(original, dict) and isinstance(patch, dict):
        return _merge_map(original, patch, spec.schema)
    if isinstance(original, list) and isinstance(patch, list):
        return _merge_list(original, patch, spec) if spec.merge else patch
    return _discard_nulls(patch)


def _merge_list(original: list, patch: list, spec: _Field) -> list:
    """mergeSlice: merge a list with patchStrategy merge, then restore a stable order."""
    if not original and not patch:
        return original
    kinds = {type(v) for v in original + patch}
    if list in kinds:
        raise ApiError(422, "Invalid", "lists of lists are not supported")
    if len(kinds) > 1:
        raise _unknown_error(f"list element types are not identical: {_go_v([original, patch])}")
    if dict not in kinds:
        merged = list(dict.fromkeys(original + patch))
        return _normalize_order(*_partition(merged, patch, ""), patch, original, "")
    if not spec.key:
        raise _unknown_error("cannot merge lists without merge key for type map")
    original, patch = _special_elements(original, patch, spec.key)
    merged = _merge_items(original, patch, spec)
    return _normalize_order(*_partition(merged, patch, spec.key), patch, original, spec.key)


def _special_elements(original: list, patch: list, key: str) -> tuple[list, list]:
    """mergeSliceWithSpecialElements: apply $patch delete/replace items of a merge list."""
    plain, replace = [], False
    for item in patch:
        directive = item.get("$patch")
        if directive is None:
            plain.append(item)
        elif directive == "delete":
            if key not in item:
                raise _unknown_error(f"map: {_go_v(item)} does not contain declared merge key: {key}")
            original = [o for o in original if o.get(key) != item[key]]
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise _unknown_error("merging lists cannot yet be specified in the patch")
        else:
            raise _unknown_error(f"unknown patch type: {_go_v(directive)} in map: {_go_v(item)}")
    return (plain, []) if replace else (original, plain)


def _merge_items(original: list, patch: list, spec: _Field) -> list:
    """mergeSliceWithoutSpecialElements: merge items with the same merge key, append the rest."""
    merged = list(original)
    for item in patch:
        if spec.key not in item:
            raise _unknown_error(f"map: {_go_v(item)} does not contain declared merge key: {spec.key}")
        index = next((i for i, o in enumerate(merged) if o.get(spec.key) == item[spec.key]), None)
        if index is None:
            merged.append(item)
        else:
            merged[index] = _merge_map(merged[index], item, spec.schema)
    return merged


def _merge_ordered_lists(original: dict, patch: dict, schema: Mapping[str, _Field]) -> None:
    """mergePatchIntoOriginal: merge each list named by a $setElementOrder directive in that order."""
    for directive in [k for k in patch if k.startswith(_ORDER)]:
        order = patch.pop(directive)
        if not isinstance(order, list):
            raise _bad_request("invalid patch format of setElementOrder list")
        name = directive[len(_ORDER):]
        spec = schema.get(name, _PLAIN)
        base, change = original.get(name), patch.pop(name, None)
        if base is None and change is None:
            continue
        if base is not None and change is not None:
            merged = _merge_list(base, change, spec) if spec.merge else change
        else:
            merged = base if base is not None else change
        original[name] = _normalize_order(*_partition(merged, order, spec.key), order, base or [], spec.key)


def _merge_value_of(item: Any, key: str) -> Any:
    return item.get(key) if key and isinstance(item, dict) else item


def _index(items: list, item: Any, key: str) -> int:
    value = _merge_value_of(item, key)
    return next((i for i, other in enumerate(items) if _merge_value_of(other, key) == value), -1)


def _partition(merged: list, by: list, key: str) -> tuple[list, list]:
    """Split ``merged`` into (items present in ``by``, server-only items)."""
    present = [item for item in merged if _index(by, item, key) >= 0]
    return present, [item for item in merged if _index(by, item, key) < 0]


def _normalize_order(patch_items: list, server_only: list, patch_order: list, server_order: list, key: str) -> list:
    """normalizeElementOrder: patch items in patch order, server-only items in server order,
    interleaved by their positions in the server's list (mergeSortedSlice)."""
    def by(order: list) -> Callable[[Any], int]:
        return lambda item: _index(order, item, key)
    left, right = sorted(server_only, key=by(server_order)), sorted(patch_items, key=by(patch_order))
    merged: list = []
    while left and right:
        l_index, r_index = _index(server_order, left[0], key), _index(server_order, right[0], key)
        take_left = l_index >= 0 and r_index >= 0 and l_index < r_index
        merged.append(left.pop(0) if take_left else right.pop(0))
    return merged + left + right


def _strip_directives(value: Any) -> Any:
    """Drop $-keys left in new list items: the typed decode of the result drops unknown fields."""
    if isinstance(value, dict):
        return {k: _strip_directives(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [_strip_directives(v) for v in value]
    return value


def _strategic(obj: dict, body: bytes) -> dict:
    try:
        patch = _decode(body)
    except ValueError as err:
        raise _bad_request(str(err)) from None
    if patch is None:
        return obj
    if not isinstance(patch, dict):
        raise _bad_request(_type_error(patch, "map[string]interface {}"))
    return _strip_directives(_merge_map(obj, patch, _POD))


# ----------------------------------------------------------------------------------------------
# JSON merge patch (jsonpatch.MergePatch)
# ----------------------------------------------------------------------------------------------

def _merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return patch
    if not isinstance(target, dict):
        return _discard_nulls(patch)
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        elif target.get(key) is None:
            target[key] = _discard_nulls(value)
        else:
            target[key] = _merge_patch(target[key], value)
    return target


_UNDECODABLE_ARRAY = ("couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of "
                      'type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; '
                      'Kind string "json:\\"kind,omitempty\\"" }')


def _array_result_error(patch: list) -> ApiError:
    """A merge patch that is an array yields that array, which the decode into a Pod rejects:
    NewInvalid with an empty kind and name, so the message starts with a space."""
    text = go_quote(json.dumps(_discard_nulls(patch), separators=(",", ":"), sort_keys=True))
    body = f"Invalid value: {text}: {_UNDECODABLE_ARRAY}"
    cause = {"reason": "FieldValueInvalid", "message": body, "field": "patch"}
    return ApiError(422, "Invalid", f' "" is invalid: patch: {body}', {"causes": [cause]})


def _json_merge(obj: dict, body: bytes) -> dict:
    try:
        patch = _decode(body)
    except ValueError:
        raise _bad_request("Invalid JSON Patch") from None
    if isinstance(patch, list):
        raise _array_result_error(patch)
    if not isinstance(patch, dict):
        raise _bad_request("Invalid JSON Patch")
    return _merge_patch(obj, patch)


# ----------------------------------------------------------------------------------------------
# JSON patch (jsonpatch.DecodePatch / Patch.Apply)
# ----------------------------------------------------------------------------------------------

class _OpFailed(Exception):
    """An operation does not apply; the apiserver answers every such case alike."""


def _pointer(path: Any) -> list[str]:
    if not isinstance(path, str) or (path and not path.startswith("/")):
        raise _OpFailed(path)
    return [part.replace("~1", "/").replace("~0", "~") for part in path.split("/")[1:]]


def _list_index(container: list, part: str, allow_end: bool) -> int:
    if part == "-" and allow_end:
        return len(container)
    if not part.isdigit() or int(part) > len(container) - (0 if allow_end else 1):
        raise _OpFailed(part)
    return int(part)


def _parent(doc: Any, parts: list[str]) -> Any:
    for part in parts[:-1]:
        if isinstance(doc, dict) and part in doc:
            doc = doc[part]
        elif isinstance(doc, list):
            doc = doc[_list_index(doc, part, False)]
        else:
            raise _OpFailed(part)
    if not isinstance(doc, (dict, list)):
        raise _OpFailed(parts[-1])
    return doc


def _get(doc: Any, parts: list[str]) -> Any:
    if not parts:
        return doc
    parent = _parent(doc, parts)
    if isinstance(parent, dict):
        if parts[-1] not in parent:
            raise _OpFailed(parts[-1])
        return parent[parts[-1]]
    return parent[_list_index(parent, parts[-1], False)]


def _add(doc: Any, parts: list[str], value: Any) -> Any:
    if not parts:
        return value
    parent = _parent(doc, parts)
    if isinstance(parent, dict):
        parent[parts[-1]] = value
    else:
        parent.insert(_list_index(parent, parts[-1], True), value)
    return doc


def _remove(doc: Any, parts: list[str]) -> Any:
    _get(doc, parts)
    parent = _parent(doc, parts)
    if isinstance(parent, dict):
        del parent[parts[-1]]
    else:
        del parent[_list_index(parent, parts[-1], False)]
    return doc


def _apply_op(doc: Any, op: dict) -> Any:
    kind, path = op.get("op"), _pointer(op.get("path"))
    if kind in ("add", "replace", "test") and "value" not in op:
        raise _OpFailed("value")
    if kind == "add":
        return _add(doc, path, copy.deepcopy(op["value"]))
    if kind == "remove":
        return _remove(doc, path)
    if kind == "replace":
        return _add(_remove(doc, path), path, copy.deepcopy(op["value"])) if path else copy.deepcopy(op["value"])
    if kind == "test":
        if _get(doc, path) != op["value"]:
            raise _OpFailed("test")
        return doc
    if kind in ("move", "copy"):
        source = _pointer(op.get("from"))
        value = copy.deepcopy(_get(doc, source))
        doc = _remove(doc, source) if kind == "move" else doc
        return _add(doc, path, value)
    raise _OpFailed(kind)


def _json_patch(obj: dict, body: bytes) -> dict:
    try:
        ops = _decode(body)
    except ValueError as err:
        raise _bad_request(str(err)) from None
    if ops is not None and not isinstance(ops, list):
        raise _bad_request(_type_error(ops, "jsonpatch.Patch"))
    for op in ops or []:
        if not isinstance(op, dict):
            raise _bad_request(_type_error(op, "jsonpatch.Operation"))
    if len(ops or []) > 10000:
        raise ApiError(413, "RequestEntityTooLarge", "Request entity too large: The allowed maximum operations "
                       f"in a JSON patch is 10000, got {len(ops)}")
    try:
        for op in ops or []:
            obj = _apply_op(obj, op)
    except _OpFailed:
        # NewGenericServerResponse(422, ...): the server's own message, the detail is dropped.
        raise ApiError(422, "Invalid", "the server rejected our request due to an error in our request", {}) from None
    return obj


# ----------------------------------------------------------------------------------------------
# Entry point
# ----------------------------------------------------------------------------------------------

_HANDLERS: dict[str, Callable[[dict, bytes], dict]] = {
    STRATEGIC: _strategic,
    MERGE: _json_merge,
    JSON_PATCH: _json_patch,
}


def apply_patch(obj: dict, patch: bytes, content_type: str) -> dict:
    """Apply a PATCH body to a pod as the apiserver does; return a new dict (``obj`` is untouched).

    ``content_type`` picks the kind (parameters such as "; charset=utf-8" are ignored): strategic
    merge with the core/v1 Pod patch metadata, RFC 7386 merge patch, or RFC 6902 JSON patch.
    Raises ApiError as the apiserver answers: 415 UnsupportedMediaType for another type, 400
    BadRequest for an undecodable body, 422 Invalid for a JSON patch operation that does not
    apply, 500 (no reason) for a strategic patch the merge code rejects (e.g. a list item without
    its merge key). Server-side apply is not simulated: its type is answered with 415 too.
    """
    kind = content_type.split(";", 1)[0].strip()
    handler = _HANDLERS.get(kind)
    if handler is None:
        accepted = ", ".join(_ACCEPTED)
        message = f"the body of the request was in an unknown format - accepted media types include: {accepted}"
        if kind == APPLY:
            message = "server-side apply (application/apply-patch+yaml) is not supported by the simulator"
        raise ApiError(415, "UnsupportedMediaType", message)
    return handler(copy.deepcopy(obj), patch)
