"""Discovery documents: /version, /api, /apis and each group version's resource list.

Both forms a 1.32 server offers: the aggregated one (apidiscovery.k8s.io/v2, two requests for the
whole API) when the client asks for it, as kubectl does, else the legacy per-group documents.
"""

from __future__ import annotations

from . import media
from .resources import GroupVersion, ResourceType, Subresource, group_versions

AGGREGATED_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


def version_info(version: str) -> dict:
    """The /version document of a server at ``version`` ("1.32" or "1.32.3")."""
    numbers = (version.lstrip("v").split(".") + ["0"])[:3]
    major, minor, patch = numbers[0], numbers[1], numbers[2] or "0"
    return {
        "major": major, "minor": minor, "gitVersion": f"v{major}.{minor}.{patch}",
        "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
        "buildDate": "2024-12-11T00:00:00Z", "goVersion": "go1.23.4", "compiler": "gc",
        "platform": "linux/amd64",
    }


def wants_aggregated(accept: str) -> bool:
    """Whether the client asked for aggregated discovery (and so understands it)."""
    return media.accepts(accept, **{"as": "APIGroupDiscoveryList", "g": "apidiscovery.k8s.io", "v": "v2"})


def _legacy_resource(rtype: ResourceType) -> list[dict]:
    main: dict = {"name": rtype.name, "singularName": rtype.singular, "namespaced": rtype.namespaced,
                  "kind": rtype.kind, "verbs": sorted(rtype.verbs)}
    if rtype.short_names:
        main["shortNames"] = list(rtype.short_names)
    if rtype.categories:
        main["categories"] = list(rtype.categories)
    return [main, *(_legacy_subresource(rtype, s) for s in rtype.subresources)]


def _legacy_subresource(rtype: ResourceType, sub: Subresource) -> dict:
    entry: dict = {"name": f"{rtype.name}/{sub.name}", "singularName": "", "namespaced": rtype.namespaced}
    if sub.group is not None:  # a kind from another API names its group and version
        entry.update(group=sub.group, version=sub.version)
    return {**entry, "kind": sub.kind, "verbs": list(sub.verbs)}


def resource_list(gv: GroupVersion) -> dict:
    """The legacy APIResourceList of /api/v1 or /apis/GROUP/VERSION."""
    group_version = f"{gv.group}/{gv.version}" if gv.group else gv.version
    resources = [entry for rtype in gv.resources for entry in _legacy_resource(rtype)]
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}


def api_versions(server_address: str) -> dict:
    """The legacy /api document."""
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def _group(gv: GroupVersion) -> dict:
    version = {"groupVersion": f"{gv.group}/{gv.version}", "version": gv.version}
    return {"name": gv.group, "versions": [version], "preferredVersion": version}


def api_group(group: str) -> dict | None:
    """The legacy /apis/GROUP document, or None for a group not served."""
    found = next((gv for gv in group_versions() if gv.group == group and group), None)
    return None if found is None else {"kind": "APIGroup", "apiVersion": "v1", **_group(found)}


def api_group_list() -> dict:
    """The legacy /apis document."""
    return {"kind": "APIGroupList", "apiVersion": "v1",
            "groups": [_group(gv) for gv in group_versions() if gv.group]}


def find_group_version(group: str, version: str) -> GroupVersion | None:
    """The served group version, or None."""
    return next((gv for gv in group_versions() if gv.group == group and gv.version == version), None)


def _aggregated_resource(rtype: ResourceType) -> dict:
    kind = {"group": rtype.group, "version": rtype.version}
    entry: dict = {"resource": rtype.name, "responseKind": {**kind, "kind": rtype.kind},
                   "scope": "Namespaced" if rtype.namespaced else "Cluster",
                   "singularResource": rtype.singular, "verbs": sorted(rtype.verbs)}
    if rtype.short_names:
        entry["shortNames"] = list(rtype.short_names)
    if rtype.categories:
        entry["categories"] = list(rtype.categories)
    if rtype.subresources:
        entry["subresources"] = [{"subresource": s.name, "responseKind": _response_kind(rtype, s),
                                  "verbs": list(s.verbs)} for s in rtype.subresources]
    return entry


def _response_kind(rtype: ResourceType, sub: Subresource) -> dict:
    if sub.group is None:
        return {"group": rtype.group, "version": rtype.version, "kind": sub.kind}
    return {"group": sub.group, "version": sub.version, "kind": sub.kind}


def aggregated(core: bool) -> dict:
    """The aggregated APIGroupDiscoveryList of /api (``core``) or /apis."""
    items = []
    for gv in group_versions():
        if bool(gv.group) == core:
            continue
        metadata = {"name": gv.group, "creationTimestamp": None} if gv.group else {"creationTimestamp": None}
        version = {"version": gv.version, "freshness": "Current",
                   "resources": [_aggregated_resource(r) for r in gv.resources]}
        items.append({"metadata": metadata, "versions": [version]})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items}
