"""metav1.Table responses, for clients that ask for ``as=Table;v=v1;g=meta.k8s.io`` (kubectl get)."""

from __future__ import annotations

from datetime import datetime

from . import errors, media, meta
from .printers import printer_for

_POD_DONE = {
    "Succeeded": {"type": "Completed", "status": "True", "reason": "Succeeded",
                  "message": "The pod has completed successfully."},
    "Failed": {"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."},
}


def wants_table(accept: str) -> bool:
    """Whether an Accept header asks for a Table (kubectl get sends as=Table;v=v1;g=meta.k8s.io first)."""
    return media.accepts(accept, **{"as": "Table", "g": "meta.k8s.io", "v": "v1"})


def _row_object(obj: dict, include_object: str) -> dict | None:
    if include_object == "Object":
        return obj
    if include_object == "None":
        return None
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]}


def _row(resource: str, obj: dict, include_object: str, now: datetime) -> dict:
    row: dict = {"cells": printer_for(resource).cells(obj, now)}
    condition = _POD_DONE.get(obj.get("status", {}).get("phase", "")) if resource == "pods" else None
    if condition:
        row["conditions"] = [condition]
    shown = _row_object(obj, include_object)
    if shown is not None:
        row["object"] = shown
    return row


def table(resource: str, objects: list[dict], resource_version: str, *, include_object: str = "Metadata",
          headers: bool = True) -> dict:
    """A Table of the objects; ``headers`` False leaves the column definitions out (later watch events)."""
    if include_object not in ("None", "Metadata", "Object"):
        raise errors.bad_request(f'includeObject: Unsupported value: "{include_object}": supported values: '
                                 '"None", "Metadata", "Object"')
    columns = [
        {"name": name, "type": kind, "format": "name" if name == "Name" else "", "description": "", "priority": prio}
        for name, kind, prio in printer_for(resource).columns
    ] if headers else []
    now = meta.now()
    return {
        "kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": columns, "rows": [_row(resource, o, include_object, now) for o in objects],
    }
