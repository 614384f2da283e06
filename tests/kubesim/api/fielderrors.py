"""Field errors as the apiserver reports them: k8s.io/apimachinery's field.Error values, their ErrorBody
text, Go's %q quoting, and the 422 Invalid Status a list of them becomes for a Pod
(errors.NewInvalid over an aggregate).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable

from ..contracts import ApiError
from . import names

MAX_INT32 = 2**31 - 1

_GO_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\a": "\\a",
               "\b": "\\b", "\f": "\\f", "\v": "\\v"}


def go_quote(text: str) -> str:
    """``text`` as Go's %q (strconv.Quote) prints it: double quotes, Go escapes."""
    out = []
    for char in text:
        if char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _bad_value(value: Any) -> str:
    """A field.Error BadValue as ErrorBody prints it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, (int, float)):
        return str(value)
    # Go prints structs with %#v; the JSON form carries the same information.
    return json.dumps(value, separators=(",", ":"))


@dataclass(frozen=True)
class FieldError:
    """One field.Error: ``reason`` is its type (the Status cause reason), ``body`` its ErrorBody."""

    reason: str
    field: str
    body: str

    def __str__(self) -> str:
        return f"{self.field}: {self.body}"


def _with_detail(body: str, detail: str) -> str:
    return f"{body}: {detail}" if detail else body


def required(path: str, detail: str = "") -> FieldError:
    """field.Required: ``Required value[: detail]``."""
    return FieldError("FieldValueRequired", path, _with_detail("Required value", detail))


def forbidden(path: str, detail: str) -> FieldError:
    """field.Forbidden: ``Forbidden: detail``."""
    return FieldError("FieldValueForbidden", path, _with_detail("Forbidden", detail))


def invalid(path: str, value: Any, detail: str) -> FieldError:
    """field.Invalid: ``Invalid value: <value>[: detail]``."""
    return FieldError("FieldValueInvalid", path, _with_detail(f"Invalid value: {_bad_value(value)}", detail))


def duplicate(path: str, value: Any) -> FieldError:
    """field.Duplicate: ``Duplicate value: <value>``."""
    return FieldError("FieldValueDuplicate", path, f"Duplicate value: {_bad_value(value)}")


def not_found(path: str, value: Any) -> FieldError:
    """field.NotFound: ``Not found: <value>``."""
    return FieldError("FieldValueNotFound", path, f"Not found: {_bad_value(value)}")


def not_supported(path: str, value: Any, valid: Iterable[str]) -> FieldError:
    """field.NotSupported: ``Unsupported value: <value>: supported values: "a", "b"``."""
    detail = "supported values: " + ", ".join(go_quote(v) for v in valid)
    return FieldError("FieldValueNotSupported", path, f"Unsupported value: {_bad_value(value)}: {detail}")


def name_errors(rule: str, value: str, path: str) -> list[FieldError]:
    """One Invalid error per problem of ``value`` under a names.py rule ("label" or "subdomain")."""
    return [invalid(path, value, problem) for problem in names.problems(rule, value)]


def in_range(value: Any, path: str, low: int, high: int) -> list[FieldError]:
    """An integer field bounded on both sides, inclusive."""
    if isinstance(value, int) and low <= value <= high:
        return []
    return [invalid(path, value, f"must be between {low} and {high}, inclusive")]


def one_of(value: Any, path: str, valid: tuple[str, ...]) -> list[FieldError]:
    """An enum field: empty is Required, anything unknown is NotSupported (valid listed in order)."""
    if not value:
        return [required(path)]
    return [] if value in valid else [not_supported(path, value, valid)]


def raise_if_invalid_pod(name: str, errors: list[FieldError]) -> None:
    """errors.NewInvalid(Kind("Pod"), name, errors) when there are errors: 422 with one cause per
    field error, the message listing each distinct error once."""
    if not errors:
        return
    causes = [{"reason": e.reason, "message": e.body, "field": e.field} for e in errors]
    messages = list(dict.fromkeys(str(e) for e in errors))  # the aggregate drops repeats
    text = messages[0] if len(messages) == 1 else "[" + ", ".join(messages) + "]"
    details = {"name": name, "kind": "Pod", "causes": causes}
    raise ApiError(422, "Invalid", f"Pod {go_quote(name)} is invalid: {text}", details)
