"""The documented Auth0 shapes (AUTH0_RUNTIME.md) as checks: what a Rules ``user`` and
``context`` and a post-login ``event`` must look like.

``problems(value, SPEC)`` lists what does not match, as ``path: what``. ``strict=False`` accepts
what Auth0 documents as possibly missing (``app_metadata`` "may be undefined", ``request`` may
be undefined, fields absent from a profile) and what the adversarial strategies produce on
purpose (null metadata, a request without fields); types of what is present are still checked.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

Check = Callable[[Any, str, bool], list[str]]


@dataclass(frozen=True)
class Field:
    check: Check
    required: bool = True  # even when not strict
    realistic: bool = True  # present when strict


def _type(*types: type, what: str) -> Check:
    def check(value: Any, path: str, strict: bool) -> list[str]:
        if isinstance(value, bool) and bool not in types:
            return [f"{path}: {what} expected, got {value!r}"]
        return [] if isinstance(value, types) else [f"{path}: {what} expected, got {value!r}"]
    return check


STR = _type(str, what="string")
BOOL = _type(bool, what="boolean")
INT = _type(int, what="integer")
NUMBER = _type(int, float, what="number")
DICT = _type(dict, what="object")


def json_object(value: Any, path: str, strict: bool) -> list[str]:
    if not isinstance(value, dict):
        return [f"{path}: object expected, got {value!r}"]
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        return [f"{path}: not JSON: {exc}"]
    return []


def metadata(value: Any, path: str, strict: bool) -> list[str]:
    if value is None and not strict:
        return []
    return json_object(value, path, strict)


def string_values(value: Any, path: str, strict: bool) -> list[str]:
    # Auth0 client and connection metadata: string keys and string values.
    problems = DICT(value, path, strict)
    if problems:
        return problems
    return [f"{path}.{k}: string value expected, got {v!r}" for k, v in value.items()
            if not isinstance(v, str)]


def iso_date(value: Any, path: str, strict: bool) -> list[str]:
    if not isinstance(value, str) or not value.endswith("Z"):
        return [f"{path}: ISO 8601 UTC date expected, got {value!r}"]
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return [f"{path}: ISO 8601 UTC date expected, got {value!r}"]
    return []


def email(value: Any, path: str, strict: bool) -> list[str]:
    ok = isinstance(value, str) and re.fullmatch(r"[a-z0-9._+-]+@[a-z0-9-]+(\.[a-z0-9-]+)+", value)
    return [] if ok else [f"{path}: email expected, got {value!r}"]


def ip(value: Any, path: str, strict: bool) -> list[str]:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return [f"{path}: IP address expected, got {value!r}"]
    return []


def url(value: Any, path: str, strict: bool) -> list[str]:
    ok = isinstance(value, str) and re.fullmatch(r"https://\S+", value)
    return [] if ok else [f"{path}: https URL expected, got {value!r}"]


def user_id(value: Any, path: str, strict: bool) -> list[str]:
    ok = isinstance(value, str) and re.fullmatch(r"[a-z0-9-]+\|\S+", value)
    return [] if ok else [f"{path}: 'provider|id' expected, got {value!r}"]


def one_of(*values: Any) -> Check:
    def check(value: Any, path: str, strict: bool) -> list[str]:
        return [] if value in values else [f"{path}: one of {values!r} expected, got {value!r}"]
    return check


def list_of(item: Check, *, min_size: int = 0) -> Check:
    def check(value: Any, path: str, strict: bool) -> list[str]:
        if not isinstance(value, list) or len(value) < min_size:
            return [f"{path}: list expected (at least {min_size}), got {value!r}"]
        return [p for i, v in enumerate(value) for p in item(v, f"{path}[{i}]", strict)]
    return check


def nullable(check: Check) -> Check:
    def inner(value: Any, path: str, strict: bool) -> list[str]:
        return [] if value is None and not strict else check(value, path, strict)
    return inner


def empty_ok(check: Check) -> Check:
    def inner(value: Any, path: str, strict: bool) -> list[str]:
        return [] if value == {} and not strict else check(value, path, strict)
    return inner


def obj(spec: dict[str, Field], *, closed: bool = False) -> Check:
    def check(value: Any, path: str, strict: bool) -> list[str]:
        if not isinstance(value, dict):
            return [f"{path}: object expected, got {value!r}"]
        found: list[str] = []
        for key, field in spec.items():
            if key not in value:
                if field.required or (strict and field.realistic):
                    found.append(f"{path}.{key}: missing")
                continue
            found += field.check(value[key], f"{path}.{key}", strict)
        if closed:
            found += [f"{path}.{key}: not a documented field" for key in value if key not in spec]
        return found
    return check


def F(check: Check, required: bool = True, realistic: bool = True) -> Field:
    return Field(check, required, realistic)


def optional(check: Check, realistic: bool = True) -> Field:
    return Field(check, required=False, realistic=realistic)


IDENTITY = obj({"connection": F(STR), "provider": F(STR), "user_id": F(STR),
                "isSocial": F(BOOL)})
METHOD_NAME = F(one_of("pwd", "federated", "sms", "email", "mfa"))
# Rules context: epoch milliseconds; Actions event: "timestamp: string" (ISO 8601).
METHOD = obj({"name": METHOD_NAME, "timestamp": F(INT)})
ACTION_METHOD = obj({"name": METHOD_NAME, "timestamp": F(iso_date)})
RULE_USER_FIELDS: dict[str, Field] = {
    "user_id": F(user_id), "created_at": F(iso_date), "identities": F(list_of(IDENTITY, min_size=1)),
    "logins_count": F(INT), "blocked": F(one_of(False)),
    "email": optional(email), "email_verified": optional(BOOL), "name": optional(STR),
    "nickname": optional(STR), "given_name": optional(STR), "family_name": optional(STR),
    "picture": optional(url), "updated_at": optional(iso_date), "last_login": optional(iso_date),
    "last_ip": optional(ip), "app_metadata": optional(metadata),
    "user_metadata": optional(metadata), "multifactor": optional(list_of(STR)),
    "username": optional(STR, realistic=False), "phone_number": optional(STR, realistic=False),
    "phone_verified": optional(BOOL, realistic=False),
    "last_password_reset": optional(iso_date, realistic=False),
    "permissions": optional(list_of(STR), realistic=False),
    "locale": optional(STR, realistic=False),
}
RULE_USER = obj(RULE_USER_FIELDS, closed=True)
GEO_RULE = obj({"country_code": F(STR), "country_code3": F(STR), "country_name": F(STR),
                "city_name": F(STR), "latitude": F(NUMBER), "longitude": F(NUMBER),
                "time_zone": F(STR), "continent_code": F(STR), "subdivision_code": F(STR)})
RULE_REQUEST = obj({"userAgent": F(nullable(STR)), "ip": F(nullable(ip)),
                    "hostname": F(nullable(STR)), "query": F(nullable(json_object)),
                    "body": F(nullable(json_object)), "geoip": optional(GEO_RULE)})
ORGANIZATION = obj({"id": F(STR), "name": F(STR), "metadata": F(json_object)})
RISK = obj({"confidence": F(one_of("low", "medium", "high", "neutral")), "version": F(STR),
            "assessments": F(DICT)})
CONTEXT = obj({
    "tenant": F(STR), "clientID": F(STR), "clientName": F(STR), "clientMetadata": F(string_values),
    "connection": F(STR), "connectionID": F(STR), "connectionStrategy": F(STR),
    "connectionOptions": F(DICT), "connectionMetadata": F(DICT), "protocol": F(STR),
    "stats": F(obj({"loginsCount": F(INT)})),
    "sso": F(obj({"with_auth0": F(BOOL), "with_dbconn": F(BOOL),
                  "current_clients": F(list_of(STR))})),  # "client IDs using SSO"
    "sessionID": optional(STR), "accessToken": F(DICT), "idToken": F(DICT),
    "authorization": optional(obj({"roles": F(list_of(STR))})),
    "authentication": optional(obj({"methods": F(list_of(METHOD, min_size=1))})),
    "request": optional(RULE_REQUEST),
    "organization": optional(ORGANIZATION, realistic=False),
    "riskAssessment": optional(RISK, realistic=False),
}, closed=True)
GEO_ACTION = obj({"countryCode": F(STR), "countryCode3": F(STR), "countryName": F(STR),
                  "cityName": F(STR), "latitude": F(NUMBER), "longitude": F(NUMBER),
                  "timeZone": F(STR), "continentCode": F(STR), "subdivisionCode": F(STR)})
# Actions: app_metadata and user_metadata are always objects.
# The post-login event.user documents no logins_count, last_login, last_ip or blocked.
EVENT_USER = obj({**{k: v for k, v in RULE_USER_FIELDS.items()
                     if k not in ("logins_count", "last_login", "last_ip", "blocked")},
                  "app_metadata": F(json_object),
                  "user_metadata": F(json_object), "enrolledFactors": F(list_of(DICT))},
                 closed=True)
# event.refresh_token (post-login event object; the optional fields checked when present)
REFRESH_TOKEN = obj({
    "id": F(STR), "client_id": F(STR), "created_at": F(iso_date),
    "device": F(obj({**{k: optional(STR, realistic=False) for k in ("initial_asn", "last_asn")},
                     # present when the request has them (adversarial logins have none)
                     **{k: optional(STR) for k in ("initial_ip", "initial_user_agent", "last_ip",
                                                   "last_user_agent")}}, closed=True)),
    "expires_at": optional(iso_date, realistic=False),
    "idle_expires_at": optional(iso_date, realistic=False),
    "last_exchanged_at": F(iso_date), "metadata": F(DICT),
    "resource_servers": F(list_of(DICT)), "rotating": F(BOOL),
    "session_id": optional(STR), "user_id": F(STR),
}, closed=True)
EVENT = obj({
    "user": F(EVENT_USER),
    "client": F(obj({"client_id": F(STR), "name": F(STR), "metadata": F(string_values)})),
    "connection": F(obj({"id": F(STR), "name": F(STR), "strategy": F(STR),
                         "metadata": F(DICT)})),
    "request": F(obj({"ip": F(nullable(ip)), "hostname": F(nullable(STR)),
                      "user_agent": F(nullable(STR)), "language": F(nullable(STR)),
                      "method": F(nullable(one_of("GET", "POST"))), "query": F(json_object),
                      "body": F(json_object), "geoip": F(empty_ok(GEO_ACTION))})),
    "stats": F(obj({"logins_count": F(INT)})),
    "tenant": F(obj({"id": F(STR)})),
    "secrets": F(string_values),
    "authentication": optional(obj({"methods": F(list_of(ACTION_METHOD, min_size=1)),
                                    "riskAssessment": optional(RISK, realistic=False)})),
    # optional in the event object ("event.authorization (Optional)"): adversarial logins
    # leave them out
    "authorization": optional(obj({"roles": F(list_of(STR))})),
    "transaction": optional(obj({"protocol": F(STR), "requested_scopes": F(list_of(STR)),
                                 "acr_values": F(list_of(STR)), "locale": F(STR),
                                 "redirect_uri": F(url), "metadata": F(json_object)})),
    "session": optional(obj({"id": F(STR), "clients": F(list_of(DICT))})),
    "organization": optional(ORGANIZATION, realistic=False),
    # optional, "identifier: The identifier of the resource server": the request's audience
    "resource_server": optional(obj({"identifier": F(STR)}), realistic=False),
    # "[Enterprise Customers] The current refresh token": in refresh token exchanges only
    "refresh_token": optional(REFRESH_TOKEN, realistic=False),
}, closed=True)


def problems(value: Any, check: Check, *, strict: bool = True, path: str = "$") -> list[str]:
    return check(value, path, strict)
