"""The example rule from the brief: AI system admins must pass MFA on every login.

Tests written the way a rule author would: build a login, run the pipeline, read the verdict.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from toolkit import ABSENT, RulesRuntime, make_context, make_user

Variant = Callable[..., RulesRuntime]  # the `variant` fixture from conftest.py

ADMIN = make_user(app_metadata={"roles": ["ai_system_admin"]})


def test_admin_gets_mfa_with_the_configured_provider(pipeline: RulesRuntime) -> None:
    outcome = pipeline.run(ADMIN, make_context())
    assert outcome.mfa is not None
    assert outcome.mfa["provider"] == "any"
    assert outcome.mfa["allowRememberBrowser"] is False
    assert outcome.decided_by == "require-mfa-for-ai-admins"
    assert outcome.allowed


def test_admin_among_other_roles_still_gets_mfa(pipeline: RulesRuntime) -> None:
    user = make_user(app_metadata={"roles": ["ai_user", "ai_system_admin", "billing"]})
    assert pipeline.run(user, make_context()).requires_mfa


@pytest.mark.parametrize("roles", [["ai_user"], [], ["billing", "support"]])
def test_other_roles_do_not_get_mfa(pipeline: RulesRuntime, roles: list[str]) -> None:
    outcome = pipeline.run(make_user(app_metadata={"roles": roles}), make_context())
    assert outcome.verdict == "allowed"


@pytest.mark.parametrize("app_metadata", [ABSENT, None, {}, {"roles": None}, {"roles": 7},
                                          {"roles": {"0": "ai_system_admin"}}])
def test_missing_or_odd_app_metadata_does_not_crash(pipeline: RulesRuntime,
                                                    app_metadata: object) -> None:
    outcome = pipeline.run(make_user(app_metadata=app_metadata), make_context())
    assert outcome.error is None
    assert outcome.mfa is None


def test_a_single_role_stored_as_a_string_still_requires_mfa(pipeline: RulesRuntime) -> None:
    outcome = pipeline.run(make_user(app_metadata={"roles": "ai_system_admin"}), make_context())
    assert outcome.requires_mfa


@pytest.mark.parametrize("missing", ["authorization", "request", "stats", "authentication"])
def test_missing_context_parts_do_not_crash(pipeline: RulesRuntime, missing: str) -> None:
    outcome = pipeline.run(ADMIN, make_context(**{missing: ABSENT}))
    assert outcome.error is None
    assert outcome.requires_mfa


def test_role_in_user_metadata_does_not_count(pipeline: RulesRuntime) -> None:
    # user_metadata is editable by the user: it must never grant or avoid anything.
    user = make_user(user_metadata={"roles": ["ai_system_admin"]}, app_metadata={})
    assert pipeline.run(user, make_context()).mfa is None


def test_role_names_match_exactly(pipeline: RulesRuntime) -> None:
    user = make_user(app_metadata={"roles": ["AI_SYSTEM_ADMIN", "ai_system_admin "]})
    assert pipeline.run(user, make_context()).mfa is None


def test_roles_claim_is_added_to_both_tokens(pipeline: RulesRuntime) -> None:
    context = make_context(authorization={"roles": ["AI System User"]})
    outcome = pipeline.run(make_user(), context)
    claim = "https://ai.example.com/roles"
    assert outcome.id_token_claims == {claim: ["AI System User"]}
    assert outcome.access_token_claims == {claim: ["AI System User"]}


def test_both_rules_run_in_manifest_order(pipeline: RulesRuntime) -> None:
    outcome = pipeline.run(ADMIN, make_context())
    assert outcome.rules_run == ["require-mfa-for-ai-admins", "add-roles-claim"]


# --- parameter variations render and behave -------------------------------------------------
@pytest.mark.parametrize("provider", ["any", "guardian", "google-authenticator", "duo"])
def test_provider_parameter(variant: Variant, provider: str) -> None:
    outcome = variant("require-mfa-for-ai-admins", provider=provider).run(ADMIN, make_context())
    assert outcome.mfa is not None and outcome.mfa["provider"] == provider


def test_remember_browser_parameter(variant: Variant) -> None:
    rule = variant("require-mfa-for-ai-admins", allow_remember_browser=True)
    outcome = rule.run(ADMIN, make_context())
    assert outcome.mfa is not None and outcome.mfa["allowRememberBrowser"] is True


def test_rbac_roles_source_reads_context_authorization(variant: Variant) -> None:
    rule = variant("require-mfa-for-ai-admins", roles_source="authorization",
                   roles=["AI System Admin"])
    rbac_admin = make_context(authorization={"roles": ["AI System Admin"]})
    assert rule.run(make_user(), rbac_admin).requires_mfa
    # With the RBAC source, app_metadata roles no longer count.
    metadata_admin = make_user(app_metadata={"roles": ["AI System Admin"]})
    assert not rule.run(metadata_admin, make_context()).requires_mfa
    assert not rule.run(make_user(), make_context(authorization=ABSENT)).requires_mfa


def test_several_roles_each_require_mfa(variant: Variant) -> None:
    rule = variant("require-mfa-for-ai-admins", roles=["ai_system_admin", "ai_operator"])
    for role in ("ai_system_admin", "ai_operator"):
        assert rule.run(make_user(app_metadata={"roles": [role]}), make_context()).requires_mfa
    assert not rule.run(make_user(app_metadata={"roles": ["ai_user"]}),
                        make_context()).requires_mfa
