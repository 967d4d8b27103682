"""The public API changes only on purpose: __all__ is exactly this list, and every name loads."""

from __future__ import annotations

import toolkit

PUBLIC = {
    "ABSENT", "ActionsRuntime", "Artifact", "Engine", "Manifest", "Outcome", "RuleEntry",
    "RulesRuntime", "__version__", "assert_equivalent", "check_equivalent", "errors",
    "load_actions", "load_manifest", "load_rule_file", "load_rules", "make_context",
    "make_login", "make_user", "render", "render_manifest", "run_actions", "run_rules",
    "to_action_shape", "to_rule_shape", "TenantModel", "declared_logins", "load_tenant",
    "properties", "strategies", "tenant_factors", "redirect_token",
}


def test_all_is_exactly_the_public_names() -> None:
    assert set(toolkit.__all__) == PUBLIC
    assert len(toolkit.__all__) == len(PUBLIC)


def test_every_public_name_resolves() -> None:
    for name in toolkit.__all__:
        assert getattr(toolkit, name) is not None, name


def test_unknown_name_is_an_attribute_error() -> None:
    try:
        toolkit.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_version_has_one_source() -> None:
    from importlib.metadata import version

    assert version("rulekit") == toolkit.__version__
