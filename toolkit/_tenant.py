"""The tenant model (``rules_src/tenant.toml``): settings, clients, roles and users, declared once.

The Pulumi program deploys it (``toolkit._deploy``); the toolkit runs the rules on its users
(:func:`declared_logins`) and checks that every role a rule names exists (:func:`role_problems`).
Every problem is one TenantError naming the file, the key and, when it can be found, the line.

Secrets never live in the model: a password is the name of a Pulumi stack config secret
(``password_config``), and Auth0 generates client secrets. A literal ``password``,
``client_secret``, or a metadata key that looks like one is refused.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._login import ABSENT, make_login, make_user
from ._manifest import Manifest, read_toml, shown_path, toml_header
from ._mfa import FACTORS, INDEPENDENT, POLICIES, POLICY_NAMES, check_factors
from .errors import InputError, TenantError

__all__ = [
    "APP_TYPES",
    "DEFAULT_TENANT",
    "ClientSpec",
    "MfaSpec",
    "RoleProblem",
    "RoleSpec",
    "TenantModel",
    "UserSpec",
    "apply_overrides",
    "declared_logins",
    "declared_mfa",
    "load_tenant",
    "require_declared_roles",
    "role_problems",
    "tenant_factors",
]

DEFAULT_TENANT = Path("rules_src/tenant.toml")
APP_TYPES = ("native", "spa", "regular_web", "non_interactive")
DEFAULT_CONNECTION = "Username-Password-Authentication"
# Passwordless connections create users without a password.
_PASSWORDLESS = frozenset({"email", "sms"})

_TOP_KEYS = {"version", "tenant", "mfa", "clients", "roles", "users"}
# Tenant settings rulekit manages (auth0.Tenant inputs); anything else is a typo until added.
_TENANT_KEYS: dict[str, str] = {
    "friendly_name": "str", "support_email": "str", "support_url": "str", "picture_url": "str",
    "default_redirection_uri": "str", "enabled_locales": "list[str]",
    "allowed_logout_urls": "list[str]", "session_lifetime": "number",
    "idle_session_lifetime": "number",
}
# [mfa]: the tenant's MFA factors and policy (auth0.Guardian, and the tenant's
# customize_mfa_in_postlogin_action flag).
_MFA_KEYS: dict[str, str] = {"policy": "str", "factors": "list[str]",
                             "customize_with_actions": "bool"}
_CLIENT_KEYS: dict[str, str] = {
    "resource_name": "str", "name": "str", "description": "str", "app_type": "str",
    "callbacks": "list[str]", "web_origins": "list[str]", "allowed_origins": "list[str]",
    "allowed_logout_urls": "list[str]", "grant_types": "list[str]",
    "client_metadata": "dict[str]", "oidc_conformant": "bool",
    "connections": "list[str]",
}
_ROLE_KEYS: dict[str, str] = {"resource_name": "str", "name": "str", "description": "str"}
_USER_KEYS: dict[str, str] = {
    "resource_name": "str", "email": "str", "connection": "str", "email_verified": "bool",
    "name": "str", "given_name": "str", "family_name": "str", "nickname": "str",
    "username": "str", "roles": "list[str]", "app_metadata": "dict", "user_metadata": "dict",
    "password_config": "str", "enrolled_factors": "list[str]",
}
_CHECKS: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "list[str]": lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
    "dict": lambda v: isinstance(v, dict),
    "dict[str]": lambda v: isinstance(v, dict) and all(isinstance(i, str) for i in v.values()),
}
_RESOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
# A stack config key: `key` (project namespace) or `namespace:key`.
_CONFIG_KEY = re.compile(r"^(?:[A-Za-z][A-Za-z0-9_-]*:)?[A-Za-z][A-Za-z0-9_.-]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SECRETISH = re.compile(r"pass(word|wd)|secret|api[_-]?key|private[_-]?key", re.IGNORECASE)
# What the Management API refuses in metadata (Auth0 docs, "Metadata Field Names and Data
# Types"): field names with `.` or `$` at any depth; these top-level app_metadata properties;
# client_metadata keys and values over 255 characters.
_BAD_FIELD_CHARS = re.compile(r"[.$]")
_RESERVED_APP_METADATA = frozenset({
    "__tenant", "_id", "blocked", "clientID", "created_at", "email_verified", "email",
    "globalClientID", "global_client_id", "identities", "lastIP", "lastLogin", "loginsCount",
    "metadata", "multifactor_last_modified", "multifactor", "updated_at", "user_id",
})
_CLIENT_METADATA_MAX = 255
# Template parameters that name roles: `roles`, `role`, `*_roles`, `*_role`, or any parameter
# whose declaration in the template says `refers_to = "role"`.
_ROLE_PARAM = re.compile(r"^(?:.*_)?roles?$")


@dataclass(frozen=True)
class ClientSpec:
    """One ``[[clients]]`` table: an Auth0 application."""

    resource_name: str
    name: str
    app_type: str
    inputs: dict[str, Any]  # the table's keys (and a stack's overrides), but resource_name

    @property
    def client_inputs(self) -> dict[str, Any]:
        """auth0.Client's inputs: the keys the model sets that are the Client's own."""
        return {k: v for k, v in self.inputs.items() if k != "connections"}


@dataclass(frozen=True)
class RoleSpec:
    """One ``[[roles]]`` table: an RBAC role."""

    resource_name: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class UserSpec:
    """One ``[[users]]`` table. ``password_config`` names a stack config secret, never a value."""

    resource_name: str
    email: str
    connection: str = DEFAULT_CONNECTION
    email_verified: bool = False
    roles: tuple[str, ...] = ()
    app_metadata: dict[str, Any] = field(default_factory=dict)
    user_metadata: dict[str, Any] = field(default_factory=dict)
    password_config: str | None = None
    profile: dict[str, str] = field(default_factory=dict)  # name, given_name, nickname, ...
    # The MFA factors the user has enrolled, for rulekit's runs only (event.user.enrolledFactors):
    # users enrol themselves, nothing is deployed from it.
    enrolled_factors: tuple[str, ...] = ()


@dataclass(frozen=True)
class MfaSpec:
    """The ``[mfa]`` table: the factors the tenant enables and its MFA policy (toolkit._mfa)."""

    policy: str  # never | all-applications ("Always") | confidence-score ("Use Adaptive MFA")
    factors: tuple[str, ...]
    customize_with_actions: bool = False  # "Customize MFA Factors using Actions"
    line: int | None = field(default=None, compare=False)  # of the [mfa] header

    @property
    def independent(self) -> tuple[str, ...]:
        return tuple(f for f in self.factors if f in INDEPENDENT)


@dataclass(frozen=True)
class TenantModel:
    path: Path
    settings: dict[str, Any]  # auth0.Tenant inputs
    clients: tuple[ClientSpec, ...] = ()
    roles: tuple[RoleSpec, ...] = ()
    users: tuple[UserSpec, ...] = ()
    mfa: MfaSpec | None = None  # None: rulekit leaves the tenant's MFA settings alone

    def display_path(self) -> str:
        return shown_path(self.path)

    @property
    def role_names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.roles)

    def password_keys(self) -> tuple[str, ...]:
        """The stack config keys holding user passwords, in declaration order."""
        return tuple(u.password_config for u in self.users if u.password_config)

    def connections_of(self, client: ClientSpec) -> tuple[str, ...]:
        """The connections to enable for ``client``: its ``connections``, or else those the
        declared users sign in with (none for a machine-to-machine client, which has no users).
        Auth0 signs a user in to an application only through a connection enabled for it, and
        a tenant whose "enable_client_connections" flag is off enables none on a new one."""
        given = client.inputs.get("connections")
        if given is not None:
            return tuple(dict.fromkeys(given))
        if client.inputs.get("app_type", client.app_type) == "non_interactive":  # overrides too
            return ()
        return tuple(dict.fromkeys(u.connection for u in self.users))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:63] or "x"


def _find_line(text: str, section: str, index: int | None, key: str | None) -> int | None:
    """Best-effort line of ``key`` in ``[section]`` or the index-th ``[[section]]`` (tomllib
    keeps no lines). Sub-tables such as ``[users.app_metadata]`` belong to the entry above."""
    header = f"[[{section}]]" if index is not None else f"[{section}]"
    lines = text.splitlines()
    start, seen = None, -1
    for number, line in enumerate(lines, start=1):
        if toml_header(line) == header:
            seen += 1
            if index is None or seen == index:
                start = number
                break
    if start is None:
        return None
    if key is None:
        return start
    leaf = key.split(".")[0]
    pattern = re.compile(rf"^\s*\"?{re.escape(leaf)}\"?\s*=")
    for number in range(start + 1, len(lines) + 1):
        table = toml_header(lines[number - 1])
        if table == f"[{section}.{leaf}]":
            return number
        if table is not None and (table.startswith("[[") or not table.startswith(f"[{section}.")):
            break
        if pattern.match(lines[number - 1]):
            return number
    return start


def _top_level_line(text: str, key: str) -> int | None:
    """The line of a top-level ``key = ...`` (before the first table) or of its table header."""
    assignment = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=")
    in_table = False
    for number, line in enumerate(text.splitlines(), start=1):
        header = toml_header(line)
        if header is not None:
            if header.strip("[]").split(".")[0] == key:
                return number
            in_table = True
        elif not in_table and assignment.match(line):
            return number
    return None


class _Reader:
    """Validation helpers bound to one file, so every error names the file, key and line."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.shown = shown_path(path)
        self.text = text

    def error(self, message: str, section: str, index: int | None = None,
              key: str | None = None, label: str | None = None) -> TenantError:
        where = section if index is None else f"{section}[{index}]"
        if label:
            where += f" ({label})"
        if key:
            where += f".{key}"
        return TenantError(message, path=self.shown, key=where,
                           line=_find_line(self.text, section, index, key))

    def fields(self, raw: dict[str, Any], allowed: dict[str, str], section: str,
               index: int | None, label: str | None) -> None:
        for key in sorted(raw):
            if key not in allowed:
                raise self.error(f"unknown key (allowed: {', '.join(sorted(allowed))})",
                                 section, index, key, label)
            kind = allowed[key]
            if not _CHECKS[kind](raw[key]):
                # A value that may be a password pasted in the wrong place is not echoed.
                shown = "a value not shown" if key == "password_config" else repr(raw[key])
                raise self.error(f"must be of type {kind}, got {shown}", section, index, key,
                                 label)

    def no_secret_keys(self, value: Any, section: str, index: int | None, key: str,
                       label: str | None) -> None:
        """Metadata is readable by every rule (and user_metadata by the user): no secrets."""
        if isinstance(value, dict):
            for name, inner in value.items():
                if _SECRETISH.search(str(name)):
                    raise self.error(
                        f"{name!r} looks like a secret; metadata is stored in plain text and "
                        "readable by every rule: keep secrets in Pulumi stack config "
                        "(pulumi config set --secret ...)", section, index, f"{key}.{name}",
                        label)
                self.no_secret_keys(inner, section, index, f"{key}.{name}", label)
        elif isinstance(value, list):
            for inner in value:
                self.no_secret_keys(inner, section, index, key, label)


def _metadata_problem(value: Any, kind: str) -> tuple[str, str] | None:
    """``(dotted field, message)`` for the first thing Auth0 would refuse in ``kind`` metadata
    (``app_metadata``, ``user_metadata`` or ``client_metadata``), or None."""
    if not isinstance(value, dict):
        return None
    if kind == "app_metadata":
        for name in value:
            if name in _RESERVED_APP_METADATA:
                return name, (f"{name!r} is a property Auth0 reserves and refuses in "
                              "app_metadata; choose another name")
    if kind == "client_metadata":
        for name, inner in value.items():
            if len(name) > _CLIENT_METADATA_MAX or len(str(inner)) > _CLIENT_METADATA_MAX:
                return name, (f"Auth0 allows client_metadata keys and values of at most "
                              f"{_CLIENT_METADATA_MAX} characters")

    def walk(inner: Any, path: str) -> tuple[str, str] | None:
        if isinstance(inner, dict):
            for name, child in inner.items():
                where = f"{path}.{name}" if path else str(name)
                if _BAD_FIELD_CHARS.search(str(name)):
                    return where, (f"field name {name!r} contains '.' or '$', which Auth0 "
                                   "refuses in metadata; nest it instead (a = { b = ... })")
                found = walk(child, where)
                if found:
                    return found
        elif isinstance(inner, list):
            for child in inner:
                found = walk(child, path)
                if found:
                    return found
        return None

    return walk(value, "")


def _entries(reader: _Reader, data: dict[str, Any], section: str) -> list[dict[str, Any]]:
    raw = data.get(section, [])
    if not isinstance(raw, list) or not all(isinstance(r, dict) for r in raw):
        raise reader.error(f"must be an array of tables ([[{section}]])", section)
    return raw


def _resource_name(reader: _Reader, raw: dict[str, Any], fallback: str, section: str,
                   index: int, label: str, seen: dict[str, int]) -> str:
    name = raw.get("resource_name", slug(fallback))
    assert isinstance(name, str)  # checked by _Reader.fields
    if not _RESOURCE_NAME.match(name):
        raise reader.error("must be lower-case letters, digits and '-' (it names the Pulumi "
                           f"resource), got {name!r}", section, index, "resource_name", label)
    if name in seen:
        raise reader.error(f"duplicate resource name {name!r}: {section}[{seen[name]}] has it "
                           "too (set resource_name to tell them apart)", section, index,
                           "resource_name", label)
    seen[name] = index
    return name


def _load_clients(reader: _Reader, data: dict[str, Any]) -> tuple[ClientSpec, ...]:
    clients: list[ClientSpec] = []
    seen: dict[str, int] = {}
    names: dict[str, int] = {}
    for index, raw in enumerate(_entries(reader, data, "clients")):
        label = raw.get("name") if isinstance(raw.get("name"), str) else None
        if "client_secret" in raw:
            raise reader.error(
                "a client secret is never written in the tenant model: Auth0 generates it "
                "(read it from the Auth0 dashboard or the provider after `pulumi up`)",
                "clients", index, "client_secret", label)
        reader.fields(raw, _CLIENT_KEYS, "clients", index, label)
        for required in ("name", "app_type"):
            if required not in raw:
                raise reader.error("is required", "clients", index, required, label)
        name = raw["name"]
        if name in names:
            raise reader.error(f"duplicate client name: clients[{names[name]}] is also "
                               f"called {name!r}", "clients", index, "name", label)
        names[name] = index
        if raw["app_type"] not in APP_TYPES:
            raise reader.error(f"must be one of {list(APP_TYPES)!r}, got {raw['app_type']!r}",
                               "clients", index, "app_type", label)
        reader.no_secret_keys(raw.get("client_metadata", {}), "clients", index,
                              "client_metadata", label)
        if len(raw.get("client_metadata", {})) > 10:
            raise reader.error("Auth0 allows at most 10 client_metadata keys", "clients", index,
                               "client_metadata", label)
        refused = _metadata_problem(raw.get("client_metadata"), "client_metadata")
        if refused:
            raise reader.error(refused[1], "clients", index, f"client_metadata.{refused[0]}",
                               label)
        if any(not c.strip() for c in raw.get("connections", [])):
            raise reader.error("a connection is named by a non-empty string, such as "
                               "\"Username-Password-Authentication\"", "clients", index,
                               "connections", label)
        resource = _resource_name(reader, raw, name, "clients", index, name, seen)
        inputs = {k: copy.deepcopy(v) for k, v in raw.items() if k != "resource_name"}
        inputs.setdefault("oidc_conformant", True)
        clients.append(ClientSpec(resource_name=resource, name=name, app_type=raw["app_type"],
                                  inputs=inputs))
    return tuple(clients)


def _load_roles(reader: _Reader, data: dict[str, Any]) -> tuple[RoleSpec, ...]:
    roles: list[RoleSpec] = []
    seen: dict[str, int] = {}
    names: dict[str, int] = {}
    for index, raw in enumerate(_entries(reader, data, "roles")):
        label = raw.get("name") if isinstance(raw.get("name"), str) else None
        reader.fields(raw, _ROLE_KEYS, "roles", index, label)
        if not raw.get("name"):
            raise reader.error("is required", "roles", index, "name", label)
        name = raw["name"]
        if name in names:
            raise reader.error(f"duplicate role: roles[{names[name]}] is also called {name!r}",
                               "roles", index, "name", label)
        names[name] = index
        resource = _resource_name(reader, raw, name, "roles", index, name, seen)
        roles.append(RoleSpec(resource_name=resource, name=name,
                              description=raw.get("description", "")))
    return tuple(roles)


def _load_mfa(reader: _Reader, data: dict[str, Any]) -> MfaSpec | None:
    raw = data.get("mfa")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise TenantError("must be a table ([mfa])", path=reader.shown, key="mfa",
                          line=_top_level_line(reader.text, "mfa"))
    reader.fields(raw, _MFA_KEYS, "mfa", None, None)
    missing = [key for key in ("policy", "factors") if key not in raw]
    if missing:
        examples = {"policy": 'policy = "never"  # or "all-applications", "confidence-score"',
                    "factors": 'factors = ["otp"]  # ' + ", ".join(FACTORS)}
        raise reader.error(f"missing {' and '.join(missing)}: add {'; '.join(examples[k] for k in missing)} "
                           "([mfa] makes rulekit manage every MFA factor and the policy; leave "
                           "[mfa] out to leave the tenant's MFA alone)", "mfa")
    if raw["policy"] not in POLICIES:
        raise reader.error(f"must be one of {', '.join(POLICIES)} (the Dashboard's "
                           f"{', '.join(POLICY_NAMES[p] for p in POLICIES)}), got "
                           f"{raw['policy']!r}", "mfa", None, "policy")
    try:
        factors = check_factors(raw["factors"], "factors")
    except InputError as exc:
        raise reader.error(exc.detail.removeprefix("factors: "), "mfa", None,
                           "factors") from None
    spec = MfaSpec(policy=raw["policy"], factors=factors,
                   customize_with_actions=raw.get("customize_with_actions", False),
                   line=_top_level_line(reader.text, "mfa"))
    if factors and not spec.independent:
        # "You may enable one or more dependent factors once you've already enabled and
        # configured at least one independent factor" (Enable Multi-Factor Authentication).
        raise reader.error(f"{', '.join(factors)}: Auth0 enables a dependent factor only next "
                           f"to an independent one ({', '.join(INDEPENDENT)})",
                           "mfa", None, "factors")
    if raw["policy"] != "never" and not factors:
        raise reader.error(f"policy {raw['policy']!r} requires MFA, but no factor is enabled: "
                           "Auth0 requires at least one independent factor "
                           f"({', '.join(INDEPENDENT)})", "mfa", None, "factors")
    return spec


def _load_users(reader: _Reader, data: dict[str, Any],
                role_names: tuple[str, ...]) -> tuple[UserSpec, ...]:
    users: list[UserSpec] = []
    seen: dict[str, int] = {}
    emails: dict[str, int] = {}
    for index, raw in enumerate(_entries(reader, data, "users")):
        label = raw.get("email") if isinstance(raw.get("email"), str) else None
        if "password" in raw:
            raise reader.error(
                "a password is never written in the tenant model; name a Pulumi stack config "
                "secret instead: password_config = \"someUserPassword\", then run "
                "`pulumi config set --secret someUserPassword '...'`", "users", index,
                "password", label)
        reader.fields(raw, _USER_KEYS, "users", index, label)
        if "email" not in raw:
            raise reader.error("is required", "users", index, "email", label)
        email = raw["email"]
        if not _EMAIL.match(email):
            raise reader.error(f"is not an email address: {email!r}", "users", index, "email",
                               label)
        if email.lower() in emails:
            raise reader.error(f"duplicate user: users[{emails[email.lower()]}] has the same "
                               "email", "users", index, "email", label)
        emails[email.lower()] = index
        for key in ("app_metadata", "user_metadata"):
            reader.no_secret_keys(raw.get(key, {}), "users", index, key, label)
            refused = _metadata_problem(raw.get(key), key)
            if refused:
                raise reader.error(refused[1], "users", index, f"{key}.{refused[0]}", label)
        roles = raw.get("roles", [])
        for role in roles:
            if role not in role_names:
                raise reader.error(f"role {role!r} is not declared in [[roles]] (declared: "
                                   f"{', '.join(map(repr, role_names)) or 'none'})", "users",
                                   index, "roles", label)
        if len(set(roles)) != len(roles):
            raise reader.error(f"lists a role twice: {roles!r}", "users", index, "roles", label)
        connection = raw.get("connection", DEFAULT_CONNECTION)
        password_config = raw.get("password_config")
        if password_config is None and connection not in _PASSWORDLESS:
            raise reader.error(
                f"is required for a user of connection {connection!r} (Auth0 needs a password "
                "to create one): name a Pulumi stack config secret, e.g. "
                "password_config = \"someUserPassword\"", "users", index, "password_config",
                label)
        if password_config is not None and not _CONFIG_KEY.match(password_config):
            # Not echoed: what is there may be a password pasted by mistake (CI logs keep it).
            raise reader.error("must be a Pulumi config key such as \"adminPassword\" or "
                               "\"ns:adminPassword\" (the value is not shown: it may be a "
                               "password; keep those in stack config)", "users", index,
                               "password_config", label)
        resource = _resource_name(reader, raw, email, "users", index, email, seen)
        profile: dict[str, str] = {k: raw[k] for k in ("name", "given_name", "family_name", "nickname",
                                       "username") if k in raw}
        try:
            enrolled = check_factors(raw.get("enrolled_factors", []), "enrolled_factors")
        except InputError as exc:
            raise reader.error(exc.detail.removeprefix("enrolled_factors: "), "users", index,
                               "enrolled_factors", label) from None
        users.append(UserSpec(
            resource_name=resource, email=email, connection=connection,
            email_verified=raw.get("email_verified", False), roles=tuple(roles),
            app_metadata=copy.deepcopy(raw.get("app_metadata", {})),
            user_metadata=copy.deepcopy(raw.get("user_metadata", {})),
            password_config=password_config, profile=profile, enrolled_factors=enrolled))
    return tuple(users)


def load_tenant(path: str | Path = DEFAULT_TENANT) -> TenantModel:
    """Read and validate the tenant model. Raises TenantError naming the file and key."""
    path = Path(path)
    shown = shown_path(path)
    data, text = read_toml(path, TenantError, "tenant model")
    reader = _Reader(path, text)
    for key in sorted(set(data) - _TOP_KEYS):
        raise TenantError(f"unknown key (allowed: {', '.join(sorted(_TOP_KEYS))})", path=shown,
                          key=key, line=_top_level_line(text, key))
    if data.get("version", 1) != 1:
        raise TenantError(f"unsupported tenant model version {data['version']!r} (this rulekit "
                          "reads 1)", path=shown, key="version",
                          line=_top_level_line(text, "version"))
    settings = data.get("tenant", {})
    if not isinstance(settings, dict):
        raise TenantError("must be a table ([tenant])", path=shown, key="tenant")
    reader.fields(settings, _TENANT_KEYS, "tenant", None, None)
    roles = _load_roles(reader, data)
    return TenantModel(path=path, settings=copy.deepcopy(settings),
                       clients=_load_clients(reader, data), roles=roles,
                       users=_load_users(reader, data, tuple(r.name for r in roles)),
                       mfa=_load_mfa(reader, data))


def declared_mfa(manifest: str | Path) -> MfaSpec | None:
    """The ``[mfa]`` of the tenant model next to ``manifest`` (``rules_src/tenant.toml``): the
    factors the runtimes enable and the policy the matrix shows. None when there is no tenant
    model or it declares no [mfa]. Only [mfa] is read: a mistake elsewhere in the model does not
    stop a run (the plan and the program still refuse it)."""
    tenant = Path(manifest).parent / "tenant.toml"
    if not tenant.is_file():
        return None
    data, text = read_toml(tenant, TenantError, "tenant model")
    return _load_mfa(_Reader(tenant, text), data)


def tenant_factors(manifest: str | Path = "rules_src/manifest.toml") -> tuple[str, ...] | None:
    """The MFA factors the tenant model next to ``manifest`` enables (its ``[mfa] factors``),
    for ``ActionsRuntime(..., factors=tenant_factors())``; None (every factor enabled) when there
    is no tenant model or no [mfa]."""
    mfa = declared_mfa(manifest)
    return mfa.factors if mfa is not None else None


# ---------------------------------------------------------------- per-environment overrides
def apply_overrides(model: TenantModel, overrides: Any,
                    source: str = "rulekit:overrides") -> TenantModel:
    """The model with one stack's values: ``{"tenant": {...}, "clients": {RESOURCE_NAME:
    {...}}}`` replaces tenant settings and client inputs (e.g. a staging stack's callbacks).
    Keys and types are checked as in the file; errors name ``source`` and the key."""
    if overrides is None:
        return model

    def bad(message: str, key: str | None = None) -> TenantError:
        return TenantError(message, path=source, key=key)

    if not isinstance(overrides, dict):
        raise bad('must be an object like {"tenant": {...}, "clients": {"NAME": {...}}}')
    for key in sorted(set(overrides) - {"tenant", "clients"}):
        raise bad("unknown key (allowed: clients, tenant)", key)

    def checked(values: Any, allowed: dict[str, str], where: str) -> dict[str, Any]:
        if not isinstance(values, dict):
            raise bad("must be an object", where)
        for key, value in values.items():
            if key not in allowed:
                raise bad(f"unknown key (allowed: {', '.join(sorted(allowed))})", f"{where}.{key}")
            if not _CHECKS[allowed[key]](value):
                raise bad(f"must be of type {allowed[key]}, got {value!r}", f"{where}.{key}")
            if key == "client_metadata" and any(_SECRETISH.search(k) for k in value):
                raise bad("looks like a secret; keep secrets out of metadata", f"{where}.{key}")
            if key == "client_metadata" and len(value) > 10:
                raise bad("Auth0 allows at most 10 client_metadata keys", f"{where}.{key}")
            refused = _metadata_problem(value, key) if key == "client_metadata" else None
            if refused:
                raise bad(refused[1], f"{where}.{key}.{refused[0]}")
            if key == "connections" and any(not c.strip() for c in value):
                raise bad("a connection is named by a non-empty string", f"{where}.{key}")
        return copy.deepcopy(values)

    settings = {**model.settings, **checked(overrides.get("tenant", {}), _TENANT_KEYS, "tenant")}
    client_overrides = overrides.get("clients", {})
    if not isinstance(client_overrides, dict):
        raise bad("must be an object of client resource names", "clients")
    known = {c.resource_name: c for c in model.clients}
    for name in sorted(set(client_overrides) - set(known)):
        raise bad(f"no client with resource_name {name!r} (declared: {', '.join(known)})",
                  f"clients.{name}")
    allowed = {k: v for k, v in _CLIENT_KEYS.items() if k not in ("resource_name", "name")}
    clients = tuple(
        ClientSpec(c.resource_name, c.name, c.app_type,
                   {**c.inputs, **checked(client_overrides[c.resource_name], allowed,
                                          f"clients.{c.resource_name}")})
        if c.resource_name in client_overrides else c for c in model.clients)
    for client in clients:
        if client.inputs["app_type"] not in APP_TYPES:
            raise bad(f"must be one of {list(APP_TYPES)!r}", f"clients.{client.resource_name}.app_type")
    return TenantModel(path=model.path, settings=settings, clients=clients, roles=model.roles,
                       users=model.users, mfa=model.mfa)


# ------------------------------------------------------------------------- declared users
def declared_logins(model: TenantModel, client: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    """``(label, neutral login)`` for every declared user, logging in to ``client`` (a client
    name; default: the first declared client). Roles are the user's RBAC roles; ids are
    stable placeholders, since real ones exist only after deployment."""
    chosen: ClientSpec | None = None
    if client is not None:
        chosen = next((c for c in model.clients if c.name == client), None)
        if chosen is None:
            raise TenantError(f"no client named {client!r} (declared: "
                              f"{', '.join(c.name for c in model.clients) or 'none'})",
                              path=model.display_path(), key="clients")
    elif model.clients:
        chosen = model.clients[0]
    logins = []
    for user in model.users:
        local = user.email.split("@")[0]
        profile_user = make_user(
            user_id=f"auth0|{user.resource_name}", email=user.email,
            email_verified=user.email_verified,
            name=user.profile.get("name", user.email), nickname=user.profile.get("nickname", local),
            given_name=user.profile.get("given_name", ABSENT),
            family_name=user.profile.get("family_name", ABSENT),
            app_metadata=user.app_metadata, user_metadata=user.user_metadata,
            multifactor=list(user.enrolled_factors),  # event.user.enrolledFactors' types
            identities=[{"connection": user.connection,
                         "provider": "auth0" if user.connection not in _PASSWORDLESS else user.connection,
                         "user_id": user.resource_name, "isSocial": False}])
        fields: dict[str, Any] = {
            "user": profile_user, "roles": list(user.roles),
            "connection": {"id": f"con_{slug(user.connection)}", "name": user.connection,
                           "strategy": "auth0" if user.connection not in _PASSWORDLESS
                           else user.connection, "metadata": {}},
        }
        if chosen is not None:
            fields["client"] = {"client_id": f"{chosen.resource_name}-client-id",
                                "name": chosen.name,
                                "metadata": dict(chosen.inputs.get("client_metadata", {}))}
        metadata_roles = user.app_metadata.get("roles")
        if isinstance(metadata_roles, str):
            metadata_roles = [metadata_roles]
        if user.roles:
            roles = ", ".join(user.roles)
        elif isinstance(metadata_roles, list) and metadata_roles:
            # No RBAC role, but rules may read app_metadata.roles (a newcomer's "finance" user
            # read as "no roles").
            roles = "app_metadata.roles: " + ", ".join(map(str, metadata_roles))
        else:
            roles = "no roles"
        logins.append((f"{user.email} ({roles})", make_login(**fields)))
    return logins


# ------------------------------------------------------------------------ roles rules name
@dataclass(frozen=True)
class RoleProblem:
    """A rule parameter names a role the tenant does not declare."""

    rule: str
    key: str  # e.g. "rules[0] (require-mfa-for-ai-admins).params.roles"
    role: str

    def __str__(self) -> str:
        return f"{self.key} names role {self.role!r}, which the tenant does not declare"


def _role_values(name: str, spec: Mapping[str, Any] | None, value: Any) -> list[str]:
    is_role = (spec is not None and spec.get("refers_to") == "role") or (
        (spec is None or spec.get("refers_to") is None) and _ROLE_PARAM.match(name) is not None)
    if not is_role:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def role_problems(model: TenantModel, manifest: Manifest) -> list[RoleProblem]:
    """Roles named by the manifest's rules that the tenant does not declare.

    A parameter names roles when its name is ``roles``, ``role``, ``*_roles`` or ``*_role``,
    or when the template declares it with ``refers_to = "role"`` (``refers_to = ""`` opts a
    matching name out). Its string values (and defaults) must be declared ``[[roles]]``.
    """
    from ._render import template_params

    declared = set(model.role_names)
    problems = []
    for entry in manifest.ordered():
        specs = template_params(manifest.root / entry.template) or {}
        values = {name: spec["default"] for name, spec in specs.items() if "default" in spec}
        values.update(entry.params)
        label = f"rules[{entry.index}] ({entry.name}).params"
        for name, value in values.items():
            for role in _role_values(name, specs.get(name), value):
                if role not in declared:
                    problems.append(RoleProblem(entry.name, f"{label}.{name}", role))
    return problems


def require_declared_roles(model: TenantModel, manifest: Manifest) -> None:
    """Raise TenantError when a rule names a role the tenant does not declare."""
    problems = role_problems(model, manifest)
    if problems:
        listed = "; ".join(str(p) for p in problems)
        # Located where the role is named (the manifest's parameter), as rulekit lint does.
        entry = manifest.get(problems[0].rule)
        line = (manifest.key_line(entry.index, problems[0].key.rsplit(".", 1)[-1])
                if entry is not None else None)
        raise TenantError(
            f"{listed} (roles declared in {model.display_path()}: "
            f"{', '.join(map(repr, model.role_names)) or 'none'}); declare it in [[roles]] or "
            "fix the rule's parameter", path=manifest.display_path(), line=line)
