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

from ._outcome import CHALLENGE_COMMANDS
from .errors import InputError

__all__ = ["DEPENDENT", "FACTORS", "INDEPENDENT", "POLICIES", "MfaProblem", "MfaUse",
           "check_factors", "mfa_problems", "mfa_use", "policy_verdict", "with_policy"]

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
              "sms": "the factor is named 'phone' (rulekit enables it for SMS)",
              "voice": "the factor is named 'phone' (rulekit enables it for SMS)",
              "totp": "the factor is named 'otp'",
              "google-authenticator": "a provider of api.multifactor.enable, not a factor: its "
                                      "factor is 'otp'",
              "guardian": "a provider of api.multifactor.enable, not a factor: the Guardian "
                          "app's factor is 'push-notification'",
              "webauthn": "name 'webauthn-roaming' (security keys) or 'webauthn-platform' "
                          "(device biometrics)"}


def check_factors(value: Any, what: str, *, path: str | None = None) -> tuple[str, ...]:
    """``value`` as a tuple of factor names (duplicates dropped), or an InputError naming the
    bad one."""
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InputError(f"{what}: a list of factor names ({', '.join(FACTORS)}), got {value!r}",
                         path=path)
    names: list[str] = []
    for name in value:
        if name not in FACTORS:
            hint = None
            if isinstance(name, str):
                lowered = name.strip().lower()
                hint = _UNMANAGED.get(lowered) or (
                    f"factor names are lower case: '{lowered}'" if lowered in FACTORS else None)
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
    """What the tenant's MFA ``policy`` adds to an ``outcome`` (Actions or Rules: "The MFA
    settings defined in rules will always take precedence") that did not require MFA itself, in
    an interactive login: a phrase for people, or None when it adds nothing (the
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


def with_policy(decided: str, policy: str | None) -> str:
    """A verdict in words (``decided``, for a login the code lets through without MFA) with
    what the tenant's policy adds (:func:`policy_verdict`): the policy's MFA replaces it."""
    if not policy:
        return decided
    if policy.startswith("MFA"):
        return f"{policy}; the code itself requires none"
    return f"{decided} ({policy})"


# ---------------------------------------------------------------- what the code asks of MFA
@dataclass(frozen=True)
class MfaUse:
    """What one artifact's code asks of the tenant's MFA, read from its tokens."""

    requires: int | None = None  # the first line that can require MFA (None: none does)
    command: tuple[str, int] | None = None  # the first challengeWith/enrollWith call and line
    factors: tuple[tuple[str, int], ...] = ()  # factor names given as `type: '...'`, with lines
    providers: tuple[tuple[str, int], ...] = ()  # `enable('duo')`: a provider [mfa] never enables


def mfa_use(artifact: Any) -> MfaUse:
    """Where ``artifact`` can require MFA, read from its tokens (a comment or a log message does
    not count): in an Action, ``api.multifactor`` (but ``.enable('none')``), also kept in a
    variable, destructured or read as ``api['multifactor']``, and the challenge/enrolment
    commands (called, destructured or read by name); in a Rule, ``context.multifactor = ...``.
    ``event.user.multifactor`` (the enrolled providers) is not a requirement. A factor is a
    ``type: '<factor>'`` string; a provider, the string ``enable('<provider>')`` is called with.
    Best effort, both ways: code that reaches the api in other ways is not seen."""
    from ._jslex import tokens_of

    tokens = tokens_of(artifact.code)

    def at(index: int) -> str:
        return tokens[index].value if 0 <= index < len(tokens) else ""

    requires: int | None = None
    command: tuple[str, int] | None = None
    factors: list[tuple[str, int]] = []
    providers: list[tuple[str, int]] = []
    for i, token in enumerate(tokens):
        value, prev, nxt = token.value, at(i - 1), at(i + 1)
        if token.kind == "string" and prev == ":" and at(i - 2) == "type" \
                and value in (*FACTORS, "push"):
            factors.append(("push-notification" if value == "push" else value, token.line))
            continue
        if token.kind == "string" and prev == "(" and at(i - 2) == "enable" and value == "duo":
            providers.append((value, token.line))
        # a member read `x.name` / `x?.name` / `x['name']`, or a bare name (destructured)
        member = (token.kind == "identifier" and prev in (".", "?.")) or (
            token.kind == "string" and prev == "[" and nxt == "]")
        if token.kind == "string" and not member:
            continue  # a string is only a name when it is read as a member
        if token.kind == "identifier" and not member and nxt == ":":
            continue  # an object literal's key
        if artifact.kind == "rule":
            after = i + 2 if token.kind == "string" else i + 1
            if value == "multifactor" and member and at(after) == "=":
                requires = requires or token.line
            continue
        if value in CHALLENGE_COMMANDS:
            called = nxt in ("(", "?.") or (token.kind == "string" and at(i + 2) == "(")
            if member and not called and at(i - 2) != "authentication":
                continue  # some other object's property of that name
            command = command or (value, token.line)
            requires = requires or token.line
        elif value == "multifactor":
            if member and at(i - 2) == "user":
                continue  # event.user.multifactor
            rest = i + 2 if token.kind == "string" else i + 1  # after `multifactor` / `]`
            if at(rest) in (".", "?.") and at(rest + 1) == "enable" and at(rest + 2) == "(" \
                    and at(rest + 3) == "none":
                continue  # turns MFA off
            requires = requires or token.line
    return MfaUse(requires, command, tuple(factors), tuple(providers))


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
        for provider, line in use.providers:
            problems.append(MfaProblem(
                "error", f"Action '{artifact.name}' requires MFA with provider '{provider}', "
                f"but {tenant_file} [mfa] turns Duo off (rulekit does not manage Duo, which "
                "needs credentials): use 'any', or leave [mfa] out and configure Duo in the "
                "Dashboard", artifact, line))
        if use.command is not None and not mfa.customize_with_actions:
            problems.append(MfaProblem(
                "error", f"Action '{artifact.name}' calls api.authentication.{use.command[0]}, "
                f"but {tenant_file} [mfa] does not set customize_with_actions = true: Auth0 says "
                "customized MFA flows \"will not work properly if this setting is not enabled\" "
                "(Customize MFA Factors using Actions)",
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
