"""A small JavaScript tokenizer: just enough to pull the literals out of rendered rules.

It knows comments, string and template literals (with nested ``${...}``), regular expression
literals (told apart from division by the token before them), numbers in every ES2021 notation
and identifiers. It never evaluates anything and never fails: text it cannot make sense of is
skipped one character at a time, so a dictionary is always produced.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["Token", "decode_string", "parse_number", "tokenize"]

Kind = Literal["string", "template", "number", "identifier", "regex", "punct"]


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    value: str  # decoded text for strings and template chunks, source text otherwise
    line: int


_IDENT: Final = re.compile(r"[A-Za-z_$\u0080-\uffff][\w$\u0080-\uffff]*")
_NUMBER: Final = re.compile(
    r"0[xX][0-9a-fA-F_]+n?|0[oO][0-7_]+n?|0[bB][01_]+n?"
    r"|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?n?")
_PUNCT: Final = re.compile(r">>>=|\.\.\.|===|!==|\*\*=|<<=|>>=|>>>|&&=|\|\|=|\?\?="
                           r"|=>|==|!=|<=|>=|&&|\|\||\?\?|\?\.|\+\+|--|\+=|-=|\*=|/=|%=|&=|\|="
                           r"|\^=|<<|>>|\*\*|[{}()\[\];,<>+\-*/%&|^!~?:=.@#]")
# After these a "/" starts a regular expression, not a division.
_REGEX_AFTER_WORDS: Final = frozenset({
    "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case",
    "do", "else", "yield", "await"})
_SIMPLE_ESCAPES: Final = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v",
                          "0": "\0"}


def decode_string(body: str) -> str:
    """The value of a string literal's body (between the quotes), JavaScript escapes applied."""
    if "\\" not in body:
        return body
    out: list[str] = []
    i, n = 0, len(body)
    while i < n:
        ch = body[i]
        if ch != "\\" or i + 1 >= n:
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        i += 2
        if nxt in _SIMPLE_ESCAPES and not (nxt == "0" and i < n and body[i].isdigit()):
            out.append(_SIMPLE_ESCAPES[nxt])
        elif nxt == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", body[i:i + 2]):
            out.append(chr(int(body[i:i + 2], 16)))
            i += 2
        elif nxt == "u" and body[i:i + 1] == "{":
            end = body.find("}", i)
            digits = body[i + 1:end] if end != -1 else ""
            if re.fullmatch(r"[0-9a-fA-F]{1,6}", digits) and int(digits, 16) <= 0x10FFFF:
                out.append(chr(int(digits, 16)))
                i = end + 1
            else:
                out.append("u")
        elif nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i:i + 4]):
            out.append(chr(int(body[i:i + 4], 16)))
            i += 4
        elif nxt == "\r":  # line continuation, CRLF or CR
            i += 1 if body[i:i + 1] == "\n" else 0
        elif nxt in "\n\u2028\u2029":
            pass  # line continuation: the escaped line break is no character
        else:
            out.append(nxt)  # \' \" \\ and identity escapes
    text = "".join(out)
    # Join UTF-16 surrogate pairs written as two \uXXXX escapes into one character.
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def parse_number(text: str) -> int | float | None:
    """A numeric literal's value; None for what is not one (e.g. a lone dot)."""
    clean = text.replace("_", "").removesuffix("n")
    try:
        if clean[:2].lower() in {"0x", "0o", "0b"}:
            return int(clean, 0)
        if re.fullmatch(r"0\d+", clean) and "8" not in clean and "9" not in clean:
            return int(clean, 8)  # legacy octal, sloppy mode
        value = float(clean)
    except ValueError:
        return None
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _regex_allowed(previous: Token | None) -> bool:
    if previous is None:
        return True
    if previous.kind in {"number", "string", "template", "regex"}:
        return False
    if previous.kind == "identifier":
        return previous.value in _REGEX_AFTER_WORDS
    return previous.value not in {")", "]", "}"}


def _scan_quoted(code: str, start: int, quote: str) -> int:
    """Index just past the closing quote (or the end of the line if it is missing)."""
    i, n = start + 1, len(code)
    while i < n:
        ch = code[i]
        if ch == "\\":
            i += 2
            continue
        if ch == quote:
            return i + 1
        if ch == "\n":
            return i
        i += 1
    return n


def _scan_regex(code: str, start: int) -> int:
    i, n, in_class = start + 1, len(code), False
    while i < n:
        ch = code[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "\n":
            return i
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "/":
            i += 1
            while i < n and (code[i].isalnum() or code[i] in "_$"):
                i += 1  # flags
            return i
        i += 1
    return n


@functools.lru_cache(maxsize=32)
def tokens_of(code: str) -> tuple[Token, ...]:
    """``tokenize(code)`` as a tuple, kept for the last codes seen: lint's token-level checks
    (RK113, RK114, RK115, RK117) and equiv read the same artifact one after the other."""
    return tuple(tokenize(code))


def tokenize(code: str) -> Iterator[Token]:
    """The tokens of ``code`` (comments and whitespace dropped)."""
    i, n, line = 0, len(code), 1
    previous: Token | None = None
    # One entry per open template literal: the brace depth at which its ${ was opened.
    templates: list[int] = []
    depth = 0

    def emit(token: Token) -> Token:
        nonlocal previous
        previous = token
        return token

    def template_chunk(pos: int) -> tuple[int, str, bool]:
        """Scan template text from pos; return (index after, cooked text, ended with ${)."""
        j = pos
        while j < n:
            ch = code[j]
            if ch == "\\":
                j += 2
                continue
            if ch == "`":
                return j + 1, decode_string(code[pos:j]), False
            if ch == "$" and code[j + 1:j + 2] == "{":
                return j + 2, decode_string(code[pos:j]), True
            j += 1
        return n, decode_string(code[pos:n]), False

    while i < n:
        ch = code[i]
        if ch == "\n":
            line += 1
            i += 1
            continue
        if ch.isspace():
            i += 1
            continue
        two = code[i:i + 2]
        if two == "//":
            end = code.find("\n", i)
            i = n if end == -1 else end
            continue
        if two == "/*":
            end = code.find("*/", i + 2)
            end = n if end == -1 else end + 2
            line += code.count("\n", i, end)
            i = end
            continue
        if ch in "'\"":
            end = _scan_quoted(code, i, ch)
            body = code[i + 1:end - 1] if end <= n and code[end - 1:end] == ch else code[i + 1:end]
            yield emit(Token("string", decode_string(body), line))
            line += code.count("\n", i, end)
            i = end
            continue
        if ch == "`" or (ch == "}" and templates and templates[-1] == depth):
            if ch == "}":
                templates.pop()
            end, text, opened = template_chunk(i + 1)
            yield emit(Token("template", text, line))
            line += code.count("\n", i, end)
            if opened:
                templates.append(depth)
            i = end
            continue
        match = _IDENT.match(code, i)
        if match:
            yield emit(Token("identifier", match.group(), line))
            i = match.end()
            continue
        if ch.isdigit() or (ch == "." and code[i + 1:i + 2].isdigit()):
            match = _NUMBER.match(code, i)
            if match:
                yield emit(Token("number", match.group(), line))
                i = match.end()
                continue
        if ch == "/" and _regex_allowed(previous):
            end = _scan_regex(code, i)
            yield emit(Token("regex", code[i:end], line))
            i = end
            continue
        match = _PUNCT.match(code, i)
        if match:
            value = match.group()
            if value == "{":
                depth += 1
            elif value == "}":
                depth -= 1
            yield emit(Token("punct", value, line))
            i = match.end()
            continue
        i += 1  # a character no JavaScript token starts with: skip it
