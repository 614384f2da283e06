"""Secret values kept out of everything dshell prints: env values, command lines, process names (pure).

Which values are secret is env's decision (:func:`.environ.secret_masker`); this module hides them
wherever they appear, behind the same marker env shows for a masked variable.
"""

from __future__ import annotations

from dataclasses import dataclass

from .sections import unhex

MASK = "****"
# A secret shorter than this ("1", "on", "abc") is hidden only where it is a whole value (a whole
# variable, a whole argument, the VALUE of an --option=VALUE argument): hidden inside any text, it
# would also hide that many letters in every word that holds them, and the mangled rest would hint
# at the secret anyway.
MIN_SUBSTRING = 4


@dataclass(frozen=True)
class Masker:
    """Hides ``values`` wherever they appear. ``blind``: the values could not be read (the target's
    environment was unreadable), so the arguments of the target container's processes are hidden."""

    values: frozenset[str] = frozenset()
    blind: bool = False

    def text(self, value: str) -> str:
        """``value`` with every secret in it replaced by the marker (longest secrets first)."""
        if value in self.values:
            return MASK
        for secret in sorted((v for v in self.values if len(v) >= MIN_SUBSTRING), key=len, reverse=True):
            value = value.replace(secret, MASK)
        return value

    def argument(self, arg: str) -> str:
        """One argument: as :meth:`text`, and a short secret as the VALUE of ``--option=VALUE``."""
        option, equals, value = arg.partition("=")
        if equals and value in self.values:
            return f"{option}={MASK}"
        return self.text(arg)

    def argv(self, args: list[str], target_container: bool) -> list[str]:
        """A command line; every argument hidden when blind and the process is the target container's."""
        if self.blind and target_container:
            return args[:1] + [MASK] * len(args[1:])
        return [self.argument(arg) for arg in args]


def target_environ(found: dict[str, bytes]) -> bytes | None:
    """The target's environment from a probe's "environ" section (hex); None when it was unreadable."""
    hexdump = found.get("environ")
    return None if hexdump is None else unhex(hexdump)
