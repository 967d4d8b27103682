"""The Pulumi program under the SDK's mocks (pulumi.runtime.set_mocks): no CLI, no network.

Each test runs toolkit._deploy.deploy (what infra/__main__.py calls) on a copy of the project
and inspects the resources the mock engine received.
"""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import pulumi
import pytest

from toolkit._deploy import Deployed, deploy, required_secret_keys
from toolkit._plan import PLACEHOLDER, MockRun, run_program, run_with_mocks
from toolkit._render import render_manifest
from toolkit.errors import DeployGateError, ManifestError, TenantError

from .conftest import REPO, Project


def run(project: Project, **flags: str) -> MockRun:
    return run_program(project.root, config={f"rulekit:{k}": v for k, v in flags.items()})


def deployed_ok(project: Project, **flags: str) -> MockRun:
    result = run(project, **flags)
    assert result.error is None, result.error
    return result


# ------------------------------------------------------------------------ the tenant model
@pytest.mark.example
def test_every_resource_of_the_model_is_declared_with_its_inputs(project: Project) -> None:
    project.attest()
    result = deployed_ok(project)

    assert sorted((r.short_type, r.name) for r in result.resources) == sorted([
        ("auth0.Tenant", "tenant"),
        ("auth0.Guardian", "mfa"),
        ("auth0.Client", "client-ai-system"),
        ("auth0.ConnectionClient", "connection-client-ai-system-username-password-authentication"),
        ("auth0.Role", "role-ai-system-user"),
        ("auth0.Role", "role-ai-system-admin"),
        ("auth0.User", "user-user-example-com"),
        ("auth0.User", "user-admin-example-com"),
        ("auth0.UserRoles", "user-roles-user-example-com"),
        ("auth0.UserRoles", "user-roles-admin-example-com"),
        ("auth0.Action", "action-require-mfa-for-ai-admins"),
        ("auth0.Action", "action-add-roles-claim"),
        ("auth0.TriggerActions", "post-login-bindings"),
    ])
    tenant = result.get("tenant").inputs
    assert tenant["friendlyName"] == "My AI Systems Tenant"
    assert tenant["supportEmail"] == "support@myaisystem.example.com"
    assert tenant["customizeMfaInPostloginAction"] is False
    # [mfa]: the factors the admins' MFA needs, the rest off (a block present turns one on).
    assert result.get("mfa").inputs == {
        "policy": "never", "otp": True, "email": False, "recoveryCode": True,
        "webauthnRoaming": {"enabled": True},
        # every other factor explicitly off: a block left out keeps the tenant's value
        "webauthnPlatform": {"enabled": False}, "phone": {"enabled": False},
        "push": {"enabled": False}, "duo": {"enabled": False}}
    assert not any("[mfa]" in w for w in result.warnings)

    client = result.get("client-ai-system").inputs
    assert client["name"] == "My AI System"
    assert client["appType"] == "regular_web"
    assert client["grantTypes"] == ["authorization_code", "refresh_token"]
    assert client["callbacks"] == ["https://myaisystem.example.com/auth/callback"]
    assert client["webOrigins"] == ["https://myaisystem.example.com"]
    assert client["allowedLogoutUrls"] == ["https://myaisystem.example.com"]
    assert client["clientMetadata"] == {"ai_system": "distributed"}

    # The users' connection is enabled for the client (looked up by name), or they could not
    # sign in to it on a tenant that does not enable every connection for a new application.
    assert result.get("connection-client-ai-system-username-password-authentication").inputs == {
        "clientId": "<client-ai-system.client_id>",
        "connectionId": "<connection Username-Password-Authentication.id>"}

    assert result.get("role-ai-system-user").inputs == {
        "name": "AI System User", "description": "User of the AI system with limited access"}
    assert result.get("role-ai-system-admin").inputs["name"] == "ai_system_admin"

    user = result.get("user-user-example-com")
    assert user.plain("email") == "user@example.com"
    assert user.plain("connectionName") == "Username-Password-Authentication"
    assert user.plain("emailVerified") is True
    assert json.loads(user.plain("appMetadata")) == {"roles": ["ai_user"]}
    admin = result.get("user-admin-example-com")
    assert json.loads(admin.plain("appMetadata")) == {"roles": ["ai_system_admin"]}

    # One UserRoles per user owns the user's whole set of roles (no UserRole beside it).
    assert result.of_type("auth0.UserRole") == []
    assert result.get("user-roles-user-example-com").inputs == {
        "userId": "<user-user-example-com.id>", "roles": ["<role-ai-system-user.id>"]}
    assert result.get("user-roles-admin-example-com").inputs == {
        "userId": "<user-admin-example-com.id>", "roles": ["<role-ai-system-admin.id>"]}


def test_passwords_come_from_stack_config_as_secrets(project: Project) -> None:
    project.attest()

    def password_secrecy(deployed: Deployed) -> Any:
        async def check() -> list[bool]:
            return [await user.password.is_secret() for user in deployed.users.values()]

        return check()

    result = run_program(project.root, config={"rulekit:exampleUserPassword": "s3cret-user",
                                                "rulekit:adminUserPassword": "s3cret-admin"},
                         inspect_deployed=password_secrecy)
    assert result.error is None, result.error
    assert result.value == [True, True]  # the User resources' password outputs are secret
    for user in result.of_type("auth0.User"):
        assert user.is_secret("password")  # and the engine received them marked secret
        assert user.masked()["password"] == "[secret]"
    assert result.get("user-user-example-com").plain("password") == "s3cret-user"
    assert result.get("user-admin-example-com").plain("password") == "s3cret-admin"
    assert "s3cret" not in json.dumps([r.masked() for r in result.resources])


def test_a_missing_password_secret_fails_naming_the_config_key(project: Project) -> None:
    project.attest()
    result = run_with_mocks(lambda: deploy(project.root))
    assert result.error is not None
    assert "exampleUserPassword" in str(result.error)


def test_a_plain_text_password_in_the_model_is_rejected(project: Project) -> None:
    project.attest()
    project.replace("rules_src/tenant.toml", 'password_config = "exampleUserPassword"',
                    'password = "initialStrongPassword!"')
    with pytest.raises(TenantError) as info:
        run(project)
    # The program itself refuses it too, before declaring anything.
    in_program = run_with_mocks(lambda: deploy(project.root))
    assert isinstance(in_program.error, TenantError) and in_program.resources == []
    message = str(info.value)
    assert message == str(in_program.error)
    assert message.startswith("rules_src/tenant.toml:")
    assert "users[0] (user@example.com).password" in message
    assert "pulumi config set --secret" in message
    assert "initialStrongPassword" not in message


@pytest.mark.example
def test_exports_client_ids_action_ids_and_the_attestation(project: Project) -> None:
    attestation = project.attest(tests_passed=28)
    result = deployed_ok(project)
    assert result.exports["client_ids"] == {"My AI System": "<client-ai-system.client_id>"}
    assert result.exports["action_ids"] == {
        "require-mfa-for-ai-admins": "<action-require-mfa-for-ai-admins.id>",
        "add-roles-claim": "<action-add-roles-claim.id>"}
    exported = result.exports["attestation"]
    assert exported["gate"] == "passed"
    assert exported["tests_passed"] == 28
    assert exported["created_at"] == attestation.created_at
    assert exported["deployed"] == {a.file: a.sha256 for a in attestation.artifacts
                                    if a.kind == "action"}


def test_the_repository_program_runs_under_mocks() -> None:
    """infra/__main__.py itself: thin, wired to the repository's rules_src/."""
    config = dict.fromkeys(required_secret_keys(REPO), "x")
    result = run_with_mocks(lambda: runpy.run_path(str(REPO / "infra" / "__main__.py")),
                            config={**config, "rulekit:allowUntested": "true"},
                            secret_keys=list(config))
    assert result.error is None, result.error
    assert {r.short_type for r in result.resources} >= {
        "auth0.Tenant", "auth0.Client", "auth0.Role", "auth0.User", "auth0.UserRoles",
        "auth0.Action", "auth0.TriggerActions"}


# --------------------------------------------------------------------------------- Actions
@pytest.mark.example
def test_action_code_is_the_rendered_artifact_byte_for_byte(project: Project) -> None:
    project.attest()
    result = deployed_ok(project)
    rendered = {a.name: a for a in render_manifest(project.manifest) if a.kind == "action"}
    actions = result.of_type("auth0.Action")
    assert len(actions) == len(rendered) == 2
    for action in actions:
        artifact = rendered[action.inputs["name"]]
        assert action.inputs["code"].encode("utf-8") == artifact.code.encode("utf-8")
        assert action.inputs["runtime"] == "node22"
        assert action.inputs["deploy"] is True
        assert action.inputs["supportedTriggers"] == {"id": "post-login", "version": "v3"}
        assert "secrets" not in action.inputs  # the plain-state variant is never used


@pytest.mark.example
def test_binding_order_is_manifest_order(project: Project) -> None:
    # Swap the two entries' orders: the binding must follow `order`, not file position.
    project.replace("rules_src/manifest.toml", "order = 10", "order = 30")
    project.attest()
    result = deployed_ok(project)
    bindings = result.get("post-login-bindings").inputs
    assert bindings["trigger"] == "post-login"
    assert [b["displayName"] for b in bindings["actions"]] == [
        "add-roles-claim", "require-mfa-for-ai-admins"]
    assert [b["id"] for b in bindings["actions"]] == [
        "<action-add-roles-claim.id>", "<action-require-mfa-for-ai-admins.id>"]
    assert len(result.of_type("auth0.TriggerActions")) == 1
    assert result.of_type("auth0.TriggerAction") == []


def _add_entry_with_secrets(project: Project) -> None:
    project.write("rules_src/templates/tag.js.j2", """
        exports.onExecutePostLogin = async (event, api) => {
          api.idToken.setCustomClaim("https://ai.example.com/tagged", Boolean(event.secrets.API_KEY));
        };
        """)
    project.append("rules_src/manifest.toml", """
        [[rules]]
        name = "tag-login"
        template = "templates/tag.js.j2"
        order = 5
        secrets = ["API_KEY"]

        [rules.dependencies]
        lodash = "4.17.21"
        """)


def test_dependencies_and_write_only_secrets_from_stack_config(project: Project) -> None:
    _add_entry_with_secrets(project)
    project.attest()
    result = run_program(project.root, config={"rulekit:secret_API_KEY": "k-123",
                                                "rulekit:secretsVersion": "3"})
    assert result.error is None, result.error
    action = result.get("action-tag-login")
    assert action.inputs["dependencies"] == [{"name": "lodash", "version": "4.17.21"}]
    assert action.is_secret("secretsWos")
    assert action.plain("secretsWos") == [{"name": "API_KEY", "value": "k-123"}]
    assert action.inputs["secretsWoVersion"] == 3
    assert "secrets" not in action.inputs
    assert "k-123" not in json.dumps(action.masked())
    # Without secrets an Action carries no secret inputs at all.
    assert "secretsWos" not in result.get("action-add-roles-claim").inputs


# --------------------------------------------------------------------------------- the gate
def test_no_attestation_is_refused_before_declaring_anything(project: Project) -> None:
    result = run(project)
    assert isinstance(result.error, DeployGateError)
    assert "no attestation at" in str(result.error)
    assert "make test-rules" in str(result.error)
    assert result.resources == []


def test_a_changed_template_without_a_new_green_run_is_refused(project: Project) -> None:
    project.attest()
    assert deployed_ok(project).resources  # green: deploys
    project.replace("rules_src/templates/roles_claim.js.j2", "api.idToken.setCustomClaim",
                    "api.idToken.setCustomClaim({{ claim|js }} + '-v2', roles);\n"
                    "  api.idToken.setCustomClaim")

    refused = run(project)
    assert isinstance(refused.error, DeployGateError)
    message = str(refused.error)
    assert "actions/add-roles-claim.js: changed since the last green run" in message
    assert "require-mfa-for-ai-admins" not in message  # unchanged: attested
    assert "run `make test-rules` (or `rulekit test`)" in message
    assert refused.resources == []

    project.attest()  # a new green run
    assert deployed_ok(project).get("action-add-roles-claim")


def test_a_new_artifact_is_refused_as_never_tested(project: Project) -> None:
    project.attest()
    _add_entry_with_secrets(project)
    refused = run(project)
    assert isinstance(refused.error, DeployGateError)
    assert "actions/tag-login.js: never tested" in str(refused.error)


@pytest.mark.example
def test_the_override_deploys_untested_code_and_warns_loudly(
        project: Project, capfd: pytest.CaptureFixture[str]) -> None:
    result = deployed_ok(project, allowUntested="true")
    assert len(result.of_type("auth0.Action")) == 2
    assert any("DEPLOYING UNTESTED CODE" in w and "never tested" in w for w in result.warnings)
    assert "DEPLOYING UNTESTED CODE" in capfd.readouterr().err
    assert result.exports["attestation"]["gate"].startswith("OVERRIDDEN")
    assert result.exports["attestation"]["untested"]


@pytest.mark.example
def test_disabled_entries_are_not_deployed_nor_gated(project: Project) -> None:
    project.replace("rules_src/manifest.toml", "order = 20\nenabled = true",
                    "order = 20\nenabled = false")
    project.attest()
    project.replace("rules_src/manifest.toml", 'claim = "https://ai.example.com/roles"',
                    'claim = "https://ai.example.com/changed"')
    result = deployed_ok(project)
    assert [a.inputs["name"] for a in result.of_type("auth0.Action")] == [
        "require-mfa-for-ai-admins"]


@pytest.mark.example
def test_disabling_a_tested_action_needs_a_new_green_run(project: Project) -> None:
    # Review of 2026-11-29: disabling the MFA Action deployed on the old attestation while the
    # rule tests failed, taking MFA out of the tenant.
    project.attest()
    project.replace("rules_src/manifest.toml", "order = 10\nenabled = true",
                    "order = 10\nenabled = false")
    result = run(project)
    assert isinstance(result.error, DeployGateError)
    assert "the actions that would run, in order, are not the tested ones" in str(result.error)
    assert result.of_type("auth0.TriggerActions") == []
    project.attest()
    assert deployed_ok(project).of_type("auth0.Action") != []


@pytest.mark.example
def test_a_tenant_model_changed_since_the_tested_run_is_refused(project: Project) -> None:
    project.attest()
    project.replace("rules_src/tenant.toml", 'email = "admin@example.com"',
                    'email = "root@example.com"')
    result = run(project)
    assert isinstance(result.error, DeployGateError)
    assert "tenant.toml: changed since the last green run" in str(result.error)


# --------------------------------------------------------------------------- legacy Rules
def test_legacy_rules_are_deployed_only_when_asked_and_with_a_warning(project: Project) -> None:
    project.attest()
    assert deployed_ok(project).of_type("auth0.Rule") == []

    result = deployed_ok(project, deployLegacyRules="true")
    rules = {r.inputs["name"]: r.inputs for r in result.of_type("auth0.Rule")}
    rendered = {a.name: a for a in render_manifest(project.manifest) if a.kind == "rule"}
    assert set(rules) == set(rendered)
    for name, inputs in rules.items():
        assert inputs["script"] == rendered[name].code
        assert inputs["order"] == rendered[name].order
        assert inputs["enabled"] is True
    assert any("Auth0 no longer runs Rules" in w for w in result.warnings)


def test_legacy_rule_configuration_is_secret_rule_config(project: Project) -> None:
    project.write("rules_src/templates/cfg.js.j2", """
        {% if target == "action" %}
        exports.onExecutePostLogin = async (event, api) => {};
        {% else %}
        function (user, context, callback) {
          callback(null, user, context);
        }
        {% endif %}
        """)
    project.append("rules_src/manifest.toml", """
        [[rules]]
        name = "uses-config"
        template = "templates/cfg.js.j2"
        order = 40
        targets = ["action", "rule"]
        secrets = ["WEBHOOK_TOKEN"]
        """)
    project.attest()
    result = run_program(project.root, config={"rulekit:deployLegacyRules": "true",
                                                "rulekit:secret_WEBHOOK_TOKEN": "tok"})
    assert result.error is None, result.error
    config = result.get("rule-config-WEBHOOK_TOKEN")
    assert config.inputs["key"] == "WEBHOOK_TOKEN"
    assert config.is_secret("value") and config.plain("value") == "tok"


def test_legacy_rules_are_gated_too(project: Project) -> None:
    project.attest()
    project.replace("rules_src/templates/roles_claim.js.j2", "context.idToken[",
                    "context.accessToken['x'] = 1;\n  context.idToken[")
    refused = run(project, deployLegacyRules="true")
    assert isinstance(refused.error, DeployGateError)
    assert "rules/add-roles-claim.js: changed" in str(refused.error)
    assert deployed_ok(project).of_type("auth0.Rule") == []  # the Actions did not change


def test_runs_are_isolated_from_each_other(project: Project) -> None:
    project.attest()
    first = deployed_ok(project)
    second = deployed_ok(project)
    assert [r.name for r in first.resources] == [r.name for r in second.resources]
    assert pulumi.runtime.get_root_resource() is None  # nothing leaked into this context
    assert PLACEHOLDER == first.get("user-admin-example-com").plain("password")


@pytest.mark.example
def test_a_rule_naming_an_undeclared_role_stops_the_program(project: Project) -> None:
    project.attest()
    project.replace("rules_src/manifest.toml", 'roles = ["ai_system_admin"]',
                    'roles = ["ai_system_admin", "ai_superuser"]')
    with pytest.raises(TenantError) as info:
        run(project)
    assert "ai_superuser" in str(info.value)
    assert "rules[0] (require-mfa-for-ai-admins).params.roles" in str(info.value)


def test_program_inputs_path_is_independent_of_the_cwd(project: Project,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    project.attest()
    monkeypatch.chdir(Path("/"))
    assert deployed_ok(project).get("action-add-roles-claim")


def test_per_environment_overrides_from_stack_config(project: Project) -> None:
    project.attest()
    overrides = {"tenant": {"friendly_name": "AI Systems (staging)"},
                 "clients": {"ai-system": {"callbacks": ["https://staging.example.com/cb"]}}}
    result = deployed_ok(project, overrides=json.dumps(overrides))
    assert result.get("tenant").inputs["friendlyName"] == "AI Systems (staging)"
    client = result.get("client-ai-system").inputs
    assert client["callbacks"] == ["https://staging.example.com/cb"]
    assert client["grantTypes"] == ["authorization_code", "refresh_token"]  # the rest stays

    wrong = run(project, overrides=json.dumps({"clients": {"ai-sytem": {"callbacks": []}}}))
    assert isinstance(wrong.error, TenantError)
    assert str(wrong.error).startswith("rulekit:overrides: clients.ai-sytem: no client")
    assert wrong.resources == []


def test_min_coverage_from_stack_config(project: Project) -> None:
    # The gate's coverage threshold: an attested run at 100% passes any valid minimum; a
    # minimum outside 0-100 (nan, say) is refused rather than letting anything through.
    project.attest()
    assert run(project, minCoverage="90").error is None
    for bad in ("nan", "-1", "101"):
        error = run(project, minCoverage=bad).error
        assert isinstance(error, DeployGateError) and "minCoverage must be a percentage" in str(error)


def test_an_action_over_auth0s_size_guideline_deploys_with_a_warning(project: Project) -> None:
    # Actions Limitations: "Each Action should not exceed 100 kB. The larger the size, the more
    # latency is introduced": a guideline, not a refusal (a review checked the page).
    project.append("rules_src/templates/roles_claim.js.j2", "\n// " + "x" * 101 * 1024 + "\n")
    project.attest()
    result = deployed_ok(project)
    assert any("should not exceed 100 kB" in w for w in result.warnings)
    assert len(result.of_type("auth0.Action")) == 2


def test_a_stack_override_to_a_machine_to_machine_client_enables_no_connection(
        project: Project) -> None:
    # Review of 2026-11-29: the default connections read the file's app_type, not the override.
    project.attest()
    overrides = {"clients": {"ai-system": {"app_type": "non_interactive",
                                           "grant_types": ["client_credentials"]}}}
    result = run(project, overrides=json.dumps(overrides))
    assert result.error is None, result.error
    assert result.of_type("auth0.ConnectionClient") == []
    bad = run(project, overrides=json.dumps({"clients": {"ai-system": {"connections": [" "]}}}))
    assert isinstance(bad.error, TenantError)
    assert "a connection is named by a non-empty string" in str(bad.error)


# ------------------------------------------------------------------- the tenant's MFA ([mfa])
_CHALLENGE = """
    exports.onExecutePostLogin = async (event, api) => {
      if (event.authorization?.roles.includes('ai_system_admin')) {
        api.authentication.challengeWith({ type: 'otp' }, { additionalFactors: [{ type: 'phone' }] });
      }
    };
    """


def _add_challenging_action(project: Project) -> None:
    project.write("rules_src/templates/challenge.js.j2", _CHALLENGE)
    project.append("rules_src/manifest.toml", """
        [[rules]]
        name = "challenge-admins"
        template = "templates/challenge.js.j2"
        order = 40
        """)


def test_challenge_with_needs_customize_mfa_factors_using_actions(project: Project) -> None:
    # Customize MFA Selection for Universal Login: "you must enable the Customize MFA Factors
    # using Actions toggle ... Your customized flows will not work properly if this setting is
    # not enabled".
    _add_challenging_action(project)
    project.attest()
    result = run(project)
    assert isinstance(result.error, TenantError)
    message = str(result.error)
    assert message.startswith("rules_src/templates/challenge.js.j2:3: Action 'challenge-admins' "
                              "calls api.authentication.challengeWith, but rules_src/tenant.toml "
                              "[mfa] does not set customize_with_actions = true")
    assert result.resources == []  # nothing declared

    project.replace("rules_src/tenant.toml", "customize_with_actions = false",
                    "customize_with_actions = true")
    project.attest()
    result = deployed_ok(project)
    assert result.get("tenant").inputs["customizeMfaInPostloginAction"] is True
    # It names phone, which [mfa] does not enable: Auth0 ignores it (a warning, not a stop).
    assert any("names factor 'phone', which rules_src/tenant.toml [mfa] does not enable" in w
               for w in result.warnings)


def test_mfa_without_an_independent_factor_stops_the_program(project: Project) -> None:
    # Enable Multi-Factor Authentication: "You must enable and configure at least one
    # independent factor to require MFA for users on your tenant."
    project.replace("rules_src/tenant.toml", 'factors = ["otp", "webauthn-roaming", "recovery-code"]',
                    "factors = []")
    project.attest()
    result = run(project)
    assert isinstance(result.error, TenantError)
    assert "Action 'require-mfa-for-ai-admins' can require MFA, but rules_src/tenant.toml [mfa] " \
           "enables no factor" in str(result.error)
    assert "mfa_for_roles.js.j2:" in str(result.error)


def test_without_mfa_the_tenant_factors_are_left_alone_with_a_warning(project: Project) -> None:
    text = project.tenant.read_text(encoding="utf-8")
    start = text.index("[mfa]")
    project.tenant.write_text(text[:start] + text[text.index("[[clients]]"):], encoding="utf-8")
    project.attest()
    result = deployed_ok(project)
    assert result.of_type("auth0.Guardian") == []
    assert "customizeMfaInPostloginAction" not in result.get("tenant").inputs
    assert any("can require MFA, but rules_src/tenant.toml has no [mfa]" in w
               for w in result.warnings)


_OFF = {"otp": False, "email": False, "recoveryCode": False, "webauthnRoaming": {"enabled": False},
        "webauthnPlatform": {"enabled": False}, "phone": {"enabled": False},
        "push": {"enabled": False}, "duo": {"enabled": False}}


@pytest.mark.parametrize(("factors", "expected"), [
    (["phone", "email"], {**_OFF, "phone": {"enabled": True, "messageTypes": ["sms"]},
                          "email": True}),
    (["push-notification", "webauthn-platform"],
     {**_OFF, "push": {"enabled": True, "provider": "guardian"},
      "webauthnPlatform": {"enabled": True}}),
])
def test_each_factor_is_turned_on_in_guardian(project: Project, factors: list[str],
                                              expected: dict[str, Any]) -> None:
    project.replace("rules_src/tenant.toml", 'factors = ["otp", "webauthn-roaming", "recovery-code"]',
                    f"factors = {json.dumps(factors)}")
    project.replace("rules_src/tenant.toml", 'policy = "never"', 'policy = "all-applications"')
    project.attest()
    assert deployed_ok(project).get("mfa").inputs == {"policy": "all-applications", **expected}


def test_the_mfa_settings_stay_on_the_tenant_when_mfa_is_removed(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    # The provider's delete of a Guardian turns every factor off: removing [mfa] (or the stack)
    # must not silently end MFA on the tenant, so the resource is retained on delete.
    import pulumi_auth0

    seen: dict[str, Any] = {}
    original = pulumi_auth0.Guardian.__init__

    def spy(self: Any, resource_name: str, *args: Any, **kwargs: Any) -> None:
        seen[resource_name] = kwargs.get("opts")
        original(self, resource_name, *args, **kwargs)

    monkeypatch.setattr(pulumi_auth0.Guardian, "__init__", spy)
    project.attest()
    deployed_ok(project)
    assert seen["mfa"] is not None and seen["mfa"].retain_on_delete is True


def test_duo_is_refused_when_mfa_is_managed(project: Project) -> None:
    project.replace("rules_src/manifest.toml", 'provider = "any"', 'provider = "duo"')
    project.attest()
    result = run(project)
    assert isinstance(result.error, TenantError)
    assert "requires MFA with provider 'duo', but rules_src/tenant.toml [mfa] turns Duo off" in \
        str(result.error)


def test_legacy_rules_are_not_checked_against_mfa(project: Project) -> None:
    # Rules no longer run (and lint RK113 looks at the Actions): only what the Actions ask counts.
    project.replace("rules_src/tenant.toml", 'factors = ["otp", "webauthn-roaming", "recovery-code"]',
                    "factors = []")
    project.replace("rules_src/manifest.toml", 'targets = ["action", "rule"]\n\n[rules.params]\n'
                    'roles = ["ai_system_admin"]', 'targets = ["rule"]\n\n[rules.params]\n'
                    'roles = ["ai_system_admin"]')
    project.attest()
    result = run(project, deployLegacyRules="true")
    assert result.error is None, result.error


def test_an_action_that_reads_an_undeclared_secret_is_not_deployed(project: Project) -> None:
    # A newcomer's Action read event.secrets.EXTRA_BLOCKLIST without declaring it: lint said
    # RK114, yet the gate passed and the plan would deploy, and the Action would run with the
    # secret undefined (the program deploys declared secrets only).
    project.write("rules_src/templates/extra.js.j2", (
        "exports.onExecutePostLogin = async (event, api) => {\n"
        "  const extra = (event.secrets.EXTRA_BLOCKLIST || '').split(',');\n"
        "  if (extra.includes(event.request.geoip.country_code)) api.access.deny('no');\n"
        "};\n"))
    project.append("rules_src/manifest.toml", """
        [[rules]]
        name = "extra-blocklist"
        template = "templates/extra.js.j2"
        order = 40
        """)
    project.attest()
    result = run(project)
    assert isinstance(result.error, ManifestError) and result.resources == []
    assert str(result.error).startswith(
        "rules_src/templates/extra.js.j2:2: event.secrets.EXTRA_BLOCKLIST is read, but the "
        "manifest entry 'extra-blocklist' does not declare it")
    project.replace("rules_src/manifest.toml", 'order = 40\n',
                    'order = 40\nsecrets = ["EXTRA_BLOCKLIST"]\n')
    project.attest()
    declared = run_program(project.root, config={"rulekit:secret_EXTRA_BLOCKLIST": "KP"})
    assert declared.error is None, declared.error
    assert declared.get("action-extra-blocklist").plain("secretsWos") == [
        {"name": "EXTRA_BLOCKLIST", "value": "KP"}]
