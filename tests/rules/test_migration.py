"""The migration is a test: the example's legacy Rule and its Action decide the same."""

from __future__ import annotations

from pathlib import Path

from toolkit import assert_equivalent, load_actions, load_manifest, load_rules

MANIFEST = Path(__file__).resolve().parents[2] / "rules_src" / "manifest.toml"


def test_the_action_port_decides_what_the_rule_decided(rulekit_values: dict[str, str]) -> None:
    # The entries that render both a legacy Rule and an Action; an Action-only entry has no
    # Rule to agree with. rulekit_values: the Rules' configuration and the Actions' secrets.
    both = [entry.name for entry in load_manifest(MANIFEST).ordered()
            if {"rule", "action"} <= set(entry.targets)]
    rules, actions = load_rules(MANIFEST, names=both), load_actions(MANIFEST, names=both)
    result = assert_equivalent(rules, actions, examples=200, values=rulekit_values)
    assert result.compared >= 200
    # Equivalence where every login was decided the same way is a proof about nothing else:
    # logins that need MFA and logins that do not must both have been compared.
    assert {"mfa", "allowed"} <= set(result.verdicts), result.verdicts
