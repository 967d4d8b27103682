"""The tenant model: the shipped example, its validation, its users as logins, roles rules name."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit import ActionsRuntime, RulesRuntime, load_manifest, to_action_shape, to_rule_shape
from toolkit._render import render_manifest
from toolkit._tenant import declared_logins, load_tenant, require_declared_roles, role_problems
from toolkit.errors import ManifestError, TenantError

from .conftest import REPO, Project


@pytest.mark.example
def test_the_shipped_example_tenant() -> None:
    model = load_tenant(REPO / "rules_src" / "tenant.toml")
    assert model.settings == {"friendly_name": "My AI Systems Tenant",
                              "support_email": "support@myaisystem.example.com"}
    [client] = model.clients
    assert client.app_type == "regular_web"
    assert client.inputs["grant_types"] == ["authorization_code", "refresh_token"]
    assert model.role_names == ("AI System User", "ai_system_admin")
    assert [u.email for u in model.users] == ["user@example.com", "admin@example.com"]
    assert model.password_keys() == ("exampleUserPassword", "adminUserPassword")
    assert model.mfa is not None and model.mfa.policy == "never"
    assert model.mfa.factors == ("otp", "webauthn-roaming", "recovery-code")
    assert model.mfa.independent == ("otp", "webauthn-roaming")
    # Consistent with the manifest: every role a rule names is declared.
    assert role_problems(model, load_manifest(REPO / "rules_src" / "manifest.toml")) == []


@pytest.mark.example
def test_declared_users_run_through_the_rules_and_actions() -> None:
    model = load_tenant(REPO / "rules_src" / "tenant.toml")
    logins = dict(declared_logins(model))
    artifacts = render_manifest(REPO / "rules_src" / "manifest.toml")
    actions = [a for a in artifacts if a.kind == "action" and a.enabled]
    rules = [a for a in artifacts if a.kind == "rule" and a.enabled]
    admin = logins["admin@example.com (ai_system_admin)"]
    user = logins["user@example.com (AI System User)"]
    assert admin["roles"] == ["ai_system_admin"]
    assert admin["client"]["name"] == "My AI System"
    assert admin["client"]["metadata"] == {"ai_system": "distributed"}
    with ActionsRuntime(actions) as flow, RulesRuntime(rules) as pipeline:
        assert flow.run(to_action_shape(admin)).requires_mfa
        assert pipeline.run(*to_rule_shape(admin)).requires_mfa
        assert not flow.run(to_action_shape(user)).requires_mfa
        outcome = flow.run(to_action_shape(user))
        assert outcome.id_token_claims["https://ai.example.com/roles"] == ["AI System User"]


def test_a_declared_user_with_roles_only_in_app_metadata_is_labelled_so(tmp_path: Path) -> None:
    path = tmp_path / "tenant.toml"
    path.write_text('version = 1\n[[users]]\nemail = "fin@example.com"\n'
                    'connection = "email"\n[users.app_metadata]\nroles = ["finance"]\n')
    [(label, _)] = declared_logins(load_tenant(path))
    assert label == "fin@example.com (app_metadata.roles: finance)"


def test_declared_logins_for_another_client(project: Project) -> None:
    model = load_tenant(project.tenant)
    with pytest.raises(TenantError, match="no client named 'Nope'"):
        declared_logins(model, client="Nope")
    [(_, login), _] = declared_logins(model, client="My AI System")
    assert login["client"]["client_id"] == "ai-system-client-id"


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('password_config = "exampleUserPassword"', 'password = "hunter2hunter2"',
     "users[0] (user@example.com).password: a password is never written in the tenant model"),
    ('password_config = "exampleUserPassword"', 'password = { config = "x" }',
     "users[0] (user@example.com).password: a password is never written"),
    ('ai_system = "distributed"', 'ai_system = "distributed"\nclient_secret = "abc"',
     "clients[0] (My AI System).client_metadata.client_secret: 'client_secret' looks like a secret"),
    ('app_type = "regular_web"', 'app_type = "regular_web"\nclient_secret = "abc"',
     "clients[0] (My AI System).client_secret: a client secret is never written"),
    ('roles = ["ai_user"]', 'roles = ["ai_user"]\nadmin_password = "x"',
     "users[0] (user@example.com).app_metadata.admin_password: 'admin_password' looks like a "
     "secret"),
    ('app_type = "regular_web"', 'app_type = "web"',
     "clients[0] (My AI System).app_type: must be one of"),
    ('friendly_name = "My AI Systems Tenant"', 'friendly_nmae = "x"',
     "tenant.friendly_nmae: unknown key"),
    ('roles = ["AI System User"]', 'roles = ["AI System Users"]',
     "users[0] (user@example.com).roles: role 'AI System Users' is not declared"),
    ('password_config = "adminUserPassword"', "",
     "users[1] (admin@example.com).password_config: is required"),
    ('password_config = "adminUserPassword"', 'password_config = "has space"',
     "users[1] (admin@example.com).password_config: must be a Pulumi config key"),
    ('email = "admin@example.com"', 'email = "user@example.com"',
     "users[1] (user@example.com).email: duplicate user"),
    ('email_verified = true\nroles = ["AI System User"]', 'email_verified = "yes"',
     "users[0] (user@example.com).email_verified: must be of type bool"),
    # What the Management API would refuse (Auth0 docs, "Metadata Field Names and Data Types").
    ('roles = ["ai_user"]', 'roles = ["ai_user"]\nemail = "other@example.com"',
     "users[0] (user@example.com).app_metadata.email: 'email' is a property Auth0 reserves"),
    ('roles = ["ai_user"]', 'roles = ["ai_user"]\n"preference.color" = "pink"',
     "users[0] (user@example.com).app_metadata.preference.color: field name "
     "'preference.color' contains '.' or '$'"),
    ('roles = ["ai_user"]', 'roles = ["ai_user"]\nprefs = [{ "$set" = 1 }]',
     "users[0] (user@example.com).app_metadata.prefs.$set: field name '$set'"),
    ('password_config = "exampleUserPassword"',
     'password_config = "exampleUserPassword"\nuser_metadata = { "a.b" = 1 }',
     "users[0] (user@example.com).user_metadata.a.b: field name 'a.b' contains"),
    ('app_type = "regular_web"', 'app_type = "regular_web"\nconnections = [" "]',
     "clients[0] (My AI System).connections: a connection is named by a non-empty string"),
    ('ai_system = "distributed"', 'ai_system = "' + "d" * 256 + '"',
     "clients[0] (My AI System).client_metadata.ai_system: Auth0 allows client_metadata keys "
     "and values of at most 255 characters"),
    # [mfa]: Auth0's policy names and factor names; "You must enable and configure at least one
    # independent factor to require MFA"; dependent factors only next to an independent one.
    ('policy = "never"', 'policy = "always"',
     "mfa.policy: must be one of never, all-applications, confidence-score (the Dashboard's "
     "Never, Always, Use Adaptive MFA), got 'always'"),
    ('factors = ["otp", "webauthn-roaming", "recovery-code"]', 'factors = ["otp", "sms"]',
     "mfa.factors: unknown factor 'sms': the factor is named 'phone'"),
    ('factors = ["otp", "webauthn-roaming", "recovery-code"]', 'factors = ["OTP"]',
     "mfa.factors: unknown factor 'OTP': factor names are lower case: 'otp'"),
    ('factors = ["otp", "webauthn-roaming", "recovery-code"]', 'factors = ["google-authenticator"]',
     "mfa.factors: unknown factor 'google-authenticator': a provider of api.multifactor.enable"),
    ('enrolled_factors = ["otp"]', 'enrolled_factors = ["totp"]',
     "users[1] (admin@example.com).enrolled_factors: unknown factor 'totp': the factor is named"),
    ('factors = ["otp", "webauthn-roaming", "recovery-code"]', 'factors = ["duo"]',
     "mfa.factors: unknown factor 'duo': Duo needs an integration key and secret"),
    ('factors = ["otp", "webauthn-roaming", "recovery-code"]', 'factors = ["email", "recovery-code"]',
     "mfa.factors: email, recovery-code: Auth0 enables a dependent factor only next to an "
     "independent one"),
    ('policy = "never"', 'policy = "all-applications"\nfactors_ = 1',
     "mfa.factors_: unknown key"),
    ('customize_with_actions = false', 'customize_with_actions = "no"',
     "mfa.customize_with_actions: must be of type bool"),
])
def test_invalid_models_name_the_file_and_key(project: Project, old: str, new: str,
                                              expected: str) -> None:
    project.replace("rules_src/tenant.toml", old, new)
    with pytest.raises(TenantError) as info:
        load_tenant(project.tenant)
    message = str(info.value)
    assert message.startswith("rules_src/tenant.toml:"), message
    assert expected in message
    assert isinstance(info.value, ManifestError)  # one family of input errors
    assert info.value.line is not None
    assert "hunter2" not in message


def test_mfa_needs_a_policy_and_factors_and_a_factor_for_a_policy_that_requires_mfa(
        project: Project) -> None:
    project.replace("rules_src/tenant.toml", 'factors = ["otp", "webauthn-roaming", "recovery-code"]',
                    "factors = []")
    assert load_tenant(project.tenant).mfa is not None  # Never: MFA only where code asks
    project.replace("rules_src/tenant.toml", 'policy = "never"', 'policy = "all-applications"')
    with pytest.raises(TenantError, match="policy 'all-applications' requires MFA, but no factor "
                                          "is enabled"):
        load_tenant(project.tenant)
    project.replace("rules_src/tenant.toml", 'policy = "all-applications"', "")
    with pytest.raises(TenantError, match=r"tenant.toml:\d+: mfa: missing policy: add policy = "
                                          '"never"'):
        load_tenant(project.tenant)


def test_the_error_line_points_at_the_key(project: Project) -> None:
    project.replace("rules_src/tenant.toml", 'password_config = "adminUserPassword"',
                    'password = "hunter2hunter2"')
    with pytest.raises(TenantError) as info:
        load_tenant(project.tenant)
    lines = project.tenant.read_text().splitlines()
    assert info.value.line is not None
    assert lines[info.value.line - 1].startswith("password = ")



def test_a_commented_header_still_locates_the_key(project: Project) -> None:
    # Review of 2026-11-29: an error in users[0] was reported at users[1]'s line when a header
    # carried a comment.
    project.replace("rules_src/tenant.toml", "[[users]]\nemail = \"user@example.com\"",
                    "[[users]] # plain user\nemail = \"user@example.com\"")
    project.replace("rules_src/tenant.toml", 'roles = ["AI System User"]', 'roles = ["nope"]')
    with pytest.raises(TenantError) as info:
        load_tenant(project.tenant)
    lines = project.tenant.read_text().splitlines()
    assert info.value.line is not None
    assert lines[info.value.line - 1] == 'roles = ["nope"]'


@pytest.mark.parametrize(("top", "tail", "located"), [
    ("colour = 1\n", "", "colour = 1"), ("", "\n[extras]\na = 1\n", "[extras]"),
    ("version = 2\n", "", "version = 2")])
def test_a_top_level_problem_is_located(tmp_path: Path, top: str, tail: str,
                                        located: str) -> None:
    path = tmp_path / "tenant.toml"
    path.write_text(f"# a model\n{top}\n[tenant]\nfriendly_name = \"x\"\n{tail}")
    with pytest.raises(TenantError) as info:
        load_tenant(path)
    assert info.value.line is not None
    assert path.read_text().splitlines()[info.value.line - 1] == located


@pytest.mark.parametrize(("value", "secret"), [('"S3cr3t pass!"', "S3cr3t"),
                                               ("31415926535", "31415926535")])
def test_a_password_pasted_into_password_config_is_not_echoed(project: Project, value: str,
                                                              secret: str) -> None:
    project.replace("rules_src/tenant.toml", 'password_config = "adminUserPassword"',
                    f"password_config = {value}")
    with pytest.raises(TenantError, match="not shown") as info:
        load_tenant(project.tenant)
    assert secret not in str(info.value)


def test_missing_and_malformed_files(project: Project) -> None:
    with pytest.raises(TenantError, match="tenant model not found"):
        load_tenant(project.root / "nope.toml")
    project.write("rules_src/tenant.toml", "[tenant\n")
    with pytest.raises(TenantError, match="invalid TOML"):
        load_tenant(project.tenant)


@pytest.mark.example
def test_a_rule_naming_an_undeclared_role(project: Project) -> None:
    project.replace("rules_src/manifest.toml", 'roles = ["ai_system_admin"]',
                    'roles = ["ai_system_admin", "ai_superuser"]')
    model = load_tenant(project.tenant)
    manifest = load_manifest(project.manifest)
    [problem] = role_problems(model, manifest)
    assert (problem.rule, problem.role) == ("require-mfa-for-ai-admins", "ai_superuser")
    with pytest.raises(TenantError) as info:
        require_declared_roles(model, manifest)
    assert "names role 'ai_superuser', which the tenant does not declare" in str(info.value)
    # Located at the manifest line that names it, not in the tenant file.
    line = next(number for number, text in enumerate(
        project.manifest.read_text().splitlines(), start=1) if "ai_superuser" in text)
    assert str(info.value).startswith(f"{manifest.display_path()}:{line}: ")


def test_role_parameters_by_name_or_by_declaration(project: Project) -> None:
    project.write("rules_src/templates/gate.js.j2", """
        {#- params
        [allowed]
        type = "list[str]"
        refers_to = "role"
        [admin_role]
        type = "str"
        default = "root"
        [roles_source]
        type = "str"
        default = "authorization"
        [role_hint]
        type = "str"
        refers_to = ""
        default = "not a role"
        -#}
        exports.onExecutePostLogin = async (event, api) => {
          const allowed = {{ allowed|js }};
          const admin = {{ admin_role|js }};
          const hint = {{ role_hint|js }};
          const source = {{ roles_source|js }};
        };
        """)
    project.append("rules_src/manifest.toml", """
        [[rules]]
        name = "gate"
        template = "templates/gate.js.j2"
        order = 99
        [rules.params]
        allowed = ["AI System User", "robots"]
        """)
    problems = role_problems(load_tenant(project.tenant), load_manifest(project.manifest))
    assert sorted((p.key.rpartition(".")[2], p.role) for p in problems) == [
        ("admin_role", "root"), ("allowed", "robots")]


def test_the_runtimes_read_only_mfa_from_the_tenant_model(project: Project) -> None:
    # `rulekit run` and the test fixtures take the tenant's factors; a mistake elsewhere in the
    # model is the plan's and the program's to refuse, not a reason to stop a run.
    from toolkit._tenant import declared_mfa

    project.replace("rules_src/tenant.toml", 'app_type = "regular_web"', 'app_typo = "regular_web"')
    with pytest.raises(TenantError):
        load_tenant(project.tenant)
    mfa = declared_mfa(project.manifest)
    assert mfa is not None and mfa.factors == ("otp", "webauthn-roaming", "recovery-code")
    project.replace("rules_src/tenant.toml", 'policy = "never"', 'policy = "sometimes"')
    with pytest.raises(TenantError, match=r"mfa\.policy"):
        declared_mfa(project.manifest)
