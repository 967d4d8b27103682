"""Templates -> JavaScript artifacts in build/, with a line map back to the templates.

Parameters reach JavaScript only through the ``js`` filter: every ``{{ ... }}`` must end in
``|js`` (or be a macro's output), otherwise rendering fails. So a role name like
``admin'); callback(null, user, context); //`` stays a string literal.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
import tomllib
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jinja2
from markupsafe import Markup

from ._jslex import tokens_of
from ._manifest import (
    DEFAULT_MANIFEST,
    Manifest,
    RuleEntry,
    decode_utf8,
    load_manifest,
    shown_path,
)
from .errors import InputError, ManifestError, RulekitError, RuleSyntaxError, TemplateError

__all__ = [
    "DEFAULT_BUILD",
    "Artifact",
    "iter_enabled",
    "js_encode",
    "js_ident",
    "load_rule_file",
    "render",
    "render_manifest",
    "syntax_check",
    "template_params",
    "wrap_for_v8",
]

DEFAULT_BUILD = Path("build")
ARTIFACTS_DIR = "artifacts"  # build/artifacts/{rules,actions}/<name>.js + index.json
_PARAMS_BLOCK = re.compile(r"\A\s*\{#-?\s*params\b(?P<body>.*?)-?#\}", re.DOTALL)
_TYPES: dict[str, Any] = {
    "str": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "list[str]": lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
    "dict": lambda v: isinstance(v, dict),
}


# ---------------------------------------------------------------------------------- artifacts
@dataclass(frozen=True)
class Artifact:
    """One rendered piece of login code (a Rule today) and where each of its lines came from."""

    name: str
    code: str
    kind: Literal["rule", "action"] = "rule"
    order: int = 0
    enabled: bool = True
    template: str | None = None  # display path of the template, None for a plain JS file
    source: str | None = None  # display path of the file the code was read from
    line_map: tuple[tuple[str, int], ...] = field(default=(), repr=False)
    dependencies: tuple[tuple[str, str], ...] = ()  # npm packages an Action declares
    secrets: tuple[str, ...] = ()  # secret / configuration names it reads
    description: str = ""

    @property
    def file_name(self) -> str:
        """Path inside the build folder, e.g. ``actions/require-mfa.js``; unique per artifact."""
        return f"{self.kind}s/{self.name}.js"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.code.encode("utf-8")).hexdigest()

    @property
    def origin(self) -> str:
        """What to call this artifact in messages: its template, source file or name."""
        return self.template or self.source or self.name

    def from_v8_line(self, line: int) -> int:
        """A line as V8 counts them (U+2028, U+2029 and a lone CR end a line in JavaScript) as
        this code's line (only "\n" ends one here, as in the templates): without it, a
        template with a literal U+2028 in its text had its errors one line off."""
        if not any(c in self.code for c in ("\u2028", "\u2029", "\r")):
            return line
        newlines = 0
        v8 = 1
        code = self.code
        for index, char in enumerate(code):
            if v8 >= line:
                return newlines + 1
            if char == "\n":
                newlines += 1
                v8 += 1  # a CR before it was counted with it (CRLF is one line end)
            elif char in ("\u2028", "\u2029") or (char == "\r" and code[index + 1:index + 2] != "\n"):
                v8 += 1
        return newlines + 1 + (line - v8)  # past the code: the wrapper's closing line

    def locate(self, line: int) -> tuple[str, int]:
        """Map a 1-based line of ``code`` to (file, line) of what produced it; a line past the
        code (V8's wrapper closing it: something left open) is the code's last line."""
        if line > len(self.line_map) and self.line_map:
            line = len(self.line_map)
        if 1 <= line <= len(self.line_map):
            return self.line_map[line - 1]
        return (self.source or self.file_name, line)


def js_encode(value: Any) -> Markup:
    """Encode a value as a JavaScript literal that cannot break out of its expression."""
    if isinstance(value, jinja2.Undefined):
        value._fail_with_undefined_error()  # StrictUndefined: names the missing parameter
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False,
                          default=_not_encodable)
        _exact_integers(value)
    except (TypeError, ValueError) as exc:
        raise jinja2.TemplateRuntimeError(f"|js cannot encode {_short(value)}: {exc}") from None
    # JSON is valid JS (U+2028/2029 escaped for older engines); escaping '/' keeps a value from
    # closing a /* comment */ it is written into, and '<', '>', '&' keep reports safe.
    for raw, escaped in (("/", "\\/"), ("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return Markup(text)


def _not_encodable(value: Any) -> Any:
    raise TypeError(f"a {type(value).__name__} is not JSON data")


_MAX_SAFE_INTEGER = 2**53 - 1  # JavaScript's Number.MAX_SAFE_INTEGER


def _exact_integers(value: Any) -> None:
    """Refuse an integer JavaScript would read as another number (9007199254740993 reads as
    ...992): a parameter must mean in the code what it says in the manifest."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _MAX_SAFE_INTEGER:
        raise ValueError("integers beyond 2**53 - 1 change value in JavaScript; write it as a "
                         "string")
    for item in value.values() if isinstance(value, dict) else (
            value if isinstance(value, list | tuple) else ()):
        _exact_integers(item)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def js_ident(value: Any) -> Markup:
    """Let a name through as a JavaScript identifier, refusing anything else."""
    if not isinstance(value, str) or not _IDENT.match(value):
        raise jinja2.TemplateRuntimeError(f"|ident: {value!r} is not a JavaScript identifier")
    return Markup(value)


def _finalize(value: Any) -> Any:
    # Markup comes from |js or from a macro's output (autoescape makes macros return Markup).
    if isinstance(value, Markup):
        return value
    raise jinja2.TemplateRuntimeError(
        f"value {value!r} is written into JavaScript without |js; write {{{{ ... |js }}}} so "
        "it is encoded as a JavaScript literal")


def read_source(path: str | Path, error: type[RulekitError] = TemplateError) -> str:
    """A template's or a code file's text: UTF-8, a leading byte-order mark dropped (editors
    on Windows write one; it is not code). Text that is not UTF-8 is ``error`` at the line of
    the bad byte."""
    return decode_utf8(Path(path).read_bytes(), path, error)



class _Loader(jinja2.FileSystemLoader):
    """Templates read with :func:`read_source` (a macro file that is not UTF-8 is named
    itself, not the template importing it)."""

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Any]:
        # Read as latin-1 (never fails; it gives back the file's bytes), decoded here.
        source, filename, uptodate = super().get_source(environment, template)
        return decode_utf8(source.encode("latin-1"), filename, TemplateError), filename, uptodate


def _environment(root: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=_Loader(str(root), encoding="latin-1"),  # any bytes: read_source decodes
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        finalize=_finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["js"] = js_encode
    env.filters["ident"] = js_ident
    return env


# ------------------------------------------------------------------------- parameter schemas
def template_params(template_path: Path) -> dict[str, dict[str, Any]] | None:
    """The parameters a template declares in its leading ``{#- params ... #}`` TOML block."""
    text = read_source(template_path)
    match = _PARAMS_BLOCK.match(text)
    if match is None:
        return None
    shown = shown_path(template_path)
    line = text[: match.start("body")].count("\n") + 1
    body = match["body"]
    try:
        declared = tomllib.loads(body)
    except tomllib.TOMLDecodeError as exc:
        at = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        where = line + int(at[1]) - 1 if at else line  # the block's line, not the template's 1st
        message = str(exc)[:at.start()].rstrip() if at else str(exc)
        raise TemplateError(f"invalid params block: {message}", path=shown, line=where) from None
    for name, spec in declared.items():
        if not isinstance(spec, dict) or spec.get("type") not in _TYPES:
            raise TemplateError(
                f"param {name!r} needs type = one of {', '.join(sorted(_TYPES))}",
                path=shown, line=line + _param_line(body, name) - 1)
    return declared


def _param_line(body: str, name: str) -> int:
    """The line of the params block where parameter ``name`` is declared (its table header,
    or its key); the block's first line when it cannot be told."""
    pattern = re.compile(rf"^\s*(?:\[\s*{re.escape(name)}\s*\]|{re.escape(name)}\s*[=.])")
    for number, text in enumerate(body.splitlines(), start=1):
        if pattern.match(text):
            return number
    return 1


def _check_params(manifest: Manifest, entry: RuleEntry, template_path: Path) -> dict[str, Any]:
    declared = template_params(template_path)
    if declared is None:
        return dict(entry.params)
    values: dict[str, Any] = {}
    if "target" in declared or "target" in entry.params:
        raise manifest.error("'target' is reserved: templates receive it as \"rule\" or "
                             "\"action\"", entry.index, "params.target")
    for key in sorted(set(entry.params) - set(declared)):
        raise manifest.error(
            f"unknown parameter for {entry.template} (it declares: {', '.join(sorted(declared))})",
            entry.index, f"params.{key}")
    for name, spec in declared.items():
        if name in entry.params:
            value = entry.params[name]
        elif "default" in spec:
            value = spec["default"]
        else:
            raise manifest.error(f"missing required parameter of {entry.template}", entry.index,
                                 f"params.{name}")
        if not _TYPES[spec["type"]](value):
            raise manifest.error(f"must be of type {spec['type']}, got {value!r}", entry.index,
                                 f"params.{name}")
        choices = spec.get("choices")
        if choices is not None:
            bad = [v for v in (value if isinstance(value, list) else [value]) if v not in choices]
            if bad:
                raise manifest.error(f"{bad[0]!r} is not one of {choices!r}", entry.index,
                                     f"params.{name}")
        if spec["type"] == "list[str]" and spec.get("non_empty") and not value:
            raise manifest.error("must not be empty", entry.index, f"params.{name}")
        values[name] = value
    return values


# --------------------------------------------------------------------------------- rendering
def _innermost(gen: types.GeneratorType[Any, Any, Any]) -> types.FrameType | None:
    """The frame that produced the chunk just yielded, following includes and yield-from."""
    current: Any = gen
    while True:
        frame = current.gi_frame
        if frame is None:
            return None
        inner = current.gi_yieldfrom
        if not isinstance(inner, types.GeneratorType):
            # Jinja's {% include %} iterates a generator held in the local 'gen'.
            candidate = frame.f_locals.get("gen")
            inner = candidate if isinstance(candidate, types.GeneratorType) else None
        if inner is None or inner.gi_frame is None or inner is current:
            return frame  # type: ignore[no-any-return]
        current = inner


_TemplateInfo = tuple[jinja2.Template, str, list[int], set[int], str]


class _LineMapper:
    """Builds the output-line -> (template, line) map while a template renders."""

    def __init__(self, env: jinja2.Environment, root: Path) -> None:
        self.env = env
        self.root = root
        # Per template file: (template, source, line starts, code lines, shown path); None for a
        # file outside the templates folder. Computed once: every chunk of output asks.
        self._templates: dict[str, _TemplateInfo | None] = {}

    def _info(self, filename: str) -> _TemplateInfo | None:
        if filename not in self._templates:
            try:
                name = Path(filename).resolve().relative_to(self.root.resolve()).as_posix()
            except ValueError:
                self._templates[filename] = None
                return None
            template = self.env.get_template(name)
            source = read_source(filename)
            starts = [0] + [i + 1 for i, ch in enumerate(source) if ch == "\n"]
            code_lines = {code for _, code in template.debug_info}
            self._templates[filename] = (template, source, starts, code_lines,
                                         shown_path(filename))
        return self._templates[filename]

    def position(self, frame: types.FrameType | None, chunk: str) -> tuple[str, list[int]]:
        """(template display path, the template line of each line of ``chunk``)."""
        count = chunk.count("\n") + 1
        if frame is None:
            return ("<unknown>", [0] * count)
        info = self._info(frame.f_code.co_filename)
        if info is None:
            return ("<unknown>", [0] * count)
        template, source, starts, code_lines, shown = info
        line = template.get_corresponding_lineno(frame.f_lineno)
        if frame.f_lineno in code_lines or not chunk:
            return (shown, [line] * count)  # an expression's value: all of it comes from `line`
        # Static text: find it in the source at or after the last known line.
        offset = starts[min(line, len(starts)) - 1] if line > 0 else 0
        found = source.find(chunk, offset)
        if found >= 0:
            first = source.count("\n", 0, found) + 1
            return (shown, list(range(first, first + count)))
        # Jinja joins text around a {# comment #} or a constant into one chunk, so it is not
        # one substring of the source: place it line by line instead.
        lines = []
        for part in chunk.split("\n"):
            at = source.find(part, offset) if part.strip() else -1
            if at >= 0:
                lines.append(source.count("\n", 0, at) + 1)
                offset = at + len(part)
            else:
                lines.append(lines[-1] + 1 if lines else line)
        return (shown, lines)


def _rewriting_tracebacks(env: jinja2.Environment,
                          gen: types.GeneratorType[Any, Any, Any]) -> Iterator[Any]:
    """Iterate a render generator; on failure, let Jinja point the traceback at template lines."""
    while True:
        try:
            chunk = next(gen)
        except StopIteration:
            return
        except Exception:
            env.handle_exception()
        yield chunk


def _render_one(env: jinja2.Environment, mapper: _LineMapper, template_name: str,
                params: dict[str, Any]) -> tuple[str, tuple[tuple[str, int], ...]]:
    template = env.get_template(template_name)
    gen = template.root_render_func(template.new_context(params))
    assert isinstance(gen, types.GeneratorType)  # Jinja's sync render function is a generator
    pieces: list[str] = []
    slots: list[tuple[str, int] | None] = [None]  # one per output line
    has_text = False
    for raw in _rewriting_tracebacks(env, gen):
        chunk = str(raw)
        shown, lines = mapper.position(_innermost(gen), chunk)
        pieces.append(chunk)
        for i, part in enumerate(chunk.split("\n")):
            if i > 0:
                slots.append(None)
                has_text = False
            here = (shown, lines[i])
            # A line belongs to the chunk that wrote its first non-blank character.
            if slots[-1] is None or (part.strip() and not has_text):
                slots[-1] = here
            has_text = has_text or bool(part.strip())
    line_map: list[tuple[str, int]] = []
    for slot in slots:
        line_map.append(slot if slot is not None else (line_map[-1] if line_map else ("", 0)))
    return "".join(pieces), tuple(line_map)


def _template_failure(exc: Exception, root: Path, entry: RuleEntry) -> TemplateError:
    """Locate a Jinja failure at the template file and line (Jinja rewrites tracebacks)."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        filename = exc.filename or str(root / entry.template)
        return TemplateError(exc.message or str(exc), path=shown_path(filename), line=exc.lineno)
    path, line = shown_path(root / entry.template), None
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2") or Path(filename).suffix in {".jinja", ".j2", ".tmpl"}:
            path, line = shown_path(filename), tb.tb_lineno
        tb = tb.tb_next
    message = str(exc) if isinstance(exc, jinja2.TemplateError) else f"{type(exc).__name__}: {exc}"
    if isinstance(exc, RecursionError):
        message += " (a template that includes itself, or a macro that calls itself without end?)"
    if isinstance(exc, jinja2.UndefinedError):
        try:
            declared = sorted(template_params(root / entry.template) or {})
        except (OSError, TemplateError):
            declared = []
        if declared:  # a params block: the manifest cannot add what it does not declare
            message = (f"{message} (not a parameter the template declares: check its spelling; "
                       f"it declares: {', '.join(declared)})")
        else:
            message = f"{message} (not a parameter of rule {entry.name!r}: check its spelling, " \
                      "or add it to the manifest's params)"
    return TemplateError(message, path=path, line=line)


def render_manifest(manifest: Manifest | str | Path = DEFAULT_MANIFEST, *,
                    check: bool = True) -> list[Artifact]:
    """Render every rule of a manifest in memory, in pipeline order, syntax-checked in V8."""
    if not isinstance(manifest, Manifest):
        manifest = load_manifest(manifest)
    env = _environment(manifest.root)
    mapper = _LineMapper(env, manifest.root)
    artifacts: list[Artifact] = []
    for entry in manifest.ordered():
        params = _check_params(manifest, entry, manifest.root / entry.template)
        for target in sorted(entry.targets):
            try:
                code, line_map = _render_one(env, mapper, entry.template,
                                             {**params, "target": target})
            except RulekitError:
                raise
            except Exception as exc:  # what the template's own code raised (1/0, recursion, ...)
                raise _template_failure(exc, manifest.root, entry) from None
            if not code.strip():
                kind = "Action" if target == "action" else "Rule"
                raise TemplateError(f"renders no code for the {target!r} target: an Auth0 "
                                    f"{kind} cannot be empty (a template for the other kind "
                                    f"only? leave {target!r} out of the entry's targets)",
                                    path=shown_path(manifest.root / entry.template))
            artifacts.append(Artifact(
                name=entry.name, code=code, kind="action" if target == "action" else "rule",
                order=entry.order, enabled=entry.enabled,
                template=shown_path(manifest.root / entry.template), line_map=line_map,
                dependencies=tuple(sorted(entry.dependencies.items())),
                secrets=entry.secrets, description=entry.description))
    if check:
        syntax_check(artifacts)
    return artifacts


def syntax_check(artifacts: Iterable[Artifact]) -> None:
    """Parse every artifact in V8 the way the runtime will; report errors at template lines."""
    from ._engine import Engine, ScriptError

    with Engine() as engine:
        for artifact in artifacts:
            try:
                engine.eval(wrap_for_v8(artifact), path=artifact.file_name)
            except (RuleSyntaxError, ScriptError) as exc:
                raise located_syntax_error(artifact, exc) from None
            problem = shape_problem(artifact)
            if problem is not None:
                message, line = problem
                path, mapped = artifact.locate(line)
                raise RuleSyntaxError(f"{message} (in {artifact.file_name} line {line})",
                                      path=path, line=mapped)


def shape_problem(artifact: Artifact) -> tuple[str, int] | None:
    """An Action that never sets ``exports.onExecutePostLogin`` (a Rule rendered for the
    Action target, typically): ``(message, artifact line)``, or None. It parses, but Auth0
    would run nothing of it. Read from the code's tokens (comments out, strings whole): it
    needs ``exports`` and the name ``onExecutePostLogin`` (``exports.onExecutePostLogin =``,
    ``exports['onExecutePostLogin']``, ``module.exports = {onExecutePostLogin}``)."""
    from ._jslex import tokenize

    if artifact.kind != "action":
        return None
    words = {t.value for t in tokenize(artifact.code) if t.kind in ("identifier", "string")}
    if {"exports", "onExecutePostLogin"} <= words:
        return None
    lines = artifact.code.splitlines()
    line = next((n for n, text in enumerate(lines, 1) if re.match(r"\s*(async\s+)?function\b", text)),
                1)
    return (f"the Action '{artifact.name}' never sets exports.onExecutePostLogin, so Auth0 "
            "would run nothing of it (a Rule function rendered for the Action target? give the "
            "template an {% if target == \"action\" %} branch, or set targets = [\"rule\"])", line)


RULE_GLOBALS = "configuration, UnauthorizedError, auth0, require, console, global"


def wrap_for_v8(artifact: Artifact) -> str:
    """The script V8 compiles for an artifact; line N of the artifact stays on line N.

    A Rule is evaluated as one function expression (Auth0 does the same, which is why a
    trailing semicolon breaks it); an Action is a CommonJS module body.
    """
    if artifact.kind == "action":
        return ("(function (exports, require, module, __filename, __dirname, console) {"
                + artifact.code + "\n})")
    return f"(function ({RULE_GLOBALS}) {{ return (" + artifact.code + "\n); })"


def located_syntax_error(artifact: Artifact, exc: RuleSyntaxError | Exception) -> RuleSyntaxError:
    line = getattr(exc, "line", None)
    message = getattr(exc, "detail", str(exc))
    detected = detect_kind(artifact.code)
    if detected != artifact.kind and artifact.template is None:
        message += (f" (this file reads as {'an Action' if detected == 'action' else 'a Rule'} "
                    f"but runs as {'an Action' if artifact.kind == 'action' else 'a Rule'}: "
                    f"drop --kind, or give --kind {detected})")
    elif not tokens_of(artifact.code):
        return RuleSyntaxError("no code: the file is empty, or only comments", path=artifact.origin)
    elif (artifact.kind == "rule" and artifact.code.rstrip().endswith(";")
          and "Unexpected token ';'" in message
          and tokens_of(artifact.code)[0].value in ("function", "async")):
        message += (" (a rule must be exactly one function expression; Auth0 rejects a "
                    "semicolon after the closing brace)")
    if line is None:
        return RuleSyntaxError(message, path=artifact.origin)
    line = artifact.from_v8_line(line)
    lines = artifact.code.split("\n")
    if line > len(lines):
        # V8 found it in the wrapper's closing line, after the code: something the code opened
        # was never closed. Name the code's last line (in the template), not the wrapper's.
        line = next((n for n in range(len(lines), 0, -1) if lines[n - 1].strip()), 1)
        message += " (at the end of the code: a bracket, brace or parenthesis left open?)"
    path, mapped = artifact.locate(line)
    where = f" (in {artifact.file_name} line {line})" if artifact.template else ""
    return RuleSyntaxError(message + where, path=path, line=mapped)


def detect_kind(code: str) -> Literal["rule", "action"]:
    """An Action exports onExecutePostLogin; anything else is treated as a Rule."""
    return "action" if "onExecutePostLogin" in code and "exports" in code else "rule"


def load_rule_file(path: str | Path, *, name: str | None = None,
                   kind: Literal["rule", "action"] | None = None) -> Artifact:
    """Read a Rule written the way Auth0 stores it (comment block, then one function), or a
    post-login Action (a module setting ``exports.onExecutePostLogin``): ``kind`` is detected
    from the code unless given, as ``rulekit run`` does."""
    path = Path(path)
    shown = shown_path(path)
    try:
        code = read_source(path, InputError)
    except FileNotFoundError:
        raise InputError("file not found", path=shown) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=shown) from None
    rule_name = name or re.sub(r"[^a-z0-9_-]+", "-", path.stem.lower()).strip("-") or "rule"
    lines = code.count("\n") + 1
    return Artifact(name=rule_name, code=code, kind=kind or detect_kind(code), source=shown,
                    line_map=tuple((shown, i) for i in range(1, lines + 1)))


# ---------------------------------------------------------------------------------- writing
def _files_for(artifacts: list[Artifact]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    index = []
    for artifact in artifacts:
        out[artifact.file_name] = artifact.code.encode("utf-8")
        line_map = {"version": 1, "file": artifact.file_name, "template": artifact.template,
                    "lines": [list(entry) for entry in artifact.line_map]}
        map_name = artifact.file_name.removesuffix(".js") + ".map.json"
        out[map_name] = (json.dumps(line_map, indent=1) + "\n").encode()
        index.append({"name": artifact.name, "kind": artifact.kind, "order": artifact.order,
                      "enabled": artifact.enabled, "template": artifact.template,
                      "file": artifact.file_name, "map": map_name, "sha256": artifact.sha256,
                      "dependencies": dict(artifact.dependencies),
                      "secrets": list(artifact.secrets)})
    out["index.json"] = (json.dumps({"version": 1, "artifacts": index}, indent=2) + "\n").encode()
    return out


def created_mode(directory: bool = False) -> int:
    """The mode ``open()`` / ``mkdir()`` would give under the current umask: files written
    through ``tempfile`` (atomically replaced) get it, not tempfile's private 0600 / 0700, so
    a CI job that uploads build/ or deploys as another user can read them."""
    return (0o777 if directory else 0o666) & ~_umask()


def _umask() -> int:
    """The process's umask, read without changing it where Linux shows it (os.umask can only
    read it by setting it, which would race with files other threads create meanwhile)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o077)  # the briefly set mask is the strict one, never a looser one
    os.umask(mask)
    return mask


def render(manifest: Manifest | str | Path = DEFAULT_MANIFEST, out_dir: str | Path = DEFAULT_BUILD, *,
           check: bool = True) -> list[Artifact]:
    """Render, check, then replace ``out_dir/artifacts/`` in one step; on failure nothing changes.

    A manifest that lists no rules is refused (it would replace the build with nothing); a
    folder that cannot be written is an InputError naming it."""
    loaded = manifest if isinstance(manifest, Manifest) else load_manifest(manifest)
    if not loaded.rules:
        raise ManifestError("lists no rules ([[rules]]): nothing to render, and the build "
                            "is left as it is", path=loaded.display_path())
    artifacts = render_manifest(loaded, check=check)
    target = Path(out_dir) / ARTIFACTS_DIR
    if target.exists() and (target.is_symlink() or not target.is_dir()):
        raise InputError("is not a folder: rulekit writes the rendered artifacts there "
                         "(move it away)", path=shown_path(target))
    try:
        _replace_folder(target, _files_for(artifacts))
    except OSError as exc:
        raise InputError(f"cannot write the build: {exc.strerror or exc}",
                         path=shown_path(exc.filename or target)) from None
    return artifacts


def _replace_folder(target: Path, files: dict[str, bytes]) -> None:
    """Write ``files`` into a fresh folder beside ``target``, then swap it in. Every temporary
    name is unique, so a render that was killed half-way leaves hidden folders behind but never
    blocks the next one (a name per process id did, in containers where rulekit is pid 1)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".artifacts-", dir=target.parent))
    old: Path | None = None
    try:
        staging.chmod(created_mode(directory=True))
        for name, data in files.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_bytes(data)
        if target.exists():
            old = target.with_name(f".artifacts-old-{secrets.token_hex(8)}")  # not there yet
            os.replace(target, old)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None and old.exists() and not target.exists():
            os.replace(old, target)  # put the previous build back
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def iter_enabled(artifacts: Iterable[Artifact]) -> Iterator[Artifact]:
    return (a for a in sorted(artifacts, key=lambda a: a.order) if a.enabled)

