"""Fixtures for the deploy tests: a throwaway copy of the project (rules_src/) per test."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.example_fingerprint import copy_shipped_example
from toolkit._attest import Attestation, attest, file_sha256, write_attestation
from toolkit._render import render_manifest

REPO = Path(__file__).resolve().parents[2]

Attest = Callable[..., Attestation]


class Project:
    """A copy of the repository's rules_src/ (manifest, templates, tenant model) in tmp_path."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.manifest = root / "rules_src" / "manifest.toml"
        self.tenant = root / "rules_src" / "tenant.toml"
        self.attestation = root / "build" / "attestation.json"

    def attest(self, tests_passed: int = 3, forced: str | None = None) -> Attestation:
        """What a green run of the rules' tests writes, for the project as it is now."""
        attestation = attest(render_manifest(self.manifest), tests_passed, coverage=100.0,
                             coverage_required=100.0, forced=forced,
                             tenant_sha256=file_sha256(self.manifest.parent / "tenant.toml"))
        write_attestation(attestation, self.attestation)
        return attestation

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def append(self, relative: str, text: str) -> None:
        path = self.root / relative
        path.write_text(path.read_text(encoding="utf-8") + textwrap.dedent(text),
                        encoding="utf-8")

    def replace(self, relative: str, old: str, new: str) -> None:
        path = self.root / relative
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} is not in {relative} exactly once"
        path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    copy_shipped_example(tmp_path)  # skips once the example is changed
    monkeypatch.chdir(tmp_path)
    return Project(tmp_path)
