"""Shell completion through kubectl's plugin protocol (kubectl 1.26 and newer).

For ``kubectl dshell <TAB>`` kubectl runs an executable ``kubectl_complete-dshell`` with the words
typed so far, the last one partial; that wrapper runs ``kubectl-dshell __complete "$@"``. The
answer is cobra's: one candidate per line, then ``:4`` (no file completion).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import typer

from .argv import positionals, value_options
from .cli import DEFAULT_VERB, app
from .options import Connection

NO_FILE_COMPLETION = ":4"
NAMESPACE_FLAGS = ("-n", "--namespace")
CONTAINER_FLAGS = ("-c", "--container")

# (kind, connection, pod) -> names: "pods" and "namespaces" of the cluster, "containers" of one pod.
Lookup = Callable[[str, Connection, str], list[str]]


def flag_value(args: list[str], names: tuple[str, ...]) -> str | None:
    """The last value given to a flag, as ``-n ns`` or ``--namespace=ns``."""
    value = None
    for index, token in enumerate(args):
        if token in names and index + 1 < len(args):
            value = args[index + 1]
        for name in names:
            if token.startswith(name + "="):
                value = token.split("=", 1)[1]
    return value


def connection_from(args: list[str]) -> Connection:
    """The cluster flags among the words typed so far."""
    return Connection(
        kubeconfig=flag_value(args, ("--kubeconfig",)),
        context=flag_value(args, ("--context",)),
        namespace=flag_value(args, NAMESPACE_FLAGS),
    )


def candidates(args: list[str], verbs: list[str], flags: list[str], value_flags: set[str], lookup: Lookup) -> list[str]:
    """What may come next for ``args`` (the last word is the partial one)."""
    *done, word = args or [""]
    if "--" in done:
        return []
    if word.startswith("-"):
        return [flag for flag in flags if flag.startswith(word)]
    if done and done[-1] in NAMESPACE_FLAGS:
        return [ns for ns in lookup("namespaces", connection_from(done), "") if ns.startswith(word)]
    found = positionals(done, value_flags)
    if done and done[-1] in CONTAINER_FLAGS:
        pod = _pod_typed(done, found, verbs)
        return [c for c in lookup("containers", connection_from(done), pod) if c.startswith(word)] if pod else []
    if done and done[-1] in value_flags:
        return []
    if len(found) > 1 or (found and done[found[0]] not in verbs):
        return []
    pods = [pod for pod in lookup("pods", connection_from(done), "") if pod.startswith(word)]
    return ([verb for verb in verbs if verb.startswith(word)] if not found else []) + pods


def _pod_typed(done: list[str], found: list[int], verbs: list[str]) -> str | None:
    """The pod named so far (after a verb, if any; cp's POD:PATH counts): NAME or pod/NAME, else None."""
    words = [done[i] for i in found]
    if words and words[0] in verbs:
        words = words[1:]
    if not words:
        return None
    name = words[0].partition(":")[0].removeprefix("pod/").removeprefix("po/")
    return name if name and "/" not in name else None


def lookup_names(kind: str, conn: Connection, pod: str) -> list[str]:
    """Pod or namespace names from the cluster, or the target containers of ``pod`` (regular, then
    init); nothing when that fails (completion must not)."""
    from .errors import DshellError
    from .kube import Kube
    from .podspec import SPEC_KINDS
    from .redact import Secrets

    try:
        kube = Kube.connect(conn, Secrets())  # completion prints no message
        if kind == "containers":
            found = kube.get_pod_or_none(kube.namespace, pod) or {"spec": {}}
            return [c["name"] for key in SPEC_KINDS for c in found["spec"].get(key) or []]
        items = kube.list_pods(kube.namespace) if kind == "pods" else kube.list_namespaces()
    except DshellError:
        return []
    return [item["metadata"]["name"] for item in items]


def complete(args: list[str], lookup: Lookup = lookup_names) -> None:
    """Answer one completion request on stdout."""
    group = typer.main.get_command(app)
    shell = group.commands[DEFAULT_VERB]  # type: ignore[attr-defined]
    flags = sorted(name for param in shell.params for name in param.opts if name.startswith("--"))
    verbs = sorted(group.commands)  # type: ignore[attr-defined]
    for candidate in candidates(args, verbs, flags, value_options(shell.params), lookup):
        sys.stdout.write(candidate + "\n")
    sys.stdout.write(NO_FILE_COMPLETION + "\n")


def main() -> None:
    """Entry point for an executable named ``kubectl_complete-dshell``."""
    complete(sys.argv[1:])
