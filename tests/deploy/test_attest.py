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
        "version": 2, "created_at": "2026-11-28T10:00:00Z", "toolkit_version": __version__,
        "tests_passed": 7, "manifest": "rules_src/manifest.toml",
        "coverage": {"percent": 97.5, "required": 90.0}, "tenant_sha256": None, "forced": None,
        "artifacts": [
            {"file": "actions/a.js", "name": "a", "kind": "action", "sha256": A.sha256,
             "enabled": True, "order": 0, "dependencies": {}, "secrets": []},
            {"file": "rules/b.js", "name": "b", "kind": "rule", "sha256": B.sha256,
             "enabled": True, "order": 0, "dependencies": {}, "secrets": []},
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
    # ... even with nothing to deploy: every Action disabled on a fresh checkout would unbind
    # the MFA Action and apply an untested tenant model (review of 2026-11-29)
    nothing = check_gate([], tmp_path / "missing.json", rendered=[replace(A, enabled=False)])
    assert not nothing.ok
    assert "nor the removal of every Action from the post-login flow" in nothing.reason()


@pytest.mark.parametrize("text", ["{not json", "[]", '{"version": 9}', "\udcff\udcfe{}",
                                  '{"version": 2, "artifacts": [{"file": 1}], "tests_passed": 1}',
                                  '{"version": 2, "artifacts": [], "tests_passed": "x"}',
                                  '{"version": 2, "artifacts": [{"file": "a", "name": "a", '
                                  '"kind": "action", "sha256": "x"}], "tests_passed": 1}'])
def test_a_corrupt_attestation_is_a_refusal_not_a_pass(tmp_path: Path, text: str) -> None:
    # A refusal (rulekit plan exits 1, as for any gate refusal), not an error of the tenant
    # model or the manifest (exit 2), which a newcomer found it was.
    path = tmp_path / "attestation.json"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))  # "\udcff": the byte 0xff
    with pytest.raises(DeployGateError) as info:
        read_attestation(path)
    assert str(path) in str(info.value)
    verdict = check_gate([A], path)
    assert not verdict.ok
    assert verdict.reason().startswith(f"refusing to deploy: {path} is unusable, ")
    assert "(none of the 1 artifact(s) to deploy counts as tested)" in verdict.reason()


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
    off = replace(A, enabled=False)
    write_attestation(attest([off], 3, now=NOW, coverage=97.4), path)
    assert check_gate([], path, rendered=[off]).ok  # nothing to deploy, nothing unbound
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


# The gate compares how the code would be deployed, not only the code (review of 2026-11-29:
# disabling the MFA Action, reordering, new secrets or packages, or a changed tenant model all
# deployed on an old attestation while the rule tests failed).
C = Artifact(name="c", code="exports.onExecutePostLogin = async (e, api) => {};\n",
             kind="action", order=2)
A1 = replace(A, order=1)


def _attested(tmp_path: Path, *artifacts: Artifact, tenant: str | None = None) -> Path:
    path = tmp_path / "attestation.json"
    model = tmp_path / "tenant.toml"
    if tenant is not None:
        model.write_text(tenant)
    write_attestation(attest(artifacts, 3, now=NOW, coverage=100.0,
                             tenant_sha256=None if tenant is None else _sha(model)), path)
    return path


def _sha(path: Path) -> str:
    from toolkit._attest import file_sha256

    digest = file_sha256(path)
    assert digest is not None
    return digest


def test_the_gate_refuses_an_action_disabled_since_the_tested_run(tmp_path: Path) -> None:
    path = _attested(tmp_path, A1, C)
    verdict = check_gate([C], path, rendered=[replace(A1, enabled=False), C])
    assert not verdict.ok and not verdict.changed and not verdict.untested
    reason = verdict.reason()
    assert "it would not be deployed as it was tested" in reason
    assert ("the actions that would run, in order, are not the tested ones: tested "
            "[actions/a.js, actions/c.js], now [actions/c.js]") in reason
    assert "make test-rules" in reason
    # ... and every Action disabled: nothing to deploy, but the tested ones would be unbound
    assert not check_gate([], path, rendered=[replace(A1, enabled=False),
                                              replace(C, enabled=False)]).ok


def test_the_gate_refuses_a_new_binding_order(tmp_path: Path) -> None:
    path = _attested(tmp_path, A1, C)
    swapped = [replace(A1, order=3), C]
    verdict = check_gate([C, swapped[0]], path, rendered=swapped)
    assert "tested [actions/a.js, actions/c.js], now [actions/c.js, actions/a.js]" in verdict.reason()
    # another number, the same order: nothing to refuse
    assert check_gate([replace(A1, order=0), C], path, rendered=[replace(A1, order=0), C]).ok


def test_the_gate_refuses_new_dependencies_or_secrets(tmp_path: Path) -> None:
    path = _attested(tmp_path, A)
    with_package = replace(A, dependencies=(("lodash", "4.17.21"),))
    reason = check_gate([with_package], path).reason()
    assert 'actions/a.js: npm dependencies changed since the last green run (tested {}, now ' \
           '{"lodash": "4.17.21"})' in reason
    with_secret = replace(A, secrets=("API_KEY",))
    assert 'secrets changed since the last green run (tested [], now ["API_KEY"])' in \
        check_gate([with_secret], path).reason()


@pytest.mark.parametrize(("tested", "now", "state"), [
    ("users = []\n", "users = [1]\n", "changed"), ("users = []\n", None, "removed"),
    (None, "users = []\n", "added")])
def test_the_gate_refuses_a_tenant_model_changed_since_the_tested_run(
        tmp_path: Path, tested: str | None, now: str | None, state: str) -> None:
    path = _attested(tmp_path, A, tenant=tested)
    model = tmp_path / "tenant.toml"
    if now is None:
        model.unlink()
    else:
        model.write_text(now)
    verdict = check_gate([A], path, tenant=model)
    assert not verdict.ok
    assert f"tenant.toml: {state} since the last green run" in verdict.reason()
    if now is not None and tested is not None:
        model.write_text(tested)
        assert check_gate([A], path, tenant=model).ok


def test_an_attestation_from_an_older_rulekit_attests_nothing(tmp_path: Path) -> None:
    # Not corrupt (rulekit:allowUntested can still override), but it vouched for less.
    path = tmp_path / "attestation.json"
    path.write_text('{"version": 1, "artifacts": [{"file": "actions/a.js", "name": "a", '
                    f'"kind": "action", "sha256": "{A.sha256}"}}], "tests_passed": 1}}')
    verdict = check_gate([A], path)
    assert not verdict.ok and verdict.untested == ("actions/a.js",)
    assert "was written by an older rulekit (attestation version 1; this rulekit writes 2), " \
           "so it attests nothing: none of the 1 artifact(s) to deploy counts as tested" \
           in verdict.reason()
