"""Loading the rules a login runs through: from the manifest (rendered in memory) or a file."""

from __future__ import annotations

from pathlib import Path

from ._manifest import DEFAULT_MANIFEST, load_manifest
from ._render import Artifact, load_rule_file, render_manifest
from .errors import InputError

__all__ = ["load_rules", "resolve_target"]


def load_rules(manifest: str | Path = DEFAULT_MANIFEST, *, names: list[str] | None = None,
               include_disabled: bool = False) -> list[Artifact]:
    """Render the manifest in memory and return its rules in pipeline order.

    ``names`` keeps only those rules (in pipeline order); by default disabled rules are left
    out, as Auth0 skips them.
    """
    loaded = load_manifest(manifest)
    if names is not None:
        unknown = [n for n in names if loaded.get(n) is None]
        if unknown:
            known = ", ".join(r.name for r in loaded.ordered())
            raise InputError(f"no rule named {unknown[0]!r} (the manifest has: {known})",
                             path=loaded.display_path())
    artifacts = render_manifest(loaded)
    if names is not None:
        artifacts = [a for a in artifacts if a.name in names]
        return [a if a.enabled else _enabled(a) for a in artifacts]
    return [a for a in artifacts if include_disabled or a.enabled]


def _enabled(artifact: Artifact) -> Artifact:
    from dataclasses import replace

    return replace(artifact, enabled=True)


def resolve_target(target: str, manifest: str | Path = DEFAULT_MANIFEST) -> list[Artifact]:
    """A rule file path, or the name of a rule in the manifest (run even if disabled)."""
    path = Path(target)
    if path.is_file():
        return [load_rule_file(path)]
    if path.suffix in {".js", ".cjs"} or "/" in target:
        raise InputError("file not found", path=target)
    if not Path(manifest).is_file():
        raise InputError(f"{target!r} is neither a file nor a rule name (no manifest at "
                         f"{manifest})", path=target)
    return load_rules(manifest, names=[target])
