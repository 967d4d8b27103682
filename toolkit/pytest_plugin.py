"""rulekit's pytest plugin (entry point ``pytest11: rulekit``): fixtures and Hypothesis profiles.

Fixtures (all session-scoped, V8 started on first use and closed at the end):

- ``rulekit_manifest``: the manifest path (``--rulekit-manifest``, ini ``rulekit_manifest``,
  default ``rules_src/manifest.toml`` under the rootdir);
- ``rulekit_values``: ``configuration`` (Rules) / ``secrets`` (Actions); override it in a
  conftest.py to give values;
- ``rulekit_rules`` / ``rulekit_actions``: the manifest's Rules pipeline in a ``RulesRuntime``,
  its Actions flow in an ``ActionsRuntime``;
- ``rulekit_run``: a :class:`~toolkit.properties.LoginRunner`, ``rulekit_run(login) ->
  Outcome``, over the Rules (or, with ``--rulekit-kind action``, the Actions).

Hypothesis profiles: ``dev`` (the default: 100 examples, failures saved to ``.hypothesis/``
and replayed first), ``ci`` (chosen when the ``CI`` environment variable is set:
derandomized, so every run tries the same examples, bounded, no deadline), ``fuzz`` (long;
for ``make fuzz``). Pick one with ``--hypothesis-profile``; ``--rulekit-examples N`` changes
the number of examples, ``--rulekit-fuzz-seconds S`` keeps every property test generating
for S seconds (new seeds each round). Ini options: ``rulekit_manifest``, ``rulekit_now`` (the
frozen clock of the runtimes, ``''`` for the real one), ``rulekit_example_database``.
"""

from __future__ import annotations

import inspect
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pytest

if TYPE_CHECKING:
    from ._actions import ActionsRuntime
    from ._login_runner import LoginRunner
    from ._rules import RulesRuntime

CI_EXAMPLES: Final = 200
DEV_EXAMPLES: Final = 100
FUZZ_EXAMPLES: Final = 10_000
DEFAULT_NOW: Final = "2026-11-28T10:00:00Z"
_SECONDS = pytest.StashKey[float]()
_EXAMPLES = pytest.StashKey[int]()
_KINDS = pytest.StashKey[list[str]]()
_DROPPED = pytest.StashKey[list[str]]()


def register_profiles(database_dir: Path) -> None:
    """Register rulekit's ``dev``, ``ci`` and ``fuzz`` Hypothesis profiles."""
    from hypothesis import HealthCheck, Phase, settings
    from hypothesis.database import DirectoryBasedExampleDatabase

    database = DirectoryBasedExampleDatabase(database_dir)
    # No explain phase: on logins (~80 choices each) it costs ten times the shrinking, and the
    # failure report shows the shrunk login and a regression test instead.
    phases = tuple(p for p in Phase if p is not Phase.explain)
    # A V8 call can pause for garbage collection or engine start-up: no deadline anywhere.
    settings.register_profile("dev", max_examples=DEV_EXAMPLES, deadline=None, database=database,
                              phases=phases)
    # derandomize=True: every CI run tries the same examples (it implies no database: a CI
    # checkout starts without one anyway).
    settings.register_profile("ci", max_examples=CI_EXAMPLES, deadline=None, derandomize=True,
                              print_blob=True, phases=phases,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("fuzz", max_examples=FUZZ_EXAMPLES, deadline=None,
                              database=database, phases=phases,
                              suppress_health_check=[HealthCheck.too_slow])


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rulekit", "rulekit (Auth0 login code under test)")
    group.addoption("--rulekit-manifest", metavar="PATH", default=None,
                    help="manifest of the rules under test (default: ini rulekit_manifest, "
                         "or rules_src/manifest.toml)")
    group.addoption("--rulekit-kind", choices=("rule", "action"), default=None,
                    help="what rulekit_run runs: the manifest's Rules or its Actions (default: "
                         "each test once per kind the manifest has, [rule] and [action])")
    group.addoption("--rulekit-examples", metavar="N", type=int, default=None,
                    help="max_examples for every Hypothesis test (on top of the profile)")
    group.addoption("--rulekit-fuzz-seconds", metavar="S", type=float, default=None,
                    help="run each Hypothesis test again and again, with new seeds, for S seconds")
    parser.addini("rulekit_manifest", "manifest of the rules under test",
                  default="rules_src/manifest.toml")
    parser.addini("rulekit_now", "frozen clock for rulekit_run ('' for the real clock)",
                  default=DEFAULT_NOW)
    parser.addini("rulekit_example_database", "where the dev and fuzz profiles keep failing "
                  "examples (relative to the rootdir; a shared folder lets machines share them)",
                  default=".hypothesis/examples")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rulekit_kinds(*kinds): run this test of rulekit_run "
                                       "only for these kinds ('rule', 'action')")
    # Before Hypothesis's own plugin, which loads the profile named by --hypothesis-profile.
    from hypothesis import settings

    register_profiles(config.rootpath / str(config.getini("rulekit_example_database")))
    if not config.getoption("--hypothesis-profile", default=None):
        settings.load_profile("ci" if os.environ.get("CI") else "dev")
    examples = config.getoption("--rulekit-examples")
    if examples is not None:
        if examples < 1:
            raise pytest.UsageError(f"--rulekit-examples must be at least 1, not {examples}")
        config.stash[_EXAMPLES] = examples
    seconds = config.getoption("--rulekit-fuzz-seconds")
    if seconds is not None:
        if seconds <= 0:
            raise pytest.UsageError(f"--rulekit-fuzz-seconds must be positive, not {seconds:g}")
        config.stash[_SECONDS] = seconds


def pytest_sessionstart(session: pytest.Session) -> None:
    # After every pytest_configure (Hypothesis's loads --hypothesis-profile), before collection
    # (where @given captures the current settings).
    examples = session.config.stash.get(_EXAMPLES, None)
    if examples is not None:
        from hypothesis import settings

        current = settings.get_current_profile_name()
        name = f"{current}-{examples}-examples"
        settings.register_profile(name, settings.get_profile(current), max_examples=examples)
        settings.load_profile(name)


def pytest_report_header(config: pytest.Config) -> list[str]:
    from hypothesis import settings

    profile = settings.get_current_profile_name()
    examples = config.stash.get(_EXAMPLES, settings().max_examples)
    seconds = config.stash.get(_SECONDS, None)
    extra = f", {seconds:g} s per test" if seconds else ""
    kind = config.getoption("--rulekit-kind")
    runs = f"{kind}s" if kind else "Rules and Actions (each test once per kind)"
    return [f"rulekit: hypothesis profile '{profile}' ({examples} examples{extra}), "
            f"manifest {_manifest_path(config)}, rulekit_run: {runs}"]


def manifest_kinds(config: pytest.Config) -> list[str]:
    """The kinds of the manifest's enabled artifacts (both when it cannot be read: the
    fixture then reports the problem)."""
    from ._render import render_manifest
    from .errors import RulekitError

    try:
        artifacts = render_manifest(_manifest_path(config), check=False)
    except (RulekitError, OSError):
        return ["rule", "action"]
    kinds = {a.kind for a in artifacts if a.enabled}
    return [kind for kind in ("rule", "action") if kind in kinds] or ["rule", "action"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Auth0 deploys Actions today and Rules are what is being migrated: a test of rulekit_run
    # runs against both, unless --rulekit-kind picks one. Left alone: a test that parametrizes
    # rulekit_kind itself, and a conftest's own rulekit_kind fixture.
    if "rulekit_kind" not in metafunc.fixturenames:
        return
    if any("rulekit_kind" in _argnames(mark) for mark in metafunc.definition.iter_markers(
            "parametrize")):
        return
    definitions = getattr(metafunc, "_arg2fixturedefs", {}).get("rulekit_kind") or ()
    if definitions and getattr(getattr(definitions[-1], "func", None), "__module__",
                               __name__) != __name__:
        return  # a conftest's or a module's own rulekit_kind (a rootdir conftest's too)
    marker = metafunc.definition.get_closest_marker("rulekit_kinds")
    unknown = [kind for kind in (marker.args if marker else ()) if kind not in ("rule", "action")]
    if unknown:
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: rulekit_kinds({unknown[0]!r}): "
                                "the kinds are 'rule' and 'action'")
    chosen = metafunc.config.getoption("--rulekit-kind")
    kinds = [chosen] if chosen else metafunc.config.stash.get(_KINDS, None)
    if kinds is None:
        kinds = metafunc.config.stash[_KINDS] = manifest_kinds(metafunc.config)
    metafunc.parametrize("rulekit_kind", kinds, scope="session")


def _argnames(mark: pytest.Mark) -> list[str]:
    names = mark.args[0] if mark.args else mark.kwargs.get("argnames", "")
    return [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)


@pytest.hookimpl(tryfirst=True)  # before -k/-m deselect: the dropped never count as selected
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # @pytest.mark.rulekit_kinds("rule"): a property of one kind only (a Rule's callback). The
    # other kind's items are dropped, not skipped nor deselected: a manifest without Rules
    # still runs every test it can, and the attestation counts nothing as left out.
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        marker = item.get_closest_marker("rulekit_kinds")
        callspec = getattr(item, "callspec", None)
        kind = callspec.params.get("rulekit_kind") if callspec is not None else None
        (kept if marker is None or kind is None or kind in marker.args else dropped).append(item)
    items[:] = kept
    # Said only of a test none of whose kinds runs (a Rules-only property on a manifest without
    # Rules): one that ran for its own kind left out nothing (it printed on every green run).
    ran = {item.nodeid.split("[", 1)[0] for item in kept}
    missing = [item.nodeid for item in dropped if item.nodeid.split("[", 1)[0] not in ran]
    if missing:
        config.stash[_DROPPED] = missing


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    dropped = terminalreporter.config.stash.get(_DROPPED, [])
    if dropped:
        terminalreporter.write_line(
            f"rulekit: {len(dropped)} collected test(s) of the other kind not run "
            f"(rulekit_kinds), e.g. {dropped[0]}")


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """With --rulekit-fuzz-seconds: call a Hypothesis test again until its time is up."""
    seconds = pyfuncitem.config.stash.get(_SECONDS, None)
    test = pyfuncitem.obj
    if not seconds or not getattr(test, "is_hypothesis_test", False):
        return None
    names = inspect.signature(test).parameters
    arguments = {name: pyfuncitem.funcargs[name] for name in names if name in pyfuncitem.funcargs}
    deadline = time.monotonic() + seconds
    rounds = 0
    while True:
        test(**arguments)  # a failure ends the loop; Hypothesis saved the shrunk example
        rounds += 1
        if time.monotonic() >= deadline:
            break
    pyfuncitem.user_properties.append(("rulekit_fuzz_rounds", rounds))
    return True


# ----------------------------------------------------------------------------------- fixtures
def _manifest_path(config: pytest.Config) -> Path:
    given = config.getoption("--rulekit-manifest") or str(config.getini("rulekit_manifest"))
    path = Path(given)
    return path if path.is_absolute() else config.rootpath / path


@pytest.fixture(scope="session")
def rulekit_manifest(pytestconfig: pytest.Config) -> Path:
    """The manifest of the rules under test."""
    path = _manifest_path(pytestconfig)
    if not path.is_file():
        raise pytest.UsageError(f"rulekit: no manifest at {path} (give --rulekit-manifest PATH "
                                f"or set rulekit_manifest in the pytest ini)")
    return path


@pytest.fixture(scope="session")
def rulekit_values() -> dict[str, str]:
    """Values of ``configuration`` (Rules) and ``secrets`` (Actions); override to give some."""
    return {}


def _now(config: pytest.Config) -> str | None:
    return str(config.getini("rulekit_now")) or None


@pytest.fixture(scope="session")
def rulekit_rules(pytestconfig: pytest.Config, rulekit_manifest: Path,
                  rulekit_values: dict[str, str]) -> Iterator[RulesRuntime]:
    """The manifest's enabled Rules, in order, in one V8 engine."""
    from ._rules import RulesRuntime
    from ._ruleset import load_rules

    with RulesRuntime(load_rules(rulekit_manifest), configuration=rulekit_values,
                      now=_now(pytestconfig)) as runtime:
        yield runtime


@pytest.fixture(scope="session")
def rulekit_actions(pytestconfig: pytest.Config, rulekit_manifest: Path,
                    rulekit_values: dict[str, str]) -> Iterator[ActionsRuntime]:
    """The manifest's enabled post-login Actions, in binding order, in one V8 engine."""
    from ._actions import ActionsRuntime
    from ._ruleset import load_actions
    from ._tenant import tenant_factors

    with ActionsRuntime(load_actions(rulekit_manifest), secrets=rulekit_values,
                        now=_now(pytestconfig), factors=tenant_factors(rulekit_manifest)) as runtime:
        yield runtime


@pytest.fixture(scope="session")
def rulekit_kind(pytestconfig: pytest.Config) -> str:
    """What rulekit_run runs, "rule" or "action": each test gets both (see
    pytest_generate_tests) unless ``--rulekit-kind`` picks one."""
    return str(pytestconfig.getoption("--rulekit-kind") or "rule")


@pytest.fixture(scope="session")
def rulekit_run(pytestconfig: pytest.Config, rulekit_manifest: Path,
                rulekit_values: dict[str, str], rulekit_kind: str) -> Iterator[LoginRunner]:
    """``rulekit_run(login) -> Outcome`` over the manifest's Rules and, in a second run of the
    test, its Actions (``--rulekit-kind`` picks one); ``rulekit_run.dictionary`` holds the
    code's literals."""
    from ._login_runner import LoginRunner

    kind: Any = rulekit_kind
    with LoginRunner.from_manifest(rulekit_manifest, kind=kind, values=rulekit_values,
                                   now=_now(pytestconfig)) as runner:
        yield runner
