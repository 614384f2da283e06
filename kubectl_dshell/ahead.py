"""Lookups started before they are needed, so that independent round trips overlap.

A first debugger needs the node's OS, the namespace's Pod Security level and the user's name
before its PATCH; one after the other that is three round trips, side by side one. A lookup started
ahead runs in a daemon thread (a stuck request never holds up the exit); the later call of the same
method with the same arguments takes its answer, or its exception, instead of asking again.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class Ahead:
    """One call running in its own daemon thread."""

    def __init__(self, call: Callable[[], Any]):
        self._done = threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None
        threading.Thread(target=self._run, args=(call,), daemon=True).start()

    def _run(self, call: Callable[[], Any]) -> None:
        try:
            self._value = call()
        except BaseException as exc:  # handed to whoever asks for the result
            self._error = exc
        finally:
            self._done.set()

    def result(self) -> Any:
        """The call's return value once it is done; its exception raised here."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value


class Lookahead:
    """Calls of one object's methods started early, by method name and arguments."""

    def __init__(self) -> None:
        self._started: dict[tuple, Ahead] = {}
        self._lock = threading.Lock()

    def start(self, owner: object, name: str, *args: Any) -> None:
        """Start ``owner.name(*args)`` now, unless it already runs."""
        method = getattr(type(owner), name).unanswered  # the lookup itself, not the check for an early answer
        with self._lock:
            if (name, args) not in self._started:
                self._started[(name, args)] = Ahead(lambda: method(owner, *args))

    def take(self, name: str, args: tuple) -> Ahead | None:
        """The early call of ``name(*args)``, handed out once; None when there is none."""
        with self._lock:
            return self._started.pop((name, args), None)


def answered_ahead(method: F) -> F:
    """Let ``method`` take the answer of a call started ahead (its owner's ``lookahead``)."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any) -> Any:
        early = self.lookahead.take(method.__name__, args)
        return early.result() if early is not None else method(self, *args)

    # Kept in the wrapper's __dict__, which functools.wraps copies: still found when a profiler
    # wraps the method again.
    wrapper.unanswered = method  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]
