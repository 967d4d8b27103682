"""The migration is a test: the example's legacy Rule and its Action decide the same."""

from __future__ import annotations

from pathlib import Path

from toolkit import assert_equivalent, load_actions, load_rules

MANIFEST = Path(__file__).resolve().parents[2] / "rules_src" / "manifest.toml"


def test_the_action_port_decides_what_the_rule_decided() -> None:
    result = assert_equivalent(load_rules(MANIFEST), load_actions(MANIFEST), examples=200)
    assert result.compared >= 200
    # Equivalence where every login was decided the same way is a proof about nothing else:
    # logins that need MFA and logins that do not must both have been compared.
    assert {"mfa", "allowed"} <= set(result.verdicts), result.verdicts
