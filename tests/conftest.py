"""The suite's top-level conftest: pytester (for testing rulekit's pytest plugin end to end) can
only be enabled here, as pytest refuses pytest_plugins in nested conftest files."""

pytest_plugins = ["pytester"]
