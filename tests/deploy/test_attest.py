"""The attestation file and the gate's comparison, without pytest sessions or Pulumi."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from toolkit import __version__
from toolkit._attest import attest, check_gate, read_attestation, write_attestation
from toolkit._render import Artifact
from toolkit.errors import DeployGateError

A = Artifact(name="a", code="exports.onExecutePostLogin = async () => {};\n", kind="action")
B = Artifact(name="b", code="function (user, context, callback) { callback(null, user, context); }",
             kind="rule")
NOW = datetime(2026, 11, 28, 10, 0, 0, 123456, tzinfo=UTC)


def test_attestation_records_hashes_count_version_and_utc_time(tmp_path: Path) -> None:
    attestation = attest([A, B], 7, now=NOW, coverage=97.5, coverage_required=90.0)
    path = write_attestation(attestation, tmp_path / "build" / "attestation.json")
    data = json.loads(path.read_text())
    assert data == {
        "version": 1, "created_at": "2026-11-28T10:00:00Z", "toolkit_version": __version__,
        "tests_passed": 7, "manifest": "rules_src/manifest.toml",
        "coverage": {"percent": 97.5, "required": 90.0},
        "artifacts": [
            {"file": "actions/a.js", "name": "a", "kind": "action", "sha256": A.sha256},
            {"file": "rules/b.js", "name": "b", "kind": "rule", "sha256": B.sha256},
        ]}
    assert read_attestation(path) == attestation
    assert sorted(p.name for p in path.parent.iterdir()) == ["attestation.json"]  # no temp left


def test_writing_replaces_atomically_and_a_failed_write_keeps_the_old_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "attestation.json"
    write_attestation(attest([A], 1, now=NOW), path)
    before = path.read_text()

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("toolkit._attest.os.replace", broken)
    with pytest.raises(OSError, match="disk full"):
        write_attestation(attest([A, B], 2, now=NOW), path)
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["attestation.json"]


def test_the_gate_passes_only_on_exact_hashes(tmp_path: Path) -> None:
    path = tmp_path / "attestation.json"
    write_attestation(attest([A, B], 3, now=NOW, coverage=100.0), path)
    verdict = check_gate([A], path)
    assert verdict.ok
    assert "all 1 artifact(s) to deploy are attested" in verdict.reason()

    changed = replace(A, code=A.code + "// edited\n")
    new = Artifact(name="c", code="exports.onExecutePostLogin = async () => {};", kind="action")
    verdict = check_gate([changed, new], path)
    assert not verdict.ok
    assert verdict.changed == (("actions/a.js", A.sha256, changed.sha256),)
    assert verdict.untested == ("actions/c.js",)
    reason = verdict.reason()
    assert "refusing to deploy: 2 of 2 artifact(s) are not attested" in reason
    assert f"actions/a.js: changed since the last green run (attested sha256:{A.sha256[:12]}" in reason
    assert "actions/c.js: never tested" in reason
    assert "make test-rules" in reason and "rulekit:allowUntested" in reason
    assert isinstance(verdict.error(), DeployGateError)


def test_the_same_code_as_another_kind_is_not_attested(tmp_path: Path) -> None:
    path = tmp_path / "attestation.json"
    write_attestation(attest([A], 1, now=NOW), path)
    assert check_gate([replace(A, kind="rule")], path).untested == ("rules/a.js",)


def test_no_attestation_refuses_everything(tmp_path: Path) -> None:
    verdict = check_gate([A, B], tmp_path / "missing.json")
    assert verdict.attestation is None
    assert verdict.untested == ("actions/a.js", "rules/b.js")
    assert "no attestation at" in verdict.reason()


@pytest.mark.parametrize("text", ["{not json", "[]", '{"version": 9}',
                                  '{"version": 1, "artifacts": [{"file": 1}], "tests_passed": 1}',
                                  '{"version": 1, "artifacts": [], "tests_passed": "x"}'])
def test_a_corrupt_attestation_is_an_error_not_a_pass(tmp_path: Path, text: str) -> None:
    path = tmp_path / "attestation.json"
    path.write_text(text)
    with pytest.raises(DeployGateError) as info:
        check_gate([A], path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(("args", "gated"), [
    ((), True), (("-q", "-k", "admin"), True),
    (("--rulekit-cov-fail-under=80",), False), (("-n", "2"), False), (("-n2",), False),
    (("--numprocesses=auto",), False), (("-p", "no:rulekit-coverage"), False),
    (("-pno:rulekit-coverage",), False),
])
def test_rulekit_test_adds_the_coverage_gate_only_where_coverage_is_measured(
        args: tuple[str, ...], gated: bool) -> None:
    # Coverage is not measured in xdist's controller, nor with the plugin off: a gate there
    # would fail every run at 0%; an explicit threshold is the caller's.
    from toolkit._attest import _measures_no_coverage

    assert _measures_no_coverage(args) is not gated


def test_the_gate_needs_the_attested_run_to_have_covered_the_code(tmp_path: Path) -> None:
    # A green run that never executed a branch (an untested bypass, say) does not let it deploy.
    path = tmp_path / "attestation.json"
    write_attestation(attest([A], 3, now=NOW), path)  # a run that measured no coverage
    verdict = check_gate([A], path)
    assert not verdict.ok and not verdict.changed and not verdict.untested
    assert "measured no rulekit coverage" in verdict.reason()
    assert "did not run enough of the code" in verdict.reason()
    write_attestation(attest([A], 3, now=NOW, coverage=97.4), path)
    verdict = check_gate([A], path)
    assert not verdict.ok and "covered 97.4%" in verdict.reason()
    assert check_gate([A], path, min_coverage=95).ok
    assert check_gate([], path).ok  # nothing to deploy
    with pytest.raises(DeployGateError, match="malformed 'coverage'"):
        path.write_text(json.dumps({**attest([A], 1).to_dict(), "coverage": {"percent": "all"}}))
        read_attestation(path)


def test_written_files_follow_the_umask_not_tempfiles_private_mode(tmp_path: Path) -> None:
    # tempfile creates 0600 files and 0700 folders; CI jobs that upload build/ or deploy as
    # another user need them readable, as any file the process writes would be.
    import os

    from toolkit._render import render
    from toolkit._report import write_section
    old = os.umask(0o022)
    try:
        path = write_attestation(attest([A], 1, now=NOW), tmp_path / "attestation.json")
        section = write_section(tmp_path / "report", "lint", {"findings": []})
        root = Path(__file__).resolve().parents[2]
        render(root / "rules_src" / "manifest.toml", tmp_path / "build")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644
    assert section.stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "build" / "artifacts").stat().st_mode & 0o777 == 0o755
