"""pytest plugin: coverage of rule and Action code, active only when asked.

``pytest --rulekit-cov`` instruments every artifact the runtimes load during the run and prints
per-artifact statement and branch coverage with the template lines that never ran; it writes
``build/report/coverage.json`` and refreshes the HTML report. ``--rulekit-cov-fail-under N``
(implies ``--rulekit-cov``) fails the run when the total is under N percent.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ._coverage import CoverageCollector, CoverageReport

_COLLECTOR: pytest.StashKey[CoverageCollector] = pytest.StashKey()
_REPORT: pytest.StashKey[CoverageReport] = pytest.StashKey()
_ERROR: pytest.StashKey[str] = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rulekit-coverage", "coverage of rule and Action code (rulekit)")
    group.addoption("--rulekit-cov", action="store_true", default=False,
                    help="Measure which statements and branches of the rendered rules and "
                         "Actions the tests ran, mapped to template lines.")
    group.addoption("--rulekit-cov-fail-under", type=float, default=None, metavar="PERCENT",
                    help="Fail the run when rulekit coverage is under PERCENT (implies "
                         "--rulekit-cov).")
    group.addoption("--rulekit-cov-manifest", default="rules_src/manifest.toml",
                    metavar="PATH", help="Manifest whose rendering is measured "
                                         "(default: rules_src/manifest.toml).")
    group.addoption("--rulekit-cov-dir", default="build/report", metavar="DIR",
                    help="Where coverage.json and the HTML report go (default: build/report).")


def _active(config: pytest.Config) -> bool:
    return bool(config.getoption("--rulekit-cov")) or \
        config.getoption("--rulekit-cov-fail-under") is not None


def _under_xdist(config: pytest.Config) -> bool:
    """pytest -n N (or --tx): the tests run in worker processes, where the controller's
    counters never see them, so coverage would read 0% for code that ran."""
    if hasattr(config, "workerinput"):
        return True
    try:
        return bool(config.getoption("numprocesses") or config.getoption("tx"))
    except ValueError:  # xdist not installed
        return False


def pytest_configure(config: pytest.Config) -> None:
    if not _active(config):
        return
    if _under_xdist(config):
        config.stash[_ERROR] = ("not measured under pytest -n (xdist runs the tests in other "
                                "processes): run without -n, as make test-rules does")
        return
    from ._coverage import CoverageCollector

    collector = CoverageCollector()
    collector.start()
    config.stash[_COLLECTOR] = collector


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session) -> object:
    result = yield
    config = session.config
    collector = config.stash.get(_COLLECTOR, None)
    if collector is None:
        if _ERROR in config.stash and config.getoption("--rulekit-cov-fail-under") is not None \
                and not hasattr(config, "workerinput"):
            session.testsfailed += 1  # a threshold was asked for and cannot be checked
        return result
    collector.stop()
    from ._coverage import finish_coverage
    from .errors import RulekitError

    manifest = Path(config.getoption("--rulekit-cov-manifest"))
    if not manifest.is_absolute():
        manifest = config.rootpath / manifest
    out_dir = Path(config.getoption("--rulekit-cov-dir"))
    if not out_dir.is_absolute():
        out_dir = config.rootpath / out_dir
    try:
        report = finish_coverage(collector, manifest, out_dir)
    except RulekitError as exc:
        config.stash[_ERROR] = str(exc)
        session.testsfailed += 1
        return result
    config.stash[_REPORT] = report
    threshold = config.getoption("--rulekit-cov-fail-under")
    if threshold is not None and report.percent < threshold:
        session.testsfailed += 1
    return result


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int,
                            config: pytest.Config) -> None:
    error = config.stash.get(_ERROR, None)
    if error is not None:
        terminalreporter.write_sep("-", "rulekit coverage")
        terminalreporter.write_line(f"rulekit coverage could not be measured: {error}", red=True)
        return
    report = config.stash.get(_REPORT, None)
    if report is None:
        return
    terminalreporter.write_sep("-", "rulekit coverage of rules and Actions")
    for line in report.lines():
        terminalreporter.write_line(line)
    out_dir = Path(config.getoption("--rulekit-cov-dir"))
    terminalreporter.write_line(f"JSON: {out_dir / 'coverage.json'}  HTML: {out_dir / 'index.html'}")
    threshold = config.getoption("--rulekit-cov-fail-under")
    if threshold is not None:
        if report.percent < threshold:
            terminalreporter.write_line(
                f"FAIL: rulekit coverage {report.percent:.1f}% is under the required "
                f"{threshold:g}% (--rulekit-cov-fail-under)", red=True, bold=True)
        else:
            terminalreporter.write_line(
                f"rulekit coverage {report.percent:.1f}% reaches the required {threshold:g}%",
                green=True)
