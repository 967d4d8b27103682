"""The engine: one place maps mini-racer's errors, limits hold, and close() is idempotent."""

from __future__ import annotations

import pytest

from toolkit import Engine
from toolkit._engine import (
    MINI_RACER_EXCEPTIONS,
    MemoryLimitExceeded,
    ScriptError,
    TimeLimitExceeded,
    map_engine_errors,
)
from toolkit.errors import EngineError, RulekitError, RuleSyntaxError


def test_mini_racer_exception_classes_were_found() -> None:
    names = {cls.__name__ for cls in MINI_RACER_EXCEPTIONS}
    assert {"JSParseException", "JSTimeoutException", "JSOOMException", "JSEvalException",
            "JSPromiseError", "MiniRacerBaseException"} <= names


@pytest.mark.parametrize("cls", MINI_RACER_EXCEPTIONS, ids=lambda c: c.__name__)
def test_every_mini_racer_exception_is_mapped(cls: type[BaseException]) -> None:
    instance = cls.__new__(cls)
    Exception.__init__(instance, "x.js:3: SyntaxError: boom")
    with pytest.raises(RulekitError) as info, map_engine_errors(path="x.js"):
        raise instance
    assert info.value.__cause__ is instance


def test_parse_error_keeps_path_and_line() -> None:
    with Engine() as engine, pytest.raises(RuleSyntaxError) as info:
        engine.eval("1 +\n+* 2", path="thing.js")
    assert info.value.path == "thing.js"
    assert info.value.line == 2
    assert str(info.value).startswith("thing.js:2: SyntaxError")


def test_thrown_error_is_a_script_error() -> None:
    with Engine() as engine, pytest.raises(ScriptError, match="TypeError: nope"):
        engine.eval("throw new TypeError('nope')")


def test_timeout_then_recovery() -> None:
    with Engine() as engine:
        with pytest.raises(TimeLimitExceeded):
            engine.eval("while (true) {}", timeout=0.2)
        assert engine.eval("6 * 7") == 42


def test_memory_limit_then_recovery() -> None:
    with Engine(memory_limit=64 * 1024 * 1024) as engine:
        with pytest.raises(MemoryLimitExceeded):
            engine.eval("var a = []; while (true) { a.push(new Array(100000).fill(1)); }",
                        timeout=30)
        engine.eval("a = null")
        assert engine.eval("'still ' + 'alive'") == "still alive"


def test_close_is_idempotent_and_closed_engine_refuses_work() -> None:
    engine = Engine()
    engine.close()
    engine.close()
    assert engine.closed
    with pytest.raises(EngineError, match="closed"):
        engine.eval("1")


def test_a_text_longer_than_a_v8_string_is_refused_instead_of_aborting_the_process() -> None:
    # V8 holds at most 536,870,888 bytes in a string (mini-racer counts UTF-8 bytes); one byte
    # more and mini-racer's V8 aborts the process ("Fatal error in v8::ToLocalChecked").
    from toolkit._engine import V8_MAX_STRING_BYTES
    assert V8_MAX_STRING_BYTES == 536_870_888
    with Engine() as engine:
        length = engine.eval("(function (text) { return text.length; })")
        with pytest.raises(EngineError, match="536,870,889 bytes cannot go to V8"):
            engine.call(length, b"a" * (V8_MAX_STRING_BYTES + 1))
        # Two-byte characters: fewer characters than the limit, more UTF-8 bytes.
        with pytest.raises(EngineError, match="536,870,890 bytes cannot go to V8"):
            engine.call(length, "\u00e9" * (V8_MAX_STRING_BYTES // 2 + 1))
        with pytest.raises(EngineError, match="cannot go to V8"):
            engine.call(length, "x", b"a" * (V8_MAX_STRING_BYTES + 1))  # any argument
        assert engine.call(length, "still alive") == 11
