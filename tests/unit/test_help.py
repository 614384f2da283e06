"""--help as a new user reads it: checked against the options and commands the CLI really declares, and
every example parsed by the real command line, so neither can drift from the code."""

from __future__ import annotations

import re
import shlex

import pytest
import typer
from typer.testing import CliRunner

from kubectl_dshell import cli
from kubectl_dshell.flags import COMMON
from kubectl_dshell.helptext import EXAMPLES

GROUP = typer.main.get_command(cli.app)
VERBS = list(GROUP.commands)  # type: ignore[attr-defined]


def help_of(*args: str) -> str:
    result = CliRunner().invoke(cli.app, [*args, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    return result.output


def section(text: str, title: str) -> str:
    """The lines of section ``title`` (up to the next unindented line)."""
    match = re.search(rf"^{re.escape(title)}.*:\n((?:  .*\n|\n)*)", text, re.M)
    assert match, f"no {title} section in:\n{text}"
    return match.group(1)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_top_level_help_lists_every_shared_option_and_its_own() -> None:
    options = section(help_of(), "Options")
    shared = {name for name, _, _ in COMMON}
    params = [p for p in GROUP.commands["shell"].params if p.name in shared]  # type: ignore[attr-defined]
    assert {p.name for p in params} == shared
    for param in params + list(GROUP.get_params(typer.Context(GROUP))):
        for opt in param.opts:
            assert re.search(rf"(^|[ ,]){re.escape(opt)}\b", options, re.M), f"{opt} missing from --help"
    for opt in ("-n", "-c", "--context", "--kubeconfig", "--image", "--profile", "--timeout", "--reason", "--version"):
        assert opt in options


def test_the_top_level_help_lists_every_verb_with_its_summary_uncut() -> None:
    commands = flat(section(help_of(), "Commands"))
    assert "..." not in commands
    for name, command in GROUP.commands.items():  # type: ignore[attr-defined]
        first_sentence = flat(command.help.split("\n\n")[0])
        assert f"{name} {first_sentence}" in commands


@pytest.mark.parametrize("verb", ["", *VERBS])
def test_every_command_has_examples_in_its_help(verb: str) -> None:
    assert EXAMPLES[verb], verb
    examples = section(help_of(*([verb] if verb else [])), "Examples")
    for what, command in EXAMPLES[verb]:
        assert f"  # {what}\n  {command}\n" in examples


def _invocations() -> list[tuple[str, list[str]]]:
    found = []
    for verb, examples in EXAMPLES.items():
        for _, line in examples:
            for part in re.split(r"\s*(?:\||&&)\s*", line):
                words = shlex.split(part)
                if words[:2] == ["kubectl", "dshell"]:
                    found.append((verb, words[2:]))
    return found


@pytest.mark.parametrize(("verb", "args"), _invocations())
def test_every_example_parses_as_the_verb_it_shows(verb: str, args: list[str]) -> None:
    """Parsed as the CLI parses a real command line (routing, options, values), but not run."""
    ctx = GROUP.make_context("kubectl dshell", list(args))
    name, command, rest = GROUP.resolve_command(ctx, [*ctx._protected_args, *ctx.args])  # type: ignore[attr-defined]
    assert name == verb or verb == ""  # "" (the top-level help) shows any command
    command.make_context(name, rest, parent=ctx)  # raises on an unknown option or a bad value


def test_usage_lines_read_as_the_arguments_are_typed() -> None:
    assert help_of("ls").startswith("Usage: kubectl dshell ls [flags] [POD] PATH\n")
    assert help_of("cp").startswith("Usage: kubectl dshell cp [flags] POD:PATH LOCAL\n")
    assert help_of("cat").startswith("Usage: kubectl dshell cat [flags] POD PATH\n")
    assert help_of("net").startswith("Usage: kubectl dshell net [flags] [POD]\n")
    assert help_of("web").startswith("Usage: kubectl dshell shell [flags] POD [-- CMD [ARG...]]\n")
