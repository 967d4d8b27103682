"""The verdict of one login: what Auth0 would do (MFA, deny, fail) and what it would change."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Outcome"]

Kind = Literal["rule", "action"]
# The api.authentication members that require MFA; an Action outcome's mfa names them as provider.
CHALLENGE_COMMANDS = frozenset({"challengeWith", "challengeWithAny", "enrollWith",
                                "enrollWithAny"})


@dataclass(frozen=True)
class Outcome:
    """One login's result. ``to_json()`` gives the fixed JSON form of ``rulekit run --json``.

    ``mfa``: ``None`` or ``{"provider", "allowRememberBrowser", "rule", ...}``;
    ``denied``: ``None`` or ``{"message", "rule"}``; ``error``: ``None`` or
    ``{"name", "message", "rule"}``. ``rule`` names the rule that decided.
    """

    kind: Kind
    mfa: dict[str, Any] | None = None
    denied: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    id_token_claims: dict[str, Any] = field(default_factory=dict)
    access_token_claims: dict[str, Any] = field(default_factory=dict)
    app_metadata_updates: list[Any] = field(default_factory=list)
    user_metadata_updates: list[Any] = field(default_factory=list)
    redirect: dict[str, Any] | None = None
    logs: list[str] = field(default_factory=list)
    rules_run: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # kind-specific details (Actions' api calls)

    @classmethod
    def _from_fields(cls, fields: dict[str, Any]) -> Outcome:
        """An Outcome from a dict holding every field (the runtimes' decoded reports): the same
        object as ``Outcome(**fields)``, without the frozen dataclass's one ``object.__setattr__``
        per field (measured: 1.2 µs of ~15 per login in a batch; this takes 0.2)."""
        outcome = object.__new__(cls)
        outcome.__dict__.update(fields)
        return outcome

    @property
    def requires_mfa(self) -> bool:
        return self.mfa is not None

    @property
    def is_denied(self) -> bool:
        return self.denied is not None

    @property
    def is_error(self) -> bool:
        return self.error is not None

    @property
    def allowed(self) -> bool:
        """The login proceeds (with or without MFA)."""
        return self.denied is None and self.error is None

    @property
    def silent_login_refused(self) -> bool:
        """Auth0 failed a non-interactive login (prompt=none) because it needed what it cannot
        show there: MFA (``login_required``) or a redirect (``interaction_required``). An
        answer of Auth0's, not a fault of the code."""
        return silent_login_error(self.error)

    @property
    def verdict(self) -> str:
        """One word for people: ``error``, ``denied``, ``mfa`` or ``allowed``."""
        if self.error is not None:
            return "error"
        if self.denied is not None:
            return "denied"
        return "mfa" if self.mfa is not None else "allowed"

    @property
    def decided_by(self) -> str | None:
        """The rule that produced the verdict, if one did."""
        for part in (self.error, self.denied, self.mfa):
            if part is not None:
                rule = part.get("rule")
                return str(rule) if rule is not None else None
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "verdict": self.verdict,
            "mfa": self.mfa,
            "denied": self.denied,
            "error": self.error,
            "id_token_claims": self.id_token_claims,
            "access_token_claims": self.access_token_claims,
            "app_metadata_updates": self.app_metadata_updates,
            "user_metadata_updates": self.user_metadata_updates,
            "redirect": self.redirect,
            "logs": self.logs,
            "rules_run": self.rules_run,
            **self.extra,
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False, ensure_ascii=False)

    def summary(self) -> str:
        """A one-line human summary."""
        noun = "rule" if self.kind == "rule" else "Action"
        if self.error is not None:
            where = f" in {noun} '{self.error.get('rule')}'" if self.error.get("rule") else ""
            return f"ERROR{where}: {self.error.get('name')}: {self.error.get('message')}"
        if self.denied is not None:
            return f"DENIED by {noun} '{self.denied.get('rule')}': {self.denied.get('message')}"
        redirect = f"; redirect to {shown_url(self.redirect.get('url'))}" if self.redirect else ""
        prompt = self.extra.get("prompt")
        if isinstance(prompt, dict):
            redirect += f"; form {prompt.get('id')!r} rendered by {noun} '{prompt.get('rule')}'"
        if self.extra.get("suspended"):
            redirect += " (the flow resumes when the user comes back: not every Action has run)"
        if self.mfa is not None:
            remember = "allowed" if self.mfa.get("allowRememberBrowser") else "not allowed"
            if self.extra.get("mfa_api"):
                redirect += ("; a token exchange: Auth0 answers mfa_required, which the client "
                             "completes through the MFA API, or the exchange fails")
            provider = self.mfa.get("provider")
            if provider in CHALLENGE_COMMANDS:  # an Action's challenge: which factors, not a provider
                return (f"MFA required: api.authentication.{provider} "
                        f"({' or '.join(_factor_types(self.mfa)) or 'no factor'}) by {noun} "
                        f"'{self.mfa.get('rule')}'{redirect}")
            return (f"MFA required (provider '{provider}', remember browser "
                    f"{remember}) by {noun} '{self.mfa.get('rule')}'{redirect}")
        return "ALLOWED without MFA" + redirect



def _factor_types(mfa: dict[str, Any]) -> list[str]:
    """The factor types a challenge or enrolment named (its factor, then additionalFactors)."""
    given = mfa.get("factor")
    factors = list(given) if isinstance(given, list) else [given]
    options = mfa.get("options")
    more = options.get("additionalFactors") if isinstance(options, dict) else None
    if isinstance(more, list):
        factors += more
    return [str(f["type"]) for f in factors if isinstance(f, dict) and "type" in f]


# The harness's answers to a silent login (common.silentMfaError; the redirect checks).
SILENT_LOGIN_ERRORS = frozenset({"login_required", "interaction_required"})
_SILENT_LOGIN = "non-interactive login (prompt=none)"


def silent_login_error(error: Any) -> bool:
    """Whether ``error`` (an outcome's) is Auth0 refusing a silent login (see
    :attr:`Outcome.silent_login_refused`)."""
    return (isinstance(error, dict) and error.get("name") in SILENT_LOGIN_ERRORS
            and _SILENT_LOGIN in str(error.get("message", "")))


def shown_url(url: Any) -> str:
    """A redirect URL for people: a signed token in its query (a JWT, ``eyJ...``) cut to its
    start, ``session_token=eyJhbGciOiJI...`` (the whole URL is in the outcome's JSON); other
    values are kept whole, so a change of target shows."""
    import re

    return re.sub(r"(=eyJ[^&#]{9})[^&#]{12,}", r"\1...", str(url))
