"""The example's post-login Actions, tested directly (what deploys today).

The Rule tests and the migration proof cover the same decisions through the legacy pipeline;
these pin the Action's own branches, so that `rulekit mutate` finds every mutant of the Action
killed by a test that names the behaviour, and `make test-rules` covers every branch.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from toolkit import ActionsRuntime, load_actions, make_login, make_user, to_action_shape

MANIFEST = Path(__file__).resolve().parents[2] / "rules_src" / "manifest.toml"
CLAIM = "https://ai.example.com/roles"


@pytest.fixture(scope="module")
def flow() -> Iterator[ActionsRuntime]:
    with ActionsRuntime(load_actions(MANIFEST), now="2026-11-28T10:00:00Z") as runtime:
        yield runtime


def event(app_metadata: Any = None, roles: list[str] | None = None) -> dict[str, Any]:
    user = make_user(app_metadata=app_metadata if app_metadata is not None else {})
    return to_action_shape(make_login(user=user, roles=roles or []))


def test_admin_must_pass_mfa_on_every_login(flow: ActionsRuntime) -> None:
    outcome = flow.run(event({"roles": ["ai_system_admin"]}))
    assert outcome.mfa is not None
    assert outcome.mfa["provider"] == "any"
    assert outcome.mfa["allowRememberBrowser"] is False
    assert outcome.decided_by == "require-mfa-for-ai-admins"


def test_admin_among_other_roles_must_pass_mfa(flow: ActionsRuntime) -> None:
    assert flow.run(event({"roles": ["ai_user", "ai_system_admin"]})).requires_mfa


@pytest.mark.parametrize("roles", [[], ["ai_user"], ["AI_SYSTEM_ADMIN"], "ai_user"])
def test_others_log_in_without_mfa(flow: ActionsRuntime, roles: object) -> None:
    outcome = flow.run(event({"roles": roles}))
    assert outcome.verdict == "allowed"


def test_a_single_role_stored_as_a_string_still_counts(flow: ActionsRuntime) -> None:
    assert flow.run(event({"roles": "ai_system_admin"})).requires_mfa


def test_an_event_without_app_metadata_does_not_crash(flow: ActionsRuntime) -> None:
    # Auth0 documents app_metadata as always an object; a hand-made event may still lack it.
    hand_made = event()
    hand_made["user"]["app_metadata"] = None
    outcome = flow.run(hand_made)
    assert outcome.error is None
    assert outcome.mfa is None


def test_the_role_in_user_metadata_does_not_count(flow: ActionsRuntime) -> None:
    user = make_user(app_metadata={}, user_metadata={"roles": ["ai_system_admin"]})
    assert flow.run(to_action_shape(make_login(user=user))).mfa is None


def test_rbac_roles_go_into_both_tokens(flow: ActionsRuntime) -> None:
    outcome = flow.run(event(roles=["AI System User"]))
    assert outcome.id_token_claims == {CLAIM: ["AI System User"]}
    assert outcome.access_token_claims == {CLAIM: ["AI System User"]}


def test_no_authorization_gives_an_empty_roles_claim(flow: ActionsRuntime) -> None:
    # event.authorization is absent when the API has no RBAC: the claim is still a list.
    without = event()
    del without["authorization"]
    outcome = flow.run(without)
    assert outcome.error is None
    assert outcome.id_token_claims == {CLAIM: []}
    assert outcome.access_token_claims == {CLAIM: []}
