"""From command-line inputs to one Outcome: pick the code, build the login, run it."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from ._inputs import (
    MAX_DEPTH,
    check_depth,
    loads_strict,
    may_nest_too_deeply,
    read_json_object,
    read_string_map,
)
from ._login import (
    GEO_CAMEL,
    LOGIN_KEYS,
    USER_FIELDS,
    make_context,
    make_login,
    make_user,
    to_action_shape,
    to_rule_shape,
    with_identity_connection,
)
from ._outcome import Outcome
from ._render import Artifact
from ._ruleset import load_actions, load_rules, resolve_target
from ._runtime import parse_now
from ._tenant import tenant_factors
from .errors import InputError

_DEFAULT_USER = make_user()
_DEFAULT_LOGIN = make_login()
_GEO_SNAKE = {camel: snake for snake, camel in GEO_CAMEL.items() if camel != snake}

__all__ = ["load_login_inputs", "load_values", "open_batch_file", "resolve_side",
           "run_batch_file", "run_target", "select_artifacts"]

Kind = Literal["rule", "action"]


def select_artifacts(target: str | None, manifest: Path, kind: str | None) -> list[Artifact]:
    """TARGET (file or manifest name) or, when None, the manifest's whole enabled flow."""
    if target is None:
        return load_rules(manifest) if kind == "rule" else load_actions(manifest)
    return resolve_target(target, manifest, kind=kind)  # type: ignore[arg-type]


def resolve_side(spec: str, manifest: Path) -> list[Artifact]:
    """One side of `rulekit equiv`: a file, NAME (its Action), or rule:NAME / action:NAME."""
    kind: str | None = None
    name = spec
    for prefix in ("rule:", "action:"):
        if spec.startswith(prefix) and not Path(spec).exists():
            kind, name = prefix[:-1], spec[len(prefix):]
    return resolve_target(name, manifest, kind=kind)  # type: ignore[arg-type]


def _warn_misspelt_user_fields(user: Any, path: str, flag: str,
                               warned: set[str] | None = None) -> None:
    """A user field that is not one of the profile's but nearly is (``emial``): kept, since a
    connection may pass other attributes through, but the default ``email`` is what runs, so
    say so (once per name in ``warned``, for the lines of a batch)."""
    import difflib
    import warnings

    if not isinstance(user, dict):
        return
    for key in sorted(set(user) - USER_FIELDS):
        if warned is not None and key in warned:
            continue
        close = difflib.get_close_matches(key, sorted(USER_FIELDS), n=1, cutoff=0.75)
        if close and close[0] not in user:
            if warned is not None:
                warned.add(key)
            warnings.warn(f"{path}: {flag}: user field {key!r} is not a profile field; did you "
                          f"mean {close[0]!r}? (kept as given; {close[0]!r} keeps its default)",
                          UserWarning, stacklevel=3)


def load_login_inputs(kind: Kind, *, user_file: str | None = None,
                      context_file: str | None = None, event_file: str | None = None,
                      login_file: str | None = None) -> dict[str, Any]:
    """The login for ``kind`` from the given files, defaults filling whatever is left out."""
    if kind == "action":
        for flag, given in (("--user", user_file), ("--context", context_file)):
            if given:
                raise InputError(f"{flag} is Rule-shaped; for an Action give --event (or --login)",
                                 path=given)
        if event_file and login_file:
            raise InputError("give --event or --login, not both", path=event_file)
        base = (to_action_shape(make_login(**load_login_file(login_file))) if login_file
                else to_action_shape(make_login()))
        if event_file:
            supplied = read_json_object(event_file, "--event")
            stray = [k for k in ("user_id", "email", "app_metadata", "user_metadata")
                     if k in supplied]
            if stray:
                raise InputError(f"--event: {stray[0]!r} at the top of an event: this looks like "
                                 f"a user; an event holds it under \"user\": {{...}}",
                                 path=event_file, line=1)
            _warn_misspelt_user_fields(supplied.get("user"), event_file, "--event")
            if isinstance(supplied.get("user"), dict):  # a partial user: the default fills the rest
                supplied["user"] = {**base["user"], **supplied["user"]}
            base.update(supplied)
        return {"event": base}
    if event_file:
        raise InputError("--event is Action-shaped; for a Rule give --user/--context (or --login)",
                         path=event_file)
    if login_file:
        if user_file or context_file:
            raise InputError("give --login, or --user/--context, not both", path=login_file)
        user, context = to_rule_shape(make_login(**load_login_file(login_file)))
        return {"user": user, "context": context}
    user_fields = read_json_object(user_file, "--user") if user_file else {}
    if user_file:
        _warn_misspelt_user_fields(user_fields, user_file, "--user")
    user = make_user(**user_fields)
    context = (make_context(**read_json_object(context_file, "--context")) if context_file
               else make_context())
    return {"user": user, "context": context}


def load_login_file(path: str) -> dict[str, Any]:
    """A ``--login`` file's fields for ``make_login``: checked, parts completed from defaults."""
    fields = read_json_object(path, "--login")
    check_login_fields(fields, "--login", path)
    _warn_misspelt_user_fields(fields.get("user"), path, "--login")
    return with_default_user(fields)


def with_default_user(fields: dict[str, Any]) -> dict[str, Any]:
    """A login file's fields, its ``user`` completed from the default user (as ``--user`` is):
    a user given as ``{"email": ...}`` still has a ``user_id``, ``identities``, ... and so are
    the other parts that are objects (``request``, ``client``, ``connection``, ``session``,
    ``transaction``, ...): ``{"request": {"query": {"prompt": "none"}}}`` keeps the default
    ip, hostname and geoip; an empty ``{}`` stays empty. Shallow: the projections copy what
    they use, so the defaults are never changed."""
    user = fields.get("user")
    if isinstance(user, dict):
        fields["user"] = {**_DEFAULT_USER, **user}
        fields = with_identity_connection(fields)  # as make_login does
    for key, given in fields.items():
        default = _DEFAULT_LOGIN.get(key)
        if key != "user" and isinstance(given, dict) and given and isinstance(default, dict):
            fields[key] = {**default, **given}
    return fields


def load_stubs(specs: Sequence[str]) -> dict[str, str]:
    """``--stub NAME=FILE`` options: module name -> JavaScript source of its stub."""
    stubs: dict[str, str] = {}
    files: dict[str, str] = {}
    for spec in specs:
        name, sep, file = spec.partition("=")
        name = name.strip()
        if not sep or not name or not file.strip():
            raise InputError(f"--stub {spec!r}: give NAME=FILE (e.g. request=stubs/request.js)")
        try:
            stubs[name] = Path(file).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise InputError(f"--stub {name}: file not found", path=file) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"--stub {name}: cannot read: {exc}", path=file) from None
        files[name] = file
    if stubs:
        _check_stub_syntax(stubs, files)
    return stubs


def _check_stub_syntax(stubs: Mapping[str, str], files: Mapping[str, str]) -> None:
    """A stub that does not parse is the user's file's error (exit 2, its line), not an error
    outcome blamed on the rule that requires it. One engine checks them all."""
    from ._engine import Engine, ScriptError
    from .errors import RuleSyntaxError

    with Engine() as engine:
        for name, source in stubs.items():
            path = files[name]
            # Compiled as a function body, as require wraps a module, and never called; new
            # Function takes the source whole, so no text in it can close the wrapper and run.
            try:
                engine.eval("new Function('exports', 'require', 'module', '__filename', "
                            "'__dirname', " + json.dumps(source) + "), 0", path=path, timeout=5.0)
            except (RuleSyntaxError, ScriptError) as exc:  # new Function throws its SyntaxError
                line = exc.line - 2 if exc.line and exc.line > 2 else exc.line  # 2 header lines
                raise RuleSyntaxError(exc.detail, path=path, line=line) from None


def load_values(configuration_file: str | None, secrets_file: str | None) -> dict[str, str]:
    """``--configuration`` / ``--secrets``: when only one is given it serves either kind."""
    values: dict[str, str] = {}
    if configuration_file:
        values.update(read_string_map(configuration_file, "--configuration"))
    if secrets_file:
        values.update(read_string_map(secrets_file, "--secrets"))
    return values


def check_login_fields(fields: dict[str, Any], what: str, path: str,
                       line: int | None = None, *, deep: bool = True) -> None:
    """A login's fields (``--login``, a ``--batch`` line) have the model's types: known keys;
    ``user`` an object; ``protocol`` and ``tenant`` strings; the object parts objects or null
    (null: the part is absent); ``roles`` a list of strings; organization, client and
    connection metadata strings; nothing nested deeper than MAX_DEPTH. Errors name file and
    line."""
    unknown = sorted(set(fields) - LOGIN_KEYS)
    if unknown:
        raise InputError(f"{what}: unknown field {unknown[0]!r} (fields: "
                         f"{', '.join(sorted(LOGIN_KEYS))})", path=path, line=line)
    for key, value in fields.items():
        default = _DEFAULT_LOGIN.get(key)
        if key == "user" and not isinstance(value, dict):
            problem = "an object"
        elif isinstance(default, str) and not isinstance(value, str):
            problem = "a string"
        elif isinstance(default, dict) and value is not None and not isinstance(value, dict):
            problem = "an object (or null: absent)"
        elif isinstance(default, list) and value is not None and not (
                isinstance(value, list) and all(isinstance(item, str) for item in value)):
            problem = "a list of strings (or null: absent)"
        else:
            continue
        raise InputError(f"{what}: {json.dumps(key)} must be {problem}, got "
                         f"{json.dumps(value)[:60]}", path=path, line=line)
    request = fields.get("request")
    geoip = request.get("geoip") if isinstance(request, dict) else None
    for key in geoip if isinstance(geoip, dict) else ():
        snake = _GEO_SNAKE.get(key)
        if snake is not None:  # the Rule would not see it: the two kinds would disagree
            raise InputError(f"{what}: request.geoip.{key} is the Action's spelling; the login "
                             f"model writes {snake} (an Action gets {key} from it, a Rule "
                             f"{snake})", path=path, line=line)
    for key in ("organization", "client", "connection"):
        part = fields.get(key)
        metadata = part.get("metadata") if isinstance(part, dict) else None
        if not isinstance(metadata, dict):
            continue
        odd = [k for k, v in metadata.items() if not isinstance(v, str)]
        if odd:  # a login Auth0 cannot send: the verdict on it would mislead
            raise InputError(f"{what}: {key}.metadata.{odd[0]} must be a string, got "
                             f"{json.dumps(metadata[odd[0]])[:60]} (Auth0 keeps {key} metadata "
                             "as string values)", path=path, line=line)
    if deep:  # deep=False: the text has too few brackets to nest too deeply
        check_depth(fields, what, path, line)


def _batch_lines(path: str, shown: str | None = None, *, check: bool = True
                 ) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, fields)`` for each login line of a JSONL file, one at a time; errors
    name ``shown`` (the file as the user gave it) and the line. ``check=False``: the lines'
    fields were checked by an earlier pass (only read them)."""
    from ._engine import V8_MAX_STRING_BYTES

    shown = shown or path
    warned: set[str] = set()
    try:
        handle = Path(path).open("rb")
    except FileNotFoundError:
        raise InputError("--batch: file not found", path=shown) from None
    except OSError as exc:
        raise InputError(f"--batch: cannot read: {exc}", path=shown) from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]  # a byte-order mark
            if not raw.strip():
                continue
            if len(raw) > V8_MAX_STRING_BYTES // 2:
                raise InputError(f"--batch: a line of {len(raw):,} bytes: rulekit takes logins "
                                 f"of at most {V8_MAX_STRING_BYTES // 2:,}", path=shown,
                                 line=number)
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"--batch: not UTF-8 text (a bad byte at column {exc.start + 1})",
                                 path=shown, line=number) from None
            try:
                fields = loads_strict(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"--batch: invalid JSON: {exc.msg} (column {exc.colno})",
                                 path=shown, line=number) from None
            except ValueError as exc:
                raise InputError(f"--batch: {exc}", path=shown, line=number) from None
            except RecursionError:
                raise InputError(f"--batch: nested deeper than {MAX_DEPTH} levels (objects and "
                                 "lists)", path=shown, line=number) from None
            if not isinstance(fields, dict):
                raise InputError("--batch: each line must be a JSON object (a neutral login)",
                                 path=shown, line=number)
            if check:
                check_login_fields(fields, "--batch", shown, number,
                                   deep=may_nest_too_deeply(raw))
                _warn_misspelt_user_fields(fields.get("user"), f"{shown}:{number}", "--batch",
                                           warned)
            yield number, fields


@contextmanager
def _readable_twice(path: str) -> Iterator[str]:
    """``path``, or a copy of it when it cannot be read twice (a pipe: ``--batch /dev/stdin``,
    ``<(...)``; ``-`` for standard input): the batch is checked, then run, from the start."""
    import shutil
    import sys
    import tempfile

    if path != "-" and (Path(path).is_file() or not Path(path).exists()):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="rulekit-batch-") as tmp:
        copy = Path(tmp) / "batch.jsonl"
        try:
            with (sys.stdin.buffer if path == "-" else Path(path).open("rb")) as source, \
                    copy.open("wb") as target:
                shutil.copyfileobj(source, target)
        except OSError as exc:
            raise InputError(f"--batch: cannot read: {exc}", path=path) from None
        yield str(copy)


@contextmanager
def open_batch_file(target: str | None, batch_file: str, *, manifest: Path,
                    kind: str | None = None, configuration_file: str | None = None,
                    secrets_file: str | None = None, modules: Path | None = None,
                    timeout: float = 20.0, now: str | None = None, warm: bool = False,
                    stubs: Mapping[str, str] | None = None
                    ) -> Iterator[Iterator[tuple[int, Outcome]]]:
    """``(line number, outcome)`` for every login of a JSONL file through TARGET, streamed:
    many logins per call into V8, memory flat however long the file. Every line is checked
    before the first login runs, so a bad line fails the whole run before any outcome is
    given. ``warm``: all logins in one container, one call each (see ``HarnessRuntime``)."""
    artifacts = select_artifacts(target, manifest, kind)
    with _readable_twice(batch_file) as readable:
        yield from _open_batch(artifacts, readable, batch_file, manifest, configuration_file,
                               secrets_file, modules, timeout, now, warm, stubs)


def _open_batch(artifacts: list[Artifact], batch_file: str, shown: str, manifest: Path,
                configuration_file: str | None, secrets_file: str | None,
                modules: Path | None, timeout: float, now: str | None, warm: bool,
                stubs: Mapping[str, str] | None) -> Iterator[Iterator[tuple[int, Outcome]]]:
    from ._actions import ActionsRuntime
    from ._rules import RulesRuntime

    if sum(1 for _ in _batch_lines(batch_file, shown)) == 0:  # every line checked
        raise InputError("--batch: no logins in the file (one JSON object per line)", path=shown)
    values = load_values(configuration_file, secrets_file)
    parse_now(now)
    # A line's fields are projected as they are: the projections fill in the defaults and copy
    # what they use, as make_login(**fields) would (measured: a third of a login's Python time).
    numbers: deque[int] = deque()  # of the lines read and not yet answered (batches read ahead)

    def fields() -> Iterator[dict[str, Any]]:
        for number, line_fields in _batch_lines(batch_file, shown, check=False):
            numbers.append(number)
            yield with_default_user(line_fields)

    if artifacts and artifacts[0].kind == "action":
        with ActionsRuntime(artifacts, secrets=values, modules=modules, timeout=timeout,
                            now=now, warm=warm, stubs=stubs,
                            factors=tenant_factors(manifest)) as actions:
            outcomes = actions.iter_batch(map(to_action_shape, fields()))
            yield ((numbers.popleft(), outcome) for outcome in outcomes)
        return
    with RulesRuntime(artifacts, configuration=values, modules=modules, timeout=timeout,
                      now=now, warm=warm, stubs=stubs) as rules:
        outcomes = rules.iter_batch(map(to_rule_shape, fields()))
        yield ((numbers.popleft(), outcome) for outcome in outcomes)


def run_batch_file(target: str | None, batch_file: str, *, manifest: Path,
                   kind: str | None = None, configuration_file: str | None = None,
                   secrets_file: str | None = None, modules: Path | None = None,
                   timeout: float = 20.0, now: str | None = None,
                   warm: bool = False) -> list[Outcome]:
    """Every login of a JSONL file through TARGET, many logins per call into V8."""
    with open_batch_file(target, batch_file, manifest=manifest, kind=kind,
                         configuration_file=configuration_file, secrets_file=secrets_file,
                         modules=modules, timeout=timeout, now=now, warm=warm) as outcomes:
        return [outcome for _, outcome in outcomes]


def run_target(target: str | None, *, manifest: Path, kind: str | None = None,
               user_file: str | None = None, context_file: str | None = None,
               event_file: str | None = None, login_file: str | None = None,
               configuration_file: str | None = None, secrets_file: str | None = None,
               modules: Path | None = None, timeout: float = 20.0,
               now: str | None = None, stubs: Mapping[str, str] | None = None,
               through: bool = False) -> Outcome:
    from ._actions import ActionsRuntime
    from ._rules import RulesRuntime

    artifacts = select_artifacts(target, manifest, kind)
    if not artifacts:
        raise InputError("nothing to run: the manifest has no enabled entry of that kind",
                         path=str(manifest))
    actual: Kind = artifacts[0].kind
    login = load_login_inputs(actual, user_file=user_file, context_file=context_file,
                              event_file=event_file, login_file=login_file)
    values = load_values(configuration_file, secrets_file)
    parse_now(now)  # validate before starting V8
    if actual == "action":
        with ActionsRuntime(artifacts, secrets=values, modules=modules, timeout=timeout,
                            now=now, stubs=stubs, factors=tenant_factors(manifest)) as actions:
            return (actions.run_through if through else actions.run)(login["event"])
    with RulesRuntime(artifacts, configuration=values, modules=modules, timeout=timeout,
                      now=now, stubs=stubs) as rules:
        return (rules.run_through if through else rules.run)(login["user"], login["context"])
