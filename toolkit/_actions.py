"""The Auth0 post-login Actions runtime: a flow of Actions on one event, one call into V8."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from ._inputs import string_map
from ._login import is_neutral_login, make_login, to_action_shape
from ._mfa import check_factors
from ._outcome import CHALLENGE_COMMANDS, Outcome
from ._render import Artifact
from ._runtime import HarnessRuntime, parse_now
from .errors import InputError

__all__ = ["ActionsRuntime", "default_event", "redirect_token", "run_actions"]


# What the harness reports of a leg for the next leg to keep (transaction state).
_CARRIED_EXTRA = ("transaction_metadata", "primary_user", "mfa_factors")


def default_event(**login_fields: Any) -> dict[str, Any]:
    """A post-login ``event`` with realistic defaults (from the neutral login model)."""
    return to_action_shape(make_login(**login_fields))


MAX_RETURNS = 10  # returns from a redirect followed before a login counts as a loop


def redirect_loop(first: Outcome, legs: int = MAX_RETURNS) -> Outcome:
    """The outcome of a login that redirects again every time the user comes back."""
    extra = {k: v for k, v in first.extra.items() if k != "suspended"}
    return Outcome._from_fields({**first.__dict__, "mfa": None, "redirect": None, "extra": extra,
                                 "id_token_claims": {}, "access_token_claims": {}, "error": {
                                     "name": "RedirectLoop", "rule": None,
                                     "message": f"the login redirected again on each of {legs} "
                                                "returns: the user would never get through"}})


class ActionsRuntime(HarnessRuntime):
    """An engine loaded with post-login Actions in binding order.

    ``secrets`` are the values of ``event.secrets``; an Action that declares secret names
    (manifest ``secrets = [...]``) sees only those, as Auth0 keeps secrets per Action.
    ``warm=True`` runs every login in one container, as Auth0 may: each Action's module is
    evaluated once (module-level variables keep their values) and ``api.cache`` keeps what
    earlier logins set (until :meth:`reset_container`); by default each login starts afresh.
    ``factors`` are the MFA factors the tenant enables (the tenant model's ``[mfa] factors``):
    challengeWith / enrollWith ignore the others, as Auth0 does; None, every factor is enabled.
    """

    kind = "action"
    harness = "actions_harness.js"
    api = "globalThis.__rulekitActions"
    noun = "Action"

    def __init__(self, actions: Sequence[Artifact], *, secrets: Mapping[str, str] | None = None,
                 factors: Iterable[str] | None = None, **options: Any) -> None:
        self.secrets = string_map(secrets or {}, "secrets")
        self.factors = None if factors is None else check_factors(factors, "factors")
        super().__init__(actions, **options)
        self._warn_undeclared(self.secrets)

    @property
    def actions(self) -> list[Artifact]:
        return self.artifacts

    def _warn_undeclared(self, values: Mapping[str, str]) -> None:
        """Warn about given secrets no Action will see: manifest entries see only the names
        they declare (a file outside the manifest that declares none sees all)."""
        if not values or any(a.template is None and not a.secrets for a in self.artifacts):
            return
        declared = {name for a in self.artifacts for name in a.secrets}
        unseen = sorted(set(values) - declared)
        if unseen:
            import warnings

            warnings.warn(f"secrets given but declared by no manifest entry: "
                          f"{', '.join(unseen)}; the Actions do not see them (as deployed: the "
                          "program deploys an entry's declared secrets only). Declare them: "
                          "secrets = [...] in rules_src/manifest.toml", UserWarning, stacklevel=3)

    @staticmethod
    def declared_values(actions: Sequence[Artifact], values: Mapping[str, str]) -> dict[str, str]:
        """``values`` less the secrets no manifest Action of ``actions`` declares (all of them
        when one is a file outside the manifest, which sees all it is given): what to give a
        flow built from part of a manifest (a pipeline without one entry, the Actions that
        have a Rule to compare with) when the values are the whole project's."""
        if any(a.template is None for a in actions):
            return dict(values)
        declared = {name for a in actions for name in a.secrets}
        return {k: v for k, v in values.items() if k in declared}

    def _secrets_for(self, values: Mapping[str, str]) -> list[dict[str, str]]:
        """Each Action's ``event.secrets``: a manifest entry's declared ``secrets`` only (the
        program deploys those; Auth0 keeps secrets per Action: none declared, none); a file
        outside the manifest (``rulekit run file.js --secrets``) sees all it is given."""
        return [{k: v for k, v in values.items()
                 if k in a.secrets or (a.template is None and not a.secrets)}
                for a in self.artifacts]

    def _payload(self, event: Mapping[str, Any] | None, secrets: list[dict[str, str]],
                 now: str | datetime | float | None, resume: bool | str) -> dict[str, Any]:
        """What the harness's run() takes; ``secrets`` is ``_secrets_for``'s result."""
        return {**self._login(event), **self._shared(secrets, now, resume)}

    @staticmethod
    def _login(event: Mapping[str, Any] | None) -> dict[str, Any]:
        if event is None:
            return {"event": default_event()}
        if type(event) is not dict and not isinstance(event, Mapping):  # dict: the fast path
            raise InputError(f"an Action's event must be a JSON object (a dict), got "
                             f"{type(event).__name__}")
        if is_neutral_login(event):
            raise InputError("got a neutral login (make_login(), strategies.logins()) where an "
                             "Action's event goes: project it first, to_action_shape(login), or "
                             "run it with LoginRunner")
        return {"event": default_event() if event is None else event}

    def _shared(self, secrets: list[dict[str, str]], now: str | datetime | float | None,
                resume: bool | str) -> dict[str, Any]:
        """The part of a payload that is the same for every login of a batch."""
        return {
            "secrets": secrets,
            "now": self.now if now is None else parse_now(now),
            "actions": list(range(len(self.artifacts))),
            "resume": resume,
            "warm": self.warm,
            "factors": None if self.factors is None else list(self.factors),
        }

    def run_batch(self, events: Iterable[Mapping[str, Any]], *,
                  timeout: float | None = None) -> list[Outcome]:
        """Run many events with few calls into V8; one Outcome each, in order."""
        return self._collect(self.iter_batch(events, timeout=timeout))

    def iter_batch(self, events: Iterable[Mapping[str, Any]], *,
                   timeout: float | None = None) -> Iterator[Outcome]:
        """Like :meth:`run_batch`, lazily: events are read and outcomes given as they go, so
        memory stays flat for any number of logins (``rulekit run --batch`` streams this way)."""
        return self._iter_batch(self._events(events),
                                self._shared(self._secrets_for(self.secrets), None, False),
                                self._limit(timeout))

    def _events(self, events: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
        for number, event in enumerate(events, start=1):
            try:
                yield self._login(event)
            except InputError as exc:  # which login of the batch
                raise InputError(f"batch login {number}: {exc.detail}") from None

    def run(self, event: Mapping[str, Any] | None = None, *,
            secrets: Mapping[str, str] | None = None,
            now: str | datetime | float | None = None, timeout: float | None = None,
            resume: bool | str | Outcome = False) -> Outcome:
        """Run the flow on one ``event`` and return what Auth0 would decide.

        A redirect (``api.redirect.sendUserTo``) or a form (``api.prompt.render``: the
        outcome's ``extra["prompt"]``) suspends the flow after the Action, as in Auth0 (the
        outcome's ``extra["suspended"]`` is true while Actions are left to run). ``resume`` is
        the user's return (``/continue``, or the form submitted: the event's ``prompt.fields``):
        that Action's ``onContinuePostLogin`` runs, then the Actions after it (those before it
        ran in the first leg). Give the first leg's Outcome (``resume=leg``): the flow resumes in the Action
        that redirected, keeping what the first leg decided (MFA, claims, scopes, metadata,
        transaction metadata), as Auth0 keeps the transaction. ``resume="name"`` names the
        Action; ``resume=True``, the only one that exports ``onContinuePostLogin`` (both start
        from nothing).
        """
        return self._leg(event, secrets=secrets, now=now, timeout=timeout, resume=resume)

    def _leg(self, event: Mapping[str, Any] | None, *, secrets: Mapping[str, str] | None = None,
             now: str | datetime | float | None = None, timeout: float | None = None,
             resume: bool | str | Outcome = False, returned: bool = False) -> Outcome:
        """One leg of the flow (see :meth:`run`). ``returned``: rulekit's own return from the
        redirect (run_through), which brings back the tokens the redirect carried."""
        carry = None
        if isinstance(resume, Outcome):
            # The Action that redirected, or rendered a form (api.prompt.render).
            prompt = resume.extra.get("prompt") if resume.kind == "action" else None
            rule = (resume.redirect or {}).get("rule") if resume.kind == "action" else None
            if rule is None and isinstance(prompt, dict):
                rule = prompt.get("rule")
            if not isinstance(rule, str):
                raise InputError("resume= takes the Outcome of an Actions flow that redirected "
                                 "or rendered a form (it names the Action to resume)")
            challenged = (resume.mfa or {}).get("provider") in CHALLENGE_COMMANDS
            carry = {"mfa": None if challenged else resume.mfa,
                     "challenge": resume.extra.get("challenge"),
                     "dropped": resume.extra.get("dropped_claims"),
                     "id_token_claims": resume.id_token_claims,
                     "access_token_claims": resume.access_token_claims,
                     "app_metadata_updates": resume.app_metadata_updates,
                     "user_metadata_updates": resume.user_metadata_updates,
                     "extra": {**{key: resume.extra.get(key, []) for key in
                                  ("scopes_added", "scopes_removed")},
                               # "Preserve transaction metadata during redirects. Values are
                               # available when users continue the authentication flow"
                               # (Transaction Metadata); the primary user; MFA factors done.
                               **{key: resume.extra[key] for key in _CARRIED_EXTRA
                                  if key in resume.extra}}}
            if isinstance(resume.redirect, dict) and isinstance(resume.redirect.get("state"), str):
                carry["state"] = resume.redirect["state"]
            if returned:
                carry["returned"] = _query_values(str((resume.redirect or {}).get("url") or ""))
            if isinstance(prompt, dict):
                carry["prompt"] = prompt
            # What the Action showed the user: it may not show the other kind when it resumes.
            carry["shown"] = {rule: "form" if isinstance(prompt, dict) else "redirect"}
            resume = rule
        elif not isinstance(resume, bool | str):
            raise InputError(f"resume must be True, False, an Action's name or the first leg's "
                             f"Outcome, got {resume!r}")
        elif isinstance(resume, str) and resume not in {a.name for a in self.artifacts}:
            raise InputError(f"resume={resume!r}: no Action of that name in this flow (it has: "
                             f"{', '.join(a.name for a in self.artifacts)})")
        values = self.secrets if secrets is None else string_map(secrets, "secrets")
        payload = self._payload(event, self._secrets_for(values), now, resume)
        if carry is not None:
            payload["carry"] = carry
        return self._execute(payload, self._limit(timeout))

    def run_through(self, event: Mapping[str, Any] | None = None, *,
                    first: Outcome | None = None, **options: Any) -> Outcome:
        """The whole login when the user comes back from every redirect: the first leg, then
        ``run(event, resume=leg)`` while a leg suspends at a redirect (at most ten). The result
        is the last leg's decision, with the redirect the first leg sent the user to.
        ``first``: the first leg's outcome, when it has already run."""
        if first is None:
            first = self.run(event, **options)
        leg = first
        for _ in range(MAX_RETURNS):
            if not leg.extra.get("suspended"):
                break
            leg = self._leg(event, resume=leg, returned=True, **options)
        if leg.extra.get("suspended"):
            return redirect_loop(first)
        return first if leg is first else \
            Outcome._from_fields({**leg.__dict__, "redirect": first.redirect})


def redirect_token(leg: Outcome, secret: str, claims: Mapping[str, Any] | None = None, *,
                   expires_in: float = 60, now: str | datetime | float | None = None) -> str:
    """The token an external site sends back to ``/continue`` after ``leg`` (an Actions
    outcome that redirected) sent the user to it: an HS256 JWT signed with ``secret``, with
    the standard claims Auth0 requires (``sub``, the user's user_id; ``iss``, the site's host;
    ``iat``, ``now``), then ``claims`` (which may replace those, to test a bad token), the
    redirect's ``state`` and ``exp`` ``expires_in`` seconds after ``now`` (default: when the
    leg redirected, on a runtime whose clock is frozen; else the present).
    What ``api.redirect.validateToken`` checks (Redirect with Actions:
    "The signature is valid. The token is not expired. The state claim within the token
    matches the state parameter"; and "Missing or invalid standard claims" without iat, exp,
    sub, iss or state). Put it in the continue event's ``request.body`` (or ``request.query``)
    under the Action's ``tokenParameterName`` (``session_token``)."""
    import base64
    import hashlib
    import hmac
    import math
    import time

    state = (leg.redirect or {}).get("state") if leg.kind == "action" else None
    if not isinstance(state, str):
        raise InputError("redirect_token takes the Outcome of an Actions flow that redirected "
                         "(its redirect carries the state)")
    if not isinstance(secret, str) or not secret:
        raise InputError("redirect_token: the secret must be a non-empty string")
    if claims is not None and not isinstance(claims, Mapping):
        raise InputError(f"redirect_token: claims must be a dict, got {type(claims).__name__}")
    if isinstance(expires_in, bool) or not isinstance(expires_in, int | float) \
            or not math.isfinite(expires_in):
        raise InputError(f"redirect_token: expires_in must be a finite number of seconds, got "
                         f"{expires_in!r}")
    # The time: ``now``, else when the leg redirected on a frozen clock, else the present.
    at = (leg.redirect or {}).get("at")
    moment = parse_now(now) if now is not None else at if isinstance(at, int | float) else None
    issued = moment / 1000.0 if moment is not None else time.time()
    from urllib.parse import urlsplit

    redirect = leg.redirect or {}
    try:
        site = urlsplit(str(redirect.get("url") or "")).hostname or "external-site"
    except ValueError:
        site = "external-site"
    payload = {"sub": redirect.get("sub"), "iss": site, "iat": int(issued), **dict(claims or {}),
               "state": state, "exp": int(issued + expires_in)}

    def part(value: Any) -> str:
        try:
            text = json.dumps(value, separators=(",", ":"), allow_nan=False).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise InputError(f"redirect_token: the claims are not JSON ({exc})") from None
        return base64.urlsafe_b64encode(text).rstrip(b"=").decode("ascii")

    head = part({"alg": "HS256", "typ": "JWT"}) + "." + part(payload)
    signature = hmac.new(secret.encode("utf-8"), head.encode("ascii"), hashlib.sha256).digest()
    return head + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode("ascii")


def _query_values(url: str) -> list[str]:
    """The values of ``url``'s query parameters (a redirect's session_token, ...); none when
    Python cannot parse the URL."""
    from urllib.parse import parse_qsl, urlsplit

    try:
        return [value for _, value in parse_qsl(urlsplit(url).query)]
    except ValueError:
        return []


def run_actions(actions: Sequence[Artifact], event: Mapping[str, Any] | None = None,
                **options: Any) -> Outcome:
    """Run one event through ``actions`` in a fresh engine."""
    with ActionsRuntime(actions, **options) as runtime:
        return runtime.run(event)
