"""Properties of the example rule, checked on generated logins (Hypothesis).

The spec: a user whose ``app_metadata.roles`` holds ``ai_system_admin`` (exactly; a lone
string role counts) must pass MFA on every login, on every protocol; nobody else is asked;
nobody is denied; the pipeline never errors. Logins are drawn with the public strategies,
with the literals of the code under test as a dictionary and adversarial values mixed in.

``tests/rules/test_fuzzing_finds_bypasses.py`` runs these same tests against deliberately
broken rules and checks each one is caught: keep every test here ``@given(data=st.data())``
with ``rulekit_run`` as its only fixture.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from toolkit.properties import (
    LoginRunner,
    Predicate,
    assert_callback_once,
    assert_denied_only_when,
    assert_deterministic,
    assert_mfa_monotonic,
    assert_mfa_not_dropped,
    assert_mfa_only_when,
    assert_mfa_when,
    assert_no_carryover,
    assert_no_error,
    has_role,
)
from toolkit.strategies import logins, roles

ROLE = "ai_system_admin"  # the tenant's declared role that requires MFA
HOLDS_ROLE = has_role(ROLE, source="app_metadata")
NOBODY = Predicate("nobody", lambda login: False)


def draw_login(run: LoginRunner, data: st.DataObject, holding: bool | None = None
               ) -> dict[str, Any]:
    """A login whose strings include the code's literals; adversarial values mixed in.
    ``holding`` builds the premise of a property: holders of ROLE only, or nobody holding it."""
    strategy = logins(known_roles=[ROLE], dictionary=run.dictionary, adversarial=True,
                      holding=holding)
    return data.draw(strategy, label="login")


@given(data=st.data())
def test_role_holders_always_get_mfa(rulekit_run: LoginRunner, data: st.DataObject) -> None:
    login = draw_login(rulekit_run, data, holding=True)
    assert_mfa_when(rulekit_run, login, HOLDS_ROLE)


@given(data=st.data())
def test_only_role_holders_get_mfa(rulekit_run: LoginRunner, data: st.DataObject) -> None:
    login = draw_login(rulekit_run, data, holding=False)
    assert_mfa_only_when(rulekit_run, login, HOLDS_ROLE)


@given(data=st.data())
def test_never_errors(rulekit_run: LoginRunner, data: st.DataObject) -> None:
    assert_no_error(rulekit_run, draw_login(rulekit_run, data))


@pytest.mark.rulekit_kinds("rule")  # an Action has no callback: for Rules only
@given(data=st.data())
def test_every_rule_calls_back_once(rulekit_run: LoginRunner, data: st.DataObject) -> None:
    assert_callback_once(rulekit_run, draw_login(rulekit_run, data))


@given(data=st.data())
def test_nobody_is_denied(rulekit_run: LoginRunner, data: st.DataObject) -> None:
    assert_denied_only_when(rulekit_run, draw_login(rulekit_run, data), NOBODY)


@given(data=st.data())
def test_same_login_same_outcome(rulekit_run: LoginRunner, data: st.DataObject) -> None:
    assert_deterministic(rulekit_run, draw_login(rulekit_run, data))


@given(data=st.data())
def test_adding_a_role_never_removes_mfa(rulekit_run: LoginRunner, data: st.DataObject) -> None:
    role = data.draw(roles(dictionary=rulekit_run.dictionary, adversarial=True), label="role")
    words = rulekit_run.dictionary.strings  # every literal of the code is a candidate role
    assert_mfa_monotonic(rulekit_run, draw_login(rulekit_run, data, holding=True), [role, *words])


@given(data=st.data())
def test_no_rule_drops_mfa(rulekit_run: LoginRunner, data: st.DataObject) -> None:
    assert_mfa_not_dropped(rulekit_run, draw_login(rulekit_run, data, holding=True))


@given(data=st.data())
def test_earlier_logins_do_not_change_the_outcome(rulekit_run: LoginRunner,
                                                  data: st.DataObject) -> None:
    # Auth0 serves many logins from one container: a Rule's `global` (an Action's module state
    # and api.cache) keeps what earlier logins left. A role holder's outcome must not depend on
    # it, whoever logged in before: other users, or the same user (the commonest history).
    login = draw_login(rulekit_run, data, holding=True)
    others = logins(known_roles=[ROLE], dictionary=rulekit_run.dictionary, adversarial=True)
    earlier = data.draw(st.lists(st.just(login) | others, min_size=1, max_size=3), label="earlier")
    assert_no_carryover(rulekit_run, earlier, login)
