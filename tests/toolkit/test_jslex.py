"""The small JavaScript tokenizer behind fuzzing dictionaries."""

from __future__ import annotations

import pytest

from toolkit._jslex import decode_string, parse_number, tokenize


def kinds(code: str) -> list[tuple[str, str]]:
    return [(t.kind, t.value) for t in tokenize(code)]


@pytest.mark.parametrize(("body", "value"), [
    (r"plain", "plain"),
    (r"it\'s", "it's"),
    (r"tab\there\nnew", "tab\there\nnew"),
    (r"\x41\u0042\u{43}", "ABC"),
    (r"\ud83d\ude00", "\U0001F600"),
    (r"\u{1F600}", "\U0001F600"),
    ("line\\\ncontinued", "linecontinued"),
    (r"\0", "\0"),
    (r"\q", "q"),
    (r"\/", "/"),
])
def test_string_escapes(body: str, value: str) -> None:
    assert decode_string(body) == value


@pytest.mark.parametrize(("text", "value"), [
    ("42", 42), ("0x1F", 31), ("0o17", 15), ("0b101", 5), ("1_000", 1000), ("2.5e3", 2500),
    (".5", 0.5), ("10n", 10), ("017", 15), ("019", 19), ("1e400", float("inf")),
])
def test_numbers(text: str, value: float) -> None:
    assert parse_number(text) == value


def test_comments_are_skipped_and_lines_counted() -> None:
    tokens = list(tokenize("// 'a'\n/* 'b'\n */ 'c' /* unterminated 'd'"))
    assert [(t.value, t.line) for t in tokens] == [("c", 3)]


def test_regex_and_division_are_told_apart() -> None:
    assert kinds("a / b / 'c'") == [("identifier", "a"), ("punct", "/"), ("identifier", "b"),
                                     ("punct", "/"), ("string", "c")]
    assert ("regex", "/'[/]x'/g") in kinds("return /'[/]x'/g.test(s)")
    assert ("regex", "/a\\/b/") in kinds("x = (/a\\/b/)")
    assert kinds("f(x) / 2")[-2:] == [("punct", "/"), ("number", "2")]


def test_template_literals_with_nested_expressions() -> None:
    code = "`a-${ {k: 'in'}.k + `x${y}z` }-b` + 'after'"
    strings = [v for k, v in kinds(code) if k in {"string", "template"}]
    assert strings == ["a-", "in", "x", "z", "-b", "after"]


def test_broken_code_still_tokenizes() -> None:
    assert kinds("'unterminated\nnext") == [("string", "unterminated"), ("identifier", "next")]
    assert kinds("# \u00a7 'ok'") == [("punct", "#"), ("identifier", "\u00a7"), ("string", "ok")]
