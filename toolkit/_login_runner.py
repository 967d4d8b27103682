"""Run neutral logins through Rules or Actions: one callable ``login -> Outcome`` for both."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

from ._actions import ActionsRuntime
from ._dictionary import Dictionary, dictionary_from
from ._login import LOGIN_KEYS, to_action_shape, to_rule_shape
from ._outcome import Outcome
from ._render import Artifact
from ._rules import RulesRuntime
from .errors import InputError

__all__ = ["LoginRunner", "run_login", "run_logins"]

Kind = Literal["rule", "action"]
Runtime = RulesRuntime | ActionsRuntime


def _neutral(login: Any) -> dict[str, Any]:
    """``login`` as a dict of neutral login fields, or an InputError saying what it is."""
    if not isinstance(login, Mapping):
        hint = (" (declared_logins() gives (label, login) pairs: pass the login)"
                if isinstance(login, tuple) and len(login) == 2 else "")
        raise InputError(f"a login must be a neutral login (a dict, make_login()), got "
                         f"{type(login).__name__}{hint}")
    unknown = sorted(set(login) - LOGIN_KEYS)
    if unknown:
        raise InputError(f"not a neutral login: unknown field {unknown[0]!r} (fields: "
                         f"{', '.join(sorted(LOGIN_KEYS))})")
    return dict(login)


def run_login(runtime: Runtime, login: Mapping[str, Any], *, through: bool = False) -> Outcome:
    """Project a neutral login to the runtime's shape (Rule: user + context; Action: event) and
    run it. ``through=True``: a login that redirects is followed through the user's return
    (``run_through``), so its outcome is the whole login's."""
    if isinstance(runtime, ActionsRuntime):
        event = to_action_shape(_neutral(login))  # the harness sets event.secrets
        outcome = runtime.run(event)
        if through and outcome.extra.get("suspended"):
            return runtime.run_through(event, first=outcome)
        return outcome
    user, context = to_rule_shape(_neutral(login))
    outcome = runtime.run(user, context)
    if through and outcome.redirect is not None and outcome.allowed:
        return runtime.run_through(user, context, first=outcome)
    return outcome


def run_logins(runtime: Runtime, logins: Iterable[Mapping[str, Any]], *,
               through: bool = False) -> list[Outcome]:
    """:func:`run_login` for many logins with few calls into V8 (``run_batch``): the same
    outcomes as one by one, in order. ``through=True``: a login that redirects is run through
    the user's return (``run_through``), so its outcome is the whole login's."""
    if through and runtime.warm:
        # one container: each login's return before the next login, as one by one
        return [run_login(runtime, login, through=True) for login in logins]
    if isinstance(runtime, ActionsRuntime):
        events = [to_action_shape(_neutral(login)) for login in logins]
        outcomes = runtime.run_batch(events)
        if through:
            outcomes = [runtime.run_through(event, first=outcome) if outcome.extra.get("suspended")
                        else outcome
                        for event, outcome in zip(events, outcomes, strict=True)]
        return outcomes
    pairs = [to_rule_shape(_neutral(login)) for login in logins]
    outcomes = runtime.run_batch(pairs)
    if through:
        outcomes = [runtime.run_through(*pair, first=outcome) if outcome.redirect and outcome.allowed
                    else outcome for pair, outcome in zip(pairs, outcomes, strict=True)]
    return outcomes


class LoginRunner:
    """A pipeline of Rules (or a flow of Actions) as a callable: ``runner(login) -> Outcome``.

    V8 starts on the first call. ``values`` are the Rules' ``configuration`` or the Actions'
    ``secrets``; other keyword arguments go to the runtime (``modules``, ``stubs``,
    ``timeout``, ``now``, ...). ``without(name)`` is the same pipeline less one entry, which
    is how "this rule never drops MFA" is checked. Close it (or use ``with``) when done.
    """

    def __init__(self, artifacts: Sequence[Artifact], *, kind: Kind | None = None,
                 values: Mapping[str, str] | None = None, through: bool = True,
                 **options: Any) -> None:
        self.artifacts: tuple[Artifact, ...] = tuple(artifacts)
        # A login that redirects is followed through the user's return (run_through): a
        # property judges the whole login, not a first leg that waits for the user (a
        # newcomer's redirect before the MFA Action read as "ALLOWED without MFA").
        self.through = through
        detected = self.artifacts[0].kind if self.artifacts else "rule"
        self.kind: Kind = kind or detected
        self.values = dict(values or {})
        if options.get("factors") is not None:  # kept for the runners derived from this one
            options["factors"] = tuple(options["factors"])
        self.options = options
        self._runtime: Runtime | None = None
        self._without: dict[str, LoginRunner] = {}
        self._warm: LoginRunner | None = None
        self._dictionary: Dictionary | None = None
        self._tenant: Path | None = None  # the tenant model next to the manifest, if any

    @classmethod
    def from_manifest(cls, manifest: str | Path, *, kind: Kind = "rule",
                      values: Mapping[str, str] | None = None, **options: Any) -> LoginRunner:
        """The manifest's enabled Rules (or Actions), rendered in memory, in order."""
        from ._ruleset import load_actions, load_rules

        artifacts = load_rules(manifest) if kind == "rule" else load_actions(manifest)
        tenant = Path(manifest).parent / "tenant.toml"
        if kind == "action" and "factors" not in options:
            from ._tenant import tenant_factors

            options["factors"] = tenant_factors(Path(manifest))  # challengeWith ignores others
        runner = cls(artifacts, kind=kind, values=values, **options)
        runner._tenant = tenant if tenant.is_file() else None
        return runner

    @property
    def names(self) -> list[str]:
        return [artifact.name for artifact in self.artifacts]

    @property
    def dictionary(self) -> Dictionary:
        """The literals of this pipeline's code, for ``logins(dictionary=...)``."""
        if self._dictionary is None:
            self._dictionary = dictionary_from(self.artifacts)
            if self._tenant is not None:  # the tenant's declared roles are role names too
                from ._tenant import load_tenant

                self._dictionary |= Dictionary.of(roles=load_tenant(self._tenant).role_names)
        return self._dictionary

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            if self.kind == "action" and "management_api_fails" in self.options:
                raise InputError("management_api_fails is for Rules (auth0.users.update*Metadata)"
                                 ": an Action has no management client")
            if self.kind == "action":
                self._runtime = ActionsRuntime(self.artifacts, secrets=self.values, **self.options)
            else:
                self._runtime = RulesRuntime(self.artifacts, configuration=self.values,
                                             **self.options)
        return self._runtime

    def __call__(self, login: Mapping[str, Any]) -> Outcome:
        return run_login(self.runtime, login, through=self.through)

    def many(self, logins: Iterable[Mapping[str, Any]]) -> list[Outcome]:
        """One Outcome per login, in order, evaluated in batches (much faster than one call
        per login). Draw ``st.lists(logins(...))`` and check them all in one go: Hypothesis
        still shrinks a failing list down to the one login that fails."""
        return run_logins(self.runtime, logins, through=self.through)

    def without(self, name: str) -> LoginRunner:
        """The same pipeline without the entry called ``name`` (kept open until ``close()``)."""
        if name not in self.names:
            raise ValueError(f"no {self.kind} named {name!r} in this pipeline (it has: "
                             f"{', '.join(self.names) or 'nothing'})")
        found = self._without.get(name)
        if found is None:
            rest = [a for a in self.artifacts if a.name != name]
            # the secrets only the removed entry declares are not "given but declared by no
            # entry" (a warning, an error under -W error, in assert_mfa_not_dropped)
            values = (ActionsRuntime.declared_values(rest, self.values) if self.kind == "action"
                      else self.values)
            found = LoginRunner(rest, kind=self.kind, values=values, through=self.through,
                                **self.options)
            self._without[name] = found
        return found

    def warm(self) -> LoginRunner:
        """The same pipeline running every login in one container (``warm=True``: a Rule's
        ``global``, an Action's module state and ``api.cache`` carry over). This runner itself
        if it is warm already; kept open until ``close()``. The container lives as long as the
        runner, across tests when the runner is the session's ``rulekit_run``: call
        ``reset_container()`` first for a known start (``assert_no_carryover`` does)."""
        if self.options.get("warm"):
            return self
        if self._warm is None:
            self._warm = LoginRunner(self.artifacts, kind=self.kind, values=self.values,
                                     through=self.through,
                                     **{**self.options, "warm": True})
        return self._warm

    def reset_container(self) -> None:
        """Forget what earlier logins left in the container (only matters with ``warm``)."""
        if self._runtime is not None:
            self._runtime.reset_container()

    def close(self) -> None:
        """Release every V8 engine this runner started. Safe to call more than once."""
        for other in self._without.values():
            other.close()
        self._without.clear()
        if self._warm is not None:
            self._warm.close()
            self._warm = None
        if self._runtime is not None:
            self._runtime.close()
            self._runtime = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"LoginRunner({self.kind}s: {', '.join(self.names) or 'none'})"
