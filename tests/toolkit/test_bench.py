"""``make bench`` in its tiny mode: the report has the promised shape and sensible numbers.

No timing is asserted here: figures depend on the machine, targets are the bench's own report.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.suite import TARGETS, _target

ROOT = Path(__file__).resolve().parents[2]


def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


def test_quick_bench_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run([sys.executable, "-m", "bench", "--quick", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text())

    node = shutil.which("node") is not None
    ratios = result["ratios"]
    for key in ("single_vs_floor", "fuzz_vs_generation", "single_vs_floor_rule",
                "single_vs_floor_action", "startup_vs_python", "peak_rss_vs_baseline",
                "floor_parse_vs_floor"):
        assert _positive(ratios[key]), (key, ratios[key])
    assert _positive(ratios["batch_vs_node"]) if node else ratios["batch_vs_node"] is None
    if not node:
        assert any("node" in note for note in result["notes"])

    figures = result["figures"]
    for key in ("floor_us", "floor_with_timeout_us", "floor_parse_us", "single_rule_us", "single_action_us",
                "batch_rule_per_s", "batch_action_per_s", "fuzz_generated_per_s",
                "fuzz_checked_per_s", "render_s", "startup_s", "python_startup_s", "peak_rss_mb",
                "baseline_rss_mb", "cli_batch_per_s"):
        assert _positive(figures[key]), (key, figures[key])
    if node:
        assert _positive(figures["node_rule_per_s"]) and _positive(figures["node_action_per_s"])
        assert result["mfa_count"]["node_rule"] == result["mfa_count"]["rulekit_rule"]
        assert result["mfa_count"]["node_action"] == result["mfa_count"]["rulekit_action"]

    machine = result["machine"]
    assert machine["cpus"] >= 1 and machine["python"] and machine["v8"] and machine["cpu_model"]
    assert result["date"] and result["quick"] is True
    assert [t["key"] for t in result["targets"]] == [key for key, *_ in TARGETS]
    assert {t["status"] for t in result["targets"]} <= {"PASS", "MISS", "SKIP"}
    assert "targets (README" in done.stdout


def test_targets_are_judged_not_asserted() -> None:
    assert _target("single_vs_floor", "latency", "<=", 1.25, 1.1)["status"] == "PASS"
    assert _target("single_vs_floor", "latency", "<=", 1.25, 1.3)["status"] == "MISS"
    assert _target("batch_vs_node", "throughput", ">=", 0.5, None)["status"] == "SKIP"
    assert _target("render_s", "render", "<", 1.0, float("nan"))["status"] == "SKIP"
