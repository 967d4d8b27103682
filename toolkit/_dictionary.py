"""A fuzzing dictionary: the literals that login code compares against, read from its source."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from ._jslex import Token, parse_number, tokenize
from ._render import Artifact

__all__ = ["Dictionary", "dictionary_from"]

_MAX_WORD = 200  # longer literals are messages or code, not values a login carries
# Member names that belong to JavaScript or to the runtimes, not to a tenant's data.
_NOT_DATA: Final = frozenset({
    "apply", "bind", "call", "catch", "concat", "constructor", "endsWith", "entries", "every",
    "exports", "filter", "find", "findIndex", "forEach", "hasOwnProperty", "includes",
    "indexOf", "isArray", "join", "keys", "lastIndexOf", "length", "log", "map", "match",
    "onContinuePostLogin", "onExecutePostLogin", "parse", "prototype", "push", "reduce",
    "replace", "slice", "some", "sort", "split", "startsWith", "stringify", "test", "then",
    "toLowerCase", "toString", "toUpperCase", "trim", "values", "warn", "error", "info",
})

Source = Artifact | str | Path
# Objects whose members are tenant data: what the code reads from them are metadata keys.
_METADATA_OBJECTS: Final = frozenset({"app_metadata", "user_metadata", "clientMetadata",
                                      "connectionMetadata", "metadata"})


@dataclass(frozen=True)
class Dictionary:
    """Literals read from login code: strings it compares against, numbers, and the property
    names it reads (candidates for metadata keys). Feed it to ``logins(dictionary=...)``."""

    strings: tuple[str, ...] = ()
    numbers: tuple[int | float, ...] = ()
    names: tuple[str, ...] = ()
    metadata_keys: tuple[str, ...] = ()  # read from app_metadata, user_metadata, ...
    # Role names: strings the code keeps in a role list or compares roles with
    # (`const mfaRoles = ["a", "b"]`, `roles.includes("a")`), and the tenant's declared roles.
    # The strategies draw them as roles far more often than other words.
    roles: tuple[str, ...] = ()
    # Query parameters the code reads (`event.request.query.login_hint`): drawn into requests.
    query_keys: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.strings or self.numbers or self.names or self.metadata_keys
                    or self.roles or self.query_keys)

    def __or__(self, other: Dictionary) -> Dictionary:
        return Dictionary.of([*self.strings, *other.strings], [*self.numbers, *other.numbers],
                             [*self.names, *other.names],
                             [*self.metadata_keys, *other.metadata_keys],
                             [*self.roles, *other.roles],
                             [*self.query_keys, *other.query_keys])

    @classmethod
    def of(cls, words: Iterable[str] = (), numbers: Iterable[int | float] = (),
           names: Iterable[str] = (), metadata_keys: Iterable[str] = (),
           roles: Iterable[str] = (), query_keys: Iterable[str] = ()) -> Dictionary:
        """A dictionary from values you give (sorted, duplicates removed)."""
        roles = set(roles)
        return cls(strings=tuple(sorted(set(words) | roles)), numbers=tuple(sorted(set(numbers))),
                   names=tuple(sorted(set(names))), metadata_keys=tuple(sorted(set(metadata_keys))),
                   roles=tuple(sorted(roles)), query_keys=tuple(sorted(set(query_keys))))


def _code_of(source: Source) -> str:
    if isinstance(source, Artifact):
        return source.code
    if isinstance(source, Path):
        return source.read_text(encoding="utf-8")
    return source


def dictionary_of_values(values: Mapping[str, str]) -> Dictionary:
    """Strings and numbers from configuration / secrets values: legacy Rules keep their data
    there (``BLOCKED_COUNTRIES = "SY,KP"``, a JSON list of client ids), and a login that
    never uses them never reaches the code that reads them. Each value, its parts split on
    commas, semicolons, pipes and spaces, and the items of a JSON list or object."""
    strings: set[str] = set()
    numbers: set[int | float] = set()

    def add(text: str) -> None:
        text = text.strip()
        if text and len(text) <= _MAX_WORD:
            strings.add(text)
            number = parse_number(text)
            if number is not None and math.isfinite(number):
                numbers.add(number)

    for value in values.values():
        if not isinstance(value, str):
            continue
        add(value)
        for part in re.split(r"[,;|\s]+", value):
            add(part.strip("\"'[]{}"))
        try:
            parsed = json.loads(value)
        except ValueError:
            continue
        items = parsed if isinstance(parsed, list) else \
            [*parsed.keys(), *parsed.values()] if isinstance(parsed, dict) else []
        for item in items:
            if isinstance(item, str):
                add(item)
            elif isinstance(item, int | float) and not isinstance(item, bool):
                numbers.add(item)
    return Dictionary.of(strings, numbers, set(), set())


def _metadata_aliases(tokens: list[Token]) -> tuple[set[str], set[str]]:
    """Names that hold a metadata object (`const um = event.user.user_metadata || {}`), and the
    keys destructured from one (`const { department, tier: t } = user.app_metadata`): a
    newcomer's `um.department` never reached the generator's metadata keys."""
    aliases: set[str] = set()
    keys: set[str] = set()
    values = [t.value if t.kind in {"punct", "identifier"} else "" for t in tokens]
    for _ in range(3):  # `const { department } = um`, where um is itself an alias
        before = len(aliases) + len(keys)
        _alias_pass(tokens, values, aliases, keys)
        if len(aliases) + len(keys) == before:
            break
    return aliases, keys


def _holds_metadata(values: list[str], j: int, aliases: set[str]) -> bool:
    """Token j names a metadata object itself (not one of its members)."""
    after = values[j + 1] if j + 1 < len(values) else ""
    if after in {".", "?.", "["}:
        return False
    if values[j] in _METADATA_OBJECTS:
        return values[j - 1] in {".", "?."}
    return values[j] in aliases and values[j - 1] not in {".", "?."}


def _alias_pass(tokens: list[Token], values: list[str], aliases: set[str],
                keys: set[str]) -> None:
    for i, value in enumerate(values):
        if value != "=" or i == 0:
            continue
        # The right side holds the metadata object itself: its name is not followed by a member.
        end = next((j for j in range(i + 1, min(i + 16, len(values)))
                    if values[j] in {";", ","} or (values[j] in {"const", "let", "var"})),
                   min(i + 16, len(values)))
        if not any(_holds_metadata(values, j, aliases) for j in range(i + 1, end)):
            continue
        if tokens[i - 1].kind == "identifier":
            aliases.add(tokens[i - 1].value)
        elif values[i - 1] == "}":  # { a, b: c } = ...: the keys before each ':' or ','
            depth, j = 0, i - 1
            while j >= 0:
                depth += {"}": 1, "{": -1}.get(values[j], 0)
                if depth == 0:
                    break
                j -= 1
            for k in range(j + 1, i - 1):
                if tokens[k].kind == "identifier" and values[k - 1] in {"{", ","}:
                    keys.add(tokens[k].value)


def dictionary_from(*sources: Source | Iterable[Source]) -> Dictionary:
    """The literals of rendered rules or Actions: ``Artifact``\\ s, lists of them, JavaScript
    source text, or paths of ``.js`` files. Comments are ignored."""
    strings: set[str] = set()
    numbers: set[int | float] = set()
    names: set[str] = set()
    metadata_keys: set[str] = set()
    query_keys: set[str] = set()
    flat: list[Source] = []
    for source in sources:
        if isinstance(source, Artifact | str | Path):
            flat.append(source)
        else:
            flat.extend(source)
    roles: set[str] = set()
    for source in flat:
        tokens = list(tokenize(_code_of(source)))
        roles.update(_role_literals(tokens))
        aliases, destructured = _metadata_aliases(tokens)
        metadata_keys.update(destructured)
        objects = _METADATA_OBJECTS | aliases
        # The two tokens before this one: `app_metadata . tier` and `app_metadata [ 'tier'`.
        before: tuple[str, str] = ("", "")
        # Parentheses open now, each with whether a metadata object is inside it:
        # `(user.app_metadata || {}).suspended` reads a metadata key too.
        groups: list[bool | None] = []  # None: a call's parentheses
        closed_meta = False  # the group just closed held a metadata object
        for index, token in enumerate(tokens):
            member = before[1] in {".", "?.", "["} and (
                before[0] in objects or (before[0] == ")" and closed_meta))
            # `query.login_hint`, `query['login_hint']`: a query parameter the code reads
            in_query = before[1] in {".", "?.", "["} and before[0] == "query"
            if token.value == "(" and token.kind == "punct":
                # a call's parentheses give its result, not the object: foo(app_metadata).x
                call = index > 0 and (tokens[index - 1].kind == "identifier"
                                      or tokens[index - 1].value in (")", "]"))
                groups.append(None if call else False)
            elif token.value == ")" and token.kind == "punct":
                closed_meta = bool(groups.pop()) if groups else False
                if closed_meta and groups and groups[-1] is not None:
                    groups[-1] = True
            elif token.kind == "identifier" and token.value in objects and groups \
                    and groups[-1] is not None:
                groups[-1] = True
            if token.kind in {"string", "template"}:
                text = token.value
                if text.strip() and len(text) <= _MAX_WORD and text != "use strict":
                    strings.add(text)
                    if member and before[1] == "[":
                        metadata_keys.add(text)
                    if in_query and before[1] == "[":
                        query_keys.add(text)
            elif token.kind == "number":
                value = parse_number(token.value)
                if value is not None and math.isfinite(value):
                    numbers.add(value)
            elif token.kind == "identifier" and before[1] in {".", "?."}:
                if token.value not in _NOT_DATA:
                    names.add(token.value)
                called = index + 1 < len(tokens) and tokens[index + 1].value == "("
                if member and not called and token.value not in _NOT_KEYS:
                    metadata_keys.add(token.value)  # not `assigned.some(...)`, a method
                if in_query and not called and token.value not in _NOT_DATA:
                    query_keys.add(token.value)
            before = (before[1], token.value if token.kind in {"punct", "identifier"} else "")
    return Dictionary.of(strings, numbers, names, metadata_keys, roles, query_keys)


_ROLE_NAME = re.compile(r"role", re.IGNORECASE)
# Properties of the list or string a metadata read gives, not keys of the metadata:
# (user.app_metadata.roles || []).length
_NOT_KEYS: Final = frozenset({"length"})


def _role_literals(tokens: list[Token]) -> set[str]:
    """Strings a role list holds or roles are compared with: ``NAME = [ ... ]`` /
    ``NAME = '...'`` / ``NAME: [ ... ]`` where NAME mentions "role", and
    ``NAME.includes('...')`` / ``.indexOf('...')`` on such a NAME."""
    found: set[str] = set()
    for i, token in enumerate(tokens):
        if token.kind != "identifier" or not _ROLE_NAME.search(token.value):
            continue
        nxt = tokens[i + 1].value if i + 1 < len(tokens) else ""
        if nxt in ("=", ":"):
            j = i + 2
            if j < len(tokens) and tokens[j].kind == "string":
                found.add(tokens[j].value)
            elif j < len(tokens) and tokens[j].value == "[":
                depth = 0
                for inner in tokens[j:]:
                    depth += {"[": 1, "]": -1}.get(inner.value, 0) if inner.kind == "punct" else 0
                    if inner.kind == "string":
                        found.add(inner.value)
                    if depth == 0:
                        break
        elif nxt in (".", "?.") and i + 4 < len(tokens) \
                and tokens[i + 2].value in ("includes", "indexOf") and tokens[i + 3].value == "(" \
                and tokens[i + 4].kind == "string":
            found.add(tokens[i + 4].value)
    return {text for text in found if text.strip() and len(text) <= _MAX_WORD}
