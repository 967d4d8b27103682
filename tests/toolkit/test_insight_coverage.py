"""Coverage of rule and Action code: instrumentation keeps behaviour and lines, counts what ran,
maps it to template lines, and the pytest plugin reports and enforces a threshold."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.toolkit.projects import one_rule_project
from toolkit import (
    ActionsRuntime,
    Artifact,
    RulesRuntime,
    make_context,
    make_login,
    make_user,
    render_manifest,
    to_action_shape,
)
from toolkit._coverage import CoverageCollector, instrument, line_ranges
from toolkit._jsast import JsParseError

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "rules_src" / "manifest.toml"

TRICKY_RULE = """\
/** every construct the instrumenter wraps */
function tricky(user, context, callback) {
  'use strict';
  var n = 0;
  if (user.a) n += 1; else if (user.b) n += 2;
  for (var i = 0; i < 2; i++) n++;
  outer: for (var j = 0; j < 2; j++) { if (j) continue outer; n += 10; }
  switch (user.c) {
    case 1: n += 100;
    case 2: n += 200; break;
    default: n += 300;
  }
  var pick = user.d ? 'yes' : 'no';
  var arrow = (x) => ({ value: x && x.y || 'none' });
  try { if (user.e) throw new Error('e'); } catch (err) { n += 1000; } finally { n += 5000; }
  function helper() { return n; }
  context.idToken.n = helper();
  context.idToken.pick = pick;
  context.idToken.arrow = arrow(user.f).value;
  callback(null, user, context);
}
"""


def _rule(code: str, name: str = "tricky") -> Artifact:
    lines = code.count("\n") + 1
    return Artifact(name=name, code=code, kind="rule", source=f"{name}.js",
                    line_map=tuple((f"{name}.js", i) for i in range(1, lines + 1)))


@pytest.mark.parametrize("fields", [
    {}, {"a": 1}, {"b": 1}, {"c": 1}, {"c": 2}, {"d": True}, {"e": True}, {"f": {"y": "why"}},
    {"a": 1, "c": 3, "d": 0, "f": {"y": ""}},
])
def test_instrumented_code_decides_exactly_as_the_original(fields: dict[str, object]) -> None:
    original = _rule(TRICKY_RULE)
    user = make_user(**fields)
    with RulesRuntime([original]) as plain:
        expected = plain.run(user, make_context())
    with CoverageCollector():
        with RulesRuntime([original]) as measured:
            got = measured.run(user, make_context())
    assert expected.error is None
    assert got.to_dict() == expected.to_dict()


MODERN_ACTION = """\
/** Node 22 syntax, as Actions are written: every construct newer than ES2017 */
class Seen { static count = 0; #mark = 1; static { Seen.count = 1; } mark() { return this.#mark; } }
exports.onExecutePostLogin = async (event, api) => {
  const roles = event.user.app_metadata?.roles ?? [];
  const meta = { ...event.user.app_metadata };
  meta.tier ??= "free";
  meta.seen ||= 1;
  meta.keep &&= 2;
  for await (const role of roles) { if (role === "admin") api.multifactor.enable("any"); }
  const { tier, ...rest } = meta;
  api.idToken.setCustomClaim("https://x/c", [tier, Object.keys(rest).length, new Seen().mark(),
                                             event.user.app_metadata?.f?.(1) ?? null]);
};
"""


_ARMS = {(4, "?? right side"), (4, "?? short-circuit"), (6, "??= assigns"),
         (6, "??= keeps the value"), (7, "||= assigns"), (7, "||= keeps the value"),
         (8, "&&= assigns"), (8, "&&= keeps the value")}


@pytest.mark.parametrize(("metadata", "taken"), [
    ({}, {(4, "?? right side"), (6, "??= assigns"), (7, "||= assigns"),
          (8, "&&= keeps the value")}),
    ({"roles": ["admin"]}, {(4, "?? short-circuit"), (6, "??= assigns"), (7, "||= assigns"),
                            (8, "&&= keeps the value"), (9, "then")}),
    ({"roles": ["x"], "tier": "gold", "seen": 5, "keep": 1},
     {(4, "?? short-circuit"), (6, "??= keeps the value"), (7, "||= keeps the value"),
      (8, "&&= assigns"), (9, "else (not taken)")}),
    ({"tier": None, "seen": 0, "keep": 0},  # falsy but not nullish: only ??= assigns
     {(4, "?? right side"), (6, "??= assigns"), (7, "||= assigns"), (8, "&&= keeps the value")}),
], ids=["empty", "admin", "all set", "falsy"])
def test_node22_syntax_is_instrumented_and_decides_as_the_original(
        metadata: dict[str, object], taken: set[tuple[int, str]]) -> None:
    # `?.`, `??`, logical assignment, spread, class fields and blocks, for await: once all
    # "not instrumented" (the analyser read ES2017), so modern Actions could not reach 100%.
    action = Artifact(name="modern", code=MODERN_ACTION, kind="action", source="modern.js",
                      line_map=tuple(("modern.js", i) for i in range(1, 16)))
    event = to_action_shape(make_login(user=make_user(app_metadata=metadata)))
    with ActionsRuntime([action]) as plain:
        expected = plain.run(event)
    with CoverageCollector() as cov:
        with ActionsRuntime([action]) as measured:
            got = measured.run(event)
    assert expected.error is None
    assert got.to_dict() == expected.to_dict()
    item = cov.report([action]).artifacts[0]
    assert item.error is None and item.statements[1] == 14  # the class's two count too
    missed = {(line, arm) for _, line, arm in item.missed_branches()}
    assert not taken & missed
    assert _ARMS - taken <= missed
    assert missed - _ARMS <= {(9, "then"), (9, "else (not taken)"), (12, "?? short-circuit")}


MULTI_LINE_CALL = """\
exports.onExecutePostLogin = async (event, api) => {
  const email = (event.user.email || '').toLowerCase();
  const blocked = email.length > 0
    && ['blocked.example'].some(function (d) {
      return email.endsWith('@' + d);
    });
  if (blocked) api.access.deny('no');
};
"""


def test_instrumentation_keeps_every_line_where_it_was() -> None:
    from toolkit._render import Artifact

    for artifact in [*render_manifest(MANIFEST),
                     Artifact(name="multi-line", code=MULTI_LINE_CALL, kind="action")]:
        done = instrument(artifact)
        assert done.code.count("\n") == artifact.code.count("\n")
        for before, after in zip(artifact.code.splitlines(), done.code.splitlines(), strict=True):
            # each line only gains counters and parentheses: its original characters are all
            # still in it, in order (a newcomer's `});` became `}));`, which is fine)
            rest = iter(after)
            assert all(char in rest for char in before.strip()), (before, after)


@pytest.mark.example
def test_counts_map_to_template_lines_and_uncovered_ranges() -> None:
    actions = [a for a in render_manifest(MANIFEST) if a.kind == "action"]
    nobody = to_action_shape(make_login(user=make_user(app_metadata={})))
    with CoverageCollector() as cov:
        with ActionsRuntime(actions) as flow:
            flow.run(nobody)
            flow.run(nobody)
    report = cov.report(actions)
    mfa = next(a for a in report.artifacts if a.artifact.name == "require-mfa-for-ai-admins")
    # not run: `assigned = [assigned]`, the .some() callback, api.multifactor.enable
    assert mfa.statements == (8, 11)
    template = "rules_src/templates/mfa_for_roles.js.j2"
    source = (ROOT / template).read_text().splitlines()

    def line_of(text: str) -> int:
        return next(n for n, line in enumerate(source, 1) if text in line)

    enable, if_mfa = line_of("api.multifactor.enable("), line_of("if (needsMfa) {")
    assert mfa.uncovered() == {template: [(enable, enable)]}
    hits = mfa.template_lines()
    assert hits[(template, line_of("exports.onExecutePostLogin"))] == 2
    assert hits[(template, enable)] == 0
    missed = {(line, arm) for _, line, arm in mfa.missed_branches()}
    assert {(if_mfa, "then")} <= missed
    assert {(35, "&& short-circuit"), (36, "then")} <= missed  # lines of the roles macro's output
    assert 0 < report.percent < 100
    lines = report.lines()
    assert lines[0].startswith("ARTIFACT") and lines[-1].startswith("TOTAL")
    assert any(f"{template}:{enable}" in line for line in lines)


def test_code_the_parser_cannot_read_is_reported_not_fatal() -> None:
    # `await using` (ES2026) runs in rulekit's V8 but is newer than the analyser's ES2025
    modern = _rule("function (user, context, callback) {\n"
                   "  (async function () { await using x = null; })();\n"
                   "  callback(null, user, context);\n}\n", name="modern")
    with pytest.raises(JsParseError):
        instrument(modern)
    with CoverageCollector() as cov:
        with RulesRuntime([modern]) as runtime:
            assert runtime.run().error is None  # ran uninstrumented
    item = cov.report([modern]).artifacts[0]
    assert item.error is not None and item.to_dict()["instrumented"] is False
    assert "not instrumented" in cov.report([modern]).lines()[1]


def test_other_renderings_are_counted_apart() -> None:
    with CoverageCollector() as cov:
        with RulesRuntime([_rule(TRICKY_RULE)]) as runtime:
            runtime.run()
    report = cov.report([a for a in render_manifest(MANIFEST) if a.kind == "rule"])
    assert report.other_renderings == 1
    assert report.percent == 0.0


def test_line_ranges() -> None:
    assert line_ranges([9, 3, 4, 5, 4]) == [(3, 5), (9, 9)]
    assert line_ranges([]) == []


# --- the pytest plugin, end to end in a subprocess -----------------------------------------
PROJECT_TEMPLATE = """\
{%- if target == "action" %}
exports.onExecutePostLogin = async (event, api) => {
  if (event.user.app_metadata.vip) {
    api.multifactor.enable("any");
  }
};
{% else %}
function vip(user, context, callback) {
  callback(null, user, context);
}
{% endif %}
"""
PROJECT_TEST = """\
from toolkit import ActionsRuntime, load_actions, make_login, make_user, to_action_shape

def test_vip():
    with ActionsRuntime(load_actions("rules_src/manifest.toml")) as flow:
        login = make_login(user=make_user(app_metadata={"vip": True}))
        assert flow.run(to_action_shape(login)).requires_mfa
"""


def _project(tmp_path: Path) -> Path:
    return one_rule_project(tmp_path, PROJECT_TEMPLATE, PROJECT_TEST)


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-p", "no:rulekit-attest", "tests", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_plugin_reports_coverage_and_fails_under_the_threshold(tmp_path: Path) -> None:
    project = _project(tmp_path)
    quiet = _pytest(project)
    assert quiet.returncode == 0, quiet.stdout
    assert "rulekit coverage" not in quiet.stdout  # off unless asked

    measured = _pytest(project, "--rulekit-cov")
    assert measured.returncode == 0, measured.stdout + measured.stderr
    assert "actions/vip.js" in measured.stdout
    assert "branches never taken: vip.js.j2:3 else (not taken)" in measured.stdout
    data = json.loads((project / "build" / "report" / "coverage.json").read_text())
    assert data["artifacts"][0]["file"] == "actions/vip.js"
    assert data["artifacts"][0]["branches"] == {"covered": 1, "total": 2}
    assert "rules_src/templates/vip.js.j2" in data["sources"]
    assert (project / "build" / "report" / "index.html").is_file()

    failing = _pytest(project, "--rulekit-cov-fail-under", "100")
    assert failing.returncode == 1, failing.stdout
    assert "is under the required 100%" in failing.stdout
    passing = _pytest(project, "--rulekit-cov-fail-under", "50")
    assert passing.returncode == 0, passing.stdout
    # Under -n the tests run in other processes: not measured, said so, and the threshold fails
    # (it read 0% with invented "never taken" lists, and overwrote coverage.json).
    before = (project / "build" / "report" / "coverage.json").read_text()
    xdist = _pytest(project, "-n", "2", "--rulekit-cov-fail-under", "50")
    assert xdist.returncode == 1, xdist.stdout
    assert "not measured under pytest -n" in xdist.stdout and "0.0%" not in xdist.stdout
    assert (project / "build" / "report" / "coverage.json").read_text() == before


def test_code_that_cannot_be_measured_is_not_covered(tmp_path: Path) -> None:
    # `await using` is newer than the analyser reads: the Action runs uninstrumented. Its
    # coverage is unknown, so it must not count as 100% (0 of 0), or an untested branch would
    # pass the 100% threshold and the deploy gate.
    from dataclasses import replace

    from toolkit._attest import attest, check_gate, write_attestation
    from toolkit._render import load_rule_file
    path = tmp_path / "chained.js"
    path.write_text("exports.onExecutePostLogin = async (event, api) => {\n"
                    "  await using nothing = null;\n"
                    "  if (event.user.app_metadata?.roles?.includes('admin')) "
                    "api.multifactor.enable('any');\n};\n")
    action = replace(load_rule_file(path), kind="action")
    with CoverageCollector() as coverage, ActionsRuntime([action]) as flow:
        assert flow.run().verdict == "allowed"
    report = coverage.report([action])
    assert report.artifacts[0].error is not None
    assert report.percent == 0.0 and report.artifacts[0].percent == 0.0
    write_attestation(attest([action], 1, coverage=report.percent, coverage_required=100.0),
                      tmp_path / "attestation.json")
    assert not check_gate([action], tmp_path / "attestation.json").ok
