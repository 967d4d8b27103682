"""`rulekit matrix`: declared users x clients x protocols, through the Actions and the Rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit._matrix import build_matrix, describe
from toolkit.cli import cli

from ..example_fingerprint import copy_shipped_example
from .conftest import MakeSource

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "rules_src" / "manifest.toml"
CLAIM = "https://ai.example.com/roles"


@pytest.mark.example
def test_the_example_tenant_users_on_both_protocols() -> None:
    matrix = build_matrix(MANIFEST)
    assert matrix.source.startswith("tenant model")
    rows = {(r.user, r.client, r.protocol): r for r in matrix.rows}
    assert len(rows) == 4
    admin = rows[("admin@example.com (ai_system_admin)", "My AI System", "oauth2-refresh-token")]
    assert admin.action is not None and admin.rule is not None and admin.agree is True
    # a refresh token exchange: the client gets mfa_required, for the MFA API
    assert admin.action["mfa"] == {"provider": "any", "allowRememberBrowser": False,
                                   "mfa_api": True}
    assert admin.action["decided_by"] == "require-mfa-for-ai-admins"
    assert admin.to_dict()["claims"] == [CLAIM]
    user = rows[("user@example.com (AI System User)", "My AI System", "oidc-basic-profile")]
    assert user.action is not None and user.action["verdict"] == "allowed"
    assert user.action["id_token_claims"] == {CLAIM: ["AI System User"]}
    assert matrix.problems == []
    table = matrix.table()
    assert table[0].split() == ["USER", "CLIENT", "PROTOCOL", "ACTIONS", "RULES", "CLAIMS"]
    assert any("MFA any (browser not remembered)" in line for line in table)
    assert any("MFA any (mfa_required to the MFA API)" in line for line in table)


def test_without_a_tenant_model_the_demo_personas_are_used(make_source: MakeSource) -> None:
    manifest = make_source("""
        version = 1
        [[rules]]
        name = "deny-mallory"
        template = "templates/deny.js.j2"
        order = 1
        """, deny_j2="""\
        exports.onExecutePostLogin = async (event, api) => {
          if (event.user.email === "mallory@ai.example.com") { api.access.deny("no"); }
        };
        """)
    matrix = build_matrix(manifest, protocols=["samlp"])
    assert matrix.source.startswith("demo personas")
    assert {r.protocol for r in matrix.rows} == {"samlp"}
    verdicts = {r.user: describe(r.action) for r in matrix.rows}
    assert verdicts["admin role only in user_metadata (user-editable)"] == "DENIED: no"
    assert all(r.rule is None and r.agree is None for r in matrix.rows)


def test_cli_json_html_and_exit_1_when_actions_and_rules_disagree(make_source: MakeSource) -> None:
    manifest = make_source("""
        version = 1
        [[rules]]
        name = "mfa"
        template = "templates/mfa.js.j2"
        order = 1
        targets = ["action", "rule"]
        """, mfa_j2="""\
        {% if target == "action" %}
        exports.onExecutePostLogin = async (event, api) => { api.multifactor.enable("any"); };
        {% else %}
        function (user, context, callback) { callback(null, user, context); }
        {% endif %}
        """)
    runner = CliRunner()
    result = runner.invoke(cli, ["matrix", "--manifest", str(manifest), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["rules_complete"] is True and data["rows"][0]["agree"] is False
    assert "decide differently" in data["problems"][0]
    people = runner.invoke(cli, ["matrix", "--manifest", str(manifest), "--html",
                                 "--report-dir", "rep"])
    assert people.exit_code == 1
    assert "(DIFFERS)" in people.output and "PROBLEM:" in people.output
    assert "HTML report: rep/index.html" in people.output
    assert "differs" in Path("rep/index.html").read_text()
    assert runner.invoke(cli, ["matrix", "--manifest", "missing.toml"]).exit_code == 2


def test_an_action_only_entry_says_why_nothing_is_compared(make_source: MakeSource) -> None:
    # A newcomer's Action-only "MFA for everyone" sat next to "allowed, no MFA" under RULES,
    # exit 0, with no hint that the two columns were not compared.
    manifest = make_source("""
        version = 1
        [[rules]]
        name = "both"
        template = "templates/both.js.j2"
        order = 1
        targets = ["action", "rule"]
        [[rules]]
        name = "mfa-everyone"
        template = "templates/mfa.js.j2"
        order = 2
        targets = ["action"]
        """, both_j2="""\
        {% if target == "action" %}
        exports.onExecutePostLogin = async (event, api) => {};
        {% else %}
        function (user, context, callback) { callback(null, user, context); }
        {% endif %}
        """, mfa_j2="""\
        exports.onExecutePostLogin = async (event, api) => { api.multifactor.enable("any"); };
        """)
    result = CliRunner().invoke(cli, ["matrix", "--manifest", str(manifest)])
    assert result.exit_code == 0
    assert "NOTE: Actions and Rules not compared: no Rule renders mfa-everyone" in result.output
    # The count is of logins run, and says what multiplies (it read like users x protocols).
    pairs = len(json.loads(CliRunner().invoke(cli, ["matrix", "--manifest", str(manifest),
                                                    "--json"]).output)["rows"]) // 2
    assert result.output.startswith(f"Decision matrix: {pairs * 2} login(s) = {pairs} user/client "
                                    "pair(s) from ")
    assert "x 2 protocol(s) (oidc-basic-profile, oauth2-refresh-token)\n" in result.output


def _with_action(root: Path, name: str, body: str) -> None:
    (root / "rules_src" / "templates" / f"{name}.js.j2").write_text(
        f"exports.onExecutePostLogin = async (event, api) => {{\n{body}\n}};\n")
    with (root / "rules_src" / "manifest.toml").open("a") as manifest:
        manifest.write(f'\n[[rules]]\nname = "{name}"\ntemplate = "templates/{name}.js.j2"\n'
                       "order = 30\n")


def test_the_tenant_mfa_policy_and_an_action_that_overrides_it(tmp_path: Path) -> None:
    # "Any and all MFA-related behavior defined in Actions take precedence over the Define
    # policy settings" (Customize MFA): Always requires MFA unless an Action decided.
    copy_shipped_example(tmp_path)
    tenant = tmp_path / "rules_src" / "tenant.toml"
    tenant.write_text(tenant.read_text().replace('policy = "never"', 'policy = "all-applications"'))
    matrix = build_matrix(tmp_path / "rules_src" / "manifest.toml")
    assert matrix.mfa is not None and matrix.mfa_text().startswith(
        "Tenant MFA: policy all-applications (Always), factors otp")
    rows = {(r.user.split()[0], r.protocol): r for r in matrix.rows}
    user = rows[("user@example.com", "oidc-basic-profile")].action
    assert user is not None and user["verdict"] == "allowed"
    assert user["tenant_policy"] == "MFA required by the tenant's MFA policy (Always)"
    assert describe(user) == ("MFA required by the tenant's MFA policy (Always); the code itself "
                              "requires none")
    # the Rules too: "The MFA settings defined in rules will always take precedence"; none did
    rule = rows[("user@example.com", "oidc-basic-profile")].rule
    assert rule is not None and rule["tenant_policy"] == user["tenant_policy"]
    # a token exchange: rulekit does not say what the policy does there
    assert (rows[("user@example.com", "oauth2-refresh-token")].action or {})["tenant_policy"] is None
    # the admin's MFA is the Action's own
    assert (rows[("admin@example.com", "oidc-basic-profile")].action or {})["tenant_policy"] is None

    _with_action(tmp_path, "skip-mfa", "api.multifactor.enable('none');")
    matrix = build_matrix(tmp_path / "rules_src" / "manifest.toml")
    rows = {(r.user.split()[0], r.protocol): r for r in matrix.rows}
    user = rows[("user@example.com", "oidc-basic-profile")].action
    assert user is not None and user["tenant_policy"] == (
        "Action 'skip-mfa' turns MFA off with multifactor.enable('none'), which overrides the "
        "tenant's MFA policy (Always)")
    assert json.loads(json.dumps(matrix.to_dict()))["tenant_mfa"] == {
        "policy": "all-applications", "factors": ["otp", "webauthn-roaming", "recovery-code"],
        "customize_with_actions": False}


def test_challenges_use_only_the_factors_the_tenant_enables(tmp_path: Path) -> None:
    # "If a factor is requested is not enabled on the tenant, it will be ignored ... If none of
    # the requested factors is enabled or enrolled, the authentication transaction will fail"
    from toolkit import make_login
    from toolkit._login_runner import LoginRunner

    copy_shipped_example(tmp_path)
    _with_action(tmp_path, "challenge", "api.authentication.challengeWith({type: 'phone'});")
    manifest = tmp_path / "rules_src" / "manifest.toml"
    login = make_login()
    login["user"]["multifactor"] = ["phone"]  # enrolled: event.user.enrolledFactors
    with LoginRunner.from_manifest(manifest, kind="action") as run:
        outcome = run(login)
    assert outcome.error is not None and outcome.error["name"] == "MfaFactorUnavailable"
    assert "none of the requested factors is enabled on the tenant" in outcome.error["message"]
    rows = build_matrix(manifest).rows
    assert all(r.action is not None and r.action["verdict"] == "error" for r in rows)

    tenant = tmp_path / "rules_src" / "tenant.toml"
    tenant.write_text(tenant.read_text().replace('factors = ["otp"', 'factors = ["phone", "otp"'))
    with LoginRunner.from_manifest(manifest, kind="action") as run:
        assert run(login).verdict == "mfa"


def test_factors_given_once_stay_with_the_runners_derived_from_it(tmp_path: Path) -> None:
    from toolkit import make_login
    from toolkit._login_runner import LoginRunner

    copy_shipped_example(tmp_path)
    _with_action(tmp_path, "challenge", "api.authentication.challengeWith({type: 'phone'});")
    from toolkit._ruleset import load_actions

    login = make_login()
    login["user"]["multifactor"] = ["phone"]
    artifacts = load_actions(tmp_path / "rules_src" / "manifest.toml")
    with LoginRunner(artifacts, kind="action", factors=(f for f in ["phone", "otp"])) as run:
        assert run(login).verdict == "mfa"
        assert run.without("add-roles-claim")(login).verdict == "mfa"


def test_a_cell_stopped_after_a_redirect_says_so_and_hides_the_token() -> None:
    # A newcomer's unverified user read "DENIED: Email address not verified", with no sign of
    # the redirect, while the plan printed the whole signed token.
    from toolkit._matrix import describe
    from toolkit._outcome import Outcome

    url = "https://verify.example.com/?session_token=" + "eyJhbGciOiJIUzI1NiJ9" * 5 + "&lang=en"
    cell = {"error": None, "denied": "Email address not verified", "mfa": None, "redirect": url}
    shown = describe(cell)
    assert shown.startswith("DENIED: Email address not verified (after a redirect to "
                            "https://verify.example.com/?session_token=eyJhbGciOiJI...&lang=en; "
                            "rulekit's simulated site returns only the claims")
    # other values stay whole: rulekit diff compares them
    assert describe({**cell, "redirect": "https://x.example/?return_to=https://app.example.com/"
                     "new-path"}).count("new-path") == 1
    outcome = Outcome("action", redirect={"url": url})
    assert "redirect to https://verify.example.com/?session_token=eyJhbGciOiJI...&lang=en" in \
        outcome.summary() and "eyJhbGciOiJIUzI1NiJ9eyJ" not in outcome.summary()


def test_a_challenge_cell_does_not_speak_of_remembering_the_browser() -> None:
    from toolkit._matrix import describe

    cell = {"error": None, "denied": None, "redirect": None,
            "mfa": {"provider": "challengeWith", "allowRememberBrowser": False, "mfa_api": False}}
    assert describe(cell) == "MFA challengeWith (a challenge)"
