"""A warm container: what a Rule leaves in `global`, or an Action in its module or api.cache,
reaches the next login only when asked for (``warm=True``), as when Auth0 reuses a container."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit import ActionsRuntime, Artifact, RulesRuntime, make_context, make_login, make_user
from toolkit._login import to_action_shape
from toolkit.cli import cli

COUNTING_RULE = Artifact("count", """function (user, context, callback) {
  global.seen = (global.seen || 0) + 1;
  context.idToken.seen = global.seen;
  context.idToken.globalThisUntouched = typeof globalThis.seen === 'undefined';
  callback(null, user, context);
}""")
COUNTING_ACTION = Artifact("count", """let seen = 0;
exports.onExecutePostLogin = async (event, api) => {
  seen += 1;
  const cached = api.cache.get('last');
  api.cache.set('last', event.user.user_id);
  api.idToken.setCustomClaim('seen', seen);
  api.idToken.setCustomClaim('last', cached ? cached.value : null);
};""", kind="action")


def users(count: int) -> list[tuple[dict[str, object], dict[str, object]]]:
    return [(make_user(user_id=f"auth0|{i}"), make_context()) for i in range(count)]


def events(count: int) -> list[dict[str, object]]:
    return [to_action_shape(make_login(user=make_user(user_id=f"auth0|{i}"))) for i in range(count)]


def test_a_rules_global_is_fresh_per_login_unless_the_container_is_warm() -> None:
    with RulesRuntime([COUNTING_RULE]) as cold, RulesRuntime([COUNTING_RULE], warm=True) as warm:
        assert [cold.run(*login).id_token_claims["seen"] for login in users(3)] == [1, 1, 1]
        assert [warm.run(*login).id_token_claims["seen"] for login in users(3)] == [1, 2, 3]
        assert all(o.id_token_claims["globalThisUntouched"] for o in warm.run_batch(users(2)))
        warm.reset_container()
        assert warm.run(*users(1)[0]).id_token_claims["seen"] == 1
        assert [o.id_token_claims["seen"] for o in cold.run_batch(users(3))] == [1, 1, 1]


def test_an_actions_module_and_cache_carry_over_only_in_a_warm_container() -> None:
    with ActionsRuntime([COUNTING_ACTION]) as cold, \
            ActionsRuntime([COUNTING_ACTION], warm=True) as warm:
        assert [cold.run(e).id_token_claims for e in events(2)] == [
            {"seen": 1, "last": None}, {"seen": 1, "last": None}]
        assert [warm.run(e).id_token_claims for e in events(2)] == [
            {"seen": 1, "last": None}, {"seen": 2, "last": "auth0|0"}]
        warm.reset_container()
        assert warm.run(events(1)[0]).id_token_claims == {"seen": 1, "last": None}


@pytest.mark.parametrize("kind", ["rule", "action"])
def test_a_warm_batch_is_the_same_sequence_as_one_by_one(kind: str) -> None:
    if kind == "rule":
        with RulesRuntime([COUNTING_RULE], warm=True) as rules:
            batch = rules.run_batch(users(600))
            rules.reset_container()
            single = [rules.run(*login) for login in users(600)]
    else:
        with ActionsRuntime([COUNTING_ACTION], warm=True) as actions:
            batch = actions.run_batch(events(600))
            actions.reset_container()
            single = [actions.run(event) for event in events(600)]
    assert batch == single
    assert batch[-1].id_token_claims["seen"] == 600


def test_cli_warm_runs_a_batch_in_one_container(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.js").write_text(COUNTING_RULE.code)
    (tmp_path / "logins.jsonl").write_text(json.dumps({"user": {"user_id": "a"}}) + "\n"
                                           + json.dumps({"user": {"user_id": "b"}}) + "\n")
    seen = []
    for flags in ([], ["--warm"]):
        result = CliRunner().invoke(cli, ["run", "r.js", "--batch", "logins.jsonl", "--json", *flags])
        assert result.exit_code == 0, result.output
        seen.append([json.loads(line)["id_token_claims"]["seen"] for line in result.output.splitlines()])
    assert seen == [[1, 1], [1, 2]]
    lone = CliRunner().invoke(cli, ["run", "r.js", "--warm"])
    assert lone.exit_code == 2 and "--warm runs the logins of --batch" in lone.stderr
