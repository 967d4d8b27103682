"""Differential runs: do two versions of login code (Rule or Action) decide the same?"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._actions import ActionsRuntime
from ._login import (
    except_default,
    make_login,
    requested_scopes,
    shrink_to_default,
    to_action_shape,
    to_rule_shape,
)
from ._outcome import Outcome
from ._render import Artifact
from ._rules import REDIRECT_CALLBACK, RulesRuntime

__all__ = ["Difference", "EquivResult", "Side", "assert_equivalent", "check_equivalent",
           "decision"]

DEFAULT_EXAMPLES = 300
NOW = "2026-11-28T10:00:00Z"  # a fixed instant: the same code decides the same way each time
Runtime = RulesRuntime | ActionsRuntime


@dataclass(frozen=True)
class Side:
    """One of the two things compared: artifacts of one kind and a label for reports."""

    label: str
    artifacts: tuple[Artifact, ...]

    @property
    def kind(self) -> str:
        return self.artifacts[0].kind


_DENIALS = frozenset({"UnauthorizedError", "Error"})  # what a rule raises to deny a login


def _denial(error: Mapping[str, Any]) -> bool:
    """An error the code raised to deny the login (its message is shown to the user), not a
    crash nor Auth0 failing what the flow cannot do (``auth0``: rulekit's own wording)."""
    return error.get("name") in _DENIALS and not error.get("auth0")


def decision(outcome: Outcome, *, cross_kind: bool,
             login: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What must agree. A Rule's error and an Action's denial are the same decision across
    kinds (Auth0's migration guide maps callback(new Error(m)) to api.access.deny(m)), with
    the same message shown to the user; the MFA requirement, token claims, redirect and
    metadata updates only matter for logins that go through."""
    if cross_kind:
        if outcome.denied is not None or outcome.error is not None:
            # The message the user is shown: a denial's, or that of an error the code raised
            # on purpose (callback(new UnauthorizedError(m)), new Error(m)); not a crash's.
            error = outcome.error or {}
            message = (outcome.denied or {}).get("message") if outcome.denied is not None \
                else error.get("message") if _denial(error) else None
            return {"blocked": True, "message": message}
        result: dict[str, Any] = {"blocked": False}
    else:
        if outcome.error is not None:  # a denial's message too (new Error('Account suspended'))
            return {"error": outcome.error.get("name"),
                    "message": outcome.error.get("message") if _denial(outcome.error) else None}
        if outcome.denied is not None:
            return {"denied": outcome.denied.get("message")}
        result = {}
    mfa = outcome.mfa
    result["mfa"] = None if mfa is None else {
        "provider": mfa.get("provider"), "allowRememberBrowser": mfa.get("allowRememberBrowser")}
    result["id_token_claims"] = outcome.id_token_claims
    result["access_token_claims"] = outcome.access_token_claims
    result["access_token_scope"] = changed_scope(outcome, login)
    # A redirect can be the login's consent or custom MFA step: dropping it is a difference.
    result["redirect"] = None if outcome.redirect is None else outcome.redirect.get("url")
    # Metadata the login changes, key by key as the Management API merges top-level keys: a
    # Rule's updateAppMetadata(id, user.app_metadata) rewrites every key, an Action's
    # setAppMetadata(k, v) one; what counts is the keys whose value changes (given the login).
    result.update(metadata_changes(outcome, login))
    return result


def metadata_changes(outcome: Outcome, login: Mapping[str, Any] | None) -> dict[str, Any]:
    """Per part (app_metadata, user_metadata), the keys a login's metadata updates change,
    given the user's metadata before (the Management API merges top-level keys, so writing
    the same value back is no change)."""
    user = login.get("user") if login is not None else None
    changes = {}
    for part in ("app_metadata", "user_metadata"):
        before = user.get(part) if isinstance(user, Mapping) else None
        written = merged_updates(getattr(outcome, f"{part}_updates"))
        changes[part] = {key: value for key, value in written.items()
                         if not (isinstance(before, Mapping) and key in before
                                 and before[key] == value)}
    return changes


def access_token_scope(outcome: Outcome) -> list[str] | None:
    """The access token's scopes when the code changed them (a Rule's context.accessToken.scope,
    an Action's addScope/removeScope), sorted; None when they are left as requested."""
    scope = outcome.extra.get("access_token_scope")
    if scope is None:
        return None
    if isinstance(scope, str):  # "Deny User Access to an API with Rules": scopes.join(' ')
        return sorted(set(scope.split()))  # a scope given twice is granted once
    if isinstance(scope, list):
        return sorted(set(map(str, scope)))
    return [f"(not scopes: {scope!r})"]  # compared as it is, never as "left as requested"


def changed_scope(outcome: Outcome, login: Mapping[str, Any] | None) -> list[str] | None:
    """The access token's scopes when the code changed them from what the login requested
    (set to what was asked for: no change), else None."""
    scope = access_token_scope(outcome)
    requested = requested_scopes(login) if login is not None else None
    if scope is not None and isinstance(requested, list) and \
            sorted(set(map(str, requested))) == scope:
        return None
    return scope


def decisions(a: Outcome, b: Outcome, login: Mapping[str, Any], cross_kind: bool
              ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both sides' decisions on one login, as compared. A 'redirect-callback' login is a Rule
    pipeline's return leg (no redirect there: the user is coming back), which an Action flow
    has no protocol for: across kinds its redirect is left out, the rest compared."""
    mine = decision(a, cross_kind=cross_kind, login=login)
    theirs = decision(b, cross_kind=cross_kind, login=login)
    if cross_kind and mine.get("message") is None and theirs.get("message") is None:
        # Messages are compared when either side denied on purpose. Both failed (a crash, or
        # Auth0 refusing what the flow cannot do: rulekit's wording differs between the
        # runtimes): a failed login either way. One side denying on purpose where the other
        # crashed is a difference: the user no longer reads the message (a newcomer's
        # `api.acess.deny(...)` port was EQUIVALENT). A port's adapter lets a rule's crash
        # crash the Action too, as Auth0 fails both.
        mine.pop("message", None)
        theirs.pop("message", None)
    if cross_kind and login.get("protocol") == REDIRECT_CALLBACK:
        mine.pop("redirect", None)
        theirs.pop("redirect", None)
    return mine, theirs


def merged_updates(updates: list[Any]) -> dict[str, Any]:
    """What a login's metadata updates write, merged key by key (as the Management API merges
    top-level keys)."""
    merged: dict[str, Any] = {}
    for update in updates:
        metadata = update.get("metadata") if isinstance(update, dict) else None
        if isinstance(metadata, dict):
            merged.update(metadata)
    return merged


@dataclass
class Difference:
    login: dict[str, Any]
    a: Outcome
    b: Outcome
    source: str  # "declared" or "generated"

    def render(self, a_label: str, b_label: str) -> str:
        """Both outcomes in full: the one-line verdicts, the decision fields that differ, then
        each outcome field side by side, ``*`` where they differ (nothing cut short)."""
        cross = self.a.kind != self.b.kind
        mine, theirs = decisions(self.a, self.b, self.login, cross)
        shared = set(mine) & set(theirs)  # a blocked login has no MFA or claims to compare
        only_one = set(mine) ^ set(theirs)  # e.g. {"error": ...} against a login that passed
        differing = (sorted(k for k in shared if mine[k] != theirs[k])
                     or sorted(only_one & {"error", "denied", "blocked"}) or sorted(only_one))
        rows = [f"A  {a_label}".rstrip() if a_label != "A" else "A",
                f"   {self.a.summary()}",
                f"B  {b_label}".rstrip() if b_label != "B" else "B",
                f"   {self.b.summary()}", "", f"decision differs in: {', '.join(differing)}"]
        if cross and self.login.get("request") is None:
            rows.append("note: this login has no request: a Rule's context.request is undefined "
                        "(Auth0: it may be), an Action's event.request is always an object")
        elif cross and self.login.get("request") == {}:
            rows.append("note: this login's request is empty: a Rule's context.request has no "
                        "query (no scope), while an Action still reads event.transaction")
        rows += ["", "outcome fields (* differs):"]
        left, right = self.a.to_dict(), self.b.to_dict()
        width = max(len(key) for key in {*left, *right})
        for key in sorted({*left, *right}):
            lhs, rhs = left.get(key), right.get(key)
            if lhs in (None, {}, []) and rhs in (None, {}, []):
                continue
            # a Rule and an Action differ in kind by definition: shown, not marked
            mark = "*" if lhs != rhs and not (cross and key == "kind") else " "
            rows.append(f"{mark} {key:<{width}}  A: {json.dumps(lhs, sort_keys=True)}")
            if lhs != rhs:
                rows.append(f"  {'':<{width}}  B: {json.dumps(rhs, sort_keys=True)}")
        return "\n".join(rows)


@dataclass
class EquivResult:
    a: str
    b: str
    compared: int = 0
    declared: int = 0
    difference: Difference | None = None
    dictionary: list[str] = field(default_factory=list)
    both_failed: int = 0  # logins on which both sides ended in an error
    # how the logins decided the same were decided: "allowed", "mfa", "denied", "error"
    verdicts: dict[str, int] = field(default_factory=dict)
    first_error: str | None = None  # one of those errors, for the report
    # decisions a side's code can make that no compared login got ("denied", "mfa")
    unreached: list[str] = field(default_factory=list)

    @property
    def equivalent(self) -> bool:
        return self.difference is None

    @property
    def proven(self) -> bool:
        """Equivalent on logins that actually ran: not when every login failed on both sides
        (a broken stub or package makes both crash alike, which proves nothing)."""
        return self.equivalent and (self.compared == 0 or self.both_failed < self.compared)

    def report(self) -> str:
        if self.difference is None and not self.proven:
            return (f"NOT PROVEN: {self.a} and {self.b} both failed on every one of the "
                    f"{self.compared} logins, so their decisions were never compared "
                    f"(first error: {self.first_error})")
        if self.difference is None:
            failed = (f"; both failed on {self.both_failed} of them"
                      if self.both_failed else "")
            seen = ", ".join(f"{self.verdicts.get(v, 0)} {v}"
                             for v in ("mfa", "denied", "allowed", "error"))
            notes = [f"NOTE: no compared login was {_UNREACHED[v][0]}, though the code can "
                     f"{_UNREACHED[v][1]}: that part was never compared; "
                     "declare a login that reaches it (--login FILE; declared= in Python)"
                     for v in self.unreached]
            return "\n".join([f"EQUIVALENT: {self.a} and {self.b} decided the same on all "
                              f"{self.compared} logins ({self.declared} declared, "
                              f"{self.compared - self.declared} generated{failed}): {seen}",
                              *notes])
        d = self.difference
        return "\n".join([
            f"DIFFERENT: {self.a} and {self.b} disagree on this {d.source} login "
            f"(after {self.compared} logins; shrunk to the smallest found):",
            except_default(d.login) + "  (the whole login: --json)",
            "",
            d.render(self.a, self.b),
        ])

    def to_dict(self) -> dict[str, Any]:
        return {
            "equivalent": self.equivalent, "proven": self.proven, "both_failed": self.both_failed,
            "a": self.a, "b": self.b, "compared": self.compared,
            "declared": self.declared, "dictionary": self.dictionary,
            "verdicts": self.verdicts, "unreached": self.unreached,
            "difference": None if self.difference is None else {
                "login": self.difference.login, "source": self.difference.source,
                "a": self.difference.a.to_dict(), "b": self.difference.b.to_dict()},
        }


def _runtime(side: Side, values: Mapping[str, str], modules: Path | None,
             timeout: float, stubs: Mapping[str, str] | None = None) -> Runtime:
    # Both sides at one frozen instant (the matrix's): a comparison Hypothesis replays must
    # decide the same way each time (a redirect token's exp is the time now).
    if side.kind == "action":  # the values serve both sides: the Rule's need not warn here
        _warn_undeclared_reads(side.artifacts, values)
        return ActionsRuntime(side.artifacts,
                              secrets=ActionsRuntime.declared_values(side.artifacts, values),
                              modules=modules, timeout=timeout, stubs=stubs, now=NOW)
    return RulesRuntime(side.artifacts, configuration=values, modules=modules, timeout=timeout,
                        stubs=stubs, now=NOW)


def _warn_undeclared_reads(actions: Sequence[Artifact], values: Mapping[str, str]) -> None:
    """A manifest Action that reads a given secret its entry does not declare runs without it,
    as deployed: say so, or equiv's DIFFERENT has no hint why (lint RK114 says the same)."""
    from ._lint import undeclared_secrets

    missing = sorted({name for a in actions for name, _ in undeclared_secrets(a)} & set(values))
    if missing:
        import warnings

        warnings.warn(f"the Action reads {', '.join(missing)} from event.secrets, but its "
                      "manifest entry does not declare it: it runs without it, as deployed "
                      "(secrets = [...] in rules_src/manifest.toml)", UserWarning, stacklevel=3)


def _run(runtime: Runtime, login: dict[str, Any]) -> Outcome:
    """The whole login, through any redirect (the user comes back): a Rule pipeline redirects
    after all rules and runs them all again; an Action flow suspends at the redirecting Action
    and resumes there. Compared after the return, both have decided everything."""
    if isinstance(runtime, ActionsRuntime):
        return runtime.run_through(to_action_shape(login))
    user, context = to_rule_shape(login)
    return runtime.run_through(user, context)


def check_equivalent(
    a: Side | Sequence[Artifact],
    b: Side | Sequence[Artifact],
    *,
    examples: int = DEFAULT_EXAMPLES,
    declared: Iterable[dict[str, Any]] = (),
    values: Mapping[str, str] | None = None,
    modules: str | Path | None = None,
    timeout: float = 5.0,
    seed: int | None = 0,
    stubs: Mapping[str, str] | None = None,
) -> EquivResult:
    """Run both sides on the declared logins, then on ``examples`` generated ones.

    Generated logins have Auth0's shapes and draw strings from the literals of both sides
    (role names, client ids, protocols), so the comparisons the code makes are exercised.
    The first disagreement is shrunk by Hypothesis to the smallest login it can find.
    """
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    from ._dictionary import dictionary_from, dictionary_of_values
    from .strategies import logins

    side_a = a if isinstance(a, Side) else Side("A", tuple(a))
    side_b = b if isinstance(b, Side) else Side("B", tuple(b))
    cross = side_a.kind != side_b.kind
    # The configuration / secrets values too: a legacy rule's data often lives there.
    dictionary = dictionary_from([*side_a.artifacts, *side_b.artifacts]) | \
        dictionary_of_values(values or {})
    result = EquivResult(a=side_a.label, b=side_b.label, dictionary=list(dictionary.strings))
    modules_dir = Path(modules) if modules is not None else None
    with _runtime(side_a, values or {}, modules_dir, timeout, stubs) as run_a, \
            _runtime(side_b, values or {}, modules_dir, timeout, stubs) as run_b:

        reached: set[str] = set()  # the verdicts either side gave on a login compared

        def differs(login: dict[str, Any]) -> tuple[Outcome, Outcome] | None:
            out_a, out_b = _run(run_a, login), _run(run_b, login)
            if out_a.error is not None and out_b.error is not None:
                result.both_failed += 1
                if result.first_error is None:
                    result.first_error = (f"{out_a.error.get('name')}: "
                                          f"{out_a.error.get('message')}")
            mine, theirs = decisions(out_a, out_b, login, cross)
            if mine != theirs:
                return out_a, out_b
            result.verdicts[out_a.verdict] = result.verdicts.get(out_a.verdict, 0) + 1
            reached.update((out_a.verdict, out_b.verdict))  # B's denial is A's error, say
            return None

        for login in declared:
            login = make_login(**login)
            result.compared += 1
            result.declared += 1
            found = differs(login)
            if found is not None:  # a declared login is shown as it was declared
                result.difference = Difference(login, *found, source="declared")
                return result

        if examples <= 0:
            return _finished(result, side_a, side_b, reached)
        last: list[Difference] = []
        # Realistic logins and the adversarial ones (roles as a string, null metadata, case
        # variants) where a port most often decides differently from its rule.
        strategy = st.one_of(logins(dictionary=dictionary),
                             logins(dictionary=dictionary, adversarial=True))

        @settings(max_examples=examples, database=None, deadline=None,
                  phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
        @given(st.data())
        def compare(data: st.DataObject) -> None:
            login = data.draw(strategy)
            result.compared += 1
            found = differs(login)
            if found is not None:
                last[:] = [Difference(login, *found, source="generated")]
                raise AssertionError("decisions differ")

        if seed is not None:  # the same seed, the same logins; another seed, others
            from hypothesis import seed as seed_with

            compare = seed_with(seed)(compare)

        try:
            compare()
        except AssertionError:
            if not last:
                raise
            result.difference = last[0]
        # Hypothesis shrinks toward its own simplest values (a city named "KP"): put back the
        # default login's wherever the decisions still differ without it.
        first = result.difference
        if first is not None:
            counted = dict(result.verdicts), result.both_failed, result.first_error
            shrunk = shrink_to_default(first.login, lambda trial: differs(trial) is not None,
                                       time.monotonic() + _SHRINK_SECONDS)
            again = differs(shrunk) if shrunk != first.login else None
            # the trials are not logins compared
            result.verdicts, result.both_failed, result.first_error = counted
            if again is not None:
                result.difference = Difference(shrunk, *again, source=first.source)
    return _finished(result, side_a, side_b, reached)


def _own_code(code: str) -> str:
    """The code that decides: in a draft of ``rulekit port``, the rule it wraps, not the
    adapter around it (which can deny and require MFA whatever the rule does)."""
    if "ported by rulekit from the legacy rule" not in code:
        return code
    start = code.find("  const rule = (\n")
    end = code.find("\n  );", start)
    return code[start:end] if 0 <= start < end else code


def _finished(result: EquivResult, a: Side, b: Side, reached: set[str]) -> EquivResult:
    """``result``, with what the code can decide and no compared login got from either side."""
    if result.difference is None:
        result.unreached = sorted(v for v in _can_decide([*a.artifacts, *b.artifacts])
                                  if v not in reached)
    return result


_SHRINK_SECONDS = 10.0  # putting back the default login's parts around a difference
_UNREACHED = {"denied": ("denied", "deny"), "mfa": ("asked for MFA", "require MFA")}


def _can_decide(artifacts: Sequence[Artifact]) -> set[str]:
    """What the code can decide besides letting a login through: "denied" (``.deny(...)``,
    ``UnauthorizedError``), "mfa" (``multifactor`` but the user's, ``.challengeWith...``,
    ``.enrollWith...``; ``?.`` too). Read from its tokens, so comments, the user's enrolled
    factors (``user.multifactor``) and a local ``deny`` list do not count."""
    from ._jslex import tokens_of

    found = set()
    for artifact in artifacts:
        tokens = tokens_of(_own_code(artifact.code))
        values = [token.value for token in tokens]
        for i, token in enumerate(tokens):
            if token.kind != "identifier":
                continue
            dotted = values[i - 1:i] in (["."], ["?."])
            owner = values[i - 2:i - 1]
            if token.value == "UnauthorizedError" or (token.value == "deny" and dotted):
                found.add("denied")  # a local `const deny = [...]` is no call on an object
            elif (token.value == "multifactor" and owner != ["user"]) or (
                    token.value in ("challengeWith", "challengeWithAny", "enrollWith",
                                    "enrollWithAny") and dotted):
                found.add("mfa")  # api.multifactor (or an alias of it), context.multifactor
    return found


def assert_equivalent(a: Side | Sequence[Artifact], b: Side | Sequence[Artifact],
                      **options: Any) -> EquivResult:
    """pytest helper: fail with the shrunk login and both outcomes when a and b disagree."""
    __tracebackhide__ = True
    result = check_equivalent(a, b, **options)
    if not result.proven:  # different, or never compared (every login failed on both sides)
        raise AssertionError(result.report())
    return result
