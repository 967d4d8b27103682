"""The HTML report (``build/report/index.html``): one self-contained page, readable offline.

Each producer writes its section as JSON next to it (``matrix.json``, ``coverage.json``,
``mutation.json``, ``lint.json``) and then calls :func:`write_report`, which renders the page
from whatever sections exist. The page has inline CSS, no scripts and no external assets.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2

from ._render import created_mode
from ._version import __version__

__all__ = ["DEFAULT_REPORT_DIR", "SECTIONS", "read_sections", "render_report", "write_report",
           "write_section"]

DEFAULT_REPORT_DIR = Path("build/report")
SECTIONS = ("matrix", "coverage", "mutation", "lint")


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        os.fchmod(fd, created_mode())
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_section(out_dir: Path, name: str, data: dict[str, Any]) -> Path:
    path = Path(out_dir) / f"{name}.json"
    _write_atomic(path, json.dumps(data, indent=1, sort_keys=False) + "\n")
    return path


def read_sections(out_dir: Path) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in SECTIONS:
        path = Path(out_dir) / f"{name}.json"
        try:
            found[name] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
    return found


# ------------------------------------------------------------------------- view helpers
def _verdict_class(value: dict[str, Any] | None) -> str:
    if value is None:
        return "none"
    return str(value.get("verdict", "none"))


def _source_view(coverage: dict[str, Any]) -> list[dict[str, Any]]:
    """Per template: its lines with how often code rendered from each ran (all artifacts)."""
    hits: dict[str, dict[int, int]] = {}
    missed: dict[str, dict[int, list[str]]] = {}
    for artifact in coverage.get("artifacts", []):
        kind = artifact.get("kind", "")
        for item in artifact.get("template_lines", []):
            per_line = hits.setdefault(item["template"], {})
            per_line[item["line"]] = max(per_line.get(item["line"], 0), item["hits"])
        for item in artifact.get("missed_branches", []):
            arms = missed.setdefault(item["template"], {}).setdefault(item["line"], [])
            label = f"{kind}: {item['arm']}"
            if label not in arms:
                arms.append(label)
    out = []
    for path, text in sorted(coverage.get("sources", {}).items()):
        lines: list[dict[str, Any]] = []
        for number, source in enumerate(text.splitlines(), 1):
            count = hits.get(path, {}).get(number)
            state = "plain" if count is None else ("hit" if count > 0 else "miss")
            arms = missed.get(path, {}).get(number, [])
            if arms and state == "hit":
                state = "partial"
            lines.append({"number": number, "text": source, "state": state, "count": count,
                          "arms": arms})
        measured = [line for line in lines if line["state"] != "plain"]
        covered = sum(1 for line in measured if line["state"] != "miss")
        out.append({"path": path, "lines": lines, "measured": len(measured), "covered": covered})
    return out


def _score_class(percent: float | None) -> str:
    if percent is None:
        return "none"
    return "good" if percent >= 100 else ("fair" if percent >= 80 else "poor")


def render_report(sections: dict[str, Any]) -> str:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["verdict_class"] = _verdict_class
    env.filters["score_class"] = _score_class
    env.filters["tojson_compact"] = lambda v: json.dumps(v, separators=(", ", ": "),
                                                         ensure_ascii=False)
    from ._matrix import claim_names, describe

    env.globals["describe"] = describe
    env.globals["claim_names"] = claim_names
    template = env.from_string(files("toolkit").joinpath("report.html.j2")
                               .read_text(encoding="utf-8"))
    coverage = sections.get("coverage")
    return template.render(
        matrix=sections.get("matrix"), coverage=coverage,
        sources=_source_view(coverage) if coverage else [],
        mutation=sections.get("mutation"), lint=sections.get("lint"),
        version=__version__, generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))


def write_report(out_dir: Path = DEFAULT_REPORT_DIR) -> Path:
    """(Re)write ``out_dir/index.html`` from the section files there."""
    path = Path(out_dir) / "index.html"
    _write_atomic(path, render_report(read_sections(Path(out_dir))))
    return path
