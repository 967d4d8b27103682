"""pytest plugin (entry point ``rulekit-attest``): a green run of the rules' tests attests them.

When does a session write ``build/attestation.json``?

* it ran the rules' tests (``tests/rules/``) **completely**: the folder (or an ancestor) was
  among the paths given, no test in it was deselected (``-k``, ``-m``, ``--deselect``),
  ignored (``--ignore``, ``--ignore-glob``), skipped or xfailed, or picked by node id, and the
  property tests ran at least the dev profile's examples; or ``--rulekit-attest`` was given
  (any green run with a passing test attests);
* and the whole session was green: exit status 0, at least one test passed;
* and the manifest rendered the same before the tests ran and after (nobody edited a template
  mid-run);
* and the session measured rulekit coverage (``--rulekit-cov`` or ``--rulekit-cov-fail-under``,
  as ``make test-rules`` does): the attestation records it, and the deploy gate requires it to
  reach ``rulekit:minCoverage`` (100% by default).

Otherwise nothing is written; the terminal summary says why. Nothing is removed either,
except after a rule test failed (or errored) on the very code and tenant model the attestation
vouches for: then it is removed, so the gate refuses that code until a green run. This holds
under xdist too (the controller reads the workers' reports).
``--no-rulekit-attest`` (or ``-p no:rulekit-attest``) turns the plugin off. ini options
``rulekit_manifest``, ``rulekit_attestation`` and ``rulekit_rule_tests`` move the files
(relative to the rootdir).
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .pytest_plugin import DEV_EXAMPLES

if TYPE_CHECKING:
    from ._attest import AttestedArtifact
    from ._coverage import CoverageReport
    from ._render import Artifact

    _State = tuple[tuple[AttestedArtifact, ...], str | None]

__all__ = ["pytest_addoption", "pytest_configure"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rulekit-attest", "rulekit deploy gate (attestation)")
    group.addoption("--rulekit-attest", action="store_true", default=False,
                    help="Write the attestation after any green run, even one that did not run "
                         "all of the rule tests folder.")
    group.addoption("--no-rulekit-attest", action="store_true", default=False,
                    help="Never write the attestation in this run.")
    parser.addini("rulekit_manifest", "rulekit manifest whose artifacts a green run attests",
                  default="rules_src/manifest.toml")
    parser.addini("rulekit_attestation", "where a green run writes the attestation",
                  default="build/attestation.json")
    parser.addini("rulekit_rule_tests", "folder of the rules' own tests",
                  default="tests/rules")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("no_rulekit_attest") or hasattr(config, "workerinput"):
        return  # turned off, or an xdist worker (the controller sees every report)
    config.pluginmanager.register(_Attester(config), "rulekit-attester")


def _max_examples() -> int:
    from hypothesis import settings

    return int(settings().max_examples)


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


class _Attester:
    def __init__(self, config: pytest.Config) -> None:
        root = config.rootpath
        self.root = root
        self.manifest = root / str(config.getini("rulekit_manifest"))
        self.tenant = self.manifest.parent / "tenant.toml"  # the declared users the tests run
        self.path = root / str(config.getini("rulekit_attestation"))
        self.rules_dir = (root / str(config.getini("rulekit_rule_tests"))).resolve()
        self.forced = bool(config.getoption("rulekit_attest"))
        self.partial = self._partial_selection(config)
        self.rule_nodeids: set[str] = set()
        self.deselected = 0
        self.skipped: list[str] = []  # rule tests that did not run (skipped, xfailed)
        self.failed: dict[str, None] = {}  # rule tests that failed or errored, in order
        self.passed = 0
        self.rule_passed = 0
        self.rule_reported = False  # a report of a rule test came (under xdist: none collected)
        self._rule_files: dict[str, bool] = {}  # report path -> in the rules folder
        self.before: _State | None = None
        self.before_error: str | None = None
        self.message: str | None = None

    def _shown(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def _partial_selection(self, config: pytest.Config) -> str | None:
        """Why the given paths run only part of the rules folder, or None."""
        base = config.invocation_params.dir
        for arg in config.args:
            path_part, _, node = arg.partition("::")
            path = (base / path_part).resolve()
            if node and _within(path, self.rules_dir):
                return f"{arg} selects single tests"
            if path != self.rules_dir and self.rules_dir in path.parents:
                return f"{arg} is only part of {self._shown(self.rules_dir)}"
        chosen = config.getoption("--rulekit-kind", None)
        if chosen:
            from .pytest_plugin import manifest_kinds

            left_out = [kind for kind in manifest_kinds(config) if kind != chosen]
            if left_out:
                return (f"--rulekit-kind {chosen} leaves the manifest's {left_out[0]}s out of "
                        "the rulekit_run tests")
        for ignored in config.getoption("ignore", None) or []:
            path = (base / ignored).resolve()
            if _within(path, self.rules_dir) or _within(self.rules_dir, path):
                return f"--ignore={ignored} leaves out rule tests"
        patterns = config.getoption("ignore_glob", None) or []
        if patterns:
            # What pytest would collect from: the folder, its sub-folders, Python files; pytest
            # makes a relative glob absolute from the invocation directory.
            files = [self.rules_dir, *(path for path in self.rules_dir.rglob("*")
                                       if path.is_dir() or path.suffix == ".py")]
            for pattern in patterns:
                absolute = os.path.abspath(base / pattern)  # as pytest's absolutepath()
                if any(fnmatch.fnmatch(str(file), absolute) for file in files):
                    return f"--ignore-glob={pattern} leaves out rule tests"
        return None

    def _state(self) -> tuple[list[Artifact], _State]:
        """The artifacts, and what the attestation vouches for: each of them as it would be
        deployed, and the tenant model's hash."""
        from ._attest import AttestedArtifact, file_sha256
        from ._render import render_manifest

        artifacts = render_manifest(self.manifest)
        return artifacts, (tuple(map(AttestedArtifact.of, artifacts)), file_sha256(self.tenant))

    @pytest.hookimpl
    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected += sum(1 for item in items if _within(item.path.resolve(), self.rules_dir))

    @pytest.hookimpl
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.rule_nodeids = {item.nodeid for item in session.items
                             if _within(item.path.resolve(), self.rules_dir)}
        if self.rule_nodeids or self.forced:
            from .errors import RulekitError

            try:
                self.before = self._state()[1]  # what the tests are about to run against
            except RulekitError as exc:
                self.before_error = str(exc)

    @pytest.hookimpl
    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        # A rule test module skipped whole (pytest.skip(allow_module_level=True), a failed
        # importorskip) has no tests to report: it is skipped all the same.
        if report.skipped and self._in_rules(report):
            self.skipped.append(report.nodeid)
        if report.failed and self._in_rules(report):
            self.rule_reported = True  # a rule test module that does not import: say why

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        rule_test = self._is_rule_test(report)
        self.rule_reported = self.rule_reported or rule_test
        if report.when == "call" and report.passed:
            self.passed += 1
            self.rule_passed += rule_test
        elif report.skipped and report.nodeid in self.rule_nodeids:
            self.skipped.append(report.nodeid)  # skip marks, pytest.skip(), xfail
        if report.failed and (self.forced or rule_test):
            self.failed[report.nodeid] = None  # setup, call or teardown: once per test

    def _is_rule_test(self, report: pytest.TestReport) -> bool:
        """Whether the report is of a test in the rules folder (read from the report, not the
        collected items: under xdist the controller collects none)."""
        return report.nodeid in self.rule_nodeids or self._in_rules(report)

    def _in_rules(self, report: pytest.TestReport | pytest.CollectReport) -> bool:
        """Whether the report's file is in the rules folder: one path lookup per file, not
        one per report."""
        path = getattr(report, "fspath", None)  # relative to the rootdir
        if not isinstance(path, str) or not path:
            return False
        if path not in self._rule_files:
            self._rule_files[path] = _within((self.root / path).resolve(), self.rules_dir)
        return self._rule_files[path]

    @pytest.hookimpl
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if not self.rule_reported and not self.forced and not self.failed:
            return  # this session is not about the rules: stay silent
        why_not = self._why_not(exitstatus, session.config)
        if why_not is not None:
            self.message = (f"rulekit: no attestation written ({why_not}); "
                            + (self._withdraw() or f"{self._shown(self.path)} left as it was"))
            return
        from ._attest import attest, write_attestation
        from .errors import RulekitError

        try:
            artifacts, now = self._state()
        except RulekitError as exc:
            self.message = f"rulekit: no attestation written (the manifest no longer renders: {exc})"
            return
        if now != self.before:
            self.message = ("rulekit: no attestation written (rules_src changed while the tests "
                            "ran; run them again)")
            return
        report = self._coverage(session.config)
        assert report is not None  # _why_not
        measured = {item.artifact.sha256 for item in report.artifacts}
        unmeasured = [a.file_name for a in artifacts if a.sha256 not in measured]
        if unmeasured:
            self.message = (f"rulekit: no attestation written (the coverage measured is not of "
                            f"the artifacts to attest: {', '.join(unmeasured)}; measure "
                            f"{self._shown(self.manifest)}, as --rulekit-cov-manifest does by "
                            "default)")
            return
        required = session.config.getoption("--rulekit-cov-fail-under")
        forced = self._incomplete() if self.forced else None
        write_attestation(attest(artifacts, self.passed, manifest=self._shown(self.manifest),
                                 coverage=report.percent, coverage_required=required,
                                 tenant_sha256=now[1], forced=forced), self.path)
        self.message = (f"rulekit: attestation written to {self._shown(self.path)}: "
                        f"{len(artifacts)} artifact(s), {self.passed} test(s) passed "
                        f"({self.rule_passed} in {self._shown(self.rules_dir)}), "
                        f"coverage {report.percent:.1f}%"
                        + (f"; marked forced ({forced}): rulekit plan shows it" if forced else ""))

    def _withdraw(self) -> str | None:
        """After rule tests failed on the very code the attestation vouches for, remove it:
        the gate would otherwise deploy what the tests now reject (a newcomer added a failing
        regression test, and `rulekit plan` still said "Would deploy: yes"). An attestation of
        other code (the templates changed since) is left: the gate refuses the new code anyway.
        Returns what was done, or None."""
        from ._attest import read_attestation
        from .errors import RulekitError

        if not self.failed or not self.path.is_file():
            return None
        try:
            attested = read_attestation(self.path)
            tested = self.before if self.before is not None else self._state()[1]
        except (RulekitError, OSError):
            return None
        if attested is None or (set(attested.artifacts), attested.tenant_sha256) != (
                set(tested[0]), tested[1]):
            return None
        self.path.unlink(missing_ok=True)
        tests = "test(s)" if self.forced else "rule test(s)"  # forced: any test counts
        return (f"{self._shown(self.path)} removed: {len(self.failed)} {tests} failed or "
                f"errored on the code and tenant model it attested, e.g. {next(iter(self.failed))}"
                "; the deploy gate refuses that code until a green run")

    @staticmethod
    def _coverage(config: pytest.Config) -> CoverageReport | None:
        from ._coverage_plugin import _REPORT

        return config.stash.get(_REPORT, None)

    def _why_not(self, exitstatus: int, config: pytest.Config) -> str | None:
        if exitstatus == pytest.ExitCode.INTERRUPTED:
            return "the run was interrupted"
        if exitstatus != pytest.ExitCode.OK:
            return f"the run was not green: exit status {int(exitstatus)}"
        if self.passed == 0:
            return "no test passed"
        if config.pluginmanager.hasplugin("dsession"):  # xdist distributes (-n N, N > 0)
            # A newcomer's `rulekit test -n 2` ended "82 passed" and said nothing of this.
            return ("the tests ran under pytest -n (xdist), where rulekit coverage is not "
                    "measured, and the deploy gate needs it: run them without -n to attest")
        if not self.forced:
            incomplete = self._incomplete()
            if incomplete is not None:
                return incomplete
        if self.before_error is not None:
            return f"the manifest did not render: {self.before_error}"
        if self._coverage(config) is None:
            return ("rulekit coverage was not measured: the deploy gate needs it; run "
                    "`make test-rules` (pytest tests/rules --rulekit-cov-fail-under=100)")
        return None

    def _incomplete(self) -> str | None:
        """Why this green run is not the whole of the rule tests, or None. --rulekit-attest
        writes the attestation anyway, and records this in it."""
        if self.partial is not None:
            return f"only part of the rule tests ran: {self.partial}"
        if self.deselected:
            return (f"{self.deselected} rule test(s) were deselected; run all of "
                    f"{self._shown(self.rules_dir)}")
        if self.skipped:
            # A skipped rule test checks nothing: coverage can stay at 100% while the
            # assertions that pin the decisions are off.
            return (f"{len(self.skipped)} rule test(s) were skipped or xfailed, e.g. "
                    f"{self.skipped[0]}; every rule test must run and pass")
        if not self.rule_nodeids:
            return f"no test of {self._shown(self.rules_dir)} ran"
        examples = _max_examples()
        if examples < DEV_EXAMPLES:
            # The property tests are the search for bypasses: one example each finds none.
            return (f"the property tests ran with {examples} example(s) each, fewer than "
                    f"the {DEV_EXAMPLES} of rulekit's dev profile (--rulekit-examples or "
                    "--hypothesis-profile)")
        return None

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.message:
            terminalreporter.write_line(self.message)
