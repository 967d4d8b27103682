"""The manifest (``rules_src/manifest.toml``): which rules exist, from which template, in what order.

Every problem is reported as one ManifestError naming the manifest, the key and, when it can be
found, the line.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ManifestError, RulekitError

__all__ = ["DEFAULT_MANIFEST", "DEFAULT_TARGETS", "TARGETS", "Manifest", "RuleEntry", "load_manifest"]

DEFAULT_MANIFEST = Path("rules_src/manifest.toml")

_TOP_KEYS = {"version", "rules"}
_RULE_KEYS = {"name", "template", "order", "enabled", "params", "description", "targets",
              "dependencies", "secrets"}
TARGETS = ("action", "rule")
DEFAULT_TARGETS = ("action",)  # Auth0 no longer runs Rules: new entries deploy as Actions
_SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# npm's rules for a package name: URL-safe characters (lower case, but for old packages such
# as JSONStream), not starting with '.' or '_', optionally under a @scope; a version is an
# exact version, a range or a tag such as latest.
_NPM_NAME = re.compile(r"^(?:@[a-z0-9~-][a-z0-9._~-]*/)?[A-Za-z0-9~-][A-Za-z0-9._~-]*$")
_NPM_VERSION = re.compile(r"^[0-9A-Za-z.^~<>=*+|-]+(?: [0-9A-Za-z.^~<>=*+|-]+)*$")


@dataclass(frozen=True)
class RuleEntry:
    """One ``[[rules]]`` table of the manifest."""

    name: str
    template: str
    order: int
    enabled: bool = True
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    index: int = 0  # position in the manifest, for error messages
    targets: tuple[str, ...] = DEFAULT_TARGETS
    dependencies: dict[str, str] = field(default_factory=dict)  # npm name -> version (Actions)
    secrets: tuple[str, ...] = ()  # names of event.secrets / configuration keys it reads


@dataclass(frozen=True)
class Manifest:
    path: Path
    root: Path  # the folder templates are relative to (rules_src/)
    rules: tuple[RuleEntry, ...]

    def display_path(self) -> str:
        return shown_path(self.path)

    def key_line(self, index: int, key: str) -> int | None:
        return _find_key_line(self.path.read_text(encoding="utf-8-sig"), index, key)

    def error(self, message: str, index: int, key: str) -> ManifestError:
        """A ManifestError for ``rules[index].key`` (dotted keys go into ``params``)."""
        name = self.rules[index].name if index < len(self.rules) else None
        label = f"rules[{index}]" + (f" ({name})" if name else "") + f".{key}"
        return ManifestError(message, path=self.display_path(), key=label,
                             line=self.key_line(index, key))

    def get(self, name: str) -> RuleEntry | None:
        for rule in self.rules:
            if rule.name == name:
                return rule
        return None

    def ordered(self) -> list[RuleEntry]:
        return sorted(self.rules, key=lambda r: r.order)


def shown_path(path: Path | str) -> str:
    """``path`` as errors show it: relative to the working directory when it is below it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def decode_utf8(data: bytes, path: str | Path, error: type[RulekitError]) -> str:
    """UTF-8 text, a leading byte-order mark dropped (editors on Windows write one); text
    that is not UTF-8 is ``error`` naming ``path`` and the line of the bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
                    path=shown_path(path), line=line) from None


def read_toml(path: Path, error: type[ManifestError], what: str) -> tuple[dict[str, Any], str]:
    """The parsed TOML file and its text; ``error`` (naming the file, and the line of a syntax
    error) when it is missing, unreadable or not TOML. ``what`` names it: "manifest", ..."""
    shown = shown_path(path)
    try:
        text = decode_utf8(path.read_bytes(), path, error)
    except FileNotFoundError:
        raise error(f"{what} not found", path=shown) from None
    except OSError as exc:
        raise error(f"cannot read {what}: {exc.strerror}", path=shown) from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise error(f"invalid TOML: {exc}", path=shown,
                    line=int(match[1]) if match else None) from None


_HEADER = re.compile(r"^\s*(\[\[|\[)\s*([^\[\]#]+?)\s*(\]\]|\])\s*(?:#.*)?$")


def toml_header(line: str) -> str | None:
    """The table header on ``line``, written plainly (``[[users]]``, ``[users.app_metadata]``),
    whatever its spacing or a trailing comment; None for any other line."""
    match = _HEADER.match(line)
    if match is None or len(match[1]) != len(match[3]):
        return None
    return match[1] + re.sub(r"\s*\.\s*", ".", match[2]) + match[3]


def _find_key_line(text: str, index: int, key: str) -> int | None:
    """Best-effort line of ``key`` inside the index-th ``[[rules]]`` table (tomllib has no lines)."""
    lines = text.splitlines()
    seen = -1
    start = None
    for number, line in enumerate(lines, start=1):
        if toml_header(line) == "[[rules]]":
            seen += 1
            if seen == index:
                start = number
            elif start is not None:
                break
    if start is None:
        return None
    leaf = key.split(".")[-1]
    pattern = re.compile(rf"^\s*\"?{re.escape(leaf)}\"?\s*=")
    for number in range(start, len(lines) + 1):
        text_line = lines[number - 1]
        if number > start and toml_header(text_line) == "[[rules]]":
            break
        if pattern.match(text_line):
            return number
    return start


def load_manifest(path: str | Path = DEFAULT_MANIFEST) -> Manifest:
    """Read and validate a manifest. Raises ManifestError naming the file and key."""
    path = Path(path)
    shown = shown_path(path)
    data, text = read_toml(path, ManifestError, "manifest")

    for key in sorted(set(data) - _TOP_KEYS):
        raise ManifestError(f"unknown key (allowed: {', '.join(sorted(_TOP_KEYS))})",
                            path=shown, key=key)
    version = data.get("version", 1)
    if version != 1:
        raise ManifestError(f"unsupported manifest version {version!r} (this rulekit reads 1)",
                            path=shown, key="version")
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list) or not all(isinstance(r, dict) for r in raw_rules):
        raise ManifestError("must be an array of tables ([[rules]])", path=shown, key="rules")

    def err(message: str, index: int, key: str, name: str | None = None) -> ManifestError:
        label = f"rules[{index}]" + (f" ({name})" if name else "") + f".{key}"
        return ManifestError(message, path=shown, key=label,
                             line=_find_key_line(text, index, key))

    entries: list[RuleEntry] = []
    names: dict[str, int] = {}
    orders: dict[int, int] = {}
    for index, raw in enumerate(raw_rules):
        name = raw.get("name")
        shown_name = name if isinstance(name, str) else None
        for key in sorted(set(raw) - _RULE_KEYS):
            raise err(f"unknown key (allowed: {', '.join(sorted(_RULE_KEYS))})", index, key,
                      shown_name)
        for required in ("name", "template", "order"):
            if required not in raw:
                raise err("is required", index, required, shown_name)
        if not isinstance(name, str) or not _NAME.match(name):
            raise err("must be a lower-case name of letters, digits, '-' or '_' "
                      f"(it becomes a file name), got {name!r}", index, "name")
        if name in names:
            raise err(f"duplicate name: rules[{names[name]}] is also called {name!r}", index,
                      "name", name)
        names[name] = index
        template = raw["template"]
        if not isinstance(template, str) or not template:
            raise err(f"must be a path relative to {shown_path(path.parent)}, got {template!r}",
                      index, "template", name)
        template_path = path.parent / template
        # Jinja loads templates from this folder only (by name: a symbolic link in it is
        # fine): say so here, at the key.
        parts = Path(os.path.normpath(template)).parts
        if Path(template).is_absolute() or not parts or parts[0] == "..":
            raise err(f"must be a path inside {shown_path(path.parent)} (templates are loaded "
                      f"from there), got {template!r}", index, "template", name)
        if template_path.is_dir():
            raise err(f"is a folder, not a template file: {shown_path(template_path)}", index,
                      "template", name)
        if not template_path.is_file():
            raise err(f"template does not exist: {shown_path(template_path)}", index, "template",
                      name)
        order = raw["order"]
        if isinstance(order, bool) or not isinstance(order, int):
            raise err(f"must be an integer, got {order!r}", index, "order", name)
        if order in orders:
            raise err(f"duplicate order {order}: rules[{orders[order]}] has the same order "
                      "(Auth0 runs rules by ascending order, so it must be unique)",
                      index, "order", name)
        orders[order] = index
        enabled = raw.get("enabled", True)
        if not isinstance(enabled, bool):
            raise err(f"must be true or false, got {enabled!r}", index, "enabled", name)
        params = raw.get("params", {})
        if not isinstance(params, dict):
            raise err("must be a table of template parameters", index, "params", name)
        description = raw.get("description", "")
        if not isinstance(description, str):
            raise err(f"must be a string, got {description!r}", index, "description", name)
        targets = raw.get("targets", list(DEFAULT_TARGETS))
        if (not isinstance(targets, list) or not targets
                or not all(isinstance(t, str) and t in TARGETS for t in targets)):
            raise err(f"must be a non-empty list of {list(TARGETS)!r}, got {targets!r}", index,
                      "targets", name)
        if len(set(targets)) != len(targets):
            raise err(f"lists a target twice: {targets!r}", index, "targets", name)
        dependencies = raw.get("dependencies", {})
        if not isinstance(dependencies, dict) or not all(
                isinstance(v, str) and v for v in dependencies.values()):
            raise err('must be a table of npm package = "version"', index, "dependencies", name)
        for package, version in dependencies.items():
            if not _NPM_NAME.match(package) or len(package) > 214:
                raise err(f"{package!r} is not an npm package name (lower-case, optionally "
                          "@scope/name; Auth0 installs it from the npm registry)", index,
                          f"dependencies.{package}", name)
            if not _NPM_VERSION.match(version):
                raise err(f"{version!r} is not an npm version (4.17.21, or a range such as "
                          "^4.17.0)", index, f"dependencies.{package}", name)
        if len(dependencies) > 10:
            raise err("Auth0 allows at most 10 npm dependencies per Action", index,
                      "dependencies", name)
        secrets = raw.get("secrets", [])
        if not isinstance(secrets, list) or not all(
                isinstance(s, str) and _SECRET_NAME.match(s) for s in secrets):
            raise err(f"must be a list of secret names (letters, digits, _), got {secrets!r}",
                      index, "secrets", name)
        if len(secrets) > 30:
            raise err("Auth0 allows at most 30 secrets per Action", index, "secrets", name)
        entries.append(RuleEntry(name=name, template=template, order=order, enabled=enabled,
                                 params=params, description=description, index=index,
                                 targets=tuple(targets), dependencies=dict(dependencies),
                                 secrets=tuple(secrets)))
    return Manifest(path=path, root=path.parent, rules=tuple(entries))
