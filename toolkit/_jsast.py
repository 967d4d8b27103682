"""Rendered JavaScript as a syntax tree (esprima2, ES2025), for coverage, mutants and lint.

Positions in the tree are offsets into ``Artifact.code`` and lines are the artifact's lines,
so ``Artifact.locate(line)`` maps any node back to its template line. A Rule is parsed as the
one function expression Auth0 stores; an Action as the body of its CommonJS module function.
rulekit deploys Actions on Auth0's node22 runtime, where ``?.``, ``??``, ``??=``, class
fields and the like are everyday code; esprima2 (a continuation of the esprima port) reads
them. Syntax it cannot read (``await using``, ES2026) does not parse: callers get a
``JsParseError`` and degrade (the artifact is reported as not analysed), they never fail the
run.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ._render import Artifact

__all__ = ["JsParseError", "Node", "ParsedJs", "children", "parse_artifact", "walk"]

Node = dict[str, Any]

_ACTION_PREFIX = "(function (exports, require, module, __filename, __dirname, console) {"
_RULE_PREFIX = "("


class JsParseError(Exception):
    """The pure-Python parser could not read the artifact (too new syntax, or broken code)."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class ParsedJs:
    """One artifact's tree. ``body`` holds the statements that run first: the module body of an
    Action, or the body of a Rule's function; ``function`` is the Rule's function node."""

    artifact: Artifact
    program: Node
    body: list[Node]
    function: Node | None
    _starts: tuple[int, ...]

    def line(self, pos: int) -> int:
        """1-based artifact line of a character offset."""
        return bisect.bisect_right(self._starts, pos)

    def text(self, node: Node) -> str:
        start, end = node["range"]
        return self.artifact.code[start:end]

    def locate(self, node: Node) -> tuple[str, int]:
        """(template path, template line) of a node's first character."""
        return self.artifact.locate(self.line(node["range"][0]))


def _shift(node: Any, offset: int) -> None:
    if isinstance(node, dict):
        rng = node.get("range")
        if isinstance(rng, list) and len(rng) == 2:
            node["range"] = [rng[0] - offset, rng[1] - offset]
        node.pop("loc", None)
        for value in node.values():
            _shift(value, offset)
    elif isinstance(node, list):
        for item in node:
            _shift(item, offset)


def parse_artifact(artifact: Artifact, code: str | None = None) -> ParsedJs:
    """Parse ``code`` (default: the artifact's own) in the artifact's shape."""
    import esprima

    source = artifact.code if code is None else code
    prefix = _ACTION_PREFIX if artifact.kind == "action" else _RULE_PREFIX
    try:
        tree = esprima.parseScript(prefix + source + "\n)" if artifact.kind == "rule"
                                   else prefix + source + "\n})", {"range": True})
    except esprima.Error as exc:
        line = getattr(exc, "lineNumber", None)
        message = str(getattr(exc, "message", exc)).removeprefix(f"Line {line}: ")
        if not _reads_es2020():
            message += ("; the module 'esprima' here is esprima 4 (ES2017), installed over "
                        "esprima2: run pip uninstall -y esprima esprima2, then pip install "
                        "esprima2")
        raise JsParseError(message, line if isinstance(line, int) else None) from None
    except RecursionError:
        raise JsParseError("code nested too deeply to analyse", None) from None
    program: Node = tree.toDict()
    _shift(program, len(prefix))
    wrapper = program["body"][0]["expression"]
    if artifact.kind == "action":
        function = None
        body = wrapper["body"]["body"]
    else:
        if wrapper["type"] not in ("FunctionExpression", "ArrowFunctionExpression"):
            raise JsParseError("a rule must be one function expression", None)
        function = wrapper
        body = wrapper["body"]["body"] if wrapper["body"]["type"] == "BlockStatement" else []
    starts = [0] + [i + 1 for i, ch in enumerate(source) if ch == "\n"]
    return ParsedJs(artifact=artifact, program=program, body=body, function=function,
                    _starts=tuple(starts))


@functools.cache
def _reads_es2020() -> bool:
    """esprima 4 and esprima2 install the same module: is it the one that reads ``??``?"""
    import esprima

    try:
        esprima.parseScript("a ?? b")
    except esprima.Error:
        return False
    return True


def children(node: Node) -> Iterator[tuple[str, Node]]:
    """(key, child) for every child node, in source order."""
    for key, value in node.items():
        if key in ("range", "type"):
            continue
        if isinstance(value, dict) and "type" in value:
            yield key, value
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and "type" in item:
                    yield key, item


def walk(node: Node, parent: Node | None = None) -> Iterator[tuple[Node, Node | None]]:
    """Every node below (and including) ``node`` with its parent, depth first, pre-order."""
    stack: list[tuple[Node, Node | None]] = [(node, parent)]
    while stack:
        current, up = stack.pop()
        yield current, up
        kids = [child for _, child in children(current)]
        stack.extend((child, current) for child in reversed(kids))
