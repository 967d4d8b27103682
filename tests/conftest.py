"""The suite's top-level conftest: pytester (for testing rulekit's pytest plugin end to end) can
only be enabled here, as pytest refuses pytest_plugins in nested conftest files. Tests marked
``example`` check the shipped example itself and are skipped once it has been changed (see
``tests/example_fingerprint.py``); so is every test that uses a fixture named ``project``: those
copy the live ``rules_src/`` and edit or read its text."""

from __future__ import annotations

import pytest

from tests.example_fingerprint import is_shipped_example

pytest_plugins = ["pytester"]

_SKIP_REASON = ("rules_src/ or tests/rules/ is no longer the shipped example: this test checks "
                "a fact of the example itself (your rules are tested by tests/rules)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "example: checks the shipped example (rules_src/, "
                                       "tests/rules/); skipped once the example is changed")
    config.stash[_SHIPPED] = is_shipped_example()


_SHIPPED = pytest.StashKey[bool]()


def pytest_report_header(config: pytest.Config) -> str | None:
    if config.stash.get(_SHIPPED, True):
        return None
    return ("rulekit: rules_src/ or tests/rules/ differs from the shipped example: the tests "
            "marked 'example' are skipped")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.stash.get(_SHIPPED, True):
        return
    skip = pytest.mark.skip(reason=_SKIP_REASON)
    for item in items:
        # A `project` fixture (tests/deploy, test_cli, test_equiv_port) is a copy of the live
        # rules_src/: its tests replace lines of the shipped manifest and tenant model.
        if item.get_closest_marker("example") is not None or "project" in getattr(
                item, "fixturenames", ()):
            item.add_marker(skip)
