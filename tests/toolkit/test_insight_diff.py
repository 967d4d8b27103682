"""`rulekit diff`: a change that weakens MFA is reported, grouped, and fails the gate."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from toolkit import render_manifest
from toolkit._diff import classify, generate_corpus
from toolkit.cli import cli

ROOT = Path(__file__).resolve().parents[2]

TEMPLATE = """\
{% if target == "action" %}
exports.onExecutePostLogin = async (event, api) => {
  const roles = (event.user.app_metadata && event.user.app_metadata.roles) || [];
  if ({{ roles|js }}.some((r) => roles.includes(r))) {
    api.multifactor.enable("any", { allowRememberBrowser: {{ remember|js }} });
  }
};
{% else %}
function (user, context, callback) {
  var roles = (user.app_metadata && user.app_metadata.roles) || [];
  if ({{ roles|js }}.some(function (r) { return roles.indexOf(r) !== -1; })) {
    context.multifactor = { provider: "any", allowRememberBrowser: {{ remember|js }} };
  }
  callback(null, user, context);
}
{% endif %}
"""


def _manifest(roles: list[str], remember: bool = False) -> str:
    return ("version = 1\n[[rules]]\nname = \"mfa\"\ntemplate = \"templates/mfa.js.j2\"\n"
            f"order = 1\ntargets = [\"action\", \"rule\"]\n[rules.params]\n"
            f"roles = {json.dumps(roles)}\nremember = {json.dumps(remember)}\n")


def _git(project: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=rulekit", "-c", "user.email=rulekit@example.com",
                    *args], cwd=project, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    (tmp_path / "rules_src" / "templates").mkdir(parents=True)
    (tmp_path / "rules_src" / "templates" / "mfa.js.j2").write_text(TEMPLATE)
    (tmp_path / "rules_src" / "manifest.toml").write_text(_manifest(["ai_system_admin"]))
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "rules_src")
    _git(tmp_path, "commit", "-q", "-m", "rules")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _diff(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["diff", "--examples", "150", "--json", *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.output)


def test_a_weakening_change_is_reported_and_exits_1(repo: Path) -> None:
    (repo / "rules_src" / "manifest.toml").write_text(_manifest(["ai_operator"]))
    code, data = _diff()
    assert code == 1 and data["mfa_weakened"]
    assert data["base"] == "git HEAD" and data["flows"] == ["Actions flow", "Rules pipeline"]
    weakened = [c for c in data["changes"] if c["kind"] == "MFA no longer required"]
    assert {c["flow"] for c in weakened} == {"Actions flow", "Rules pipeline"}
    action = next(c for c in weakened if c["flow"] == "Actions flow")
    # the demo personas (no tenant model here): the admin, and the admin via refresh token,
    # each on both protocols of interest
    assert action["declared"] == 4 and action["weakens_mfa"]
    assert action["fuzzed"] > 0 and action["fuzzed_total"] == 150
    example = action["examples"][0]
    assert example["before"] == "MFA any (browser not remembered)" and example["after"] == "allowed, no MFA"
    text = CliRunner().invoke(cli, ["diff", "--examples", "150"]).output
    assert "Actions flow: MFA no longer required: 4 declared user login(s), " in text
    line = next(line for line in text.splitlines() if line.startswith("Actions flow: MFA no "))
    # "(before: ...)" in between when some were refused silent logins (prompt=none) before
    assert "of 150 fuzzed logins" in line and line.endswith("  [weakens MFA]")
    assert text.rstrip().endswith("MFA is weakened for some logins (exit 1)")


def test_remember_browser_newly_allowed_weakens_mfa(repo: Path) -> None:
    (repo / "rules_src" / "manifest.toml").write_text(_manifest(["ai_system_admin"], True))
    code, data = _diff("--rev", "HEAD")
    assert code == 1
    assert {c["kind"] for c in data["changes"]} == {"MFA now lets the browser be remembered"}


def test_a_stricter_change_is_listed_but_passes(repo: Path) -> None:
    (repo / "rules_src" / "manifest.toml").write_text(
        _manifest(["ai_system_admin", "ai_user"]))
    code, data = _diff()
    assert code == 0 and not data["mfa_weakened"]
    assert {c["kind"] for c in data["changes"]} == {"MFA now required"}


def test_no_change_and_base_manifest(repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    code, data = _diff()
    assert code == 0 and data["changes"] == []
    other = tmp_path_factory.mktemp("other")
    shutil.copytree(repo / "rules_src", other / "rules_src")
    (other / "rules_src" / "manifest.toml").write_text(_manifest([]))
    code, data = _diff("--base-manifest", str(other / "rules_src" / "manifest.toml"))
    assert code == 0 and {c["kind"] for c in data["changes"]} == {"MFA now required"}


def test_cannot_run_exits_2(repo: Path) -> None:
    runner = CliRunner()
    unknown = runner.invoke(cli, ["diff", "--rev", "no-such-rev", "--examples", "0"])
    assert unknown.exit_code == 2
    assert "--rev 'no-such-rev': no such commit in this repository" in unknown.output
    both = runner.invoke(cli, ["diff", "--rev", "HEAD", "--base-manifest", "x.toml"])
    assert both.exit_code == 2


def test_an_error_names_the_code_and_template_line(repo: Path) -> None:
    # A change that makes the code throw: the report says in which code and at which line.
    template = repo / "rules_src" / "templates" / "mfa.js.j2"
    template.write_text(TEMPLATE.replace("const roles = (event.user.app_metadata",
                                         "const roles = (event.user.app_metadata.nope.x"))
    text = CliRunner().invoke(cli, ["diff", "--examples", "50"]).output
    assert "now fails with an error" in text
    assert ("TypeError: Cannot read properties of undefined (reading 'x') (in Action 'mfa' at "
            "rules_src/templates/mfa.js.j2:3)") in text
    examples = [line for line in text.splitlines() if line.lstrip().startswith("e.g.")]
    assert len(examples) == len(set(examples))  # no example printed twice


def _cell(verdict: str, mfa: dict[str, Any] | None = None, claims: dict[str, Any] | None = None,
          ) -> dict[str, Any]:
    return {"verdict": verdict, "mfa": mfa, "denied": "no" if verdict == "denied" else None,
            "error": "Error: x" if verdict == "error" else None,
            "id_token_claims": claims or {}, "access_token_claims": {}}


def test_classify() -> None:
    mfa = {"provider": "any", "allowRememberBrowser": False}
    assert classify(_cell("mfa", mfa), _cell("allowed")) == "MFA no longer required"
    assert classify(_cell("allowed"), _cell("mfa", mfa)) == "MFA now required"
    assert classify(_cell("denied"), _cell("allowed")) == "access no longer denied"
    assert classify(_cell("allowed"), _cell("error")) == "now fails with an error"
    assert classify(_cell("mfa", mfa), _cell("mfa", {**mfa, "provider": "duo"})) == \
        "MFA provider changed"
    assert classify(_cell("allowed", claims={"a": 1}), _cell("allowed")) == "token claims changed"
    assert classify(_cell("error"), _cell("error")) is None
    assert classify(_cell("mfa", mfa), _cell("mfa", mfa)) is None
    tos = {**_cell("allowed"), "redirect": "https://ai.example.com/tos"}
    assert classify(tos, _cell("allowed")) == "redirect no longer sent"
    assert classify(_cell("allowed"), tos) == "redirect now sent"
    assert classify(tos, {**tos, "redirect": "https://other.example.com"}) == "redirect target changed"
    # prompt=none: the login failed because it needed MFA; now tokens without any (a
    # newcomer's bypass was "login no longer fails", exit 0)
    silent = {**_cell("error"), "error": "login_required: Multifactor authentication required in "
              "a non-interactive login (prompt=none): Auth0 cannot show the MFA prompt and fails it"}
    assert classify(silent, _cell("allowed")) == "MFA no longer required"
    assert classify(_cell("allowed"), silent) == "MFA now required"
    assert classify(silent, _cell("denied")) == "now denied"
    assert classify(silent, _cell("mfa", {**mfa, "allowRememberBrowser": True})) == \
        "MFA now lets the browser be remembered"
    assert classify(_cell("error"), _cell("allowed")) == "login no longer fails with an error"
    # A token exchange gets mfa_required (the MFA API): no browser to remember, so a newcomer's
    # "[weakens MFA] MFA any (mfa_required to the MFA API) -> the same text" was no change.
    exchange = {**mfa, "mfa_api": True}
    remembered = {**exchange, "allowRememberBrowser": True}
    assert classify(_cell("mfa", exchange), _cell("mfa", remembered)) is None
    assert classify(_cell("mfa", remembered), _cell("mfa", exchange)) is None
    assert classify(silent, _cell("mfa", remembered)) == "login no longer fails with an error"
    narrowed = {**_cell("allowed"), "access_token_scope": ["openid"]}
    assert classify(_cell("allowed"), narrowed) == "access token scopes changed"


def test_the_corpus_is_seeded() -> None:
    artifacts = render_manifest(ROOT / "rules_src" / "manifest.toml")
    first = generate_corpus(artifacts, 20, seed=3, known_roles=["ai_system_admin"])
    assert first == generate_corpus(artifacts, 20, seed=3, known_roles=["ai_system_admin"])
    assert len(first) == 20 and generate_corpus(artifacts, 0, seed=3) == []


def test_a_fuzzed_example_shows_only_what_makes_the_change(repo: Path) -> None:
    # A new denial keyed on the country: the example names the country, not five fields that
    # happen to be printed for every login.
    template = repo / "rules_src" / "templates" / "mfa.js.j2"
    template.write_text(template.read_text().replace(
        "exports.onExecutePostLogin = async (event, api) => {\n",
        "exports.onExecutePostLogin = async (event, api) => {\n"
        "  if (event.request.geoip.countryCode === 'KP') return api.access.deny('blocked');\n"))
    _, data = _diff()
    denied = next(c for c in data["changes"] if c["kind"] == "now denied")
    example = denied["examples"][0]
    assert example["who"] == 'default login, except {"request.geoip.country_code":"KP"}'
    assert example["after"] == "DENIED: blocked"
    assert example["login"]["request"]["geoip"]["country_code"] == "KP"
    # Admins in KP got MFA and are now denied too: counted apart, and shown (a newcomer saw
    # only "allowed, no MFA ->" examples for the group).
    assert set(denied["was"]) == {"allowed", "mfa"}
    from_mfa = next(e for e in denied["examples"] if e["was"] == "mfa")
    assert from_mfa["before"].startswith("MFA any") and from_mfa["after"] == "DENIED: blocked"
    assert '"request.geoip.country_code":"KP"' in from_mfa["who"]


def test_a_scopes_change_example_shows_the_scopes() -> None:
    # A newcomer's "access token scopes changed" example read "MFA any -> MFA any".
    from toolkit._diff import _example

    was = {**_cell("mfa", {"provider": "any", "allowRememberBrowser": False}),
           "access_token_scope": None}
    now = {**was, "access_token_scope": ["openid", "read:reports"]}
    example = _example("someone", {}, was, now)
    assert (example["before"], example["after"]) == (
        "access token scopes as requested", "access token scopes openid read:reports")


def test_a_change_in_the_metadata_a_login_writes_is_listed() -> None:
    # A newcomer's "every login now writes app_metadata.login_count" was never shown.
    from toolkit._diff import _example

    was = {**_cell("allowed"), "metadata_written": {}}
    now = {**was, "metadata_written": {"app_metadata": {"login_count": 1}}}
    assert classify(was, now) == "metadata written changed"
    example = _example("someone", {}, was, now)
    assert (example["before"], example["after"]) == (
        "writes no metadata", 'writes {"app_metadata":{"login_count":1}}')


def test_writing_back_the_same_metadata_is_no_change() -> None:
    # A reviewer: updateAppMetadata(id, user.app_metadata) and updateAppMetadata(id, {visits})
    # store the same profile (the Management API merges top-level keys): no "metadata written
    # changed" for that refactor.
    from toolkit import Outcome, make_login, make_user
    from toolkit._matrix import cell

    login = make_login(user=make_user(app_metadata={"plan": "pro", "visits": 1}))
    whole = Outcome("rule", app_metadata_updates=[{"user_id": "x", "metadata": {
        "plan": "pro", "visits": 2}}])
    one = Outcome("rule", app_metadata_updates=[{"user_id": "x", "metadata": {"visits": 2}}])
    assert cell(whole, login=login)["metadata_written"] == \
        cell(one, login=login)["metadata_written"] == {"app_metadata": {"visits": 2}}
    assert classify(cell(whole, login=login), cell(one, login=login)) is None


def test_scopes_set_to_what_was_requested_are_no_change() -> None:
    # A reviewer: a rule that starts from the requested scopes and changes nothing showed
    # "access token scopes changed: as requested -> openid profile email".
    from toolkit import Outcome, make_login
    from toolkit._matrix import cell

    login = make_login()  # requests openid profile email
    same = Outcome("rule", extra={"access_token_scope": "openid profile email"})
    wider = Outcome("rule", extra={"access_token_scope": "openid profile email read:x"})
    assert cell(same, login=login)["access_token_scope"] is None
    assert cell(wider, login=login)["access_token_scope"] == ["email", "openid", "profile",
                                                               "read:x"]
