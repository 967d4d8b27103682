"""The suite's top-level conftest: pytester (for testing rulekit's pytest plugin end to end) can
only be enabled here, as pytest refuses pytest_plugins in nested conftest files. Tests marked
``example`` check the shipped example itself and are skipped once it has been changed (see
``tests/example_fingerprint.py``), as are the tests whose fixture copies it to edit its text
(``copy_shipped_example``)."""

from __future__ import annotations

import pytest

from tests.example_fingerprint import SKIP_REASON, is_shipped_example

pytest_plugins = ["pytester"]



def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "example: checks the shipped example (rules_src/, "
                                       "tests/rules/); skipped once the example is changed")
    config.stash[_SHIPPED] = is_shipped_example()


_SHIPPED = pytest.StashKey[bool]()


def pytest_report_header(config: pytest.Config) -> str | None:
    if config.stash.get(_SHIPPED, True):
        return None
    return ("rulekit: rules_src/ or tests/rules/ differs from the shipped example: the tests "
            "marked 'example', and those that edit a copy of it, are skipped")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.stash.get(_SHIPPED, True):
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if item.get_closest_marker("example") is not None:
            item.add_marker(skip)
