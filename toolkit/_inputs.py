"""Reading the JSON files users hand to rulekit, with errors that name the file and line."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Final

from .errors import InputError

__all__ = ["MAX_DEPTH", "check_depth", "loads_strict", "may_nest_too_deeply", "read_json_object",
           "read_string_map", "string_map"]

# How deep a login file may nest: rulekit copies logins recursively in Python (a newcomer's
# 500 levels ended in a RecursionError traceback); no login a rule reads nests this deep.
MAX_DEPTH = 100


def check_depth(value: Any, what: str, path: str | None = None, line: int | None = None) -> None:
    """An InputError naming the file (and line) when ``value`` nests deeper than MAX_DEPTH."""
    level: list[Any] = [value]
    for _ in range(MAX_DEPTH + 1):
        level = [child for item in level if isinstance(item, dict | list)
                 for child in (item.values() if isinstance(item, dict) else item)]
        if not level:
            return
    raise InputError(f"{what}: nested deeper than {MAX_DEPTH} levels (objects and lists)",
                     path=path, line=line)


def may_nest_too_deeply(raw: bytes) -> bool:
    """Whether a JSON text has enough brackets to nest past MAX_DEPTH (cheap: walking every
    value of every line of a batch cost a sixth of its time)."""
    return raw.count(b"[") + raw.count(b"{") > MAX_DEPTH


def _refuse_int(text: str) -> int:
    value = int(text)
    try:
        float(value)
    except OverflowError:
        raise ValueError(f"{text[:20]}... ({len(text)} digits) is too large for JSON (no login "
                         "holds it)") from None
    return value


def _refuse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is too large for JSON (no login holds it)")
    return value


def _refuse_constant(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON (no login holds it)")


# json.loads options that refuse what no login holds: NaN, Infinity, numbers too large.
_STRICT: Final[dict[str, Any]] = {"parse_constant": _refuse_constant,
                                  "parse_float": _refuse_float, "parse_int": _refuse_int}


def loads_strict(text: str) -> Any:
    """A JSON text (a --batch line) as standard JSON: orjson, or json for what orjson refuses
    (lone surrogates, 1e400), but not NaN, Infinity or a number too large for a float, which
    no login holds (a ValueError)."""
    try:
        import orjson
    except ImportError:  # pragma: no cover
        pass
    else:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text, **_STRICT)


def read_json_object(path: str | Path, what: str) -> dict[str, Any]:
    """Parse a JSON file that must hold an object; ``what`` says what it is for (``--user``)."""
    shown = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # a byte-order mark is allowed
    except FileNotFoundError:
        raise InputError(f"{what}: file not found", path=shown) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{what}: cannot read: {exc}", path=shown) from None
    try:
        value = json.loads(text, **_STRICT)
    except ValueError as exc:
        if not isinstance(exc, json.JSONDecodeError):  # NaN, Infinity
            raise InputError(f"{what}: {exc}", path=shown) from None
        raise InputError(f"{what}: invalid JSON: {exc.msg} (column {exc.colno})", path=shown,
                         line=exc.lineno) from None
    except RecursionError:
        raise InputError(f"{what}: nested deeper than {MAX_DEPTH} levels (objects and lists)",
                         path=shown) from None
    if not isinstance(value, dict):
        raise InputError(f"{what}: must be a JSON object, got {type(value).__name__}",
                         path=shown, line=1)
    check_depth(value, what, shown)
    return value


def read_string_map(path: str | Path, what: str) -> dict[str, str]:
    """A JSON object of string values (Auth0 rule configuration and Action secrets are strings)."""
    return string_map(read_json_object(path, what), what, path=str(path))


# Actions Limitations, "Secrets": "Each secret key may have a maximum length of 128
# characters. Each secret value may have a maximum length of 4096 characters."
SECRET_KEY_MAX = 128
SECRET_VALUE_MAX = 4096


def string_map(value: Any, what: str, *, path: str | None = None) -> dict[str, str]:
    """``value`` as a dict of strings to strings, or an InputError naming the bad entry (Auth0
    keeps a Rule's configuration and an Action's secrets as strings). For ``what`` "secrets",
    also Auth0's limits on an Action secret's name and value."""
    from collections.abc import Mapping

    if not isinstance(value, Mapping):
        raise InputError(f"{what}: must map names to strings, got {type(value).__name__}",
                         path=path)
    checked: dict[str, str] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise InputError(f"{what}: value of {key!r} must be a string (Auth0 stores "
                             f"configuration values as strings), got {item!r}", path=path)
        if what.lstrip("-") == "secrets" and (len(key) > SECRET_KEY_MAX
                                              or len(item) > SECRET_VALUE_MAX):
            limit = (f"names of at most {SECRET_KEY_MAX}" if len(key) > SECRET_KEY_MAX
                     else f"values of at most {SECRET_VALUE_MAX}")
            raise InputError(f"{what}: {key[:40]!r}: Auth0 allows Action secret {limit} "
                             "characters", path=path)
        checked[key] = item
    return checked
