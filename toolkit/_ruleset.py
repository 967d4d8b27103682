"""Loading the code a login runs through: from the manifest (rendered in memory) or a file."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Literal

from ._manifest import DEFAULT_MANIFEST, load_manifest
from ._render import Artifact, detect_kind, load_rule_file, render_manifest
from .errors import InputError

__all__ = ["detect_kind", "load_actions", "load_rules", "resolve_target"]

Kind = Literal["rule", "action"]


def _load(manifest: str | Path, kind: Kind, names: list[str] | None,
          include_disabled: bool) -> list[Artifact]:
    loaded = load_manifest(manifest)
    if names is not None:
        unknown = [n for n in names if loaded.get(n) is None]
        if unknown:
            known = ", ".join(r.name for r in loaded.ordered())
            raise InputError(f"no rule named {unknown[0]!r} (the manifest has: {known})",
                             path=loaded.display_path())
        for name in names:
            entry = loaded.get(name)
            if entry is not None and kind not in entry.targets:
                raise InputError(f"{name!r} has no {kind} target (targets: "
                                 f"{', '.join(entry.targets)})", path=loaded.display_path())
    artifacts = [a for a in render_manifest(loaded) if a.kind == kind]
    if names is not None:
        return [replace(a, enabled=True) for a in artifacts if a.name in names]
    return [a for a in artifacts if include_disabled or a.enabled]


def load_rules(manifest: str | Path = DEFAULT_MANIFEST, *, names: list[str] | None = None,
               include_disabled: bool = False) -> list[Artifact]:
    """The manifest's legacy Rules, rendered in memory, in pipeline order.

    ``names`` keeps only those (run even if disabled); otherwise disabled rules are left out,
    as Auth0 skips them.
    """
    return _load(manifest, "rule", names, include_disabled)


def load_actions(manifest: str | Path = DEFAULT_MANIFEST, *, names: list[str] | None = None,
                 include_disabled: bool = False) -> list[Artifact]:
    """The manifest's post-login Actions, rendered in memory, in binding order."""
    return _load(manifest, "action", names, include_disabled)


def resolve_target(target: str, manifest: str | Path = DEFAULT_MANIFEST,
                   kind: Kind | None = None) -> list[Artifact]:
    """A .js file (Rule or Action), or the name of a manifest entry (its Action by default)."""
    path = Path(target)
    if path.is_file():
        artifact = load_rule_file(path)
        return [replace(artifact, kind=kind or detect_kind(artifact.code))]
    if path.suffix in {".js", ".cjs"} or "/" in target:
        raise InputError("file not found", path=target)
    if not Path(manifest).is_file():
        raise InputError(f"{target!r} is neither a file nor a rule name (no manifest at "
                         f"{manifest})", path=target)
    if kind is None:
        entry = load_manifest(manifest).get(target)
        kind = "action" if entry is None or "action" in entry.targets else "rule"
    return _load(manifest, kind, [target], include_disabled=True)
