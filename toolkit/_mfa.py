"""The tenant's multi-factor settings (``[mfa]`` in the tenant model): factors and policy.

Auth0 facts this follows (Auth0 docs, "Enable Multi-Factor Authentication"):

- "You must enable and configure at least one independent factor to require MFA for users on
  your tenant": independent are WebAuthn with security keys, one-time password, push
  (Guardian), phone message and Duo; dependent (usable once an independent one is enabled) are
  WebAuthn with device biometrics, email and recovery codes.
- The policy ("Require Multi-factor Auth"): Never, Use Adaptive MFA (``confidence-score``) or
  Always (``all-applications``). "Any and all MFA-related behavior defined in Actions take
  precedence over the Define policy settings" (Customize MFA): an Action that calls
  ``api.multifactor.enable`` (``'none'`` included) decides; otherwise the policy does.
- challengeWith / enrollWith: "If a factor is requested is not enabled on the tenant, it will be
  ignored ... If none of the requested factors is enabled or enrolled, the authentication
  transaction will fail"; and "you must enable the Customize MFA Factors using Actions toggle
  ... Your customized flows will not work properly if this setting is not enabled" (Customize
  MFA Selection for Universal Login).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .errors import InputError

__all__ = ["DEPENDENT", "FACTORS", "INDEPENDENT", "POLICIES", "MfaProblem", "MfaUse",
           "check_factors", "mfa_problems", "mfa_use", "policy_verdict"]

# The names Actions use for factors (challengeWith's `type`), in the Dashboard's order.
INDEPENDENT = ("webauthn-roaming", "otp", "push-notification", "phone")
DEPENDENT = ("webauthn-platform", "email", "recovery-code")
FACTORS = INDEPENDENT + DEPENDENT
# Auth0's API names for "Never", "Always" and "Use Adaptive MFA".
POLICIES = ("never", "all-applications", "confidence-score")
POLICY_NAMES = {"never": "Never", "all-applications": "Always",
                "confidence-score": "Use Adaptive MFA"}
# Duo is an independent factor too, but it needs an integration key and secret: not managed.
_UNMANAGED = {"duo": "Duo needs an integration key and secret; rulekit does not manage it "
                     "(leave [mfa] out and configure the tenant's factors in the Dashboard)",
              "push": "the factor is named 'push-notification'",
              "sms": "the factor is named 'phone' (SMS and voice)",
              "voice": "the factor is named 'phone' (SMS and voice)"}


def check_factors(value: Any, what: str, *, path: str | None = None) -> tuple[str, ...]:
    """``value`` as a tuple of factor names (duplicates dropped), or an InputError naming the
    bad one."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InputError(f"{what}: a list of factor names ({', '.join(FACTORS)}), got {value!r}",
                         path=path)
    names: list[str] = []
    for name in value:
        if name not in FACTORS:
            hint = _UNMANAGED.get(name) if isinstance(name, str) else None
            raise InputError(f"{what}: unknown factor {name!r}"
                             + (f": {hint}" if hint else f" (known: {', '.join(FACTORS)})"),
                             path=path)
        if name not in names:
            names.append(name)
    return tuple(names)


# Token exchanges: no browser, no prompt (the harness's NO_REDIRECT protocols).
TOKEN_EXCHANGES = frozenset({"oauth2-resource-owner", "oauth2-resource-owner-jwt-bearer",
                             "oauth2-password", "oauth2-refresh-token"})


def policy_verdict(outcome: Any, policy: str, protocol: str | None = None) -> str | None:
    """What the tenant's MFA ``policy`` adds to an Actions ``outcome`` that did not require MFA
    itself, in an interactive login: a phrase for people, or None when it adds nothing (the
    Actions decided, the login failed, the policy is Never, or ``protocol`` is a token exchange,
    where rulekit does not model the policy)."""
    if (policy == "never" or not outcome.allowed or outcome.mfa is not None
            or protocol in TOKEN_EXCHANGES):
        return None
    for call in reversed(outcome.extra.get("api_calls") or []):
        if call.get("call") == "multifactor.enable":  # the Actions decided: no MFA
            return (f"Action '{call.get('action')}' turns MFA off with multifactor.enable("
                    f"'{call.get('provider')}'), which overrides the tenant's MFA policy "
                    f"({POLICY_NAMES[policy]})")
    if policy == "all-applications":
        return "MFA required by the tenant's MFA policy (Always)"
    return "MFA when Auth0 judges the login risky (the tenant's policy: Use Adaptive MFA)"


# ---------------------------------------------------------------- what the code asks of MFA
_COMMANDS = frozenset({"challengeWith", "challengeWithAny", "enrollWith", "enrollWithAny"})


@dataclass(frozen=True)
class MfaUse:
    """What one artifact's code asks of the tenant's MFA, read from its tokens."""

    requires: int | None = None  # the first line that can require MFA (None: none does)
    command: tuple[str, int] | None = None  # the first challengeWith/enrollWith call and line
    factors: tuple[tuple[str, int], ...] = ()  # factor names given as `type: '...'`, with lines


def mfa_use(artifact: Any) -> MfaUse:
    """Where ``artifact`` can require MFA: ``api.multifactor.enable`` or a challenge/enrolment
    command (an Action), ``context.multifactor = ...`` (a Rule). Read from the code's tokens,
    so a comment or a string does not count; a factor is a ``type: '<factor>'`` string."""
    from ._jslex import tokenize

    tokens = list(tokenize(artifact.code))
    requires: int | None = None
    command: tuple[str, int] | None = None
    factors: list[tuple[str, int]] = []
    for i, token in enumerate(tokens):
        after_dot = i > 0 and tokens[i - 1].value in (".", "?.")
        nxt = tokens[i + 1].value if i + 1 < len(tokens) else ""
        if token.kind == "identifier" and after_dot and token.value in _COMMANDS:
            command = command or (token.value, token.line)
            requires = requires or token.line
        elif token.kind == "identifier" and after_dot and token.value == "multifactor" and (
                nxt == "=" if artifact.kind == "rule" else
                nxt in (".", "?.") and i + 2 < len(tokens) and tokens[i + 2].value == "enable"):
            requires = requires or token.line
        elif (token.kind == "string" and i > 1 and tokens[i - 1].value == ":"
              and tokens[i - 2].value == "type" and token.value in (*FACTORS, "push")):
            factors.append(("push-notification" if token.value == "push" else token.value,
                            token.line))
    return MfaUse(requires, command, tuple(factors))


@dataclass(frozen=True)
class MfaProblem:
    """The tenant's MFA settings cannot give what an artifact's code asks for."""

    severity: str  # "error": the deploy stops; "warning": said, not blocking
    message: str
    artifact: Any  # the Artifact
    line: int | None  # in the artifact's code

    def where(self) -> tuple[str, int | None]:
        """The template (or file) and line to name."""
        if self.line is None:
            return str(self.artifact.origin), None
        file, line = self.artifact.locate(self.line)
        return str(file), int(line)


def mfa_problems(mfa: Any, artifacts: Iterable[Any], tenant_file: str) -> list[MfaProblem]:
    """What the tenant model's ``[mfa]`` (an MfaSpec, or None when it has none) cannot give the
    deployed ``artifacts``: errors when it is declared and falls short, a warning when it is
    not declared and the code requires MFA (rulekit cannot vouch for the tenant's factors)."""
    problems: list[MfaProblem] = []
    for artifact in artifacts:
        use = mfa_use(artifact)
        if use.requires is None:
            continue
        noun = "Action" if artifact.kind == "action" else "rule"
        if mfa is None:
            problems.append(MfaProblem(
                "warning", f"{noun} '{artifact.name}' can require MFA, but {tenant_file} has no "
                "[mfa]: rulekit leaves the tenant's factors alone and cannot vouch for them. Auth0 "
                "requires at least one independent factor enabled to require MFA"
                + (" and 'Customize MFA Factors using Actions' on for "
                   f"{use.command[0]}" if use.command else "")
                + "; declare [mfa] (policy, factors) to deploy them", artifact, use.requires))
            continue
        if not mfa.independent:
            problems.append(MfaProblem(
                "error", f"{noun} '{artifact.name}' can require MFA, but {tenant_file} [mfa] "
                "enables no factor: Auth0 requires at least one independent factor "
                f"({', '.join(INDEPENDENT)}) to require MFA", artifact, use.requires))
        if use.command is not None and not mfa.customize_with_actions:
            problems.append(MfaProblem(
                "error", f"Action '{artifact.name}' calls api.authentication.{use.command[0]}, "
                f"but {tenant_file} [mfa] customize_with_actions is false: Auth0 says customized "
                "MFA flows \"will not work properly if this setting is not enabled\" (Customize "
                "MFA Factors using Actions); set customize_with_actions = true",
                artifact, use.command[1]))
        if use.command is not None:
            for factor, line in use.factors:
                if factor not in mfa.factors:
                    problems.append(MfaProblem(
                        "warning", f"Action '{artifact.name}' names factor '{factor}', which "
                        f"{tenant_file} [mfa] does not enable: Auth0 ignores it in challengeWith"
                        " / enrollWith (and fails the login when no requested factor is left)",
                        artifact, line))
    return problems
