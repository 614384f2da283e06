"""Label selectors checked before any request, in Kubernetes' grammar (apimachinery's labels package):

    selector    ::= requirement ("," requirement)*
    requirement ::= "!" KEY | KEY | KEY ("=" | "==" | "!=") VALUE | KEY ("in" | "notin") "(" VALUES ")"
                  | KEY (">" | "<") INTEGER

KEY is a qualified name (an optional DNS-subdomain prefix and "/", then a name of at most 63
characters), VALUE a label value (empty, or at most 63 characters). A selector the API server would
refuse is a usage error here, worded for the command line rather than as the server's 400.
"""

from __future__ import annotations

import re

from .errors import UsageError

_NAME = r"[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?"
_PREFIX = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*"
KEY = re.compile(rf"(?:(?P<prefix>{_PREFIX})/)?(?P<name>{_NAME})")
VALUE = re.compile(rf"(?:{_NAME})?")
TERM = re.compile(
    r"\s*(?:!\s*(?P<absent>\S+?)"
    r"|(?P<key>[^\s!=<>(),]+)\s*(?:(?P<eq>==|!=|=)\s*(?P<value>[^\s,]*)"
    r"|(?P<cmp>[<>])\s*(?P<number>\d+)"
    r"|\s(?P<set>in|notin)\s*\((?P<values>[^()]*)\))?)\s*"
)
HINT = "for example -l app=web, -l 'app in (web,api)' or -l '!canary'"


def _terms(selector: str) -> list[str]:
    """The requirements: the selector split at commas outside parentheses."""
    terms, depth, start = [], 0, 0
    for index, char in enumerate(selector):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            terms.append(selector[start:index])
            start = index + 1
    return [*terms, selector[start:]]


def _key_problem(key: str) -> str | None:
    match = KEY.fullmatch(key)
    if not match:
        return f"{key!r} is not a label key"
    if len(match.group("name")) > 63 or len(match.group("prefix") or "") > 253:
        return f"label key {key!r} is too long"
    return None


def _value_problem(value: str) -> str | None:
    if not VALUE.fullmatch(value) or len(value) > 63:
        return f"{value!r} is not a label value"
    return None


def _term_problem(term: str) -> str | None:
    """Why one requirement is not in the grammar, or None."""
    if not term.strip():
        return "an empty requirement between commas"
    match = TERM.fullmatch(term)
    if not match:
        return f"cannot parse {term.strip()!r}"
    key = match.group("absent") or match.group("key")
    values = [match.group("value")] if match.group("eq") else []
    if match.group("set"):
        values = [v.strip() for v in match.group("values").split(",")]
        if values == [""]:
            return f"{match.group('set')} needs at least one value"
    problems = [_key_problem(key), *(_value_problem(v) for v in values)]
    return next((p for p in problems if p), None)


def check_selector(selector: str) -> None:
    """Raise a usage error for a selector the API server would refuse (an empty one selects all)."""
    if not selector.strip():
        return
    for term in _terms(selector):
        problem = _term_problem(term)
        if problem:
            raise UsageError(f"invalid label selector {selector!r}: {problem}", HINT)
