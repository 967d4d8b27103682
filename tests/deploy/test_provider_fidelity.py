"""Fidelity to the real provider: every input the program declares is a pulumi-auth0 input of the
same shape, and what Auth0's Management API would refuse stops the program before it declares
anything (under the Pulumi SDK's mocks, so no tenant is needed)."""

from __future__ import annotations

import collections.abc
import inspect
import json
import re
import typing
from typing import Any

import pulumi_auth0 as auth0
import pytest

from toolkit._deploy import deploy
from toolkit._plan import run_program, run_with_mocks
from toolkit._tenant import _CLIENT_KEYS, _TENANT_KEYS, _USER_KEYS
from toolkit.errors import TenantError

from .conftest import Project

# The model's type names against the first member of the SDK's `pulumi.Input[...]` union.
_SDK_TYPES: dict[str, Any] = {"str": str, "bool": bool, "number": float,
                              "list[str]": collections.abc.Sequence,
                              "dict[str]": collections.abc.Mapping}


def _params(args_class: type) -> dict[str, inspect.Parameter]:
    return {name: p for name, p in inspect.signature(args_class).parameters.items()
            if p.kind is inspect.Parameter.KEYWORD_ONLY}


def _sdk_type(parameter: inspect.Parameter) -> Any:
    first = typing.get_args(parameter.annotation)[0]
    return typing.get_origin(first) or first


def _camel(name: str) -> str:
    return re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), name)


@pytest.mark.parametrize(("keys", "args_class", "not_inputs"), [
    (_TENANT_KEYS, auth0.TenantArgs, set()),
    (_CLIENT_KEYS, auth0.ClientArgs, {"resource_name", "connections"}),  # ConnectionClient
])
def test_model_keys_are_provider_inputs_of_the_same_type(
        keys: dict[str, str], args_class: type, not_inputs: set[str]) -> None:
    params = _params(args_class)
    for key, kind in keys.items():
        if key in not_inputs:
            continue
        assert key in params, f"{key} is not an input of {args_class.__name__}"
        assert _sdk_type(params[key]) is _SDK_TYPES[kind], (key, params[key].annotation)


def test_user_metadata_are_json_strings_in_the_provider() -> None:
    params = _params(auth0.UserArgs)
    assert _sdk_type(params["app_metadata"]) is str  # JSON text, not an object
    assert _sdk_type(params["user_metadata"]) is str
    assert params["connection_name"].default is inspect.Parameter.empty  # required
    profile = {"name", "given_name", "family_name", "nickname", "username"}
    assert profile <= set(_USER_KEYS) and profile <= set(params)


_EVERY_TENANT_SETTING = '''
[tenant]
friendly_name = "My AI Systems Tenant"
support_email = "support@myaisystem.example.com"
support_url = "https://myaisystem.example.com/support"
picture_url = "https://myaisystem.example.com/logo.png"
default_redirection_uri = "https://myaisystem.example.com/login"
enabled_locales = ["en", "fr"]
allowed_logout_urls = ["https://myaisystem.example.com"]
session_lifetime = 168
idle_session_lifetime = 72.5
'''


def _use_every_key(project: Project) -> None:
    text = project.tenant.read_text(encoding="utf-8")
    start = text.index("[tenant]")
    end = text.index("[[clients]]")
    project.tenant.write_text(text[:start] + _EVERY_TENANT_SETTING.lstrip() + "\n" + text[end:],
                              encoding="utf-8")
    project.replace("rules_src/tenant.toml", 'app_type = "regular_web"',
                    'app_type = "regular_web"\ndescription = "The AI system"\n'
                    'allowed_origins = ["https://myaisystem.example.com"]\n'
                    "oidc_conformant = true")
    project.replace("rules_src/tenant.toml", 'password_config = "adminUserPassword"',
                    'password_config = "adminUserPassword"\nname = "Ada Admin"\n'
                    'given_name = "Ada"\nfamily_name = "Admin"\nnickname = "ada"\n'
                    'user_metadata = { theme = "dark" }')
    project.write("rules_src/templates/tag.js.j2", """
        {% if target == "action" %}
        exports.onExecutePostLogin = async (event, api) => {
          api.idToken.setCustomClaim("https://ai.example.com/t", Boolean(event.secrets.API_KEY));
        };
        {% else %}
        function (user, context, callback) {
          callback(null, user, context);
        }
        {% endif %}
        """)
    project.append("rules_src/manifest.toml", """
        [[rules]]
        name = "tag-login"
        template = "templates/tag.js.j2"
        order = 5
        targets = ["action", "rule"]
        secrets = ["API_KEY"]

        [rules.dependencies]
        lodash = "4.17.21"
        """)


def test_every_input_the_program_declares_is_a_pulumi_auth0_input(project: Project) -> None:
    _use_every_key(project)
    project.attest()
    result = run_program(project.root, config={"rulekit:deployLegacyRules": "true"}, quiet=True)
    assert result.error is None, result.error
    seen = {r.short_type for r in result.resources}
    assert seen == {"auth0.Tenant", "auth0.Client", "auth0.ConnectionClient", "auth0.Role",
                    "auth0.User", "auth0.UserRoles", "auth0.Action", "auth0.TriggerActions",
                    "auth0.Rule", "auth0.RuleConfig"}
    for resource in result.resources:
        params = _params(getattr(auth0, resource.short_type.partition(".")[2] + "Args"))
        known = {_camel(name) for name in params}
        required = {_camel(n) for n, p in params.items() if p.default is inspect.Parameter.empty}
        assert set(resource.inputs) <= known, (resource.name, set(resource.inputs) - known)
        assert required <= set(resource.inputs), (resource.name, required - set(resource.inputs))

    tenant = result.get("tenant").inputs
    assert tenant["enabledLocales"] == ["en", "fr"] and tenant["idleSessionLifetime"] == 72.5
    admin = result.get("user-admin-example-com")
    assert json.loads(admin.plain("userMetadata")) == {"theme": "dark"}
    assert admin.plain("givenName") == "Ada" and admin.plain("nickname") == "ada"
    action = result.get("action-tag-login")
    assert action.is_secret("secretsWos") and "secrets" not in action.inputs
    assert action.inputs["secretsWoVersion"] == 1


@pytest.mark.parametrize(("old", "new", "key"), [
    ('roles = ["ai_user"]', 'roles = ["ai_user"]\nuser_id = "auth0|123"',
     "users[0] (user@example.com).app_metadata.user_id"),
    ('roles = ["ai_user"]', 'roles = ["ai_user"]\n"plan.tier" = "pro"',
     "users[0] (user@example.com).app_metadata.plan.tier"),
])
def test_metadata_auth0_would_refuse_stops_the_program_before_any_resource(
        project: Project, old: str, new: str, key: str) -> None:
    project.attest()
    project.replace("rules_src/tenant.toml", old, new)
    result = run_with_mocks(lambda: deploy(project.root))
    assert isinstance(result.error, TenantError)
    assert result.resources == []
    assert str(result.error).startswith("rules_src/tenant.toml:")
    assert key in str(result.error)


def test_client_metadata_overrides_are_held_to_auth0_limits(project: Project) -> None:
    project.attest()
    too_long = {"clients": {"ai-system": {"client_metadata": {"ai_system": "d" * 256}}}}
    result = run_program(project.root, config={"rulekit:overrides": json.dumps(too_long)})
    assert isinstance(result.error, TenantError)
    assert result.resources == []
    assert str(result.error).startswith(
        "rulekit:overrides: clients.ai-system.client_metadata.ai_system: Auth0 allows")
    eleven = {"clients": {"ai-system": {"client_metadata": {f"k{i}": "v" for i in range(11)}}}}
    result = run_program(project.root, config={"rulekit:overrides": json.dumps(eleven)})
    assert isinstance(result.error, TenantError)
    assert "at most 10 client_metadata keys" in str(result.error)
