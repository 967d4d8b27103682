"""pytest plugin for ``rulekit mutate``'s subprocesses: swap one mutant in for its artifact.

Loaded with ``-p toolkit._mutant_plugin``; ``RULEKIT_MUTANT`` names a JSON file
``{"kind", "name", "sha256", "code"}``. Wherever a runtime loads the artifact of that kind and
name whose code has that sha256 (the manifest's rendering, not a variant rendered with other
parameters), it gets the mutant's code instead. A file ``<spec>.loaded`` records that it did.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from ._observers import Evaluate, add_observer
from ._render import Artifact

__all__ = ["MutantSwap", "pytest_configure"]


class MutantSwap:
    def __init__(self, spec: Path) -> None:
        data = json.loads(spec.read_text(encoding="utf-8"))
        self.spec = spec
        self.kind = str(data["kind"])
        self.name = str(data["name"])
        self.sha256 = str(data["sha256"])
        self.code = str(data["code"])

    def loading(self, artifact: Artifact) -> Artifact:
        if (artifact.kind, artifact.name, artifact.sha256) != (self.kind, self.name, self.sha256):
            return artifact
        self.spec.with_suffix(".loaded").touch()
        return replace(artifact, code=self.code)

    def closing(self, evaluate: Evaluate) -> None:
        return None


def pytest_configure(config: pytest.Config) -> None:
    spec = os.environ.get("RULEKIT_MUTANT")
    if spec:
        add_observer(MutantSwap(Path(spec)))
