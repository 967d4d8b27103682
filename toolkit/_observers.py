"""Observers of every runtime: coverage and mutation testing watch runs without changing tests.

An observer may hand the runtime other code for an artifact (instrumented, or a mutant) with
the same lines, so errors and source maps still point at the template; and it may read what it
recorded in the engine before the engine closes. Observers are off unless someone adds one
(the coverage plugin with ``--rulekit-cov``, ``rulekit mutate``'s subprocesses).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from ._render import Artifact

__all__ = ["RuntimeObserver", "add_observer", "closing", "loading", "remove_observer"]

Evaluate = Callable[[str], Any]


class RuntimeObserver(Protocol):
    def loading(self, artifact: Artifact) -> Artifact:
        """The artifact to load in its place (same ``name``/``kind``/lines); or itself."""
        ...

    def closing(self, evaluate: Evaluate) -> None:
        """Called once per runtime, just before its engine closes; ``evaluate`` runs JS there."""
        ...


_OBSERVERS: list[RuntimeObserver] = []


def add_observer(observer: RuntimeObserver) -> None:
    if observer not in _OBSERVERS:
        _OBSERVERS.append(observer)


def remove_observer(observer: RuntimeObserver) -> None:
    if observer in _OBSERVERS:
        _OBSERVERS.remove(observer)


def loading(artifact: Artifact) -> Artifact:
    for observer in _OBSERVERS:
        artifact = observer.loading(artifact)
    return artifact


def closing(evaluate: Evaluate) -> None:
    from .errors import RulekitError

    for observer in list(_OBSERVERS):
        try:
            observer.closing(evaluate)
        except RulekitError:
            pass  # an engine that broke down has nothing to report; the run's outcome stands
