"""`rulekit matrix`: declared users x clients x protocols, through the Actions and the Rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit._matrix import build_matrix, describe
from toolkit.cli import cli

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
