"""Fixtures for the rules' own tests: the manifest's pipeline, loaded once per session."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from toolkit import RulesRuntime, load_manifest, load_rules

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "rules_src" / "manifest.toml"
NOW = "2026-11-28T10:00:00Z"

Variant = Callable[..., RulesRuntime]


def toml_value(value: Any) -> str:
    """``value`` as TOML: tables inline, strings and numbers as JSON writes them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value)


@pytest.fixture(scope="session")
def pipeline(rulekit_values: dict[str, str]) -> Iterator[RulesRuntime]:
    """Every enabled rule of rules_src/manifest.toml, in order, in one V8 engine, with
    rulekit_values as their configuration."""
    with RulesRuntime(load_rules(MANIFEST), configuration=rulekit_values, now=NOW) as runtime:
        yield runtime


@pytest.fixture
def variant(tmp_path: Path) -> Iterator[Variant]:
    """``variant("rule-name", provider="guardian")``: that rule alone, rendered with other params.

    The rules_src/ folder is copied and its manifest rewritten, so the real templates render
    exactly as `rulekit render` would render them.
    """
    opened: list[RulesRuntime] = []

    def make(rule: str, **params: Any) -> RulesRuntime:
        source = tmp_path / "rules_src"
        shutil.rmtree(source, ignore_errors=True)
        shutil.copytree(MANIFEST.parent, source)
        entry = load_manifest(MANIFEST).get(rule)
        assert entry is not None, f"no rule {rule!r} in {MANIFEST}"
        merged = {**entry.params, **params}
        lines = ["version = 1", "[[rules]]", f"name = {json.dumps(entry.name)}",
                 f"template = {json.dumps(entry.template)}", f"order = {entry.order}",
                 f"enabled = {toml_value(entry.enabled)}",
                 f"targets = {json.dumps(list(entry.targets))}",
                 f"secrets = {json.dumps(list(entry.secrets))}",
                 "[rules.params]"]
        lines += [f"{json.dumps(key)} = {toml_value(value)}" for key, value in merged.items()]
        if entry.dependencies:
            lines += ["[rules.dependencies]"]
            lines += [f"{json.dumps(name)} = {json.dumps(version)}"
                      for name, version in dict(entry.dependencies).items()]
        (source / "manifest.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        runtime = RulesRuntime(load_rules(source / "manifest.toml"), now=NOW)
        opened.append(runtime)
        return runtime

    yield make
    for runtime in opened:
        runtime.close()
