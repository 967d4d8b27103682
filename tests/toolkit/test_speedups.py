"""What the speed-ups measured by ``make bench`` must not change: the engine's call, the
streaming batch, the projections' copies, the JSON codec."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from toolkit import Artifact, Engine, RulesRuntime, load_rule_file, make_context, make_login, make_user
from toolkit._engine import MemoryLimitExceeded, ScriptError, TimeLimitExceeded
from toolkit._login import to_action_shape, to_rule_shape
from toolkit._runtime import _dumps, _loads
from toolkit.cli import cli
from toolkit.errors import EngineError, InputError

AWKWARD = ['plain', 'quote " and \\ backslash', "line\nbreak", "\u2028\u2029", "\ud800 lone",
           "é ü 😀", "</script>", "x" * 70_000]


@pytest.mark.parametrize("text", AWKWARD, ids=range(len(AWKWARD)))
@pytest.mark.parametrize("timeout", [None, 5.0])
def test_call_passes_strings_through_exactly(text: str, timeout: float | None) -> None:
    with Engine() as engine:
        echo = engine.eval("(function (a, b, c, d) { return JSON.stringify([a, b, c, d]); })")
        assert json.loads(engine.call(echo, text, 2.5, True, None, timeout=timeout)) == [
            text, 2.5, True, None]


def test_call_keeps_this_undefined_and_takes_object_arguments() -> None:
    with Engine() as engine:
        strict = engine.eval("(function (o) { 'use strict'; return `${this === undefined} ${o.a}`; })")
        assert engine.call(strict, "x") == "true undefined"
        assert engine.call(strict, engine.eval("({a: 1})"), timeout=5) == "true 1"


def test_call_time_limit_then_recovery() -> None:
    with Engine() as engine:
        spin = engine.eval("(function (s) { while (true) {} })")
        with pytest.raises(TimeLimitExceeded):
            engine.call(spin, "x", timeout=0.2)
        with pytest.raises(TimeLimitExceeded):
            engine.call(spin, engine.eval("({})"), timeout=0.2)
        assert engine.call(engine.eval("(s) => s + '!'"), "alive", timeout=5) == "alive!"


def test_call_memory_limit_and_errors_then_recovery() -> None:
    with Engine(memory_limit=64 * 1024 * 1024) as engine:
        bomb = engine.eval("(function (s) { var a = []; while (true) a.push(new Array(1e5).fill(s)); })")
        with pytest.raises(MemoryLimitExceeded):
            engine.call(bomb, "x", timeout=30)
        throw = engine.eval("(function (s) { throw new TypeError('bad ' + s); })")
        with pytest.raises(ScriptError, match="TypeError: bad x"):
            engine.call(throw, "x", timeout=5)
        assert engine.call(engine.eval("(s) => s"), "ok") == "ok"


@pytest.mark.parametrize("value", [
    {"a": [1, 2.5, None, True], "é": "ü"},
    {"lone": "\ud800"},  # orjson refuses lone surrogates: json takes over
    {"big": 2**70},
    {1: "int key"},
])
def test_json_codec_matches_the_standard_library(value: Any) -> None:
    assert json.loads(_dumps(value)) == json.loads(json.dumps(value))
    assert _loads(json.dumps(value)) == json.loads(json.dumps(value))


def test_projections_do_not_alias_the_login_or_the_defaults() -> None:
    login = make_login(user=make_user(app_metadata={"roles": ["admin"]}), roles=["r"])
    before = json.dumps(login)
    user, context = to_rule_shape(login)
    event = to_action_shape(login)
    user["app_metadata"]["roles"].append("x")
    context["request"]["query"]["extra"] = "1"
    context["request"]["geoip"]["extra"] = "1"
    event["user"]["app_metadata"]["roles"].append("x")
    event["transaction"]["locale"] = "xx"
    event["authorization"]["roles"].append("x")
    assert json.dumps(login) == before
    assert to_rule_shape(make_login()) == to_rule_shape({})
    assert to_action_shape(make_login()) == to_action_shape({})
    assert "extra" not in to_rule_shape({})[1]["request"]["query"]


def test_iter_batch_streams(tmp_path: Path) -> None:
    (tmp_path / "r.js").write_text("function (u, c, cb) { c.idToken.id = u.user_id; cb(null, u, c); }")
    consumed: list[int] = []

    def logins() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        for i in range(2000):
            consumed.append(i)
            yield make_user(user_id=f"u{i}"), {"idToken": {}}

    with RulesRuntime([load_rule_file(tmp_path / "r.js")]) as runtime:
        outcomes = runtime.iter_batch(logins())
        assert next(outcomes).id_token_claims == {"id": "u0"}
        assert len(consumed) < 2000  # one chunk read, not the whole input
        assert [o.id_token_claims["id"] for o in outcomes] == [f"u{i}" for i in range(1, 2000)]


def test_cli_batch_checks_every_line_before_printing(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "r.js").write_text("function (u, c, cb) { cb(null, u, c); }")
    good = json.dumps({"user": {"email": "a@x.com"}})
    (tmp_path / "logins.jsonl").write_text("\n".join([good] * 600 + ['{"user": ']) + "\n")
    result = CliRunner().invoke(cli, ["run", "r.js", "--batch", "logins.jsonl", "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "logins.jsonl:601: --batch: invalid JSON" in result.stderr


def test_engine_calls_skip_mini_racers_event_loop_and_its_own_calls_still_work() -> None:
    # The direct path (toolkit._engine._DirectTasks) relies on mini-racer 0.14's internals; if
    # an upgrade moved them, Engine would fall back silently to the 2-3x slower path.
    with Engine() as engine:
        assert engine.direct
        double = engine.eval("(function (n) { return n * 2; })")
        assert engine.call(double, 21, timeout=5) == 42
        assert double(4) == 8  # mini-racer's own call, through its event loop, is still routed
        assert engine.eval("[1, 2, 3].length") == 3


def test_one_engine_shared_by_threads_gives_each_call_its_own_answer() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with Engine() as engine:
        tag = engine.eval("(function (s) { let x = 0; for (let i = 0; i < 2000; i++) x += i; "
                          "return s + ':' + x; })")

        def worker(n: int) -> list[bool]:
            return [engine.call(tag, f"t{n}-{i}", timeout=5) == f"t{n}-{i}:1999000"
                    for i in range(150)]

        with ThreadPoolExecutor(max_workers=4) as pool:
            results = [ok for batch in pool.map(worker, range(4)) for ok in batch]
    assert len(results) == 600 and all(results)


def test_a_proto_key_in_a_login_stays_a_key(tmp_path: Path) -> None:
    # JSON.parse keeps "__proto__" as an own key (an object literal would set the prototype):
    # a login's data must never reach V8 as a literal.
    source = tmp_path / "proto.js"
    source.write_text(
        "function (user, context, callback) {\n"
        "  const m = user.user_metadata;\n"
        "  context.idToken.own = Object.keys(m).join(',');\n"
        "  context.idToken.inherited = m.admin === true;\n"
        "  callback(null, user, context);\n"
        "}\n", encoding="utf-8")
    rule = load_rule_file(source)
    user = make_user(user_metadata={"__proto__": {"admin": True}})
    with RulesRuntime([rule]) as runtime:
        outcome = runtime.run(user)
        assert outcome.id_token_claims == {"own": "__proto__", "inherited": False}
        assert runtime.run_batch([(user, to_rule_shape(make_login())[1])])[0].id_token_claims == (
            outcome.id_token_claims)


def test_runtime_outcomes_are_whole_dataclasses(tmp_path: Path) -> None:
    # Outcome._from_fields skips __init__: every field must still be set, and nothing else.
    from dataclasses import fields, replace

    from toolkit import ActionsRuntime, Artifact, Outcome

    rule_file = tmp_path / "r.js"
    rule_file.write_text("function (user, context, callback) { callback(null, user, context); }\n",
                         encoding="utf-8")
    action = Artifact(name="a", kind="action",
                      code="exports.onExecutePostLogin = async (event, api) => {};\n")
    names = {f.name for f in fields(Outcome)}
    with RulesRuntime([load_rule_file(rule_file)]) as rules, \
            ActionsRuntime([action]) as actions:
        for outcome in (rules.run(), rules.run_batch([to_rule_shape(make_login())])[0],
                        actions.run(), actions.run_batch([to_action_shape(make_login())])[0]):
            assert set(vars(outcome)) == names
            assert outcome == Outcome(**vars(outcome)) == replace(outcome)


def test_closing_an_engine_stops_a_call_running_in_another_thread() -> None:
    import threading

    from toolkit.errors import EngineError

    for pause in (0.0, 0.01, 0.03):
        engine = Engine()
        grow = engine.eval("(n) => { let s = ''; for (let i = 0; i < n; i++) s += 'abcdefgh'; "
                           "return s.length; }")
        ends: list[BaseException] = []

        def loop(engine: Engine = engine, grow: Any = grow, ends: list[BaseException] = ends) -> None:
            try:
                while True:
                    assert engine.call(grow, 200_000) == 1_600_000
            except BaseException as exc:  # the test reads what ended the loop
                ends.append(exc)

        worker = threading.Thread(target=loop, daemon=True)
        worker.start()
        threading.Event().wait(pause)
        engine.close()
        worker.join(10)
        assert not worker.is_alive()
        assert len(ends) == 1 and isinstance(ends[0], EngineError), ends


def test_a_refused_cpu_pin_is_not_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    attempts = []

    def refuse(pid: int, cpus: Any) -> None:
        attempts.append(pid)
        raise PermissionError("not here")

    monkeypatch.setattr(os, "sched_setaffinity", refuse, raising=False)
    with Engine() as engine:
        echo = engine.eval("(s) => s")
        assert [engine.call(echo, f"x{i}") for i in range(50)] == [f"x{i}" for i in range(50)]
    assert len(attempts) <= 1


@pytest.mark.parametrize("timeout", [float("inf"), 1e10])
def test_an_endless_time_limit_means_none(timeout: float) -> None:
    with Engine() as engine:
        assert engine.eval("let n = 0; for (let i = 0; i < 3e6; i++) n += i; 'done'",
                           timeout=timeout) == "done"


@pytest.mark.parametrize("short", [True, False])
def test_a_negative_time_limit_is_already_over(short: bool) -> None:
    with Engine() as engine:
        spin = engine.eval("(s) => { while (true) {} }")
        with pytest.raises(TimeLimitExceeded):
            engine.call(spin, "x", timeout=-1, short=short)
        assert engine.eval("1 + 1") == 2


def test_after_the_heap_cap_an_ordinary_error_is_reported_as_itself() -> None:
    with Engine(memory_limit=64 * 1024 * 1024) as engine:
        with pytest.raises(MemoryLimitExceeded):
            engine.eval("var a = []; while (true) a.push(new Array(1e5).fill('x'));", timeout=30)
        engine.eval("a = null")
        thrower = engine.eval("(s) => { throw new TypeError('plain ' + s); }")
        with pytest.raises(ScriptError, match="plain x"):
            engine.call(thrower, "x")


def test_a_call_that_cannot_convert_an_argument_keeps_nothing_alive() -> None:
    from toolkit.errors import EngineError

    with Engine() as engine:
        count = engine.eval("(a, b) => 1")
        with pytest.raises(EngineError):
            engine.call(count, "y" * 100_000, object())
        assert engine.eval("__rulekitEngineArgs.length") == 0


@pytest.mark.parametrize("text", AWKWARD, ids=range(len(AWKWARD)))
@pytest.mark.parametrize("timeout", [None, 5.0])
def test_a_single_string_argument_arrives_exactly(text: str, timeout: float | None) -> None:
    # One string goes over as a value (`this` of a trampoline), not in a script; a lone
    # surrogate, which UTF-8 cannot carry, falls back to the script's escape.
    with Engine() as engine:
        described = engine.eval("(function (s) { 'use strict'; return JSON.stringify([typeof s, s, "
                                "this === undefined, arguments.length]); })")
        assert json.loads(engine.call(described, text, timeout=timeout)) == ["string", text, True, 1]
        nothing = engine.eval("(function () { 'use strict'; return [this === undefined, "
                              "arguments.length].join(); })")
        assert engine.call(nothing, timeout=timeout) == "true,0"


def test_a_lone_surrogate_handed_back_raw_is_an_engine_error_and_json_carries_it() -> None:
    from toolkit.errors import EngineError

    with Engine() as engine:
        raw = engine.eval("(s) => s + '\\ud800'")
        with pytest.raises(EngineError, match=r"JSON\.stringify"):
            engine.call(raw, "x")
        assert json.loads(engine.call(engine.eval("(s) => JSON.stringify(s + '\\ud800')"), "x")) == (
            "x\ud800")


@pytest.mark.parametrize("argument", [("x",), (), (1,)], ids=["string", "none", "script"])
def test_closing_an_engine_stops_an_endless_call_however_early_it_comes(
        argument: tuple[Any, ...]) -> None:
    # close() may come before the call has started its task: the task is stopped as it starts.
    import threading

    from toolkit.errors import EngineError

    for pause in (0.0, 0.0005, 0.005):
        engine = Engine()
        endless = engine.eval("(function () { while (true) {} })")
        ends: list[BaseException] = []

        def run(engine: Engine = engine, endless: Any = endless,
                ends: list[BaseException] = ends) -> None:
            try:
                engine.call(endless, *argument)
            except BaseException as exc:  # the test reads what ended the call
                ends.append(exc)

        caller = threading.Thread(target=run, daemon=True)
        caller.start()
        threading.Event().wait(pause)
        closer = threading.Thread(target=engine.close, daemon=True)
        closer.start()
        closer.join(10)
        caller.join(10)
        assert not closer.is_alive() and not caller.is_alive()
        assert len(ends) == 1 and isinstance(ends[0], EngineError), ends


def test_a_time_limit_that_runs_out_after_the_script_does_not_kill_the_next_call() -> None:
    # The cancel can reach V8 while it converts a large result, after the JavaScript ended;
    # mini-racer keeps that stop request pending, and the next call would die of it.
    with Engine() as engine:
        engine.eval("var big = 'x'.repeat(50 * 1024 * 1024)")
        give_big = engine.eval("(s) => big")
        quick = engine.eval("(s) => 'q:' + s")
        quick0 = engine.eval("() => 'q'")
        for trial in range(12):
            try:
                engine.call(give_big, "a", timeout=0.005)
            except TimeLimitExceeded:
                pass
            assert (engine.call(quick, "z") if trial % 2 else engine.call(quick0)) in ("q:z", "q")


def test_a_lone_surrogate_in_a_long_string_argument_is_an_engine_error() -> None:
    from toolkit.errors import EngineError

    with Engine() as engine:
        take = engine.eval("(a, b) => 1")
        with pytest.raises(EngineError, match="lone surrogate"):
            engine.call(take, "\ud800" + "y" * 70_000, 2)
        assert engine.eval("__rulekitEngineArgs.length") == 0


def test_bytes_arguments_arrive_as_the_utf8_text_they_hold() -> None:
    from toolkit.errors import EngineError

    text = 'é€😀 "q" \\ x'
    with Engine() as engine:
        codes = engine.eval("(s) => JSON.stringify(Array.from(s, (c) => c.codePointAt(0)))")
        expected = [ord(c) for c in text]
        assert json.loads(engine.call(codes, text.encode())) == expected  # direct: as `this`
        assert json.loads(engine.call(codes, b"plain")) == [ord(c) for c in "plain"]
        both = engine.eval("(a, b) => a + '|' + b")
        assert engine.call(both, text.encode(), "s") == text + "|s"  # a script: decoded first
        # V8 would quietly read bad bytes as U+FFFD; the engine refuses them, on both paths.
        with pytest.raises(EngineError, match=r"not UTF-8 text .*offset 1"):
            engine.call(codes, b"a\xff")
        with pytest.raises(EngineError, match="not UTF-8 text"):
            engine.call(both, b"\xc3", "s")
        assert engine.call(both, "still", "alive") == "still|alive"


def test_a_batch_sends_what_logins_share_once(tmp_path: Path) -> None:
    (tmp_path / "r.js").write_text("function (user, context, callback) {\n"
                                   "  callback(null, user, context);\n}\n")
    with RulesRuntime([load_rule_file(tmp_path / "r.js")], configuration={"KEY": "v" * 1000}) as runtime:
        sent: list[bytes] = []
        call = runtime._engine.call

        def spy(function: Any, *args: Any, **options: Any) -> Any:
            sent.extend(arg for arg in args if isinstance(arg, bytes))
            return call(function, *args, **options)

        runtime._engine.call = spy  # type: ignore[method-assign]
        outcomes = runtime.run_batch([(make_user(user_id=f"auth0|{i}"), make_context())
                                      for i in range(20)])
        assert [o.rules_run for o in outcomes] == [["r"]] * 20
        assert len(sent) == 1 and sent[0].count(b"v" * 1000) == 1


def test_work_done_meanwhile_runs_once_and_its_failure_stops_the_call() -> None:
    with Engine() as engine:
        ran: list[str] = []
        echo = engine.eval("(s) => s + '!'")
        assert engine.call(echo, b"direct", meanwhile=lambda: ran.append("direct")) == "direct!"
        both = engine.eval("(a, b) => a + b")
        assert engine.call(both, "scr", "ipt", meanwhile=lambda: ran.append("script")) == "script"
        assert ran == ["direct", "script"]

        def fail() -> None:
            raise ValueError("encoding the next batch failed")

        spin = engine.eval("(s) => { while (true) {} }")
        with pytest.raises(ValueError, match="next batch"):
            engine.call(spin, "x", timeout=60, short=False, meanwhile=fail)
        # The endless script was stopped: the next call does not queue behind it.
        assert engine.call(echo, "alive", timeout=5) == "alive!"


def _echo_rule(tmp_path: Path) -> RulesRuntime:
    (tmp_path / "r.js").write_text("function (u, c, cb) { c.idToken.id = u.user_id; cb(null, u, c); }")
    return RulesRuntime([load_rule_file(tmp_path / "r.js")])


def test_a_batch_that_reads_ahead_still_gives_every_outcome_before_a_bad_login(
        tmp_path: Path) -> None:
    # Reading stops at the bad login; the logins before it, in its batch too, all run first.
    def broken_source() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        for i in range(700):
            yield make_user(user_id=f"u{i}"), {"idToken": {}}
        raise ValueError("the login source broke")

    def unencodable() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        for i in range(700):
            yield make_user(user_id=f"u{i}", odd={1, 2} if i == 600 else None), {"idToken": {}}

    with _echo_rule(tmp_path) as runtime:
        for source, error, good in ((broken_source(), ValueError, 700),
                                    (unencodable(), InputError, 600)):
            got: list[str] = []
            with pytest.raises(error):
                for outcome in runtime.iter_batch(source):
                    got.append(outcome.id_token_claims["id"])
            assert got == [f"u{i}" for i in range(good)]  # every login before the bad one
        assert runtime.run(make_user(user_id="next"), {"idToken": {}}).id_token_claims == {"id": "next"}


def test_a_login_source_may_itself_call_the_runtime(tmp_path: Path) -> None:
    with _echo_rule(tmp_path) as runtime:
        def source() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
            for i in range(1200):
                probe = runtime.run(make_user(user_id=f"p{i}"), {"idToken": {}})
                yield make_user(user_id=probe.id_token_claims["id"] + "!"), {"idToken": {}}

        assert [o.id_token_claims["id"] for o in runtime.iter_batch(source())] == [
            f"p{i}!" for i in range(1200)]


# Found by review: an error from meanwhile is the caller's; it must not be taken for the
# engine's (a UnicodeEncodeError looked like a lone surrogate in the argument: the call ran twice).
def test_an_error_in_meanwhile_reaches_the_caller_as_it_is_and_nothing_runs_twice() -> None:
    with Engine() as engine:
        engine.eval("var count = 0")
        bump = engine.eval("(s) => { count++; return s; }")
        calls: list[int] = []

        def meanwhile() -> None:
            calls.append(1)
            "\ud800".encode()

        with pytest.raises(UnicodeEncodeError):
            engine.call(bump, "x", meanwhile=meanwhile)
        assert calls == [1] and engine.eval("count") <= 1
        both = engine.eval("(a, b) => a + b")
        ran: list[int] = []
        with pytest.raises(EngineError, match="not UTF-8"):  # cannot start: meanwhile not run
            engine.call(both, b"\xff", "x", meanwhile=lambda: ran.append(1))
        assert ran == []


def test_meanwhile_may_not_call_the_engine_and_the_time_limit_still_works() -> None:
    # In a subprocess: before the fix, the outer call's time limit could not stop its script
    # and every later call hung.
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})\n"
        "from toolkit._engine import Engine\n"
        "from toolkit.errors import EngineError\n"
        "engine = Engine()\n"
        "spin = engine.eval('(s) => { while (true) {} }')\n"
        "echo = engine.eval(\"(s) => s + '!'\")\n"
        "try:\n"
        "    engine.call(spin, 'x', timeout=1, short=False,\n"
        "                meanwhile=lambda: engine.eval('1', timeout=2))\n"
        "except EngineError as exc:\n"
        "    print(type(exc).__name__, exc)\n"
        "print(engine.call(echo, 'alive', timeout=5))\n")
    try:
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the engine hangs after a meanwhile that called it")
    assert done.stdout.splitlines() == [
        "EngineError the engine is running a call already (meanwhile may not call it)",
        "alive!"], done.stderr[-400:]


def test_closing_during_the_next_batch_keeps_the_settled_outcomes(tmp_path: Path) -> None:
    (tmp_path / "r.js").write_text("function (u, c, cb) { if (u.user_id === 'u700') { while (true) {} }"
                                   " c.idToken.id = u.user_id; cb(null, u, c); }")
    runtime = RulesRuntime([load_rule_file(tmp_path / "r.js")], timeout=5)
    got: list[str] = []
    closer = threading.Timer(1.0, runtime.close)  # batch 2 would loop for 5 + 2.5 s
    closer.start()
    with pytest.raises(EngineError):
        for outcome in runtime.iter_batch((make_user(user_id=f"u{i}"), {"idToken": {}})
                                          for i in range(1000)):
            got.append(outcome.id_token_claims["id"])
    closer.join()
    assert got == [f"u{i}" for i in range(500)]  # batch 1 settled before the close


@pytest.mark.parametrize("kind", ["rule", "action"])
def test_configuration_and_secrets_are_strings_as_in_auth0(kind: str) -> None:
    # A batch shares these between its logins: only strings (Auth0's type) cannot carry state.
    from toolkit import ActionsRuntime
    from toolkit.errors import InputError

    rule = Artifact("r", "function (u, c, cb) { cb(null, u, c); }")
    with pytest.raises(InputError, match="value of 'box' must be a string"):
        if kind == "rule":
            RulesRuntime([rule], configuration={"box": {}})  # type: ignore[dict-item]
        else:
            ActionsRuntime([], secrets={"box": {}})  # type: ignore[dict-item]
    with RulesRuntime([rule]) as rules, ActionsRuntime([]) as actions:
        with pytest.raises(InputError, match="must be a string"):
            if kind == "rule":
                rules.run(configuration={"n": 1})  # type: ignore[dict-item]
            else:
                actions.run(secrets={"n": 1})  # type: ignore[dict-item]


def test_run_batch_pauses_cyclic_gc_while_outcomes_pile_up_and_iter_batch_does_not(
        tmp_path: Path) -> None:
    import gc

    seen: list[bool] = []

    def source(count: int) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        for i in range(count):
            seen.append(gc.isenabled())
            yield make_user(user_id=f"u{i}"), {"idToken": {}}

    with _echo_rule(tmp_path) as runtime:
        assert len(runtime.run_batch(source(600))) == 600
        assert not any(seen) and gc.isenabled()  # paused during, restored after
        seen.clear()
        assert len(list(runtime.iter_batch(source(600)))) == 600
        assert all(seen)  # the caller's code runs between outcomes: GC left alone
        gc.disable()
        try:
            runtime.run_batch(source(10))
            assert not gc.isenabled()  # a caller's own pause is kept
        finally:
            gc.enable()
