"""Synthetic logins with realistic Auth0 defaults; override any field, or remove it with ABSENT."""

from __future__ import annotations

import copy
from typing import Any, Final

__all__ = ["ABSENT", "make_context", "make_user"]


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
        },
    },
}


def _build(defaults: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(defaults)
    for key, value in overrides.items():
        if value is ABSENT:
            result.pop(key, None)
        else:
            result[key] = copy.deepcopy(value)
    return result


def make_user(**fields: Any) -> dict[str, Any]:
    """A Rules ``user`` with realistic defaults; keyword arguments replace top-level fields."""
    return _build(_USER, fields)


def make_context(**fields: Any) -> dict[str, Any]:
    """A Rules ``context`` with realistic defaults; keyword arguments replace top-level fields."""
    return _build(_CONTEXT, fields)
