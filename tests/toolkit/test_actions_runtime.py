"""The post-login Actions contract (Auth0's event/api documentation), one test per behaviour."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from toolkit import Outcome
from toolkit._actions import ActionsRuntime, default_event
from toolkit._render import load_rule_file
from toolkit._ruleset import detect_kind
from toolkit.errors import InputError, ModuleNotFound, RuleSyntaxError

Run = Callable[..., Outcome]


@pytest.fixture
def run_actions(tmp_path: Path) -> Run:
    """Write Action sources to files and run them as one flow in binding order."""

    def run(*sources: str, event: dict[str, Any] | None = None, **options: Any) -> Outcome:
        actions = []
        for number, source in enumerate(sources, start=1):
            path = tmp_path / f"action{number}.js"
            path.write_text(source, encoding="utf-8")
            artifact = load_rule_file(path)
            assert detect_kind(artifact.code) == "action"
            from dataclasses import replace
            actions.append(replace(artifact, kind="action"))
        resume = options.pop("resume", False)
        with ActionsRuntime(actions, **options) as runtime:
            return runtime.run(event, resume=resume)

    return run


def action(body: str) -> str:
    return f"exports.onExecutePostLogin = async (event, api) => {{\n{body}\n}};\n"


def test_gallery_style_action_with_secrets_and_mfa(run_actions: Run) -> None:
    source = ("/**\n * Handler that will be called during the execution of a PostLogin flow.\n"
              " * @param {Event} event\n * @param {PostLoginAPI} api\n */\n"
              + action("  if (event.secrets.MFA_ROLE && event.authorization.roles"
                       ".includes(event.secrets.MFA_ROLE)) {\n"
                       "    api.multifactor.enable('guardian', { allowRememberBrowser: true });\n"
                       "  }"))
    event = default_event(roles=["admins"])
    outcome = run_actions(source, event=event, secrets={"MFA_ROLE": "admins"})
    assert outcome.kind == "action"
    assert outcome.mfa == {"provider": "guardian", "allowRememberBrowser": True,
                           "rule": "action1"}


def test_allow_remember_browser_defaults_to_false(run_actions: Run) -> None:
    outcome = run_actions(action("api.multifactor.enable('any');"))
    assert outcome.mfa is not None and outcome.mfa["allowRememberBrowser"] is False


def test_provider_none_turns_mfa_off(run_actions: Run) -> None:
    outcome = run_actions(action("api.multifactor.enable('any');"),
                          action("api.multifactor.enable('none');"))
    assert outcome.mfa is None


def test_unknown_provider_is_an_error(run_actions: Run) -> None:
    outcome = run_actions(action("api.multifactor.enable('sms');"))
    assert outcome.error is not None and "unknown provider" in outcome.error["message"]


def test_deny_stops_the_flow_after_the_current_action(run_actions: Run) -> None:
    outcome = run_actions(action("api.access.deny('not today'); api.idToken.setCustomClaim('a', 1);"),
                          action("api.multifactor.enable('any');"))
    assert outcome.denied == {"message": "not today", "rule": "action1"}
    assert outcome.rules_run == ["action1"]
    assert outcome.mfa is None and outcome.id_token_claims == {}


def test_event_changes_are_not_visible_to_the_next_action(run_actions: Run) -> None:
    outcome = run_actions(action("event.user.app_metadata.roles = ['admin'];"
                                 " event.authorization.roles.push('admin');"),
                          action("api.idToken.setCustomClaim('role_names', event.authorization.roles);"
                                 " api.idToken.setCustomClaim('md', event.user.app_metadata);"))
    assert outcome.id_token_claims == {"role_names": [], "md": {}}


def test_claims_and_scopes_accumulate(run_actions: Run) -> None:
    outcome = run_actions(
        action("api.idToken.setCustomClaim('https://x/a', 1); api.accessToken.addScope('read');"),
        action("api.accessToken.setCustomClaim('https://x/b', [2]);"
               " api.accessToken.removeScope('write');"))
    assert outcome.id_token_claims == {"https://x/a": 1}
    assert outcome.access_token_claims == {"https://x/b": [2]}
    assert outcome.extra["scopes_added"] == ["read"]
    assert outcome.extra["scopes_removed"] == ["write"]


def test_metadata_updates_are_recorded_per_key(run_actions: Run) -> None:
    outcome = run_actions(action("api.user.setAppMetadata('plan', 'pro');"
                                 " api.user.setUserMetadata('theme', null);"))
    user_id = default_event()["user"]["user_id"]
    assert outcome.app_metadata_updates == [{"user_id": user_id, "metadata": {"plan": "pro"}}]
    assert outcome.user_metadata_updates == [{"user_id": user_id, "metadata": {"theme": None}}]


def test_authentication_challenges_are_recorded(run_actions: Run) -> None:
    outcome = run_actions(action("api.authentication.challengeWith({type: 'otp'},"
                                 " {additionalFactors: [{type: 'email'}]});"))
    assert outcome.extra["challenge"]["call"] == "authentication.challengeWith"
    assert outcome.extra["challenge"]["factor"] == {"type": "otp"}
    calls = [c["call"] for c in outcome.extra["api_calls"]]
    assert calls == ["authentication.challengeWith"]


def test_redirect_and_continue(tmp_path: Path) -> None:
    path = tmp_path / "tos.js"
    path.write_text(
        "exports.onExecutePostLogin = async (event, api) => {\n"
        "  api.redirect.sendUserTo('https://ai.example.com/tos', {query: {u: event.user.user_id}});\n"
        "};\n"
        "exports.onContinuePostLogin = async (event, api) => {\n"
        "  api.user.setAppMetadata('tos', true);\n};\n")
    from dataclasses import replace
    artifact = replace(load_rule_file(path), kind="action")
    with ActionsRuntime([artifact]) as runtime:
        first = runtime.run()
        assert first.redirect is not None
        assert first.redirect["url"].startswith("https://ai.example.com/tos?u=auth0%7C")
        back = runtime.run(resume=True)
        assert back.redirect is None
        assert back.app_metadata_updates[0]["metadata"] == {"tos": True}


def test_unknown_api_member_is_an_error_naming_it(run_actions: Run) -> None:
    outcome = run_actions(action("api.multifactor.require('any');"))
    assert outcome.error is not None
    assert "api.multifactor.require is not part of Auth0's post-login api" in outcome.error["message"]
    outcome = run_actions(action("api.rules.run();"))
    assert outcome.error is not None and "api.rules" in outcome.error["message"]


def test_thrown_error_is_an_error_outcome_with_its_line(run_actions: Run) -> None:
    outcome = run_actions(action("  const x = null;\n  x.y();"))
    assert outcome.error is not None and outcome.error["name"] == "TypeError"
    assert str(outcome.error["at"]).endswith("action1.js:3")


def test_missing_handler_is_an_error(run_actions: Run) -> None:
    outcome = run_actions("exports.onExecutePostLogin = 42; // exports.onExecutePostLogin\n")
    assert outcome.error is not None and "does not export onExecutePostLogin" in outcome.error["message"]


def test_await_and_timers_run_to_completion(run_actions: Run) -> None:
    outcome = run_actions(action(
        "  const t0 = Date.now();\n"
        "  await new Promise((resolve) => setTimeout(resolve, 3000));\n"
        "  api.idToken.setCustomClaim('waited', Date.now() - t0);"), now="2026-11-28T10:00:00Z")
    assert outcome.id_token_claims == {"waited": 3000}


def test_a_promise_that_never_settles_is_an_error(run_actions: Run) -> None:
    outcome = run_actions(action("await new Promise(() => {});"))
    assert outcome.error is not None and outcome.error["name"] == "PendingPromise"


def test_waiting_past_the_limit_is_a_time_limit_error(run_actions: Run) -> None:
    outcome = run_actions(action("await new Promise((r) => setTimeout(r, 21000));"))
    assert outcome.error is not None and outcome.error["name"] == "TimeLimitExceeded"


def test_infinite_loop_and_recovery(tmp_path: Path) -> None:
    from dataclasses import replace

    path = tmp_path / "loop.js"
    path.write_text(action("if (event.user.email === 'loop@x.com') { while (true) {} }"))
    with ActionsRuntime([replace(load_rule_file(path), kind="action")], timeout=0.5) as runtime:
        stuck = runtime.run(default_event(user={"email": "loop@x.com", "user_id": "u"}))
        assert stuck.error is not None and stuck.error["name"] == "TimeLimitExceeded"
        assert runtime.run().verdict == "allowed"


def test_memory_bomb_and_recovery(tmp_path: Path) -> None:
    from dataclasses import replace

    path = tmp_path / "bomb.js"
    path.write_text(action("if (event.user.email === 'b@x.com') { const a = [];"
                           " while (true) a.push(new Array(100000).fill(1)); }"))
    with ActionsRuntime([replace(load_rule_file(path), kind="action")],
                        memory_limit=64 * 1024 * 1024) as runtime:
        boom = runtime.run(default_event(user={"email": "b@x.com", "user_id": "u"}))
        assert boom.error is not None and boom.error["name"] == "MemoryLimitExceeded"
        assert runtime.run().verdict == "allowed"


def test_require_from_node_modules_at_top_level(run_actions: Run, tmp_path: Path) -> None:
    package = tmp_path / "node_modules" / "roles"
    package.mkdir(parents=True)
    (package / "index.js").write_text("exports.has = (list, r) => (list || []).includes(r);")
    source = "const roles = require('roles');\n" + action(
        "if (roles.has(event.authorization.roles, 'admin')) api.multifactor.enable('any');")
    outcome = run_actions(source, event=default_event(roles=["admin"]),
                          modules=tmp_path / "node_modules")
    assert outcome.requires_mfa


def test_missing_module_is_a_clear_error(run_actions: Run) -> None:
    with pytest.raises(ModuleNotFound, match="Action 'action1' requires 'axios'"):
        run_actions("const axios = require('axios');\n" + action(""))


def test_syntax_error_names_file_and_line(run_actions: Run) -> None:
    with pytest.raises(RuleSyntaxError) as info:
        run_actions(action("  if (x {"))
    assert info.value.line == 2


def test_secrets_are_per_action_when_declared(tmp_path: Path) -> None:
    from dataclasses import replace

    path = tmp_path / "s.js"
    path.write_text(action("api.idToken.setCustomClaim('keys', Object.keys(event.secrets).sort());"))
    base = replace(load_rule_file(path), kind="action")
    with ActionsRuntime([replace(base, secrets=("A",)), replace(base, name="all")],
                        secrets={"A": "1", "B": "2"}) as runtime:
        outcome = runtime.run()
    calls = [c["value"] for c in outcome.extra["api_calls"]]
    assert calls == [["A"], ["A", "B"]]


def test_secrets_are_read_only(run_actions: Run) -> None:
    outcome = run_actions(action("'use strict'; event.secrets.K = 'x';"), secrets={"K": "v"})
    assert outcome.error is not None and outcome.error["name"] == "TypeError"


@pytest.mark.example
def test_the_example_renders_to_an_action_that_requires_mfa() -> None:
    from toolkit._ruleset import load_actions

    root = Path(__file__).resolve().parents[2]
    with ActionsRuntime(load_actions(root / "rules_src" / "manifest.toml")) as runtime:
        admin = runtime.run(default_event(user={"user_id": "auth0|1",
                                                "app_metadata": {"roles": ["ai_system_admin"]}}))
        plain = runtime.run(default_event())
    assert admin.mfa is not None and admin.mfa["provider"] == "any"
    assert admin.mfa["allowRememberBrowser"] is False
    assert plain.mfa is None


def test_load_rule_file_detects_an_action_as_rulekit_run_does(tmp_path: Path) -> None:
    (tmp_path / "act.js").write_text("exports.onExecutePostLogin = async (event, api) => {\n"
                                     "  api.multifactor.enable('any');\n};\n")
    action = load_rule_file(tmp_path / "act.js")
    assert action.kind == "action"
    assert load_rule_file(tmp_path / "act.js", kind="rule").kind == "rule"
    with ActionsRuntime([action]) as runtime:
        assert runtime.run().requires_mfa


# --- Auth0's post-login API object, member by member --------------------------------------------
STEP_UP = ("  const mfa = (event.authentication.methods || []).find((m) => m.name === 'mfa');\n"
           "  if (!mfa || Date.now() - {stamp} > 12 * 3600 * 1000) api.multifactor.enable('any');")


def test_method_timestamps_are_iso_strings_so_arithmetic_on_them_is_nan(run_actions: Run) -> None:
    # Auth0's event object: authentication.methods[].timestamp is a string; a Rule's context has
    # epoch milliseconds. `Date.now() - m.timestamp` is NaN in an Action, so this step-up never
    # asks again once the session has an mfa method: a bypass rulekit must show, not hide.
    event = default_event(authentication={"methods": [{"name": "pwd", "timestamp": 1700000000000},
                                                      {"name": "mfa", "timestamp": 1700000000000}]})
    assert event["authentication"]["methods"][1]["timestamp"] == "2023-11-14T22:13:20.000Z"
    naive = run_actions(action(STEP_UP.format(stamp="mfa.timestamp")), event=event,
                        now="2026-11-28T10:00:00Z")
    assert naive.mfa is None
    fixed = run_actions(action(STEP_UP.format(stamp="Date.parse(mfa.timestamp)")), event=event,
                        now="2026-11-28T10:00:00Z")
    assert fixed.mfa is not None


@pytest.mark.parametrize("call", ["challengeWith({type: 'otp'})", "challengeWithAny([{type: 'otp'}])",
                                  "enrollWith({type: 'otp'})", "enrollWithAny([{type: 'otp'}])"])
def test_a_challenge_or_enrollment_requires_mfa(run_actions: Run, call: str) -> None:
    # "When a multifactor challenge is requested, subsequent Actions will not be run until that
    # challenge has been fulfilled by the user": the login needs MFA; later Actions run after.
    event = default_event()
    if call.startswith("challenge"):  # a challenge needs an enrolled factor, an enrollment none
        event["user"]["enrolledFactors"] = [{"type": "otp"}]
    outcome = run_actions(action(f"api.authentication.{call};"),
                          action("api.multifactor.enable('none');"
                                 " api.idToken.setCustomClaim('later', true);"), event=event)
    assert outcome.verdict == "mfa"
    assert outcome.mfa is not None
    assert outcome.mfa["provider"] == call.split("(")[0]
    assert outcome.mfa["allowRememberBrowser"] is False and outcome.mfa["rule"] == "action1"
    assert outcome.id_token_claims == {"later": True}


@pytest.mark.parametrize(("call", "enrolled", "verified", "verdict"), [
    # "If a factor is requested that the user has not enrolled, it will be ignored. If none of
    # the requested factors is enabled or enrolled, the authentication transaction will fail"
    ("challengeWith({type: 'otp'})", [], True, "error"),
    ("challengeWith({type: 'otp'})", ["otp"], True, "mfa"),
    ("challengeWith({type: 'otp'}, {additionalFactors: [{type: 'email'}]})", [], True, "mfa"),
    ("challengeWith({type: 'otp'}, {additionalFactors: [{type: 'email'}]})", [], False, "error"),
    ("challengeWithAny([{type: 'phone'}, {type: 'webauthn-roaming'}])", ["phone"], False, "mfa"),
    ("challengeWithAny([])", ["otp"], True, "error"),
    # "If a factor that the user has already enrolled is requested, it will be ignored. If none
    # of the requested factors is enabled and not enrolled, the authentication transaction will fail"
    ("enrollWith({type: 'otp'})", ["otp"], True, "error"),
    ("enrollWith({type: 'otp'}, {additionalFactors: [{type: 'push-notification'}]})", ["otp"],
     True, "mfa"),
    ("enrollWithAny([{type: 'otp'}, {type: 'phone'}])", ["otp", "phone"], True, "error"),
])
def test_a_challenge_needs_a_factor_the_user_can_use(run_actions: Run, call: str,
                                                     enrolled: list[str], verified: bool,
                                                     verdict: str) -> None:
    event = default_event()
    event["user"]["enrolledFactors"] = [{"type": t} for t in enrolled]
    event["user"]["email_verified"] = verified
    # what an Action does to its event does not enrol anyone
    outcome = run_actions(action("event.user.enrolledFactors.push({type: 'otp'},"
                                 " {type: 'phone'}, {type: 'email'});"
                                 f" api.authentication.{call};"), event=event)
    assert outcome.verdict == verdict, outcome.error
    if verdict == "error":
        assert outcome.error is not None and outcome.error["name"] == "MfaFactorUnavailable"
        assert "so Auth0 fails the login" in outcome.error["message"]


@pytest.mark.parametrize(("call", "factors", "verdict", "said"), [
    # "If a factor is requested is not enabled on the tenant, it will be ignored ... If none of
    # the requested factors is enabled or enrolled, the authentication transaction will fail"
    ("challengeWith({type: 'otp'})", ["webauthn-roaming"], "error",
     "none of the requested factors is enabled on the tenant (requested: otp; enabled: "
     "webauthn-roaming)"),
    ("challengeWith({type: 'phone'})", ["phone"], "mfa", None),
    # phone is enrolled but not enabled: ignored; otp is enabled but not enrolled: ignored
    ("challengeWith({type: 'phone'}, {additionalFactors: [{type: 'otp'}]})", ["otp"], "error",
     "the user has enrolled none of the requested factors that the tenant enables (requested: "
     "phone, otp; enabled on the tenant: otp; enrolled: phone, email)"),
    ("challengeWithAny([{type: 'phone'}, {type: 'email'}])", ["otp", "email"], "mfa", None),
    # enrollWith's `push` is the push-notification factor
    ("enrollWith({type: 'push'})", ["push-notification"], "mfa", None),
    ("enrollWith({type: 'push'})", ["otp"], "error", "none of the requested factors is enabled"),
])
def test_a_factor_the_tenant_does_not_enable_is_ignored(run_actions: Run, call: str,
                                                        factors: list[str], verdict: str,
                                                        said: str | None) -> None:
    event = default_event()
    event["user"]["enrolledFactors"] = [{"type": "phone"}]
    event["user"]["email_verified"] = True
    outcome = run_actions(action(f"api.authentication.{call};"), event=event, factors=factors)
    assert outcome.verdict == verdict, outcome.error
    if said is not None:
        assert outcome.error is not None and outcome.error["name"] == "MfaFactorUnavailable"
        assert said in outcome.error["message"]
    # Without factors (the default) every factor counts as enabled: phone and email are usable.
    if "phone" in call or "email" in call:
        assert run_actions(action(f"api.authentication.{call};"), event=event).verdict == "mfa"


@pytest.mark.parametrize("factors", [["duo"], ["sms"], "otp", [3]])
def test_unknown_tenant_factors_are_refused(tmp_path: Path, factors: Any) -> None:
    with pytest.raises(InputError, match="factor"):
        ActionsRuntime([], factors=factors)


@pytest.mark.parametrize("call", [
    "challengeWith('otp')", "challengeWith(null, {additionalFactors: [{type: 'otp'}]})",
    "challengeWithAny({type: 'otp'})",
    "enrollWith({type: 'otp'}, {additionalFactors: {type: 'phone'}})"])
def test_a_malformed_factor_is_an_error(run_actions: Run, call: str) -> None:
    # Auth0 documents a factor as an object with a `type` (post-login API object).
    outcome = run_actions(action(f"api.authentication.{call};"))
    assert outcome.error is not None and outcome.error["name"] == "TypeError"


def test_a_factor_already_challenged_in_the_login_is_not_challenged_again(run_actions: Run) -> None:
    # "If any of the factors requested has already been challenged successfully in the current
    # transaction, it will be ignored."
    event = default_event()
    event["user"]["enrolledFactors"] = [{"type": "otp"}, {"type": "phone"}]
    again = run_actions(action("api.authentication.challengeWith({type: 'otp'});"),
                        action("api.authentication.challengeWith({type: 'otp'});"), event=event)
    assert again.extra["challenge"]["rule"] == "action1"
    other = run_actions(action("api.authentication.challengeWith({type: 'otp'});"),
                        action("api.authentication.challengeWith({type: 'phone'});"), event=event)
    assert other.extra["challenge"]["rule"] == "action2"



def test_a_fifth_challenge_or_enrolment_command_fails_the_login(run_actions: Run) -> None:
    # Customize MFA Selection: Actions "can only execute four of the following commands per user
    # flow: enrollWith, enrollWithAny, challengeWith, challengeWithAny ... (i.e., a fifth
    # command ...), an authentication error will occur." Ignored commands count too.
    event = default_event()
    event["user"]["enrolledFactors"] = [{"type": "otp"}]
    four = "api.authentication.challengeWith({type: 'otp'});" * 4
    assert run_actions(action(four), event=event).verdict == "mfa"
    five = run_actions(action(four), action("api.authentication.challengeWithAny([{type: 'otp'}]);"),
                       event=event)
    assert five.error is not None and five.error["name"] == "MfaCommandLimitExceeded"
    assert five.error["rule"] == "action2"
    assert five.extra["mfa_factors"]["commands"] == 5

def test_session_revoke_denies_and_stops_the_flow(run_actions: Run) -> None:
    # "Revoke the current user session and mark the current login attempt as denied ... no
    # further Actions will be executed."
    outcome = run_actions(action("api.session.revoke('stolen session', {preserveRefreshTokens: true});"),
                          action("api.idToken.setCustomClaim('later', true);"))
    assert outcome.verdict == "denied"
    assert outcome.denied == {"message": "stolen session", "rule": "action1", "call": "session.revoke"}
    assert outcome.rules_run == ["action1"]


def test_refresh_token_revoke_denies_only_a_refresh_token_exchange(run_actions: Run) -> None:
    # "This method can be used only during Refresh Token Exchange flow".
    revoke = action("api.refreshToken.revoke('compromised');")
    refresh = default_event(protocol="oauth2-refresh-token")
    outcome = run_actions(revoke, event=refresh)
    assert outcome.denied == {"message": "compromised", "rule": "action1", "call": "refreshToken.revoke"}
    outcome = run_actions(revoke)
    assert outcome.error is not None and "oauth2-refresh-token" in outcome.error["message"]
    outcome = run_actions(action("api.refreshToken.setExpiresAt(Date.now() + 1000);"
                                 " api.refreshToken.setMetadata('k', 'v');"), event=refresh)
    assert outcome.verdict == "allowed"
    assert [c["call"] for c in outcome.extra["api_calls"]] == [
        "refreshToken.setExpiresAt", "refreshToken.setMetadata"]


def test_validation_error_denies_with_its_code(run_actions: Run) -> None:
    outcome = run_actions(action("api.validation.error('bad_domain', 'Use your work e-mail');"),
                          action("api.multifactor.enable('any');"))
    assert outcome.denied == {"message": "Use your work e-mail", "rule": "action1",
                              "call": "validation.error", "code": "bad_domain"}
    assert outcome.rules_run == ["action1"]


def test_documented_members_that_change_no_verdict_are_recorded(run_actions: Run) -> None:
    outcome = run_actions(action(
        "api.samlResponse.setAttribute('http://schemas.example.com/role', 'admin');"
        " api.samlResponse.setEncryptionAlgorithm('aes256-gcm');"
        " api.session.setCookieMode('non-persistent');"
        " api.idToken.setCustomClaim('ran_rule', api.rules.wasExecuted('rul_123'));"))
    assert outcome.verdict == "allowed"
    assert outcome.id_token_claims == {"ran_rule": False}  # Rules no longer run (EOL 2026-11-18)
    assert [c["call"] for c in outcome.extra["api_calls"]] == [
        "samlResponse.setAttribute", "samlResponse.setEncryptionAlgorithm",
        "session.setCookieMode", "rules.wasExecuted", "idToken.setCustomClaim"]


def test_a_claim_json_cannot_hold_is_left_out_of_the_token(run_actions: Run) -> None:
    # A token is JSON: JSON.stringify leaves out an undefined (or function) value, so the claim
    # is absent, not null (a newcomer's `setCustomClaim(ns, um.department)` read as null).
    outcome = run_actions(
        action("api.idToken.setCustomClaim('https://x/a', 'set');"
               " api.accessToken.setCustomClaim('https://x/f', () => 1);"),
        action("api.idToken.setCustomClaim('https://x/a', undefined);"
               " api.idToken.setCustomClaim('https://x/n', null);"))
    assert outcome.id_token_claims == {"https://x/n": None}
    assert outcome.access_token_claims == {}


def test_restricted_claims_are_dropped_from_action_tokens(run_actions: Run) -> None:
    outcome = run_actions(action("api.idToken.setCustomClaim('sub', 'auth0|x');"
                                 " api.idToken.setCustomClaim('https://ai.example.com/roles', ['a']);"
                                 " api.accessToken.setCustomClaim('aud', 'https://other.example.com');"
                                 " api.accessToken.setCustomClaim('urn:auth0:x', 1);"))
    assert outcome.id_token_claims == {"https://ai.example.com/roles": ["a"]}
    assert outcome.access_token_claims == {}
    assert [(d["claim"], d["reason"]) for d in outcome.extra["dropped_claims"]] == [
        ("sub", "restricted claim"), ("aud", "restricted claim"), ("urn:auth0:x", "Auth0 namespace")]


def test_transaction_metadata_updates_in_real_time_and_reaches_later_actions(run_actions: Run) -> None:
    # "Metadata modified using this method is updated in real-time in the
    # event.transaction.metadata object."
    outcome = run_actions(
        action("api.idToken.setCustomClaim('before', event.transaction.metadata);"
               " api.transaction.setMetadata('risk', 'high');"
               " api.idToken.setCustomClaim('after', event.transaction.metadata.risk);"),
        action("api.idToken.setCustomClaim('next', event.transaction.metadata);"))
    assert outcome.id_token_claims == {"before": {}, "after": "high", "next": {"risk": "high"}}


def test_metadata_set_by_an_action_is_seen_by_the_next_actions_not_by_itself(
        run_actions: Run) -> None:
    # Auth0 support, "Different Strategies to Update User Metadata in Post-Login Action":
    # "between actions, we use a sort of 'optimistic' update to the event object that
    # propagates through the pipeline" (set*Metadata, not direct changes to event.user).
    event = default_event()
    event["user"]["app_metadata"] = {"plan": "free", "keep": 1}
    outcome = run_actions(
        action("api.user.setAppMetadata('plan', 'pro'); api.user.setUserMetadata('t', {a: 1});"
               " api.user.setAppMetadata('keep', null);"
               " event.user.app_metadata.direct = true;"
               " api.idToken.setCustomClaim('own', event.user.app_metadata);"),
        action("api.idToken.setCustomClaim('next', [event.user.app_metadata,"
               " event.user.user_metadata]); event.user.user_metadata.t.a = 2;"),
        action("api.idToken.setCustomClaim('last', event.user.user_metadata.t);"),
        event=event)
    assert outcome.error is None
    assert outcome.id_token_claims["own"] == {"plan": "free", "keep": 1, "direct": True}
    assert outcome.id_token_claims["next"] == [{"plan": "pro"}, {"t": {"a": 1}}]
    assert outcome.id_token_claims["last"] == {"a": 1}  # a change to event.user is not carried


def test_a_resumed_leg_sees_the_metadata_its_first_leg_set(tmp_path: Path) -> None:
    # An ask-once consent: without this, the resumed leg's check read the old profile.
    from dataclasses import replace
    source = ("exports.onExecutePostLogin = async (event, api) => {\n"
              "  api.user.setAppMetadata('asked', true);\n"
              "  api.redirect.sendUserTo('https://ai.example.com/consent');\n};\n"
              "exports.onContinuePostLogin = async (event, api) => {\n"
              "  api.idToken.setCustomClaim('asked', event.user.app_metadata.asked === true);\n};\n")
    (tmp_path / "ask.js").write_text(source)
    ask = replace(load_rule_file(tmp_path / "ask.js"), kind="action")
    with ActionsRuntime([ask]) as runtime:
        leg = runtime.run()
        assert runtime.run(resume=leg).id_token_claims == {"asked": True}
        assert runtime.run(resume="ask").id_token_claims == {"asked": False}  # no first leg


def test_cache_lifetimes_never_exceed_24_hours(run_actions: Run) -> None:
    # "Lifetimes may not exceed the maximum duration" of "24 hours" (Actions Limitations)
    outcome = run_actions(action(
        "api.idToken.setCustomClaim('r', [api.cache.set('a', 'v', {ttl: 7 * 86400000}),"
        " api.cache.set('b', 'v', {expires_at: Date.now() + 86400000 * 30}),"
        " api.cache.set('c', 'v', {ttl: 1000})].map(r => r.record.expires_at - Date.now()));"),
        now="2026-11-28T10:00:00Z")
    assert outcome.id_token_claims == {"r": [86400000, 86400000, 1000]}


def test_cache_set_returns_the_record(run_actions: Run) -> None:
    outcome = run_actions(action("api.idToken.setCustomClaim('r', api.cache.set('k', 'v', {ttl: 1000}));"),
                          now="2026-11-28T10:00:00Z")
    assert outcome.id_token_claims == {"r": {"type": "success", "record": {
        "value": "v", "expires_at": 1795860001000}}}



@pytest.mark.parametrize(("setup", "key", "value", "code"), [
    # Actions Limitations, "Cached data": keys "a maximum size of 64 bytes", values "a maximum
    # size of 4kB", "The cumulative size of cached keys and their values must not exceed 8kB",
    # "A maximum of 20 entries can be cached per Trigger".
    ("", "'k'.repeat(65)", "'v'", "key_too_large"),
    ("", "'é'.repeat(33)", "'v'", "key_too_large"),  # bytes, not characters
    ("", "'k'", "'v'.repeat(4097)", "value_too_large"),
    ("api.cache.set('a', 'v'.repeat(4000)); api.cache.set('b', 'v'.repeat(4000));",
     "'c'", "'v'.repeat(500)", "cache_full"),
    ("for (let i = 0; i < 20; i++) api.cache.set('k' + i, 'v');", "'k20'", "'v'",
     "too_many_entries"),
])
def test_cache_limits_refuse_a_write_with_an_error_result(run_actions: Run, setup: str, key: str,
                                                          value: str, code: str) -> None:
    # A refused write "you will receive CacheWriteError" (post-login API object): a result,
    # not an exception; the value is not cached.
    outcome = run_actions(action(
        f"{setup} const r = api.cache.set({key}, {value});"
        f" api.idToken.setCustomClaim('r', [r, api.cache.get({key}) === undefined]);"))
    assert outcome.error is None
    assert outcome.id_token_claims == {"r": [{"type": "error", "code": code}, True]}


@pytest.mark.parametrize(("setup", "key", "value"), [
    ("", "'k'.repeat(64)", "'v'.repeat(4096)"),  # at the limits
    ("for (let i = 0; i < 20; i++) api.cache.set('k' + i, 'v');", "'k19'", "'w'"),  # replaces
    ("for (let i = 0; i < 20; i++) api.cache.set('k' + i, 'v', {ttl: 1});"
     " const until = Date.now() + 5; while (Date.now() < until) {}", "'k20'", "'v'"),  # expired
])
def test_cache_writes_within_the_limits_succeed(run_actions: Run, setup: str, key: str,
                                                value: str) -> None:
    outcome = run_actions(action(
        f"{setup} api.idToken.setCustomClaim('r', api.cache.set({key}, {value}).type);"))
    assert outcome.id_token_claims == {"r": "success"}, outcome.error

TOS = ("exports.onExecutePostLogin = async (event, api) => {\n"
       "  api.idToken.setCustomClaim('can', api.redirect.canRedirect());\n"
       "  api.redirect.sendUserTo('https://ai.example.com/tos');\n};\n"
       "exports.onContinuePostLogin = async (event, api) => {\n"
       "  api.authentication.recordMethod('https://ai.example.com/tos');\n"
       "  api.user.setAppMetadata('tos', true);\n};\n")
LATER = action("api.multifactor.enable('any');")


def test_a_redirect_suspends_the_flow_until_the_user_comes_back(tmp_path: Path) -> None:
    # "The Actions pipeline is suspended after that Action completes its execution ... will
    # resume in the same Action that issued the redirect" (Redirect with Actions).
    from dataclasses import replace
    artifacts = []
    for name, source in (("first", action("api.idToken.setCustomClaim('first', true);")),
                         ("tos", TOS), ("later", LATER)):
        (tmp_path / f"{name}.js").write_text(source)
        artifacts.append(replace(load_rule_file(tmp_path / f"{name}.js"), kind="action"))
    with ActionsRuntime(artifacts) as runtime:
        leg = runtime.run()
        assert leg.rules_run == ["first", "tos"]
        assert leg.redirect is not None and leg.mfa is None
        assert leg.id_token_claims == {"first": True, "can": True}
        back = runtime.run(resume=True)
        assert back.rules_run == ["tos", "later"]  # first ran in the first leg
        assert back.verdict == "mfa" and back.redirect is None
        assert back.app_metadata_updates[0]["metadata"] == {"tos": True}
        assert runtime.run(resume="tos").rules_run == ["tos", "later"]
        with pytest.raises(InputError, match="no Action of that name"):
            runtime.run(resume="nope")
        wrong = runtime.run(resume="first")
        assert wrong.error is not None and "does not export onContinuePostLogin" in wrong.error["message"]
        with pytest.raises(InputError):
            runtime.run(resume=1)  # type: ignore[arg-type]


def test_a_redirect_in_a_silent_login_is_interaction_required(run_actions: Run) -> None:
    # Post-login v3 release notes: sendUserTo no longer skips the redirect in non-interactive
    # flows (prompt=none); it triggers an interaction_required error.
    event = default_event()
    event["request"]["query"]["prompt"] = "none"
    outcome = run_actions(TOS, event=event)
    assert outcome.error is not None and outcome.error["name"] == "interaction_required"
    assert outcome.redirect is None
    assert run_actions(action("api.idToken.setCustomClaim('can', api.redirect.canRedirect());"),
                       event=event).id_token_claims == {"can": False}
    assert run_actions(TOS).error is None  # an interactive login redirects


def test_a_redirect_where_auth0_cannot_redirect_fails_the_login(run_actions: Run) -> None:
    # "Redirect Actions won't work with: Resource Owner endpoint, Password exchange, Refresh
    # Token exchange ... this will also fail if attempting to redirect."
    for protocol in ("oauth2-refresh-token", "oauth2-resource-owner", "oauth2-password"):
        outcome = run_actions(TOS, event=default_event(protocol=protocol))
        assert outcome.error is not None and protocol in outcome.error["message"]
        assert outcome.redirect is None
        # where: the redirect's line (a newcomer's error named no line)
        assert str(outcome.error.get("at", "")).endswith(".js:" + str(_line_of(TOS, "sendUserTo")))


def test_record_method_only_in_on_continue(run_actions: Run) -> None:
    outcome = run_actions(action("api.authentication.recordMethod('https://x.example.com');"))
    assert outcome.error is not None and "onContinuePostLogin" in outcome.error["message"]


def test_resume_without_a_continue_handler_is_an_error(run_actions: Run) -> None:
    outcome = run_actions(LATER, resume=True)  # no Action exports onContinuePostLogin
    assert outcome.error is not None
    assert "no Action exports onContinuePostLogin" in outcome.error["message"]


def test_resuming_from_the_first_leg_keeps_what_it_decided(tmp_path: Path) -> None:
    # Auth0 keeps the transaction across the redirect: MFA enabled before it is still "deferred
    # to the end of the login flow", claims are issued "upon completion of the login flow".
    from dataclasses import replace
    artifacts = []
    for name, source in (("first", action("api.multifactor.enable('any');"
                                          " api.idToken.setCustomClaim('first', true);")),
                         ("tos", TOS), ("later", action("api.idToken.setCustomClaim('later', 1);")),
                         ("also", "exports.onExecutePostLogin = async () => {};\n"
                                  "exports.onContinuePostLogin = async () => {};\n")):
        (tmp_path / f"{name}.js").write_text(source)
        artifacts.append(replace(load_rule_file(tmp_path / f"{name}.js"), kind="action"))
    with ActionsRuntime(artifacts) as runtime:
        leg = runtime.run()
        assert leg.extra["suspended"] and leg.rules_run == ["first", "tos"]
        assert "the flow resumes when the user comes back" in leg.summary()
        back = runtime.run(resume=leg)
        assert back.rules_run == ["tos", "later", "also"] and not back.extra.get("suspended")
        assert back.mfa is not None and back.mfa["rule"] == "first"
        assert back.id_token_claims == {"first": True, "can": True, "later": 1}
        assert back.app_metadata_updates[0]["metadata"] == {"tos": True}
        # Two Actions export onContinuePostLogin: which one redirected cannot be guessed.
        ambiguous = runtime.run(resume=True)
        assert ambiguous.error is not None and "ambiguous" in ambiguous.error["message"]
        whole = runtime.run_through()
        assert whole.verdict == "mfa" and whole.redirect == leg.redirect
        assert whole.id_token_claims == back.id_token_claims
        with pytest.raises(InputError, match="redirected"):
            runtime.run(resume=back)  # the second leg did not redirect


@pytest.mark.parametrize(("call", "problem"), [
    ("setMetadata('k', {a: 1})", "must be a string, number or boolean, not object"),
    ("setMetadata('k', [1])", "not an array"),
    ("setMetadata('x'.repeat(65), 1)", "keys are limited to 64 characters"),
    ("setMetadata('k', 'é'.repeat(4097))", "values are limited to 8 KB, this one has 8194 bytes"),
    ("setMetadata('a', 'x'.repeat(8000)); api.transaction.setMetadata('b', 'y'.repeat(8000)); "
     "api.transaction.setMetadata('c', 'z'.repeat(400))", "limited to 16 KB in all"),
    ("setMetadata('k', 2 ** 60)", "not a safe integer"),
])
def test_transaction_metadata_limits(run_actions: Run, call: str, problem: str) -> None:
    # Actions Limitations, "Transaction metadata": 64-character keys, 8 KB values of type
    # string, number or boolean, 16 KB in all, safe integers only.
    outcome = run_actions(action(f"api.transaction.{call};"))
    assert outcome.error is not None and problem in outcome.error["message"]


def test_transaction_metadata_within_the_limits(run_actions: Run) -> None:
    outcome = run_actions(action(
        "api.transaction.setMetadata('x'.repeat(64), 'é'.repeat(4096));"
        " api.transaction.setMetadata('n', 2 ** 53 - 1); api.transaction.setMetadata('b', false);"
        " api.transaction.setMetadata('x'.repeat(64), 'short');"
        " api.transaction.setMetadata('gone', null);"
        " api.idToken.setCustomClaim('m', Object.keys(event.transaction.metadata).length);"))
    assert outcome.error is None and outcome.id_token_claims == {"m": 3}


def test_set_primary_user_follows_auth0s_limits(run_actions: Run) -> None:
    # Actions Limitations, "Account Linking (setPrimaryUser)": 128 characters, once per
    # transaction, userMetadata of the same Action discarded, later Actions' kept for the new
    # primary user.
    linked = run_actions(
        action("api.user.setUserMetadata('lost', 1); api.user.setAppMetadata('kept', 1);"
               " api.authentication.setPrimaryUser('auth0|primary');"
               " api.user.setUserMetadata('lost_too', 2);"),
        action("api.user.setUserMetadata('theme', 'dark');"))
    assert linked.error is None
    me = default_event()["user"]["user_id"]
    assert linked.user_metadata_updates == [{"user_id": "auth0|primary",
                                             "metadata": {"theme": "dark"}}]
    assert linked.app_metadata_updates == [{"user_id": me, "metadata": {"kept": 1}}]
    twice = run_actions(action("api.authentication.setPrimaryUser('auth0|a');"),
                        action("api.authentication.setPrimaryUser('auth0|b');"))
    assert twice.error is not None and "once per transaction" in twice.error["message"]
    long = run_actions(action("api.authentication.setPrimaryUser('x'.repeat(129));"))
    assert long.error is not None and "up to 128 characters" in long.error["message"]


def test_a_silent_login_that_needs_mfa_fails(run_actions: Run) -> None:
    # Configure Silent Authentication (prompt=none shows no MFA prompt): the error, unless the
    # session passed MFA and the browser may be remembered; the page's own example skips
    # enable() when event.authentication.methods has 'mfa'.
    event = default_event()
    event["request"]["query"]["prompt"] = "none"
    always = action("api.multifactor.enable('any');")
    outcome = run_actions(always, event=event)
    assert outcome.error is not None and outcome.error["name"] == "login_required"
    assert outcome.mfa is None and outcome.verdict == "error"
    event["authentication"]["methods"].append({"name": "mfa", "timestamp": "2026-11-29T09:00:00.000Z"})
    assert run_actions(always, event=event).verdict == "error"  # allowRememberBrowser: false
    remembered = action("api.multifactor.enable('any', { allowRememberBrowser: true });")
    assert run_actions(remembered, event=event).verdict == "mfa"
    once_per_session = action(
        "if (!event.authentication?.methods.find((m) => m.name === 'mfa'))"
        " api.multifactor.enable('any');")
    assert run_actions(once_per_session, event=event).verdict == "allowed"
    # A token exchange goes to /oauth/token, which has no prompt: mfa_required (the MFA API),
    # not login_required, whatever the query says (a reviewer's refresh-token login).
    event["transaction"]["protocol"] = "oauth2-refresh-token"
    exchanged = run_actions(always, event=event)
    assert exchanged.verdict == "mfa" and exchanged.extra.get("mfa_api")


def test_mfa_in_a_refresh_token_exchange_is_required_through_the_mfa_api(run_actions: Run) -> None:
    # As for Rules (test_rules_runtime): the exchange gets mfa_required, not a prompt.
    event = default_event()
    event["transaction"]["protocol"] = "oauth2-refresh-token"
    outcome = run_actions(action("api.multifactor.enable('any');"), event=event)
    assert outcome.verdict == "mfa" and outcome.extra.get("mfa_api") is True
    assert run_actions(action("api.multifactor.enable('any');")).extra.get("mfa_api") is None


@pytest.mark.parametrize(("secrets", "limit"), [
    ({"K" * 129: "v"}, "names of at most 128"), ({"API_KEY": "v" * 4097}, "values of at most 4096")])
def test_secrets_past_auth0s_limits_are_refused(run_actions: Run, secrets: dict[str, str],
                                                limit: str) -> None:
    # Actions Limitations, "Secrets": keys of at most 128 characters, values of at most 4096.
    with pytest.raises(InputError, match=limit):
        run_actions(action("api.idToken.setCustomClaim('k', 1);"), secrets=secrets)
    at_the_limit = run_actions(action("api.idToken.setCustomClaim('k', event.secrets.API_KEY.length);"),
                               secrets={"API_KEY": "v" * 4096})
    assert at_the_limit.id_token_claims == {"k": 4096}


@pytest.mark.parametrize(("call", "factors", "verdict"), [
    # "You must enable and configure at least one independent factor to require MFA"; what
    # Auth0 does without one is not documented: rulekit fails the login (and the deploy refuses).
    ("api.multifactor.enable('any')", [], "error"),
    ("api.multifactor.enable('any')", ["email", "recovery-code"], "error"),
    ("api.multifactor.enable('any')", ["otp"], "mfa"),
    # the tenant model's [mfa] never enables Duo
    ("api.multifactor.enable('duo')", ["otp"], "error"),
    ("api.multifactor.enable('duo')", None, "mfa"),
    ("api.multifactor.enable('none')", [], "allowed"),
])
def test_mfa_needs_a_factor_the_tenant_enables(run_actions: Run, call: str,
                                               factors: list[str] | None, verdict: str) -> None:
    outcome = run_actions(action(f"{call};"), factors=factors)
    assert outcome.verdict == verdict, outcome.error
    if verdict == "error":
        assert outcome.error is not None and outcome.error["name"] == "MfaFactorUnavailable"


def test_push_and_push_notification_are_one_factor(run_actions: Run) -> None:
    # enrollWith's factor types list both `push` and `push-notification`: one factor.
    event = default_event()
    event["user"]["enrolledFactors"] = [{"type": "push-notification"}]
    outcome = run_actions(action("api.authentication.enrollWith({type: 'push'});"), event=event)
    assert outcome.error is not None and "already enrolled every requested factor" in \
        outcome.error["message"]


def test_the_runtime_knows_the_same_independent_factors_as_the_tenant_model() -> None:
    from toolkit._engine import load_runtime_js
    from toolkit._mfa import INDEPENDENT

    source = load_runtime_js("actions_harness.js")
    listed = source.split("const INDEPENDENT_FACTORS = [", 1)[1].split("]", 1)[0]
    assert tuple(name.strip(" '") for name in listed.split(",")) == INDEPENDENT


def test_the_tenant_model_knows_the_same_token_exchanges_as_the_runtime() -> None:
    # The matrix's "what the tenant's policy adds" skips the exchanges the harness gives no
    # prompt (common.js NO_REDIRECT): both lists must name the same protocols.
    from toolkit._engine import load_runtime_js
    from toolkit._mfa import TOKEN_EXCHANGES

    source = load_runtime_js("common.js")
    listed = source.split("const NO_REDIRECT = Object.freeze([", 1)[1].split("]", 1)[0]
    assert {name.strip(" '\n") for name in listed.split(",")} == TOKEN_EXCHANGES


def test_the_next_action_sees_the_challenge_in_authentication_methods(run_actions: Run) -> None:
    # "When an MFA challenge is performed, methods contains an object of name:mfa with type set
    # to the factor used for that challenge. methods is only updated when an Action begins. To
    # see the results of a challenge, methods must be accessed in the next Action in the flow"
    # (Customize MFA Selection for Universal Login).
    event = default_event()
    event["user"]["enrolledFactors"] = [{"type": "phone"}]
    probe = ("const mfa = (event.authentication?.methods || []).filter((m) => m.name === 'mfa');"
             " api.idToken.setCustomClaim('https://x/{}', mfa.map((m) => m.type));")
    outcome = run_actions(
        action("api.authentication.challengeWith({type: 'otp'}, {additionalFactors: "
               "[{type: 'phone'}]}); " + probe.format("same")),
        action(probe.format("next")), event=event)
    assert outcome.id_token_claims == {"https://x/same": [], "https://x/next": ["phone"]}
    # multifactor.enable is "deferred to the end of the login flow": no method for it
    outcome = run_actions(action("api.multifactor.enable('any');"), action(probe.format("next")),
                          event=event)
    assert outcome.id_token_claims == {"https://x/next": []}


def test_a_silent_login_is_seen_in_the_transactions_prompt_too(run_actions: Run) -> None:
    # event.transaction.prompt: "List of instructions indicating whether the user may be
    # prompted": an event built with only that (no query) is a silent login all the same.
    event = default_event()
    event["transaction"]["prompt"] = ["none"]
    outcome = run_actions(action("api.multifactor.enable('any');"), event=event)
    assert outcome.error is not None and outcome.error["name"] == "login_required"


def test_a_manifest_entry_sees_only_the_secrets_it_declares(tmp_path: Path) -> None:
    # The program deploys an entry's declared secrets only (Auth0 keeps secrets per Action):
    # an entry that declares none has none; a file outside the manifest sees all it is given.
    from dataclasses import replace

    path = tmp_path / "s.js"
    path.write_text(action("api.idToken.setCustomClaim('https://x/s', Object.keys(event.secrets));"))
    loose = replace(load_rule_file(path), kind="action")
    entry = replace(loose, template="rules_src/templates/s.js.j2")
    declared = replace(entry, secrets=("A",))
    import warnings

    for artifact, seen in ((loose, ["A", "B"]), (entry, []), (declared, ["A"])):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the undeclared ones are warned about (below)
            flow = ActionsRuntime([artifact], secrets={"A": "1", "B": "2"})
        with flow:
            assert flow.run().id_token_claims == {"https://x/s": seen}


def test_secrets_no_entry_declares_are_warned_about(tmp_path: Path) -> None:
    # A review: a --secrets file or rulekit_values for an entry that never declared them was
    # dropped without a word.
    from dataclasses import replace

    path = tmp_path / "w.js"
    path.write_text(action("api.idToken.setCustomClaim('https://x/s', Object.keys(event.secrets));"))
    entry = replace(load_rule_file(path), kind="action", template="rules_src/templates/w.js.j2",
                    secrets=("A",))
    with pytest.warns(UserWarning, match="declared by no manifest entry: B; the Actions do not"):
        ActionsRuntime([entry], secrets={"A": "1", "B": "2"}).close()


def _line_of(code: str, text: str) -> int:
    return next(n for n, line in enumerate(code.splitlines(), 1) if text in line)
