"""Login generation for differential runs (rulekit equiv): Auth0-shaped neutral logins whose
strings come partly from the literals of the code under comparison."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from hypothesis import strategies as st

from ._login import make_login, make_user
from ._render import Artifact

__all__ = ["equiv_logins", "literals_of"]

_STRING = re.compile(r"""'((?:[^'\\\n]|\\.){1,80})'|"((?:[^"\\\n]|\\.){1,80})"|`([^`$\\\n]{1,80})`""")
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.DOTALL)
_PROTOCOLS = ("oidc-basic-profile", "oidc-implicit-profile", "oauth2-resource-owner",
              "oauth2-refresh-token", "oauth2-device-code", "samlp", "wsfed", "redirect-callback")


def _unescape(text: str) -> str:
    """A JS string literal's value (JSON-compatible escapes); the raw text if it has others."""
    if "\\" not in text:
        return text
    try:
        value = json.loads('"' + re.sub(r'(?<!\\)"', '\\\\"', text.replace("\\'", "'")) + '"')
    except json.JSONDecodeError:
        return text
    return value if isinstance(value, str) else text


def literals_of(artifacts: Iterable[Artifact]) -> list[str]:
    """String literals the code compares against (comments left out), sorted and unique."""
    found: set[str] = set()
    for artifact in artifacts:
        code = _COMMENT.sub("", artifact.code)
        for match in _STRING.finditer(code):
            text = next(group for group in match.groups() if group is not None)
            text = _unescape(text)
            if text.strip() and not text.startswith(("use strict", "%")):
                found.add(text)
    return sorted(found)


def equiv_logins(dictionary: Iterable[str] = ()) -> st.SearchStrategy[dict[str, Any]]:
    """Neutral logins where roles, client ids, connection names, protocols and countries are
    drawn from realistic values and from ``dictionary``."""
    words = sorted(set(dictionary))
    base_words = ["admin", "user", "ai_user", "AI System User", "support"]
    word = st.sampled_from(words + base_words) if words else st.sampled_from(base_words)
    text = st.one_of(word, st.text(min_size=0, max_size=8))
    roles = st.lists(text, max_size=4, unique=True)
    app_metadata: st.SearchStrategy[Any] = st.one_of(
        st.none(), st.just({}),
        st.fixed_dictionaries({}, optional={"roles": st.one_of(roles, word), "plan": word}))
    user = st.builds(
        lambda email, app_md, user_md, logins, verified: make_user(
            email=email, app_metadata=app_md, user_metadata=user_md, logins_count=logins,
            email_verified=verified),
        st.sampled_from(["ada@ai.example.com", "sam@ai.example.com", "x@example.org"]),
        app_metadata,
        st.fixed_dictionaries({}, optional={"roles": roles}),
        st.integers(min_value=0, max_value=5000), st.booleans())
    client = st.fixed_dictionaries({
        "client_id": st.one_of(word, st.just("aiSysW3bAppCl1entId0000000000001")),
        "name": st.one_of(word, st.just("AI System Web App")),
        "metadata": st.dictionaries(word, word, max_size=2)})
    connection = st.fixed_dictionaries({
        "id": st.just("con_0000000000000001"),
        "name": st.one_of(word, st.just("Username-Password-Authentication")),
        "strategy": st.sampled_from(["auth0", "google-oauth2", "samlp", "waad"]),
        "metadata": st.just({})})
    protocol = st.one_of(st.sampled_from(_PROTOCOLS), word)
    geoip = st.fixed_dictionaries({
        "country_code": st.one_of(st.sampled_from(["DE", "US", "FR", "CN"]), word),
        "country_code3": st.just("DEU"), "country_name": st.just("Germany"),
        "city_name": st.just("Berlin"), "latitude": st.just(52.52),
        "longitude": st.just(13.405), "time_zone": st.just("Europe/Berlin"),
        "continent_code": st.just("EU"), "subdivision_code": st.just("BE")})
    request = st.one_of(st.none(), st.builds(
        lambda ip, geo: {**make_login()["request"], "ip": ip, "geoip": geo},
        st.sampled_from(["203.0.113.24", "198.51.100.7", "10.0.0.1"]), geoip))
    methods = st.lists(st.fixed_dictionaries({
        "name": st.sampled_from(["pwd", "federated", "sms", "email", "mfa"]),
        "timestamp": st.just(1795852800000)}), max_size=2)
    authentication = st.one_of(st.none(), st.builds(lambda m: {"methods": m}, methods))
    return st.builds(
        lambda **fields: make_login(**fields),
        user=user, roles=roles, client=client, connection=connection, protocol=protocol,
        request=request, authentication=authentication,
        stats=st.builds(lambda n: {"logins_count": n}, st.integers(0, 5000)))
