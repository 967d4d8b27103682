"""toolkit.properties: each property passes and fails when it should, and a failure report
carries the login as JSON, both decisions and a regression test that reproduces it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from toolkit import Artifact, Outcome, RulesRuntime, make_login, make_user
from toolkit.properties import (
    LoginRunner,
    Predicate,
    PropertyFailed,
    assert_callback_once,
    assert_denied_only_when,
    assert_denied_when,
    assert_deterministic,
    assert_mfa_monotonic,
    assert_mfa_not_dropped,
    assert_mfa_only_when,
    assert_mfa_when,
    assert_no_carryover,
    assert_no_error,
    email_domain,
    has_role,
    mfa_required,
    run_login,
    with_role,
)

Login = dict[str, Any]
MFA = {"provider": "any", "allowRememberBrowser": False, "rule": "r"}
ADMIN = make_login(user=make_user(app_metadata={"roles": ["admin"]}))
PLAIN = make_login()
IS_ADMIN = has_role("admin")


def by_roles(decide: Callable[[list[Any]], Outcome]) -> Callable[[Login], Outcome]:
    """A fake runner deciding from user.app_metadata.roles (no V8)."""
    def run(login: Login) -> Outcome:
        metadata = login["user"].get("app_metadata") or {}
        roles = metadata.get("roles") if isinstance(metadata, dict) else None
        return decide(roles if isinstance(roles, list) else [])
    return run


CORRECT = by_roles(lambda roles: Outcome("rule", mfa=MFA if "admin" in roles else None))
NEVER_MFA = by_roles(lambda roles: Outcome("rule"))
ALWAYS_MFA = by_roles(lambda roles: Outcome("rule", mfa=MFA))


def regression_fails(failure: PropertyFailed, runner: Callable[[Login], Outcome]) -> bool:
    """Paste the regression test into a module, run it with ``runner``: does it fail?"""
    namespace: dict[str, Any] = {}
    exec(compile(failure.regression, "<regression>", "exec"), namespace)
    [test] = [v for k, v in namespace.items() if k.startswith("test_")]
    try:
        test(rulekit_run=runner)
    except AssertionError:
        return True
    return False


def test_mfa_when() -> None:
    assert assert_mfa_when(CORRECT, ADMIN, IS_ADMIN).requires_mfa
    assert_mfa_when(NEVER_MFA, PLAIN, IS_ADMIN)
    with pytest.raises(PropertyFailed) as raised:
        assert_mfa_when(NEVER_MFA, ADMIN, IS_ADMIN)
    failure = raised.value
    text = str(failure)
    assert "MFA not required, but the login satisfies has_role('admin', source='app_metadata')" in text
    assert "expected: MFA required" in text and "actual:   ALLOWED without MFA" in text
    assert json.dumps(ADMIN, indent=2) in text
    assert failure.login == ADMIN
    assert "user=make_user(app_metadata={'roles': ['admin']})" in failure.regression
    # Marked with the kind it failed in: pasted beside a pipeline with Action-only entries, a
    # newcomer's regression test ran, and failed, for the Rules too.
    assert "import pytest\n" in failure.regression
    assert "@pytest.mark.rulekit_kinds('rule')\ndef test_mfa_when_regression_rule_" in \
        failure.regression
    assert regression_fails(failure, NEVER_MFA)
    assert not regression_fails(failure, CORRECT)


def test_a_blocked_login_satisfies_mfa_when() -> None:
    denied = by_roles(lambda roles: Outcome("rule", denied={"message": "no", "rule": "r"}))
    assert_mfa_when(denied, ADMIN, IS_ADMIN)


def test_mfa_only_when() -> None:
    assert_mfa_only_when(CORRECT, PLAIN, IS_ADMIN)
    with pytest.raises(PropertyFailed, match="MFA required, but the login does not satisfy") as raised:
        assert_mfa_only_when(ALWAYS_MFA, PLAIN, IS_ADMIN)
    assert regression_fails(raised.value, ALWAYS_MFA)
    assert not regression_fails(raised.value, CORRECT)


def test_provider_none_is_no_mfa() -> None:
    off = Outcome("action", mfa={"provider": "none"})
    assert not mfa_required(off)
    with pytest.raises(PropertyFailed):
        assert_mfa_when(lambda login: off, ADMIN, IS_ADMIN)


def test_denied_only_when() -> None:
    deny_all = by_roles(lambda roles: Outcome("rule", denied={"message": "x", "rule": "r"}))
    assert_denied_only_when(deny_all, ADMIN, IS_ADMIN)
    with pytest.raises(PropertyFailed, match="login denied, but it does not satisfy") as raised:
        assert_denied_only_when(deny_all, PLAIN, IS_ADMIN)
    assert regression_fails(raised.value, deny_all)


BLOCKLIST_RULE = """function (user, context, callback) {
  var domain = (user.email || '').split('@')[1];
  if (domain === 'blocked.example') {
    return callback(new UnauthorizedError('Logins from this email domain are not allowed.'));
  }
  callback(null, user, context);
}"""


def test_denied_when_catches_a_case_sensitive_blocklist_with_generated_logins() -> None:
    # A newcomer wrote "blocked => denied" by hand, without the shrunk report: now a property.
    from hypothesis import HealthCheck, given, settings

    from toolkit.strategies import dictionary_from, logins

    blocked = email_domain("blocked.example")
    runner = LoginRunner([Artifact(name="r", code=BLOCKLIST_RULE, kind="rule")])

    @settings(max_examples=300, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(logins(dictionary=dictionary_from(BLOCKLIST_RULE), adversarial=True))
    def blocked_logins_are_denied(login: Login) -> None:
        assert_denied_when(runner, login, blocked)

    with runner, pytest.raises(PropertyFailed, match="login not denied, but it satisfies "
                                                     "email_domain") as raised:
        blocked_logins_are_denied()
    email = raised.value.login["user"]["email"]
    assert email.strip().lower().endswith("@blocked.example") and not email.endswith(
        "@blocked.example")
    with runner:
        assert regression_fails(raised.value, runner)
        assert_denied_when(runner, make_login(user=make_user(email="eve@blocked.example")),
                           blocked)


@pytest.mark.parametrize(("email", "subdomains", "holds"), [
    ("eve@blocked.example", False, True), (" Eve@Blocked.EXAMPLE ", False, True),
    ("eve@mail.blocked.example", False, False), ("eve@mail.blocked.example", True, True),
    ("eve@notblocked.example", True, False), ("eve@blocked.example.evil.test", True, False),
    (None, False, False), (42, False, False), ("blocked.example", False, False)])
def test_email_domain_compares_domains_as_dns_does(email: Any, subdomains: bool,
                                                   holds: bool) -> None:
    login = make_login(user=make_user(email=email))
    assert email_domain("@Blocked.Example", subdomains=subdomains)(login) is holds


def test_auth0_refusing_a_silent_login_is_not_an_error_of_the_code() -> None:
    # prompt=none and MFA required: Auth0 answers login_required (the runtime says so); the
    # shipped "never errors" property failed on the real rule once silent logins were drawn.
    silent = Outcome("rule", error={"name": "login_required", "rule": "r", "message":
                                    "Multifactor authentication required in a non-interactive "
                                    "login (prompt=none): Auth0 cannot show the MFA prompt"})
    assert silent.silent_login_refused
    assert_no_error(lambda login: silent, ADMIN)
    thrown = Outcome("rule", error={"name": "login_required", "rule": "r", "message": "mine"})
    with pytest.raises(PropertyFailed):
        assert_no_error(lambda login: thrown, ADMIN)


def test_no_error_and_callback_once() -> None:
    crash = by_roles(lambda roles: Outcome("rule", error={"name": "TypeError", "message": "x",
                                                          "rule": "r", "at": "r.js:3"}))
    twice = by_roles(lambda roles: Outcome("rule", error={"name": "CallbackError", "message": "x",
                                                          "rule": "r"}))
    assert_no_error(CORRECT, ADMIN)
    assert_callback_once(crash, ADMIN)  # an error, but not a callback one
    with pytest.raises(PropertyFailed, match=r"error at r\.js:3") as raised:
        assert_no_error(crash, ADMIN)
    assert regression_fails(raised.value, crash)
    with pytest.raises(PropertyFailed, match="exactly once") as raised:
        assert_callback_once(twice, ADMIN)
    assert regression_fails(raised.value, twice)


def test_deterministic() -> None:
    assert_deterministic(CORRECT, ADMIN, times=3)
    calls: list[int] = []

    def flip(login: Login) -> Outcome:
        calls.append(1)
        return Outcome("rule", mfa=MFA if len(calls) % 2 else None, logs=[str(len(calls))])

    with pytest.raises(PropertyFailed, match="two different outcomes") as raised:
        assert_deterministic(flip, ADMIN)
    assert "assert_deterministic(rulekit_run, login, times=10)" in raised.value.regression
    logs_only = by_roles(lambda roles: Outcome("rule", logs=[str(len(calls))]))
    assert_deterministic(logs_only, ADMIN)  # logs may carry timestamps


def test_monotonic() -> None:
    break_glass = by_roles(lambda roles: Outcome(
        "rule", mfa=MFA if "admin" in roles and "break_glass" not in roles else None))
    assert_mfa_monotonic(break_glass, ADMIN, "viewer")
    assert_mfa_monotonic(break_glass, PLAIN, "break_glass")  # no MFA to lose
    with pytest.raises(PropertyFailed, match="adding the role 'break_glass'") as raised:
        assert_mfa_monotonic(break_glass, ADMIN, ["viewer", "break_glass"])
    assert "with_role(login, 'break_glass', 'both')" in raised.value.regression
    assert regression_fails(raised.value, break_glass)
    assert not regression_fails(raised.value, CORRECT)
    noisy = {**ADMIN, "user": {**ADMIN["user"], "nickname": "jj", "locale": "de"}}
    with pytest.raises(PropertyFailed) as shrunk:  # shrunk like the other properties
        assert_mfa_monotonic(break_glass, noisy, "break_glass")
    assert shrunk.value.login == ADMIN and "nickname" not in shrunk.value.regression


# ------------------------------------------------------------------------ predicates, roles
@pytest.mark.parametrize(("roles", "holds"), [
    (["admin"], True), (["viewer", "admin"], True), ("admin", True), (["Admin"], False),
    (["admin "], False), ([["admin"]], False), ({"0": "admin"}, False), (None, False),
    ([1, None, "admin"], True),
])
def test_has_role_compares_exactly(roles: Any, holds: bool) -> None:
    assert IS_ADMIN(make_login(user=make_user(app_metadata={"roles": roles}))) is holds


def test_has_role_sources_and_combinators() -> None:
    rbac = make_login(roles=["admin"])
    assert has_role("admin", source="rbac")(rbac) and not IS_ADMIN(rbac)
    assert has_role("admin", source="either")(rbac)
    assert not has_role("admin", single_string=False)(
        make_login(user=make_user(app_metadata={"roles": "admin"})))
    combined = IS_ADMIN & ~has_role("x", source="rbac") | Predicate("never", lambda g: False)
    assert combined(ADMIN) and not combined(PLAIN)
    assert repr(combined) == ("((has_role('admin', source='app_metadata') & "
                              "~has_role('x', source='rbac')) | never)")
    with pytest.raises(ValueError, match="source='roles'"):
        has_role("admin", source="roles")  # type: ignore[arg-type]


@pytest.mark.parametrize(("app_metadata", "expected"), [
    ({"roles": ["a"]}, {"roles": ["a", "new"]}), ({"roles": "a"}, {"roles": ["a", "new"]}),
    ({}, {"roles": ["new"]}), (None, {"roles": ["new"]}), ({"roles": None}, {"roles": ["new"]}),
    ({"roles": 7}, {"roles": 7}),
])
def test_with_role_adds_without_removing(app_metadata: Any, expected: Any) -> None:
    login = make_login(user=make_user(app_metadata=app_metadata), roles=["x"])
    added = with_role(login, "new")
    assert added["user"]["app_metadata"] == expected
    assert added["roles"] == ["x", "new"]
    assert login["roles"] == ["x"]  # a copy
    assert with_role(login, "x", "rbac")["roles"] == ["x"]
    assert with_role(login, "new", "rbac")["user"]["app_metadata"] == app_metadata


# ---------------------------------------------------------------------- real pipelines (V8)
MFA_RULE = """function (user, context, callback) {
  var roles = (user.app_metadata && user.app_metadata.roles) || [];
  if (roles.indexOf('admin') !== -1) { context.multifactor = { provider: 'any' }; }
  callback(null, user, context);
}"""
DROP_RULE = """function (user, context, callback) {
  if (context.protocol === 'oauth2-refresh-token') { delete context.multifactor; }
  callback(null, user, context);
}"""
MFA_ACTION = """exports.onExecutePostLogin = async (event, api) => {
  if ((event.user.app_metadata.roles || []).includes('admin')) { api.multifactor.enable('any'); }
};"""


def test_mfa_not_dropped_names_the_rule_that_dropped_it() -> None:
    rules = [Artifact("mfa", MFA_RULE), Artifact("drop", DROP_RULE, order=1)]
    refresh = {**ADMIN, "protocol": "oauth2-refresh-token"}
    with LoginRunner(rules, now="2026-11-28T10:00:00Z") as runner:
        assert runner.names == ["mfa", "drop"]
        assert "admin" in runner.dictionary.strings
        assert_mfa_not_dropped(runner, ADMIN)
        assert_mfa_not_dropped(runner, refresh, by="mfa")  # removing 'mfa' removes MFA: fine
        with pytest.raises(PropertyFailed, match="rule 'drop' dropped the MFA") as raised:
            assert_mfa_not_dropped(runner, refresh)
        assert regression_fails(raised.value, runner)
        # shrunk like the other properties: a newcomer's regression test kept nine user fields
        noisy = {**refresh, "user": {**refresh["user"], "name": "Jane", "nickname": "jj",
                                     "locale": "de"}}
        with pytest.raises(PropertyFailed) as raised:
            assert_mfa_not_dropped(runner, noisy)
        assert raised.value.login == refresh, raised.value.login
        assert "nickname" not in raised.value.regression
        with pytest.raises(ValueError, match="no rule named 'nope'"):
            runner.without("nope")
    runner.close()  # closing twice is fine
    with pytest.raises(TypeError, match="needs a LoginRunner"):
        assert_mfa_not_dropped(CORRECT, ADMIN)  # type: ignore[arg-type]


def test_login_runner_runs_actions_and_run_login_serves_both_runtimes() -> None:
    action = Artifact("mfa", MFA_ACTION, kind="action")
    with LoginRunner([action]) as actions:
        assert actions.kind == "action"
        assert actions(ADMIN).requires_mfa and not actions(PLAIN).requires_mfa
        assert repr(actions) == "LoginRunner(actions: mfa)"
    with RulesRuntime([Artifact("mfa", MFA_RULE)]) as runtime:
        assert run_login(runtime, ADMIN).requires_mfa
        assert_mfa_when(lambda login: run_login(runtime, login), ADMIN, IS_ADMIN)


def test_the_module_exports_exactly_its_public_names() -> None:
    import toolkit

    assert set(toolkit.properties.__all__) == {
        "LoginRunner", "Predicate", "PropertyFailed", "assert_callback_once",
        "assert_denied_only_when", "assert_denied_when", "assert_deterministic",
        "assert_mfa_monotonic", "email_domain",
        "assert_mfa_not_dropped", "assert_mfa_only_when", "assert_mfa_when",
        "assert_no_carryover", "assert_no_error",
        "has_role", "mfa_required", "run_login", "with_role"}


LEAKY_RULE = """function (user, context, callback) {
  // caches the decision of the first login per application: a container-wide leak
  global.decided = global.decided || {};
  if (global.decided[context.clientID] === undefined) {
    global.decided[context.clientID] = ((user.app_metadata || {}).roles || []).indexOf('admin') !== -1;
  }
  if (global.decided[context.clientID]) context.multifactor = { provider: 'any' };
  callback(null, user, context);
}"""


def test_no_carryover_catches_a_decision_cached_in_global_and_its_regression_reproduces_it(
        ) -> None:
    leaky = Artifact("r", LEAKY_RULE)
    honest = Artifact("r", "function (user, context, callback) {\n"
                      "  global.logins = (global.logins || 0) + 1;  // state, but no decision\n"
                      "  if (((user.app_metadata || {}).roles || []).indexOf('admin') !== -1) {\n"
                      "    context.multifactor = { provider: 'any' };\n  }\n"
                      "  callback(null, user, context);\n}")
    other_user = make_login(user=make_user(user_id="auth0|other"))
    with LoginRunner([leaky]) as run, LoginRunner([honest]) as fixed:
        assert mfa_required(run(ADMIN))  # alone, in a new container, it is right
        assert_no_carryover(run, [ADMIN], ADMIN)
        with pytest.raises(PropertyFailed, match="after 2 earlier login") as raised:
            assert_no_carryover(run, [PLAIN, ADMIN], ADMIN)
        failure = raised.value
        assert "ALLOWED" in failure.actual and "MFA" in failure.expected
        assert "earlier = [" in failure.regression and "make_login()" in failure.regression
        assert regression_fails(failure, run)
        assert not regression_fails(failure, fixed)
        # State that decides nothing is fine (a cache keyed by user would still be caught:
        # PLAIN and ADMIN are the same user, before and after the role was granted).
        assert_no_carryover(fixed, [other_user, PLAIN], ADMIN)
        assert mfa_required(run(ADMIN))  # the checks left the plain runner's container alone


def test_no_carryover_needs_a_login_runner() -> None:
    with pytest.raises(TypeError, match="LoginRunner"):
        assert_no_carryover(CORRECT, [PLAIN], ADMIN)  # type: ignore[arg-type]


def test_a_regression_test_names_only_the_fields_that_differ_deep_inside_a_part() -> None:
    # A login that differs from the default in one geoip field: the pasted test sets that field,
    # not the whole request (a newcomer's regression test spelled out all nine geoip fields).
    from toolkit import make_user
    from toolkit.properties import _regression
    login = make_login(user=make_user(app_metadata={"roles": "ai_system_admin"}))
    login["request"]["geoip"]["country_code"] = "KP"
    del login["request"]["geoip"]["city_name"]
    code = _regression("mfa_when", login, ["assert True"], ["mfa_required"])
    assert "    login['request']['geoip']['country_code'] = 'KP'\n" in code
    assert "    del login['request']['geoip']['city_name']\n" in code
    assert "'user_agent'" not in code  # the rest of the request is the default
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # the pasted test runs, and builds exactly the failing login
    body = code.split("-> None:\n")[1].replace("    assert True\n", "    return login\n")
    exec("def rebuilt():\n" + body, namespace)
    assert namespace["rebuilt"]() == login


def test_a_failure_is_reported_on_the_smallest_login_that_still_fails() -> None:
    # Fields that do not matter (a name, a protocol, a city) are put back to the default before
    # the report and the regression test are written: they name only the cause.
    from pathlib import Path

    from toolkit import load_rule_file
    from toolkit.properties import LoginRunner, PropertyFailed, assert_mfa_when, has_role
    root = Path(__file__).resolve().parents[2]
    broken = load_rule_file(root / "tests" / "rules" / "broken" / "ignores_string_role.js")
    login = make_login(user=make_user(app_metadata={"roles": "ai_system_admin"}, name="Zoë"),
                       protocol="samlp")
    login["request"]["geoip"]["city_name"] = "CH"
    with LoginRunner([broken]) as run, pytest.raises(PropertyFailed) as raised:
        assert_mfa_when(run, login, has_role("ai_system_admin"))
    assert raised.value.login == make_login(user=make_user(app_metadata={"roles": "ai_system_admin"}))
    assert "samlp" not in raised.value.regression and "CH" not in raised.value.regression
    # The login as it failed is shown too: a default value can trip another bug than the one
    # found, and the report must not lose the first.
    assert "The login as it failed, before the fields" in str(raised.value)
    assert '"protocol": "samlp"' in str(raised.value)


def test_a_regression_test_rebuilds_a_login_whose_connection_is_not_its_identitys() -> None:
    # Review of 2026-11-29: a google user shrunk to the default connection was rebuilt through
    # google-oauth2 (make_login now derives the connection from the identity).
    from toolkit._login import make_login, make_user
    from toolkit.properties import _login_expression

    user = make_user(identities=[{"connection": "google-oauth2", "provider": "google-oauth2",
                                  "user_id": "1", "isSocial": True}])
    for login in (make_login(user=user), {**make_login(user=user),
                                          "connection": make_login()["connection"]}):
        expression, used = _login_expression(login)
        namespace: dict[str, object] = {}
        exec("from toolkit import " + ", ".join(sorted(used)) + "\nlogin = "
             + expression.replace("\n    ", "\n"), namespace)
        assert namespace["login"] == login


def test_a_pipeline_without_the_entry_that_declares_a_secret_does_not_warn() -> None:
    # A newcomer's shipped test_no_rule_drops_mfa[action] failed under -W error: the pipeline
    # without the entry that declares a secret warned the secret was "declared by no entry".
    gate = Artifact(name="gate", kind="action", template="templates/gate.js.j2",
                    secrets=("BLOCKED",), code=(
                        "exports.onExecutePostLogin = async (event, api) => {\n"
                        "  if (event.secrets.BLOCKED === event.request.geoip.country_code) "
                        "api.access.deny('no');\n};"))
    mfa = Artifact(name="mfa", kind="action", template="templates/mfa.js.j2", code=(
        "exports.onExecutePostLogin = async (event, api) => { api.multifactor.enable('any'); };"))
    with LoginRunner([gate, mfa], values={"BLOCKED": "KP"}) as runner:
        assert_mfa_not_dropped(runner, ADMIN)  # runs the pipeline without each entry
        assert runner.without("gate").values == {}
        assert runner.without("mfa").values == {"BLOCKED": "KP"}


VERIFY = Artifact(name="verify", kind="action", code="""\
exports.onExecutePostLogin = async (event, api) => {
  if (!event.user.email_verified) api.redirect.sendUserTo('https://verify.example.com');
};
exports.onContinuePostLogin = async (event, api) => {%s};""")
ADMIN_MFA = Artifact(name="mfa", kind="action", code="""\
exports.onExecutePostLogin = async (event, api) => {
  if (((event.user.app_metadata || {}).roles || []).includes('admin')) {
    api.multifactor.enable('any');
  }
};""")


def test_properties_follow_a_redirect_through_the_users_return() -> None:
    # A newcomer's redirect (verify the email) before the MFA Action: the first leg waits for
    # the user, so "ALLOWED without MFA" was reported as a bypass. The runner now follows the
    # login through the return: the MFA Action runs then.
    unverified = make_login(user=make_user(email_verified=False,
                                           app_metadata={"roles": ["admin"]}))
    fine = replace(VERIFY, code=VERIFY.code % "")
    with LoginRunner([fine, ADMIN_MFA]) as runner:
        assert mfa_required(assert_mfa_when(runner, unverified, IS_ADMIN))
        assert runner(unverified).redirect is not None  # the first leg's redirect, kept
        assert_mfa_not_dropped(runner, unverified)
    with LoginRunner([fine, ADMIN_MFA], through=False) as first_leg_only:
        assert first_leg_only(unverified).extra.get("suspended")
    # and a bypass on the return is found: MFA asked first, turned off when the user is back
    skips = replace(VERIFY, code=VERIFY.code % "api.multifactor.enable('none');")
    with LoginRunner([ADMIN_MFA, skips]) as runner, pytest.raises(PropertyFailed):
        assert_mfa_when(runner, unverified, IS_ADMIN)


def test_many_on_a_warm_runner_follows_each_login_before_the_next() -> None:
    # A reviewer: with one container, all first legs then all returns changed the order in
    # which module state was changed, so many() differed from one by one.
    counter = Artifact(name="count", kind="action", code="""\
let n = 0;
exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('https://x/exec', ++n);
  if (!event.user.email_verified) api.redirect.sendUserTo('https://verify.example.com');
};
exports.onContinuePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('https://x/cont', ++n);
};""")
    logins = [make_login(user=make_user(email_verified=False)), make_login()]
    with LoginRunner([counter], warm=True) as one:
        single = [one(login).id_token_claims for login in logins]
    with LoginRunner([counter], warm=True) as batch:
        assert batch.many(logins)[1].id_token_claims == single[1] == {"https://x/exec": 3}
