"""Helpers for the toolkit's own tests: throwaway rules_src/ folders."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

MakeSource = Callable[..., Path]


@pytest.fixture
def make_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MakeSource:
    """Write a rules_src/ with a manifest and templates into tmp_path (the cwd); return the
    manifest path. Texts are dedented."""
    monkeypatch.chdir(tmp_path)

    def make(manifest: str, **templates: str) -> Path:
        root = tmp_path / "rules_src"
        (root / "templates").mkdir(parents=True, exist_ok=True)
        for name, text in templates.items():
            path = root / "templates" / name.replace("__", "/").replace("_j2", ".js.j2")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        manifest_path = root / "manifest.toml"
        manifest_path.write_text(textwrap.dedent(manifest).lstrip("\n"), encoding="utf-8")
        return manifest_path

    return make
