"""`rulekit plan`: the program run offline under mocks, printed; exit codes say the verdict."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from toolkit._plan import PLACEHOLDER
from toolkit.cli import cli

from .conftest import Project


def plan(*args: str) -> Result:
    return CliRunner().invoke(cli, ["plan", *args], catch_exceptions=False)


def test_plan_says_when_the_attestation_was_forced(project: Project) -> None:
    project.attest(forced="43 rule test(s) were deselected; run all of tests/rules")
    result = plan()
    assert result.exit_code == 0, result.output
    assert ("Gate: PASSED, on an attestation --rulekit-attest wrote although 43 rule test(s) "
            "were deselected; run all of tests/rules (not a whole run of the rule tests)"
            ) in result.stdout


def test_plan_refuses_without_a_green_run_and_says_why(project: Project) -> None:
    result = plan()
    assert result.exit_code == 1
    out = result.stdout
    assert "Gate: REFUSED" in out
    assert "no attestation at build/attestation.json" in out
    assert "actions/require-mfa-for-ai-admins.js: never tested" in out
    assert "run `make test-rules` (or `rulekit test`)" in out
    # It still shows what the program would declare once the tests are green.
    assert "The program stops at the gate and declares nothing" in out
    assert "+ auth0.TriggerActions post-login-bindings" in out
    assert out.rstrip().endswith("Would deploy: NO (the gate refuses; see above)")
    assert "DEPLOYING UNTESTED" not in result.stderr  # the what-if run stays quiet


@pytest.mark.example
def test_plan_prints_resources_with_secrets_masked_and_the_verdict(project: Project) -> None:
    from toolkit._render import render

    project.attest()
    render(project.manifest, project.root / "build")
    result = plan()
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Gate: PASSED" in out
    assert "all 2 artifact(s) to deploy are attested by build/attestation.json" in out
    for line in ("+ auth0.Tenant tenant", "+ auth0.Client client-ai-system",
                 "+ auth0.Role role-ai-system-user", "+ auth0.User user-admin-example-com",
                 "+ auth0.UserRoles user-roles-admin-example-com",
                 "+ auth0.Action action-require-mfa-for-ai-admins",
                 "+ auth0.TriggerActions post-login-bindings"):
        assert line in out
    assert 'password: "[secret]"' in out
    assert PLACEHOLDER not in out
    assert "(= build/artifacts/actions/require-mfa-for-ai-admins.js)" in out
    assert "Exports: action_ids, attestation, client_ids" in out
    # The declared users, through the Actions that would be deployed.
    assert "admin@example.com (ai_system_admin)  MFA required" in out
    assert "user@example.com (AI System User)    ALLOWED without MFA" in out
    assert out.rstrip().endswith("Would deploy: yes")
    # A newcomer's build folder held an older rendering: "=" named a file that differs.
    built = project.root / "build" / "artifacts" / "actions" / "require-mfa-for-ai-admins.js"
    built.write_text(built.read_text() + "// edited\n")
    stale = plan().stdout
    assert "(= build/artifacts/actions/require-mfa-for-ai-admins.js)" not in stale
    assert ("(= the templates rendered now; build/artifacts/actions/require-mfa-for-ai-admins.js "
            "differs (sha256:") in stale and "rulekit render rewrites it" in stale
    built.unlink()
    assert "build/artifacts/actions/require-mfa-for-ai-admins.js is missing" in plan().stdout


@pytest.mark.example
def test_plan_json(project: Project) -> None:
    project.attest()
    result = plan("--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["would_deploy"] is True
    users = [r for r in data["resources"] if r["type"] == "auth0.User"]
    assert {u["inputs"]["password"] for u in users} == {"[secret]"}
    assert [b["displayName"] for b in next(
        r for r in data["resources"] if r["type"] == "auth0.TriggerActions")["inputs"]["actions"]
            ] == ["require-mfa-for-ai-admins", "add-roles-claim"]
    assert data["gate_status"] == "passed" and data["gate_problems"] == []
    assert data["stack_config"][:3] == ["auth0:domain", "auth0:clientId", "auth0:clientSecret"]
    assert any(key.endswith("Password") or "password" in key.lower() for key in data["stack_config"])
    assert "Stack config `pulumi up` will read" in plan().stdout
    assert data["exports"]["attestation"]["gate"] == "passed"


def test_plan_json_when_the_gate_refuses_says_so_everywhere(project: Project) -> None:
    # The preview of what would be declared runs with the override on; its exports must not
    # say OVERRIDDEN when nothing would be deployed.
    result = plan("--json")
    data = json.loads(result.stdout)
    assert data["would_deploy"] is False and data["overridden"] is False
    assert data["gate_status"] == "refused"
    assert data["gate_problems"] and all("never tested" in p for p in data["gate_problems"])
    assert data["exports"]["attestation"]["gate"] == "refused"
    assert data["exports"]["attestation"]["untested"] == data["gate_problems"]


def test_plan_with_the_override_deploys_and_warns(project: Project) -> None:
    result = plan("--allow-untested")
    assert result.exit_code == 0
    assert "Gate: OVERRIDDEN by rulekit:allowUntested" in result.stdout
    assert "refusing to deploy: no attestation" in result.stdout  # what it overrides
    assert "WARNING: rulekit: DEPLOYING UNTESTED CODE" in result.stdout
    assert "DEPLOYING UNTESTED CODE" in result.stderr


def test_plan_after_a_template_change_refuses(project: Project) -> None:
    project.attest()
    project.replace("rules_src/templates/mfa_for_roles.js.j2", "const needsMfa",
                    "const needsMFA = 1;\n  const needsMfa")
    result = plan()
    assert result.exit_code == 1
    assert "actions/require-mfa-for-ai-admins.js: changed since the last green run" in result.stdout


def test_plan_with_an_invalid_tenant_model_exits_2(project: Project) -> None:
    project.replace("rules_src/tenant.toml", 'password_config = "adminUserPassword"',
                    'password = "hunter2hunter2"')
    result = plan()
    assert result.exit_code == 2
    assert result.stderr.startswith("rulekit: error: rules_src/tenant.toml:")
    assert "users[1] (admin@example.com).password" in result.stderr


def test_plan_legacy_rules(project: Project) -> None:
    project.attest()
    result = plan("--legacy-rules")
    assert result.exit_code == 0
    assert "+ auth0.Rule rule-require-mfa-for-ai-admins" in result.stdout
    assert "Auth0 no longer runs Rules" in result.stdout


def test_plan_as_a_process_exits_promptly(project: Project) -> None:
    rulekit = Path(sys.executable).with_name("rulekit")
    result = subprocess.run([str(rulekit), "plan", "--root", str(project.root)], text=True,
                            capture_output=True, timeout=60, check=False)
    assert result.returncode == 1
    assert "Gate: REFUSED" in result.stdout
    assert result.stderr == ""


# --stack: the plan sees the stack's config, as `pulumi up` on that stack would (review of
# 2026-11-29: without it the plan said REFUSED where a stack with allowUntested deployed, and
# showed the base callbacks instead of the stack's overrides).
# The example's users' passwords, as `pulumi config set --secret` writes them.
PASSWORDS = """
  rulekit:exampleUserPassword:
    secure: AAABAGV4YW1wbGU=
  rulekit:adminUserPassword:
    secure: AAABAGFkbWlu
"""

STAGING = """
config:
  auth0:domain: staging-tenant.eu.auth0.com
  auth0:clientSecret:
    secure: AAABAHk0ZXhhbXBsZQ==
  rulekit:exampleUserPassword:
    secure: AAABAGV4YW1wbGU=
  rulekit:adminUserPassword:
    secure: AAABAGFkbWlu
  rulekit:overrides:
    clients:
      ai-system:
        callbacks:
          - https://staging.example.com/cb
"""


def test_plan_reads_the_stack_config_overrides_and_secrets(project: Project) -> None:
    project.attest()
    project.write("Pulumi.staging.yaml", STAGING)
    result = plan("--stack", "staging")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Stack config: Pulumi.staging.yaml (its secrets as placeholders)" in out
    assert '"https://staging.example.com/cb"' in out
    assert "https://myaisystem.example.com/auth/callback" not in out
    assert PLACEHOLDER not in out and "AAAB" not in out
    without = plan()
    assert "Stack config: none (--stack NAME reads Pulumi.NAME.yaml" in without.stdout
    assert "https://myaisystem.example.com/auth/callback" in without.stdout


def test_plan_with_a_stack_that_allows_untested_code_says_it_would_deploy(project: Project) -> None:
    project.write("Pulumi.hotfix.yaml", 'config:\n  rulekit:allowUntested: "true"\n' + PASSWORDS)
    result = plan("--stack", "hotfix")
    assert result.exit_code == 0, result.output
    assert "Gate: OVERRIDDEN by rulekit:allowUntested" in result.stdout
    assert plan().exit_code == 1  # the same project, no stack config: refused


def test_plan_with_a_stack_uses_its_minimum_coverage(project: Project) -> None:
    from toolkit._attest import attest, file_sha256, write_attestation
    from toolkit._render import render_manifest

    write_attestation(attest(render_manifest(project.manifest), 3, coverage=95.0,
                             tenant_sha256=file_sha256(project.tenant)), project.attestation)
    assert plan().exit_code == 1
    project.write("Pulumi.dev.yaml", "config:\n  rulekit:minCoverage: 90\n" + PASSWORDS)
    result = plan("--stack", "dev")
    assert result.exit_code == 0, result.output
    assert "Gate: PASSED" in result.stdout


@pytest.mark.parametrize(("text", "expected"), [
    (None, "Pulumi.qa.yaml: no config for stack 'qa' (`pulumi stack init qa` creates it"),
    ("config:\n  a: [1\n", "Pulumi.qa.yaml:3: invalid YAML"),
    ("- just a list\n", "Pulumi.qa.yaml: expected a mapping with a 'config' mapping"),
])
def test_plan_with_a_bad_stack_file_names_it(project: Project, text: str | None,
                                             expected: str) -> None:
    if text is not None:
        project.write("Pulumi.qa.yaml", text)
    result = CliRunner().invoke(cli, ["plan", "--stack", "qa"])
    assert result.exit_code == 2
    assert expected in result.output


def test_plan_reads_pulumi_yaml_as_pulumi_does(project: Project) -> None:
    # Review of 2026-11-29: `on` is a string to Pulumi (YAML 1.2) but a boolean to PyYAML;
    # a secret inside an object; the old `ns:config:key` form; a stack's full name.
    project.write("Pulumi.dev.yaml", """
        config:
          rulekit:config:allowUntested: "true"
          rulekit:deployLegacyRules: on
          rulekit:overrides:
            clients:
              ai-system:
                client_metadata:
                  token:
                    secure: AAABAHNlY3JldA==
          rulekit:exampleUserPassword:
            secure: AAABAGV4YW1wbGU=
          rulekit:adminUserPassword:
            secure: AAABAGFkbWlu
        """)
    result = plan("--stack", "acme/rulekit/dev")
    assert result.exit_code == 2
    assert "rulekit:deployLegacyRules" in result.output  # 'on' is not a boolean to Pulumi
    project.replace("Pulumi.dev.yaml", "  rulekit:deployLegacyRules: on\n", "")
    result = plan("--stack", "acme/rulekit/dev")
    assert result.exit_code == 0, result.output
    assert "Gate: OVERRIDDEN by rulekit:allowUntested" in result.stdout
    assert "AAAB" not in result.stdout
    assert "Stack config: Pulumi.dev.yaml (its secrets as placeholders)" in result.stdout


@pytest.mark.parametrize(("text", "expected"), [
    ("config:\n  allowUntested: true\n",
     "Pulumi.qa.yaml:2: config key 'allowUntested' has no namespace: write it as "
     "`rulekit:allowUntested`"),
    ('config:\n  rulekit:minCoverage: "abc"\n', "Pulumi.qa.yaml:2: Configuration "
     "'rulekit:minCoverage' value 'abc' is not a valid 'float'"),
    # a newcomer's `on` (not a bool to Pulumi) had no file or line
    ("config:\n  aws:region: x\n  rulekit:allowUntested: on\n", "Pulumi.qa.yaml:3: "
     "Configuration 'rulekit:allowUntested' value 'on' is not a valid 'bool'"),
])
def test_plan_with_a_bad_stack_value_exits_2(project: Project, text: str, expected: str) -> None:
    project.write("Pulumi.qa.yaml", text)
    result = CliRunner().invoke(cli, ["plan", "--stack", "qa"])
    assert result.exit_code == 2, result.output
    assert expected in result.output


def test_plan_with_an_empty_stack_config(project: Project) -> None:
    project.attest()
    project.write("Pulumi.empty.yaml", "config:\n")
    # `pulumi up` would stop at the first password the program reads: the plan says so
    result = plan("--stack", "empty")
    assert result.exit_code == 1
    assert "MISSING from Pulumi.empty.yaml" in result.stdout
    assert "  rulekit:exampleUserPassword\n  rulekit:adminUserPassword" in result.stdout
    assert "Would deploy: NO (the stack lacks config the program needs" in result.stdout
    assert "Gate: PASSED" in result.stdout


def test_plan_warns_of_a_secret_in_plain_text(project: Project) -> None:
    project.attest()
    project.write("Pulumi.dev.yaml", PASSWORDS.replace(
        "rulekit:exampleUserPassword:\n    secure: AAABAGV4YW1wbGU=",
        "rulekit:exampleUserPassword: hunter2hunter2").join(["config:", ""]))
    result = plan("--stack", "dev", "--json")
    data = json.loads(result.stdout)
    assert data["stack_not_secret"] == ["rulekit:exampleUserPassword"]
    assert data["stack_missing"] == [] and data["would_deploy"] is True
    assert "hunter2" not in result.stdout
    assert "in plain text in Pulumi.dev.yaml" in plan("--stack", "dev").stdout


def test_plan_with_an_esc_environment_does_not_call_its_keys_missing(project: Project) -> None:
    # A review: values from a Pulumi ESC environment are not read here, so keys the file lacks
    # may come from it: said, not counted as missing.
    project.attest()
    project.write("Pulumi.prod.yaml", "environment:\n  - auth0-prod-secrets\nconfig:\n"
                  "  auth0:domain: prod.eu.auth0.com\n")
    result = plan("--stack", "prod")
    assert result.exit_code == 0, result.output
    assert "its ESC environment (not read here) must give them" in result.stdout
    assert "Would deploy: yes" in result.stdout
