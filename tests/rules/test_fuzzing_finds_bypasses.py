"""Proof that the fuzzing finds MFA bypasses by itself.

Every file in ``broken/`` is the example MFA rule with one realistic bug (its header says
which, which shipped property tests must catch it, and where it goes in the pipeline). Each
variant is put into the manifest's pipeline, and the property tests of
``test_mfa_properties.py`` (the very same test functions, under the ``ci`` profile: the same
examples on every run) are run against it: each listed test must fail. The real rule passes
them all. Two departures from the ``ci`` profile: no example database (a variant's failure
must not be replayed against the real rule), and no shrinking, which only makes the report
smaller and takes seconds per failure (one test below checks what shrinking gives).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from tests.rules import test_mfa_properties as shipped
from toolkit import ABSENT, Artifact, load_rule_file, load_rules, make_login, make_user
from toolkit.properties import LoginRunner, PropertyFailed

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "rules_src" / "manifest.toml"
BROKEN = Path(__file__).resolve().parent / "broken"
NOW = "2026-11-28T10:00:00Z"
SHIPPED: dict[str, Callable[..., None]] = {
    name: getattr(shipped, name) for name in sorted(vars(shipped)) if name.startswith("test_")}
_FIELD = re.compile(r"^\s*\*\s*(bug|caught-by|replaces|after):\s*(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Variant:
    path: Path
    bug: str
    caught_by: tuple[str, ...]
    replaces: str | None
    after: str | None


def read_variant(path: Path) -> Variant:
    fields: dict[str, str] = {}
    last = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("function"):
            break
        match = _FIELD.match(line)
        if match:
            last = match[1].lower()
            fields[last] = match[2].strip()
        elif last == "bug" and line.strip().startswith("*") and line.strip() not in {"*", "*/"}:
            fields["bug"] += " " + line.strip().lstrip("*").strip()
        else:
            last = ""
    return Variant(path, fields.get("bug", ""),
                   tuple(n.strip() for n in fields.get("caught-by", "").split(",") if n.strip()),
                   fields.get("replaces"), fields.get("after"))


VARIANTS = [read_variant(path) for path in sorted(BROKEN.glob("*.js"))]


def pipeline_with(variant: Variant) -> list[Artifact]:
    rules = load_rules(MANIFEST)
    broken = replace(load_rule_file(variant.path), kind="rule")
    names = [rule.name for rule in rules]
    if variant.replaces is not None:
        return [broken if rule.name == variant.replaces else rule for rule in rules]
    assert variant.after is not None
    index = names.index(variant.after) + 1
    return [*rules[:index], broken, *rules[index:]]


def run_shipped(name: str, runner: LoginRunner, *, shrink: bool = False) -> list[PropertyFailed]:
    """Run one shipped property test on ``runner``; the property failures it raised."""
    inner: Any = SHIPPED[name].hypothesis.inner_test  # type: ignore[attr-defined]
    ci = settings.get_profile("ci")
    phases = ci.phases if shrink else tuple(p for p in ci.phases if p is not Phase.shrink)
    proof = settings(ci, database=None, phases=phases)(given(data=st.data())(inner))
    try:
        proof(rulekit_run=runner)
    except PropertyFailed as failure:
        return [failure]
    except ExceptionGroup as group:  # several distinct failures (report_multiple_bugs)
        matched, _ = group.split(PropertyFailed)
        return [e for e in (matched.exceptions if matched else ()) if isinstance(e, PropertyFailed)]
    return []


def test_there_are_enough_variants_and_each_is_described() -> None:
    # A test renamed in test_mfa_properties.py, or an entry renamed in the manifest, must be
    # renamed in the headers of broken/*.js too: say which file and what (a newcomer got a
    # bare AssertionError naming the path, and a KeyError).
    assert len(VARIANTS) >= 8
    entries = [rule.name for rule in load_rules(MANIFEST)]
    for variant in VARIANTS:
        where = f"{variant.path.relative_to(ROOT)}"
        assert variant.bug, f"{where}: its header needs a ' * bug: ...' line"
        assert variant.caught_by, f"{where}: its header needs ' * caught-by: <test names>'"
        unknown = sorted(set(variant.caught_by) - set(SHIPPED))
        assert not unknown, (f"{where}: caught-by names {unknown}, not tests of "
                             f"tests/rules/test_mfa_properties.py (it has: {sorted(SHIPPED)})")
        assert (variant.replaces is None) != (variant.after is None), \
            f"{where}: its header needs ' * replaces: <entry>' or ' * after: <entry>', one of them"
        named = variant.replaces or variant.after
        assert named in entries, (f"{where}: names the entry {named!r}, not in "
                                  f"{MANIFEST.relative_to(ROOT)} (it has: {entries})")
        pipeline_with(variant)


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.path.stem for v in VARIANTS])
def test_the_shipped_properties_catch_the_broken_rule(variant: Variant,
                                                     rulekit_values: dict[str, str]) -> None:
    with LoginRunner(pipeline_with(variant), kind="rule", now=NOW,
                     values=rulekit_values) as runner:
        for name in variant.caught_by:
            failures = run_shipped(name, runner)
            assert failures, f"{name} did not catch {variant.path.name}: {variant.bug}"
            report = str(failures[0])
            assert "Regression test, ready to paste" in report
            assert "def test_" in failures[0].regression


def test_the_real_rule_passes_every_shipped_property(rulekit_values: dict[str, str]) -> None:
    # rulekit_values: the configuration the rules read (override it in conftest.py)
    with LoginRunner(load_rules(MANIFEST), kind="rule", now=NOW,
                     values=rulekit_values) as runner:
        for name in SHIPPED:
            assert run_shipped(name, runner) == [], name


def test_a_shrunk_failure_is_the_default_login_but_for_the_bug(
        rulekit_values: dict[str, str]) -> None:
    variant = read_variant(BROKEN / "strict_equals_on_array.js")
    with LoginRunner(pipeline_with(variant), kind="rule", now=NOW,
                     values=rulekit_values) as runner:
        [failure] = run_shipped("test_role_holders_always_get_mfa", runner, shrink=True)
    assert failure.login == make_login(user=make_user(app_metadata={"roles": [shipped.ROLE]}))
    assert "user=make_user(app_metadata={'roles': ['ai_system_admin']})" in failure.regression
    assert ABSENT not in failure.login.values()
