"""Synthetic logins with realistic Auth0 defaults; override any field, or remove it with ABSENT."""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from .errors import InputError

__all__ = ["ABSENT", "LOGIN_KEYS", "make_context", "make_login", "make_user", "to_action_shape",
           "to_rule_shape"]


class _Absent:
    """Marks a field to leave out, e.g. ``make_user(app_metadata=ABSENT)``."""

    _instance: _Absent | None = None

    def __new__(cls) -> _Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = _Absent()

# Shapes follow Auth0's Rules documentation: the user profile and the context object.
_USER: Final[dict[str, Any]] = {
    "user_id": "auth0|64f1c0ffee0000000000a1b2",
    "email": "jane.doe@example.com",
    "email_verified": True,
    "name": "Jane Doe",
    "nickname": "jane.doe",
    "given_name": "Jane",
    "family_name": "Doe",
    "picture": "https://s.gravatar.com/avatar/7f3c1e0b?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fjd.png",
    "created_at": "2026-01-15T09:30:00.000Z",
    "updated_at": "2026-11-27T08:12:45.000Z",
    "last_login": "2026-11-27T08:12:45.000Z",
    "last_ip": "203.0.113.24",
    "logins_count": 42,
    "blocked": False,
    "app_metadata": {},
    "user_metadata": {},
    "multifactor": [],
    "identities": [
        {
            "connection": "Username-Password-Authentication",
            "provider": "auth0",
            "user_id": "64f1c0ffee0000000000a1b2",
            "isSocial": False,
        }
    ],
}

_CONTEXT: Final[dict[str, Any]] = {
    "tenant": "example-ai",
    "clientID": "aiSysW3bAppCl1entId0000000000001",
    "clientName": "AI System Web App",
    "clientMetadata": {},
    "connection": "Username-Password-Authentication",
    "connectionID": "con_0000000000000001",
    "connectionStrategy": "auth0",
    "connectionOptions": {},
    "connectionMetadata": {},
    "protocol": "oidc-basic-profile",
    "stats": {"loginsCount": 42},
    "sso": {"with_auth0": False, "with_dbconn": False, "current_clients": []},
    "sessionID": "sess_9F2kQ1xZ7nB4",
    "accessToken": {},
    "idToken": {},
    "authentication": {"methods": [{"name": "pwd", "timestamp": 1795852800000}]},
    "authorization": {"roles": []},
    "request": {
        "userAgent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
        "ip": "203.0.113.24",
        "hostname": "example-ai.eu.auth0.com",
        "query": {"scope": "openid profile email", "response_type": "code"},
        "body": {},
        "geoip": {
            "country_code": "DE",
            "country_code3": "DEU",
            "country_name": "Germany",
            "city_name": "Berlin",
            "latitude": 52.52,
            "longitude": 13.405,
            "time_zone": "Europe/Berlin",
            "continent_code": "EU",
            "subdivision_code": "BE",
        },
    },
}


_PLAIN: Final = (str, int, float, bool, type(None))


def _copy_json(value: Any) -> Any:
    if type(value) is dict:
        return {key: _copy_json(item) for key, item in value.items()}
    if type(value) is list:
        return [_copy_json(item) for item in value]
    if type(value) in _PLAIN:
        return value
    return copy.deepcopy(value)


def _copy(value: Any) -> Any:
    """A deep copy; for logins (JSON-like data) several times faster than ``copy.deepcopy``,
    which still copies anything else (and anything cyclic)."""
    try:
        return _copy_json(value)
    except RecursionError:
        pass
    try:
        return copy.deepcopy(value)  # a cycle, say
    except RecursionError:
        raise InputError("a login nested too deeply to copy (hundreds of levels of objects and "
                         "lists)") from None


def _build(defaults: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = _copy(defaults)
    for key, value in overrides.items():
        if value is ABSENT:
            result.pop(key, None)
        else:
            result[key] = _copy(value)
    return result


def make_user(**fields: Any) -> dict[str, Any]:
    """A Rules ``user`` with realistic defaults; keyword arguments replace top-level fields."""
    return _build(_USER, fields)


def make_context(**fields: Any) -> dict[str, Any]:
    """A Rules ``context`` with realistic defaults; keyword arguments replace top-level fields."""
    return _build(_CONTEXT, fields)


# ------------------------------------------------------------------------------------------------
# The neutral login model: one description of a login, projected to a Rule's (user, context) and
# to an Action's event following Auth0's Rules-to-Actions migration guide.
# ------------------------------------------------------------------------------------------------
_LOGIN: Final[dict[str, Any]] = {
    "user": _copy(_USER),
    "roles": [],
    "client": {"client_id": _CONTEXT["clientID"], "name": _CONTEXT["clientName"], "metadata": {}},
    "connection": {"id": _CONTEXT["connectionID"], "name": _CONTEXT["connection"],
                   "strategy": _CONTEXT["connectionStrategy"], "metadata": {}},
    "protocol": "oidc-basic-profile",
    "tenant": "example-ai",
    "request": {
        "ip": "203.0.113.24",
        "hostname": "example-ai.eu.auth0.com",
        "user_agent": _CONTEXT["request"]["userAgent"],
        "language": "en-GB,en;q=0.9",
        "method": "GET",
        "query": {"scope": "openid profile email", "response_type": "code"},
        "body": {},
        "geoip": {"country_code": "DE", "country_code3": "DEU", "country_name": "Germany",
                  "city_name": "Berlin", "latitude": 52.52, "longitude": 13.405,
                  "time_zone": "Europe/Berlin", "continent_code": "EU", "subdivision_code": "BE"},
    },
    "authentication": {"methods": [{"name": "pwd", "timestamp": 1795852800000}]},
    "stats": {"logins_count": 42},
    "session": {"id": "sess_9F2kQ1xZ7nB4", "clients": []},
    "organization": None,
    "transaction": {"requested_scopes": ["openid", "profile", "email"], "acr_values": [],
                    "locale": "en", "redirect_uri": "https://ai.example.com/callback",
                    "response_type": ["code"], "ui_locales": []},
    "risk_assessment": None,
    # event.refresh_token in a refresh token exchange: one made from the login's client,
    # session, user and request, with these fields replaced; None (ABSENT): none, as on a
    # tenant without the Enterprise feature. Ignored in other flows, and by Rules (none there).
    "refresh_token": {},
}
LOGIN_KEYS: Final = frozenset(_LOGIN)
# Parts a login may lack (ABSENT): the post-login event documents event.transaction,
# event.session and event.authorization as optional too.
_OPTIONAL: Final = frozenset({"request", "authentication", "organization", "risk_assessment",
                              "refresh_token", "transaction", "session", "roles"})
_REFRESH_CREATED: Final = "2026-11-01T08:00:00.000Z"


def make_login(**fields: Any) -> dict[str, Any]:
    """A neutral login with realistic defaults. Keys: ``user``, ``roles`` (RBAC role names),
    ``client``, ``connection``, ``protocol``, ``tenant``, ``request`` (None: no request),
    ``authentication`` (None: absent), ``stats``, ``session``, ``organization``,
    ``transaction``, ``risk_assessment``. Keyword arguments replace top-level fields."""
    unknown = sorted(set(fields) - LOGIN_KEYS)
    if unknown:
        raise TypeError(f"make_login() got unknown field {unknown[0]!r}; fields: "
                        f"{', '.join(sorted(LOGIN_KEYS))}")
    # A login keeps every key: the projections fill a missing one with its default, so an
    # optional part that is ABSENT is recorded as None ("no request", ...), which they honour.
    required = sorted(k for k, v in fields.items() if v is ABSENT and k not in _OPTIONAL)
    if required:
        raise TypeError(f"make_login(): {required[0]!r} cannot be ABSENT, every login has one "
                        f"(ABSENT leaves out {', '.join(sorted(_OPTIONAL))})")
    fields = with_identity_connection(fields)
    return _build(_LOGIN, {key: None if value is ABSENT else value for key, value in fields.items()})


def with_identity_connection(fields: dict[str, Any]) -> dict[str, Any]:
    """Login ``fields`` with the connection of the user's first identity when they give a user
    and no connection, the first factor that connection signs in with when they give no
    ``authentication``, and the user's ``logins_count`` as ``stats`` when they give none (a
    new dict then; ``fields`` otherwise)."""
    if "connection" not in fields and isinstance(fields.get("user"), dict):
        derived = connection_of_identity(fields["user"])
        if derived is not None:
            fields = {**fields, "connection": derived}
    count = fields["user"].get("logins_count") if isinstance(fields.get("user"), dict) else None
    if "stats" not in fields and isinstance(count, int) and not isinstance(count, bool):
        # One count: a Rule reads user.logins_count, an Action event.stats.logins_count (a
        # user given with logins_count 1 was a first login to the Rule and the 42nd to the
        # Action, and equiv called a correct port DIFFERENT).
        fields = {**fields, "stats": {"logins_count": count}}
    connection = fields.get("connection")
    if "authentication" not in fields and isinstance(connection, dict):
        method = first_factor(connection.get("strategy"))
        if method != "pwd":
            fields = {**fields, "authentication": {"methods": [
                {**_LOGIN["authentication"]["methods"][0], "name": method}]}}
    return fields


def first_factor(strategy: Any) -> str:
    """The ``authentication.methods[].name`` of a login through a connection of ``strategy``:
    "pwd: A password was used to authenticate a database connection user", "federated: A
    social or enterprise connection was used", ``email`` / ``sms`` for passwordless (Auth0,
    post-login event object)."""
    if strategy in (None, "auth0"):
        return "pwd"
    return strategy if strategy in ("email", "sms") else "federated"


def connection_of_identity(user: dict[str, Any]) -> dict[str, Any] | None:
    """The connection a user signs in with, from their first identity, when it is not the
    default one: a user of "break-glass" logging in through Username-Password-Authentication is
    a login Auth0 never makes (a newcomer's --login was denied for it)."""
    identities = user.get("identities")
    if not isinstance(identities, list) or not identities or not isinstance(identities[0], dict):
        return None
    name, provider = identities[0].get("connection"), identities[0].get("provider")
    if not isinstance(name, str) or not name or name == _LOGIN["connection"]["name"]:
        return None
    return {"id": "con_" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:16],
            "name": name, "strategy": provider if isinstance(provider, str) and provider else "auth0",
            "metadata": {}}


MISSING: Final = object()  # leaf_differences: the key is absent


def leaf_differences(value: Any, default: Any, path: tuple[str, ...] = ()
                     ) -> list[tuple[tuple[str, ...], Any]]:
    """``(path, value)`` of each leaf where ``value`` differs from ``default`` (objects are
    compared key by key; anything else as a whole). A value of MISSING: the key is absent."""
    if isinstance(value, dict) and isinstance(default, dict):
        found = []
        for key in [*default, *(k for k in value if k not in default)]:
            found += leaf_differences(value.get(key, MISSING), default.get(key, MISSING),
                                      (*path, key))
        return found
    return [] if value == default else [(path, value)]


def _with(login: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of ``login`` with ``path`` set to ``value`` (removed when MISSING)."""
    trial = copy.deepcopy(login)
    node = trial
    for key in path[:-1]:
        node = node[key]
    if value is MISSING:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = copy.deepcopy(value)
    return trial


def _default_at(default: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = default
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return MISSING
        node = node[key]
    return node


def except_default(login: dict[str, Any]) -> str:
    """How a login differs from ``make_login()``: ``default login, except {"a.b": ...}``."""
    changed = {".".join(path): "(absent)" if value is MISSING else value
               for path, value in leaf_differences(login, make_login())}
    if not changed:
        return "the default login"
    return "default login, except " + json.dumps(changed, separators=(",", ":"),
                                                 ensure_ascii=False)


def shrink_to_default(login: dict[str, Any], same: Callable[[dict[str, Any]], bool],
                      deadline: float = float("inf")) -> dict[str, Any]:
    """``login`` with every part that does not matter put back to the default login's: whole
    parts first (user, request, ...), then field by field, keeping a reset only while
    ``same(trial)`` holds (the change, the failure, still there). What is left is why.
    Stops where it is at ``deadline`` (time.monotonic())."""
    default = make_login()
    for depth in (1, None):
        for path, _ in leaf_differences(login, default):
            if time.monotonic() > deadline:
                return login
            path = path[:depth] if depth else path
            if _default_at(default, path) is MISSING and depth == 1:
                continue
            trial = _one_request(_with(login, path, _default_at(default, path)))
            if trial != login and same(trial):
                login = trial
    # A list that must stay (say roles ["x", "ai_system_admin", "y"]): drop the items that do
    # not matter, one at a time, last first.
    for path, value in leaf_differences(login, default):
        if not isinstance(value, list):
            continue
        for index in reversed(range(len(value))):
            if time.monotonic() > deadline:
                return login
            if len(value) > 1:
                trial = _with(login, path, value[:index] + value[index + 1:])
                if same(trial):
                    login, value = trial, value[:index] + value[index + 1:]
    return login


def _scope_of(login: dict[str, Any]) -> str | None:
    request = login.get("request")
    query = request.get("query") if isinstance(request, dict) else None
    scope = query.get("scope") if isinstance(query, dict) else None
    return scope if isinstance(scope, str) else None


def _requested(login: dict[str, Any]) -> str | None:
    transaction = login.get("transaction")
    scopes = transaction.get("requested_scopes") if isinstance(transaction, dict) else None
    return " ".join(map(str, scopes)) if isinstance(scopes, list) else None


def _one_request(login: dict[str, Any]) -> dict[str, Any]:
    """The login with its query's scope as the requested scopes (one authorization request),
    for each trial of shrinking: a request put back to the default beside a kept transaction
    gave a login Auth0 never sends (the Rule saw one scope, the Action another), and hid that
    the login had no request at all."""
    requested = _requested(login)
    if requested is None or _scope_of(login) in (None, requested):
        return login
    request = login["request"]
    return {**login, "request": {**request, "query": {**request["query"], "scope": requested}}}


def is_neutral_login(value: Mapping[str, Any]) -> bool:
    """Whether ``value`` is a neutral login (make_login's model) rather than a Rule's user or an
    Action's event: a nested user beside fields only the neutral model has at the top level
    (a login's ``protocol`` and ``roles``; an event's tenant is an object, a login's a string)."""
    if "protocol" not in value and "roles" not in value and type(value.get("tenant")) is not str:
        return False  # an event or a user (checked first: it runs for every login of a batch)
    return isinstance(value.get("user"), Mapping)


def _or_empty(value: Any) -> Any:
    return value if isinstance(value, dict) else {}


def _list_or_empty(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def to_rule_shape(login: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Project a neutral login to what a Rule receives: ``(user, context)``."""
    login = {**_LOGIN, **login}  # defaults: each part used is copied below, or immutable
    user = _copy(login["user"])
    client = _or_empty(login["client"])
    connection = _or_empty(login["connection"])
    context: dict[str, Any] = {
        "tenant": login["tenant"],
        "clientID": client.get("client_id"),
        "clientName": client.get("name"),
        "clientMetadata": _copy(client.get("metadata", {})),
        "connection": connection.get("name"),
        "connectionID": connection.get("id"),
        "connectionStrategy": connection.get("strategy"),
        "connectionOptions": {},
        "connectionMetadata": _copy(connection.get("metadata", {})),
        "protocol": login["protocol"],
        "stats": {"loginsCount": _or_empty(login["stats"]).get("logins_count")},
        "sso": {"with_auth0": False, "with_dbconn": False,
                # "current_clients: client IDs using SSO" (Rules context object); an Action's
                # event.session.clients holds objects with a client_id.
                "current_clients": [c.get("client_id") if isinstance(c, dict) else c
                                    for c in _list_or_empty(_or_empty(login["session"]).get(
                                        "clients"))]},
        "sessionID": _or_empty(login["session"]).get("id"),
        "accessToken": {},
        "idToken": {},
    }
    if login["roles"] is not None:
        context["authorization"] = {"roles": _copy(login["roles"])}
    if login["session"] is None:  # ABSENT: no session, no id
        del context["sessionID"]
    if login["authentication"] is not None:
        context["authentication"] = _copy(login["authentication"])
        methods = context["authentication"].get("methods") if isinstance(
            context["authentication"], dict) else None
        for method in methods if isinstance(methods, list) else []:
            if isinstance(method, dict) and isinstance(method.get("timestamp"), str):
                method["timestamp"] = _epoch_ms(method["timestamp"])
    request = login["request"]
    if request is not None:
        request = _or_empty(request)  # not an object: its fields are missing (as for an Action)
        geo = request.get("geoip")
        context["request"] = {
            "userAgent": request.get("user_agent"), "ip": request.get("ip"),
            # a part left out is an empty object, as in the Action's event (one projection)
            "hostname": request.get("hostname"), "query": _copy(request.get("query", {})),
            "body": _copy(request.get("body", {})),
            # Auth0 (Rules context object) lists subdivision_code among the geoip fields.
            **({"geoip": _copy(geo)} if isinstance(geo, dict) else {}),
        }
    if login["organization"] is not None:
        context["organization"] = _copy(login["organization"])
    if login["risk_assessment"] is not None:
        context["riskAssessment"] = _copy(login["risk_assessment"])
    return user, context


GEO_CAMEL: Final = {"country_code": "countryCode", "country_code3": "countryCode3",
                     "country_name": "countryName", "city_name": "cityName",
                     "latitude": "latitude", "longitude": "longitude", "time_zone": "timeZone",
                     "continent_code": "continentCode", "subdivision_code": "subdivisionCode",
                     "subdivision_name": "subdivisionName"}


def _iso_instant(value: Any) -> Any:
    """Epoch milliseconds as Date.prototype.toISOString() writes them; anything else as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return value
    return _iso_of_ms(value)


@functools.lru_cache(maxsize=4096)  # logins reuse a few instants; formatting one costs ~3 us
def _iso_of_ms(value: float) -> Any:
    try:
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(value))
    except (OverflowError, ValueError):
        return value  # outside what a Date can show: left for the code to trip over
    # %Y does not pad years before 1000; toISOString() writes four digits.
    return (f"{moment.year:04d}-" + moment.strftime("%m-%dT%H:%M:%S.")
            + f"{moment.microsecond // 1000:03d}Z")


def _epoch_ms(value: str) -> Any:
    """An ISO 8601 instant as a Rule's epoch milliseconds (a login written in the Actions' form);
    a string that is not one is left as it is."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)  # exact: no float rounding of the ms
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def _action_methods(methods: Any) -> Any:
    """``authentication.methods`` for an Action: Auth0 sends each ``timestamp`` as an ISO 8601
    string (post-login event object: "timestamp: string"; "Redirect with Actions": "Timestamps
    are rendered as ISO8601 strings"), where a Rule's context has epoch milliseconds.
    ``Date.now() - m.timestamp`` is a number in a Rule and NaN in an Action."""
    methods = _copy(methods)
    if isinstance(methods, list):
        for method in methods:
            if isinstance(method, dict) and "timestamp" in method:
                method["timestamp"] = _iso_instant(method["timestamp"])
    return methods


# event.user.enrolledFactors holds factor types (otp, push-notification, phone, email,
# webauthn-roaming, webauthn-platform, recovery-code), where a Rule's user.multifactor names
# providers. rulekit's choice for the two providers that are one factor; others pass as named.
_FACTOR_TYPES: Final = {"google-authenticator": "otp", "guardian": "push-notification",
                         "sms": "phone", "push": "push-notification"}


def requested_scopes(login: Mapping[str, Any]) -> Any:
    """The scopes an Action's ``event.transaction.requested_scopes`` shows for ``login``."""
    fields = _transaction_fields(login)
    if "requested_scopes" in fields or isinstance(login.get("transaction"), dict):
        return fields.get("requested_scopes")
    return _LOGIN["transaction"]["requested_scopes"]


def _transaction_fields(login: Mapping[str, Any]) -> dict[str, Any]:
    """``event.transaction`` but its protocol and metadata: the login's own transaction as it
    is; make_login's default one with what Auth0 takes from the authorization request ("The
    scopes requested", "Any acr_values provided in the original authentication request",
    ``prompt`` as an array)."""
    transaction = login.get("transaction", _LOGIN["transaction"])
    fields: dict[str, Any] = _copy(_or_empty(transaction))
    request = login.get("request", _LOGIN["request"])
    query = request.get("query") if isinstance(request, dict) else None
    if (isinstance(transaction, dict) and transaction != _LOGIN["transaction"]) \
            or not isinstance(query, dict):
        return fields
    for key, field in (("scope", "requested_scopes"), ("acr_values", "acr_values"),
                       ("prompt", "prompt")):
        value = query.get(key)
        if isinstance(value, str):
            fields[field] = value.split()
    return fields


# The user profile fields rulekit models (Auth0's normalized profile, as Rules and Actions see it).
USER_FIELDS: Final = frozenset({
    "user_id", "email", "email_verified", "name", "nickname", "given_name", "family_name",
    "picture", "username", "phone_number", "phone_verified", "created_at", "updated_at",
    "last_password_reset", "logins_count", "last_login", "last_ip", "blocked", "app_metadata",
    "user_metadata", "multifactor", "identities", "permissions", "locale"})
RULES_ONLY_USER_FIELDS: Final = ("logins_count", "last_login", "last_ip", "blocked")


def to_action_shape(login: dict[str, Any], secrets: dict[str, str] | None = None) -> dict[str, Any]:
    """Project a neutral login to a post-login Action's ``event``."""
    transaction = _transaction_fields(login)
    login = {**_LOGIN, **login}  # defaults: each part used is copied below, or immutable
    user = _copy(login["user"]) if isinstance(login["user"], dict) else {}
    # Fields of a Rule's user that the post-login event.user does not have (its documented
    # fields): the count is event.stats.logins_count.
    for key in RULES_ONLY_USER_FIELDS:
        user.pop(key, None)
    # Actions: app_metadata and user_metadata are always objects.
    user["app_metadata"] = _or_empty(user.get("app_metadata"))
    user["user_metadata"] = _or_empty(user.get("user_metadata"))
    user.setdefault("enrolledFactors", [{"type": _FACTOR_TYPES.get(f, f)}
                                        for f in _list_or_empty(user.get("multifactor"))
                                        if isinstance(f, str)])
    client = _or_empty(login["client"])
    connection = _or_empty(login["connection"])
    request = login["request"] if isinstance(login["request"], dict) else {}
    query = request.get("query")
    geo = request.get("geoip")
    event: dict[str, Any] = {
        "user": user,
        "client": {"client_id": client.get("client_id"), "name": client.get("name"),
                   "metadata": _copy(client.get("metadata", {}))},
        "connection": {"id": connection.get("id"), "name": connection.get("name"),
                       "strategy": connection.get("strategy"),
                       "metadata": _copy(connection.get("metadata", {}))},
        "request": {
            "ip": request.get("ip"), "hostname": request.get("hostname"),
            "user_agent": request.get("user_agent"), "language": request.get("language"),
            "method": request.get("method"), "query": _copy(request.get("query", {})),
            "body": _copy(request.get("body", {})),
            "geoip": ({GEO_CAMEL.get(k, k): v for k, v in geo.items()}
                      if isinstance(geo, dict) else {}),
        },
        "stats": {"logins_count": _or_empty(login["stats"]).get("logins_count")},
        "tenant": {"id": login["tenant"]},
        "secrets": dict(secrets or {}),
        "authentication": ({"methods": _action_methods(login["authentication"].get("methods", []))}
                           if isinstance(login["authentication"], dict) else None),
        "authorization": {"roles": _copy(login["roles"])},
        "transaction": {"protocol": login["protocol"], "metadata": {}, **transaction},
        "session": _copy(login["session"]),
    }
    for part, key in (("roles", "authorization"), ("transaction", "transaction"),
                      ("session", "session")):
        if login[part] is None:  # ABSENT: the event has none
            del event[key]
    # "resource_server: ... identifier: The identifier of the resource server" (optional): the
    # API named by the request's audience.
    audience = query.get("audience") if isinstance(query, dict) else None
    if isinstance(audience, str) and audience:
        event["resource_server"] = {"identifier": audience}
    if event["authentication"] is None:
        del event["authentication"]
    elif login["risk_assessment"] is not None:
        event["authentication"]["riskAssessment"] = _copy(login["risk_assessment"])
    if login["organization"] is not None:
        event["organization"] = _copy(login["organization"])
    given = login["refresh_token"]
    if login["protocol"] == "oauth2-refresh-token" and given is not None:
        # "[Enterprise Customers] The current refresh token" (post-login event object).
        # A given one's fields replace those of the one the login makes (device key by key).
        token = _default_refresh_token(event)
        if isinstance(given, dict):
            device = given.get("device")
            token.update(_copy(given))
            if isinstance(device, dict):
                token["device"] = {**_default_refresh_token(event)["device"], **_copy(device)}
        event["refresh_token"] = token
    return event


def _default_refresh_token(event: dict[str, Any]) -> dict[str, Any]:
    """The refresh token a refresh token exchange presents, made from the login: issued to its
    client in its session, last exchanged from where the request comes from."""
    request, session = event["request"], event.get("session")
    session_id = session.get("id") if isinstance(session, dict) else None
    device = {"initial_ip": request.get("ip"), "initial_user_agent": request.get("user_agent"),
              "last_ip": request.get("ip"), "last_user_agent": request.get("user_agent")}
    token = {"id": "rt_" + hashlib.sha256(str(session_id).encode("utf-8", "surrogatepass"))
             .hexdigest()[:20], "client_id": event["client"].get("client_id"),
             "created_at": _REFRESH_CREATED, "last_exchanged_at": _REFRESH_CREATED,
             "device": {k: v for k, v in device.items() if v is not None},
             "resource_servers": [], "rotating": False, "session_id": session_id,
             "user_id": event["user"].get("user_id"), "metadata": {}}
    # The optional fields the login cannot give (no session, no client id) are left out.
    return {k: v for k, v in token.items() if v is not None}
