"""Just enough of Kubernetes' protobuf encoding to read the bodies kubectl sends that way.

kubectl's typed clients (``auth can-i``, ``create namespace|configmap|secret|serviceaccount|role|
rolebinding|clusterrole|clusterrolebinding|token``) send
``application/vnd.kubernetes.protobuf``: the bytes ``k8s\\0`` and a runtime.Unknown wrapping the object.
Objects are decoded with the field numbers of k8s.io/api's generated.proto, for the kinds listed here.
"""

from __future__ import annotations

import base64
from typing import Union

from . import errors

MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
_MAGIC = b"k8s\x00"

Fields = dict[int, list]


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data):
            raise errors.bad_request("the body of the request could not be decoded: truncated protobuf")
        byte = data[pos]
        value |= (byte & 0x7F) << shift
        pos, shift = pos + 1, shift + 7
        if not byte & 0x80:
            return value, pos


def fields(data: bytes) -> Fields:
    """A message's fields by number: varints as ints, length-delimited values as bytes."""
    found: Fields = {}
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, pos = _varint(data, pos)
        elif wire_type == 2:
            length, pos = _varint(data, pos)
            value, pos = data[pos:pos + length], pos + length
        else:
            raise errors.bad_request(f"the body of the request could not be decoded: protobuf wire type {wire_type}")
        found.setdefault(number, []).append(value)
    return found


def text(message: Fields, number: int) -> str:
    """A string field ("" when absent)."""
    return (message.get(number) or [b""])[0].decode()


def sub(message: Fields, number: int) -> Fields | None:
    """An embedded message field, None when absent."""
    values = message.get(number)
    return fields(values[0]) if values else None


def unwrap(body: bytes) -> Fields:
    """The object inside a ``k8s\\0`` + runtime.Unknown envelope (field 2 of Unknown is the raw object)."""
    if not body.startswith(_MAGIC):
        raise errors.bad_request("the body of the request could not be decoded: no protobuf envelope")
    raw = sub(fields(body[len(_MAGIC):]), 2)
    return raw if raw is not None else {}


# A schema maps field numbers to (JSON name, how to read it): "str", "bool", "int", "strs" (repeated
# string), "map" (map<string,string>), "map64" (map<string,bytes>, base64 in JSON), or a nested
# schema, in a list for a repeated message.
Schema = dict[int, tuple[str, Union[str, dict, list]]]

_OBJECT_REFERENCE: Schema = {1: ("kind", "str"), 2: ("namespace", "str"), 3: ("name", "str"), 4: ("uid", "str"),
                             5: ("apiVersion", "str"), 6: ("resourceVersion", "str"), 7: ("fieldPath", "str")}
_OWNER_REFERENCE: Schema = {1: ("kind", "str"), 3: ("name", "str"), 4: ("uid", "str"), 5: ("apiVersion", "str"),
                            6: ("controller", "bool"), 7: ("blockOwnerDeletion", "bool")}
_OBJECT_META: Schema = {1: ("name", "str"), 2: ("generateName", "str"), 3: ("namespace", "str"),
                        11: ("labels", "map"), 12: ("annotations", "map"),
                        13: ("ownerReferences", [_OWNER_REFERENCE]), 14: ("finalizers", "strs")}
_LABEL_SELECTOR_REQUIREMENT: Schema = {1: ("key", "str"), 2: ("operator", "str"), 3: ("values", "strs")}
_LABEL_SELECTOR: Schema = {1: ("matchLabels", "map"), 2: ("matchExpressions", [_LABEL_SELECTOR_REQUIREMENT])}
_POLICY_RULE: Schema = {1: ("verbs", "strs"), 2: ("apiGroups", "strs"), 3: ("resources", "strs"),
                        4: ("resourceNames", "strs"), 5: ("nonResourceURLs", "strs")}
_BINDING: Schema = {1: ("metadata", _OBJECT_META),
                    2: ("subjects", [{1: ("kind", "str"), 2: ("apiGroup", "str"), 3: ("name", "str"),
                                      4: ("namespace", "str")}]),
                    3: ("roleRef", {1: ("apiGroup", "str"), 2: ("kind", "str"), 3: ("name", "str")})}
_TOKEN_REQUEST_SPEC: Schema = {1: ("audiences", "strs"), 4: ("expirationSeconds", "int"),
                               3: ("boundObjectRef", {1: ("kind", "str"), 2: ("apiVersion", "str"),
                                                      3: ("name", "str"), 4: ("uid", "str")})}
# Keyed by resource, or resource/subresource for a subresource that takes a kind of its own.
SCHEMAS: dict[str, Schema] = {
    "namespaces": {1: ("metadata", _OBJECT_META), 2: ("spec", {1: ("finalizers", "strs")})},
    "configmaps": {1: ("metadata", _OBJECT_META), 2: ("data", "map"), 3: ("binaryData", "map64"),
                   4: ("immutable", "bool")},
    "secrets": {1: ("metadata", _OBJECT_META), 2: ("data", "map64"), 3: ("type", "str"), 4: ("stringData", "map"),
                5: ("immutable", "bool")},
    "serviceaccounts": {1: ("metadata", _OBJECT_META), 2: ("secrets", [_OBJECT_REFERENCE]),
                        3: ("imagePullSecrets", [{1: ("name", "str")}]), 4: ("automountServiceAccountToken", "bool")},
    "roles": {1: ("metadata", _OBJECT_META), 2: ("rules", [_POLICY_RULE])},
    "clusterroles": {1: ("metadata", _OBJECT_META), 2: ("rules", [_POLICY_RULE]),
                     3: ("aggregationRule", {1: ("clusterRoleSelectors", [_LABEL_SELECTOR])})},
    "rolebindings": _BINDING,
    "clusterrolebindings": _BINDING,
    "serviceaccounts/token": {1: ("metadata", _OBJECT_META), 2: ("spec", _TOKEN_REQUEST_SPEC)},
}


def _read(values: list, how: Union[str, dict, list]) -> object:
    if how == "str":
        return values[-1].decode()
    if how == "bool":
        return bool(values[-1])
    if how == "int":  # int64 as a varint: two's complement for negative values
        return values[-1] - (1 << 64) if values[-1] >= 1 << 63 else values[-1]
    if how == "strs":
        return [v.decode() for v in values]
    if how in ("map", "map64"):
        entries = [fields(v) for v in values]
        if how == "map":
            return {text(e, 1): text(e, 2) for e in entries}
        return {text(e, 1): base64.b64encode((e.get(2) or [b""])[0]).decode() for e in entries}
    if isinstance(how, list):
        return [decode(fields(v), how[0]) for v in values]
    return decode(fields(values[-1]), how)


def decode(message: Fields, schema: Schema) -> dict:
    """A decoded message as its JSON form (fields the schema does not know are left out).

    Go's protobuf encoding writes every non-pointer string, empty ones too; their JSON tags are
    omitempty, so an empty string is left out as the JSON form would leave it out.
    """
    decoded = {name: _read(message[number], how) for number, (name, how) in schema.items() if number in message}
    return {name: value for name, value in decoded.items() if value != ""}


def decode_object(resource: str, body: bytes) -> dict:
    """The JSON form of a protobuf-encoded object of ``resource`` (or ``resource/subresource``);
    415 for a kind not decodable here."""
    schema = SCHEMAS.get(resource)
    if schema is None:
        raise errors.unsupported_media_type(["application/json", "application/yaml"])
    return decode(unwrap(body), schema)
