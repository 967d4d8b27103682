"""The `rulekit` command's contract (DESIGN.md): outputs, JSON keys and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.example_fingerprint import copy_shipped_example
from toolkit import make_login, make_user, to_action_shape
from toolkit.cli import cli

ROOT = Path(__file__).resolve().parents[2]
AUTH0_STYLE_RULE = """\
/**
 * @title Require MFA for AI system admins
 * Stored the way Auth0 stores rules: a comment block, then a named function.
 */
function requireMfaForAdmins(user, context, callback) {
  const roles = (user.app_metadata && user.app_metadata.roles) || [];
  if (context.clientID === configuration.BLOCKED_CLIENT) {
    return callback(new UnauthorizedError('this client is retired'));
  }
  if (roles.includes('ai_system_admin')) {
    context.multifactor = { provider: 'any', allowRememberBrowser: false };
  }
  console.log('checked', user.email);
  callback(null, user, context);
}
"""
CONTRACT_KEYS = {"kind", "mfa", "denied", "error", "id_token_claims", "access_token_claims",
                 "app_metadata_updates", "redirect", "logs"}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example project's rules_src/ as the working directory."""
    copy_shipped_example(tmp_path)  # skips once the example is changed
    (tmp_path / "rule.js").write_text(AUTH0_STYLE_RULE)
    (tmp_path / "admin.json").write_text(json.dumps({"app_metadata": {"roles": ["ai_system_admin"]}}))
    (tmp_path / "config.json").write_text(json.dumps({"BLOCKED_CLIENT": "old-client"}))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_run_auth0_style_rule_prints_the_json_outcome(project: Path) -> None:
    result = invoke("run", "rule.js", "--user", "admin.json", "--configuration", "config.json",
                    "--json")
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.output)
    assert CONTRACT_KEYS <= set(outcome)
    assert outcome["kind"] == "rule"
    assert outcome["mfa"]["provider"] == "any"
    assert outcome["mfa"]["allowRememberBrowser"] is False
    assert outcome["denied"] is None and outcome["error"] is None
    assert outcome["logs"] == ["checked jane.doe@example.com"]


def test_run_denial_is_an_outcome_with_exit_0(project: Path) -> None:
    (project / "ctx.json").write_text(json.dumps({"clientID": "old-client"}))
    result = invoke("run", "rule.js", "--context", "ctx.json", "--configuration",
                    "config.json", "--json")
    assert result.exit_code == 0
    assert json.loads(result.output)["denied"] == {"message": "this client is retired",
                                                   "rule": "rule"}


def test_run_error_is_an_outcome_with_exit_0(project: Path) -> None:
    (project / "bad.js").write_text("function (u, c, cb) { cb(new Error('kaput')); }")
    result = invoke("run", "bad.js", "--json")
    assert result.exit_code == 0
    assert json.loads(result.output)["error"]["message"] == "kaput"


def test_run_human_summary(project: Path) -> None:
    result = invoke("run", "rule.js", "--user", "admin.json")
    assert result.exit_code == 0
    assert result.output.startswith("MFA required (provider 'any', remember browser not allowed)")


def test_run_a_manifest_rule_by_name_and_the_pipeline(project: Path) -> None:
    (project / "event.json").write_text(json.dumps(
        {"user": {"user_id": "auth0|1", "app_metadata": {"roles": ["ai_system_admin"]}}}))
    by_name = json.loads(invoke("run", "require-mfa-for-ai-admins", "--event", "event.json",
                                "--json").output)
    assert by_name["mfa"]["rule"] == "require-mfa-for-ai-admins"
    assert by_name["kind"] == "action"  # a manifest entry runs as its Action by default
    as_rule = json.loads(invoke("run", "require-mfa-for-ai-admins", "--kind", "rule", "--user",
                                "admin.json", "--json").output)
    assert as_rule["kind"] == "rule" and as_rule["mfa"]["provider"] == "any"
    whole = json.loads(invoke("run", "--pipeline", "--kind", "rule", "--user", "admin.json",
                              "--json").output)
    assert whole["rules_run"] == ["require-mfa-for-ai-admins", "add-roles-claim"]


def test_run_with_frozen_clock(project: Path) -> None:
    (project / "t.js").write_text("function (u, c, cb) { c.idToken.t = new Date().toISOString();"
                                  " cb(null, u, c); }")
    result = invoke("run", "t.js", "--now", "2026-11-28T10:00:00Z", "--json")
    assert json.loads(result.output)["id_token_claims"] == {"t": "2026-11-28T10:00:00.000Z"}


def test_run_with_modules(project: Path) -> None:
    package = project / "mods" / "greet"
    package.mkdir(parents=True)
    (package / "index.js").write_text("module.exports = (n) => 'hi ' + n;")
    (project / "g.js").write_text("function (u, c, cb) { c.idToken.g = require('greet')('a');"
                                  " cb(null, u, c); }")
    result = invoke("run", "g.js", "--modules", "mods", "--json")
    assert json.loads(result.output)["id_token_claims"] == {"g": "hi a"}


@pytest.mark.parametrize(("args", "message"), [
    (["run", "missing.js"], "missing.js: file not found"),
    (["run", "no-such-rule"], "no rule named 'no-such-rule'"),
    (["run", "rule.js", "--user", "nope.json"], "nope.json: --user: file not found"),
    (["run", "rule.js", "--user", "broken.json"], "broken.json:2: --user: invalid JSON"),
    (["run", "rule.js", "--user", "list.json"], "must be a JSON object"),
    (["run", "rule.js", "--configuration", "numbers.json"], "must be a string"),
    (["run", "syntax.js"], "syntax.js:3: SyntaxError"),
    (["run", "needs.js"], "requires 'left-pad'"),
    (["run", "rule.js", "--now", "yesterday"], "not an ISO 8601 instant"),
    (["run", "rule.js", "--event", "admin.json"], "--event is Action-shaped"),
    (["run", "rule.js", "--login", "admin.json"], "unknown field 'app_metadata'"),
])
def test_run_could_not_run_exits_2_with_one_clear_line(project: Path, args: list[str],
                                                       message: str) -> None:
    (project / "broken.json").write_text('{\n  "email": oops\n}')
    (project / "list.json").write_text("[1]")
    (project / "numbers.json").write_text('{"A": 1}')
    (project / "syntax.js").write_text("function (u, c, cb) {\n  if (\n}")
    (project / "needs.js").write_text("function (u, c, cb) { require('left-pad'); cb(); }")
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert result.stderr.startswith("rulekit: error: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


@pytest.mark.example
def test_render_and_list(project: Path) -> None:
    result = invoke("render")
    assert result.exit_code == 0
    assert (project / "build" / "artifacts" / "rules" / "require-mfa-for-ai-admins.js").is_file()
    assert (project / "build" / "artifacts" / "actions" / "require-mfa-for-ai-admins.js").is_file()
    listing = invoke("list", "--json")
    assert [r["name"] for r in json.loads(listing.output)] == ["require-mfa-for-ai-admins",
                                                               "add-roles-claim"]


@pytest.mark.example
def test_render_and_list_keep_their_columns_aligned_with_a_long_name(project: Path) -> None:
    manifest = project / "rules_src" / "manifest.toml"
    long_name = "add-roles-claim-for-every-application-of-the-tenant"
    manifest.write_text(manifest.read_text().replace('"add-roles-claim"', f'"{long_name}"'))
    for args, column in ((["list"], "TEMPLATE"), (["render"], "SHA256:")):
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        lines = [line.upper() for line in result.output.splitlines() if column in line.upper()]
        assert len(lines) >= 3 and any(long_name.upper() in line for line in lines)
        assert len({line.index(column) for line in lines}) == 1, result.output


def test_render_error_exits_2_and_names_the_template(project: Path) -> None:
    template = project / "rules_src" / "templates" / "roles_claim.js.j2"
    template.write_text(template.read_text().replace("{{ claim|js }}", "{{ claims|js }}", 1))
    result = CliRunner().invoke(cli, ["render"])
    assert result.exit_code == 2
    assert result.stderr.startswith("rulekit: error: rules_src/templates/roles_claim.js.j2:")
    assert "'claims' is undefined" in result.stderr


def test_demo_shows_who_gets_mfa(project: Path) -> None:
    result = invoke("demo")
    assert result.exit_code == 0
    rows = {line[2:50].strip(): line[50:].split() for line in result.output.splitlines()
            if line.startswith("  ") and "MFA" in line}
    assert rows["AI system admin (app_metadata role)"][:2] == ["MFA", "MFA"]
    assert rows["user with no app_metadata"][:4] == ["no", "MFA", "no", "MFA"]
    assert rows["admin role only in user_metadata (user-editable)"][:4] == ["no", "MFA", "no", "MFA"]


@pytest.mark.example
def test_demo_runs_the_actions_with_the_tenants_mfa_factors(project: Path) -> None:
    # Like the matrix: a tenant that enables no independent factor cannot require MFA
    # (Auth0: at least one independent factor before an Action can), so the admin fails there.
    tenant = project / "rules_src" / "tenant.toml"
    tenant.write_text(tenant.read_text().replace(
        'factors = ["otp", "webauthn-roaming", "recovery-code"]', 'factors = []'))
    result = invoke("demo")
    assert result.exit_code == 0
    admin = next(line for line in result.output.splitlines()
                 if line.startswith("  AI system admin (app_metadata role)"))
    assert admin.split()[5:7] == ["ERROR", "MFA"], admin


@pytest.mark.parametrize("argv", [["--help"], ["run", "rule.js", "--json"], ["demo"],
                                  ["run", "loop.js", "--timeout", "0.3"]])
def test_commands_exit_promptly_in_a_real_process(project: Path, argv: list[str]) -> None:
    # A MiniRacer left for the garbage collector can hang interpreter exit; each command must
    # close its engine. The generous timeout only guards against a hang.
    (project / "loop.js").write_text("function (u, c, cb) { while (true) {} }")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "toolkit", *argv], cwd=project, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout


def test_python_dash_m_and_version() -> None:
    done = subprocess.run([sys.executable, "-m", "toolkit", "--version"], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0
    assert done.stdout.startswith("rulekit, version ")


GALLERY_ACTION = """\
/**
* Handler that will be called during the execution of a PostLogin flow.
*
* @param {Event} event - Details about the user and the context in which they are logging in.
* @param {PostLoginAPI} api - Interface whose methods can be used to change the behavior of the login.
*/
const policy = require('mfa-policy');

exports.onExecutePostLogin = async (event, api) => {
  if (event.client.client_id === event.secrets.RETIRED_CLIENT) {
    api.access.deny('This application has been retired');
    return;
  }
  if (policy.needsMfa(event.authorization.roles)) {
    api.multifactor.enable('any', { allowRememberBrowser: false });
  }
};
"""


def test_run_gallery_style_action_with_npm_module_and_secrets(project: Path) -> None:
    package = project / "node_modules" / "mfa-policy"
    (package / "lib").mkdir(parents=True)
    (package / "package.json").write_text('{"name": "mfa-policy", "main": "lib/index.js"}')
    (package / "lib" / "index.js").write_text(
        "const admin = require('./roles.json').admin;\n"
        "exports.needsMfa = (roles) => (roles || []).some((r) => admin.includes(r));\n")
    (package / "lib" / "roles.json").write_text('{"admin": ["AI System Admin"]}')
    (project / "action.js").write_text(GALLERY_ACTION)
    (project / "secrets.json").write_text('{"RETIRED_CLIENT": "old-app"}')
    (project / "admin-event.json").write_text(json.dumps({"authorization": {"roles": ["AI System Admin"]}}))
    (project / "retired-event.json").write_text(json.dumps(
        {"client": {"client_id": "old-app", "name": "Old", "metadata": {}}}))
    admin = invoke("run", "action.js", "--event", "admin-event.json", "--secrets", "secrets.json",
                   "--json")
    assert admin.exit_code == 0, admin.output
    outcome = json.loads(admin.output)
    assert CONTRACT_KEYS <= set(outcome)
    assert outcome["kind"] == "action"
    assert outcome["mfa"] == {"provider": "any", "allowRememberBrowser": False, "rule": "action"}
    retired = json.loads(invoke("run", "action.js", "--event", "retired-event.json", "--secrets",
                                "secrets.json", "--json").output)
    assert retired["denied"] == {"message": "This application has been retired", "rule": "action"}
    assert retired["mfa"] is None


def test_a_partial_user_in_a_login_event_or_batch_line_keeps_the_default_fields(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A real Auth0 user always has a user_id: code keyed on it must not run on undefined.
    monkeypatch.chdir(tmp_path)
    Path("uid.js").write_text("exports.onExecutePostLogin = async (event, api) => {\n"
                              "  api.idToken.setCustomClaim('uid', event.user.user_id);\n"
                              "  api.idToken.setCustomClaim('email', event.user.email);\n};\n")
    Path("rule.js").write_text("function (user, context, callback) {\n"
                               "  context.idToken.uid = user.user_id; callback(null, user, context);\n}")
    Path("login.json").write_text('{"user": {"email": "admin@example.com"}}')
    Path("event.json").write_text('{"user": {"email": "admin@example.com"}}')
    Path("lines.jsonl").write_text('{"user": {"email": "admin@example.com"}}\n')
    default_id = make_user()["user_id"]
    for args in (["uid.js", "--login", "login.json"], ["uid.js", "--event", "event.json"],
                 ["uid.js", "--batch", "lines.jsonl"]):
        result = CliRunner().invoke(cli, ["run", *args, "--json"])
        assert result.exit_code == 0, result.output
        claims = json.loads(result.output.splitlines()[0] if "--batch" in args else result.output)[
            "id_token_claims"]
        assert claims == {"uid": default_id, "email": "admin@example.com"}
        if "--batch" in args:  # each JSON line names the line of its login
            assert json.loads(result.output.splitlines()[0])["line"] == 1
    result = CliRunner().invoke(cli, ["run", "rule.js", "--login", "login.json", "--json"])
    assert json.loads(result.output)["id_token_claims"] == {"uid": default_id}


def test_a_partial_request_in_a_login_keeps_the_default_fields(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A newcomer's silent login ({"request": {"query": {"prompt": "none"}}}) lost the default
    # ip, hostname and geoip.
    monkeypatch.chdir(tmp_path)
    Path("req.js").write_text("exports.onExecutePostLogin = async (event, api) => {\n"
                              "  api.idToken.setCustomClaim('r', [event.request.ip,"
                              " event.request.geoip.countryCode, event.request.query]);\n};\n")
    Path("login.json").write_text('{"request": {"query": {"prompt": "none"}}}')
    Path("lines.jsonl").write_text('{"request": {"query": {"prompt": "none"}}}\n')
    default = to_action_shape(make_login())["request"]
    expected = [default["ip"], default["geoip"]["countryCode"], {"prompt": "none"}]
    assert expected[0] and expected[1]
    for args in (["--login", "login.json"], ["--batch", "lines.jsonl"]):
        result = CliRunner().invoke(cli, ["run", "req.js", *args, "--json"])
        assert result.exit_code == 0, result.output
        text = result.output.splitlines()[0] if "--batch" in args else result.output
        assert json.loads(text)["id_token_claims"] == {"r": expected}


def test_an_empty_part_in_a_login_file_stays_empty() -> None:
    from toolkit._execution import with_default_user
    fields = with_default_user({"session": {}, "request": {"ip": "203.0.113.9"}})
    assert fields["session"] == {}  # {} means "nothing", not "the default"
    assert fields["request"]["ip"] == "203.0.113.9" and fields["request"]["hostname"]


def test_a_wrong_kind_says_what_the_file_reads_as(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.js").write_text("exports.onExecutePostLogin = async (event, api) => {};\n")
    result = CliRunner().invoke(cli, ["run", "a.js", "--kind", "rule"])
    assert result.exit_code == 2
    assert "a.js:1: SyntaxError" in result.stderr
    assert "this file reads as an Action but runs as a Rule: drop --kind" in result.stderr


def test_matrix_refuses_a_protocol_auth0_does_not_have() -> None:
    result = CliRunner().invoke(cli, ["matrix", "--protocol", "oidc-basic-profle"])
    assert result.exit_code == 2
    assert "'oidc-basic-profle' is not one of" in result.output


def test_stub_serves_a_module_that_would_do_io(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Legacy rules require('request') and the like; the CLI can stand a stub in for them.
    monkeypatch.chdir(tmp_path)
    Path("rule.js").write_text("function (user, context, callback) {\n"
                               "  const request = require('request');\n"
                               "  context.idToken.risk = request.score(user.email);\n"
                               "  callback(null, user, context);\n}")
    Path("request-stub.js").write_text("module.exports = { score: (email) => email.length };")
    missing = CliRunner().invoke(cli, ["run", "rule.js"])
    assert missing.exit_code == 2 and "requires 'request'" in missing.stderr
    result = CliRunner().invoke(cli, ["run", "rule.js", "--stub", "request=request-stub.js", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["id_token_claims"] == {"risk": len(make_user()["email"])}
    bad = CliRunner().invoke(cli, ["run", "rule.js", "--stub", "request"])
    assert bad.exit_code == 2 and "give NAME=FILE" in bad.stderr
    gone = CliRunner().invoke(cli, ["run", "rule.js", "--stub", "request=nope.js"])
    assert gone.exit_code == 2 and "nope.js: --stub request: file not found" in gone.stderr
    same = CliRunner().invoke(cli, ["equiv", "rule.js", "rule.js", "--examples", "5",
                                    "--stub", "request=request-stub.js"])
    assert same.exit_code == 0, same.output


def test_a_user_given_as_an_event_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.js").write_text("exports.onExecutePostLogin = async (event, api) => {};\n")
    Path("user.json").write_text('{"email": "admin@example.com", "app_metadata": {"roles": ["admin"]}}')
    result = CliRunner().invoke(cli, ["run", "a.js", "--event", "user.json"])
    assert result.exit_code == 2
    assert "user.json:1: --event: 'email' at the top of an event: this looks like a user" in result.stderr


def test_a_broken_stub_is_the_stubs_error_and_equiv_proves_nothing_on_failures(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("rule.js").write_text("function (user, context, callback) {\n"
                               "  require('request');\n  callback(null, user, context);\n}")
    Path("bad.js").write_text("module.exports = { score: (e) => e.length ;\n")
    result = CliRunner().invoke(cli, ["run", "rule.js", "--stub", "request=bad.js"])
    assert result.exit_code == 2 and "bad.js:1: SyntaxError" in result.stderr
    # The check compiles the stub, never runs it: text that closes a wrapper cannot escape.
    Path("escape.js").write_text("module.exports = {}; })(); throw new Error('ran');\n(function(){\n")
    result = CliRunner().invoke(cli, ["run", "rule.js", "--stub", "request=escape.js"])
    assert result.exit_code == 2 and "ran" not in result.stderr and "escape.js" in result.stderr
    Path("later.js").write_text("\n\nmodule.exports = {;\n")
    result = CliRunner().invoke(cli, ["run", "rule.js", "--stub", "request=later.js"])
    assert "later.js:3: SyntaxError" in result.stderr
    # A stub that throws makes every login fail on both sides alike: equivalence is not shown.
    Path("throws.js").write_text("throw new Error('boom');\n")
    result = CliRunner().invoke(cli, ["equiv", "rule.js", "rule.js", "--examples", "3",
                                      "--stub", "request=throws.js"])
    assert result.exit_code == 2
    assert "NOT PROVEN" in result.output and "Error: boom" in result.output


def test_run_through_follows_the_redirect(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("consent.js").write_text(
        "exports.onExecutePostLogin = async (event, api) => {\n"
        "  api.idToken.setCustomClaim('sub', 'x');\n"
        "  api.redirect.sendUserTo('https://ai.example.com/consent');\n};\n"
        "exports.onContinuePostLogin = async (event, api) => { api.multifactor.enable('any'); };\n")
    first = CliRunner().invoke(cli, ["run", "consent.js"])
    assert first.exit_code == 0
    assert "not every Action has run" in first.output
    assert first.output.count("https://ai.example.com/consent") == 1  # printed once
    assert "id_token claim sub dropped (restricted claim" in first.output
    whole = CliRunner().invoke(cli, ["run", "consent.js", "--through"])
    assert whole.exit_code == 0 and whole.output.startswith("MFA required")


def test_small_input_mistakes_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.js").write_text("exports.onExecutePostLogin = async (event, api) => {};\n")
    Path("login.json").write_text('{"user": null}')
    result = CliRunner().invoke(cli, ["run", "a.js", "--login", "login.json"])
    assert result.exit_code == 2 and 'login.json: --login: "user" must be an object' in result.stderr
    Path("lines.jsonl").write_text("{}\n")
    result = CliRunner().invoke(cli, ["lint", "lines.jsonl"])
    assert result.exit_code == 2 and "not a JavaScript file" in result.stderr
    Path("r.js").write_text("function (user, context, callback) {\n"
                            "  require('axios'); callback(null, user, context);\n}")
    result = CliRunner().invoke(cli, ["run", "r.js"])
    assert result.exit_code == 2 and "--stub NAME=FILE" in result.stderr


def test_a_batch_line_takes_the_connection_of_its_users_identity(tmp_path: Path) -> None:
    # Review of 2026-11-29: --login derived it, --batch did not (the same login, two verdicts).
    action = tmp_path / "conn.js"
    action.write_text("exports.onExecutePostLogin = async (event, api) => {\n"
                      "  if (event.connection.name !== 'break-glass') api.access.deny('no');\n};\n")
    user = {"user_id": "auth0|bg", "identities": [{"connection": "break-glass",
                                                    "provider": "auth0", "user_id": "bg"}]}
    (tmp_path / "bg.json").write_text(json.dumps({"user": user}))
    (tmp_path / "bg.jsonl").write_text(json.dumps({"user": user}) + "\n")
    single = CliRunner().invoke(cli, ["run", str(action), "--login", str(tmp_path / "bg.json"),
                                      "--json"])
    batch = CliRunner().invoke(cli, ["run", str(action), "--batch", str(tmp_path / "bg.jsonl"),
                                     "--json"])
    assert json.loads(single.output)["verdict"] == "allowed", single.output
    assert json.loads(batch.output.splitlines()[0])["verdict"] == "allowed", batch.output


@pytest.mark.example
def test_run_warns_of_secrets_no_entry_declares(tmp_path: Path) -> None:
    # Secrets reach an entry only when it declares them (as deployed); the CLI says so in its
    # own voice, not as a Python warning line.
    secrets = tmp_path / "s.json"
    secrets.write_text('{"UNUSED": "x"}')
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-m", "toolkit", "run", "require-mfa-for-ai-admins",
                           "--manifest", str(root / "rules_src" / "manifest.toml"),
                           "--secrets", str(secrets)],
                          capture_output=True, text=True, timeout=120, check=False, cwd=root)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("rulekit: warning: secrets given but declared by no manifest "
                                  "entry: UNUSED")


def test_run_warns_of_a_misspelt_user_field_in_a_login_file(project: Path) -> None:
    # A newcomer's {"user": {"emial": ...}} ran silently on the default email.
    (project / "typo.json").write_text('{"user": {"emial": "eve@blocked.example", "team": "x"}}')
    done = subprocess.run([sys.executable, "-m", "toolkit", "run", "rule.js", "--login",
                           "typo.json"], capture_output=True, text=True, timeout=120,
                          check=False, cwd=project)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "rulekit: warning: typo.json: --login: user field 'emial' is not a profile field; did you "
        "mean 'email'? (kept as given; 'email' keeps its default)"]
    # a batch: once, at the first line that has it
    (project / "typo.jsonl").write_text('{"user": {"emial": "a@x.com"}}\n' * 3)
    batch = subprocess.run([sys.executable, "-m", "toolkit", "run", "rule.js", "--batch",
                            "typo.jsonl"], capture_output=True, text=True, timeout=120,
                           check=False, cwd=project)
    assert batch.returncode == 0 and len(batch.stdout.splitlines()) == 3, batch.stderr
    assert batch.stderr.splitlines() == [
        "rulekit: warning: typo.jsonl:1: --batch: user field 'emial' is not a profile field; "
        "did you mean 'email'? (kept as given; 'email' keeps its default)"]


@pytest.mark.parametrize("adversarial", [[], ["--adversarial"]], ids=["realistic", "adversarial"])
def test_logins_writes_a_batch_file_that_runs(project: Path, adversarial: list[str]) -> None:
    # A newcomer: the README never said how to make the JSONL file --batch reads.
    result = invoke("logins", "--examples", "40", "--seed", "7", *adversarial, "-o", "l.jsonl")
    assert result.exit_code == 0, result.output
    # JSON Lines: lines end at "\n" only (str.splitlines also splits at U+2028 or U+0085,
    # which a drawn string may hold, raw, as JSON allows)
    lines = (project / "l.jsonl").read_text().removesuffix("\n").split("\n")
    assert len(lines) == 40 and all(isinstance(json.loads(line), dict) for line in lines)
    assert invoke("logins", "--examples", "40", "--seed", "7", *adversarial).output == \
        (project / "l.jsonl").read_text()  # the same seed, the same logins
    ran = invoke("run", "rule.js", "--batch", "l.jsonl", "--json")
    assert ran.exit_code == 0, ran.output
    assert [json.loads(line)["line"] for line in ran.output.removesuffix("\n").split("\n")] \
        == list(range(1, 41))
    nowhere = invoke("logins", "-o", "missing/l.jsonl")
    assert nowhere.exit_code == 2 and nowhere.stderr.startswith(
        "rulekit: error: missing/l.jsonl: cannot write: ")


def test_a_login_file_with_nan_is_refused(project: Path) -> None:
    (project / "nan.json").write_text('{"user": {"app_metadata": {"level": NaN}}}')
    result = invoke("run", "rule.js", "--login", "nan.json")
    assert result.exit_code == 2
    assert result.stderr == "rulekit: error: nan.json: --login: NaN is not JSON (no login holds it)\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_output_the_system_refuses_is_one_line_not_a_traceback(project: Path) -> None:
    # A newcomer: a full disk or a read-only build folder ended in an OSError traceback.
    with Path("/dev/full").open("w") as full:
        done = subprocess.run([sys.executable, "-m", "toolkit", "run", "rule.js", "--json"],
                              cwd=project, env={**os.environ, "PYTHONPATH": str(ROOT)},
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=60,
                              check=False)
    assert done.returncode == 2
    assert done.stderr == "rulekit: error: No space left on device\n"
