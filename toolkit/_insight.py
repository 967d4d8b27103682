"""What ``rulekit matrix / lint / mutate / diff`` print and which exit code they return.

Exit codes (DESIGN.md): 0 nothing to report against the thresholds, 1 something to report
(errors or disagreement in the matrix, lint errors, mutation score under the threshold, MFA
weakened), 2 could not run (a RulekitError, mapped by the CLI).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from ._report import write_report, write_section

__all__ = ["diff_command", "lint_command", "matrix_command", "mutate_command"]

Echo = Callable[[str], None]


def _html(report_dir: Path, name: str, data: dict[str, object], echo: Echo) -> None:
    write_section(report_dir, name, data)
    echo(f"HTML report: {write_report(report_dir)}")


def matrix_command(manifest: Path, protocols: Sequence[str], as_json: bool, html: bool,
                   report_dir: Path, echo: Echo) -> int:
    from ._matrix import DEFAULT_PROTOCOLS, build_matrix

    matrix = build_matrix(manifest, protocols=tuple(protocols) or DEFAULT_PROTOCOLS)
    data = matrix.to_dict()
    if as_json:
        echo(json.dumps(data, indent=2))
    else:
        echo(matrix.heading())
        echo(matrix.mfa_text())
        for line in matrix.table():
            echo("  " + line)
        if not matrix.rules_complete and any(r.rule is not None for r in matrix.rows):
            missing = sorted({a.name for a in matrix.artifacts if a.kind == "action"}
                             - {a.name for a in matrix.artifacts if a.kind == "rule"})
            echo(f"NOTE: Actions and Rules not compared: no Rule renders {', '.join(missing)} "
                 "(an Action-only entry), so the RULES column is the legacy pipeline alone")
        for problem in matrix.problems:
            echo(f"PROBLEM: {problem}")
    if html:
        _html(report_dir, "matrix", data, echo)
    return 1 if matrix.problems else 0


def lint_command(manifest: Path, as_json: bool, sarif: bool, html: bool, report_dir: Path,
                 echo: Echo, files: Sequence[str] = ()) -> int:
    from ._lint import lint, lint_files, to_sarif

    result = lint_files(files) if files else lint(manifest)
    if sarif:
        echo(json.dumps(to_sarif(result), indent=2))
    elif as_json:
        echo(json.dumps(result.to_dict(), indent=2))
    else:
        for line in result.lines():
            echo(line)
    if html:
        _html(report_dir, "lint", result.to_dict(), echo)
    return 1 if result.errors else 0


def mutate_command(manifest: Path, tests: str, threshold: float, jobs: int | None,
                   names: Sequence[str], kinds: Sequence[str], as_json: bool, html: bool,
                   report_dir: Path, echo: Echo, progress: Echo, *,
                   examples: int | None = None) -> int:
    from ._mutate import MutantResult, run_mutation

    def tick(result: MutantResult) -> None:
        m = result.mutant
        progress(f"{result.status:>10}  {m.id} {m.artifact.file_name}:{m.line} {m.operator}: "
                 f"{m.description}")

    run = run_mutation(manifest, tests=tests, threshold=threshold, jobs=jobs, names=names,
                       kinds=kinds or ("action", "rule"), progress=None if as_json else tick,
                       examples=examples)
    data = run.to_dict()
    if as_json:
        echo(json.dumps(data, indent=2))
    else:
        for line in run.lines():
            echo(line)
    if html:
        _html(report_dir, "mutation", data, echo)
    return 0 if run.passed else 1


def diff_command(manifest: Path, rev: str | None, base_manifest: Path | None, examples: int,
                 seed: int, as_json: bool, echo: Echo) -> int:
    from ._diff import diff_decisions, render_at_revision
    from ._render import render_manifest
    from .errors import InputError

    if rev is not None and base_manifest is not None:
        raise InputError("give --rev or --base-manifest, not both")
    if base_manifest is not None:
        base = render_manifest(base_manifest)
        label = str(base_manifest)
    else:
        base = render_at_revision(rev or "HEAD", manifest)
        label = f"git {rev or 'HEAD'}"
    result = diff_decisions(base, render_manifest(manifest), base_label=label, manifest=manifest,
                            examples=examples, seed=seed)
    echo(json.dumps(result.to_dict(), indent=2) if as_json else "\n".join(result.lines()))
    return 1 if result.mfa_weakened else 0
