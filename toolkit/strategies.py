"""Hypothesis strategies for Auth0 logins: ``logins()``, ``users()``, ``contexts()``, ``events()``.

``logins()`` draws the neutral login model of :func:`toolkit.make_login`, so one strategy serves
Rules (``to_rule_shape``) and Actions (``to_action_shape``); ``contexts()`` and ``events()`` are
its projections. Values are realistic by default (valid emails, ISO dates, geoip, identities,
documented protocols) and shrink towards ``make_login()``'s defaults, so a shrunk failure reads
as "the default login, except ...".

Every part can be pinned or constrained with a keyword argument: a plain value pins it, a
strategy draws it, ``None`` (the default) generates it::

    logins(roles=st.just(["admin"]), protocol="oauth2-refresh-token")
    logins(known_roles=["ai_system_admin"], dictionary=dictionary_from(load_rules()))
    logins(adversarial=True)   # also what real tenants contain and rule authors forget

``known_roles`` are the tenant's declared role names; they are mixed with unknown ones. A
:class:`Dictionary` (``dictionary_from(artifacts)``) feeds the literals of the code under test
into role names, client ids, connection names, protocols, country codes and metadata, the way
coverage fuzzers use dictionaries. Bad arguments raise ``hypothesis.errors.InvalidArgument``.
"""

from __future__ import annotations

import contextlib
import copy
import ipaddress
import itertools
import json
import random
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import Any, Final, Literal

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from ._dictionary import Dictionary, dictionary_from
from ._login import (
    ABSENT,
    LOGIN_KEYS,
    USER_FIELDS,
    first_factor,
    make_login,
    to_action_shape,
    to_rule_shape,
)

__all__ = ["Dictionary", "contexts", "dictionary_from", "events", "logins", "roles", "users"]

Login = dict[str, Any]
Source = Literal["app_metadata", "rbac", "either"]
# Whether a declared role is held (True), not held (False) or either (None): in
# user.app_metadata.roles, and in the RBAC roles.
Placement = tuple[bool | None, bool | None]


def _placement(holding: bool | None, source: Source) -> Placement:
    if holding is None:
        return (None, None)
    if holding:  # "either": holding it in app_metadata is enough
        return (True, None) if source in ("app_metadata", "either") else (None, True)
    return (False if source in ("app_metadata", "either") else None,
            False if source in ("rbac", "either") else None)

# ----------------------------------------------------------------------------- realistic values
# The first entry of every table is make_login()'s default, so examples shrink towards it.
PROTOCOLS: Final = (
    "oidc-basic-profile", "oidc-implicit-profile", "oauth2-resource-owner",
    "oauth2-resource-owner-jwt-bearer", "oauth2-password", "oauth2-refresh-token",
    "oauth2-device-code", "oauth2-token-exchange", "samlp", "wsfed", "wstrust-usernamemixed")
# Auth0 runs every rule again, with this protocol, when the user comes back from a redirect.
REENTRY_PROTOCOL: Final = "redirect-callback"
COMMON_ROLES: Final = ("ai_user", "viewer", "editor", "billing", "support", "admin", "Admin",
                       "AI System User")
_PERSONS: Final = (("Jane", "Doe"), ("Ada", "Lovelace"), ("Grace", "Hopper"), ("Sam", "Okafor"),
                   ("Mei", "Tanaka"), ("José", "Núñez"), ("Aarav", "Sharma"), ("Zoë", "Müller"))
_DOMAINS: Final = ("example.com", "ai.example.com", "example.org", "mail.example.net")
_CLIENTS: Final = (
    {"client_id": "aiSysW3bAppCl1entId0000000000001", "name": "AI System Web App"},
    {"client_id": "aiSysAdm1nConsoleCl1entId000002", "name": "AI Admin Console"},
    {"client_id": "aiMob1leAppCl1entId0000000000003", "name": "AI Mobile App"},
    {"client_id": "aiBatchJobsM2mCl1entId000000004", "name": "AI Batch Jobs"},
)
# (id, name, strategy, identity provider, isSocial)
_CONNECTIONS: Final = (
    ("con_0000000000000001", "Username-Password-Authentication", "auth0", "auth0", False),
    ("con_0000000000000002", "google-oauth2", "google-oauth2", "google-oauth2", True),
    ("con_0000000000000003", "acme-saml", "samlp", "samlp", False),
    ("con_0000000000000004", "contoso-entra-id", "waad", "waad", False),
    ("con_0000000000000005", "email", "email", "email", False),
    ("con_0000000000000006", "sms", "sms", "sms", False),
    ("con_0000000000000007", "github", "github", "github", True),
)
_GEO: Final = (
    ("DE", "DEU", "Germany", "Berlin", 52.52, 13.405, "Europe/Berlin", "EU", "BE"),
    ("US", "USA", "United States", "Seattle", 47.6062, -122.3321, "America/Los_Angeles", "NA", "WA"),
    ("FR", "FRA", "France", "Paris", 48.8566, 2.3522, "Europe/Paris", "EU", "IDF"),
    ("JP", "JPN", "Japan", "Tokyo", 35.6762, 139.6503, "Asia/Tokyo", "AS", "13"),
    ("BR", "BRA", "Brazil", "São Paulo", -23.5505, -46.6333, "America/Sao_Paulo", "SA", "SP"),
    ("IN", "IND", "India", "Mumbai", 19.076, 72.8777, "Asia/Kolkata", "AS", "MH"),
    ("NG", "NGA", "Nigeria", "Lagos", 6.5244, 3.3792, "Africa/Lagos", "AF", "LA"),
    ("AU", "AUS", "Australia", "Sydney", -33.8688, 151.2093, "Australia/Sydney", "OC", "NSW"),
    ("CN", "CHN", "China", "Shanghai", 31.2304, 121.4737, "Asia/Shanghai", "AS", "SH"),
)
_GEO_KEYS: Final = ("country_code", "country_code3", "country_name", "city_name", "latitude",
                    "longitude", "time_zone", "continent_code", "subdivision_code")
_IPS: Final = ("203.0.113.24", "198.51.100.7", "192.0.2.44", "2001:db8::1f", "203.0.113.200")
_USER_AGENTS: Final = (
    make_login()["request"]["user_agent"],
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Version/18.1 "
    "Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36",
    "curl/8.11.0",
)
_LANGUAGES: Final = ("en-GB,en;q=0.9", "en-US,en;q=0.9", "de-DE,de;q=0.9,en;q=0.5", "ja-JP,ja",
                     "fr-FR,fr;q=0.9")
_HOSTNAMES: Final = ("example-ai.eu.auth0.com", "login.ai.example.com")
_MFA_FACTORS: Final = ((), ("guardian",), ("google-authenticator",), ("guardian", "sms"),
                       ("webauthn-roaming",))
_META_KEYS: Final = ("plan", "tier", "department", "locale", "mfa_enrolled")
_ID_BASE: Final = 0x64F1C0FFEE0000000000A1B2
_CREATED: Final = 1768469400  # 2026-01-15T09:30:00Z, make_user()'s created_at
_SEEN: Final = 1795767165  # 2026-11-27T08:12:45Z, make_user()'s last_login
_NOW: Final = 1795860000  # 2026-11-28T10:00:00Z, the instant the rule tests freeze the clock at
_METHOD_TS: Final = 1795852800000
_DEFAULT: Final = make_login()
# Keys that show up in JavaScript objects with a meaning of their own.
PROTOTYPE_KEYS: Final = ("__proto__", "constructor", "prototype", "toString", "hasOwnProperty",
                         "valueOf")
# Fields Auth0 documents as possibly missing from a Rules user (app_metadata "may be undefined").
_OPTIONAL_USER_FIELDS: Final = ("app_metadata", "user_metadata", "given_name", "family_name",
                                "picture", "nickname", "email", "email_verified", "last_login",
                                "last_ip", "multifactor")
# Latin letters and their Cyrillic look-alikes.
_HOMOGLYPHS: Final = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "i": "\u0456", "c": "\u0441",
                      "p": "\u0440", "s": "\u0455", "y": "\u0443", "x": "\u0445", "A": "\u0410",
                      "E": "\u0415", "O": "\u041e", "I": "\u0406", "S": "\u0405"}


_SLUG: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)+")
# An email domain or address the code names ("blocked.example", "@partner.com", "ops@ai.com").
_DOMAIN: Final = re.compile(r"[@.]?((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})")  # '.corp.com' too
_EMAIL: Final = re.compile(r"[^@\s]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}")
# A user id the code names ("auth0|breakglass-0001", "google-oauth2|1234"): provider|id.
_USER_ID: Final = re.compile(r"[a-z0-9-]+\|\S+")  # samlp|acme|jdoe too
_HOST: Final = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}")
_SCOPE: Final = re.compile(r"[A-Za-z][\w.-]*:[\w.:*-]+")  # read:users, ai:batch
_IP_PREFIX: Final = re.compile(r"(?:[0-9]{1,3}\.){1,3}")  # '10.20.': startsWith('10.20.')
_CLIENT_ID: Final = re.compile(r"[A-Za-z0-9]{16,64}")
_TYPEOF: Final = frozenset({"string", "number", "object", "undefined", "function", "boolean",
                            "symbol", "bigint"})


def _iso(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


# ----------------------------------------------------------------- adversarial string variants
def _upper(s: str) -> str:
    return s.upper()


def _lower(s: str) -> str:
    return s.lower()


def _title(s: str) -> str:
    return s.title()


def _swapcase(s: str) -> str:
    return s.swapcase()


def _pad_right(s: str) -> str:
    return s + " "


def _pad_left(s: str) -> str:
    return " " + s


def _tab(s: str) -> str:
    return s + "\t"


def _nbsp(s: str) -> str:
    return s + "\u00a0"


def _zero_width(s: str) -> str:
    return s[:1] + "\u200b" + s[1:]


def _homoglyph(s: str) -> str:
    for i, ch in enumerate(s):
        if ch in _HOMOGLYPHS:
            return s[:i] + _HOMOGLYPHS[ch] + s[i + 1:]
    return s + "\u0430"


def _fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def _decomposed(s: str) -> str:
    return unicodedata.normalize("NFD", s) if s != unicodedata.normalize("NFD", s) else s + "\u0301"


def _suffixed(s: str) -> str:
    return s + "_readonly"


def _prefixed(s: str) -> str:
    return "not_" + s


def _dashes(s: str) -> str:
    return s.replace("_", "-").replace(" ", "-")


# Near misses of a role name, by kind: one kind is drawn first, so that each kind is frequent.
VARIANT_KINDS: Final[tuple[tuple[Callable[[str], str], ...], ...]] = (
    (_upper, _title, _swapcase, _lower),
    (_pad_right, _pad_left, _tab, _nbsp),
    (_homoglyph, _zero_width, _fullwidth, _decomposed),
    (_suffixed, _prefixed, _dashes),
)
VARIANTS: Final = tuple(v for kind in VARIANT_KINDS for v in kind)


@st.composite
def _plain(draw: st.DrawFn, strategy: SearchStrategy[Any]) -> Any:
    """The same JSON data, in new objects. Hypothesis prints a value made by st.builds or
    .map as the calls that made it (here: private helpers and their tables); a failing
    example should show the login itself."""
    return json.loads(json.dumps(draw(strategy)))


def _same(value: Any) -> Any:
    return value


def _group(strategy: SearchStrategy[Any]) -> SearchStrategy[Any]:
    """One branch for ``st.one_of``, however many it has inside: one_of flattens nested
    one_ofs (even mapped ones) into a single uniform choice; a built value keeps its weight."""
    return st.builds(_same, strategy)


def _apply(variant: Callable[[str], str], s: str) -> str:
    return variant(s)


def _not_in(names: frozenset[str], name: str) -> bool:
    return name not in names


def _join(separator: str, role: str, others: list[str]) -> str:
    return separator.join([role, *others])


def _insert(roles: list[str], role: str, index: int) -> list[str]:
    return [*roles[:index], role, *roles[index:]]


def _repeat(s: str, times: int) -> str:
    return (s or "x") * times


def _nest(depth: int, leaf: Any, as_list: bool) -> Any:
    value = leaf
    for _ in range(depth):
        value = [value] if as_list else {"a": value}
    return value


# ------------------------------------------------------------------------------- vocabulary
class _Vocab:
    """The building blocks every strategy here shares, for one set of options."""

    def __init__(self, known_roles: tuple[str, ...], dictionary: Dictionary, adversarial: bool,
                 clients: tuple[dict[str, Any], ...], placement: Placement = (None, None)) -> None:
        self.adversarial = adversarial
        words = tuple(w for w in dictionary.strings if len(w) <= 64 and "\n" not in w)
        self.words = words
        # Identifiers (client ids, connection and tenant names, protocols) have no spaces.
        tokens = tuple(w for w in words if len(w) >= 2 and not any(c.isspace() for c in w)
                       and "://" not in w and w not in _TYPEOF)
        slugs = tuple(w for w in tokens if _SLUG.fullmatch(w))
        self.slugs = slugs
        # Literals that are typeof results or URLs are compared with something, not role names.
        role_words = tuple(w for w in words if w not in _TYPEOF and "://" not in w)
        bases = known_roles or role_words or COMMON_ROLES
        known = frozenset(known_roles)
        not_known = partial(_not_in, known)
        # Names that are not a declared role (exactly): unknown ones, and with adversarial=True
        # near misses of the declared ones (or of the dictionary's words), names with a meaning
        # in JavaScript objects, very long and random names. Branches of one_of are drawn
        # about equally often, so each kind gets its own.
        # The code's role names and the tenant's other roles get their own branch: among the
        # dictionary's many words (countries, claims, ids) they would be drawn too rarely to
        # catch a rule that asks MFA of a role the property does not expect.
        role_like = tuple(r for r in dictionary.roles if r not in known and r in role_words)
        unknown: SearchStrategy[str] = st.one_of(
            *([st.sampled_from(role_like)] if role_like else []),
            *([st.sampled_from(w)] if (w := tuple(x for x in role_words if x not in known)) else []),
            st.sampled_from(tuple(r for r in COMMON_ROLES if r not in known) or ("viewer-x",)))
        others: list[SearchStrategy[str]] = [_group(unknown)]
        near_miss: SearchStrategy[str] = st.nothing()
        if adversarial:
            # A variant may equal a declared name (lower() of a lower-case one): safety net.
            near_miss = st.builds(_apply, st.one_of([st.sampled_from(k) for k in VARIANT_KINDS]),
                                  st.sampled_from(bases)).filter(not_known)
            others = [near_miss, st.sampled_from(PROTOTYPE_KEYS).filter(not_known), _group(st.one_of(
                unknown, st.builds(_repeat, st.sampled_from(bases), st.integers(20, 300)),
                st.text(max_size=12).filter(not_known)))]
            if role_like:  # a quarter of the other roles: the code's and the tenant's
                others.append(st.sampled_from(role_like))
        declared = [st.sampled_from(known_roles)] if known_roles else []
        self.role: SearchStrategy[str] = _plain(st.one_of(declared + others))
        self.other_role: SearchStrategy[str] = _plain(st.one_of(others))
        # A lone role stored as a string: with adversarial=True, declared, a near miss of one,
        # or several joined in one string ("ai_admin,viewer"): string comparisons are where
        # substring and case bugs live.
        focused = adversarial and bool(known_roles)
        joined = st.builds(_join, st.sampled_from((",", ", ", " ", ";")),
                           st.sampled_from(known_roles or ("x",)),
                           st.lists(self.other_role, min_size=1, max_size=2))
        self.lone_role = _plain(st.one_of(*declared, others[0], joined)) if focused else self.role
        self.lone_other = (_plain(st.one_of(others[0], joined, others[1])) if focused
                           else self.other_role)
        mixed = st.lists(self.role, max_size=4)
        self.role_list: SearchStrategy[list[str]] = mixed
        self.other_list: SearchStrategy[list[str]] = st.lists(self.other_role, max_size=4)
        self.holder_list: SearchStrategy[list[str]] = st.nothing()
        if known_roles:
            self.holder_list = st.builds(_insert, st.lists(self.other_role, max_size=3),
                                         st.sampled_from(known_roles), st.integers(0, 3))
        if focused:
            # Swarm-style lists, a quarter each: mixed; a declared role among others, not
            # first; near misses only; names with a meaning in JavaScript objects only.
            near_list = _plain(st.lists(near_miss, min_size=1, max_size=3))
            proto_list = st.lists(st.sampled_from(PROTOTYPE_KEYS).filter(not_known), min_size=1,
                                  max_size=2)
            self.role_list = st.one_of(
                mixed, st.builds(_insert, st.lists(self.other_role, min_size=1, max_size=3),
                                 st.sampled_from(known_roles), st.integers(1, 3)),
                near_list, proto_list)
            self.other_list = st.one_of(self.other_list, near_list, proto_list)
        self.holding, rbac_holding = placement
        self.known = known_roles
        if rbac_holding:
            self.rbac_roles: SearchStrategy[list[str]] = st.builds(
                _insert, st.lists(self.other_role, max_size=3, unique=True),
                st.sampled_from(known_roles), st.integers(0, 3))
        elif rbac_holding is False:
            self.rbac_roles = st.lists(self.other_role, max_size=4, unique=True)
        else:
            self.rbac_roles = st.lists(self.role, max_size=4, unique=True)
        if adversarial and rbac_holding is None:
            # event.authorization is optional (Auth0's post-login event object): left out in
            # one login of eight (the flag shrinks to "present"); a template that read
            # event.authorization.roles unguarded passed the shipped properties.
            self.rbac_roles = st.builds(_unless, self.rbac_roles,
                                        st.integers(0, 7).map(lambda n: n == 7))
        word_or_text = [st.sampled_from(words)] if words else []
        self.text: SearchStrategy[str] = st.one_of(
            *word_or_text, st.sampled_from(COMMON_ROLES),
            *([st.text(max_size=16), st.builds(_repeat, st.sampled_from(bases),
                                                st.integers(100, 1000))] if adversarial else []))
        # Emails at the domains (and the addresses) the code names: without them a blocklist
        # of domains was never reached by a generated login. Half of the users keep their own.
        domains = tuple(sorted({m.group(1) for w in tokens if "://" not in w
                                and (m := _DOMAIN.fullmatch(w)) is not None}))
        addresses = tuple(w for w in tokens if _EMAIL.fullmatch(w))
        kinds = _EMAIL_KINDS + (_ODD_EMAIL_KINDS if adversarial else ())
        picks: list[SearchStrategy[tuple[str, str]]] = []
        if domains:
            picks.append(st.tuples(st.sampled_from(kinds), st.sampled_from(domains)))
        if addresses:
            picks.append(st.tuples(st.just("exact"), st.sampled_from(addresses)))
        self.email: SearchStrategy[tuple[str, str] | None] = (
            st.one_of(st.none(), *picks) if picks else st.none())
        # What the code compares parts of the request with (a backdoor for an office network,
        # an internal hostname, a health-check user agent, an audience, a query parameter):
        # the literals become the request's, in half of the requests (each kind a share). The
        # five fixed addresses and two hostnames of the table could never match them.
        tweaks: list[SearchStrategy[tuple[str, Any]]] = []
        for kind, found in (("ip", _code_ips(tokens)),
                            ("hostname", tuple(w for w in tokens if _HOST.fullmatch(w)
                                               and not _code_ips((w,)))),
                            ("agent", tuple(w for w in tokens if len(w) >= 3)),
                            ("audience", tuple(w for w in words if "://" in w
                                               or w.startswith("urn:")))):
            if found:
                tweaks.append(st.tuples(st.just(kind), st.sampled_from(found)))
        if dictionary.query_keys:  # event.request.query.login_hint
            tweaks.append(st.tuples(st.just("query"), st.tuples(
                st.sampled_from(dictionary.query_keys), self.text)))
        self.request_tweak: SearchStrategy[tuple[str, Any]] | None = (
            st.one_of(tweaks) if tweaks else None)
        # Scopes the code names (requested_scopes.includes('ai:batch')), added to the
        # requested ones; organization ids it names (org_...), as the organization's.
        self.scopes = tuple(w for w in tokens if _SCOPE.fullmatch(w) and "|" not in w
                            and not w.startswith(("urn:", "http")))
        self.org_ids = tuple(w for w in tokens if w.startswith("org_"))
        # The user ids the code names (a break-glass account's), for half of the users.
        ids = tuple(w for w in tokens if _USER_ID.fullmatch(w))
        self.user_id: SearchStrategy[str | None] = (
            st.one_of(st.none(), st.sampled_from(ids)) if ids else st.none())
        ints = sorted({int(n) + d for n in dictionary.numbers if 0 <= n < 10**9 for d in (-1, 0, 1)
                       if int(n) + d >= 0})
        self.count: SearchStrategy[int] = st.one_of(
            st.just(42), st.integers(0, 10_000), *([st.sampled_from(ints)] if ints else []))
        scalar: list[SearchStrategy[Any]] = [self.text, st.booleans(), self.count]
        if dictionary.numbers:
            scalar.append(st.sampled_from(dictionary.numbers))
        self.scalar: SearchStrategy[Any] = st.one_of(scalar)
        # Never "roles" among the extras: roles (and their odd types) are drawn on purpose.
        keys = tuple(k for k in dict.fromkeys(dictionary.names + _META_KEYS) if k != "roles")
        key_words = tuple(w for w in tokens if w != "roles")
        # Keys the code reads from metadata objects get a branch of their own.
        read = tuple(k for k in dictionary.metadata_keys if k != "roles")
        self.meta_key: SearchStrategy[str] = st.one_of(
            *([st.sampled_from(read)] if read else []), st.sampled_from(keys),
            *([st.sampled_from(key_words)] if key_words else []))
        # At most one extra key: every choice costs generation time, and one is enough to
        # reach a comparison with a dictionary key.
        # A key the code reads, set to true, gets a branch too: flags (suspended, mfa_exempt)
        # decide logins, and as one scalar among many a newcomer's `suspended === true` was
        # drawn in 3 logins of 2,000.
        def extras(values: SearchStrategy[Any], flag: Any) -> SearchStrategy[dict[str, Any]]:
            return st.one_of(
                st.just({}), st.builds(_one_key, self.meta_key, values),
                *([st.builds(_one_key, st.sampled_from(read), st.just(flag))] if read else []))

        self.extras: SearchStrategy[dict[str, Any]] = extras(self.scalar, True)
        # Organization and client metadata hold strings only in Auth0 ("an object with
        # string values", Management API): a flag there is "true"; drawn as true, an
        # org's `require_mfa === "true"` was never reached, and `=== true` never failed.
        self.string_extras: SearchStrategy[dict[str, str]] = extras(self.text, "true")
        self.protocol: SearchStrategy[str] = st.one_of(
            st.sampled_from(PROTOCOLS + ((REENTRY_PROTOCOL,) if adversarial else ())),
            *([st.sampled_from(slugs)] if slugs else []))
        client_table = clients or _CLIENTS
        client_parts: list[SearchStrategy[dict[str, Any]]] = [
            st.builds(_client, st.sampled_from(client_table), self.string_extras)]
        # Literals shaped like client ids (Auth0's are 32 letters and digits) are most likely
        # compared with clientID; other literals may be too.
        ids = tuple(w for w in tokens if _CLIENT_ID.fullmatch(w)) or tokens
        if ids:
            client_parts.append(st.builds(_word_client, st.sampled_from(ids), self.string_extras))
        self.client: SearchStrategy[dict[str, Any]] = st.one_of(client_parts)
        connection_parts: list[SearchStrategy[tuple[Any, ...]]] = [st.sampled_from(_CONNECTIONS)]
        if tokens:
            connection_parts.append(st.builds(_word_connection, st.sampled_from(tokens)))
        self.connection_row: SearchStrategy[tuple[Any, ...]] = st.one_of(connection_parts)
        codes = tuple(w for w in tokens if len(w) == 2 and w.isalpha() and w.isupper())
        geo_parts: list[SearchStrategy[dict[str, Any]]] = [st.builds(_geo, st.sampled_from(_GEO))]
        if codes:
            geo_parts.append(st.builds(_geo_for, st.sampled_from(codes)))
        self.geo: SearchStrategy[dict[str, Any]] = st.one_of(geo_parts)

    # -- metadata ---------------------------------------------------------------------------
    def app_metadata(self, roles_pin: SearchStrategy[Any] | None) -> SearchStrategy[Any]:
        # A lone role stored as a string is common in real tenants (and in rule bugs).
        if roles_pin is not None:
            roles_value = roles_pin
        elif self.holding:
            roles_value = st.one_of(_group(self.holder_list), st.sampled_from(self.known))
        elif self.holding is False:
            roles_value = st.one_of(_group(self.other_list), _group(self.lone_other))
        else:
            roles_value = st.one_of(_group(self.role_list), _group(self.lone_role))
        # Without roles: not for logins that must hold a declared role there.
        may_lack = roles_pin is None and not self.holding
        choices: list[SearchStrategy[Any]] = []
        if may_lack:
            choices.append(st.builds(_metadata, st.just(ABSENT), self.extras))
        with_roles = st.builds(_metadata, roles_value, self.extras)
        choices.append(with_roles)
        if self.adversarial:
            # Half with roles (where comparison bugs are), half odd: what real tenants contain
            # and rule authors forget. No roles ({}) comes first among the odd: the simplest.
            odd: list[SearchStrategy[Any]] = [
                *choices[:-1],
                st.builds(_with_proto, roles_value, self.role_list),
                st.builds(_with_deep, roles_value, st.integers(10, 60), self.scalar, st.booleans())]
            if may_lack:
                lone, names = ((self.lone_other, self.other_list) if self.holding is False
                               else (self.role, self.role_list))
                # Roles of the wrong type; declared names inside them hold no role.
                odd_roles: SearchStrategy[Any] = st.one_of(
                    _group(lone), st.none(), st.integers(-1, 3),
                    st.builds(_index_map, self.role_list), st.builds(_nested_list, self.role_list),
                    st.builds(_mixed_list, names),
                    st.builds(_repeat_list, lone, st.integers(0, 200)))
                odd += [st.sampled_from((ABSENT, None)), st.builds(_metadata, odd_roles, self.extras)]
            return st.one_of(with_roles, _group(st.one_of(odd)))
        return st.one_of(choices)

    def user_metadata(self) -> SearchStrategy[Any]:
        choices: list[SearchStrategy[Any]] = [
            st.just({}),
            st.sampled_from(({"lang": "en"}, {"lang": "de", "theme": "dark"}, {"theme": "light"}))
            .map(dict),
            # Users can write user_metadata themselves: roles there must never count.
            st.builds(_metadata, self.role_list, self.extras),
        ]
        if self.adversarial:
            return st.one_of(_group(st.one_of(choices)), _group(st.one_of(
                st.just(ABSENT), st.none(), st.builds(_with_proto, self.role_list, self.role_list),
                st.builds(_with_deep, self.role_list, st.integers(10, 60), self.scalar,
                          st.booleans()))))
        return st.one_of(choices)


def _client(row: Mapping[str, Any], metadata: dict[str, Any]) -> dict[str, Any]:
    return {"client_id": row["client_id"], "name": row.get("name", row["client_id"]),
            "metadata": copy.deepcopy(row["metadata"]) if "metadata" in row else metadata}


def _word_client(word: str, metadata: dict[str, Any]) -> dict[str, Any]:
    return {"client_id": word, "name": word, "metadata": metadata}


def _word_connection(word: str) -> tuple[Any, ...]:
    return ("con_dictionary00001", word, "auth0", "auth0", False)


def _geo(row: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(_GEO_KEYS, row, strict=True))


def _geo_for(code: str) -> dict[str, Any]:
    return {**_geo(_GEO[0]), "country_code": code, "country_name": code, "city_name": code}


_PROMPTS: Final = ("none", "login", "consent", "select_account")


def _one_key(key: str, value: Any) -> dict[str, Any]:
    return {key: value}


def _code_ips(words: Iterable[str]) -> tuple[str, ...]:
    """Addresses the code names: an address, one in a network (`10.20.0.0/16`), or one that
    starts with a prefix (`'10.20.'`, as in `ip.startsWith('10.20.')`)."""
    found: set[str] = set()
    for word in words:
        try:
            if "/" in word:
                # Inside, at both ends, and just outside: a port that widened or narrowed the
                # range (/16 -> /15) decided the same on an address in the middle.
                network = ipaddress.ip_network(word, strict=False)
                first, last = network.network_address, network.broadcast_address
                for offset in (-1, 0, min(7, network.num_addresses - 1)):
                    with contextlib.suppress(ValueError):  # below 0.0.0.0
                        found.add(str(first + offset))
                for offset in (0, 1):
                    with contextlib.suppress(ValueError):  # above the last address
                        found.add(str(last + offset))
            else:
                found.add(str(ipaddress.ip_address(word)))
        except ValueError:
            if _IP_PREFIX.fullmatch(word):
                octets = word.rstrip(".").split(".")
                try:  # 999.1. is no prefix; 010. is none Python reads either
                    found.add(str(ipaddress.ip_address(".".join(octets + ["7"] * (4 - len(octets))))))
                except ValueError:
                    pass
    return tuple(sorted(found))


def _tweaked(request: dict[str, Any], tweak: tuple[str, Any]) -> dict[str, Any]:
    kind, value = tweak
    if kind == "agent":
        return {**request, "user_agent": f"{request['user_agent']} {value}"}
    if kind in ("ip", "hostname"):
        return {**request, kind: value}
    key, text = ("audience", value) if kind == "audience" else value
    return {**request, "query": {**request["query"], key: text}}




def _metadata(roles: Any, extras: dict[str, Any]) -> dict[str, Any]:
    return {**extras} if roles is ABSENT else {**extras, "roles": roles}


def _index_map(roles: list[str]) -> dict[str, str]:
    return {str(i): r for i, r in enumerate(roles)}


def _nested_list(roles: list[str]) -> list[list[str]]:
    return [roles]


def _mixed_list(roles: list[str]) -> list[Any]:
    return [None, 1, *roles, {"name": roles[0] if roles else "admin"}]


def _repeat_list(role: str, times: int) -> list[str]:
    return ["viewer"] * times + [role]


def _with_proto(roles: Any, other: list[str]) -> dict[str, Any]:
    return {"__proto__": {"roles": other}, "constructor": {"prototype": {"roles": other}},
            **({} if roles is ABSENT else {"roles": roles})}


def _with_deep(roles: Any, depth: int, leaf: Any, as_list: bool) -> dict[str, Any]:
    return {"prefs": _nest(depth, leaf, as_list), **({} if roles is ABSENT else {"roles": roles})}


# ------------------------------------------------------------------------------------ users
# How a drawn domain becomes the user's email: at it, at a subdomain of it; with
# adversarial=True, the spellings that slip past a careless comparison (case, spaces, a
# domain that ends or starts with it).
_EMAIL_KINDS: Final = ("at", "sub")
_ODD_EMAIL_KINDS: Final = ("upper", "title", "spaced", "suffix", "prefix")


_SPELLINGS: Final[dict[str, Callable[[str, str], str]]] = {
    "exact": lambda local, value: value,
    "at": lambda local, value: f"{local}@{value}",
    "sub": lambda local, value: f"{local}@mail.{value}",
    "upper": lambda local, value: f"{local}@{value}".upper(),
    "title": lambda local, value: f"{local.title()}@{value.title()}",
    "spaced": lambda local, value: f" {local}@{value} ",
    "suffix": lambda local, value: f"{local}@not{value}",
    "prefix": lambda local, value: f"{local}@{value}.evil.test",
}


def _email_at(local: str, kind: str, value: str) -> str:
    """The email of a drawn spelling (only it is built: drawing is the fuzzing's ceiling)."""
    return _SPELLINGS[kind](local, value)


def _profiles() -> tuple[tuple[Any, ...], ...]:
    """Cosmetic parts of a user drawn as one choice (generation speed is the fuzzing ceiling):
    (person, domain, email_verified, enrolled factors, optional fields, days since sign-up,
    minutes since last login, linked connection row or None). The first one is make_user()'s."""
    optional: tuple[dict[str, Any], ...] = (
        {}, {"username": "jdoe"}, {"phone_number": "+4915112345678", "phone_verified": True},
        {"last_password_reset": _iso(_SEEN - 86400 * 30), "permissions": ["read:models"]})
    rows = list(itertools.product(_PERSONS, _DOMAINS, (True, False), _MFA_FACTORS, optional))
    random.Random(4).shuffle(rows)
    linked = (None, None, None, _CONNECTIONS[1], _CONNECTIONS[6])
    table = [(*row, (i * 97) % 3000, (i * 7919) % 200_000, linked[i % len(linked)])
             for i, row in enumerate(rows[:255], start=1)]
    return ((_PERSONS[0], _DOMAINS[0], True, (), {}, 0, 0, None), *table)


_PROFILES: Final = _profiles()


def _make_user(profile: tuple[Any, ...], id_offset: int, connection: tuple[Any, ...],
               logins_count: int, app_metadata: Any, user_metadata: Any,
               oddity: tuple[frozenset[str], int], pins: tuple[tuple[str, Any], ...],
               email: tuple[str, str] | None = None, user_id: str | None = None,
               new_hours: int | None = None) -> dict[str, Any]:
    (given, family), domain, verified, multifactor, optional, days, minutes, linked = profile
    removed, long_name = oddity
    local = f"{_ascii(given)}.{_ascii(family)}"
    sub = f"{_ID_BASE + id_offset:024x}" if connection[3] == "auth0" else str(10**20 + id_offset)
    # new_hours: an account made that many hours before the frozen instant (a grace period
    # for new users skipped MFA unseen: every account was 317 days old or more then).
    created = _CREATED - days * 86400 if new_hours is None else _NOW - new_hours * 3600 - 60
    seen = max(created, _SEEN - minutes * 60)
    user: dict[str, Any] = {
        "user_id": f"{connection[3]}|{sub}",
        "email": f"{local}@{domain}" if email is None else _email_at(local, *email),
        "email_verified": verified,
        "name": f"{given} {family}" * (long_name or 1),
        "nickname": local,
        "given_name": given,
        "family_name": family,
        "picture": f"https://s.gravatar.com/avatar/{sub[-8:]}?s=480&r=pg&d=https%3A%2F%2Fcdn."
                   f"auth0.com%2Favatars%2F{_ascii(given[0] + family[0])}.png",
        "created_at": _iso(created),
        "updated_at": _iso(seen),
        "last_login": _iso(seen),
        "last_ip": _IPS[id_offset % len(_IPS)],
        "logins_count": logins_count,
        "blocked": False,  # Auth0 runs no rule for a blocked user
        "app_metadata": app_metadata,
        "user_metadata": user_metadata,
        "multifactor": list(multifactor),
        "identities": [{"connection": connection[1], "provider": connection[3],
                        "user_id": sub, "isSocial": connection[4]}],
        **copy.deepcopy(optional),
    }
    if "last_password_reset" in user and user["last_password_reset"] < user["created_at"]:
        user["last_password_reset"] = user["created_at"]  # not before the account existed
    if id_offset == 0 and connection[3] == "auth0":
        user["picture"] = _DEFAULT["user"]["picture"]  # shrinks to exactly make_user()
    if user_id is not None:  # the code's id: its identity's provider and id follow it
        provider, _, own = user_id.partition("|")
        user["user_id"] = user_id
        user["identities"][0].update(provider=provider, user_id=own)
    if linked is not None and linked[1] != connection[1]:
        user["identities"].append({"connection": linked[1], "provider": linked[3],
                                   "user_id": str(10**20 + id_offset + 1), "isSocial": linked[4]})
    for key, value in pins:
        user[key] = copy.deepcopy(value)
    for key in removed:
        user.pop(key, None)
    return {key: value for key, value in user.items() if value is not ABSENT}


def _user_strategy(vocab: _Vocab, pins: dict[str, Any],
                   roles_pin: SearchStrategy[Any] | None) -> SearchStrategy[dict[str, Any]]:
    plain = tuple((k, v) for k, v in pins.items() if not isinstance(v, SearchStrategy))
    drawn = {k: v for k, v in pins.items() if isinstance(v, SearchStrategy)}
    kept = set(pins) | ({"app_metadata"} if roles_pin is not None or vocab.holding else set())
    removable = tuple(f for f in _OPTIONAL_USER_FIELDS if f not in kept)
    none: tuple[frozenset[str], int] = (frozenset(), 0)
    oddity: SearchStrategy[tuple[frozenset[str], int]] = st.just(none)
    if vocab.adversarial:
        oddity = st.one_of(
            st.just(none),
            st.tuples(st.frozensets(st.sampled_from(removable), min_size=1, max_size=3),
                      st.just(0)) if removable else st.just(none),
            st.tuples(st.just(frozenset()), st.integers(50, 500)))
    base = st.builds(
        _make_user,
        profile=st.sampled_from(_PROFILES),
        id_offset=st.integers(0, 2**40),
        connection=vocab.connection_row,
        logins_count=vocab.count,
        app_metadata=vocab.app_metadata(roles_pin),
        user_metadata=vocab.user_metadata(),
        oddity=oddity,
        pins=st.just(plain),
        email=vocab.email,
        user_id=vocab.user_id,
        new_hours=st.one_of(st.none(), st.integers(0, 30 * 24)),
    )
    if not drawn:
        return _plain(base)
    return _plain(st.builds(_override, base, st.fixed_dictionaries(drawn)))


def _override(user: dict[str, Any], drawn: dict[str, Any]) -> dict[str, Any]:
    for key, value in drawn.items():
        if value is ABSENT:
            user.pop(key, None)
        else:
            user[key] = value
    return user


# -------------------------------------------------------------------- argument validation
def _fail(func: str, name: str, value: Any, expected: str) -> InvalidArgument:
    return InvalidArgument(f"{func}({name}={value!r}): {name} must be {expected}, or a strategy")


def _json_ok(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)


def _just(value: Any) -> SearchStrategy[Any]:
    if isinstance(value, dict | list):
        return st.just(value).map(copy.deepcopy)  # never share a mutable value between examples
    return st.just(value)


_CHECKS: Final[dict[str, tuple[Callable[[Any], bool], str]]] = {
    "user": (lambda v: isinstance(v, dict), "a dict (a Rules user)"),
    "roles": (_is_str_list, "a list of role names (str)"),
    "client": (lambda v: isinstance(v, dict) and isinstance(v.get("client_id"), str),
               "a dict with a 'client_id' string"),
    "connection": (lambda v: isinstance(v, dict) and isinstance(v.get("name"), str),
                   "a dict with a 'name' string"),
    "protocol": (lambda v: isinstance(v, str), "a string"),
    "tenant": (lambda v: isinstance(v, str), "a string"),
    "request": (lambda v: isinstance(v, dict), "a dict or ABSENT (no request)"),
    "authentication": (lambda v: isinstance(v, dict), "a dict or ABSENT"),
    "stats": (lambda v: isinstance(v, dict), "a dict"),
    "session": (lambda v: isinstance(v, dict), "a dict"),
    "organization": (lambda v: isinstance(v, dict), "a dict or ABSENT"),
    "transaction": (lambda v: isinstance(v, dict), "a dict"),
    "risk_assessment": (lambda v: isinstance(v, dict), "a dict or ABSENT"),
    "refresh_token": (lambda v: isinstance(v, dict), "a dict or ABSENT"),
}
_MAY_BE_ABSENT: Final = frozenset({"request", "authentication", "organization", "risk_assessment",
                                   "refresh_token", "transaction", "session", "roles"})


def _pin(func: str, name: str, value: Any) -> SearchStrategy[Any] | None:
    if value is None:
        return None
    if isinstance(value, SearchStrategy):
        return value
    if value is ABSENT and name in _MAY_BE_ABSENT:
        return st.none()  # the neutral model's "absent"
    check, expected = _CHECKS[name]
    if value is ABSENT or not check(value) or not _json_ok(value):
        raise _fail(func, name, value, expected + (", JSON-serialisable" if check(value) else ""))
    return _just(value)


def _known_roles(func: str, known_roles: Any) -> tuple[str, ...]:
    if isinstance(known_roles, str | bytes) or not isinstance(known_roles, Iterable):
        raise InvalidArgument(f"{func}(known_roles={known_roles!r}): known_roles must be a list "
                              f"of role names, e.g. [{known_roles!r}]")
    known = tuple(known_roles)
    if not all(isinstance(r, str) for r in known):
        shown = known_roles if isinstance(known_roles, list | tuple) else list(known)
        raise InvalidArgument(f"{func}(known_roles={shown!r}): every role name must be a string")
    return tuple(dict.fromkeys(known))


def _clients(func: str, clients: Any) -> tuple[dict[str, Any], ...]:
    items = (list(clients) if isinstance(clients, Iterable)
             and not isinstance(clients, str | bytes | Mapping) else None)
    if items is None or not all(isinstance(c, Mapping) and isinstance(c.get("client_id"), str)
                                for c in items):
        shown = clients if items is None or isinstance(clients, list | tuple) else items
        raise InvalidArgument(f"{func}(clients={shown!r}): clients must be a list of dicts "
                              f"with a 'client_id'")
    return tuple(dict(c) for c in items)


def _options(func: str, known: tuple[str, ...], dictionary: Any, adversarial: Any,
             table: tuple[dict[str, Any], ...] = (), holding: Any = None,
             source: Any = "app_metadata") -> _Vocab:
    if dictionary is None:
        words = Dictionary()
    elif isinstance(dictionary, Dictionary):
        words = dictionary
    elif isinstance(dictionary, Iterable) and not isinstance(dictionary, str | bytes | Mapping):
        items = list(dictionary)
        if not all(isinstance(w, str) for w in items):
            raise InvalidArgument(f"{func}(dictionary={dictionary!r}): give a Dictionary "
                                  f"(dictionary_from(artifacts)) or a list of strings")
        words = Dictionary.of(items)
    else:
        raise InvalidArgument(f"{func}(dictionary={dictionary!r}): give a Dictionary "
                              f"(dictionary_from(artifacts)) or a list of strings")
    if not isinstance(adversarial, bool):
        raise InvalidArgument(f"{func}(adversarial={adversarial!r}): adversarial must be True "
                              f"or False")
    if holding not in (None, True, False) or not isinstance(holding, bool | None):
        raise InvalidArgument(f"{func}(holding={holding!r}): holding must be True, False or None")
    if source not in ("app_metadata", "rbac", "either"):
        raise InvalidArgument(f"{func}(holding_source={source!r}): use 'app_metadata', 'rbac' "
                              f"or 'either'")
    if holding is not None and not known:
        raise InvalidArgument(f"{func}(holding={holding!r}): give known_roles, the roles to "
                              f"hold (or not)")
    return _Vocab(known, words, adversarial, table, _placement(holding, source))


_CACHE: dict[Any, SearchStrategy[Any]] = {}
_CACHE_SIZE: Final = 256


def _freeze(value: Any) -> Any:
    """A hashable key for arguments (strategies by identity); TypeError if there is none."""
    if isinstance(value, dict):
        return ("dict", tuple((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(_freeze(v) for v in value))
    if isinstance(value, str | int | float | bool | None):
        return (type(value).__name__, value)
    hash(value)
    return ("object", value)


def _cached(kind: str, build: Callable[[], SearchStrategy[Any]], arguments: dict[str, Any]
            ) -> SearchStrategy[Any]:
    # Tests draw with data.draw(logins(...)) on every example: build each strategy once.
    try:
        key = (kind, _freeze(arguments))
    except TypeError:
        return build()
    found = _CACHE.get(key)
    if found is None:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        found = _CACHE[key] = build()
    return found


# ----------------------------------------------------------------------------- login parts
def _request_rows() -> tuple[tuple[Any, ...], ...]:
    """(ip, hostname, user agent, language, method, offline_access) combinations, drawn as one
    choice; the first one is make_login()'s request."""
    rows = list(itertools.product(_IPS, _HOSTNAMES, _USER_AGENTS, _LANGUAGES, ("GET", "POST"),
                                  (False, True)))
    random.Random(7).shuffle(rows)
    return ((_IPS[0], _HOSTNAMES[0], _USER_AGENTS[0], _LANGUAGES[0], "GET", False), *rows[:127])


_REQUESTS: Final = _request_rows()
_SESSIONS: Final = tuple((sid, clients) for clients in ((), (_CLIENTS[0]["client_id"],),
                                                        (_CLIENTS[1]["client_id"],),
                                                        (_CLIENTS[0]["client_id"],
                                                         _CLIENTS[2]["client_id"]))
                         for sid in ("sess_9F2kQ1xZ7nB4", "sess_Qm41Lz0pXe8T"))
_TRANSACTIONS: Final = tuple(itertools.product(
    (("openid", "profile", "email"), ("openid", "profile", "email", "offline_access"),
     ("openid",)),
    ((), ("http://schemas.openid.net/pape/policies/2007/06/multi-factor",)),
    ("en", "de", "ja")))
_AUTHENTICATIONS: Final = tuple(itertools.product(
    (("pwd",), ("federated",), ("pwd", "mfa"), ("sms",), ("email",), ("federated", "mfa"),
     ("pwd", "sms")), (0, 3600, 86400 * 7)))
# Adaptive MFA's checks, each with its own confidence and the code Auth0 documents for it
# (post-login event object, authentication.riskAssessment.assessments); the overall
# confidence is the lowest of them.
# Each check: high, medium, low, or "unavailable" (Customize Adaptive MFA: "Auth0
# automatically assigns a low confidence score if there is any sort of failure", code
# assessment_not_available). "neutral" is "reserved for future use": not drawn.
_CONFIDENCES: Final = ("high", "medium", "low", "unavailable")
_CHECK_CODES: Final = {
    "NewDevice": {"high": "match", "medium": "partial_match", "low": "no_match"},
    "ImpossibleTravel": {"high": "minimal_travel_from_last_login",
                         "medium": "substantial_travel_from_last_login",
                         "low": "impossible_travel_from_last_login"},
    "UntrustedIP": {"high": "not_found_on_deny_list", "medium": "invalid_ip_address",
                    "low": "found_on_deny_list"},
}
_DEVICE_DETAILS: Final = {"match": ("known", "known"), "partial_match": ("known", "unknown"),
                          "no_match": ("unknown", "unknown")}
# UntrustedIP details on a deny-list hit ("ip, matches, source, category").
_DENY_LIST_DETAILS: Final = {"ip": "198.51.100.7", "matches": "198.51.100.0/24",
                             "source": "FireHOL", "category": "abuse"}
_RISKS: Final = (None, *itertools.product(_CONFIDENCES, repeat=len(_CHECK_CODES)))


def _request(row: tuple[Any, ...], extra: dict[str, Any], geo: dict[str, Any]) -> dict[str, Any]:
    ip, hostname, agent, language, method, offline = row
    scope = "openid profile email" + (" offline_access" if offline else "")
    return {"ip": ip, "hostname": hostname, "user_agent": agent, "language": language,
            "method": method, "query": {"scope": scope, "response_type": "code", **extra},
            "body": {}, "geoip": geo}


def _default_request() -> dict[str, Any]:
    request: dict[str, Any] = copy.deepcopy(_DEFAULT["request"])
    return request


def _with_prompt(request: dict[str, Any], prompt: str) -> dict[str, Any]:
    return {**request, "query": {**request["query"], "prompt": prompt}}


def _with_agent(request: dict[str, Any], agent: str) -> dict[str, Any]:
    return {**request, "user_agent": agent}


def _authentication(row: tuple[tuple[str, ...], int] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    methods, age = row
    return {"methods": [{"name": m, "timestamp": _METHOD_TS - age * 1000} for m in methods]}


def _unless(value: Any, absent: bool) -> Any:
    return None if absent else value


def _session(row: tuple[str, tuple[str, ...]]) -> dict[str, Any]:
    sid, clients = row
    return {"id": sid, "clients": [{"client_id": c} for c in clients]}


def _organization(name: str, metadata: dict[str, Any], org_id: str | None = None
                  ) -> dict[str, Any]:
    return {"id": org_id or f"org_{_ascii(name).replace(' ', '')[:12] or 'x'}0001",
            "name": name, "display_name": name.title(), "metadata": metadata}


def _risk(row: tuple[str, ...] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    assessments: dict[str, Any] = {}
    for (check, codes), drawn in zip(_CHECK_CODES.items(), row, strict=True):
        confidence = "low" if drawn == "unavailable" else drawn
        code = codes.get(drawn, "assessment_not_available")
        item: dict[str, Any] = {"confidence": confidence, "code": code}
        if code in _DEVICE_DETAILS:
            device, agent = _DEVICE_DETAILS[code]
            item["details"] = {"device": device, "useragent": agent}
        elif code == "found_on_deny_list":
            item["details"] = dict(_DENY_LIST_DETAILS)
        assessments[check] = item
    overall = min((a["confidence"] for a in assessments.values()),
                  key=("low", "medium", "high").index)
    return {"confidence": overall, "version": "1", "assessments": assessments}


def _transaction(row: tuple[tuple[str, ...], tuple[str, ...], str]) -> dict[str, Any]:
    scopes, acr, locale = row
    base: dict[str, Any] = copy.deepcopy(_DEFAULT["transaction"])
    base.update(requested_scopes=list(scopes), acr_values=list(acr), locale=locale)
    return base


def _parts(vocab: _Vocab) -> dict[str, SearchStrategy[Any]]:
    """Generated strategies for every login field but the user."""
    request: SearchStrategy[Any] = st.builds(
        _request, st.sampled_from(_REQUESTS),
        st.one_of(st.just({}), st.builds(
            _one_key, st.one_of(st.sampled_from(("prompt", "connection", "audience")),
                                vocab.meta_key), vocab.text),
            # OIDC's prompt values: prompt=none (a silent login, where Auth0 cannot show MFA)
            # is where a rule that skips MFA for "silent" logins hides; as one word among the
            # code's many it was drawn too rarely to be found by a default run.
            st.builds(_one_key, st.just("prompt"), st.sampled_from(_PROMPTS))),
        vocab.geo)
    if vocab.request_tweak is not None:
        request = st.one_of(request, st.builds(_tweaked, request, vocab.request_tweak))
    authentication: SearchStrategy[Any] = st.builds(_authentication,
                                                    st.sampled_from(_AUTHENTICATIONS))
    transaction: SearchStrategy[Any] = st.builds(_transaction, st.sampled_from(_TRANSACTIONS))
    session: SearchStrategy[Any] = st.builds(_session, st.sampled_from(_SESSIONS))
    # In a refresh token exchange: the token as the login made it, or last exchanged from
    # another address (a device change an Action may revoke on).
    refresh_token: SearchStrategy[Any] = st.one_of(st.just({}), st.builds(
        lambda ip: {"device": {"last_ip": ip}}, st.sampled_from(_IPS[1:])))
    if vocab.adversarial:
        # No request at all (Auth0: "request may be undefined"), one without any field, odd
        # user agents.
        # The default request first: None would otherwise be the "simplest" one to shrink to.
        request = st.one_of(st.builds(_default_request), request, _group(st.one_of(
            st.none(), st.just({}), st.builds(_with_agent, request, vocab.text))),
            # OIDC's prompt values in a quarter of the requests, prompt=none (a silent login:
            # Auth0 cannot prompt for MFA) in about one in twelve: "skip MFA when silent"
            # passed a default run of the shipped properties.
            st.builds(_with_prompt, st.builds(_default_request), st.sampled_from(_PROMPTS)))
        authentication = st.builds(_authentication, st.sampled_from((*_AUTHENTICATIONS, None)))
        # The post-login event's optional parts left out (an Action that reads
        # event.session.id without `?.` fails the login in Auth0 then). Not the transaction:
        # it carries the protocol, which decides what the flow may do.
        # Present or left out, by a flag that shrinks to "present" (a shrunk failure then
        # reads as make_login(); one_of(..., none()) shrank to None now and then).
        session = st.builds(_unless, session, st.booleans())
        refresh_token = st.builds(_unless, refresh_token, st.booleans())
    return {
        "roles": vocab.rbac_roles,
        "client": vocab.client,
        "connection": st.just(None),  # derived from the user's identity (see _assemble)
        "protocol": vocab.protocol,
        "tenant": st.one_of(st.just(_DEFAULT["tenant"]),
                            *([st.sampled_from(vocab.slugs)] if vocab.slugs else [])),
        "request": request,
        "authentication": authentication,
        "stats": st.just(None),  # the user's logins_count
        "session": session,
        "organization": st.one_of(st.none(), st.builds(
            _organization, st.one_of(st.sampled_from(("acme", "globex")),
                                     *([vocab.text] if vocab.adversarial else [])),
            vocab.string_extras,
            st.one_of(st.none(), *([st.sampled_from(vocab.org_ids)] if vocab.org_ids else [])))),
        "transaction": transaction,
        "risk_assessment": st.builds(_risk, st.sampled_from(_RISKS)),
        # In a refresh token exchange: the token as the login made it, or last exchanged from
        # another address (a device change an Action may revoke on).
        "refresh_token": refresh_token,
    }


def _connection_of(user: Any) -> dict[str, Any] | None:
    identities = user.get("identities") if isinstance(user, dict) else None
    if not isinstance(identities, list) or not identities or not isinstance(identities[0], dict):
        return None
    name = identities[0].get("connection")
    for row in _CONNECTIONS:
        if row[1] == name:
            return {"id": row[0], "name": row[1], "strategy": row[2], "metadata": {}}
    return {"id": "con_dictionary00001", "name": name, "strategy": "auth0", "metadata": {}}


def _assemble(derived: frozenset[str], extra_scope: str | None = None,
              connection_metadata: dict[str, str] | None = None, **fields: Any) -> Login:
    user = fields["user"]
    if "connection" in derived:
        fields["connection"] = _connection_of(user) or copy.deepcopy(_DEFAULT["connection"])
        if connection_metadata:  # strings, as Auth0 keeps a connection's metadata
            fields["connection"]["metadata"] = dict(connection_metadata)
    auth = fields.get("authentication")
    methods = auth.get("methods") if isinstance(auth, dict) else None
    connection = fields.get("connection")
    if "authentication" in derived and methods and isinstance(methods[0], dict) \
            and isinstance(connection, dict) \
            and methods[0].get("name") in ("pwd", "federated", "sms", "email"):
        # The first factor is the connection's: a Google user never signs in with "pwd".
        methods[0] = {**methods[0], "name": first_factor(connection.get("strategy"))}
    if "stats" in derived:
        count = user.get("logins_count") if isinstance(user, dict) else None
        fields["stats"] = {"logins_count": count if isinstance(count, int) else 0}
    if fields.get("authentication") is None and fields.get("risk_assessment") is not None:
        # An Action reads the risk assessment in event.authentication: without one there is
        # none (the Rule's context.riskAssessment had one the Action could never see).
        fields["risk_assessment"] = None
    request, transaction = fields.get("request"), fields.get("transaction")
    if "scope" in derived and isinstance(request, dict) and isinstance(transaction, dict):
        # One authorization request: its query's scope is the transaction's requested scopes
        # (a newcomer's equiv difference came from a login where the two disagreed).
        # A scope the code names joins the request only where it has a scope (not a login
        # without a request, where the Rule would see none of it and the Action all).
        query = request.get("query")
        scopes = transaction.get("requested_scopes")
        if isinstance(query, dict) and "scope" in query and isinstance(scopes, list):
            if extra_scope is not None and extra_scope not in scopes:
                scopes = [*scopes, extra_scope]
                fields["transaction"] = {**transaction, "requested_scopes": scopes}
            fields["request"] = {**request, "query": {**query, "scope": " ".join(scopes)}}
    return fields


# ------------------------------------------------------------------------------ public API
def roles(*, known_roles: Iterable[str] = (), dictionary: Dictionary | Iterable[str] | None = None,
          adversarial: bool = False) -> SearchStrategy[str]:
    """One role name: a declared one (``known_roles``), one from the dictionary, a common
    unknown one, and with ``adversarial=True`` case/whitespace/Unicode look-alike variants,
    prototype keys, very long and random names."""
    known = _known_roles("roles", known_roles)
    arguments = {"known_roles": known, "dictionary": dictionary, "adversarial": adversarial}
    return _cached("roles", lambda: _options("roles", known, dictionary, adversarial).role,
                   arguments)


def users(*, known_roles: Iterable[str] = (), dictionary: Dictionary | Iterable[str] | None = None,
          adversarial: bool = False, holding: bool | None = None, app_metadata_roles: Any = None,
          **fields: Any) -> SearchStrategy[dict[str, Any]]:
    """A Rules ``user`` (Auth0's user profile). ``fields`` pin top-level user fields (a value
    or a strategy; ``ABSENT`` removes one); ``app_metadata_roles`` pins
    ``user.app_metadata.roles`` (any JSON value, e.g. a string to test a wrong type, or
    ``ABSENT`` for no roles key). ``holding``: ``True``, every user holds one of
    ``known_roles`` there; ``False``, none does (near misses do)."""
    known = _known_roles("users", known_roles)
    arguments = {"known_roles": known, "dictionary": dictionary, "adversarial": adversarial,
                 "holding": holding, "app_metadata_roles": app_metadata_roles, **fields}
    return _cached("users", lambda: _users("users", known, dictionary, adversarial, holding,
                                           app_metadata_roles, fields), arguments)


def _users(func: str, known_roles: tuple[str, ...], dictionary: Any, adversarial: Any,
           holding: Any, app_metadata_roles: Any, fields: dict[str, Any]
           ) -> SearchStrategy[dict[str, Any]]:
    unknown = sorted(set(fields) - USER_FIELDS)
    if unknown:
        hint = (" (RBAC roles are logins(roles=...); app_metadata roles are "
                "app_metadata_roles=...)" if "roles" in unknown else "")
        raise InvalidArgument(f"{func}({unknown[0]}={fields[unknown[0]]!r}): not a field of an "
                              f"Auth0 user{hint}; fields: {', '.join(sorted(USER_FIELDS))}")
    for key, value in fields.items():
        if not (isinstance(value, SearchStrategy) or value is ABSENT or _json_ok(value)):
            raise _fail(func, key, value, "a JSON value or ABSENT")
    if app_metadata_roles is not None and "app_metadata" in fields:
        raise InvalidArgument(f"{func}(app_metadata={fields['app_metadata']!r}, "
                              f"app_metadata_roles={app_metadata_roles!r}): give one of them")
    if holding is not None and (app_metadata_roles is not None or "app_metadata" in fields):
        raise InvalidArgument(f"{func}(holding={holding!r}, app_metadata_roles="
                              f"{app_metadata_roles!r}): pin the roles or ask for holders, "
                              f"not both")
    vocab = _options(func, known_roles, dictionary, adversarial, holding=holding)
    roles_pin: SearchStrategy[Any] | None
    if app_metadata_roles is None:
        roles_pin = None
    elif isinstance(app_metadata_roles, SearchStrategy):
        roles_pin = app_metadata_roles
    elif app_metadata_roles is ABSENT:
        roles_pin = st.just(ABSENT)
    elif _json_ok(app_metadata_roles):
        roles_pin = _just(app_metadata_roles)
    else:
        raise _fail(func, "app_metadata_roles", app_metadata_roles, "a JSON value or ABSENT")
    return _user_strategy(vocab, fields, roles_pin)


def logins(*, user: Any = None, roles: Any = None, app_metadata_roles: Any = None,
           client: Any = None, connection: Any = None, protocol: Any = None, tenant: Any = None,
           request: Any = None, authentication: Any = None, stats: Any = None,
           session: Any = None, organization: Any = None, transaction: Any = None,
           risk_assessment: Any = None, refresh_token: Any = None,
           known_roles: Iterable[str] = (),
           clients: Iterable[Mapping[str, Any]] = (),
           dictionary: Dictionary | Iterable[str] | None = None,
           adversarial: bool = False, holding: bool | None = None,
           holding_source: Source = "app_metadata") -> SearchStrategy[Login]:
    """Neutral logins (the model of ``make_login``), realistic unless ``adversarial=True``.

    Each login field (``user``, ``roles`` (RBAC role names), ``client``, ``connection``,
    ``protocol``, ``tenant``, ``request``, ``authentication``, ``stats``, ``session``,
    ``organization``, ``transaction``, ``risk_assessment``, ``refresh_token``) is generated
    when ``None``, pinned by a plain value, drawn from a strategy; ``ABSENT`` leaves out
    ``request``, ``authentication``, ``organization``, ``risk_assessment`` or
    ``refresh_token``. ``app_metadata_roles`` pins
    ``user.app_metadata.roles``. ``known_roles``: the tenant's declared role names (mixed with
    unknown ones, in RBAC roles and in app_metadata). ``clients``: the tenant's clients
    (dicts with ``client_id``, ``name``, ``metadata``). ``dictionary``: literals of the code
    under test (``dictionary_from(artifacts)``). ``holding``: ``True`` draws only logins that
    hold one of ``known_roles``, ``False`` only logins that do not (near misses and other
    roles do), ``None`` both; ``holding_source`` says where, as in ``has_role(source=...)``.
    It builds the premise of a property instead of wasting examples it says nothing about.
    """
    pins = {"user": user, "roles": roles, "client": client, "connection": connection,
            "protocol": protocol, "tenant": tenant, "request": request,
            "authentication": authentication, "stats": stats, "session": session,
            "organization": organization, "transaction": transaction,
            "risk_assessment": risk_assessment, "refresh_token": refresh_token}
    known, table = _known_roles("logins", known_roles), _clients("logins", clients)
    arguments = {**pins, "app_metadata_roles": app_metadata_roles, "known_roles": known,
                 "clients": table, "dictionary": dictionary, "adversarial": adversarial,
                 "holding": holding, "holding_source": holding_source}
    return _cached("logins", lambda: _logins("logins", pins, app_metadata_roles, known, table,
                                             dictionary, adversarial, holding, holding_source),
                   arguments)


def _logins(func: str, pins: dict[str, Any], app_metadata_roles: Any,
            known_roles: tuple[str, ...], clients: tuple[dict[str, Any], ...], dictionary: Any,
            adversarial: Any, holding: Any, source: Any) -> SearchStrategy[Login]:
    assert set(pins) == LOGIN_KEYS
    pinned = {name: _pin(func, name, value) for name, value in pins.items()}
    vocab = _options(func, known_roles, dictionary, adversarial, clients, holding, source)
    if holding is not None and (pinned["user"] is not None or pinned["roles"] is not None):
        raise InvalidArgument(f"{func}(holding={holding!r}): ask for holders, or pin user= and "
                              f"roles=, not both")
    if pinned["user"] is not None and app_metadata_roles is not None:
        raise InvalidArgument(f"{func}(user=..., app_metadata_roles={app_metadata_roles!r}): "
                              f"give the roles inside user=, or app_metadata_roles= alone")
    if pinned["user"] is None:
        pinned["user"] = _users(func, known_roles, dictionary, adversarial,
                                _placement(holding, source)[0], app_metadata_roles, {})
    # Derived from other parts: the connection (the user's identity), stats (the user's count)
    # and the first factor of a generated authentication (the connection's).
    derived = frozenset(k for k in ("connection", "stats", "authentication") if pinned[k] is None)
    if pinned["request"] is None and pinned["transaction"] is None:
        derived |= {"scope"}
    generated = _parts(vocab)
    strategies: dict[str, SearchStrategy[Any]] = {
        name: generated[name] if strategy is None else strategy
        for name, strategy in pinned.items()}
    if "scope" in derived and vocab.scopes:  # requested_scopes.includes('ai:batch')
        strategies["extra_scope"] = st.one_of(st.none(), st.sampled_from(vocab.scopes))
    if "connection" in derived:  # event.connection.metadata was always {}
        strategies["connection_metadata"] = vocab.string_extras
    return _plain(st.builds(partial(_assemble, derived), **strategies))


def contexts(**options: Any) -> SearchStrategy[dict[str, Any]]:
    """A Rules ``context``: ``logins(**options)`` projected with ``to_rule_shape``."""
    return logins(**options).map(_context_of)


def _context_of(login: Login) -> dict[str, Any]:
    return to_rule_shape(login)[1]


def events(*, secrets: Mapping[str, str] | None = None, **options: Any) -> SearchStrategy[dict[str, Any]]:
    """A post-login Action ``event``: ``logins(**options)`` projected with ``to_action_shape``;
    ``secrets`` become ``event.secrets``."""
    if secrets is not None and (not isinstance(secrets, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in secrets.items())):
        raise InvalidArgument(f"events(secrets={secrets!r}): secrets must map names to strings")
    return logins(**options).map(partial(to_action_shape, secrets=dict(secrets or {})))
