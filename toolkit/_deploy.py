"""What ``infra/__main__.py`` deploys: the tenant model and exactly the attested artifacts.

:func:`prepare` does everything that needs no Pulumi (load the tenant model, render the
manifest, check roles, ask the gate); :func:`deploy` turns that into pulumi-auth0 resources.
The program has no rule logic of its own: an Action's ``code`` is the rendered artifact, byte
for byte.

Stack config (project namespace ``rulekit``):

* ``allowUntested`` (bool): emergency override of the gate; deploys anyway, loudly.
* ``minCoverage`` (number, default 100): the rulekit coverage (%) the attested run must have
  measured.
* ``deployLegacyRules`` (bool): also deploy the manifest's ``rule`` artifacts as ``auth0.Rule``
  (+ ``auth0.RuleConfig`` for the names they read). Auth0 stopped running Rules on 2026-11-18.
* ``overrides`` (object, optional): per-environment values of the tenant model, e.g.
  ``{"clients": {"ai-system": {"callbacks": ["https://staging.example.com/cb"]}}}``
  (``toolkit._tenant.apply_overrides``).
* ``secretsVersion`` (int, default 1): bump it to push a changed Action secret value (the
  write-only ``secrets_wos`` are not diffed, so a new value alone changes nothing).
* one secret per user password, named by the tenant model's ``password_config``;
* ``secret_<NAME>`` (secret) for each name an Action declares in ``secrets = [...]`` (and each
  configuration key a legacy Rule reads).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._attest import COVERAGE_MIN, GateVerdict, check_gate
from ._manifest import load_manifest
from ._mfa import MfaProblem, mfa_problems
from ._render import Artifact, render_manifest
from ._tenant import (
    MfaSpec,
    TenantModel,
    apply_overrides,
    load_tenant,
    require_declared_roles,
    slug,
)
from .errors import InputError, ManifestError, TenantError

if TYPE_CHECKING:
    import pulumi
    import pulumi_auth0 as auth0

__all__ = [
    "ACTION_RUNTIME",
    "CONFIG_NAMESPACE",
    "DeploySettings",
    "Deployed",
    "Prepared",
    "deploy",
    "guardian_inputs",
    "prepare",
    "required_secret_keys",
    "secret_config_key",
]

CONFIG_NAMESPACE = "rulekit"
ACTION_RUNTIME = "node22"
POST_LOGIN = ("post-login", "v3")  # trigger id and version of the post-login Actions
RULES_EOL = "2026-11-18"


def secret_config_key(name: str) -> str:
    """The stack config key (in namespace ``rulekit``) holding the value of secret ``name``."""
    return f"secret_{name}"


@dataclass(frozen=True)
class DeploySettings:
    """The stack config flags the program reads."""

    allow_untested: bool = False
    deploy_legacy_rules: bool = False
    secrets_version: int = 1
    min_coverage: float = COVERAGE_MIN

    @classmethod
    def from_config(cls, config: pulumi.Config) -> DeploySettings:
        """The settings, or InputError naming the key of a value of the wrong type."""
        import pulumi

        try:
            return cls._read(config)
        except pulumi.ConfigTypeError as exc:
            error = InputError(str(exc), path="stack config")
            error.config_key = exc.key  # type: ignore[attr-defined]  # rulekit plan: its line
            raise error from None

    @classmethod
    def _read(cls, config: pulumi.Config) -> DeploySettings:
        minimum = config.get_float("minCoverage")
        if minimum is not None and not 0 <= minimum <= 100:  # also refuses nan
            from .errors import DeployGateError
            raise DeployGateError(f"rulekit:minCoverage must be a percentage from 0 to 100, got "
                                  f"{minimum!r}")
        return cls(allow_untested=bool(config.get_bool("allowUntested")),
                   deploy_legacy_rules=bool(config.get_bool("deployLegacyRules")),
                   secrets_version=config.get_int("secretsVersion") or 1,
                   min_coverage=COVERAGE_MIN if minimum is None else minimum)


@dataclass(frozen=True)
class Prepared:
    """Everything the program will deploy, decided without Pulumi."""

    root: Path
    tenant: TenantModel
    artifacts: tuple[Artifact, ...]  # everything the manifest renders
    actions: tuple[Artifact, ...]  # enabled Actions, in binding (manifest) order
    rules: tuple[Artifact, ...]  # enabled legacy Rules, only when asked for
    verdict: GateVerdict
    settings: DeploySettings

    @property
    def deploying(self) -> tuple[Artifact, ...]:
        return self.actions + self.rules

    def secret_names(self) -> tuple[str, ...]:
        return tuple(sorted({name for a in self.deploying for name in a.secrets}))

    def mfa_problems(self) -> list[MfaProblem]:
        """What the tenant model's [mfa] cannot give the Actions to deploy (toolkit._mfa; as
        lint RK113 says: legacy Rules no longer run, so what they ask is not checked)."""
        return mfa_problems(self.tenant.mfa, self.actions, self.tenant.display_path())

    def require_declared_secrets(self) -> None:
        """Raise ManifestError, at the template line of the read, when an Action to deploy
        reads a secret its entry does not declare (lint RK114): the program deploys an entry's
        declared secrets only, so the Action would run with it undefined."""
        from ._lint import undeclared_secret_message, undeclared_secrets

        for artifact in self.actions:
            for name, line in undeclared_secrets(artifact):
                path, at = artifact.locate(line)
                raise ManifestError(undeclared_secret_message(artifact, name) + "; declare it "
                                    "in rules_src/manifest.toml (secrets = [...]) and set "
                                    f"rulekit:secret_{name}", path=path, line=at)

    def require_mfa_settings(self) -> list[str]:
        """Raise TenantError, at the first error's template line, when the tenant's [mfa] falls
        short of what the Actions ask (no factor for the MFA they require, challengeWith without
        customize_with_actions); otherwise the warnings, each naming the template and line."""
        problems = self.mfa_problems()

        def located(problem: MfaProblem) -> str:
            path, line = problem.where()
            return f"{path}:{line}: {problem.message}" if line else f"{path}: {problem.message}"

        errors = [p for p in problems if p.severity == "error"]
        if errors:
            path, line = errors[0].where()
            others = "".join(f"\n  also {located(p)}" for p in errors[1:])
            raise TenantError(errors[0].message + others, path=path, line=line)
        return [located(p) for p in problems]


def prepare(root: str | Path = ".", settings: DeploySettings | None = None) -> Prepared:
    """Load the tenant model and the manifest under ``root``, render, and ask the gate."""
    root = Path(root)
    settings = settings or DeploySettings()
    tenant = load_tenant(root / "rules_src" / "tenant.toml")
    manifest = load_manifest(root / "rules_src" / "manifest.toml")
    require_declared_roles(tenant, manifest)
    artifacts = tuple(render_manifest(manifest))
    enabled = sorted((a for a in artifacts if a.enabled), key=lambda a: a.order)
    actions = tuple(a for a in enabled if a.kind == "action")
    rules = tuple(a for a in enabled if a.kind == "rule") if settings.deploy_legacy_rules else ()
    verdict = check_gate(actions + rules, root / "build" / "attestation.json",
                         min_coverage=settings.min_coverage, rendered=artifacts,
                         tenant=root / "rules_src" / "tenant.toml")
    return Prepared(root=root, tenant=tenant, artifacts=artifacts, actions=actions, rules=rules,
                    verdict=verdict, settings=settings)


def required_secret_keys(root: str | Path = ".") -> list[str]:
    """Config keys (``ns:key``) the program reads as secrets: passwords and Action secrets."""
    prepared = prepare(root, DeploySettings(allow_untested=True, deploy_legacy_rules=True))
    keys = [k if ":" in k else f"{CONFIG_NAMESPACE}:{k}" for k in prepared.tenant.password_keys()]
    keys += [f"{CONFIG_NAMESPACE}:{secret_config_key(n)}" for n in prepared.secret_names()]
    return list(dict.fromkeys(keys))


def _loud(message: str) -> None:
    """Warn in Pulumi's output and on stderr, so neither a CI log nor a terminal misses it."""
    import pulumi

    pulumi.log.warn(message)
    print(f"\n*** {message}\n", file=sys.stderr, flush=True)


@dataclass
class Deployed:
    """The resources the program declared (for tests and the offline plan)."""

    prepared: Prepared
    model: TenantModel | None = None  # the tenant model deployed (the stack's overrides applied)
    tenant: auth0.Tenant | None = None
    guardian: auth0.Guardian | None = None
    clients: dict[str, auth0.Client] = field(default_factory=dict)
    roles: dict[str, auth0.Role] = field(default_factory=dict)
    users: dict[str, auth0.User] = field(default_factory=dict)
    user_roles: dict[str, auth0.UserRoles] = field(default_factory=dict)
    connection_clients: dict[str, auth0.ConnectionClient] = field(default_factory=dict)
    actions: dict[str, auth0.Action] = field(default_factory=dict)
    bindings: auth0.TriggerActions | None = None
    rules: dict[str, auth0.Rule] = field(default_factory=dict)
    rule_configs: dict[str, auth0.RuleConfig] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)  # resource names in declaration order

    def declare(self, name: str) -> str:
        self.names.append(name)
        return name


def guardian_inputs(mfa: MfaSpec) -> dict[str, Any]:
    """auth0.Guardian's inputs for ``[mfa]``: the policy, and every factor explicitly on or off
    (the provider keeps a block's value from the tenant when the block is left out, so an
    enabled factor would stay on). Phone is SMS through the tenant's own phone provider
    settings; push is the Guardian app; Duo, which needs credentials, is off."""
    on = set(mfa.factors)
    return {
        "policy": mfa.policy,
        "otp": "otp" in on, "email": "email" in on, "recovery_code": "recovery-code" in on,
        "webauthn_roaming": {"enabled": "webauthn-roaming" in on},
        "webauthn_platform": {"enabled": "webauthn-platform" in on},
        "phone": {"enabled": True, "message_types": ["sms"]} if "phone" in on
        else {"enabled": False},
        "push": {"enabled": True, "provider": "guardian"} if "push-notification" in on
        else {"enabled": False},
        "duo": {"enabled": False},
    }


def _secret_reader(config: pulumi.Config) -> Callable[[str], pulumi.Output[str]]:
    import pulumi

    def read(key: str) -> pulumi.Output[str]:
        namespace, _, name = key.rpartition(":")
        source = pulumi.Config(namespace) if namespace else config
        return source.require_secret(name)

    return read


def _attestation_export(prepared: Prepared) -> dict[str, Any]:
    verdict = prepared.verdict
    exported: dict[str, Any] = {
        "gate": "passed" if verdict.ok else "OVERRIDDEN (rulekit:allowUntested)",
        "deployed": {a.file_name: a.sha256 for a in prepared.deploying},
    }
    if verdict.attestation is not None:
        exported.update(created_at=verdict.attestation.created_at,
                        tests_passed=verdict.attestation.tests_passed,
                        coverage=verdict.attestation.coverage,
                        toolkit_version=verdict.attestation.toolkit_version,
                        forced=verdict.attestation.forced)
    if not verdict.ok:
        exported["untested"] = [line for line in verdict.problems()]
    return exported


def deploy(root: str | Path, config: pulumi.Config | None = None) -> Deployed:
    """Declare the tenant, clients, roles, users, role assignments and the attested Actions.

    Raises DeployGateError (before declaring any resource) when something to deploy is not
    attested, unless ``rulekit:allowUntested`` is true.
    """
    import pulumi
    import pulumi_auth0 as auth0

    config = config or pulumi.Config(CONFIG_NAMESPACE)
    settings = DeploySettings.from_config(config)
    prepared = prepare(root, settings)
    if not prepared.verdict.ok:
        if not settings.allow_untested:
            raise prepared.verdict.error()
        _loud("rulekit: DEPLOYING UNTESTED CODE (rulekit:allowUntested is true). The gate "
              + prepared.verdict.reason().replace("refusing to deploy: ", "would refuse: ")
              + "\nUnset it after the emergency: pulumi config rm rulekit:allowUntested")
    from ._lint import size_problems

    prepared.require_declared_secrets()
    for message in size_problems(prepared.deploying) + prepared.require_mfa_settings():
        _loud(f"rulekit: {message}")
    if settings.deploy_legacy_rules:
        _loud(f"rulekit: deploying {len(prepared.rules)} legacy Rule(s) because "
              f"rulekit:deployLegacyRules is true, but Auth0 no longer runs Rules (end of life "
              f"{RULES_EOL}): they will not execute. Deploy the Actions instead.")
    secret = _secret_reader(config)
    out = Deployed(prepared=prepared)
    model = out.model = apply_overrides(prepared.tenant, config.get_object("overrides"))

    tenant_inputs = dict(model.settings)
    if model.mfa is not None:
        # "Customize MFA Factors using Actions" is a tenant setting, not Guardian's.
        tenant_inputs["customize_mfa_in_postlogin_action"] = model.mfa.customize_with_actions
    if tenant_inputs:
        out.tenant = auth0.Tenant(out.declare("tenant"), **tenant_inputs)
    if model.mfa is not None:
        # Guardian owns every factor: one left out of [mfa] is turned off on the tenant. Kept
        # on delete: the provider's delete turns every factor off, so removing [mfa] (or the
        # stack) would silently end MFA on the tenant; it leaves them as last deployed instead.
        out.guardian = auth0.Guardian(out.declare("mfa"), **guardian_inputs(model.mfa),
                                      opts=pulumi.ResourceOptions(retain_on_delete=True))
    for client in model.clients:
        out.clients[client.name] = auth0.Client(out.declare(f"client-{client.resource_name}"),
                                                **client.client_inputs)
    # Each client's connections (Auth0 signs users in to an application only through a
    # connection enabled for it): ConnectionClient adds one client to one existing connection
    # and leaves its other clients alone; the connection is looked up by name.
    connection_ids: dict[str, pulumi.Output[str]] = {}
    for client in model.clients:
        for connection in model.connections_of(client):
            if connection not in connection_ids:
                connection_ids[connection] = auth0.get_connection_output(
                    name=connection, skip_enabled_clients=True).apply(lambda found: found.id)
            name = out.declare(f"connection-client-{client.resource_name}-{slug(connection)}")
            out.connection_clients[name] = auth0.ConnectionClient(
                name, client_id=out.clients[client.name].client_id,
                connection_id=connection_ids[connection])
    for role in model.roles:
        out.roles[role.name] = auth0.Role(out.declare(f"role-{role.resource_name}"), name=role.name,
                                          description=role.description or None)
    for user in model.users:
        created = auth0.User(
            out.declare(f"user-{user.resource_name}"), connection_name=user.connection, email=user.email,
            email_verified=user.email_verified,
            password=secret(user.password_config) if user.password_config else None,
            app_metadata=json.dumps(user.app_metadata, sort_keys=True) if user.app_metadata
            else None,
            user_metadata=json.dumps(user.user_metadata, sort_keys=True) if user.user_metadata
            else None,
            name=user.profile.get("name"), given_name=user.profile.get("given_name"),
            family_name=user.profile.get("family_name"), nickname=user.profile.get("nickname"),
            username=user.profile.get("username"))
        out.users[user.email] = created
        if user.roles:
            # UserRoles owns the user's whole set of roles: never mixed with UserRole.
            out.user_roles[user.email] = auth0.UserRoles(
                out.declare(f"user-roles-{user.resource_name}"), user_id=created.id,
                roles=[out.roles[name].id for name in user.roles])

    for artifact in prepared.actions:
        secrets = [auth0.ActionSecretsWoArgs(name=name, value=secret(secret_config_key(name)))
                   for name in artifact.secrets]
        out.actions[artifact.name] = auth0.Action(
            out.declare(f"action-{artifact.name}"), name=artifact.name, code=artifact.code,
            runtime=ACTION_RUNTIME, deploy=True,
            supported_triggers=auth0.ActionSupportedTriggersArgs(id=POST_LOGIN[0],
                                                                 version=POST_LOGIN[1]),
            dependencies=[auth0.ActionDependencyArgs(name=name, version=version)
                          for name, version in artifact.dependencies] or None,
            # Write-only: Auth0 never returns them; Pulumi keeps them only as encrypted secrets
            # in the state's inputs, never in outputs (Pulumi docs, "Write-only Fields").
            secrets_wos=secrets or None,
            secrets_wo_version=settings.secrets_version if secrets else None)
    if out.actions:
        # One TriggerActions owns the whole ordered binding list (TriggerAction only appends).
        out.bindings = auth0.TriggerActions(
            out.declare("post-login-bindings"), trigger=POST_LOGIN[0],
            actions=[auth0.TriggerActionsActionArgs(id=out.actions[a.name].id,
                                                    display_name=a.name)
                     for a in prepared.actions])

    for artifact in prepared.rules:
        out.rules[artifact.name] = auth0.Rule(out.declare(f"rule-{artifact.name}"), name=artifact.name,
                                              script=artifact.code, order=artifact.order,
                                              enabled=True)
    for name in sorted({n for a in prepared.rules for n in a.secrets}):
        out.rule_configs[name] = auth0.RuleConfig(out.declare(f"rule-config-{name}"), key=name,
                                                  value=secret(secret_config_key(name)))

    pulumi.export("client_ids", {name: c.client_id for name, c in out.clients.items()})
    pulumi.export("action_ids", {name: a.id for name, a in out.actions.items()})
    pulumi.export("attestation", _attestation_export(prepared))
    return out
