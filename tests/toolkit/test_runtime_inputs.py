"""Misused inputs get an InputError naming what is wrong, never a traceback from inside."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from toolkit import ActionsRuntime, RulesRuntime, make_login, make_user
from toolkit._login import to_action_shape, to_rule_shape
from toolkit._render import Artifact
from toolkit.errors import InputError

RULE = Artifact("r", "function (user, context, callback) { callback(null, user, context); }")
ACTION = Artifact("a", "exports.onExecutePostLogin = async (event, api) => {};", kind="action")


@pytest.mark.parametrize(("make", "message"), [
    (lambda: RulesRuntime([RULE], configuration="abc"),  # type: ignore[arg-type]
     "configuration: must map names to strings"),
    (lambda: ActionsRuntime([ACTION], secrets=["x"]),  # type: ignore[arg-type]
     "secrets: must map names to strings"),
    (lambda: ActionsRuntime([ACTION], timeout="5"), "timeout must be a positive, finite number"),
    (lambda: RulesRuntime([RULE], timeout=0), "timeout must be a positive, finite number"),
    # an endless loop would hang for good (a newcomer's `--timeout inf`)
    (lambda: RulesRuntime([RULE], timeout=float("inf")), "timeout must be a positive, finite"),
    (lambda: RulesRuntime([RULE], modules="/nonexistent/node_modules"), "modules: not a folder"),
])
def test_bad_runtime_options(make: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        make()


def test_bad_logins_are_input_errors() -> None:
    with RulesRuntime([RULE]) as rules, ActionsRuntime([ACTION]) as actions:
        with pytest.raises(InputError, match=r"iter_batch\) takes \(user, context\) pairs; "
                                             "login 2 is NoneType"):
            rules.run_batch([(make_user(), None), None])  # type: ignore[list-item]
        # which login of the batch, for iter_batch too
        with pytest.raises(InputError, match=r"^batch login 3: a Rule's user must be a JSON "
                                             "object"):
            list(rules.iter_batch([({}, {}), ({}, {}), ("bob", {})]))  # type: ignore[list-item]
        with pytest.raises(InputError, match=r"^batch login 2: an Action's event must be a JSON "
                                             "object"):
            actions.run_batch([{}, 5])  # type: ignore[list-item]
        with pytest.raises(InputError, match="event must be a JSON object"):
            actions.run("x")  # type: ignore[arg-type]
        with pytest.raises(InputError, match="must be JSON data"):
            actions.run({"user": {"tags": {"a", "b"}}})
        with pytest.raises(InputError, match="timeout must be a positive, finite number"):
            rules.run(timeout="5")  # type: ignore[arg-type]


def test_a_neutral_login_is_refused_where_a_user_or_an_event_goes() -> None:
    # A neutral login taken as a Rule's user has no app_metadata at the top: an admin passed
    # this way got "ALLOWED without MFA" instead of an error.
    login = make_login(user=make_user(app_metadata={"roles": ["admin"]}), roles=["x"],
                       protocol="oauth2-refresh-token")
    with RulesRuntime([RULE]) as rules, ActionsRuntime([ACTION]) as actions:
        with pytest.raises(InputError, match="to_rule_shape"):
            rules.run(login)
        with pytest.raises(InputError, match="to_action_shape"):
            actions.run(login)
        with pytest.raises(InputError, match="to_action_shape"):
            actions.run_batch([to_action_shape(login), login])
        assert rules.run(*to_rule_shape(login)).verdict == "allowed"
        assert actions.run(to_action_shape(login)).verdict == "allowed"


def test_odd_login_parts_project_without_a_traceback() -> None:
    for session in ({"clients": None}, {"clients": 5}):
        _, context = to_rule_shape(make_login(session=session))
        assert context["sso"]["current_clients"] == []
    event = to_action_shape(make_login(user=make_user(multifactor=5)))
    assert event["user"]["enrolledFactors"] == []
    event = to_action_shape(make_login(user=make_user(multifactor=["google-authenticator", "duo"])))
    assert event["user"]["enrolledFactors"] == [{"type": "otp"}, {"type": "duo"}]


def test_modules_folder_given_as_path(tmp_path: Path) -> None:
    (tmp_path / "node_modules").mkdir()
    with RulesRuntime([RULE], modules=tmp_path / "node_modules") as rules:
        assert rules.run().verdict == "allowed"


def test_a_login_runner_names_what_it_was_given_instead_of_a_login() -> None:
    from toolkit._tenant import declared_logins, load_tenant
    from toolkit.properties import LoginRunner
    root = Path(__file__).resolve().parents[2]
    pair = declared_logins(load_tenant(root / "rules_src" / "tenant.toml"))[0]
    with LoginRunner([RULE]) as run:
        with pytest.raises(InputError, match=r"declared_logins\(\) gives \(label, login\) pairs"):
            run(pair)  # type: ignore[arg-type]
        with pytest.raises(InputError, match="unknown field 'email'"):
            run({"email": "a@example.com"})
        assert run(pair[1]).verdict == "allowed"
