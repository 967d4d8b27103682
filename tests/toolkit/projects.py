"""Throwaway rulekit projects for tests that run pytest or the CLI inside them."""

from __future__ import annotations

import textwrap
from pathlib import Path


def one_rule_project(root: Path, template: str, test: str, *, name: str = "vip") -> Path:
    """A project at ``root``: ``rules_src/`` with one template (manifest entry ``name``) and
    ``tests/test_<name>.py``. Returns ``root``."""
    (root / "rules_src" / "templates").mkdir(parents=True)
    (root / "rules_src" / "templates" / f"{name}.js.j2").write_text(template)
    (root / "rules_src" / "manifest.toml").write_text(textwrap.dedent(f"""\
        version = 1
        [[rules]]
        name = "{name}"
        template = "templates/{name}.js.j2"
        order = 1
        """))
    (root / "tests").mkdir()
    (root / "tests" / f"test_{name}.py").write_text(test)
    return root
