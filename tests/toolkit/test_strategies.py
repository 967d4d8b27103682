"""toolkit.strategies: every generated login has Auth0's documented shapes, pins hold,
dictionary words and adversarial values occur, bad arguments are refused."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from tests.toolkit import auth0_shapes as shapes
from toolkit import ABSENT, make_login, make_user, to_action_shape, to_rule_shape
from toolkit._login import LOGIN_KEYS
from toolkit.properties import has_role
from toolkit.strategies import (
    PROTOTYPE_KEYS,
    Dictionary,
    contexts,
    dictionary_from,
    events,
    logins,
    roles,
    users,
)

T = TypeVar("T")
Login = dict[str, Any]
ROLE = "ai_system_admin"


def examples(strategy: st.SearchStrategy[T], n: int = 200) -> list[T]:
    """``n`` examples, the same on every run."""
    found: list[T] = []

    @settings(max_examples=n, derandomize=True, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), deadline=None)
    @given(strategy)
    def collect(value: T) -> None:
        found.append(value)

    collect()
    return found


def shape_problems(login: Login, *, strict: bool) -> list[str]:
    user, context = to_rule_shape(login)
    event = to_action_shape(login, {"API_KEY": "s3cret"})
    found = [] if set(login) == LOGIN_KEYS else [f"login keys: {sorted(login)}"]
    found += shapes.problems(user, shapes.RULE_USER, strict=strict, path="user")
    found += shapes.problems(context, shapes.CONTEXT, strict=strict, path="context")
    found += shapes.problems(event, shapes.EVENT, strict=strict, path="event")
    json.dumps(login, allow_nan=False)
    return found


# ------------------------------------------------------------------------ documented shapes
@settings(max_examples=150, deadline=None)
@given(logins(known_roles=[ROLE]))
def test_realistic_logins_have_every_documented_field(login: Login) -> None:
    assert shape_problems(login, strict=True) == []


@settings(max_examples=150, deadline=None)
@given(logins(known_roles=[ROLE], dictionary=["KP", "oauth2-magic-link", "x"], adversarial=True))
def test_adversarial_logins_keep_the_documented_types(login: Login) -> None:
    assert shape_problems(login, strict=False) == []


@settings(max_examples=50, deadline=None)
@given(users(), contexts(), events(secrets={"K": "v"}))
def test_users_contexts_and_events_are_auth0_shaped(user: dict[str, Any], context: dict[str, Any],
                                                    event: dict[str, Any]) -> None:
    assert shapes.problems(user, shapes.RULE_USER) == []
    assert shapes.problems(context, shapes.CONTEXT) == []
    assert shapes.problems(event, shapes.EVENT) == []
    assert event["secrets"] == {"K": "v"}


def test_the_shape_checker_notices_what_is_wrong() -> None:
    user, context = to_rule_shape(make_login())
    assert shapes.problems(user, shapes.RULE_USER) == []
    broken = {**user, "email": "not an email", "created_at": "yesterday", "extra": 1}
    assert len(shapes.problems(broken, shapes.RULE_USER)) == 3
    assert shapes.problems({**context, "protocol": 7}, shapes.CONTEXT) == [
        "$.protocol: string expected, got 7"]
    no_request = {k: v for k, v in context.items() if k != "request"}
    assert shapes.problems(no_request, shapes.CONTEXT, strict=True) == ["$.request: missing"]
    assert shapes.problems(no_request, shapes.CONTEXT, strict=False) == []


@pytest.mark.parametrize("adversarial", [False, True])
def test_failures_shrink_to_make_login_but_for_what_fails(adversarial: bool) -> None:
    # A shrunk login reads as make_login(<only what the failure needs>).
    found = find(logins(known_roles=[ROLE], adversarial=adversarial), has_role(ROLE),
                 settings=settings(database=None))
    assert found["user"]["app_metadata"]["roles"] in ([ROLE], ROLE)
    assert {**found, "user": {**found["user"], "app_metadata": {}}} == make_login()
    user = find(users(), lambda u: u["logins_count"] != 42, settings=settings(database=None))
    assert user == make_user(logins_count=0)


def test_realistic_values_vary() -> None:
    found = examples(logins(), 200)
    picks: list[Callable[[Login], Any]] = [
        lambda g: g["user"]["email"], lambda g: g["protocol"], lambda g: g["client"]["client_id"],
        lambda g: g["connection"]["name"],
        lambda g: (g["request"] or {}).get("geoip", {}).get("country_code")]
    for pick in picks:
        assert len({pick(login) for login in found}) >= 4
    assert any(len(g["user"]["identities"]) == 2 for g in found)  # linked accounts
    assert all(g["user"]["identities"][0]["connection"] == g["connection"]["name"] for g in found)
    assert all(g["stats"]["logins_count"] == g["user"]["logins_count"] for g in found)


# ------------------------------------------------------------------------------------ roles
def _metadata_roles(login: Login) -> Any:
    metadata = login["user"].get("app_metadata")
    return metadata.get("roles") if isinstance(metadata, dict) else None


def test_known_roles_appear_in_rbac_and_in_app_metadata_among_unknown_ones() -> None:
    found = examples(logins(known_roles=["ai_system_admin", "billing_admin"]), 300)
    rbac = [r for g in found for r in g["roles"]]
    metadata = [r for g in found if isinstance(_metadata_roles(g), list) for r in _metadata_roles(g)]
    for names in (rbac, metadata):
        assert {"ai_system_admin", "billing_admin"} <= set(names)
        assert set(names) - {"ai_system_admin", "billing_admin"}  # unknown roles too
    assert any(isinstance(_metadata_roles(g), str) for g in found)  # a lone role as a string
    assert any(set(g["roles"]) & set(_metadata_roles(g) or ()) for g in found)  # in both
    both = sum(ROLE in g["roles"] and ROLE in (_metadata_roles(g) or ()) for g in found)
    assert both > 0


def test_roles_strategy_gives_known_dictionary_and_odd_names() -> None:
    found = examples(roles(known_roles=[ROLE], dictionary=["break_glass"], adversarial=True), 300)
    assert {ROLE, "break_glass"} <= set(found)
    assert any(r != ROLE and r.lower() == ROLE for r in found)  # case variants
    assert any(r in PROTOTYPE_KEYS for r in found)


# ------------------------------------------------------------------------------------- pins
def test_plain_values_and_strategies_pin_parts() -> None:
    strategy = logins(roles=st.just(["admin"]), protocol="oauth2-refresh-token",
                      client={"client_id": "cid", "name": "CLI", "metadata": {}},
                      app_metadata_roles=st.sampled_from([["a"], "b"]), request=ABSENT,
                      adversarial=True)
    for login in examples(strategy, 60):
        assert login["roles"] == ["admin"]
        assert login["protocol"] == "oauth2-refresh-token"
        assert login["client"] == {"client_id": "cid", "name": "CLI", "metadata": {}}
        assert _metadata_roles(login) in (["a"], "b")
        assert login["request"] is None


def test_pinned_values_are_never_shared_between_examples() -> None:
    found = examples(logins(roles=["admin"]), 5)
    found[0]["roles"].append("mutated")
    assert found[1]["roles"] == ["admin"]


@pytest.mark.parametrize("source", ["app_metadata", "rbac", "either"])
def test_holding_builds_the_premise_of_a_property(source: Any) -> None:
    holds = has_role(ROLE, source=source)
    for adversarial in (False, True):
        strategy = logins(known_roles=[ROLE, "other_admin"], adversarial=adversarial,
                          holding=True, holding_source=source)
        assert all(has_role(ROLE, "other_admin", source=source)(g) for g in examples(strategy, 80))
        lacking = examples(logins(known_roles=[ROLE], adversarial=adversarial, holding=False,
                                  holding_source=source), 80)
        assert not any(holds(g) for g in lacking)
    assert all(has_role(ROLE)(make_login(user=u)) for u in examples(users(
        known_roles=[ROLE], holding=True, adversarial=True), 40))


def test_app_metadata_roles_absent_and_user_fields() -> None:
    for login in examples(logins(app_metadata_roles=ABSENT), 40):
        assert "roles" not in (login["user"].get("app_metadata") or {})
    for user in examples(users(email="ada@ai.example.com", given_name=ABSENT,
                               logins_count=st.integers(1, 3)), 40):
        assert user["email"] == "ada@ai.example.com"
        assert "given_name" not in user
        assert 1 <= user["logins_count"] <= 3


def test_tenant_clients_are_used() -> None:
    tenant = [{"client_id": "TenantCl1entId000000000000000001", "name": "Tenant app",
               "metadata": {"tier": "gold"}}]
    found = examples(logins(clients=tenant), 60)
    assert any(g["client"] == tenant[0] for g in found)


# ------------------------------------------------------------------------------- dictionary
CODE = r"""
/* 'commented-out' */ // "also commented"
function (user, context, callback) {
  var ROLES = ['ai_system_admin', "Data\u0020Scientist", `tmpl-${user.x}-end`];
  if (context.clientID === 'internalDashboardCl1entId000042' && context.protocol !== "oauth2-device-code") {}
  if (context.request && context.request.geoip.country_code === 'KP') {}
  if (user.app_metadata.tier === 'gold' && context.stats.loginsCount > 0x10) {}
  var ratio = a / b / 2.5e3, re = /it's [/] "quoted"/g;
  callback(null, user, context);
}
"""


def test_dictionary_from_code_reads_literals_numbers_and_names() -> None:
    words = dictionary_from(CODE)
    assert {"ai_system_admin", "Data Scientist", "tmpl-", "-end", "internalDashboardCl1entId000042",
            "oauth2-device-code", "KP", "gold"} <= set(words.strings)
    assert not {"commented-out", "also commented", "it's [/] \"quoted\""} & set(words.strings)
    assert {16, 2500.0} <= set(words.numbers)
    assert {"tier", "loginsCount", "country_code"} <= set(words.names)
    assert words.metadata_keys == ("tier",)
    assert "indexOf" not in words.names


def test_dictionary_reads_metadata_keys_through_a_local_name() -> None:
    # A newcomer's `const um = event.user.user_metadata || {}; um.department` gave no metadata
    # key, so the generator almost never set user_metadata.department.
    words = dictionary_from("""
        exports.onExecutePostLogin = async (event, api) => {
          const um = event.user.user_metadata || {};
          const { tier, level: lv } = event.user.app_metadata;
          const roles = event.user.app_metadata.roles;
          const first = roles[0];
          if (typeof um.department === "string") api.idToken.setCustomClaim("x", um["team"]);
          if (first.kind) api.access.deny("no");
          if (um.hasOwnProperty("x") || Object.keys(um).some((k) => k)) api.access.deny("no");
          if ((event.user.app_metadata || {}).suspended === true) api.access.deny("no");
          if ((event.client.metadata ?? {})["tier2"]) api.access.deny("no");
          if ((event.user.app_metadata.roles || []).length > 3) api.access.deny("no");
          if (pick(event.user.app_metadata).other) api.access.deny("no");
        };""")
    assert words.metadata_keys == ("department", "level", "roles", "suspended", "team", "tier",
                                   "tier2")
    chained = dictionary_from("const um = event.user.user_metadata; const { dept } = um;"
                              " const { user_metadata: { floor } } = event.user;")
    assert {"dept"} <= set(chained.metadata_keys)


def test_dictionary_words_occur_where_the_code_compares_them() -> None:
    found = examples(logins(dictionary=dictionary_from(CODE)), 300)
    assert any("Data Scientist" in g["roles"] for g in found)
    assert any(g["client"]["client_id"] == "internalDashboardCl1entId000042" for g in found)
    assert any(g["protocol"] == "oauth2-device-code" for g in found)
    assert any((g["request"] or {}).get("geoip", {}).get("country_code") == "KP" for g in found)
    assert any("tier" in (g["user"].get("app_metadata") or {}) for g in found)
    assert any(g["stats"]["logins_count"] in (15, 16, 17) for g in found)


def test_dictionaries_merge_and_accept_plain_words() -> None:
    merged = Dictionary.of(["b", "a"]) | Dictionary.of(["c"], numbers=[1])
    assert merged.strings == ("a", "b", "c") and merged.numbers == (1,)
    assert not Dictionary()
    assert examples(logins(dictionary=["only-word"]), 1)


# ------------------------------------------------------------------------------ adversarial
ODDITIES: dict[str, Callable[[Login], bool]] = {
    "app_metadata missing": lambda g: "app_metadata" not in g["user"],
    "app_metadata null": lambda g: "app_metadata" in g["user"] and g["user"]["app_metadata"] is None,
    "roles as a string": lambda g: isinstance(_metadata_roles(g), str),
    "roles of another type": lambda g: isinstance(_metadata_roles(g), int | dict),
    "case variant": lambda g: any(isinstance(r, str) and r != ROLE and r.lower() == ROLE
                                  for r in [*(g["roles"] or []), *(_metadata_roles(g) or [])]),
    "whitespace variant": lambda g: any(isinstance(r, str) and r != ROLE and r.strip() == ROLE
                                        for r in [*(g["roles"] or []), *(_metadata_roles(g) or [])]),
    "look-alike": lambda g: any(isinstance(r, str) and not r.isascii() for r in g["roles"] or []),
    "no authorization": lambda g: g["roles"] is None,
    "very long string": lambda g: len(json.dumps(g)) > 5000,
    "deep nesting": lambda g: '[[[[[[[[[[' in json.dumps(g) or '{"a": {"a": {"a": {"a"' in json.dumps(g),
    "__proto__ key": lambda g: '"__proto__"' in json.dumps(g),
    "constructor key": lambda g: '"constructor"' in json.dumps(g),
    "no request": lambda g: g["request"] is None,
    "empty request": lambda g: g["request"] == {},
    "no authentication": lambda g: g["authentication"] is None,
    "redirect-callback": lambda g: g["protocol"] == "redirect-callback",
    "missing profile field": lambda g: "given_name" not in g["user"] or "email" not in g["user"],
    "null user_metadata": lambda g: g["user"].get("user_metadata", {}) is None,
}


def test_adversarial_mode_produces_every_oddity() -> None:
    found = examples(logins(known_roles=[ROLE], adversarial=True), 1000)
    missing = [name for name, seen in ODDITIES.items() if not any(seen(g) for g in found)]
    assert missing == []


def test_realistic_mode_produces_none_of_them() -> None:
    found = examples(logins(known_roles=[ROLE]), 200)
    realistic_too = {"roles as a string", "app_metadata missing"}  # documented, and common
    seen = {name for name, check in ODDITIES.items() for g in found if check(g)}
    assert seen <= realistic_too


# -------------------------------------------------------------------------------- arguments
@pytest.mark.parametrize(("call", "shown"), [
    (lambda: logins(protocol=3), "protocol=3"),
    (lambda: logins(roles="admin"), "roles='admin'"),
    (lambda: logins(roles=["a", 1]), "roles=['a', 1]"),
    (lambda: logins(client={"name": "x"}), "client={'name': 'x'}"),
    (lambda: logins(request={"x": object()}), "request={'x': <object"),
    (lambda: logins(known_roles="admin"), "known_roles='admin'"),
    (lambda: logins(known_roles=["a", 2]), "known_roles=['a', 2]"),  # type: ignore[list-item]
    (lambda: logins(dictionary=5), "dictionary=5"),  # type: ignore[arg-type]
    (lambda: logins(adversarial="yes"), "adversarial='yes'"),  # type: ignore[arg-type]
    (lambda: logins(clients=[{"name": "x"}]), "clients=[{'name': 'x'}]"),
    (lambda: logins(user={}, app_metadata_roles=["a"]), "app_metadata_roles=['a']"),
    (lambda: logins(stats=ABSENT), "stats=ABSENT"),
    (lambda: users(roles=["a"]), "roles=['a']"),
    (lambda: users(favourite_colour="blue"), "favourite_colour='blue'"),
    (lambda: users(app_metadata={}, app_metadata_roles=["a"]), "app_metadata_roles=['a']"),
    (lambda: users(email=object()), "email=<object"),
    (lambda: events(secrets={"a": 1}), "secrets={'a': 1}"),  # type: ignore[dict-item]
    (lambda: roles(known_roles=7), "known_roles=7"),  # type: ignore[arg-type]
    (lambda: logins(holding=True), "holding=True"),
    (lambda: logins(known_roles=["a"], holding="yes"), "holding='yes'"),  # type: ignore[arg-type]
    (lambda: logins(known_roles=["a"], holding=True, holding_source="x"),  # type: ignore[arg-type]
     "holding_source='x'"),
    (lambda: logins(known_roles=["a"], holding=True, roles=["a"]), "holding=True"),
    (lambda: users(known_roles=["a"], holding=False, app_metadata_roles=[]), "holding=False"),
])
def test_bad_arguments_are_invalid_and_show_the_value(call: Callable[[], object], shown: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        call()
    assert shown in str(raised.value)


def test_users_roles_argument_points_to_the_right_one() -> None:
    with pytest.raises(InvalidArgument, match="app_metadata_roles"):
        users(roles=["a"])


def test_strategies_are_built_once_per_arguments() -> None:
    assert logins(known_roles=["a"], adversarial=True) is logins(known_roles=["a"], adversarial=True)
    assert logins(known_roles=["a"]) is not logins(known_roles=["b"])
    assert logins(roles=st.just(["x"])) is not None  # strategies as arguments are fine too


def test_the_module_exports_exactly_its_public_names() -> None:
    import toolkit

    assert "strategies" in toolkit.__all__ and "properties" in toolkit.__all__
    assert set(toolkit.strategies.__all__) == {
        "Dictionary", "contexts", "dictionary_from", "events", "logins", "roles", "users"}


# Auth0's documented codes per check (post-login event object, riskAssessment.assessments).
_DOCUMENTED_CODES = {
    "NewDevice": {"match", "partial_match", "no_match", "initial_login", "unknown_device",
                  "no_device_history", "assessment_not_available"},
    "ImpossibleTravel": {"minimal_travel_from_last_login", "travel_from_last_login",
                         "substantial_travel_from_last_login",
                         "impossible_travel_from_last_login", "invalid_travel", "missing_geoip",
                         "anonymous_proxy", "unknown_location", "initial_login",
                         "location_history_not_found", "assessment_not_available"},
    "UntrustedIP": {"not_found_on_deny_list", "found_on_deny_list", "invalid_ip_address",
                    "assessment_not_available"},
}


def test_risk_assessments_use_auth0s_codes_and_vary_per_check() -> None:
    from toolkit.strategies import logins

    seen: dict[str, set[str]] = {check: set() for check in _DOCUMENTED_CODES}

    @settings(max_examples=400, database=None, derandomize=True)
    @given(logins())
    def check(login: dict[str, Any]) -> None:
        risk = login.get("risk_assessment")
        if risk is None:
            return
        for name, item in risk["assessments"].items():
            assert item["code"] in _DOCUMENTED_CODES[name], (name, item)
            # "a low confidence score if there is any sort of failure"
            assert item["code"] != "assessment_not_available" or item["confidence"] == "low"
            seen[name].add(item["code"])
        rated = [a["confidence"] for a in risk["assessments"].values()]
        assert risk["confidence"] == min(rated, key=["low", "medium", "high"].index)

    check()
    assert all(len(codes) == 4 for codes in seen.values()), seen


def test_the_codes_role_names_are_drawn_as_roles_often() -> None:
    # A newcomer's rule asked MFA of a second role the property did not expect: among the
    # dictionary's many words that role was drawn too rarely for a default run to notice.
    from toolkit._dictionary import Dictionary, dictionary_from

    code = ("const mfaRoles = ['ai_system_admin', 'ai_model_operator'];\n"
            "const blocked = ['KP', 'IR', 'SY', 'CU'];\n"
            "if (event.user.app_metadata.roles.includes('ai_auditor')) {}\n")
    found = dictionary_from(code)
    assert set(found.roles) == {"ai_system_admin", "ai_model_operator", "ai_auditor"}
    assert "KP" in found.strings and "KP" not in found.roles
    words = found | Dictionary.of([f"word{i}" for i in range(40)])

    def operators(dictionary: Dictionary) -> int:
        drawn = examples(logins(known_roles=[ROLE], dictionary=dictionary, adversarial=True,
                                holding=False), 400)
        return sum("ai_model_operator" in json.dumps([login["roles"],
                                                      login["user"].get("app_metadata")])
                   for login in drawn)

    # the same words, none known as a role: the operator is one word among 47
    with_roles, without = operators(words), operators(Dictionary.of(words.strings))
    assert with_roles >= 30 and with_roles >= 5 * max(without, 1), (with_roles, without)


def test_emails_are_drawn_at_the_domains_and_addresses_the_code_names() -> None:
    # A newcomer's blocklist of email domains was never reached: every generated email was at
    # one of four fixed domains, so fuzzing, equiv and diff never saw a denied login.
    code = ("const blocked = ['blocked.example', '@evil.com'];\n"
            "if (event.user.email === 'ops@ai.example.com') {}\n")
    dictionary = dictionary_from(code)
    plain = [login["user"].get("email") for login in examples(logins(dictionary=dictionary), 300)]
    assert any(e is not None and e.endswith("@blocked.example") for e in plain)
    assert any(e is not None and e.endswith("@mail.evil.com") for e in plain)
    assert "ops@ai.example.com" in plain
    assert all(e is None or e == e.strip() for e in plain)  # realistic: no odd spellings
    odd = {login["user"].get("email") for login in examples(logins(
        dictionary=dictionary, adversarial=True), 600)}
    spellings = ("@BLOCKED.EXAMPLE", "@Blocked.Example", "@notblocked.example",
                 "@blocked.example.evil.test", "@evil.com ")
    drawn = [s for s in spellings if any(isinstance(e, str) and e.endswith(s) for e in odd)]
    assert len(drawn) >= 3, drawn
    from toolkit.strategies import _ODD_EMAIL_KINDS, _email_at
    assert [_email_at("eve", kind, "blocked.example") for kind in _ODD_EMAIL_KINDS] == [
        "EVE@BLOCKED.EXAMPLE", "Eve@Blocked.Example", " eve@blocked.example ",
        "eve@notblocked.example", "eve@blocked.example.evil.test"]
    # Code with no domain in it: the users' own realistic emails, as before.
    emails = [login["user"].get("email") for login in examples(logins(), 100)]
    assert all(e.split("@")[1] in ("example.com", "ai.example.com", "example.org",
                                   "mail.example.net") for e in emails), emails


def test_user_ids_the_code_names_are_drawn_with_their_identity() -> None:
    # A newcomer's break-glass bypass (user_id === 'auth0|breakglass-0001') passed every
    # shipped property: no generated user ever had that id.
    assert {"auth0|breakglass-0001", "samlp|acme|jdoe"} <= set(_ids_of(dictionary_from(
        "const ids = ['auth0|breakglass-0001', 'samlp|acme|jdoe', 'no pipe'];")))
    dictionary = dictionary_from("if (event.user.user_id === 'auth0|breakglass-0001') {}")
    found = [login["user"] for login in examples(logins(dictionary=dictionary), 200)]
    chosen = [user for user in found if user["user_id"] == "auth0|breakglass-0001"]
    assert len(chosen) >= 20
    assert all(user["identities"][0]["provider"] == "auth0"
               and user["identities"][0]["user_id"] == "breakglass-0001" for user in chosen)


def _ids_of(dictionary: Dictionary) -> list[str]:
    return [login["user"]["user_id"] for login in examples(logins(dictionary=dictionary), 200)]


def test_a_leading_dot_domain_is_drawn_as_a_domain() -> None:
    emails = [login["user"].get("email") for login in examples(logins(
        dictionary=dictionary_from("if (email.endsWith('.corp.com')) {}")), 200)]
    assert any(isinstance(e, str) and e.endswith("@mail.corp.com") for e in emails)


def test_a_metadata_flag_the_code_reads_is_often_true() -> None:
    # A newcomer's port denied suspended users only on database connections: equiv and the
    # property passed it, since `suspended: true` was drawn in 3 logins of 2,000.
    dictionary = dictionary_from("if (event.user.app_metadata.suspended === true) {}")
    drawn = examples(logins(dictionary=dictionary, adversarial=True), 300)
    flagged = sum((login["user"].get("app_metadata") or {}).get("suspended") is True
                  if isinstance(login["user"].get("app_metadata"), dict) else False
                  for login in drawn)
    assert flagged >= 15, flagged


@pytest.mark.parametrize("adversarial", [False, True])
def test_organization_and_client_metadata_hold_strings_and_reach_a_flag(adversarial: bool) -> None:
    # A newcomer's org policy `metadata.require_mfa === "true"` (Auth0 keeps organization and
    # client metadata as strings) was never reached: the flag was drawn as true, never "true".
    dictionary = dictionary_from(
        'if (event.organization && event.organization.metadata.require_mfa === "true") {}')
    drawn = examples(logins(dictionary=dictionary, adversarial=adversarial), 300)
    metadata = [part["metadata"] for login in drawn for part in (login["organization"],
                                                                 login["client"]) if part]
    assert all(isinstance(value, str) for m in metadata for value in m.values())
    flagged = sum(bool(login["organization"]) and
                  login["organization"]["metadata"].get("require_mfa") == "true"
                  for login in drawn)
    assert flagged >= 10, flagged


@pytest.mark.parametrize(("code", "reached"), [
    # A newcomer's backdoors that no generated login could reach (five fixed addresses, two
    # hostnames, fixed scopes, org ids made from names, accounts all 317+ days old).
    ("event.request.ip.startsWith('10.20.')", lambda g: g["request"]["ip"].startswith("10.20.")),
    ("isIn(event.request.ip, '10.30.0.0/16')", lambda g: g["request"]["ip"].startswith("10.30.")),
    ("event.request.hostname === 'intranet.corp.example'",
     lambda g: g["request"]["hostname"] == "intranet.corp.example"),
    ("event.request.user_agent.includes('ai-healthcheck')",
     lambda g: "ai-healthcheck" in g["request"]["user_agent"]),
    ("event.resource_server?.identifier === 'https://batch.ai.example.com'",
     lambda g: g["request"]["query"].get("audience") == "https://batch.ai.example.com"),
    ("event.transaction.requested_scopes.includes('ai:batch')",
     lambda g: "ai:batch" in g["transaction"]["requested_scopes"]),
    ("event.organization?.id === 'org_Kx8pTfR2Wq1bZ'",
     lambda g: (g["organization"] or {}).get("id") == "org_Kx8pTfR2Wq1bZ"),
    ("if (event.request.query.login_hint) {}",
     lambda g: bool(g["request"]["query"].get("login_hint"))),
    ("Date.now() - Date.parse(event.user.created_at) < 14 * 86400000",
     lambda g: g["user"]["created_at"] >= "2026-11-14"),
], ids=["ip-prefix", "ip-network", "hostname", "user-agent", "audience", "scope", "org-id",
        "query-key", "new-account"])
def test_what_the_code_compares_the_request_with_is_drawn(
        code: str, reached: Callable[[Login], bool]) -> None:
    drawn = examples(logins(known_roles=[ROLE], holding=True, dictionary=dictionary_from(code)),
                     200)
    assert sum(map(reached, drawn)) >= 5


def test_a_network_is_drawn_at_its_edges_and_just_outside() -> None:
    # A newcomer's port that widened 10.20.0.0/16 to /15 (an MFA bypass for 10.21.x.x) was
    # EQUIVALENT: only 10.20.0.7 was ever drawn.
    from toolkit.strategies import _code_ips

    assert {"10.19.255.255", "10.20.0.0", "10.20.255.255", "10.21.0.0"} <= set(
        _code_ips(["10.20.0.0/16"]))
    assert _code_ips(["999.1.", "010.020.", "x.y."]) == ()


def test_a_connections_metadata_reaches_a_flag_the_code_reads() -> None:
    # A newcomer: event.connection.metadata was always {} (context.connectionMetadata too).
    words = dictionary_from("if (event.connection.metadata.require_mfa === 'true') {}")
    drawn = examples(logins(dictionary=words), 300)
    flagged = [login for login in drawn
               if login["connection"]["metadata"].get("require_mfa") == "true"]
    assert len(flagged) >= 10
    assert to_rule_shape(flagged[0])[1]["connectionMetadata"] == {"require_mfa": "true"}
    assert all(isinstance(v, str) for login in drawn for v in login["connection"]["metadata"].values())


def test_a_risk_assessment_comes_with_an_authentication() -> None:
    # An Action reads it in event.authentication: without one, only the Rule saw it, and
    # equiv called a correct port DIFFERENT.
    drawn = examples(logins(adversarial=True), 1000)
    assert any(login["authentication"] is None for login in drawn)
    assert not any(login["authentication"] is None and login["risk_assessment"] is not None
                   for login in drawn)


def test_query_parameters_read_are_apart_from_metadata_keys() -> None:
    # Review: as metadata keys they made a metadata flag's own branch 4.8x rarer.
    words = dictionary_from("if (event.request.query.login_hint || event.request.query['acr'])"
                            " {} if (event.user.app_metadata.mfa_exempt) {}")
    assert words.query_keys == ("acr", "login_hint") and words.metadata_keys == ("mfa_exempt",)


def test_new_accounts_are_drawn_from_the_instant_the_tests_freeze() -> None:
    from toolkit import strategies
    from toolkit._runtime import parse_now
    from toolkit.pytest_plugin import DEFAULT_NOW

    assert strategies._NOW * 1000 == parse_now(DEFAULT_NOW)
    ages = [(strategies._NOW - datetime.fromisoformat(login["user"]["created_at"]).timestamp())
            / 3600 for login in examples(logins(), 300)]
    assert min(ages) < 24 and max(ages) > 24 * 300  # hours old, and the old accounts


def test_adversarial_logins_sometimes_have_no_authorization() -> None:
    # event.authorization is optional in Auth0's post-login event: an Action reading
    # event.authorization.roles unguarded passed the shipped properties.
    drawn = examples(logins(adversarial=True), 300)
    absent = sum(login["roles"] is None for login in drawn)
    assert 5 <= absent <= 100, absent
    assert all(login["roles"] is not None for login in examples(logins(adversarial=False), 200))
    held = examples(logins(known_roles=[ROLE], holding=True, holding_source="rbac",
                           adversarial=True), 100)
    assert all(ROLE in login["roles"] for login in held)


def test_a_logins_query_scope_is_its_transactions_requested_scopes() -> None:
    # One authorization request: equiv reported a difference on a login whose query asked
    # "openid profile email" while its transaction had requested only offline_access.
    for login in examples(logins(adversarial=True), 200):
        request, transaction = login["request"], login["transaction"]
        if isinstance(request, dict) and isinstance(request.get("query"), dict) \
                and "scope" in request["query"] and isinstance(transaction, dict):
            assert request["query"]["scope"] == " ".join(transaction["requested_scopes"])
