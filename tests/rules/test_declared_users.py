"""The tenant's declared users (rules_src/tenant.toml) through the rules that will be deployed.

What each real account gets once deployed: the admin must pass MFA, the brief's user does not,
in the Actions flow and in the legacy Rules pipeline alike.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit import (
    ActionsRuntime,
    RulesRuntime,
    declared_logins,
    load_tenant,
    to_action_shape,
    to_rule_shape,
)

ROOT = Path(__file__).resolve().parents[2]
LOGINS = dict(declared_logins(load_tenant(ROOT / "rules_src" / "tenant.toml")))
EXPECTED_MFA = {
    "admin@example.com (ai_system_admin)": True,
    "user@example.com (AI System User)": False,
}


def test_every_declared_user_has_an_expectation() -> None:
    assert set(LOGINS) == set(EXPECTED_MFA)


@pytest.mark.parametrize("user", sorted(EXPECTED_MFA))
def test_declared_user_mfa(user: str, rulekit_actions: ActionsRuntime,
                           rulekit_rules: RulesRuntime) -> None:
    # The session's runtimes: the manifest's entries with rulekit_values as their secrets and
    # configuration, and the tenant's MFA factors; the whole login, through a redirect's return.
    login = LOGINS[user]
    by_action = rulekit_actions.run_through(to_action_shape(login))
    by_rule = rulekit_rules.run_through(*to_rule_shape(login))
    assert by_action.error is None and by_rule.error is None
    assert by_action.requires_mfa is EXPECTED_MFA[user]
    assert by_rule.requires_mfa is EXPECTED_MFA[user]
    # The roles claim carries the RBAC roles the tenant assigns (UserRoles).
    assert by_action.id_token_claims["https://ai.example.com/roles"] == login["roles"]
