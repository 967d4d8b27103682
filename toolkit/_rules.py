"""The Auth0 Rules runtime: runs a pipeline of rules on one login, one call into V8 per login."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from ._inputs import string_map
from ._login import is_neutral_login, make_context, make_user
from ._outcome import Outcome
from ._render import Artifact
from ._runtime import DEFAULT_TIMEOUT, HarnessRuntime, parse_now
from .errors import InputError

__all__ = ["DEFAULT_TIMEOUT", "RulesRuntime", "parse_now", "run_rules"]


class RulesRuntime(HarnessRuntime):
    """An engine loaded with a rule pipeline. Use as a context manager, or call ``close()``.

    ``rules`` run in the given order (disabled artifacts are skipped). ``modules`` is a
    ``node_modules`` folder for ``require``; ``stubs`` maps module names to JavaScript module
    source (``module.exports = ...``) and win over node_modules. ``warm=True`` runs every login
    in one container, as Auth0 may: ``global`` keeps what earlier logins put there (until
    :meth:`reset_container`); by default each login gets a fresh ``global``.
    """

    kind = "rule"
    harness = "rules_harness.js"
    api = "globalThis.__rulekitRules"
    noun = "rule"

    def __init__(self, rules: Sequence[Artifact], *,
                 configuration: Mapping[str, str] | None = None,
                 domain: str = "example-ai.eu.auth0.com",
                 management_api_fails: bool = False, **options: Any) -> None:
        """``management_api_fails``: every ``auth0.users.update*Metadata`` call rejects, as the
        Management API does when it is rate limited (``statusCode`` 429), so that a rule's
        ``.catch(...)`` / error callback can be tested (and covered)."""
        self.configuration = string_map(configuration or {}, "configuration")
        self.domain = domain
        if not isinstance(management_api_fails, bool):
            raise InputError(f"management_api_fails must be True or False, got "
                             f"{management_api_fails!r}")
        self.management_api_fails = management_api_fails
        super().__init__(rules, **options)

    @property
    def rules(self) -> list[Artifact]:
        return self.artifacts

    def _payload(self, user: Mapping[str, Any] | None, context: Mapping[str, Any] | None,
                 configuration: Mapping[str, str] | None,
                 now: str | datetime | float | None) -> dict[str, Any]:
        return {**self._login(user, context), **self._shared(configuration, now)}

    @staticmethod
    def _login(user: Mapping[str, Any] | None,
               context: Mapping[str, Any] | None) -> dict[str, Any]:
        for value, what in ((user, "user"), (context, "context")):
            if value is not None and type(value) is not dict and not isinstance(value, Mapping):
                raise InputError(f"a Rule's {what} must be a JSON object (a dict), got "
                                 f"{type(value).__name__}")
        if context is None and user is not None and is_neutral_login(user):
            raise InputError("got a neutral login (make_login(), strategies.logins()) where a "
                             "Rule's user goes: project it first, user, context = "
                             "to_rule_shape(login), or run it with LoginRunner")
        return {"user": make_user() if user is None else user,
                "context": make_context() if context is None else context}

    @classmethod
    def _pairs(cls, logins: Iterable[Any]) -> Iterator[dict[str, Any]]:
        for number, pair in enumerate(logins, start=1):
            if not isinstance(pair, tuple | list) or len(pair) != 2:
                raise InputError(f"a batch (run_batch, iter_batch) takes (user, context) pairs; "
                                 f"login {number} is {type(pair).__name__}")
            try:
                yield cls._login(pair[0], pair[1])
            except InputError as exc:  # which login of the batch
                raise InputError(f"batch login {number}: {exc.detail}") from None

    def _shared(self, configuration: Mapping[str, str] | None,
                now: str | datetime | float | None) -> dict[str, Any]:
        """The part of a payload that is the same for every login of a batch."""
        return {
            "configuration": (self.configuration if configuration is None
                              else string_map(configuration, "configuration")),
            "now": self.now if now is None else parse_now(now),
            "rules": list(range(len(self.artifacts))),
            "domain": self.domain,
            "warm": self.warm,
            "managementApiFails": self.management_api_fails,
        }

    def run_batch(self, logins: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]], *,
                  timeout: float | None = None) -> list[Outcome]:
        """Run many ``(user, context)`` logins with few calls into V8; one Outcome each."""
        return self._collect(self.iter_batch(logins, timeout=timeout))

    def iter_batch(self, logins: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]], *,
                   timeout: float | None = None) -> Iterator[Outcome]:
        """Like :meth:`run_batch`, lazily: logins are read and outcomes given as they go, so
        memory stays flat for any number of logins (``rulekit run --batch`` streams this way)."""
        return self._iter_batch(self._pairs(logins),
                                self._shared(None, None),
                                self._limit(timeout))

    def run(
        self,
        user: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        *,
        configuration: Mapping[str, str] | None = None,
        now: str | datetime | float | None = None,
        timeout: float | None = None,
    ) -> Outcome:
        """Run the pipeline on one login and return what Auth0 would decide."""
        return self._execute(self._payload(user, context, configuration, now),
                             self._limit(timeout))

    def run_through(self, user: Mapping[str, Any] | None = None,
                    context: Mapping[str, Any] | None = None, *, first: Outcome | None = None,
                    **options: Any) -> Outcome:
        """The whole login when the user comes back from a redirect: after a leg that sets
        ``context.redirect``, the pipeline runs again with ``context.protocol`` set to
        ``'redirect-callback'``, as Auth0 does, and a redirect it sets is ignored (a user is
        redirected once per login). The second leg's decision, with the first leg's redirect.
        ``first``: the first leg's outcome, when it has already run."""
        return _run_through(self, user, context, options, first)


REDIRECT_CALLBACK = "redirect-callback"


def _with_updates(user: Mapping[str, Any] | None, outcome: Outcome) -> dict[str, Any]:
    """The user as the next leg sees it: auth0.users.update*Metadata calls the Management API
    at once, so what a leg saved is in the user when the rules run again."""
    updated = dict(make_user() if user is None else user)
    for part, updates in (("app_metadata", outcome.app_metadata_updates),
                          ("user_metadata", outcome.user_metadata_updates)):
        for update in updates:
            metadata = update.get("metadata") if isinstance(update, dict) else None
            if update.get("user_id") not in (None, updated.get("user_id")):
                continue  # another user's profile (auth0.users.update*Metadata(otherId, ...))
            if isinstance(metadata, dict):
                current = updated.get(part)
                merged = {**(current if isinstance(current, dict) else {}), **metadata}
                updated[part] = {k: v for k, v in merged.items() if v is not None}
    return updated


def _run_through(runtime: RulesRuntime, user: Mapping[str, Any] | None,
                 context: Mapping[str, Any] | None, options: dict[str, Any],
                 first: Outcome | None = None) -> Outcome:
    if first is None:
        first = runtime.run(user, context, **options)
    # Auth0 ("Redirect Users from Within Rules"): when the user comes back to /continue, "all
    # rules will be run again, however, the context.redirect will be ignored to allow
    # authentication to continue" ("You can redirect a user once per authentication flow"),
    # with context.protocol 'redirect-callback', on the user as the first leg saved it.
    if first.redirect is None or not first.allowed:
        return first
    again = dict(make_context() if context is None else context, protocol=REDIRECT_CALLBACK)
    legs = [first, runtime.run(_with_updates(user, first), again, **options)]
    return Outcome._from_fields({
        **legs[-1].__dict__, "redirect": first.redirect,
        "app_metadata_updates": [u for leg in legs for u in leg.app_metadata_updates],
        "user_metadata_updates": [u for leg in legs for u in leg.user_metadata_updates]})


def run_rules(rules: Sequence[Artifact], user: Mapping[str, Any] | None = None,
              context: Mapping[str, Any] | None = None, **options: Any) -> Outcome:
    """Run one login through ``rules`` in a fresh engine (convenient; a RulesRuntime is faster)."""
    with RulesRuntime(rules, **options) as runtime:
        return runtime.run(user, context)
