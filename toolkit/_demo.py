"""The synthetic users ``make demo`` shows: who gets MFA from the example rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._login import ABSENT, make_context, make_user
from ._render import Artifact
from ._rules import RulesRuntime

__all__ = ["PERSONAS", "demo_rows"]

PERSONAS: tuple[tuple[str, dict[str, Any], dict[str, Any]], ...] = (
    ("AI system admin (app_metadata role)",
     {"email": "ada@ai.example.com", "app_metadata": {"roles": ["ai_system_admin"]}}, {}),
    ("AI system user (the brief's user)",
     {"email": "sam@ai.example.com", "app_metadata": {"roles": ["ai_user"]}},
     {"authorization": {"roles": ["AI System User"]}}),
    ("user with no app_metadata", {"email": "new@ai.example.com", "app_metadata": ABSENT}, {}),
    ("admin role only in user_metadata (user-editable)",
     {"email": "mallory@ai.example.com", "user_metadata": {"roles": ["ai_system_admin"]}}, {}),
    ("admin via refresh token", {"app_metadata": {"roles": ["ai_system_admin"]}},
     {"protocol": "oauth2-refresh-token"}),
)


def demo_rows(artifacts: Sequence[Artifact]) -> list[tuple[str, str, str]]:
    rows = []
    with RulesRuntime(artifacts, now="2026-11-28T10:00:00Z") as runtime:
        for persona, user, context in PERSONAS:
            outcome = runtime.run(make_user(**user), make_context(**context))
            verdict = {"mfa": "MFA", "allowed": "no MFA", "denied": "DENIED",
                       "error": "ERROR"}[outcome.verdict]
            rows.append((persona, verdict, outcome.summary()))
    return rows
