"""Properties of login code, each one line in a ``@given`` test.

``run`` is anything that turns a neutral login into an :class:`~toolkit.Outcome`: a
:class:`LoginRunner` (the ``rulekit_run`` fixture), or ``lambda login: run_login(runtime,
login, through=True)`` for a ``RulesRuntime`` / ``ActionsRuntime`` you hold::

    @given(data=st.data())
    def test_admins_always_get_mfa(rulekit_run, data):
        login = data.draw(logins(known_roles=["admin"], dictionary=rulekit_run.dictionary))
        assert_mfa_when(rulekit_run, login, has_role("admin"))

A failure raises :class:`PropertyFailed` (an ``AssertionError``) whose message has the login as
JSON (after Hypothesis shrank it, the smallest failing one), the expected and the actual
decision, and a regression test ready to paste into ``tests/rules/``.

"MFA required" means an ``mfa`` outcome whose provider is not ``"none"`` (an Action's
``api.multifactor.enable("none")`` turns MFA off). A login that is denied or fails never gets
through, so it satisfies the MFA properties (fail closed); errors have their own property.
"""

from __future__ import annotations

import copy
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

from ._login import ABSENT, MISSING, leaf_differences, make_login, shrink_to_default
from ._login_runner import LoginRunner, run_login
from ._outcome import Outcome

__all__ = [
    "LoginRunner",
    "Predicate",
    "PropertyFailed",
    "assert_callback_once",
    "assert_denied_only_when",
    "assert_denied_when",
    "assert_deterministic",
    "assert_mfa_monotonic",
    "assert_mfa_not_dropped",
    "assert_mfa_only_when",
    "assert_mfa_when",
    "assert_no_carryover",
    "assert_no_error",
    "email_domain",
    "has_role",
    "mfa_required",
    "run_login",
    "with_role",
]

Login = dict[str, Any]  # the neutral login model, as make_login() and logins() give it
Runner = Callable[[Login], Outcome]
Where = Literal["rbac", "app_metadata", "both"]


# ------------------------------------------------------------------------------ predicates
class Predicate:
    """A described condition on a login; combine with ``&``, ``|`` and ``~``."""

    def __init__(self, description: str, test: Callable[[Login], bool]) -> None:
        self.description = description
        self._test = test

    def __call__(self, login: Login) -> bool:
        return bool(self._test(login))

    def __and__(self, other: Predicate) -> Predicate:
        return Predicate(f"({self} & {other})", lambda login: self(login) and other(login))

    def __or__(self, other: Predicate) -> Predicate:
        return Predicate(f"({self} | {other})", lambda login: self(login) or other(login))

    def __invert__(self) -> Predicate:
        return Predicate(f"~{self}", lambda login: not self(login))

    def __repr__(self) -> str:
        return self.description


def _metadata_roles(login: Login) -> Any:
    user = login.get("user")
    metadata = user.get("app_metadata") if isinstance(user, dict) else None
    return metadata.get("roles") if isinstance(metadata, dict) else None


def has_role(*names: str, source: Literal["app_metadata", "rbac", "either"] = "app_metadata",
             single_string: bool = True) -> Predicate:
    """The login holds one of ``names``, compared exactly (case, whitespace, Unicode).

    ``source``: ``"app_metadata"`` (``user.app_metadata.roles``), ``"rbac"`` (the RBAC roles,
    ``context.authorization.roles`` / ``event.authorization.roles``) or ``"either"``.
    ``single_string``: a lone role stored as a string (``"roles": "admin"``) counts.
    """
    if not names or not all(isinstance(n, str) for n in names):
        raise TypeError(f"has_role() needs role names (strings), got {names!r}")
    if source not in ("app_metadata", "rbac", "either"):
        raise ValueError(f"has_role(source={source!r}): use 'app_metadata', 'rbac' or 'either'")
    wanted = frozenset(names)

    def in_metadata(login: Login) -> bool:
        roles = _metadata_roles(login)
        if isinstance(roles, str):
            return single_string and roles in wanted
        return isinstance(roles, list) and any(isinstance(r, str) and r in wanted for r in roles)

    def in_rbac(login: Login) -> bool:
        roles = login.get("roles")
        return isinstance(roles, list) and any(isinstance(r, str) and r in wanted for r in roles)

    test = {"app_metadata": in_metadata, "rbac": in_rbac,
            "either": lambda login: in_metadata(login) or in_rbac(login)}[source]
    shown = ", ".join(repr(n) for n in names)
    return Predicate(f"has_role({shown}, source={source!r})", test)


def email_domain(*domains: str, subdomains: bool = False) -> Predicate:
    """The user's email is at one of ``domains`` (``"blocked.example"``; ``subdomains=True``:
    also ``mail.blocked.example``). Domains are compared as DNS compares them, without regard
    to case, and spaces around the email are ignored: ``" Eve@Blocked.Example "`` is at
    ``blocked.example``. A user with no email, or not a string, is at no domain."""
    if not domains or not all(isinstance(d, str) and d.strip(" .@") for d in domains):
        raise TypeError(f"email_domain() needs domain names (strings), got {domains!r}")
    wanted = tuple(d.strip().lstrip("@").rstrip(".").lower() for d in domains)

    def test(login: Login) -> bool:
        user = login.get("user")
        email = user.get("email") if isinstance(user, dict) else None
        if not isinstance(email, str) or "@" not in email:
            return False
        domain = email.strip().rsplit("@", 1)[1].rstrip(".").lower()
        return any(domain == d or (subdomains and domain.endswith("." + d)) for d in wanted)

    shown = ", ".join(repr(d) for d in domains)
    return Predicate(f"email_domain({shown}{', subdomains=True' if subdomains else ''})", test)


def with_role(login: Login, role: str, where: Where = "both") -> dict[str, Any]:
    """A copy of ``login`` that also holds ``role``: in the RBAC roles and/or in
    ``user.app_metadata.roles`` (a lone string role becomes a list of both; missing or null
    app_metadata gets one). Roles of another type are left alone: adding to them would remove."""
    result = copy.deepcopy(dict(login))
    if where in ("rbac", "both"):
        rbac = result.get("roles")
        result["roles"] = [*rbac, role] if isinstance(rbac, list) else [role]
        if isinstance(rbac, list) and role in rbac:
            result["roles"] = rbac
    if where in ("app_metadata", "both") and isinstance(result.get("user"), dict):
        user = result["user"]
        metadata = user.get("app_metadata")
        if not isinstance(metadata, dict):
            user["app_metadata"] = {"roles": [role]}
        elif "roles" not in metadata or metadata["roles"] is None:
            metadata["roles"] = [role]
        elif isinstance(metadata["roles"], str):
            metadata["roles"] = [metadata["roles"], role]
        elif isinstance(metadata["roles"], list):
            metadata["roles"] = [*metadata["roles"], role]
    return result


def mfa_required(outcome: Outcome) -> bool:
    """The login asks for MFA (provider ``"none"`` is an Action turning MFA off)."""
    return outcome.mfa is not None and outcome.mfa.get("provider") != "none"


def _gets_through_without_mfa(outcome: Outcome) -> bool:
    return outcome.allowed and not mfa_required(outcome)


# --------------------------------------------------------------------------- failure report
class PropertyFailed(AssertionError):
    """A property did not hold. ``.login``, ``.expected``, ``.actual``, ``.regression``."""

    def __init__(self, prop: str, message: str, login: Login, expected: str, actual: str,
                 regression: str) -> None:
        self.property = prop
        self.login = dict(login)
        self.expected = expected
        self.actual = actual
        self.regression = regression
        super().__init__(message)


def _py(value: Any, indent: int = 0, width: int = 96) -> str:
    """A Python literal for JSON-like data; non-ASCII written as escapes (look-alikes show)."""
    if value is ABSENT:
        return "ABSENT"
    if isinstance(value, str):
        return ascii(value)
    if isinstance(value, bool | int | float) or value is None:
        return repr(value)
    if isinstance(value, dict):
        items = [f"{ascii(k) if isinstance(k, str) else repr(k)}: {_py(v, indent + 4, width)}"
                 for k, v in value.items()]
        opening, closing = "{", "}"
    else:
        items = [_py(v, indent + 4, width) for v in value]
        opening, closing = "[", "]"
    flat = opening + ", ".join(items) + closing
    if len(flat) + indent <= width and "\n" not in flat:
        return flat
    pad = " " * (indent + 4)
    return opening + "\n" + "".join(f"{pad}{item},\n" for item in items) + " " * indent + closing


_MAX_ASSIGNMENTS = 4  # fields of one part set one by one; more: the part is written whole


def _login_expression(login: Login) -> tuple[str, set[str]]:
    """``make_login(...)`` giving ``login``, naming only what differs from the defaults; a
    part that differs in a few fields gets them as assignments on the following lines."""
    default = make_login()
    # What make_login(user=...) fills in for this user (its identity's connection): a part is
    # written only where the login differs from that, so the expression rebuilds the login.
    derived = make_login(user=login["user"]) if isinstance(login.get("user"), dict) else default
    used = {"make_login"}
    parts: list[str] = []
    statements: list[str] = []
    for key, value in login.items():
        base = default if key == "user" else derived
        if key in base and value == base[key]:
            continue
        if key == "user" and isinstance(value, dict):
            base = default["user"]
            changed = {k: v for k, v in value.items() if base.get(k, ABSENT) != v}
            changed.update({k: ABSENT for k in base if k not in value})
            if all(k.isidentifier() for k in changed):
                used.add("make_user")
                if any(v is ABSENT for v in changed.values()):
                    used.add("ABSENT")
                user_args = [f"{k}={_py(v, 12)}" for k, v in changed.items()]
                flat = ", ".join(user_args)
                if len(flat) <= 70 and "\n" not in flat:
                    parts.append(f"user=make_user({flat})")
                else:
                    inner = "".join(f"            {arg},\n" for arg in user_args)
                    parts.append(f"user=make_user(\n{inner}        )")
                continue
        leaves = leaf_differences(value, derived.get(key, MISSING), (key,))
        if (isinstance(value, dict) and isinstance(derived.get(key), dict)
                and len(leaves) <= _MAX_ASSIGNMENTS):
            # A part that differs in a few fields: those fields, assigned after make_login()
            # (the whole part would bury the one field that matters).
            for path, leaf in leaves:
                target = "login" + "".join(f"[{k!r}]" for k in path)
                statements.append(f"del {target}" if leaf is MISSING
                                  else f"{target} = {_py(leaf, 4)}")
            continue
        parts.append(f"{key}={_py(value, 8)}" if key.isidentifier() else "")
    joined = ",\n        ".join(p for p in parts if p)
    expression = f"make_login(\n        {joined},\n    )" if joined else "make_login()"
    return "\n    ".join([expression, *statements]), used


def _regression(prop: str, login: Login, checks: list[str], extra_imports: Iterable[str] = (),
                toolkit_imports: Iterable[str] = (), identity: Any = None,
                kind: str | None = None) -> str:
    """A test that replays the failure. It is marked with the kind of code it failed in
    (``rulekit_kinds``): pasted next to a pipeline with entries of one kind only, it would
    otherwise run, and fail, for the other kind too. The kind is in its name, so the tests
    of one bug found in both kinds can be pasted side by side."""
    expression, used = _login_expression(login)
    used |= set(toolkit_imports)
    named = login if identity is None else identity  # what makes the test's name unique
    digest = hashlib.sha256(json.dumps(named, sort_keys=True, default=repr).encode()).hexdigest()
    toolkit_names = ", ".join(sorted(used))
    prop_names = ", ".join(sorted({"LoginRunner", *extra_imports}))
    body = "\n".join(f"    {line}" for line in checks)
    marker = f"@pytest.mark.rulekit_kinds({kind!r})\n" if kind in ("rule", "action") else ""
    named_kind = f"{kind}_" if marker else ""
    return ("import pytest\n\n" * bool(marker)
            + f"from toolkit import {toolkit_names}\n"
            f"from toolkit.properties import {prop_names}\n\n\n"
            f"{marker}def test_{prop}_regression_{named_kind}{digest[:8]}"
            "(rulekit_run: LoginRunner) -> None:\n"
            f"    login = {expression}\n{body}\n")


def _minimal(run: Runner, login: Login, outcome: Outcome,
             fails: Callable[[Login, Outcome], bool]) -> tuple[Login, Outcome]:
    """The failing login with every part that does not matter put back to the default, so the
    report and the regression test name only what makes it fail. Done on Hypothesis's final
    replay (not on each try while it shrinks), or outside Hypothesis; a few seconds at most."""
    try:
        from hypothesis.control import current_build_context

        if not current_build_context().is_final:
            return login, outcome
    except Exception:  # no Hypothesis test running: a plain call
        pass

    def still(trial: Login) -> bool:
        try:
            return fails(trial, run(trial))
        except Exception:  # a trial the code cannot run is not the same failure
            return False

    smaller = shrink_to_default(dict(login), still, deadline=time.monotonic() + 5.0)
    return (login, outcome) if smaller == login else (smaller, run(smaller))


def _fail(prop: str, headline: str, login: Login, expected: str, actual: str,
          checks: list[str], extra_imports: Iterable[str] = (),
          toolkit_imports: Iterable[str] = (), context: Sequence[str] = (),
          identity: Any = None, found: Login | None = None,
          kind: str | None = None) -> PropertyFailed:
    regression = _regression(prop, login, checks, extra_imports, toolkit_imports, identity, kind)
    shown = json.dumps(login, indent=2, ensure_ascii=True, default=repr)
    reduced = []
    if found is not None and found != login:
        # The reduction keeps a reset while the property still fails: usually the same cause,
        # but a default value can trip another bug; the login that failed first is shown too.
        reduced = ["The login as it failed, before the fields that did not matter were put back "
                   "to the default (if the two differ in cause, both are bugs):",
                   json.dumps(found, indent=2, ensure_ascii=True, default=repr), ""]
    message = "\n".join([
        headline,
        f"  expected: {expected}",
        f"  actual:   {actual}",
        "",
        "Login (neutral model; after shrinking, the smallest failing one found):",
        shown,
        "",
        *reduced,
        *context,
        "Regression test, ready to paste into tests/rules/:",
        "",
        regression,
    ])
    return PropertyFailed(prop, message, login, expected, actual, regression)


# ------------------------------------------------------------------------------ properties
def assert_mfa_when(run: Runner, login: Login, predicate: Callable[[Login], bool]) -> Outcome:
    """Whenever ``predicate(login)`` holds, the login does not get through without MFA."""
    __tracebackhide__ = True
    outcome = run(login)
    if predicate(login) and _gets_through_without_mfa(outcome):
        found = login
        login, outcome = _minimal(run, login, outcome, lambda trial, out: predicate(trial)
                                  and _gets_through_without_mfa(out))
        raise _fail("mfa_when", f"MFA not required, but the login satisfies {predicate!r}", login,
                    "MFA required (or the login blocked)", outcome.summary(),
                    ["assert mfa_required(rulekit_run(login))"], ["mfa_required"], found=found,
                    kind=outcome.kind)
    return outcome


def assert_mfa_only_when(run: Runner, login: Login, predicate: Callable[[Login], bool]
                         ) -> Outcome:
    """MFA is required only for logins where ``predicate(login)`` holds."""
    __tracebackhide__ = True
    outcome = run(login)
    if mfa_required(outcome) and not predicate(login):
        found = login
        login, outcome = _minimal(run, login, outcome, lambda trial, out: mfa_required(out)
                                  and not predicate(trial))
        raise _fail("mfa_only_when", f"MFA required, but the login does not satisfy {predicate!r}",
                    login, "no MFA", outcome.summary(),
                    ["assert not mfa_required(rulekit_run(login))"], ["mfa_required"],
                    found=found, kind=outcome.kind)
    return outcome


def assert_denied_only_when(run: Runner, login: Login, predicate: Callable[[Login], bool]
                            ) -> Outcome:
    """No login is denied unless ``predicate(login)`` holds."""
    __tracebackhide__ = True
    outcome = run(login)
    if outcome.denied is not None and not predicate(login):
        found = login
        login, outcome = _minimal(run, login, outcome, lambda trial, out: out.denied is not None
                                  and not predicate(trial))
        raise _fail("denied_only_when", f"login denied, but it does not satisfy {predicate!r}",
                    login, "not denied", outcome.summary(),
                    ["assert rulekit_run(login).denied is None"], found=found,
                    kind=outcome.kind)
    return outcome


def assert_denied_when(run: Runner, login: Login, predicate: Callable[[Login], bool]
                       ) -> Outcome:
    """Whenever ``predicate(login)`` holds, the login does not get through: it is denied (a
    login that fails with an error is stopped too, and satisfies this, fail closed; check
    errors with :func:`assert_no_error`)."""
    __tracebackhide__ = True
    outcome = run(login)
    if predicate(login) and outcome.allowed:
        found = login
        login, outcome = _minimal(run, login, outcome, lambda trial, out: predicate(trial)
                                  and out.allowed)
        raise _fail("denied_when", f"login not denied, but it satisfies {predicate!r}", login,
                    "denied", outcome.summary(),
                    ["assert rulekit_run(login).denied is not None"], found=found,
                    kind=outcome.kind)
    return outcome


def assert_no_error(run: Runner, login: Login) -> Outcome:
    """The code runs to a decision: no exception, time limit, memory limit or callback misuse.
    Auth0 failing a silent login (prompt=none) that needs MFA or a redirect is its answer, not
    an error of the code (``Outcome.silent_login_refused``)."""
    __tracebackhide__ = True
    outcome = run(login)
    if outcome.error is not None and not outcome.silent_login_refused:
        where = f" at {outcome.error['at']}" if outcome.error.get("at") else ""
        raise _fail("no_error", f"the login failed with an error{where}", login,
                    "a decision (allowed, MFA or denied), no error", outcome.summary(),
                    ["assert rulekit_run(login).error is None"], kind=outcome.kind)
    return outcome


def assert_callback_once(run: Runner, login: Login) -> Outcome:
    """Every rule calls its callback exactly once (never twice, never not at all)."""
    __tracebackhide__ = True
    outcome = run(login)
    if outcome.error is not None and outcome.error.get("name") == "CallbackError":
        raise _fail("callback_once", "a rule did not call its callback exactly once", login,
                    "callback called once by every rule", outcome.summary(),
                    ['assert (rulekit_run(login).error or {}).get("name") != "CallbackError"'],
                    kind=outcome.kind)
    return outcome


def _comparable(outcome: Outcome) -> dict[str, Any]:
    # Logs may carry timestamps; everything that decides or changes something must agree.
    return {k: v for k, v in outcome.to_dict().items() if k != "logs"}


def assert_deterministic(run: Runner, login: Login, *, times: int = 2) -> Outcome:
    """Running the same login again gives the same outcome (logs aside)."""
    __tracebackhide__ = True
    first = run(login)
    for _ in range(times - 1):
        again = run(login)
        if _comparable(again) != _comparable(first):
            raise _fail("deterministic", "the same login gave two different outcomes", login,
                        first.summary(), again.summary(),
                        ["assert_deterministic(rulekit_run, login, times=10)"],
                        ["assert_deterministic"], kind=first.kind)
    return first


def assert_mfa_monotonic(run: Runner, login: Login, role: str | Iterable[str], *,
                         where: Where = "both") -> Outcome:
    """Adding a role (each of ``role``, if several) to a login that gets MFA never lets it
    through without MFA. Pass the dictionary's words too to try every name the code knows."""
    __tracebackhide__ = True
    before = run(login)
    if not mfa_required(before):
        return before
    candidates = [role] if isinstance(role, str) else list(dict.fromkeys(role))
    for extra in candidates:
        after = run(with_role(login, extra, where))
        if _gets_through_without_mfa(after):
            found = login
            login, before = _minimal(run, login, before, _loses_mfa_with(run, extra, where))
            after = run(with_role(login, extra, where))
            raise _fail("mfa_monotonic", f"adding the role {extra!r} ({where}) removed MFA",
                        login, "MFA still required", after.summary(),
                        ["assert mfa_required(rulekit_run(login))",
                         f"assert mfa_required(rulekit_run(with_role(login, {extra!a}, {where!r})))"],
                        ["mfa_required", "with_role"], found=found, kind=after.kind)
    return before


def _loses_mfa_with(run: Runner, role: str, where: Where) -> Callable[[Login, Outcome], bool]:
    """The failure of assert_mfa_monotonic on a trial: MFA, and none once ``role`` is added."""
    def fails(trial: Login, outcome: Outcome) -> bool:
        return mfa_required(outcome) and _gets_through_without_mfa(
            run(with_role(trial, role, where)))
    return fails


def assert_mfa_not_dropped(run: LoginRunner, login: Login, *, by: str | Iterable[str] | None = None
                           ) -> Outcome:
    """No rule in ``by`` (default: every rule) removes MFA that the rest of the pipeline
    requires: if the pipeline without that rule asks for MFA, the whole pipeline does too."""
    __tracebackhide__ = True
    if not isinstance(run, LoginRunner):
        raise TypeError(f"assert_mfa_not_dropped needs a LoginRunner (the rulekit_run fixture) "
                        f"to run the pipeline without a rule; got {run!r}")
    names: list[str] = run.names if by is None else [by] if isinstance(by, str) else list(by)
    outcome = run(login)
    if not _gets_through_without_mfa(outcome):
        return outcome
    for name in names:
        without = run.without(name)
        if mfa_required(without(login)):
            found = login
            login, outcome = _minimal(run, login, outcome, _drops_mfa(without))
            raise _fail("mfa_not_dropped", f"{run.kind} '{name}' dropped the MFA that the rest "
                        f"of the pipeline requires", login, "MFA required",
                        outcome.summary(), ["assert mfa_required(rulekit_run(login))"],
                        ["mfa_required"], found=found, kind=run.kind)
    return outcome


def _drops_mfa(without: LoginRunner) -> Callable[[Login, Outcome], bool]:
    """The failure of assert_mfa_not_dropped on a trial: through without MFA, while the
    pipeline ``without`` the rule asks for it."""
    def fails(trial: Login, outcome: Outcome) -> bool:
        return _gets_through_without_mfa(outcome) and mfa_required(without(trial))
    return fails


def assert_no_carryover(run: LoginRunner, earlier: Sequence[Login], login: Login) -> Outcome:
    """``login`` gets the same outcome after the ``earlier`` logins in the same container as in
    a new container (logs aside). Auth0 serves many logins from one container: a Rule's
    ``global``, an Action's module-level variables and its ``api.cache`` keep what earlier
    logins left there, so code that caches a decision in them can hand one user's decision
    (no MFA) to the next. Runs ``run``'s pipeline with ``warm=True`` (see ``LoginRunner.warm``).
    """
    __tracebackhide__ = True
    if not isinstance(run, LoginRunner):
        raise TypeError(f"assert_no_carryover needs a LoginRunner (the rulekit_run fixture) to "
                        f"run logins in one container; got {run!r}")
    container = run.warm()
    container.reset_container()
    alone = container(login)
    container.reset_container()
    for other in earlier:
        container(other)
    after = container(login)
    if _comparable(after) != _comparable(alone):
        expressions = [_login_expression(other) for other in earlier]
        listed = "".join(f"        {expression.replace(chr(10), chr(10) + '    ')},\n"
                         for expression, _ in expressions)
        names = {name for _, used in expressions for name in used}
        raise _fail("no_carryover", f"the outcome changed after {len(earlier)} earlier login(s) "
                    f"in the same container ({run.kind} state carried over)", login,
                    alone.summary() + " (in a new container)", after.summary(),
                    [f"earlier = [\n{listed}    ]", "assert_no_carryover(rulekit_run, earlier, login)"],
                    ["assert_no_carryover"], names,
                    [f"The {len(earlier)} earlier login(s) are in the regression test below.", ""],
                    identity=[list(earlier), login], kind=run.kind)
    return after
