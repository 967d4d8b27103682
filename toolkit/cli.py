"""The ``rulekit`` command. Any RulekitError (or a refused file: an OSError) becomes one line
on stderr and exit code 2."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from ._version import __version__
from .errors import InputError, RulekitError

__all__ = ["main"]

F = TypeVar("F", bound=Callable[..., Any])
MANIFEST_OPTION = click.option(
    "--manifest", default="rules_src/manifest.toml", show_default=True,
    type=click.Path(dir_okay=False, path_type=Path), help="The rules manifest.")


def _reports_errors(func: F) -> F:
    """The one place that maps rulekit's root error to exit code 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except RulekitError as exc:
            click.echo(f"rulekit: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except BrokenPipeError:
            raise  # `rulekit ... | head`: click ends quietly
        except OSError as exc:  # a file rulekit writes or reads that the system refused
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"rulekit: error: {where}{exc.strerror or exc}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="rulekit")
def cli() -> None:
    """Author Auth0 login rules as templates, run them in V8, test them, deploy what passed.

    \b
    Typical flow:
      rulekit list                     the rules in rules_src/manifest.toml
      rulekit render                   write build/artifacts/{actions,rules}/ (checked in V8)
      rulekit run NAME --login l.json  run an entry's Action (or a .js file) on a login
      rulekit demo                     who gets MFA among a few synthetic users
      rulekit test                     the rules' tests; green writes build/attestation.json
      rulekit plan                     what `pulumi up` would deploy (offline) and the gate
    """
    import warnings

    # rulekit's own warnings (given secrets no entry declares, ...) read as the CLI's, not as
    # a Python traceback line.
    warnings.formatwarning = _format_warning


def _format_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                    line: str | None = None) -> str:
    return f"rulekit: warning: {message}\n"


@cli.command()
@MANIFEST_OPTION
@click.option("--out", default="build", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Build folder.")
@_reports_errors
def render(manifest: Path, out: Path) -> None:
    """Render every manifest entry into OUT/artifacts/ (atomically, deterministic)."""
    from ._render import render as do_render

    artifacts = do_render(manifest, out)
    _echo_table([[f"{a.order:>4}", str(out / "artifacts" / a.file_name), f"sha256:{a.sha256[:12]}",
                  f"from {a.template}" + ("" if a.enabled else "  (disabled)")]
                 for a in artifacts], indent="  ")
    click.echo(f"rendered {len(artifacts)} artifact(s) into {out / 'artifacts'}; all parse in V8")


@cli.command(name="list")
@MANIFEST_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_reports_errors
def list_rules(manifest: Path, as_json: bool) -> None:
    """List the manifest's rules in pipeline order."""
    from ._manifest import load_manifest

    loaded = load_manifest(manifest)
    rows: list[dict[str, Any]] = [
        {"order": r.order, "name": r.name, "enabled": r.enabled, "targets": list(r.targets),
         "template": r.template, "params": r.params, "description": r.description}
        for r in loaded.ordered()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo(f"{loaded.display_path()} lists no rules")
        return
    _echo_table([["ORDER", "ENABLED", "NAME", "TARGETS", "TEMPLATE"]]
                + [[f"{row['order']:>5}", "yes" if row["enabled"] else "no", row["name"],
                    ",".join(row["targets"]), row["template"]] for row in rows])


def _echo_table(rows: list[list[str]], indent: str = "") -> None:
    """Print ``rows`` as columns two spaces apart, each as wide as its widest cell (the last
    column unpadded), so that long rule names keep the columns aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)] if rows else []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
        cells.append(row[-1])
        click.echo(indent + "  ".join(cells))


@cli.command()
@click.argument("target", required=False)
@MANIFEST_OPTION
@click.option("--pipeline", is_flag=True,
              help="Run every enabled manifest entry in order (its Actions; with --kind rule, "
                   "its Rules) instead of TARGET.")
@click.option("--user", "user_file", type=click.Path(dir_okay=False),
              help="Rule-shaped user JSON (defaults fill what is left out).")
@click.option("--context", "context_file", type=click.Path(dir_okay=False),
              help="Rule-shaped context JSON.")
@click.option("--event", "event_file", type=click.Path(dir_okay=False),
              help="Action-shaped event JSON (Actions only).")
@click.option("--login", "login_file", type=click.Path(dir_okay=False),
              help="Neutral login JSON, projected to the Rule or Action shape.")
@click.option("--configuration", "configuration_file", type=click.Path(dir_okay=False),
              help="JSON object of string values: the rules' `configuration`.")
@click.option("--secrets", "secrets_file", type=click.Path(dir_okay=False),
              help="JSON object of string values: an Action's `event.secrets`.")
@click.option("--modules", type=click.Path(file_okay=False, path_type=Path),
              help="node_modules folder for require (default: ./node_modules if present).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True, max=3600), default=20.0,
              show_default=True, help="Time limit in seconds for the whole login.")
@click.option("--now", help="Freeze the clock at this ISO 8601 instant, e.g. 2026-11-28T10:00:00Z.")
@click.option("--kind", type=click.Choice(["rule", "action"]),
              help="Force the kind instead of detecting it.")
@click.option("--batch", "batch_file", type=click.Path(dir_okay=False),
              help="JSONL file of neutral logins: run each (many per call into V8); prints one "
                   "line per login (JSON lines with --json).")
@click.option("--warm", is_flag=True,
              help="With --batch: run the logins in one container, in order, as Auth0 may (a "
                   "Rule's `global`, an Action's module state and api.cache carry over); one "
                   "login per call into V8, so slower.")
@click.option("--stub", "stub_specs", multiple=True, metavar="NAME=FILE",
              help="Serve require('NAME') from FILE, a JavaScript module (module.exports = ...), "
                   "for packages that would do I/O (request, axios, ...); repeatable.")
@click.option("--through", is_flag=True,
              help="Follow redirects: run the user's return too (run_through) and print the "
                   "whole login's decision, not the first leg's.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as one JSON object.")
@_reports_errors
def run(target: str | None, manifest: Path, pipeline: bool, user_file: str | None,
        context_file: str | None, event_file: str | None, login_file: str | None,
        configuration_file: str | None, secrets_file: str | None, modules: Path | None,
        timeout: float, now: str | None, kind: str | None, batch_file: str | None,
        warm: bool, stub_specs: tuple[str, ...], through: bool, as_json: bool) -> None:
    """Run TARGET (a Rule or Action .js file, or a manifest entry name) on one login.

    Exit 0 when the code ran to an outcome (allowed, MFA, denied and error are all outcomes);
    exit 2 when it could not run.
    """
    from ._execution import load_stubs, open_batch_file, run_target

    if pipeline == (target is not None):
        raise click.UsageError("give either TARGET or --pipeline")
    if warm and not batch_file:
        raise click.UsageError("--warm runs the logins of --batch in one container; give --batch")
    stubs = load_stubs(stub_specs)
    if batch_file and through:
        raise click.UsageError("--through follows one login's redirects; drop it with --batch")
    if batch_file:
        for flag, given in (("--user", user_file), ("--context", context_file),
                            ("--event", event_file), ("--login", login_file)):
            if given:
                raise click.UsageError(f"--batch takes the logins from its file; drop {flag}")
        with open_batch_file(
                None if pipeline else target, batch_file, manifest=manifest, kind=kind,
                configuration_file=configuration_file, secrets_file=secrets_file,
                modules=modules, timeout=timeout, now=now, warm=warm, stubs=stubs) as outcomes:
            for number, outcome in outcomes:  # streamed: memory stays flat for any number of logins
                click.echo(json.dumps({"line": number, **outcome.to_dict()}, ensure_ascii=False)
                           if as_json else f"{batch_file}:{number}: {outcome.summary()}")
        return
    outcome = run_target(
        None if pipeline else target, manifest=manifest, kind=kind, user_file=user_file,
        context_file=context_file, event_file=event_file, login_file=login_file,
        configuration_file=configuration_file, secrets_file=secrets_file, modules=modules,
        timeout=timeout, now=now, stubs=stubs, through=through)
    if as_json:
        click.echo(outcome.to_json())
        return
    click.echo(outcome.summary())
    for label, claims in (("id token", outcome.id_token_claims),
                          ("access token", outcome.access_token_claims)):
        for key, value in claims.items():
            click.echo(f"  {label} claim {key} = {json.dumps(value)}")
    for update in outcome.app_metadata_updates:
        click.echo(f"  app_metadata update: {json.dumps(update)}")
    for dropped in outcome.extra.get("dropped_claims") or []:
        click.echo(f"  {dropped['token']} claim {dropped['claim']} dropped ({dropped['reason']}: "
                   "Auth0 does not add it)")
    if outcome.error and outcome.error.get("at"):
        click.echo(f"  at {outcome.error['at']}")
    for line in outcome.logs:
        click.echo(f"  log: {line}")


@cli.command()
@MANIFEST_OPTION
@click.option("--out", default="build", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Build folder.")
@_reports_errors
def demo(manifest: Path, out: Path) -> None:
    """Render the manifest, then show who gets MFA among a few synthetic logins."""
    from ._demo import demo_rows
    from ._render import render as do_render
    from ._tenant import tenant_factors

    factors = tenant_factors(manifest)  # a bad tenant model stops the demo before it renders
    artifacts = do_render(manifest, out)
    click.echo(f"Rendered {len(artifacts)} artifact(s) into {out / 'artifacts'} "
               "(each parsed by V8):")
    _echo_table([[f"{a.order:>4}", a.file_name,
                  f"<- {a.template}" + ("" if a.enabled else "  (disabled)")] for a in artifacts],
                indent="  ")
    click.echo("")
    click.echo("Who gets MFA (each synthetic login runs through the Actions flow, with the "
               "tenant's MFA factors, and, for comparison, the legacy Rules pipeline):")
    rows = demo_rows(artifacts, factors)
    width = max(len(r[0]) for r in rows)
    click.echo(f"  {'LOGIN':<{width}}  {'ACTIONS':8}  {'RULES':8}  DECISION")
    for persona, by_action, by_rule, detail in rows:
        click.echo(f"  {persona:<{width}}  {by_action:<8}  {by_rule:<8}  {detail}")


@cli.command()
@click.argument("a")
@click.argument("b")
@MANIFEST_OPTION
@click.option("--examples", type=click.IntRange(min=0), default=300, show_default=True,
              help="How many generated logins to compare after the declared ones.")
@click.option("--configuration", "configuration_file", type=click.Path(dir_okay=False),
              help="JSON object of strings: a Rule's configuration (and Action secrets if "
                   "--secrets is not given).")
@click.option("--secrets", "secrets_file", type=click.Path(dir_okay=False),
              help="JSON object of strings: an Action's event.secrets (and Rule configuration "
                   "if --configuration is not given).")
@click.option("--modules", type=click.Path(file_okay=False, path_type=Path),
              help="node_modules folder for require.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed for the generated logins (same seed, same logins).")
@click.option("--stub", "stub_specs", multiple=True, metavar="NAME=FILE",
              help="Serve require('NAME') from FILE, a JavaScript module (module.exports = ...), "
                   "for packages that would do I/O (request, axios, ...); repeatable.")
@click.option("--login", "login_files", multiple=True, type=click.Path(dir_okay=False),
              help="A login (JSON, as for `rulekit run --login`) compared first, after the "
                   "demo's personas; repeatable. Declare one that reaches a denial or MFA the "
                   "generated logins miss.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@_reports_errors
def equiv(a: str, b: str, manifest: Path, examples: int, configuration_file: str | None,
          secrets_file: str | None, modules: Path | None, seed: int, stub_specs: tuple[str, ...],
          login_files: tuple[str, ...], as_json: bool) -> None:
    """Do A and B decide the same? Each is a Rule or Action file, or a manifest entry
    (NAME for its Action, rule:NAME / action:NAME to choose).

    Exit 0 when every login got the same decision, 1 when one did not (the shrunk login and
    both outcomes are printed), 2 when either side could not run.
    """
    from ._equiv import Side, check_equivalent
    from ._execution import load_login_file, load_stubs, load_values, resolve_side

    values = load_values(configuration_file, secrets_file)
    declared = _declared_logins() + [load_login_file(path) for path in login_files]
    side_a = Side(a, tuple(resolve_side(a, manifest)))
    side_b = Side(b, tuple(resolve_side(b, manifest)))
    result = check_equivalent(side_a, side_b, examples=examples, values=values,
                              modules=modules, declared=declared, seed=seed,
                              stubs=load_stubs(stub_specs))
    click.echo(json.dumps(result.to_dict(), indent=2) if as_json else result.report())
    sys.exit(0 if result.proven else 1 if not result.equivalent else 2)


def _declared_logins() -> list[dict[str, Any]]:
    from ._demo import PERSONAS

    return [fields for _, fields in PERSONAS]


@cli.command()
@MANIFEST_OPTION
@click.option("--examples", type=click.IntRange(min=1), default=100, show_default=True,
              help="How many logins to write.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Same seed, same logins.")
@click.option("--adversarial", is_flag=True,
              help="Mix in what rule authors forget (odd role types and spellings, missing "
                   "parts, silent logins), as the fuzzing does.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the JSONL file here (default: stdout).")
@_reports_errors
def logins(manifest: Path, examples: int, seed: int, adversarial: bool,
           output: Path | None) -> None:
    """Write generated logins, one neutral login (JSON) per line, for `rulekit run --batch`:
    drawn as the fuzzing draws them, with the enabled entries' literals and the tenant's roles."""
    from ._diff import _tenant_roles, generate_corpus
    from ._ruleset import load_actions, load_rules

    artifacts = [*load_rules(manifest), *load_actions(manifest)]
    corpus = generate_corpus(artifacts, examples, seed, known_roles=_tenant_roles(manifest),
                             adversarial=adversarial)
    text = "".join(json.dumps(login, ensure_ascii=False) + "\n" for login in corpus)
    if output is None:
        click.echo(text, nl=False)
        return
    tmp = output.with_name(output.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(output)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", path=str(output)) from None
    click.echo(f"wrote {len(corpus)} login(s) to {output}; run them: rulekit run NAME --batch "
               f"{output}", err=True)


@cli.command()
@click.argument("rule", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the draft Action here (default: stdout).")
@_reports_errors
def port(rule: str, output: Path | None) -> None:
    """Draft a post-login Action from a legacy RULE file; then check it with `rulekit equiv`."""
    from ._port import port_rule

    result = port_rule(rule)
    for warning in result.warnings:
        click.echo(f"rulekit: warning: {warning}", err=True)
    if output is None:
        click.echo(result.code, nl=False)
    else:
        tmp = output.with_name(output.name + ".tmp")
        try:
            tmp.write_text(result.code, encoding="utf-8")
            tmp.replace(output)
        except OSError as exc:
            raise InputError(f"cannot write: {exc.strerror or exc}", path=str(output)) from None
        click.echo(f"wrote {output}; now prove it: rulekit equiv {rule} {output}", err=True)
    if result.dependencies or result.unpinned:
        deps = ", ".join([f"{k}@{v}" for k, v in sorted(result.dependencies.items())]
                         + [f"{name} (the version the rule ran with)"
                            for name in sorted(result.unpinned)])
        click.echo(f"rulekit: declare these npm dependencies on the Action: {deps}", err=True)
    if result.secrets:
        names = ", ".join(result.secrets)
        click.echo(f"rulekit: configuration becomes event.secrets: declare these secrets on the "
                   f"Action (manifest secrets = [...], stack config rulekit:secret_NAME): {names}",
                   err=True)


@cli.command(name="test", context_settings={"ignore_unknown_options": True})
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
@_reports_errors
def test_command(pytest_args: tuple[str, ...]) -> None:
    """Run the rules' tests (pytest tests/rules [PYTEST_ARGS]); green writes build/attestation.json."""
    from ._attest import run_rule_tests

    sys.exit(run_rule_tests(pytest_args))


@cli.command()
@click.option("--root", default=".", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Project root.")
@click.option("--allow-untested", is_flag=True, help="As with rulekit:allowUntested true.")
@click.option("--legacy-rules", is_flag=True, help="As with rulekit:deployLegacyRules true.")
@click.option("--stack", metavar="NAME", default=None,
              help="Read the config of this Pulumi stack (Pulumi.NAME.yaml: overrides, "
                   "minCoverage, flags; its secrets as placeholders), as `pulumi up` on it would.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@_reports_errors
def plan(root: Path, allow_untested: bool, legacy_rules: bool, stack: str | None,
         as_json: bool) -> None:
    """Run the Pulumi program offline (mocks) and print what `pulumi up` would deploy.

    Exit 0 when it would deploy, 1 when the gate refuses, 2 when the tenant model, the
    manifest or the stack file is invalid.
    """
    from ._plan import plan_command

    sys.exit(plan_command(root, allow_untested=allow_untested, legacy_rules=legacy_rules,
                          as_json=as_json, stack=stack))


# --- insight: matrix, lint, mutate, diff (logic in toolkit._insight and the modules it names)
REPORT_DIR_OPTION = click.option(
    "--report-dir", default="build/report", show_default=True,
    type=click.Path(file_okay=False, path_type=Path), help="Where --html writes the report.")


# context.protocol / event.transaction.protocol values Auth0 documents (Rules context object).
AUTH0_PROTOCOLS = ("oidc-basic-profile", "oidc-implicit-profile", "oauth2-device-code",
                   "oauth2-resource-owner", "oauth2-resource-owner-jwt-bearer", "oauth2-password",
                   "oauth2-access-token", "oauth2-refresh-token", "oauth2-token-exchange", "samlp",
                   "wsfed", "wstrust-usernamemixed", "delegation", "redirect-callback")


@cli.command()
@MANIFEST_OPTION
@click.option("--protocol", "protocols", multiple=True, type=click.Choice(AUTH0_PROTOCOLS),
              metavar="PROTOCOL",
              help="Protocol of interest, as Auth0 names it in context.protocol (repeatable; "
                   "default: oidc-basic-profile and oauth2-refresh-token).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--html", is_flag=True, help="Also write the HTML report (build/report/index.html).")
@REPORT_DIR_OPTION
@_reports_errors
def matrix(manifest: Path, protocols: tuple[str, ...], as_json: bool, html: bool,
           report_dir: Path) -> None:
    """Who gets MFA: every declared user x client x protocol, Actions flow and Rules pipeline.

    Exit 0, or 1 when a login errors or the Actions and Rules decide differently.
    """
    from ._insight import matrix_command

    sys.exit(matrix_command(manifest, protocols, as_json, html, report_dir, click.echo))


@cli.command()
@MANIFEST_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--sarif", is_flag=True, help="Print SARIF 2.1.0 (for code scanning).")
@click.option("--html", is_flag=True, help="Also add the findings to the HTML report.")
@REPORT_DIR_OPTION
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@_reports_errors
def lint(manifest: Path, as_json: bool, sarif: bool, html: bool, report_dir: Path,
         files: tuple[str, ...]) -> None:
    """Security and Auth0 checks of the templates, rendered code and manifest; or of FILES
    (Rule or Action files outside the manifest: a legacy rule, a port draft).

    Exit 0 without errors (warnings and notes are fine), 1 with errors.
    """
    from ._insight import lint_command

    sys.exit(lint_command(manifest, as_json, sarif, html, report_dir, click.echo, files))


@cli.command()
@MANIFEST_OPTION
@click.option("--tests", default="tests/rules", show_default=True, help="The tests to run.")
@click.option("--threshold", type=click.FloatRange(0, 100), default=100.0, show_default=True,
              help="Minimum mutation score (percent).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Parallel pytest runs (default: cores).")
@click.option("--rule", "names", multiple=True, help="Only this manifest entry (repeatable).")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(["action", "rule"]),
              help="Only Actions or only Rules.")
@click.option("--examples", type=click.IntRange(min=1),
              help="Examples per property test in each run (--rulekit-examples; default: the "
                   "profile's). Fewer is quicker, and may let mutants survive.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--html", is_flag=True, help="Also add the result to the HTML report.")
@REPORT_DIR_OPTION
@_reports_errors
def mutate(manifest: Path, tests: str, threshold: float, jobs: int | None,
           names: tuple[str, ...], kinds: tuple[str, ...], examples: int | None, as_json: bool,
           html: bool, report_dir: Path) -> None:
    """Mutation score: run the rule tests against small changes to each rendered artifact.

    Exit 0 when the score reaches --threshold, 1 under it, 2 when it could not run.
    """
    from ._insight import mutate_command

    sys.exit(mutate_command(manifest, tests, threshold, jobs, names, kinds, as_json, html,
                            report_dir, click.echo, lambda line: click.echo(line, err=True),
                            examples=examples))


@cli.command()
@MANIFEST_OPTION
@click.option("--rev", help="Git revision to compare with (default: HEAD).")
@click.option("--base-manifest", type=click.Path(dir_okay=False, path_type=Path),
              help="Compare with another manifest on disk instead of a git revision.")
@click.option("--examples", type=click.IntRange(min=0), default=2000, show_default=True,
              help="Generated logins besides the declared users.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the generated logins.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@_reports_errors
def diff(manifest: Path, rev: str | None, base_manifest: Path | None, examples: int, seed: int,
         as_json: bool) -> None:
    """Whose decision changes between REV (default HEAD) and the working tree.

    Exit 1 when MFA is weakened for anyone, 0 otherwise, 2 when it could not run.
    """
    from ._insight import diff_command

    sys.exit(diff_command(manifest, rev, base_manifest, examples, seed, as_json, click.echo))


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="rulekit")
