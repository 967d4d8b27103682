"""`rulekit equiv` and `rulekit port`: differential runs of a Rule and its Action port."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import pytest
from click.testing import CliRunner

from tests.example_fingerprint import copy_shipped_example
from toolkit._equiv import Side, check_equivalent, decision
from toolkit._outcome import Outcome
from toolkit._render import Artifact
from toolkit._ruleset import load_actions, load_rules
from toolkit.cli import cli

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "rules_src" / "manifest.toml"
RULE = "rule:require-mfa-for-ai-admins"
ACTION = "action:require-mfa-for-ai-admins"
BROKEN_PORT = """\
exports.onExecutePostLogin = async (event, api) => {
  const roles = (event.user.app_metadata && event.user.app_metadata.roles) || [];
  if (roles.includes('AI_System_Admin')) {
    api.multifactor.enable('any', { allowRememberBrowser: false });
  }
};
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy_shipped_example(tmp_path)  # skips once the example is changed
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.example
def test_example_rule_and_action_agree_over_hundreds_of_logins(project: Path) -> None:
    result = CliRunner().invoke(cli, ["equiv", RULE, ACTION, "--examples", "300"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("EQUIVALENT:")
    compared = int(result.output.split("all ")[1].split(" logins")[0])
    assert compared >= 300


def test_broken_port_is_reported_with_a_shrunk_login(project: Path) -> None:
    (project / "broken.js").write_text(BROKEN_PORT)
    result = CliRunner().invoke(cli, ["equiv", RULE, "broken.js", "--examples", "200", "--json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert report["equivalent"] is False
    difference = report["difference"]
    assert difference["a"]["mfa"] is not None and difference["b"]["mfa"] is None
    roles = difference["login"]["user"]["app_metadata"]["roles"]
    assert "ai_system_admin" in roles
    human = CliRunner().invoke(cli, ["equiv", RULE, "broken.js", "--examples", "200"])
    assert human.exit_code == 1
    assert human.output.startswith("DIFFERENT:")


def test_the_dictionary_holds_literals_of_both_sides(project: Path) -> None:
    (project / "broken.js").write_text(BROKEN_PORT)
    result = CliRunner().invoke(cli, ["equiv", RULE, "broken.js", "--examples", "5", "--json"])
    words = json.loads(result.output)["dictionary"]
    assert "ai_system_admin" in words and "AI_System_Admin" in words


@pytest.mark.example
def test_port_of_the_example_rule_is_accepted_by_equiv(project: Path) -> None:
    CliRunner().invoke(cli, ["render"], catch_exceptions=False)
    rule_file = "build/artifacts/rules/require-mfa-for-ai-admins.js"
    ported = CliRunner().invoke(cli, ["port", rule_file, "-o", "port.js"])
    assert ported.exit_code == 0, ported.output
    assert "rulekit equiv" in ported.stderr
    result = CliRunner().invoke(cli, ["equiv", rule_file, "port.js", "--examples", "150"])
    assert result.exit_code == 0, result.output


def test_port_warns_about_constructs_without_an_action_equivalent(project: Path) -> None:
    (project / "legacy.js").write_text(
        "function (user, context, callback) {\n"
        "  const _ = require('lodash@4.17.21');\n"
        "  if (context.sso.with_auth0) { global.seen = true; }\n"
        "  callback(null, user, context);\n"
        "};\n")
    result = CliRunner().invoke(cli, ["port", "legacy.js"])
    assert result.exit_code == 0
    assert "legacy.js:2: declare the dependency lodash@4.17.21" in result.stderr
    assert "legacy.js:3: context.sso has no Action equivalent" in result.stderr
    assert "// rulekit port: context.sso" in result.stdout
    assert "exports.onExecutePostLogin" in result.stdout


def test_port_refuses_an_action(project: Path) -> None:
    (project / "a.js").write_text(BROKEN_PORT)
    result = CliRunner().invoke(cli, ["port", "a.js"])
    assert result.exit_code == 2 and "already a post-login Action" in result.stderr


def test_equiv_cannot_run_exits_2(project: Path) -> None:
    result = CliRunner().invoke(cli, ["equiv", RULE, "missing.js"])
    assert result.exit_code == 2 and "missing.js" in result.stderr


def test_error_and_denial_are_one_decision_across_kinds() -> None:
    error = Outcome(kind="rule", error={"name": "Error", "message": "x"})
    denied = Outcome(kind="action", denied={"message": "x"})
    assert decision(error, cross_kind=True) == decision(denied, cross_kind=True)
    assert decision(error, cross_kind=False) != decision(
        Outcome(kind="rule", denied={"message": "x"}), cross_kind=False)


@pytest.mark.example
def test_python_api_compares_versions_of_the_same_kind() -> None:
    rules = load_rules(MANIFEST)
    result = check_equivalent(Side("now", tuple(rules)), Side("again", tuple(rules)),
                              examples=50)
    assert result.equivalent and result.compared >= 50
    actions = load_actions(MANIFEST)
    assert check_equivalent(rules, actions, examples=50).equivalent


def test_a_rule_that_reads_an_absent_request_is_explained_in_full(project: Path) -> None:
    # Auth0: a Rule's context.request "may be undefined"; an Action's event.request is always an
    # object. A rule that reads it unguarded fails where its port lets the login through.
    (project / "legacy.js").write_text("""\
function (user, context, callback) {
  if (context.request.geoip.country_code === 'CN') { context.multifactor = { provider: 'any' }; }
  callback(null, user, context);
}
""")
    assert CliRunner().invoke(cli, ["port", "legacy.js", "-o", "port.js"]).exit_code == 0
    result = CliRunner().invoke(cli, ["equiv", "legacy.js", "port.js", "--examples", "300"])
    assert result.exit_code == 1, result.output
    assert "decision differs in: blocked\n" in result.output
    assert "note: this login has no request" in result.output
    # The whole message and where it happened, not cut at a column.
    assert "TypeError: Cannot read properties of undefined (reading 'geoip')" in result.output
    assert '"at": "legacy.js:2"' in result.output
    assert "* error" in result.output


@pytest.mark.parametrize("step", [
    "api.authentication.challengeWith({type: 'otp'});",
    "api.redirect.sendUserTo('https://mfa.example.com');",
    "api.user.setAppMetadata('reviewed', true);"])
def test_dropping_a_challenge_a_redirect_or_a_metadata_update_is_not_equivalent(
        tmp_path: Path, step: str) -> None:
    # A challenge requires MFA ("subsequent Actions will not be run until that challenge has been
    # fulfilled"); a redirect may be the login's custom MFA step. Neither may vanish unnoticed.
    from dataclasses import replace

    from toolkit._render import load_rule_file
    sides = []
    for name, body in (("with", step), ("without", "")):
        path = tmp_path / f"{name}.js"
        path.write_text("exports.onExecutePostLogin = async (event, api) => {\n"
                        f"  if ((event.authorization.roles || []).length > 0) {{ {body} }}\n}};\n")
        sides.append(replace(load_rule_file(path), kind="action"))
    result = check_equivalent([sides[0]], [sides[1]], examples=200)
    assert not result.equivalent


def test_a_ported_redirect_comes_back_through_on_continue(project: Path) -> None:
    # Rules: "on return every rule runs again with context.protocol === 'redirect-callback'";
    # Actions resume in onContinuePostLogin. The port runs the rule again there.
    (project / "consent.js").write_text(
        "function (user, context, callback) {\n"
        "  if (context.protocol === 'redirect-callback') {\n"
        "    context.idToken['https://ai.example.com/consent'] = configuration.CONSENT_VERSION;\n"
        "    return callback(null, user, context);\n"
        "  }\n"
        "  context.redirect = { url: configuration['CONSENT_URL'] };\n"
        "  callback(null, user, context);\n"
        "}\n")
    result = CliRunner().invoke(cli, ["port", "consent.js", "-o", "consent-action.js"])
    assert result.exit_code == 0, result.output
    assert "consent.js:2: the return from a redirect runs this rule again" in result.stderr
    assert "declare these secrets on the Action" in result.stderr
    assert "CONSENT_VERSION, CONSENT_URL" in result.stderr
    from dataclasses import replace

    from toolkit import ActionsRuntime
    from toolkit._render import load_rule_file
    action = replace(load_rule_file(project / "consent-action.js"), kind="action")
    secrets = {"CONSENT_VERSION": "v2", "CONSENT_URL": "https://ai.example.com/consent"}
    with ActionsRuntime([action], secrets=secrets) as flow:
        first = flow.run()
        assert first.redirect is not None and first.redirect["url"] == secrets["CONSENT_URL"]
        back = flow.run(resume=True)
        assert back.redirect is None
        assert back.id_token_claims == {"https://ai.example.com/consent": "v2"}


def test_access_token_scopes_are_part_of_the_decision(project: Path) -> None:
    # Rules context object: context.accessToken.scope changes the token's scopes; an Action
    # does it with addScope / removeScope. Narrowing them is a decision equiv must see, and a
    # port that makes the same change scope by scope agrees with the rule.
    from dataclasses import replace

    from toolkit._render import load_rule_file
    (project / "narrow.js").write_text(
        "function (user, context, callback) {\n"
        "  context.accessToken.scope = ['openid', 'read:reports'];\n"
        "  callback(null, user, context);\n}\n")
    (project / "plain.js").write_text(
        "function (user, context, callback) {\n  callback(null, user, context);\n}\n")
    narrow, plain = (load_rule_file(project / f"{n}.js") for n in ("narrow", "plain"))
    assert not check_equivalent([narrow], [plain], examples=20).equivalent
    result = CliRunner().invoke(cli, ["port", "narrow.js", "-o", "narrow-action.js"])
    assert result.exit_code == 0, result.output
    port = replace(load_rule_file(project / "narrow-action.js"), kind="action")
    assert check_equivalent([narrow], [port], examples=100).equivalent
    # The same as a space-separated string, as Auth0's "Deny User Access to an API with
    # Rules" writes it (a newcomer's string scope was "no change", EQUIVALENT to a port that
    # changed nothing)
    (project / "joined.js").write_text(
        "function (user, context, callback) {\n"
        "  context.accessToken.scope = ['openid', 'read:reports'].join(' ');\n"
        "  callback(null, user, context);\n}\n")
    joined = load_rule_file(project / "joined.js")
    assert not check_equivalent([joined], [plain], examples=20).equivalent
    assert check_equivalent([joined], [narrow], examples=20).equivalent
    assert CliRunner().invoke(cli, ["port", "joined.js", "-o", "joined-action.js"]).exit_code == 0
    joined_port = replace(load_rule_file(project / "joined-action.js"), kind="action")
    assert check_equivalent([joined], [joined_port], examples=100).equivalent


def test_a_whole_metadata_write_and_a_per_key_write_of_the_same_change_agree(project: Path) -> None:
    # The Rules idiom rewrites the user's whole app_metadata; the migration guide's Action sets
    # the one key. Only the keys whose value changes are the decision.
    from dataclasses import replace

    from toolkit import make_user
    from toolkit._render import load_rule_file
    (project / "rule.js").write_text(
        "function (user, context, callback) {\n"
        "  user.app_metadata = user.app_metadata || {};\n"
        "  user.app_metadata.last_client = context.clientID;\n"
        "  auth0.users.updateAppMetadata(user.user_id, user.app_metadata)\n"
        "    .then(function () { callback(null, user, context); }).catch(callback);\n}\n")
    (project / "action.js").write_text(
        "exports.onExecutePostLogin = async (event, api) => {\n"
        "  api.user.setAppMetadata('last_client', event.client.client_id);\n};\n")
    rule = load_rule_file(project / "rule.js")
    action = replace(load_rule_file(project / "action.js"), kind="action")
    result = check_equivalent([rule], [action], examples=50,
                              declared=[{"user": make_user(app_metadata={"plan": "pro"})}])
    assert result.equivalent, result.difference.render("rule", "action") if result.difference else ""


def test_rules_that_redirect_and_their_ports_agree_once_the_user_comes_back(project: Path) -> None:
    # Rules redirect after every rule has run and run them all again on the way back; an
    # Action flow suspends at the redirecting Action and resumes there. equiv compares the
    # whole login (both legs), so a consent rule before an MFA rule agrees with its ports.
    from dataclasses import replace

    from toolkit._render import load_rule_file
    (project / "consent.js").write_text(
        "function (user, context, callback) {\n"
        "  if (context.protocol !== 'redirect-callback') {\n"
        "    context.redirect = { url: 'https://ai.example.com/consent' };\n  }\n"
        "  callback(null, user, context);\n}\n")
    (project / "mfa.js").write_text(
        "function (user, context, callback) {\n"
        "  context.multifactor = { provider: 'any', allowRememberBrowser: false };\n"
        "  callback(null, user, context);\n}\n")
    rules, ports = [], []
    for name in ("consent", "mfa"):
        assert CliRunner().invoke(cli, ["port", f"{name}.js", "-o", f"{name}-port.js"]).exit_code == 0
        rules.append(load_rule_file(project / f"{name}.js"))
        ports.append(replace(load_rule_file(project / f"{name}-port.js"), kind="action"))
    result = check_equivalent(rules, ports, examples=100)
    assert result.equivalent, result.difference.render("rules", "ports") if result.difference else ""
    # Without the MFA port the difference shows.
    assert not check_equivalent(rules, ports[:1], examples=30).equivalent


GEO_RULE = """function (user, context, callback) {
  var blocked = configuration.BLOCKED.split(',');
  var country = context.request.geoip && context.request.geoip.country_code;
  if (blocked.indexOf(country) !== -1) {
    return callback(new UnauthorizedError('blocked country'));
  }
  callback(null, user, context);
}
"""


def test_equiv_draws_logins_from_configuration_values() -> None:
    # A newcomer: a port that stopped blocking the first country of configuration.BLOCKED
    # (indexOf(...) > 0) was EQUIVALENT on 3,000 logins: none came from a blocked country,
    # because the generator only knew the code's literals.
    from toolkit._render import Artifact
    rule = Artifact(name="geo", code=GEO_RULE, kind="rule")
    broken = Artifact(name="geo", code=GEO_RULE.replace("!== -1", "> 0"), kind="rule")
    values = {"BLOCKED": "SY,KP"}
    result = check_equivalent([rule], [broken], examples=300, values=values)
    assert not result.equivalent and result.difference is not None
    assert result.difference.login["request"]["geoip"]["country_code"] == "SY"
    # shown as what makes the difference, not as the whole login Hypothesis left behind
    shown = result.report().splitlines()[1]
    assert shown.startswith("default login, except {") and '"request.geoip.country_code":"SY"' in shown
    assert "city_name" not in shown
    same = check_equivalent([rule], [rule], examples=100, values=values)
    assert same.equivalent and same.verdicts.get("denied", 0) > 0
    assert "denied" in same.report()


def test_port_warns_about_a_semicolon_auth0_rejects(tmp_path: Path) -> None:
    # A newcomer: port drafted an Action from a rule that `rulekit run` refuses, silently.
    from toolkit._port import port_rule
    rule = tmp_path / "semi.js"
    rule.write_text("function (user, context, callback) {\n  callback(null, user, context);\n};\n")
    result = port_rule(rule)
    assert any(w.startswith(f"{rule}:3: a semicolon follows") for w in result.warnings)


def test_a_port_sees_sso_client_ids_and_region_names_as_its_rule(tmp_path: Path) -> None:
    from toolkit._login import make_login
    from toolkit._port import port_rule
    from toolkit._render import Artifact
    code = ("function (user, context, callback) {\n"
            "  if (context.sso.current_clients.indexOf('c1') !== -1 &&\n"
            "      context.request.geoip.subdivision_name === 'Berlin') {\n"
            "    context.idToken['https://x/sso'] = true;\n  }\n"
            "  callback(null, user, context);\n}\n")
    (tmp_path / "sso.js").write_text(code)
    rule = Artifact(name="sso", code=code, kind="rule")
    action = Artifact(name="sso", code=port_rule(tmp_path / "sso.js").code, kind="action")
    login = make_login()
    login["session"] = {"id": "s1", "clients": [{"client_id": "c1"}]}
    login["request"]["geoip"]["subdivision_name"] = "Berlin"
    from toolkit import ActionsRuntime, RulesRuntime, to_action_shape, to_rule_shape
    with RulesRuntime([rule]) as rules, ActionsRuntime([action]) as actions:
        assert rules.run(*to_rule_shape(login)).id_token_claims == {"https://x/sso": True}
        assert actions.run(to_action_shape(login)).id_token_claims == {"https://x/sso": True}
    result = check_equivalent([rule], [action], examples=20, declared=[login])
    assert result.equivalent, result.report()


def test_a_cross_kind_difference_does_not_mark_the_kinds(tmp_path: Path) -> None:
    from toolkit._render import Artifact
    rule = Artifact(name="m", code="function (user, context, callback) {\n"
                    "  context.multifactor = { provider: 'any' };\n  callback(null, user, context);\n}\n",
                    kind="rule")
    action = Artifact(name="m", code="exports.onExecutePostLogin = async (event, api) => {};\n",
                      kind="action")
    text = check_equivalent([rule], [action], examples=0, declared=[{}]).report()
    assert "* mfa" in text and "  kind" in text and "* kind" not in text


DOMAIN_RULE = """\
function (user, context, callback) {
  const blocked = ['blocked.example'];
  const domain = (user.email || '').split('@')[1];
  if (blocked.indexOf(domain) !== -1) {
    return callback(new UnauthorizedError('Logins from this email domain are not allowed.'));
  }
  callback(null, user, context);
}"""
DOMAIN_ACTION = """\
exports.onExecutePostLogin = async (event, api) => {
  const blocked = ['blocked.example'];
  const domain = (event.user.email || '').trim().toLowerCase().split('@')[1];
  if (blocked.includes(domain)) {
    api.access.deny('Logins from this email domain are not allowed.');
  }
};"""


def test_equiv_reaches_a_blocklist_of_email_domains_and_its_case_bug() -> None:
    # A newcomer's case-sensitive Rule against a port that lower-cases the email was
    # EQUIVALENT on 1,000 logins ("0 denied"): no generated email was at a blocked domain.
    from toolkit._render import Artifact
    rule = Artifact(name="domains", code=DOMAIN_RULE, kind="rule")
    action = Artifact(name="domains", code=DOMAIN_ACTION, kind="action")
    same = check_equivalent([rule], [rule], examples=200)
    assert same.equivalent and same.verdicts.get("denied", 0) > 0, same.report()
    result = check_equivalent([rule], [action], examples=300)
    assert not result.equivalent and result.difference is not None, result.report()
    email = result.difference.login["user"]["email"]
    assert email.strip().lower().endswith("@blocked.example") and email != email.strip().lower()


def test_equiv_notes_a_decision_no_compared_login_reached(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # A newcomer: EQUIVALENT, "0 denied", exit 0, for two blocklists no login reached.
    monkeypatch.chdir(tmp_path)
    hidden = DOMAIN_RULE.replace("blocked.example", "hidden.invalid").replace(
        "const blocked = ['hidden.invalid'];", "const blocked = [String.fromCharCode(104) + "
        "'idden.invalid'];")
    (tmp_path / "a.js").write_text(hidden)
    (tmp_path / "b.js").write_text(hidden)
    result = CliRunner().invoke(cli, ["equiv", "a.js", "b.js", "--examples", "30"])
    assert result.exit_code == 0, result.output
    assert "NOTE: no compared login was denied, though the code can deny" in result.output
    (tmp_path / "eve.json").write_text('{"user": {"email": "eve@hidden.invalid"}}')
    reached = CliRunner().invoke(cli, ["equiv", "a.js", "b.js", "--examples", "30",
                                       "--login", "eve.json", "--json"])
    data = json.loads(reached.output)
    assert reached.exit_code == 0 and data["verdicts"]["denied"] == 1 and data["unreached"] == []
    assert data["declared"] == 6  # the five personas and the file's login


def test_the_unreached_note_reads_decisions_not_names() -> None:
    # A Rule that only reads user.multifactor (the enrolled factors) or keeps a `deny` list
    # makes no MFA or denial decision: no NOTE for it (the reviewer's false alarm).
    from toolkit._equiv import _can_decide
    from toolkit._render import Artifact

    def can(code: str, kind: Literal["rule", "action"] = "rule") -> set[str]:
        return _can_decide([Artifact(name="x", code=code, kind=kind)])

    assert can("function (user, context, callback) { const deny = ['x'];"
               " if ((user.multifactor || []).length) {} callback(null, user, context); }") == set()
    assert can("function (u, context, cb) { context.multifactor = {provider: 'any'}; "
               "cb(new UnauthorizedError('no')); }") == {"mfa", "denied"}
    assert can("exports.onExecutePostLogin = async (event, api) => { "
               "api.authentication.challengeWith({type: 'otp'}); api.access.deny('x'); };",
               "action") == {"mfa", "denied"}
    assert can("exports.onExecutePostLogin = async (e, api) => { api.multifactor.enable('any'); };",
               "action") == {"mfa"}
    # an alias, optional chaining
    assert can("exports.onExecutePostLogin = async (e, api) => { const mfa = api.multifactor; "
               "mfa.enable('any'); api.access?.deny('x'); };", "action") == {"mfa", "denied"}


def test_equiv_gives_a_manifest_action_only_the_secrets_it_declares() -> None:
    # A project's values serve both sides (a Rule's configuration is all of them): a secret
    # another entry declares made the Action side warn, an error under -W error in the
    # shipped migration test.
    from toolkit._render import Artifact

    rule = Artifact(name="x", kind="rule", template="templates/x.js.j2",
                    code="function (u, c, cb) { cb(null, u, c); }")
    action = Artifact(name="x", kind="action", template="templates/x.js.j2",
                      code="exports.onExecutePostLogin = async () => {};")
    result = check_equivalent([rule], [action], examples=5, values={"BLOCKED": "KP"})
    assert result.proven


@pytest.mark.example
def test_equiv_seed_chooses_the_generated_logins() -> None:
    # A newcomer's --seed 0, 1 and 12345 compared the very same logins: the value was unused.
    rules, actions = load_rules(MANIFEST), load_actions(MANIFEST)
    runs = {seed: check_equivalent(rules, actions, examples=60, seed=seed).verdicts
            for seed in (0, 1, 2)}
    assert check_equivalent(rules, actions, examples=60, seed=0).verdicts == runs[0]
    assert len({json.dumps(v, sort_keys=True) for v in runs.values()}) > 1, runs


def test_port_refuses_a_rule_that_does_not_parse_and_names_unpinned_packages(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A newcomer: a broken or empty rule drafted a broken Action, exit 0; require('lodash')
    # was not mentioned (an Action loads only the dependencies it declares); -o into a
    # missing folder ended in a traceback.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "syntax.js").write_text(
        "function (user, context, callback) {\n  var x = ;\n  callback(null, user, context);\n}\n")
    (tmp_path / "empty.js").write_text("\n")
    (tmp_path / "deps.js").write_text(
        "function (user, context, callback) {\n  var _ = require('lodash');\n"
        "  var c = require('crypto'); var n = require('node:crypto'); var f = require('fs');\n"
        "  var fp = require('ramda/src/map');\n  callback(null, user, context);\n}\n")
    runner = CliRunner()
    broken = runner.invoke(cli, ["port", "syntax.js"])
    assert broken.exit_code == 2 and broken.stderr.startswith("rulekit: error: syntax.js:2: ")
    empty = runner.invoke(cli, ["port", "empty.js"])
    assert empty.exit_code == 2 and "the rule is empty" in empty.stderr
    deps = runner.invoke(cli, ["port", "deps.js"])
    assert deps.exit_code == 0
    assert "deps.js:2: declare the dependency lodash on the Action" in deps.stderr
    assert "crypto" not in deps.stderr  # a Node built-in needs no dependency
    assert "declare these npm dependencies on the Action: lodash (the version the rule ran " \
           "with), ramda (the version the rule ran with)" in deps.stderr
    assert "node:crypto" not in deps.stderr and "dependency fs" not in deps.stderr
    nowhere = runner.invoke(cli, ["port", "deps.js", "-o", "missing/draft.js"])
    assert nowhere.exit_code == 2 and "missing/draft.js: cannot write" in nowhere.stderr


@pytest.mark.parametrize(("code", "message"), [
    # Each parsed, and was drafted into an Action that denied every login (exit 0).
    (b"module.exports = {};\n", "module.js:1: not a rule: Auth0 stores a rule as one function"),
    (b"\n// a comment\n42\n", "module.js:3: not a rule"),
    # A traceback (UnicodeDecodeError); run, lint and equiv named the file.
    (b"// caf\xe9\nfunction (u, c, cb) { cb(null, u, c); }\n",
     "module.js:1: not UTF-8 text (byte 0xe9)"),
    (b"// only a comment\n", "module.js: no code: the file is empty, or only comments"),
], ids=["module", "number", "latin-1", "comment"])
def test_port_refuses_what_is_not_a_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         code: bytes, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "module.js").write_bytes(code)
    result = CliRunner().invoke(cli, ["port", "module.js"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"rulekit: error: {message}")


def test_the_unreached_note_reads_a_port_drafts_rule_not_its_adapter(tmp_path: Path) -> None:
    # A newcomer's claims-only rule and its port: "no compared login was asked for MFA,
    # though the code can require MFA", from the adapter's own code.
    rule, draft = _rule_and_port(tmp_path, (
        "function (user, context, callback) {\n"
        "  context.idToken['https://x/plan'] = (user.app_metadata || {}).plan;\n"
        "  callback(null, user, context);\n}\n"))
    result = check_equivalent([rule], [draft], examples=20)
    assert result.proven and result.unreached == [], result.report()


def test_equiv_compares_the_message_a_denied_user_is_shown() -> None:
    # A newcomer's port denied with "Invalid credentials" where the rule said "Account
    # suspended": EQUIVALENT, though the user sees another message.
    from toolkit._render import Artifact

    rule = Artifact(name="s", kind="rule", code=(
        "function (user, context, callback) {\n"
        "  if ((user.app_metadata || {}).suspended === true) {\n"
        "    return callback(new UnauthorizedError('Account suspended'));\n  }\n"
        "  callback(null, user, context);\n}"))

    def action(message: str) -> Artifact:
        return Artifact(name="s", kind="action", code=(
            "exports.onExecutePostLogin = async (event, api) => {\n"
            "  if ((event.user.app_metadata || {}).suspended === true) "
            f"api.access.deny({message!r});\n}};"))

    same = check_equivalent([rule], [action("Account suspended")], examples=100)
    assert same.proven
    # the Rule's error is the Action's denial: reached on both sides, no NOTE (a reviewer's
    # "no compared login was denied" counted only A's verdicts)
    assert same.unreached == [] and check_equivalent(
        [action("Account suspended")], [rule], examples=100).unreached == []
    other = check_equivalent([rule], [action("Invalid credentials")], examples=100)
    assert not other.equivalent and other.difference is not None
    assert "message" in other.report()
    # within a kind too: two Rules' denials with other messages
    worded = Artifact(name="s", kind="rule", code=rule.code.replace("Account suspended", "Nope"))
    assert not check_equivalent([rule], [worded], examples=100).equivalent


def test_a_crashing_rule_and_its_port_agree(tmp_path: Path) -> None:
    # A reviewer: the port's adapter denies with a crash's message, the Rule just crashes:
    # both fail the login, EQUIVALENT (it was DIFFERENT in "message").
    rule, draft = _rule_and_port(tmp_path, (
        "function (user, context, callback) {\n"
        "  if (user.app_metadata.roles.includes('admin')) context.multifactor = {provider: 'any'};\n"
        "  callback(null, user, context);\n}\n"))
    result = check_equivalent([rule], [draft], examples=100)
    assert result.proven and result.verdicts.get("error", 0) > 0, result.report()


def test_equiv_says_when_an_action_reads_a_secret_its_entry_does_not_declare() -> None:
    # A reviewer: with only its declared secrets given to the Action side, an Action reading
    # an undeclared one was DIFFERENT with no hint why.
    from toolkit._render import Artifact

    rule = Artifact(name="x", kind="rule", template="templates/x.js.j2", code=(
        "function (u, c, cb) { if (configuration.BLOCKED === 'KP') return "
        "cb(new UnauthorizedError('no')); cb(null, u, c); }"))
    action = Artifact(name="x", kind="action", template="templates/x.js.j2", code=(
        "exports.onExecutePostLogin = async (event, api) => { "
        "if (event.secrets.BLOCKED === 'KP') api.access.deny('no'); };"))
    with pytest.warns(UserWarning, match="reads BLOCKED from event.secrets, but its manifest "
                                         "entry does not declare it"):
        check_equivalent([rule], [action], examples=5, values={"BLOCKED": "KP"})


def _rule_and_port(tmp_path: Path, code: str) -> tuple[Artifact, Artifact]:
    """A Rule written to a file, and the Action `rulekit port` drafts from it."""
    from toolkit._port import port_rule
    from toolkit._render import Artifact

    (tmp_path / "rule.js").write_text(code)
    return (Artifact(name="r", kind="rule", code=code),
            Artifact(name="r", kind="action", code=port_rule(tmp_path / "rule.js").code))


@pytest.mark.parametrize("denial", ["callback(new UnauthorizedError('Email domain not allowed'))",
                                    "callback(new Error('Email domain not allowed'))"])
def test_a_port_that_crashes_where_the_rule_denies_is_different(denial: str) -> None:
    # A newcomer's `api.acess.deny(...)` (a typo: a TypeError) was EQUIVALENT to the rule's
    # denial: the user no longer reads the message, the login fails with an error instead.
    from toolkit._render import Artifact

    rule = Artifact(name="d", kind="rule", code=(
        "function (user, context, callback) {\n"
        "  if ((user.email || '').endsWith('@blocked.example')) {\n"
        f"    return {denial};\n  }}\n  callback(null, user, context);\n}}\n"))
    action = Artifact(name="d", kind="action", code=(
        "exports.onExecutePostLogin = async (event, api) => {\n"
        "  if ((event.user.email || '').endsWith('@blocked.example')) {\n"
        "    api.acess.deny('Email domain not allowed');\n  }\n};\n"))
    result = check_equivalent([rule], [action], examples=200)
    assert not result.proven
    assert result.difference is not None
    assert "blocked.example" in json.dumps(result.difference.login)
