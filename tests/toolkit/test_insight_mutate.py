"""`rulekit mutate`: mutants of rendered code, pragmas for equivalent ones, and a real run of a
small project's tests against each mutant in subprocesses."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.toolkit.projects import one_rule_project
from toolkit import ActionsRuntime, Artifact, RulesRuntime, make_context, make_user, render_manifest
from toolkit._mutant_plugin import MutantSwap
from toolkit._mutate import OPERATORS, generate_mutants
from toolkit._observers import add_observer, remove_observer
from toolkit.cli import cli

ROOT = Path(__file__).resolve().parents[2]

RULE = """\
function (user, context, callback) {
  var roles = (user.app_metadata && user.app_metadata.roles) || [];
  if (!user.email_verified) {
    return callback(new UnauthorizedError('verify your email'));
  }
  if (roles.indexOf('admin') !== -1 || roles.includes('ops')) {
    context.multifactor = { provider: 'any', allowRememberBrowser: false };
  }
  var strong = roles.some(function (r) { return r.length > 3; });
  callback(null, user, context);
}
"""


def _artifact(code: str, kind: str = "rule") -> Artifact:
    lines = code.count("\n") + 1
    return Artifact(name="m", code=code, kind=kind, source="m.js",  # type: ignore[arg-type]
                    line_map=tuple(("m.js", i) for i in range(1, lines + 1)))


def test_every_operator_produces_mutants_that_keep_the_lines() -> None:
    artifact = _artifact(RULE)
    mutants, skipped = generate_mutants([artifact])
    assert not skipped
    assert {m.operator for m in mutants} == set(OPERATORS) - {"drop-deny", "drop-optional",
                                                              "literal-type"}
    for mutant in mutants:
        assert mutant.code != artifact.code
        assert mutant.code.count("\n") == artifact.code.count("\n")
    by_line = {(m.line, m.operator, m.description) for m in mutants}
    assert (6, "flip-comparison", "'!==' -> '==='") in by_line
    assert (6, "flip-logical", "'||' -> '&&'") in by_line
    assert any(line == 4 and op == "drop-return" for line, op, _ in by_line)
    assert (7, "drop-mfa", "'context.multifactor = ...' removed") in by_line
    assert (7, "flip-boolean", "false -> true") in by_line
    assert (7, "string-case", "'any' -> 'ANY'") in by_line
    assert (9, "replace-membership", ".some(...) -> .every(...)") in by_line
    # the last return of a function is not "early"
    assert not any(m.operator == "drop-return" and m.line == 9 for m in mutants)


def test_a_strictly_compared_literal_is_given_the_other_type() -> None:
    # A newcomer's org policy compared Auth0's string metadata with `=== true`: no mutant
    # asked whether the tests pin the type ("true" -> "TRUE" is killed by any test).
    action = _artifact("exports.onExecutePostLogin = async (event, api) => {\n"
                       "  const m = event.organization?.metadata || {};\n"
                       "  if (m.require_mfa === 'true' || m.level !== 3 || m.on === false\n"
                       "      || m.tier == '2' || m.name === 'acme') {\n"
                       "    api.multifactor.enable('any');\n  }\n};\n", kind="action")
    typed = {m.description for m in generate_mutants([action])[0] if m.operator == "literal-type"}
    assert typed == {"'true' -> true", '3 -> "3"', 'false -> "false"'}


def test_action_mutants_drop_mfa_and_denials() -> None:
    action = _artifact("exports.onExecutePostLogin = async (event, api) => {\n"
                       "  if (event.user.blocked) { api.access.deny('blocked'); }\n"
                       "  api.multifactor.enable('any', { allowRememberBrowser: false });\n"
                       "};\n", kind="action")
    operators = {(m.line, m.operator) for m in generate_mutants([action])[0]}
    assert {(2, "drop-deny"), (3, "drop-mfa")} <= operators


def test_a_mutant_swaps_in_only_for_its_artifact(tmp_path: Path) -> None:
    artifact = _artifact(RULE)
    mutant = next(m for m in generate_mutants([artifact])[0] if m.operator == "drop-mfa")
    spec = tmp_path / "m.json"
    spec.write_text(json.dumps({"kind": "rule", "name": "m", "sha256": artifact.sha256,
                                "code": mutant.code}))
    swap = MutantSwap(spec)
    add_observer(swap)
    try:
        admin = make_user(app_metadata={"roles": ["admin"]})
        with RulesRuntime([artifact]) as runtime:
            assert runtime.run(admin, make_context()).mfa is None  # the mutant ran
        with RulesRuntime([replace(artifact, code=artifact.code + "\n")]) as runtime:
            assert runtime.run(admin, make_context()).mfa is not None  # other code: untouched
    finally:
        remove_observer(swap)
    assert spec.with_suffix(".loaded").exists()


def test_pragma_marks_mutants_equivalent(make_source: object) -> None:
    assert callable(make_source)
    manifest = make_source("""
        version = 1
        [[rules]]
        name = "p"
        template = "templates/p.js.j2"
        order = 1
        """, p_j2="""\
        exports.onExecutePostLogin = async (event, api) => {
          // rulekit: equivalent-mutant flip-logical -- app_metadata is always an object
          const roles = (event.user.app_metadata && event.user.app_metadata.roles) || [];
          if (roles.includes("admin")) { api.multifactor.enable("any"); }
        };
        """)
    mutants, _ = generate_mutants(render_manifest(manifest))
    marked = {(m.template_line, m.operator, m.equivalent) for m in mutants if m.equivalent}
    assert marked == {(3, "flip-logical", "app_metadata is always an object")}
    assert all(m.template == "rules_src/templates/p.js.j2" for m in mutants)


@pytest.mark.example
def test_the_example_has_mutants_at_template_lines() -> None:
    mutants, skipped = generate_mutants(render_manifest(ROOT / "rules_src" / "manifest.toml"))
    assert not skipped and len(mutants) >= 20
    assert all(m.template.endswith(".js.j2") and m.template_line > 0 for m in mutants)
    assert any(m.operator == "drop-mfa" and m.artifact.kind == "action" for m in mutants)


# --- a real run over a small project -----------------------------------------------------------
VIP_TEMPLATE = """\
exports.onExecutePostLogin = async (event, api) => {
  if (event.user.app_metadata.vip === true) {
    api.multifactor.enable("any");
    api.idToken.setCustomClaim("tier", "gold");
  }
};
"""
VIP_TEST = """\
from toolkit import ActionsRuntime, load_actions, make_login, make_user, to_action_shape

def test_vip_gets_mfa():
    with ActionsRuntime(load_actions("rules_src/manifest.toml")) as flow:
        login = make_login(user=make_user(app_metadata={"vip": True}))
        assert flow.run(to_action_shape(login)).requires_mfa
"""


@pytest.fixture
def vip_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    one_rule_project(tmp_path, VIP_TEMPLATE, VIP_TEST)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_mutate_reports_the_survivor_at_its_template_line(vip_project: Path) -> None:
    result = CliRunner().invoke(cli, ["mutate", "--tests", "tests", "--json", "--html",
                                      "--report-dir", "report"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.output[:result.output.rindex("}") + 1])
    # the test never looks at the claim: changing its name or value goes unnoticed
    survivors = [(m["template"], m["line"], m["description"]) for m in data["mutants"]
                 if m["status"] == "survived"]
    assert survivors == [("rules_src/templates/vip.js.j2", 4, '"tier" -> "TIER"'),
                         ("rules_src/templates/vip.js.j2", 4, '"gold" -> "GOLD"')]
    assert data["killed"] == 6 and data["survived"] == 2  # `=== true` -> `=== "true"` killed
    assert data["score"] == pytest.approx(100 * 6 / 8, abs=0.01)
    killer = next(m for m in data["mutants"] if m["status"] == "killed")
    assert killer["detail"] == "tests/test_vip.py::test_vip_gets_mfa"
    assert "Mutation score" in (vip_project / "report" / "index.html").read_text()


def test_mutate_cannot_run_when_the_tests_fail_without_mutants(vip_project: Path) -> None:
    (vip_project / "tests" / "test_vip.py").write_text("def test_broken():\n    assert False\n")
    result = CliRunner().invoke(cli, ["mutate", "--tests", "tests"])
    assert result.exit_code == 2
    assert "do not pass without mutants" in result.output


MODERN = """\
exports.onExecutePostLogin = async (event, api) => {
  const roles = event.authorization?.roles ?? event.user.app_metadata?.roles ?? [];
  if (roles.includes('admin')) api.authentication.challengeWith({ type: 'otp' });
  event.user.app_metadata?.hook?.(1); const x = event.secrets?.["K"];
  let tier; tier ??= 'free'; tier ||= 'x'; tier &&= tier.trim();
};
"""


def test_node22_syntax_gets_mutants_and_each_one_parses() -> None:
    # Actions use `?.` and `??`: once "not mutated" (the analyser read ES2017). `??` -> `&&`
    # (as Stryker) must keep `a ?? b ?? c` valid: `a && b ?? c` is a SyntaxError, which any
    # test "kills" and so would count as tested.
    from toolkit._jsast import parse_artifact
    artifact = _artifact(MODERN, kind="action")
    mutants, skipped = generate_mutants([artifact])
    assert not skipped
    for mutant in mutants:
        parse_artifact(artifact, mutant.code)
    found = {(m.line, m.operator, m.description) for m in mutants}
    assert sum(1 for m in mutants if (m.line, m.operator) == (2, "flip-logical")) == 2
    assert {(2, "drop-optional", "event.authorization?.roles -> event.authorization.roles"),
            (4, "drop-optional", "event.user.app_metadata?.hook?.(1) -> "
                                 "event.user.app_metadata?.hook(1)"),
            (4, "drop-optional", 'event.secrets?.["K"] -> event.secrets["K"]'),
            (3, "drop-mfa", "'api.authentication.challengeWith(...)' removed"),
            (5, "flip-logical", "'??=' -> '&&='"), (5, "flip-logical", "'||=' -> '&&='"),
            (5, "flip-logical", "'&&=' -> '||='")} <= found
    flipped = next(m for m in mutants if m.operator == "flip-logical")
    with ActionsRuntime([replace(artifact, code=flipped.code)]) as flow:
        assert flow.run().error is None  # it runs, and decides differently somewhere


def test_mutate_examples_sets_the_property_tests_examples(vip_project: Path) -> None:
    # A newcomer: each mutant ran the whole profile (5 minutes for one small Action), and
    # there was no quicker way.
    (vip_project / "tests" / "test_examples.py").write_text(
        "from hypothesis import settings\n\n"
        "def test_the_examples_asked_for():\n    assert settings().max_examples == 7\n")
    without = CliRunner().invoke(cli, ["mutate", "--tests", "tests", "--json"])
    assert without.exit_code == 2 and "do not pass without mutants" in without.output
    quick = CliRunner().invoke(cli, ["mutate", "--tests", "tests", "--json", "--examples", "7",
                                     "--rule", "vip"])
    assert quick.exit_code == 1, quick.output  # the claim's two survivors, as above
    data = json.loads(quick.output[:quick.output.rindex("}") + 1])
    assert data["killed"] == 6
