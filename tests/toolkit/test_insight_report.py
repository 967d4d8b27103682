"""The HTML report: self-contained, every section filled from the real commands, and rendered by
a real browser (headless Chromium) into a screenshot that is checked pixel by pixel."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit import ActionsRuntime, RulesRuntime, load_actions, load_rules, make_context, make_user
from toolkit._coverage import CoverageCollector, finish_coverage
from toolkit._report import read_sections, render_report, write_report, write_section
from toolkit.cli import cli

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "rules_src" / "manifest.toml"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WIDTH, HEIGHT = 900, 700

MUTATION = {
    "version": 1, "generated_at": "2026-11-28T10:00:00+00:00", "tests": "tests/rules",
    "score": 50.0, "threshold": 100.0, "total": 2, "killed": 1, "survived": 1, "equivalent": 0,
    "not_viable": 0, "errors": 0, "baseline_seconds": 1.0, "skipped": [],
    "mutants": [
        {"id": "M001", "artifact": "actions/x.js", "artifact_line": 3,
         "template": "rules_src/templates/x.js.j2", "line": 7, "operator": "drop-mfa",
         "description": "'api.multifactor.enable(...)' removed", "status": "killed",
         "detail": "tests/rules/test_x.py::test_admin", "seconds": 1.0},
        {"id": "M002", "artifact": "actions/x.js", "artifact_line": 4,
         "template": "rules_src/templates/x.js.j2", "line": 8, "operator": "string-case",
         "description": "\"<b>tier</b>\" -> \"<B>TIER</B>\"", "status": "survived",
         "detail": "", "seconds": 1.0},
    ],
}


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report with all four sections, from the example rules."""
    out = tmp_path_factory.mktemp("report")
    cwd = Path.cwd()
    os.chdir(ROOT)  # template paths in the report are relative to the project root
    try:
        with CoverageCollector() as cov:
            with RulesRuntime(load_rules(MANIFEST)) as rules, \
                    ActionsRuntime(load_actions(MANIFEST)) as flow:
                rules.run(make_user(app_metadata={"roles": ["ai_system_admin"]}), make_context())
                flow.run()
        finish_coverage(cov, MANIFEST, out)
        runner = CliRunner()
        for command in (["matrix", "--html"], ["lint", "--html"]):
            result = runner.invoke(cli, [*command, "--manifest", str(MANIFEST),
                                         "--report-dir", str(out)])
            assert result.exit_code == 0, result.output
    finally:
        os.chdir(cwd)
    write_section(out, "mutation", MUTATION)
    write_report(out)
    return out


@pytest.mark.example  # the report of the shipped example's rules
def test_every_section_is_there_and_self_contained(report_dir: Path) -> None:
    html = (report_dir / "index.html").read_text(encoding="utf-8")
    assert set(read_sections(report_dir)) == {"matrix", "coverage", "mutation", "lint"}
    for heading in ("Decision matrix", "Coverage of rule and Action code", "Mutation score", "Lint"):
        assert f"<h2>{heading}</h2>" in html
    assert "admin@example.com (ai_system_admin)" in html and "MFA any (browser not remembered)" in html
    assert "rules_src/templates/mfa_for_roles.js.j2" in html and 'class="miss"' in html
    assert "RK102" in html
    assert "&lt;b&gt;tier&lt;/b&gt;" in html and "<b>tier</b>" not in html  # escaped
    lowered = html.lower()
    for external in ("<script", "<link", " src=", "url(", "@import", 'href="http'):
        assert external not in lowered


def test_sections_not_yet_produced_say_how_to_get_them() -> None:
    html = render_report({})
    assert "rulekit matrix --html" in html and "make test-rules" in html
    assert "rulekit mutate --html" in html and "rulekit lint --html" in html


# --- a real browser ----------------------------------------------------------------------------
def _png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGBA/RGB bytes) of an 8-bit PNG, unfiltered (RFC 2083)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and color in (2, 6), (depth, color)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(channels, stride):
                line[i] = (line[i] + line[i - channels]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous, strict=True))
        elif kind == 3:
            for i in range(stride):
                left = line[i - channels] if i >= channels else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - channels] if i >= channels else 0
                b, c = previous[i], previous[i - channels] if i >= channels else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def _browser() -> str | None:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.mark.example  # the report of the shipped example's rules
def test_the_report_renders_in_headless_chromium(report_dir: Path) -> None:
    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium found (apt-get install chromium; .ci/run installs it in CI)")
    shot = report_dir / "report.png"
    with tempfile.TemporaryDirectory(prefix="rulekit-chromium-") as profile:
        done = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--hide-scrollbars",
             "--force-device-scale-factor=1", f"--screenshot={shot}",
             f"--window-size={WIDTH},{HEIGHT}", (report_dir / "index.html").as_uri()],
            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, check=False)
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    width, height, rows = _png_pixels(shot.read_bytes())
    assert (width, height) == (WIDTH, HEIGHT)
    step = len(rows[0]) // width
    pixels = [row[i:i + 3] for row in rows[::4] for i in range(0, len(row), step * 4)]
    colours = set(pixels)
    assert len(colours) > 30, "the page looks blank"
    header = bytes((0x1F, 0x2A, 0x44))  # the report's header colour: the CSS applied
    assert pixels.count(header) > len(pixels) // 50
    page = bytes((0xF4, 0xF6, 0xFA))
    assert pixels.count(page) + pixels.count(b"\xff\xff\xff") < len(pixels) * 0.95


@pytest.mark.example
def test_a_matrix_saved_before_the_tenant_mfa_line_still_renders() -> None:
    # build/report/matrix.json from an older rulekit has no tenant_mfa: the report (written at
    # the end of every `rulekit test`) must not fail on it.
    from toolkit._matrix import build_matrix
    from toolkit._report import render_report

    old = build_matrix(ROOT / "rules_src" / "manifest.toml").to_dict()
    old.pop("tenant_mfa")
    html = render_report({"matrix": old})
    assert "Tenant MFA not declared" in html
