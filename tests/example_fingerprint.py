"""The fingerprint of the shipped example (``rules_src/`` and ``tests/rules/``).

Some of rulekit's own tests check facts of the example itself (its artifacts, its plan, its
matrix). Once a user changes the example into their own rules, those facts no longer hold,
and the tests marked ``example`` (and those that edit a copy of it, through
``copy_shipped_example``) are skipped with the reason, instead of failing ``make test``
for a correct project (the user's rules are tested by ``tests/rules``). Whoever changes the
shipped example on purpose records it anew::

    .venv/bin/python -m tests.example_fingerprint --write
"""

from __future__ import annotations

import functools
import hashlib
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("rules_src", "tests/rules")
RECORD = ROOT / "tests" / "example.sha256"


def fingerprint(root: Path = ROOT) -> str:
    """sha256 over the example's files (relative path and bytes), in path order."""
    digest = hashlib.sha256()
    for part in PARTS:
        base = root / part
        files = sorted(p for p in base.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for path in files:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            # as git stores it: a checkout with CRLF line ends is the same example
            digest.update(path.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return digest.hexdigest()


def recorded() -> str:
    return RECORD.read_text(encoding="utf-8").strip() if RECORD.exists() else ""


def is_shipped_example(root: Path = ROOT) -> bool:
    return fingerprint(root) == recorded()


SKIP_REASON = ("rules_src/ or tests/rules/ is no longer the shipped example: this test checks "
               "a fact of the example itself, or edits a copy of it (your rules are tested by "
               "tests/rules)")


@functools.cache
def _shipped() -> bool:
    return is_shipped_example()


def copy_shipped_example(target: Path) -> None:
    """Copy rules_src/ into ``target`` for a test that edits the example's own text (a line of
    its manifest or tenant model); skip the test once the example has been changed."""
    if not _shipped():
        pytest.skip(SKIP_REASON)
    shutil.copytree(ROOT / "rules_src", target / "rules_src")


def main(argv: list[str]) -> int:
    if argv == ["--write"]:
        RECORD.write_text(fingerprint() + "\n", encoding="utf-8")
        print(f"recorded {RECORD.relative_to(ROOT)}")
        return 0
    print("the shipped example" if is_shipped_example() else "changed since it was recorded")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
