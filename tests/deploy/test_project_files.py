"""The files that make `pulumi up` and `make deploy` work from the repository root."""

from __future__ import annotations

import subprocess

from .conftest import REPO


def test_pulumi_yaml_points_at_the_program_and_the_venv() -> None:
    lines = [line.strip() for line in (REPO / "Pulumi.yaml").read_text().splitlines()]
    assert "name: rulekit" in lines  # the config namespace the program reads (rulekit:...)
    assert "main: infra/" in lines
    assert "name: python" in lines
    assert "toolchain: pip" in lines
    assert "virtualenv: .venv" in lines
    assert (REPO / "infra" / "__main__.py").is_file()


def test_preview_and_deploy_say_plainly_when_the_pulumi_cli_is_missing() -> None:
    for target in ("preview", "deploy"):
        result = subprocess.run(["make", "-s", "-C", str(REPO), target,
                                 "PULUMI=rulekit-no-such-pulumi-cli"],
                                capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode != 0
        assert "the Pulumi CLI ('rulekit-no-such-pulumi-cli') is not installed" in result.stderr
        assert "passed" not in result.stdout  # it stops before running the tests


def test_preview_and_deploy_run_the_rule_tests_before_pulumi() -> None:
    for target, command in (("preview", "pulumi preview"), ("deploy", "pulumi up")):
        result = subprocess.run(["make", "-n", "-C", str(REPO), target, "PULUMI=pulumi"],
                                capture_output=True, text=True, timeout=60, check=False)
        lines = result.stdout.splitlines()
        tests = next(i for i, line in enumerate(lines) if "pytest -q tests/rules" in line)
        assert lines.index(command) > tests
