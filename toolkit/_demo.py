"""The synthetic users ``make demo`` shows: who gets MFA from the example rules and Actions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._actions import ActionsRuntime
from ._login import ABSENT, make_login, make_user, to_action_shape, to_rule_shape
from ._render import Artifact
from ._rules import RulesRuntime

__all__ = ["PERSONAS", "demo_rows"]

PERSONAS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("AI system admin (app_metadata role)",
     {"user": make_user(email="ada@ai.example.com",
                        app_metadata={"roles": ["ai_system_admin"]})}),
    ("AI system user (the brief's user)",
     {"user": make_user(email="sam@ai.example.com", app_metadata={"roles": ["ai_user"]}),
      "roles": ["AI System User"]}),
    ("user with no app_metadata",
     {"user": make_user(email="new@ai.example.com", app_metadata=ABSENT)}),
    ("admin role only in user_metadata (user-editable)",
     {"user": make_user(email="mallory@ai.example.com", app_metadata={},
                        user_metadata={"roles": ["ai_system_admin"]})}),
    ("admin via refresh token",
     {"user": make_user(app_metadata={"roles": ["ai_system_admin"]}),
      "protocol": "oauth2-refresh-token"}),
)

_WORD = {"mfa": "MFA", "allowed": "no MFA", "denied": "DENIED", "error": "ERROR"}


def demo_rows(artifacts: Sequence[Artifact], factors: Sequence[str] | None = None
              ) -> list[tuple[str, str, str, str]]:
    """(persona, Action verdict, Rule verdict, summary) for every persona; the Actions run with
    the tenant's enabled MFA ``factors`` (None: every factor), as in the matrix."""
    from ._matrix import placeholders

    actions = [a for a in artifacts if a.kind == "action"]
    rules = [a for a in artifacts if a.kind == "rule"]
    rows = []
    with ActionsRuntime(actions, now="2026-11-28T10:00:00Z",
                        secrets=placeholders(actions), factors=factors) as flow, \
            RulesRuntime(rules, now="2026-11-28T10:00:00Z",
                         configuration=placeholders(rules)) as pipeline:
        for persona, fields in PERSONAS:
            login = make_login(**fields)
            by_action = flow.run(to_action_shape(login)) if actions else None
            by_rule = pipeline.run(*to_rule_shape(login)) if rules else None
            main = by_action or by_rule
            assert main is not None
            rows.append((persona, _WORD[by_action.verdict] if by_action else "-",
                         _WORD[by_rule.verdict] if by_rule else "-", main.summary()))
    return rows
