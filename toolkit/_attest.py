"""The deploy gate: what a green test run attests, and the check the Pulumi program makes.

A green run of the rules' tests (``make test-rules``, ``rulekit test``; the pytest plugin in
``toolkit._attest_plugin``) writes ``build/attestation.json``: the sha256 of every artifact the
manifest renders (all entries, both targets) with what decides how it is deployed (enabled,
order, npm dependencies, secret names), the sha256 of the tenant model the tests ran the
declared users of, how many tests passed, the toolkit version and the UTC time. The file is
replaced atomically; a red, interrupted or empty run writes nothing and removes nothing.

The Pulumi program re-renders the manifest and deploys only when every artifact it would deploy
has exactly the attested hash, dependencies and secrets, the Actions bound are the attested
ones in the attested order, and the tenant model is the attested one (:func:`check_gate`);
otherwise it raises DeployGateError naming each difference, and the command to run.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ._render import Artifact, created_mode
from ._version import __version__
from .errors import DeployGateError, InputError

__all__ = [
    "ATTESTATION_VERSION",
    "DEFAULT_ATTESTATION",
    "RERUN_HINT",
    "Attestation",
    "AttestedArtifact",
    "GateVerdict",
    "attest",
    "check_gate",
    "read_attestation",
    "run_rule_tests",
    "write_attestation",
]

ATTESTATION_VERSION = 2  # 2: deployment settings per artifact and the tenant model's hash
DEFAULT_ATTESTATION = Path("build/attestation.json")
RERUN_HINT = "run `make test-rules` (or `rulekit test`) until it is green, then deploy again"
OVERRIDE_HINT = ("emergency override, deploys untested code: "
                 "pulumi config set rulekit:allowUntested true")


class OutdatedAttestation(DeployGateError):
    """An attestation an older rulekit wrote: it vouches for less than the gate checks now,
    so it counts as none (a green run replaces it)."""


@dataclass(frozen=True)
class AttestedArtifact:
    file: str  # Artifact.file_name, e.g. "actions/require-mfa-for-ai-admins.js"
    name: str
    kind: str
    sha256: str
    # How it is deployed: a change to any of these changes the tenant as much as new code.
    enabled: bool = True
    order: int = 0
    dependencies: tuple[tuple[str, str], ...] = ()
    secrets: tuple[str, ...] = ()

    @classmethod
    def of(cls, artifact: Artifact) -> AttestedArtifact:
        return cls(artifact.file_name, artifact.name, artifact.kind, artifact.sha256,
                   enabled=artifact.enabled, order=artifact.order,
                   dependencies=tuple(sorted(artifact.dependencies)),
                   secrets=tuple(sorted(artifact.secrets)))

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "name": self.name, "kind": self.kind, "sha256": self.sha256,
                "enabled": self.enabled, "order": self.order,
                "dependencies": dict(self.dependencies), "secrets": list(self.secrets)}


def bound_in_order(artifacts: Iterable[AttestedArtifact], kind: str) -> list[str]:
    """The files of the enabled artifacts of ``kind``, in the order they run (manifest order)."""
    enabled = [a for a in artifacts if a.kind == kind and a.enabled]
    return [a.file for a in sorted(enabled, key=lambda a: a.order)]


def file_sha256(path: Path) -> str | None:
    """sha256 of a file's bytes; None when there is no such file."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


@dataclass(frozen=True)
class Attestation:
    """What a green test run vouches for."""

    artifacts: tuple[AttestedArtifact, ...]
    tests_passed: int
    toolkit_version: str
    created_at: str  # ISO 8601, UTC, e.g. "2026-11-28T10:00:00Z"
    manifest: str = "rules_src/manifest.toml"
    version: int = ATTESTATION_VERSION
    coverage: float | None = None  # rulekit coverage (%) the run measured; None: not measured
    coverage_required: float | None = None  # its --rulekit-cov-fail-under, if any
    tenant_sha256: str | None = None  # the tenant model the tests read; None: there was none
    # Why the run was not a whole one, when --rulekit-attest wrote it anyway (None: it was).
    forced: str | None = None

    def hashes(self) -> dict[str, str]:
        return {a.file: a.sha256 for a in self.artifacts}

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version, "created_at": self.created_at,
            "toolkit_version": self.toolkit_version, "tests_passed": self.tests_passed,
            "manifest": self.manifest,
            "coverage": None if self.coverage is None else {
                "percent": self.coverage, "required": self.coverage_required},
            "tenant_sha256": self.tenant_sha256,
            "forced": self.forced,
            "artifacts": [a.to_dict() for a in self.artifacts],
        }

    def summary(self) -> str:
        coverage = ("coverage not measured" if self.coverage is None
                    else f"coverage {self.coverage:.1f}%")
        forced = (f"; written by --rulekit-attest although {self.forced}" if self.forced
                  else "")
        return (f"{self.tests_passed} test(s) passed at {self.created_at} with rulekit "
                f"{self.toolkit_version}, {coverage}, {len(self.artifacts)} artifact(s){forced}")

    @classmethod
    def from_dict(cls, data: Any, *, path: str) -> Attestation:
        def bad(why: str) -> DeployGateError:
            return DeployGateError(f"not a rulekit attestation ({why}); delete it and "
                                   f"{RERUN_HINT}", path=path)

        if not isinstance(data, dict):
            raise bad("not a JSON object")
        version = data.get("version")
        if isinstance(version, int) and not isinstance(version, bool) \
                and 1 <= version < ATTESTATION_VERSION:
            raise OutdatedAttestation(
                f"written by an older rulekit (attestation version {version}; this rulekit "
                f"writes {ATTESTATION_VERSION}), so it attests nothing", path=path)
        if version != ATTESTATION_VERSION:
            raise bad(f"version {version!r}, this rulekit reads {ATTESTATION_VERSION}")
        raw = data.get("artifacts")
        if not isinstance(raw, list):
            raise bad("'artifacts' is not a list")
        artifacts = []
        for item in raw:
            if not isinstance(item, dict) or not all(
                    isinstance(item.get(k), str) for k in ("file", "name", "kind", "sha256")) \
                    or not isinstance(item.get("enabled"), bool) \
                    or isinstance(item.get("order"), bool) or not isinstance(item.get("order"), int) \
                    or not isinstance(item.get("dependencies"), dict) \
                    or not all(isinstance(v, str) for v in item["dependencies"].values()) \
                    or not isinstance(item.get("secrets"), list) \
                    or not all(isinstance(v, str) for v in item["secrets"]):
                raise bad(f"malformed artifact entry {item!r}")
            artifacts.append(AttestedArtifact(
                item["file"], item["name"], item["kind"], item["sha256"],
                enabled=item["enabled"], order=item["order"],
                dependencies=tuple(sorted(item["dependencies"].items())),
                secrets=tuple(sorted(item["secrets"]))))
        tenant = data.get("tenant_sha256")
        if tenant is not None and not isinstance(tenant, str):
            raise bad(f"malformed 'tenant_sha256' {tenant!r}")
        forced = data.get("forced")
        if forced is not None and not isinstance(forced, str):
            raise bad(f"malformed 'forced' {forced!r}")
        passed = data.get("tests_passed")
        if isinstance(passed, bool) or not isinstance(passed, int):
            raise bad("'tests_passed' is not an integer")
        coverage = data.get("coverage")
        if coverage is not None and not (
                isinstance(coverage, dict) and _is_number(coverage.get("percent"))
                and (coverage.get("required") is None or _is_number(coverage.get("required")))):
            raise bad(f"malformed 'coverage' {coverage!r}")
        return cls(artifacts=tuple(artifacts), tests_passed=passed,
                   coverage=None if coverage is None else float(coverage["percent"]),
                   coverage_required=(None if coverage is None or coverage.get("required") is None
                                      else float(coverage["required"])),
                   tenant_sha256=tenant, forced=forced,
                   toolkit_version=str(data.get("toolkit_version", "?")),
                   created_at=str(data.get("created_at", "?")),
                   manifest=str(data.get("manifest", "?")))


def attest(artifacts: Iterable[Artifact], tests_passed: int, *,
           manifest: str = "rules_src/manifest.toml", now: datetime | None = None,
           coverage: float | None = None, coverage_required: float | None = None,
           tenant_sha256: str | None = None, forced: str | None = None) -> Attestation:
    """The attestation of a green run that tested ``artifacts`` (and measured ``coverage``)
    with the tenant model whose hash is ``tenant_sha256``; ``forced``: why the run was not a
    whole one, when it was written anyway (``--rulekit-attest``)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return Attestation(
        artifacts=tuple(AttestedArtifact.of(a) for a in artifacts), tenant_sha256=tenant_sha256,
        tests_passed=tests_passed, toolkit_version=__version__,
        created_at=moment.strftime("%Y-%m-%dT%H:%M:%SZ"), manifest=manifest,
        coverage=coverage, coverage_required=coverage_required, forced=forced)


def write_attestation(attestation: Attestation, path: str | Path = DEFAULT_ATTESTATION) -> Path:
    """Write atomically: a reader sees the old file or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".attestation-", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, created_mode())
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(attestation.to_dict(), handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def read_attestation(path: str | Path = DEFAULT_ATTESTATION) -> Attestation | None:
    """The attestation at ``path``; None when there is none. A corrupt file is an error."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DeployGateError(f"cannot read attestation: {exc.strerror}", path=str(path)) from None
    except UnicodeDecodeError:  # UTF-16 from a PowerShell redirect, say
        raise DeployGateError(f"not a rulekit attestation (not UTF-8 text); delete it and "
                              f"{RERUN_HINT}", path=str(path)) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DeployGateError(f"invalid JSON in attestation: {exc}; {RERUN_HINT}",
                              path=str(path)) from None
    return Attestation.from_dict(data, path=str(path))


# ---------------------------------------------------------------------------------- the gate
@dataclass(frozen=True)
class GateVerdict:
    """Whether every artifact to deploy is attested; if not, which and why."""

    deploying: tuple[Artifact, ...]
    attestation: Attestation | None
    attestation_path: str
    changed: tuple[tuple[str, str, str], ...] = ()  # (file, attested sha256, current sha256)
    untested: tuple[str, ...] = ()  # files the attestation does not mention
    coverage_short: str | None = None  # why the attested run's coverage does not do
    # What else would deploy differently from the tested run: the Actions bound or their order,
    # an artifact's dependencies or secrets, the tenant model.
    drift: tuple[str, ...] = ()
    outdated: str | None = None  # why the attestation found counts as none
    unreadable: str | None = None  # why the file found is not an attestation (corrupt, foreign)

    @property
    def ok(self) -> bool:
        # No attestation is never enough, not even with nothing to deploy: unbinding every
        # Action and applying the tenant model are deployments too (review of 2026-11-29).
        return (self.attestation is not None and not self.changed and not self.untested
                and not self.drift and self.coverage_short is None)

    def problems(self) -> list[str]:
        lines = [f"{file}: changed since the last green run (attested sha256:{old[:12]}, "
                 f"rendered now sha256:{new[:12]})" for file, old, new in self.changed]
        lines += [f"{file}: never tested (not in the attestation)" for file in self.untested]
        lines += list(self.drift)
        lines += [self.coverage_short] if self.coverage_short else []
        return lines

    def reason(self) -> str:
        """A multi-line explanation for people: what, why, and what to do."""
        if self.ok:
            assert self.attestation is not None
            return (f"all {len(self.deploying)} artifact(s) to deploy are attested by "
                    f"{self.attestation_path} ({self.attestation.summary()})")
        if self.attestation is None and self.unreadable is not None:
            head = (f"refusing to deploy: {self.attestation_path} is unusable, {self.unreadable}"
                    f" (none of the {len(self.deploying)} artifact(s) to deploy counts as tested)")
        elif self.attestation is None and self.outdated is not None:
            head = (f"refusing to deploy: {self.attestation_path} was {self.outdated}: none of "
                    f"the {len(self.deploying)} artifact(s) to deploy counts as tested")
        elif self.attestation is None and not self.deploying:
            head = (f"refusing to deploy: no attestation at {self.attestation_path}: no green "
                    "run has tested this tenant model, nor the removal of every Action from "
                    "the post-login flow")
        elif self.attestation is None:
            head = (f"refusing to deploy: no attestation at {self.attestation_path}, so none of "
                    f"the {len(self.deploying)} artifact(s) to deploy was tested")
        elif not self.changed and not self.untested and not self.drift:
            head = (f"refusing to deploy: the tests attested by {self.attestation_path} did not "
                    f"run enough of the code ({self.attestation.summary()})")
        elif not self.changed and not self.untested:
            head = (f"refusing to deploy: the code is the tested code, but it would not be "
                    f"deployed as it was tested ({self.attestation_path}: "
                    f"{self.attestation.summary()})")
        else:
            count = len(self.changed) + len(self.untested)
            # Drift (a changed tenant model, order, secrets...) is listed below too, apart.
            also = " (and more changed since, listed below)" if self.drift else ""
            head = (f"refusing to deploy: {count} of {len(self.deploying)} artifact(s) are not "
                    f"attested by {self.attestation_path} ({self.attestation.summary()}){also}")
        body = "".join(f"\n  {line}" for line in self.problems())
        hint = RERUN_HINT
        if (self.attestation is not None and not self.changed and not self.untested
                and not self.drift):
            hint = ("make test-rules lists the template lines no test runs: add tests that run "
                    "them (or lower rulekit:minCoverage knowingly), then deploy again")
        return f"{head}:{body}\n{hint}.\n({OVERRIDE_HINT})"

    def error(self) -> DeployGateError:
        return DeployGateError(self.reason())


COVERAGE_MIN = 100.0  # percent of rule/Action lines the rule tests must run (as in the Makefile)


def check_gate(deploying: Sequence[Artifact],
               attestation_path: str | Path = DEFAULT_ATTESTATION, *,
               min_coverage: float = COVERAGE_MIN, rendered: Sequence[Artifact] | None = None,
               tenant: Path | None = None) -> GateVerdict:
    """Compare what would be deployed with the last green run's attestation: every artifact
    attested with its current hash, by a run whose rulekit coverage reached ``min_coverage``
    percent (a green run that left branches of the code unexecuted is not enough).

    ``rendered`` (everything the manifest renders now, ``deploying`` by default) and ``tenant``
    (the tenant model file, not compared when None) are also compared with what was tested:
    the Actions bound and their order (an Action disabled since the run takes its decisions out
    of the tenant), each deployed artifact's dependencies and secrets, the tenant model."""
    shown = str(attestation_path)
    outdated = unreadable = None
    try:
        attestation = read_attestation(attestation_path)
    except OutdatedAttestation as exc:
        attestation, outdated = None, exc.detail
    except DeployGateError as exc:  # corrupt, or not an attestation: the gate refuses (exit 1)
        attestation, unreadable = None, exc.detail
    attested = attestation.hashes() if attestation else {}
    changed, untested = [], []
    for artifact in deploying:
        previous = attested.get(artifact.file_name)
        if previous is None:
            untested.append(artifact.file_name)
        elif previous != artifact.sha256:
            changed.append((artifact.file_name, previous, artifact.sha256))
    drift = _drift(attestation, deploying, deploying if rendered is None else rendered, tenant)
    short = None
    if attestation is not None and deploying:
        if attestation.coverage is None:
            short = ("the attested run measured no rulekit coverage (run the rule tests with "
                     f"--rulekit-cov-fail-under={min_coverage:g}, as make test-rules does)")
        elif attestation.coverage < min_coverage:
            short = (f"the attested run covered {attestation.coverage:.1f}% of the rules' and "
                     f"Actions' code, under the required {min_coverage:g}% (rulekit:minCoverage)")
    return GateVerdict(deploying=tuple(deploying), attestation=attestation,
                       attestation_path=shown, changed=tuple(changed), untested=tuple(untested),
                       coverage_short=short, drift=tuple(drift), outdated=outdated,
                       unreadable=unreadable)


def _drift(attestation: Attestation | None, deploying: Sequence[Artifact],
           rendered: Sequence[Artifact], tenant: Path | None) -> list[str]:
    """How deploying now differs from the tested run, apart from the code itself."""
    if attestation is None:
        return []
    lines = []
    now = [AttestedArtifact.of(a) for a in rendered]
    # Actions are always bound (an empty list unbinds them all); Rules when they are deployed.
    for kind in ["action"] + (["rule"] if any(a.kind == "rule" for a in deploying) else []):
        before, after = bound_in_order(attestation.artifacts, kind), bound_in_order(now, kind)
        if before != after:
            lines.append(f"the {kind}s that would run, in order, are not the tested ones: tested "
                         f"{_listed(before)}, now {_listed(after)} (enabled or order changed in "
                         "the manifest)")
    tested = {a.file: a for a in attestation.artifacts}
    for artifact in map(AttestedArtifact.of, deploying):
        old = tested.get(artifact.file)
        if old is None:
            continue  # never tested: reported as such
        for what, before_value, after_value in (
                ("npm dependencies", dict(old.dependencies), dict(artifact.dependencies)),
                ("secrets", list(old.secrets), list(artifact.secrets))):
            if before_value != after_value:
                lines.append(f"{artifact.file}: {what} changed since the last green run (tested "
                             f"{json.dumps(before_value)}, now {json.dumps(after_value)})")
    if tenant is not None:
        current = file_sha256(tenant)
        if current != attestation.tenant_sha256:
            state = "removed" if current is None else (
                "added" if attestation.tenant_sha256 is None else "changed")
            lines.append(f"{tenant}: {state} since the last green run (the rule tests run its "
                         "declared users; it decides the users, roles and clients deployed)")
    return lines


def _listed(files: Sequence[str]) -> str:
    return "[" + ", ".join(files) + "]" if files else "none"


def _measures_no_coverage(pytest_args: Sequence[str]) -> bool:
    """Whether the caller set the threshold, or ran the tests where coverage is not measured:
    pytest-xdist workers (``-n``) or the plugin turned off (``-p no:rulekit-coverage``)."""
    args = list(pytest_args)
    plugins_off = {b for a, b in itertools.pairwise(args) if a == "-p"}
    plugins_off |= {a[2:] for a in args if a.startswith("-p") and len(a) > 2}
    workers = [b for a, b in itertools.pairwise(args) if a in ("-n", "--numprocesses")]
    workers += [a.split("=", 1)[1] if "=" in a else a[2:] for a in args
                if a.startswith("--numprocesses=") or (a.startswith("-n") and len(a) > 2)]
    return (any(a.startswith(("--rulekit-cov-fail-under", "--dist", "--tx")) for a in args)
            or any(w != "0" for w in workers) or "no:rulekit-coverage" in plugins_off)


def run_rule_tests(pytest_args: Sequence[str] = (), *, tests: str = "tests/rules") -> int:
    """``pytest tests/rules`` in a child process (what `rulekit test` runs); its exit code.

    The attestation plugin, loaded by pytest's entry point, writes the attestation when green.
    """
    if not Path(tests).is_dir():
        raise InputError("no rule tests here (run rulekit test from the project root)", path=tests)
    # The same gate as make test-rules: every line of the rules and Actions run, unless the
    # caller sets another threshold.
    gate = [] if _measures_no_coverage(pytest_args) else [f"--rulekit-cov-fail-under={COVERAGE_MIN:g}"]
    command = [sys.executable, "-m", "pytest", tests, *gate, *pytest_args]
    return subprocess.call(command)
