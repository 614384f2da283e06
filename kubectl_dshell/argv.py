"""Scanning a command line the way click will parse it: which tokens are positionals."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def positionals(args: Sequence[str], value_options: set[str]) -> list[int]:
    """Indexes of positional tokens before ``--`` (skipping options and the values they take)."""
    found: list[int] = []
    skip = False
    for index, token in enumerate(args):
        if skip:
            skip = False
        elif token == "--":
            break
        elif token.startswith("-") and token != "-":
            skip = token in value_options
        else:
            found.append(index)
    return found


def value_options(params: Iterable[Any]) -> set[str]:
    """The option names among click ``params`` that take a value (``-n NS``, not ``-q``)."""
    names: set[str] = set()
    for param in params:
        if getattr(param, "param_type_name", "") == "option" and not getattr(param, "is_flag", False):
            names.update(param.opts + param.secondary_opts)
    return names
