"""One login, two shapes: the neutral model projects to a Rule's (user, context) and to an
Action's event as Auth0's Rules-to-Actions migration guide maps them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st

from toolkit._login import (
    ABSENT,
    LOGIN_KEYS,
    connection_of_identity,
    first_factor,
    make_login,
    make_user,
    shrink_to_default,
    to_action_shape,
    to_rule_shape,
)

LOGIN = make_login(
    user={"user_id": "auth0|42", "email": "ada@ai.example.com", "app_metadata": None,
          "user_metadata": {"lang": "en"}, "multifactor": ["guardian"]},
    roles=["AI System User"],
    client={"client_id": "cid123", "name": "AI Web", "metadata": {"tier": "gold"}},
    connection={"id": "con_1", "name": "Username-Password-Authentication", "strategy": "auth0",
                "metadata": {}},
    protocol="oauth2-refresh-token",
    stats={"logins_count": 7},
    session={"id": "s1", "clients": [{"client_id": "cid123"}]},
    organization={"id": "org_1", "name": "acme", "metadata": {}},
)


def test_the_same_login_in_both_shapes_field_by_field() -> None:
    user, context = to_rule_shape(LOGIN)
    event = to_action_shape(LOGIN, {"K": "v"})
    pairs = [
        (user["user_id"], event["user"]["user_id"]),
        (user["email"], event["user"]["email"]),
        (context["clientID"], event["client"]["client_id"]),
        (context["clientName"], event["client"]["name"]),
        (context["clientMetadata"], event["client"]["metadata"]),
        (context["connection"], event["connection"]["name"]),
        (context["connectionID"], event["connection"]["id"]),
        (context["connectionStrategy"], event["connection"]["strategy"]),
        (context["protocol"], event["transaction"]["protocol"]),
        (context["stats"]["loginsCount"], event["stats"]["logins_count"]),
        (context["request"]["userAgent"], event["request"]["user_agent"]),
        (context["request"]["ip"], event["request"]["ip"]),
        (context["request"]["geoip"]["country_code"], event["request"]["geoip"]["countryCode"]),
        (context["request"]["geoip"]["city_name"], event["request"]["geoip"]["cityName"]),
        (context["authorization"]["roles"], event["authorization"]["roles"]),
        # Epoch milliseconds in a Rule, an ISO 8601 string in an Action (Auth0's event object).
        ([{**m, "timestamp": datetime.fromtimestamp(m["timestamp"] / 1000, UTC).isoformat(
            timespec="milliseconds").replace("+00:00", "Z")} for m in context["authentication"]["methods"]],
         event["authentication"]["methods"]),
        # client ids in a Rule ("client IDs using SSO"), objects in an Action
        (context["sso"]["current_clients"], [c["client_id"] for c in event["session"]["clients"]]),
        (context["organization"], event["organization"]),
        (context["tenant"], event["tenant"]["id"]),
    ]
    for rule_value, action_value in pairs:
        assert rule_value == action_value
    assert event["secrets"] == {"K": "v"}


def test_metadata_is_always_an_object_in_actions_but_not_in_rules() -> None:
    user, _ = to_rule_shape(LOGIN)
    event = to_action_shape(LOGIN)
    assert user["app_metadata"] is None
    assert event["user"]["app_metadata"] == {}
    assert event["user"]["user_metadata"] == {"lang": "en"}


def test_no_request_means_no_context_request() -> None:
    _, context = to_rule_shape(make_login(request=None, authentication=None))
    assert "request" not in context and "authentication" not in context
    event = to_action_shape(make_login(request=None, authentication=None))
    assert "authentication" not in event
    assert event["request"]["geoip"] == {}


def test_projections_do_not_share_objects_with_the_login() -> None:
    login = make_login(roles=["a"])
    _, context = to_rule_shape(login)
    context["authorization"]["roles"].append("b")
    assert login["roles"] == ["a"]


def test_unknown_login_field_is_refused() -> None:
    with pytest.raises(TypeError, match="unknown field 'rolez'"):
        make_login(rolez=["x"])
    assert "roles" in LOGIN_KEYS


@pytest.mark.parametrize("field", ["request", "authentication", "organization", "risk_assessment"])
def test_an_absent_optional_part_stays_absent_in_both_shapes(field: str) -> None:
    login = make_login(**{field: ABSENT})
    assert login[field] is None  # recorded as "none", so the projections do not refill it
    _, context = to_rule_shape(login)
    rule_key = {"risk_assessment": "riskAssessment"}.get(field, field)
    assert rule_key not in context
    event = to_action_shape(login)
    if field == "request":  # Auth0: an Action's event.request is always an object
        assert event["request"]["ip"] is None and event["request"]["geoip"] == {}
    elif field == "risk_assessment":
        assert "riskAssessment" not in event.get("authentication", {})
    else:
        assert field not in event


@pytest.mark.parametrize(("field", "event_key"), [
    # The post-login event object documents these as optional: event.transaction,
    # event.session, event.authorization (an Action that reads them without `?.` fails).
    ("transaction", "transaction"), ("session", "session"), ("roles", "authorization")])
def test_the_events_optional_parts_can_be_absent(field: str, event_key: str) -> None:
    login = make_login(**{field: ABSENT})
    assert login[field] is None
    assert event_key not in to_action_shape(login)
    _, context = to_rule_shape(login)
    if field == "roles":
        assert "authorization" not in context
    # generated adversarial logins leave the session out (not the transaction: its protocol)
    from toolkit.strategies import logins

    found = find(logins(adversarial=True), lambda drawn: drawn[field] is None) \
        if field == "session" else None
    assert field != "session" or found is not None


@pytest.mark.parametrize("field", ["user", "client", "protocol", "stats"])
def test_a_part_every_login_has_cannot_be_absent(field: str) -> None:
    with pytest.raises(TypeError, match=f"'{field}' cannot be ABSENT"):
        make_login(**{field: ABSENT})


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(LOGIN_KEYS)), JSON_VALUES))
def test_projections_take_any_json_in_any_field(fields: dict[str, Any]) -> None:
    # A --batch line is any JSON object with login keys: a field of the wrong type is what the
    # code would see from a broken tenant, not a crash of the projection (Rule or Action).
    login = make_login(**fields)
    user, context = to_rule_shape(login)
    event = to_action_shape(login)
    assert isinstance(context, dict) and isinstance(event, dict)
    assert to_rule_shape(fields) == (user, context) and to_action_shape(fields) == event


def test_action_timestamps_are_written_as_javascript_writes_them() -> None:
    from toolkit._login import _iso_instant
    assert _iso_instant(1795852800123) == "2026-11-28T08:00:00.123Z"
    assert _iso_instant(-30610656000000) == "0999-12-27T00:00:00.000Z"  # four-digit year
    assert _iso_instant("2026-11-28T08:00:00.000Z") == "2026-11-28T08:00:00.000Z"
    assert _iso_instant(True) is True and _iso_instant(10**20) == 10**20


def test_a_login_may_give_method_timestamps_in_either_form() -> None:
    # The neutral model holds epoch milliseconds; a login written with Auth0's Action form (an
    # ISO 8601 string) reaches a Rule as milliseconds too, so its date arithmetic works.
    login = make_login(authentication={"methods": [{"name": "mfa",
                                                    "timestamp": "2026-11-28T08:00:00.000Z"}]})
    _, context = to_rule_shape(login)
    assert context["authentication"]["methods"][0]["timestamp"] == 1795852800000
    event = to_action_shape(login)
    assert event["authentication"]["methods"][0]["timestamp"] == "2026-11-28T08:00:00.000Z"
    from toolkit._login import _epoch_ms
    assert _epoch_ms("2039-03-08T19:46:13.411Z") == 2183226373411  # no float rounding (Date.parse)
    assert _epoch_ms("not a date") == "not a date"


def test_an_action_sees_the_request_s_audience_scopes_acr_values_and_prompt() -> None:
    # Post-login event object: resource_server.identifier (optional), transaction
    # requested_scopes ("The scopes requested"), acr_values ("provided in the original
    # authentication request") and prompt (an array). They came from rulekit's defaults, so a
    # step-up Action on acr_values never fired while the Rule read the query.
    login = make_login()
    assert "resource_server" not in to_action_shape(login)  # no audience asked for
    login["request"]["query"] = {"scope": "openid admin:all", "audience": "https://api.ai.example.com",
                                 "acr_values": "urn:mfa urn:x", "prompt": "login consent"}
    event = to_action_shape(login)
    assert event["resource_server"] == {"identifier": "https://api.ai.example.com"}
    transaction = event["transaction"]
    assert transaction["requested_scopes"] == ["openid", "admin:all"]
    assert transaction["acr_values"] == ["urn:mfa", "urn:x"]
    assert transaction["prompt"] == ["login", "consent"]
    # a transaction of the login's own is taken as it is
    own = {**login, "transaction": {"requested_scopes": ["openid"], "acr_values": []}}
    assert to_action_shape(own)["transaction"]["requested_scopes"] == ["openid"]


def test_an_action_s_user_has_no_rules_only_fields() -> None:
    # Post-login event object: event.user documents no logins_count, last_login, last_ip or
    # blocked (the count is event.stats.logins_count); rulekit passed them, so an Action that
    # read event.user.logins_count worked here and saw undefined in Auth0.
    login = make_login(user={**make_login()["user"], "logins_count": 1, "blocked": False,
                             "last_login": "2026-11-27T08:12:45.000Z", "last_ip": "203.0.113.24"})
    event = to_action_shape(login)
    assert not {"logins_count", "last_login", "last_ip", "blocked"} & set(event["user"])
    user, _ = to_rule_shape(login)
    assert user["logins_count"] == 1 and user["blocked"] is False  # a Rule's user has them


def test_sso_clients_and_subdivision_names_in_each_shape() -> None:
    # Rules context object: sso.current_clients are "client IDs using SSO"; post-login event:
    # session.clients are objects (client_id), geoip.subdivisionName is camelCase.
    login = make_login()
    login["session"] = {"id": "s1", "clients": [{"client_id": "c1"}]}
    login["request"]["geoip"]["subdivision_name"] = "Berlin"
    _, context = to_rule_shape(login)
    assert context["sso"]["current_clients"] == ["c1"]
    assert context["request"]["geoip"]["subdivision_name"] == "Berlin"
    event = to_action_shape(login)
    assert event["session"]["clients"] == [{"client_id": "c1"}]
    assert event["request"]["geoip"]["subdivisionName"] == "Berlin"


def test_a_user_of_another_connection_logs_in_through_it() -> None:
    # A newcomer's --login user of "break-glass" still came through the default database
    # connection (event.connection.name), a login Auth0 never makes.
    user = make_user(identities=[{"connection": "break-glass", "provider": "auth0",
                                  "user_id": "1", "isSocial": False}])
    login = make_login(user=user)
    assert login["connection"]["name"] == "break-glass"
    assert login["connection"]["strategy"] == "auth0"
    assert login["connection"]["id"].startswith("con_")
    long_a, long_b = ("x" * 20 + "a", "x" * 20 + "b")  # ids differ though the names share 20
    first = connection_of_identity({"identities": [{"connection": long_a}]})
    second = connection_of_identity({"identities": [{"connection": long_b}]})
    assert first is not None and second is not None and first["id"] != second["id"]
    assert to_action_shape(login)["connection"]["name"] == "break-glass"
    assert to_rule_shape(login)[1]["connection"] == "break-glass"
    # a connection given explicitly wins; the default user keeps the default connection
    given = {"id": "con_x", "name": "other", "strategy": "auth0", "metadata": {}}
    assert make_login(user=user, connection=given)["connection"] == given
    assert make_login(user=make_user())["connection"] == make_login()["connection"]


@pytest.mark.parametrize(("identity", "method"), [
    # Auth0 (post-login event object): "pwd: A password was used to authenticate a database
    # connection user", "federated: A social or enterprise connection was used"; passwordless
    # logins are sms / email.
    ({"connection": "Username-Password-Authentication", "provider": "auth0"}, "pwd"),
    ({"connection": "google-oauth2", "provider": "google-oauth2"}, "federated"),
    ({"connection": "acme-saml", "provider": "samlp"}, "federated"),
    ({"connection": "email", "provider": "email"}, "email"),
    ({"connection": "sms", "provider": "sms"}, "sms"),
])
def test_the_first_factor_follows_the_connection(identity: dict[str, str], method: str) -> None:
    user = make_user(identities=[{**identity, "user_id": "1", "isSocial": False}])
    login = make_login(user=user)
    assert [m["name"] for m in login["authentication"]["methods"]] == [method]
    assert to_action_shape(login)["authentication"]["methods"][0]["name"] == method
    # given authentication is kept as it is
    mine = {"methods": [{"name": "pwd", "timestamp": 1795852800000}]}
    assert make_login(user=user, authentication=mine)["authentication"] == mine


def test_generated_logins_sign_in_with_their_connections_first_factor() -> None:
    from toolkit.strategies import logins

    seen: set[tuple[str, str]] = set()

    @settings(max_examples=300, database=None, derandomize=True)
    @given(logins())
    def check(login: dict[str, Any]) -> None:
        auth = login.get("authentication")
        if not isinstance(auth, dict) or not auth.get("methods"):
            return
        strategy = (login.get("connection") or {}).get("strategy")
        name = auth["methods"][0]["name"]
        seen.add((str(strategy), name))
        assert name == first_factor(strategy), (strategy, name)

    check()
    assert ("auth0", "pwd") in seen and any(name == "federated" for _, name in seen)


def test_a_refresh_token_exchange_presents_its_refresh_token() -> None:
    # Post-login event object: "refresh_token: [Enterprise Customers] The current refresh
    # token" (id, client_id, created_at, device.{initial,last}_{ip,asn,user_agent}, session_id,
    # user_id, ...): in a refresh token exchange, not in other flows nor in a Rule.
    login = make_login(protocol="oauth2-refresh-token")
    token = to_action_shape(login)["refresh_token"]
    assert token["client_id"] == login["client"]["client_id"]
    assert token["session_id"] == login["session"]["id"]
    assert token["user_id"] == login["user"]["user_id"]
    assert token["device"]["last_ip"] == login["request"]["ip"] == token["device"]["initial_ip"]
    assert "refresh_token" not in to_action_shape(make_login())
    assert "refresh_token" not in to_rule_shape(login)[1]
    # a given one's fields replace the made ones, the device's key by key
    moved = to_action_shape(make_login(protocol="oauth2-refresh-token",
                                       refresh_token={"device": {"last_ip": "198.51.100.7"},
                                                      "rotating": True}))["refresh_token"]
    assert moved["device"] == {**token["device"], "last_ip": "198.51.100.7"}
    assert moved["rotating"] is True and moved["id"] == token["id"]


def test_generated_first_factors_follow_a_pinned_connection_and_keep_a_pinned_authentication(
        ) -> None:
    from toolkit.strategies import logins

    google = {"id": "con_g", "name": "google-oauth2", "strategy": "google-oauth2",
              "metadata": {}}
    mine = {"methods": [{"name": "pwd", "timestamp": 1795852800000}]}

    @settings(max_examples=60, database=None, derandomize=True)
    @given(logins(connection=google), logins(authentication=mine))
    def check(social: dict[str, Any], pinned: dict[str, Any]) -> None:
        auth = social.get("authentication")
        if isinstance(auth, dict) and auth.get("methods"):
            assert auth["methods"][0]["name"] == "federated"
        assert pinned["authentication"] == mine

    check()


def test_a_refresh_token_without_a_session_has_no_session_id() -> None:
    # Found by CI's fuzzing: an adversarial login without a session gave session_id None.
    event = to_action_shape(make_login(protocol="oauth2-refresh-token", session=ABSENT))
    assert "session_id" not in event["refresh_token"] and "session" not in event


def test_shrinking_keeps_only_the_list_items_that_matter() -> None:
    # rulekit diff's example kept roles ["x", "ai_system_admin", "y"] when only the admin role
    # made the difference: a list that cannot go back to the default now loses its other items.
    login = make_login(user=make_user(email="ada@ai.example.com", app_metadata={
        "roles": ["viewer", "ai_system_admin", "auditor"], "team": "ai"}),
        roles=["a", "b"])

    def same(trial: dict[str, Any]) -> bool:
        return "ai_system_admin" in ((trial["user"].get("app_metadata") or {}).get("roles") or [])

    assert shrink_to_default(login, same) == make_login(
        user=make_user(app_metadata={"roles": ["ai_system_admin"]}))


def test_a_users_logins_count_is_the_logins_stats() -> None:
    # One count: a Rule reads user.logins_count, an Action event.stats.logins_count (a user
    # given with 1 was a first login to the Rule and the 42nd to the Action).
    login = make_login(user=make_user(logins_count=1))
    assert login["stats"] == {"logins_count": 1}
    assert to_action_shape(login)["stats"]["logins_count"] == 1
    assert make_login(user=make_user(logins_count=1), stats={"logins_count": 5})["stats"] == {
        "logins_count": 5}


def test_shrinking_keeps_the_query_scope_and_the_requested_scopes_one_request() -> None:
    # A login without a request differed (the Rule saw no scope, the Action offline_access);
    # shrinking put the default request back beside the kept scopes, and showed a login Auth0
    # never sends, hiding that there was no request.
    transaction = {**make_login()["transaction"], "requested_scopes": ["offline_access"]}
    login = make_login(request=ABSENT, transaction=transaction)

    def same(trial: dict[str, Any]) -> bool:
        query = (trial["request"] or {}).get("query") or {}
        return "offline_access" in trial["transaction"]["requested_scopes"] and \
            "offline_access" not in str(query.get("scope", ""))

    assert shrink_to_default(login, same)["request"] is None
