"""Coverage of rule and Action code: which statements and branch arms of each rendered artifact
ran, mapped back to template lines.

mini-racer has no inspector, so the JavaScript is instrumented before V8 loads it: a counter
``__rkCov[n]++`` before every statement and at the start of every branch arm (``if``/``else``,
``? :``, the right side of ``&&``/``||``/``??`` and of ``||=``/``&&=``/``??=``, ``switch``
cases), inserted without adding a line, so
the code keeps its line numbers and the render line map still applies. Counters live in
``globalThis.__rulekitCoverage[<sha256 of the original code>]`` and are read when a runtime
closes (an observer of the runtimes, see ``_observers``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ._jsast import JsParseError, Node, ParsedJs, children, parse_artifact
from ._observers import Evaluate, add_observer, remove_observer
from ._render import Artifact

__all__ = ["ArtifactCoverage", "CoverageCollector", "CoverageReport", "Instrumented", "Probe",
           "instrument", "line_ranges"]

_VAR = "__rkCov"
_GLOBAL = "globalThis.__rulekitCoverage"


@dataclass(frozen=True)
class Probe:
    """One counter: a statement, or one arm of a branch.

    A derived arm (an ``if`` without ``else``, the short-circuit of ``&&``) has no counter of
    its own: it ran ``counts[total] - counts[taken]`` times.
    """

    index: int  # position in the counter array, or -1 when derived
    kind: str  # "statement" | "branch"
    line: int  # artifact line
    label: str = ""  # "then", "else", "right", "short-circuit", "case 2", ...
    branch: int = -1  # the decision point this arm belongs to (its line-ordered id)
    total: int = -1  # derived arms: counter of the decision itself
    taken: int = -1  # derived arms: counter of the other arm

    def hits(self, counts: Sequence[int]) -> int:
        if self.index >= 0:
            return counts[self.index] if self.index < len(counts) else 0
        return max(0, _at(counts, self.total) - _at(counts, self.taken))


def _at(counts: Sequence[int], index: int) -> int:
    return counts[index] if 0 <= index < len(counts) else 0


@dataclass(frozen=True)
class Instrumented:
    artifact: Artifact  # the original
    code: str  # what V8 runs instead
    counters: int
    probes: tuple[Probe, ...]


class _Edits:
    """Text insertions at offsets; applied so that wrappers nest properly."""

    def __init__(self) -> None:
        self._items: list[tuple[int, int, int, str]] = []  # (pos, closes-first, order, text)
        self._seq = 0

    def open(self, pos: int, text: str) -> None:
        self._seq += 1
        self._items.append((pos, 1, self._seq, text))

    def first(self, pos: int, text: str) -> None:
        """Before anything else inserted at ``pos``."""
        self._items.append((pos, 1, -1, text))

    def close(self, pos: int, text: str) -> None:
        # A wrapper is closed after everything inside it (the walk is post-order), so at one
        # offset the later close is the outer one: closes go out in the order they came.
        self._seq += 1
        self._items.append((pos, 0, self._seq, text))

    def apply(self, code: str) -> str:
        out: list[str] = []
        last = 0
        for pos, _, _, text in sorted(self._items):
            out.append(code[last:pos])
            out.append(text)
            last = pos
        out.append(code[last:])
        return "".join(out)


class _Instrumenter:
    def __init__(self, parsed: ParsedJs) -> None:
        self.parsed = parsed
        self.edits = _Edits()
        self.probes: list[Probe] = []
        self.counters = 0
        self.branches = 0

    def counter(self, kind: str, pos: int, label: str = "", branch: int = -1) -> int:
        index = self.counters
        self.counters += 1
        self.probes.append(Probe(index, kind, self.parsed.line(pos), label, branch))
        return index

    def derived(self, pos: int, label: str, branch: int, total: int, taken: int) -> None:
        self.probes.append(Probe(-1, "branch", self.parsed.line(pos), label, branch, total, taken))

    def new_branch(self) -> int:
        self.branches += 1
        return self.branches

    # -- statements -------------------------------------------------------------------------
    def statement_list(self, statements: list[Node]) -> None:
        for statement in statements:
            if "directive" in statement:
                continue  # "use strict" must stay first
            if statement["type"] not in ("FunctionDeclaration", "EmptyStatement"):
                index = self.counter("statement", statement["range"][0])
                self.edits.open(statement["range"][0], f"{_VAR}[{index}]++;")
            self.node(statement)

    def lone_statement(self, statement: Node, label: str = "", branch: int = -1) -> int:
        """A statement that is not in a list (``if (x) return;``): wrap it in a block."""
        start, end = statement["range"]
        if statement["type"] == "BlockStatement":
            index = -1
            if branch >= 0:
                index = self.counter("branch", start, label, branch)
                self.edits.open(start + 1, f"{_VAR}[{index}]++;")
            self.statement_list(statement["body"])
            return index
        index = self.counter("branch" if branch >= 0 else "statement", start, label, branch)
        self.edits.open(start, f"{{{_VAR}[{index}]++;")
        if branch >= 0 and statement["type"] != "EmptyStatement":
            inner = self.counter("statement", start)
            self.edits.open(start, f"{_VAR}[{inner}]++;")
        self.node(statement)
        self.edits.close(end, "}")
        return index

    def expression_arm(self, expression: Node, kind: str, label: str = "",
                       branch: int = -1) -> int:
        start, end = expression["range"]
        index = self.counter(kind, start, label, branch)
        self.edits.open(start, f"({_VAR}[{index}]++,")
        self.node(expression)
        self.edits.close(end, ")")
        return index

    # -- the walk ---------------------------------------------------------------------------
    def node(self, node: Node) -> None:
        kind = node["type"]
        if kind in ("BlockStatement", "Program"):
            self.statement_list(node["body"])
        elif kind == "IfStatement":
            branch = self.new_branch()
            decision = self.expression_arm(node["test"], "decision")
            then = self.lone_statement(node["consequent"], "then", branch)
            if node.get("alternate") is not None:
                self.lone_statement(node["alternate"], "else", branch)
            else:
                self.derived(node["range"][0], "else (not taken)", branch, decision, then)
        elif kind == "ConditionalExpression":
            self.node(node["test"])
            branch = self.new_branch()
            self.expression_arm(node["consequent"], "branch", "then", branch)
            self.expression_arm(node["alternate"], "branch", "else", branch)
        elif kind == "LogicalExpression":
            branch = self.new_branch()
            total = self.expression_arm(node["left"], "decision")
            right = self.expression_arm(node["right"], "branch", f"{node['operator']} right side",
                                        branch)
            self.derived(node["right"]["range"][0], f"{node['operator']} short-circuit", branch,
                         total, right)
        elif kind == "AssignmentExpression" and node["operator"] in ("||=", "&&=", "??="):
            # Logical assignment assigns only when the target is (not) truthy / nullish: a
            # branch, counted like `a || b` (the whole assignment is the decision).
            branch = self.new_branch()
            total = self.counter("decision", node["range"][0])
            self.edits.open(node["range"][0], f"({_VAR}[{total}]++,")
            self.node(node["left"])
            right = self.expression_arm(node["right"], "branch",
                                        f"{node['operator']} assigns", branch)
            self.derived(node["right"]["range"][0], f"{node['operator']} keeps the value",
                         branch, total, right)
            self.edits.close(node["range"][1], ")")
        elif kind == "SwitchStatement":
            self.node(node["discriminant"])
            branch = self.new_branch()
            for number, case in enumerate(node["cases"], 1):
                if case.get("test") is not None:
                    self.node(case["test"])
                label = "default" if case.get("test") is None else f"case {number}"
                index = self.counter("branch", case["range"][0], label, branch)
                colon = case["consequent"][0]["range"][0] if case["consequent"] else case["range"][1]
                self.edits.open(colon, f"{_VAR}[{index}]++;")
                self.statement_list(case["consequent"])
        elif kind in ("ForStatement", "ForInStatement", "ForOfStatement", "ForAwaitStatement",
                      "WhileStatement", "DoWhileStatement", "WithStatement"):
            for key, child in children(node):
                if key == "body":
                    self.lone_statement(child)
                else:
                    self.node(child)
        elif kind == "LabeledStatement":
            # Not the labelled statement itself (`l: {n++; for (...)}` breaks `continue l`),
            # but what is inside it: a loop wraps its own body.
            self.node(node["body"])
        elif kind == "ArrowFunctionExpression" and node["expression"]:
            for key, child in children(node):
                if key != "body":
                    self.node(child)
            self.expression_arm(node["body"], "statement")
        elif kind in ("FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"):
            for key, child in children(node):
                if key == "body":
                    self.statement_list(child["body"])
                else:
                    self.node(child)
        elif kind == "TryStatement":
            for key, child in children(node):
                if key == "handler":
                    self.statement_list(child["body"]["body"])
                elif key in ("block", "finalizer"):
                    self.statement_list(child["body"])
        else:
            for _, child in children(node):
                self.node(child)


def instrument(artifact: Artifact) -> Instrumented:
    """Counters at every statement and branch arm; raises JsParseError for unreadable code."""
    if _VAR in artifact.code:
        raise JsParseError(f"the code already uses the name {_VAR}", None)
    parsed = parse_artifact(artifact)
    worker = _Instrumenter(parsed)
    worker.statement_list(parsed.body)
    key = json.dumps(artifact.sha256)
    first = next((s for s in parsed.body if "directive" not in s), None)
    if parsed.function is not None:
        body = parsed.function["body"]
        at = first["range"][0] if first is not None else body["range"][0] + 1
    else:
        at = first["range"][0] if first is not None else len(artifact.code)
    worker.edits.first(at, f"var {_VAR}=({_GLOBAL}||({_GLOBAL}={{}}))[{key}]||({_GLOBAL}[{key}]="
                           f"new Array({worker.counters}).fill(0));")
    code = worker.edits.apply(artifact.code)
    parse_artifact(artifact, code)  # the instrumented code must still parse, or we do not use it
    if code.count("\n") != artifact.code.count("\n"):
        raise JsParseError("instrumentation changed the number of lines", None)
    return Instrumented(artifact, code, worker.counters, tuple(worker.probes))


# ----------------------------------------------------------------------------------- results
def line_ranges(lines: Iterable[int]) -> list[tuple[int, int]]:
    """[3, 4, 5, 9] -> [(3, 5), (9, 9)]"""
    out: list[tuple[int, int]] = []
    for line in sorted(set(lines)):
        if out and line == out[-1][1] + 1:
            out[-1] = (out[-1][0], line)
        else:
            out.append((line, line))
    return out


def _ranges_text(ranges: Sequence[tuple[int, int]]) -> str:
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in ranges)


@dataclass
class ArtifactCoverage:
    """One artifact's coverage, in artifact lines and in template lines."""

    artifact: Artifact
    probes: tuple[Probe, ...] = ()
    counts: list[int] = field(default_factory=list)
    error: str | None = None  # why it could not be instrumented
    runs: int = 0  # runtimes that loaded it

    def _of(self, kind: str) -> list[Probe]:
        return [p for p in self.probes if p.kind == kind]

    @property
    def statements(self) -> tuple[int, int]:
        probes = self._of("statement")
        return sum(1 for p in probes if p.hits(self.counts)), len(probes)

    @property
    def branches(self) -> tuple[int, int]:
        probes = self._of("branch")
        return sum(1 for p in probes if p.hits(self.counts)), len(probes)

    @property
    def percent(self) -> float:
        if self.error is not None:
            return 0.0  # not measured: nothing of it is known to have run
        (s_hit, s_all), (b_hit, b_all) = self.statements, self.branches
        total = s_all + b_all
        return 100.0 if total == 0 else 100.0 * (s_hit + b_hit) / total

    def line_hits(self) -> dict[int, int]:
        """Artifact line -> times its statements ran (lines with statements only)."""
        hits: dict[int, int] = {}
        for probe in self._of("statement"):
            hits[probe.line] = max(hits.get(probe.line, 0), probe.hits(self.counts))
        return hits

    def template_lines(self) -> dict[tuple[str, int], int]:
        """(template, line) -> hits: a template line is covered when any statement from it ran."""
        out: dict[tuple[str, int], int] = {}
        for line, hits in self.line_hits().items():
            where = self.artifact.locate(line)
            out[where] = max(out.get(where, 0), hits)
        return out

    def missed_branches(self) -> list[tuple[str, int, str]]:
        """(template, line, arm label) of branch arms that never ran."""
        seen: list[tuple[str, int, str]] = []
        for probe in self._of("branch"):
            if not probe.hits(self.counts):
                path, line = self.artifact.locate(probe.line)
                if (path, line, probe.label) not in seen:
                    seen.append((path, line, probe.label))
        return seen

    def uncovered(self) -> dict[str, list[tuple[int, int]]]:
        """Template -> line ranges whose statements never ran."""
        by_template: dict[str, list[int]] = {}
        for (path, line), hits in self.template_lines().items():
            if hits == 0:
                by_template.setdefault(path, []).append(line)
        return {path: line_ranges(lines) for path, lines in sorted(by_template.items())}

    def to_dict(self) -> dict[str, Any]:
        (s_hit, s_all), (b_hit, b_all) = self.statements, self.branches
        return {
            "name": self.artifact.name, "kind": self.artifact.kind,
            "file": self.artifact.file_name, "template": self.artifact.template,
            "sha256": self.artifact.sha256, "instrumented": self.error is None,
            "error": self.error, "runs": self.runs,
            "statements": {"covered": s_hit, "total": s_all},
            "branches": {"covered": b_hit, "total": b_all},
            "percent": round(self.percent, 2),
            "lines": {str(line): hits for line, hits in sorted(self.line_hits().items())},
            "template_lines": [{"template": path, "line": line, "hits": hits}
                               for (path, line), hits in sorted(self.template_lines().items())],
            "uncovered": {path: [list(r) for r in ranges]
                          for path, ranges in self.uncovered().items()},
            "missed_branches": [{"template": p, "line": n, "arm": label}
                                for p, n, label in self.missed_branches()],
        }


_DECISIONS = re.compile(r";|\bif\b|\?|&&|\|\||\belse\b|\bcase\b|=>")


def _unmeasured_weight(code: str) -> int:
    """A generous count of the statements and branch arms of code that could not be
    instrumented: its non-blank lines, or its statement ends and branching tokens when there
    are more (forty branches on one line must weigh forty)."""
    lines = sum(1 for line in code.splitlines() if line.strip())
    return max(1, lines, 2 * len(_DECISIONS.findall(code)))


@dataclass
class CoverageReport:
    """Coverage of the manifest's artifacts after a run."""

    artifacts: list[ArtifactCoverage]
    other_renderings: int = 0  # code that ran but is not the manifest's rendering (variants)

    @property
    def percent(self) -> float:
        """Covered statements and branch arms over all of them. An artifact that could not be
        instrumented counts as its lines of code, none run: what cannot be measured is not covered
        (otherwise it would add 0 of 0 and pass any threshold, and the deploy gate with it)."""
        hit = total = 0
        for item in self.artifacts:
            if item.error is not None:  # weighed as what it may hold, none known to have run
                total += _unmeasured_weight(item.artifact.code)
                continue
            (s_hit, s_all), (b_hit, b_all) = item.statements, item.branches
            hit += s_hit + b_hit
            total += s_all + b_all
        return 100.0 if total == 0 else 100.0 * hit / total

    def lines(self) -> list[str]:
        """The terminal summary: one line per artifact, then what was never run."""
        out = []
        width = max([len(a.artifact.file_name) for a in self.artifacts] + [8])
        out.append(f"{'ARTIFACT':<{width}}  {'STMTS':>7}  {'BRANCHES':>8}  {'COVER':>6}  MISSING "
                   "(template lines)")
        for item in self.artifacts:
            if item.error is not None:
                out.append(f"{item.artifact.file_name:<{width}}  {'-':>7}  {'-':>8}  {'-':>6}  "
                           f"not instrumented: {item.error}")
                continue
            (s_hit, s_all), (b_hit, b_all) = item.statements, item.branches
            missing = "; ".join(f"{path}:{_ranges_text(ranges)}"
                                for path, ranges in item.uncovered().items())
            arms = ", ".join(f"{Path(p).name}:{n} {label}" for p, n, label in item.missed_branches())
            detail = missing + (f"{'; ' if missing else ''}branches never taken: {arms}" if arms else "")
            out.append(f"{item.artifact.file_name:<{width}}  {f'{s_hit}/{s_all}':>7}  "
                       f"{f'{b_hit}/{b_all}':>8}  {item.percent:>5.1f}%  {detail}".rstrip())
        out.append(f"{'TOTAL':<{width}}  {'':>7}  {'':>8}  {self.percent:>5.1f}%")
        if self.other_renderings:
            out.append(f"({self.other_renderings} other rendering(s) ran, e.g. rules rendered with "
                       "other parameters; they are not counted above)")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"version": 1, "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "percent": round(self.percent, 2), "other_renderings": self.other_renderings,
                "artifacts": [a.to_dict() for a in self.artifacts]}


class CoverageCollector:
    """Instruments every artifact a runtime loads and adds up the counters when it closes.

    ``with CoverageCollector() as cov: ...run tests...``; then ``cov.report(artifacts)``.
    """

    def __init__(self) -> None:
        self._instrumented: dict[str, Instrumented] = {}
        self._errors: dict[str, str] = {}
        self._counts: dict[str, list[int]] = {}
        self._runs: dict[str, int] = {}

    def __enter__(self) -> CoverageCollector:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        add_observer(self)

    def stop(self) -> None:
        remove_observer(self)

    # -- observer ---------------------------------------------------------------------------
    def loading(self, artifact: Artifact) -> Artifact:
        key = artifact.sha256
        self._runs[key] = self._runs.get(key, 0) + 1
        if key in self._errors:
            return artifact
        done = self._instrumented.get(key)
        if done is None:
            try:
                done = instrument(artifact)
            except JsParseError as exc:
                where = f" (line {exc.line})" if exc.line else ""
                self._errors[key] = f"{exc}{where}"
                return artifact
            except (KeyError, TypeError, ValueError, IndexError) as exc:
                # Measuring must never change a test run: unexpected shapes run uninstrumented.
                self._errors[key] = f"instrumentation failed: {exc!r}"
                return artifact
            self._instrumented[key] = done
        return replace(artifact, code=done.code)

    def closing(self, evaluate: Evaluate) -> None:
        raw = evaluate(f"JSON.stringify({_GLOBAL} || {{}})")
        data = json.loads(raw) if isinstance(raw, str) else {}
        for key, counts in data.items():
            if key not in self._instrumented or not isinstance(counts, list):
                continue
            total = self._counts.setdefault(key, [0] * self._instrumented[key].counters)
            for i, value in enumerate(counts[:len(total)]):
                if isinstance(value, int | float):
                    total[i] += int(value)

    # -- results ----------------------------------------------------------------------------
    def coverage_of(self, artifact: Artifact) -> ArtifactCoverage:
        key = artifact.sha256
        runs = self._runs.get(key, 0)
        if key in self._errors:
            return ArtifactCoverage(artifact, error=self._errors[key], runs=runs)
        done = self._instrumented.get(key)
        if done is None:
            try:
                done = instrument(artifact)
            except JsParseError as exc:
                return ArtifactCoverage(artifact, error=str(exc), runs=runs)
        counts = self._counts.get(key, [0] * done.counters)
        return ArtifactCoverage(artifact, done.probes, list(counts), runs=runs)

    def report(self, artifacts: Sequence[Artifact]) -> CoverageReport:
        """Coverage of these artifacts (the manifest's rendering); other code that ran is counted
        only as a number."""
        wanted = {a.sha256 for a in artifacts}
        others = sum(1 for key in self._runs if key not in wanted)
        return CoverageReport([self.coverage_of(a) for a in artifacts], other_renderings=others)


def finish_coverage(collector: CoverageCollector, manifest: Path, out_dir: Path) -> CoverageReport:
    """Coverage of the manifest's enabled artifacts; writes coverage.json and the HTML report."""
    from ._render import render_manifest
    from ._report import write_report, write_section

    artifacts = [a for a in render_manifest(manifest) if a.enabled]
    report = collector.report(artifacts)
    data = report.to_dict()
    sources: dict[str, str] = {}
    for artifact in artifacts:
        for path, _ in artifact.line_map:
            if path and path not in sources and Path(path).is_file():
                sources[path] = Path(path).read_text(encoding="utf-8")
    data["sources"] = sources
    write_section(out_dir, "coverage", data)
    write_report(out_dir)
    return report
