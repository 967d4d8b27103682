"""Mutation testing of rule and Action code (``rulekit mutate``).

Each mutant is one small change to one rendered artifact: a comparison or boolean operator
flipped, the MFA requirement (or a denial) dropped, a string literal's case changed, an
``includes``/``indexOf``/``some`` check replaced, an early ``return`` removed, a boolean flipped.
The rule tests run against each mutant in a pytest subprocess (several at once), with the
mutant swapped in for the artifact it mutates wherever a runtime loads it
(``toolkit._mutant_plugin``, selected by the ``RULEKIT_MUTANT`` environment variable). A mutant
the tests notice is *killed*; one they do not notice *survived*: a gap in the tests.

A mutant that cannot change any decision is *equivalent*; mark it at its template line with a
comment naming the operator and why, e.g.
``// rulekit: equivalent-mutant flip-logical -- event.user.app_metadata is always an object``
(on the same line or the line above; without operator names it covers every mutant there). A
JavaScript comment is kept in the rendered code, so reviewers see it there too.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ._jsast import JsParseError, Node, ParsedJs, parse_artifact, walk
from ._render import Artifact, render_manifest, wrap_for_v8
from .errors import InputError, RulekitError

__all__ = ["OPERATORS", "Mutant", "MutantResult", "MutationRun", "generate_mutants",
           "run_mutation"]

MUTANT_ENV = "RULEKIT_MUTANT"
OPERATORS = {
    "flip-comparison": "a comparison negated (=== and !==, < and >=, ...)",
    "flip-logical": "&& and || swapped, ?? made && (as Stryker does); the same for ||=, &&=, ??=",
    "drop-optional": "an optional chain made plain (a?.b -> a.b): is the missing case tested?",
    "drop-negation": "a ! removed",
    "negate-condition": "an if condition negated",
    "drop-mfa": "the MFA requirement removed (context.multifactor = ..., api.multifactor.*, "
                "api.authentication.challengeWith*/enrollWith*)",
    "drop-deny": "a denial removed (api.access.deny)",
    "string-case": "a string literal's case changed",
    "replace-membership": "an includes/indexOf/some/every check replaced",
    "drop-return": "an early return removed",
    "flip-boolean": "true and false swapped",
    "literal-type": "a literal compared with === / !== given the other type (\"true\" and true, "
                    "\"5\" and 5): do the tests pin the type the data has?",
}
_COMPARISON_FLIPS = {"===": "!==", "!==": "===", "==": "!=", "!=": "==", "<": ">=", ">=": "<",
                     ">": "<=", "<=": ">"}
_PRAGMA = re.compile(r"rulekit:\s*equivalent-mutant\b(?P<rest>[^\n]*)")


@dataclass(frozen=True)
class Mutant:
    id: str
    artifact: Artifact  # the original
    code: str  # the mutated code (same number of lines)
    operator: str
    description: str
    line: int  # artifact line
    template: str
    template_line: int
    equivalent: str | None = None  # the reason given by a pragma

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "artifact": self.artifact.file_name, "artifact_line": self.line,
                "template": self.template, "line": self.template_line,
                "operator": self.operator, "description": self.description}


# ------------------------------------------------------------------------------ generation
class _Generator:
    def __init__(self, parsed: ParsedJs) -> None:
        self.parsed = parsed
        self.code = parsed.artifact.code
        self.found: list[tuple[str, str, int, str]] = []  # operator, description, pos, code

    def edit(self, operator: str, description: str, start: int, end: int, text: str,
             at: int | None = None) -> None:
        removed = self.code[start:end]
        keep = removed.count("\n") - text.count("\n")
        if keep < 0:
            return
        mutated = self.code[:start] + text + "\n" * keep + self.code[end:]
        self.found.append((operator, description, start if at is None else at, mutated))

    def drop(self, operator: str, description: str, node: Node) -> None:
        start, end = node["range"]
        self.edit(operator, description, start, end, ";")

    def operator_pos(self, node: Node) -> int:
        gap_start, gap_end = node["left"]["range"][1], node["right"]["range"][0]
        return self.code.find(node["operator"], gap_start, gap_end)

    def run(self) -> None:
        artifact_body = self.parsed.body
        parents: dict[int, Node | None] = {}
        for node, parent in walk(self.parsed.program):
            parents[id(node)] = parent
        for node, parent in walk(self.parsed.program):
            kind = node["type"]
            if kind == "BinaryExpression" and node["operator"] in _COMPARISON_FLIPS:
                pos = self.operator_pos(node)
                if pos >= 0:
                    new = _COMPARISON_FLIPS[node["operator"]]
                    self.edit("flip-comparison", f"'{node['operator']}' -> '{new}'", pos,
                              pos + len(node["operator"]), new)
                if node["operator"] in ("===", "!=="):
                    for side in (node["left"], node["right"]):
                        self.literal_type(side)
            elif kind == "LogicalExpression" and node["operator"] == "??":
                # `??` cannot mix with `&&` unparenthesised (`a ?? b ?? c`): bracket both sides
                start, end = node["range"]
                left, right = self.parsed.text(node["left"]), self.parsed.text(node["right"])
                self.edit("flip-logical", "'??' -> '&&'", start, end,
                          f"(({left}) && ({right}))", at=self.operator_pos(node))
            elif kind == "LogicalExpression":
                pos = self.operator_pos(node)
                if pos >= 0:
                    new = "||" if node["operator"] == "&&" else "&&"
                    self.edit("flip-logical", f"'{node['operator']}' -> '{new}'", pos, pos + 2, new)
            elif kind == "AssignmentExpression" and node["operator"] in ("||=", "&&=", "??="):
                pos = self.operator_pos(node)
                if pos >= 0:
                    new = "||=" if node["operator"] == "&&=" else "&&="
                    self.edit("flip-logical", f"'{node['operator']}' -> '{new}'", pos, pos + 3, new)
            elif kind == "UnaryExpression" and node["operator"] == "!":
                start = node["range"][0]
                self.edit("drop-negation", f"'!{_short(self.parsed.text(node['argument']))}' -> "
                          f"'{_short(self.parsed.text(node['argument']))}'", start, start + 1, "")
            elif kind == "IfStatement":
                test = node["test"]
                if not (test["type"] == "UnaryExpression" and test["operator"] == "!"):
                    start, end = test["range"]
                    text = self.parsed.text(test)
                    self.edit("negate-condition", f"if ({_short(text)}) -> if (!({_short(text)}))",
                              start, end, f"!({text})")
            elif kind == "ExpressionStatement":
                self.statement(node)
            elif kind == "Literal" and isinstance(node.get("value"), bool):
                new = "false" if node["value"] else "true"
                self.edit("flip-boolean", f"{str(node['value']).lower()} -> {new}",
                          node["range"][0], node["range"][1], new)
            elif kind == "Literal" and isinstance(node.get("value"), str):
                self.string(node, parent)
            elif kind == "CallExpression":
                self.call(node)
            elif kind == "ReturnStatement":
                self.early_return(node, parent, artifact_body)
            if kind in ("MemberExpression", "CallExpression") and node.get("optional"):
                self.optional(node)

    def statement(self, node: Node) -> None:
        expression = node["expression"]
        if expression["type"] == "AwaitExpression":
            expression = expression["argument"]
        if expression["type"] == "ChainExpression":  # api.multifactor?.enable(...)
            expression = expression["expression"]
        if expression["type"] == "AssignmentExpression":
            target = expression["left"]
            if target["type"] == "MemberExpression" and _property(target) == "multifactor":
                self.drop("drop-mfa", f"'{_short(self.parsed.text(target))} = ...' removed", node)
        elif expression["type"] == "CallExpression":
            shown = self.parsed.text(expression["callee"]).replace(" ", "")
            callee = shown.replace("?.", ".")
            if ".multifactor." in callee or callee.startswith("multifactor.") or \
                    re.search(r"authentication\.(?:challenge|enroll)With", callee):
                self.drop("drop-mfa", f"'{shown}(...)' removed", node)
            elif callee.endswith("access.deny"):
                self.drop("drop-deny", f"'{shown}(...)' removed", node)

    def optional(self, node: Node) -> None:
        """``a?.b`` -> ``a.b``, ``a?.[k]`` -> ``a[k]``, ``f?.(x)`` -> ``f(x)``: a TypeError where
        the value is missing, so a test that covers the missing case kills it."""
        head = node["object"] if node["type"] == "MemberExpression" else node["callee"]
        after = node["property"] if node["type"] == "MemberExpression" else None
        end = after["range"][0] if after is not None else node["range"][1]
        pos = self.code.find("?.", head["range"][1], end)
        if pos < 0:
            return
        plain = node["type"] == "MemberExpression" and not node.get("computed")
        new = "." if plain else ""
        start = node["range"][0]
        text = self.parsed.text(node)
        after = text[:pos - start] + new + text[pos - start + 2:]
        self.edit("drop-optional", f"{_short(text)} -> {_short(after)}", pos, pos + 2, new)

    def string(self, node: Node, parent: Node | None) -> None:
        if parent is not None and parent["type"] == "Property" and parent["key"] is node:
            return
        if parent is not None and parent["type"] == "CallExpression" and \
                self.parsed.text(parent["callee"]) == "require":
            return
        if "directive" in (parent or {}):
            return
        value: str = node["value"]
        new = value.upper() if value.upper() != value else value.lower()
        if new == value:
            return
        raw = self.parsed.text(node)
        quote = raw[0] if raw[:1] in ("'", '"') else '"'
        encoded = json.dumps(new, ensure_ascii=False)
        if quote == "'":
            encoded = "'" + encoded[1:-1].replace("\\\"", "\"").replace("'", "\\'") + "'"
        self.edit("string-case", f"{_short(raw)} -> {_short(encoded)}", node["range"][0],
                  node["range"][1], encoded)

    def literal_type(self, node: Node) -> None:
        """A strictly compared literal as the other type: ``"true"`` <-> ``true``, ``"5"`` <->
        ``5``. Auth0 keeps organization and client metadata as strings and app_metadata as
        JSON, so `=== true` where the data holds "true" never matches (a newcomer's org MFA
        policy); the tests kill this only if they use the type the data really has."""
        if node["type"] != "Literal":
            return
        value = node.get("value")
        raw = self.parsed.text(node)
        if isinstance(value, bool):
            new = f'"{str(value).lower()}"'
        elif isinstance(value, str) and value in ("true", "false"):
            new = value
        elif isinstance(value, str) and re.fullmatch(r"-?(?:0|[1-9][0-9]{0,14})", value):
            new = value
        elif isinstance(value, int | float) and float(value).is_integer() and abs(value) < 1e15:
            new = f'"{int(value)}"'
        else:
            return
        self.edit("literal-type", f"{_short(raw)} -> {_short(new)}", node["range"][0],
                  node["range"][1], new)

    def call(self, node: Node) -> None:
        callee = node["callee"]
        if callee["type"] != "MemberExpression" or callee.get("computed"):
            return
        name = _property(callee)
        start, end = node["range"]
        text = _short(self.parsed.text(node))
        if name == "includes":
            self.edit("replace-membership", f"{text} -> !{text}", start, start, "!")
        elif name == "indexOf":
            self.edit("replace-membership", f"{text} -> -1 (never found)", start, end, "-1")
        elif name in ("some", "every"):
            other = "every" if name == "some" else "some"
            prop = callee["property"]["range"]
            self.edit("replace-membership", f".{name}(...) -> .{other}(...)", prop[0], prop[1],
                      other)

    def early_return(self, node: Node, parent: Node | None, artifact_body: list[Node]) -> None:
        """A return that is not the last statement of its function body."""
        if parent is None:
            return
        if parent["type"] == "BlockStatement" and parent["body"] and parent["body"][-1] is node:
            function_body = any(candidate is parent for candidate in self._function_bodies())
            if function_body:
                return  # the final return of a function: not early
        self.drop("drop-return", f"'{_short(self.parsed.text(node))}' removed", node)

    def _function_bodies(self) -> Iterator[Node]:
        for node, _ in walk(self.parsed.program):
            if node["type"] in ("FunctionExpression", "FunctionDeclaration",
                                "ArrowFunctionExpression") and \
                    node["body"]["type"] == "BlockStatement":
                yield node["body"]


def _property(member: Node) -> str | None:
    prop = member.get("property")
    if isinstance(prop, dict) and prop.get("type") == "Identifier":
        return str(prop["name"])
    if isinstance(prop, dict) and prop.get("type") == "Literal" and isinstance(prop.get("value"), str):
        return str(prop["value"])
    return None


def _short(text: str, limit: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _pragma(template: str, line: int, operator: str,
            read: Callable[[str], list[str] | None]) -> str | None:
    """The reason a pragma on the template line (or the line above) marks this equivalent."""
    lines = read(template)
    if not lines:
        return None
    for number in (line, line - 1):
        if 1 <= number <= len(lines):
            match = _PRAGMA.search(lines[number - 1])
            if match is None:
                continue
            rest = match["rest"].split("#}")[0].split("*/")[0].strip()
            names, _, reason = rest.partition("--")
            ops = [o.strip() for o in names.replace(",", " ").split() if o.strip()]
            if not ops or operator in ops:
                return reason.strip() or "marked equivalent in the template"
    return None


def generate_mutants(artifacts: Sequence[Artifact]) -> tuple[list[Mutant], list[str]]:
    """Mutants of each artifact, in artifact order; and artifacts that could not be parsed."""
    cache: dict[str, list[str] | None] = {}

    def read(path: str) -> list[str] | None:
        if path not in cache:
            try:
                cache[path] = Path(path).read_text(encoding="utf-8").splitlines()
            except OSError:
                cache[path] = None
        return cache[path]

    mutants: list[Mutant] = []
    skipped: list[str] = []
    for artifact in artifacts:
        try:
            parsed = parse_artifact(artifact)
        except JsParseError as exc:
            skipped.append(f"{artifact.file_name}: not mutated: {exc}")
            continue
        generator = _Generator(parsed)
        try:
            generator.run()
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            skipped.append(f"{artifact.file_name}: not mutated: {exc!r}")
            continue
        seen: set[str] = set()
        for operator, description, pos, code in sorted(generator.found, key=lambda f: f[2]):
            if code in seen or code == artifact.code:
                continue
            seen.add(code)
            try:  # a mutant that does not parse would be "killed" by any test: not a mutant
                parse_artifact(artifact, code)
            except JsParseError:
                continue
            line = parsed.line(pos)
            template, template_line = artifact.locate(line)
            mutants.append(Mutant(
                id=f"M{len(mutants) + 1:03d}", artifact=artifact, code=code, operator=operator,
                description=description, line=line, template=template,
                template_line=template_line,
                equivalent=_pragma(template, template_line, operator, read)))
    return mutants, skipped


# --------------------------------------------------------------------------------- running
@dataclass
class MutantResult:
    mutant: Mutant
    status: str  # killed | survived | equivalent | timeout | not-viable | error
    detail: str = ""
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**self.mutant.to_dict(), "status": self.status, "detail": self.detail,
                "seconds": round(self.seconds, 2)}


@dataclass
class MutationRun:
    threshold: float
    results: list[MutantResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    baseline_seconds: float = 0.0
    tests: str = "tests/rules"

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def scored(self) -> int:
        return self.count("killed") + self.count("timeout") + self.count("survived")

    @property
    def score(self) -> float:
        if self.scored == 0:
            return 100.0
        return 100.0 * (self.count("killed") + self.count("timeout")) / self.scored

    @property
    def passed(self) -> bool:
        return self.score >= self.threshold and not self.count("error")

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1, "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "tests": self.tests, "score": round(self.score, 2), "threshold": self.threshold,
            "total": len(self.results), "killed": self.count("killed") + self.count("timeout"),
            "survived": self.count("survived"), "equivalent": self.count("equivalent"),
            "not_viable": self.count("not-viable"), "errors": self.count("error"),
            "baseline_seconds": round(self.baseline_seconds, 2), "skipped": self.skipped,
            "mutants": [r.to_dict() for r in self.results],
        }

    def lines(self) -> list[str]:
        out = []
        for result in self.results:
            if result.status in ("survived", "error"):
                m = result.mutant
                out.append(f"{result.status.upper():9} {m.id} {m.template}:{m.template_line} "
                           f"({m.artifact.file_name}:{m.line}) {m.operator}: {m.description}"
                           + (f"  [{result.detail}]" if result.detail else ""))
        for result in self.results:
            if result.status == "equivalent":
                m = result.mutant
                out.append(f"EQUIVALENT {m.id} {m.template}:{m.template_line} {m.operator}: "
                           f"{m.description} ({result.detail})")
        out.extend(self.skipped)
        killed = self.count("killed") + self.count("timeout")
        extra = "".join(f", {self.count(status)} {label}" for status, label in
                        (("equivalent", "marked equivalent"), ("not-viable", "not viable"))
                        if self.count(status))
        out.append(f"mutation score {self.score:.1f}% ({killed} of {self.scored} killed{extra}; "
                   f"threshold {self.threshold:g}%) by {self.tests}")
        return out


def _viable(mutants: Sequence[Mutant]) -> dict[str, str]:
    """Mutants V8 refuses to compile (id -> reason); they are not counted."""
    from ._engine import Engine

    refused: dict[str, str] = {}
    with Engine() as engine:
        for mutant in mutants:
            try:
                engine.eval(wrap_for_v8(replace(mutant.artifact, code=mutant.code)),
                            path=mutant.artifact.file_name)
            except RulekitError as exc:
                refused[mutant.id] = str(exc)
    return refused


def _pytest(tests: str, env: dict[str, str], timeout: float, cwd: Path,
            examples: int | None = None) -> tuple[int | None, str]:
    command = [sys.executable, "-m", "pytest", tests, "-x", "-q", "-rf", "--no-header",
               "-p", "toolkit._mutant_plugin", "-p", "no:rulekit-attest", "-p", "no:cacheprovider",
               *([f"--rulekit-examples={examples}"] if examples is not None else [])]
    try:
        done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        return None, ""
    return done.returncode, done.stdout + done.stderr


_FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)


def run_mutation(manifest: str | Path = "rules_src/manifest.toml", *, tests: str = "tests/rules",
                 threshold: float = 100.0, jobs: int | None = None,
                 names: Sequence[str] = (), kinds: Sequence[str] = ("action", "rule"),
                 cwd: Path | None = None,
                 progress: Callable[[MutantResult], None] | None = None,
                 examples: int | None = None) -> MutationRun:
    """Generate the mutants of the manifest's enabled artifacts and run ``tests`` on each
    (``examples``: the property tests' examples per test, ``--rulekit-examples``)."""
    root = Path.cwd() if cwd is None else cwd
    artifacts = [a for a in render_manifest(manifest) if a.enabled and a.kind in kinds
                 and (not names or a.name in names)]
    if names and not artifacts:
        raise InputError(f"no enabled artifact named {', '.join(names)}", path=str(manifest))
    if not (root / tests).exists():
        raise InputError("tests not found", path=tests)
    mutants, skipped = generate_mutants(artifacts)
    run = MutationRun(threshold=threshold, skipped=skipped, tests=tests)
    refused = _viable(mutants)
    with tempfile.TemporaryDirectory(prefix="rulekit-mutate-") as scratch:
        base_env = {**os.environ, "HYPOTHESIS_STORAGE_DIRECTORY": str(Path(scratch) / "hyp"),
                    "PYTHONDONTWRITEBYTECODE": "1"}
        base_env.pop(MUTANT_ENV, None)
        started = time.monotonic()
        code, output = _pytest(tests, base_env, 600, root, examples)
        run.baseline_seconds = time.monotonic() - started
        if code != 0:
            tail = "\n".join(output.strip().splitlines()[-15:])
            raise RulekitError(f"the tests do not pass without mutants (pytest exit {code}); "
                               f"fix them first:\n{tail}", path=tests)
        timeout = max(30.0, 10 * run.baseline_seconds)

        def one(mutant: Mutant) -> MutantResult:
            if mutant.id in refused:
                return MutantResult(mutant, "not-viable", refused[mutant.id])
            if mutant.equivalent is not None:
                return MutantResult(mutant, "equivalent", mutant.equivalent)
            spec = Path(scratch) / f"{mutant.id}.json"
            spec.write_text(json.dumps({"kind": mutant.artifact.kind, "name": mutant.artifact.name,
                                        "sha256": mutant.artifact.sha256, "code": mutant.code}),
                            encoding="utf-8")
            began = time.monotonic()
            code, output = _pytest(tests, {**base_env, MUTANT_ENV: str(spec)}, timeout, root,
                                   examples)
            seconds = time.monotonic() - began
            loaded = spec.with_suffix(".loaded").exists()
            if code is None:
                return MutantResult(mutant, "timeout", f"tests ran over {timeout:g} s", seconds)
            if code in (1, 2):
                failed = _FAILED.search(output)
                return MutantResult(mutant, "killed", failed[1] if failed else "", seconds)
            if code == 0:
                detail = "" if loaded else "no test loaded this artifact"
                return MutantResult(mutant, "survived", detail, seconds)
            return MutantResult(mutant, "error", f"pytest exit {code}", seconds)

        workers = max(1, jobs if jobs is not None else (os.cpu_count() or 1))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for result in pool.map(one, mutants):
                run.results.append(result)
                if progress is not None:
                    progress(result)
    return run
