"""Every error rulekit raises on purpose derives from one root::

    RulekitError                 exit code 2 in the CLI; .path / .line say where
    +-- InputError               a JSON or data file given to rulekit is unreadable or malformed
    +-- ManifestError            rules_src/manifest.toml is invalid (names the key)
    |   +-- TenantError          rules_src/tenant.toml (the tenant model) is invalid
    +-- TemplateError            a Jinja template failed to render (names template file and line)
    +-- RuleSyntaxError          rendered JavaScript does not parse in V8 (mapped to the template)
    +-- ModuleNotFound           a rule requires a module that is neither built in, stubbed,
    |                            nor present in node_modules
    +-- EngineError              V8 itself failed in a way that is not an outcome of the rule
    +-- DeployGateError          the deploy gate refuses untested artifacts

Errors a rule makes while running (throwing, time limit, memory limit, callback misuse) are not
exceptions: they are outcomes (``Outcome.error``), because Auth0 turns them into a failed login.
"""

from __future__ import annotations

__all__ = [
    "DeployGateError",
    "EngineError",
    "InputError",
    "ManifestError",
    "ModuleNotFound",
    "RuleSyntaxError",
    "RulekitError",
    "TemplateError",
    "TenantError",
]


class RulekitError(Exception):
    """Root of rulekit's errors. The message starts with ``path:line:`` when both are known."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.detail = message
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(f"{where}{message}")


class InputError(RulekitError):
    """Raised when a JSON (or other data) file given to rulekit is missing or malformed."""


class ManifestError(RulekitError):
    """Raised when the manifest is invalid; the message names the manifest and the key."""

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None,
                 line: int | None = None) -> None:
        self.key = key
        super().__init__(f"{key}: {message}" if key else message, path=path, line=line)


class TenantError(ManifestError):
    """Raised when the tenant model is invalid (names the file and the key), holds a literal
    password or client secret, or a rule names a role the tenant does not declare."""


class TemplateError(RulekitError):
    """Raised when a template cannot be rendered (undefined parameter, Jinja syntax, ...)."""


class RuleSyntaxError(RulekitError):
    """Raised when rendered or given JavaScript does not parse; located at the template line."""


class ModuleNotFound(RulekitError):
    """Raised when ``require(name)`` cannot be satisfied by built-ins, stubs or node_modules."""


class EngineError(RulekitError):
    """Raised when the V8 engine fails for a reason that is not the rule's outcome."""


class DeployGateError(RulekitError):
    """Raised when the deploy gate finds artifacts without a green, attested test run."""
