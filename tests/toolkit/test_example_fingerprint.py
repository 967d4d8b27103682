"""The example's fingerprint: what decides whether the tests of the shipped example run."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.example_fingerprint import PARTS, ROOT, fingerprint


def _copy(tmp_path: Path) -> Path:
    for part in PARTS:
        shutil.copytree(ROOT / part, tmp_path / part,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_the_fingerprint_follows_every_file_of_the_example(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    before = fingerprint(root)
    assert before == fingerprint(ROOT)
    (root / "tests" / "rules" / "__pycache__").mkdir()
    (root / "tests" / "rules" / "__pycache__" / "x.pyc").write_bytes(b"compiled")
    assert fingerprint(root) == before  # byte code is not the example
    manifest = root / "rules_src" / "manifest.toml"
    manifest.write_text(manifest.read_text() + "\n# mine\n")
    assert fingerprint(root) != before
    manifest.write_text(manifest.read_text().removesuffix("\n# mine\n"))
    assert fingerprint(root) == before
    (root / "tests" / "rules" / "test_mine.py").write_text("def test_mine() -> None: ...\n")
    assert fingerprint(root) != before


def test_a_crlf_checkout_is_the_same_example(tmp_path: Path) -> None:
    # git's core.autocrlf (the Git for Windows default) skipped every example test.
    root = _copy(tmp_path)
    manifest = root / "rules_src" / "manifest.toml"
    manifest.write_bytes(manifest.read_bytes().replace(b"\n", b"\r\n"))
    assert fingerprint(root) == fingerprint(ROOT)
