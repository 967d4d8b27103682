"""rulekit: author Auth0 login logic as templates, run it in V8, test and fuzz it, deploy it.

The public API is exactly ``__all__``; everything in ``toolkit._*`` is private. Names load on
first use so that ``rulekit --help`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from . import errors, properties, strategies
    from ._actions import ActionsRuntime, redirect_token, run_actions
    from ._engine import Engine
    from ._equiv import assert_equivalent, check_equivalent
    from ._login import ABSENT, make_context, make_login, make_user, to_action_shape, to_rule_shape
    from ._manifest import Manifest, RuleEntry, load_manifest
    from ._outcome import Outcome
    from ._render import Artifact, load_rule_file, render, render_manifest
    from ._rules import RulesRuntime, run_rules
    from ._ruleset import load_actions, load_rules
    from ._tenant import TenantModel, declared_logins, load_tenant, tenant_factors

__all__ = [
    "ABSENT",
    "ActionsRuntime",
    "Artifact",
    "Engine",
    "Manifest",
    "Outcome",
    "RuleEntry",
    "RulesRuntime",
    "TenantModel",
    "__version__",
    "assert_equivalent",
    "check_equivalent",
    "declared_logins",
    "errors",
    "load_actions",
    "load_manifest",
    "load_rule_file",
    "load_rules",
    "load_tenant",
    "make_context",
    "make_login",
    "make_user",
    "properties",
    "redirect_token",
    "render",
    "render_manifest",
    "run_actions",
    "run_rules",
    "strategies",
    "tenant_factors",
    "to_action_shape",
    "to_rule_shape",
]

_LAZY = {
    "ABSENT": "._login",
    "ActionsRuntime": "._actions",
    "assert_equivalent": "._equiv",
    "check_equivalent": "._equiv",
    "load_actions": "._ruleset",
    "make_login": "._login",
    "run_actions": "._actions",
    "redirect_token": "._actions",
    "to_action_shape": "._login",
    "to_rule_shape": "._login",
    "Artifact": "._render",
    "Engine": "._engine",
    "Manifest": "._manifest",
    "Outcome": "._outcome",
    "RuleEntry": "._manifest",
    "RulesRuntime": "._rules",
    "load_manifest": "._manifest",
    "load_rule_file": "._render",
    "load_rules": "._ruleset",
    "make_context": "._login",
    "make_user": "._login",
    "render": "._render",
    "render_manifest": "._render",
    "run_rules": "._rules",
    "TenantModel": "._tenant",
    "declared_logins": "._tenant",
    "load_tenant": "._tenant",
    "tenant_factors": "._tenant",
}


def __getattr__(name: str) -> Any:
    if name in ("errors", "properties", "strategies"):  # public submodules
        return importlib.import_module(f".{name}", __name__)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'toolkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
