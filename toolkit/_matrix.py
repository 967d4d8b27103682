"""The decision matrix: every declared user x every client x protocols of interest, and what the
Actions flow (and the legacy Rules pipeline, where entries render one) decides for each.

Users and clients come from the tenant model (``rules_src/tenant.toml``) when there is one;
otherwise from the demo personas (``toolkit._demo``) on the default client.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ._actions import ActionsRuntime
from ._equiv import NOW, changed_scope, decisions, metadata_changes
from ._login import make_login
from ._login_runner import run_logins
from ._manifest import DEFAULT_MANIFEST, load_manifest
from ._mfa import POLICY_NAMES, policy_verdict, with_policy
from ._outcome import CHALLENGE_COMMANDS, Outcome, shown_url
from ._render import Artifact, render_manifest
from ._rules import RulesRuntime
from ._tenant import MfaSpec, declared_mfa

__all__ = ["DEFAULT_PROTOCOLS", "DeclaredLogin", "Matrix", "MatrixRow", "build_matrix", "cell",
           "claims_text", "declared_logins", "describe"]

DEFAULT_PROTOCOLS = ("oidc-basic-profile", "oauth2-refresh-token")


@dataclass(frozen=True)
class DeclaredLogin:
    user: str  # label of the user
    client: str  # client name
    login: dict[str, Any]  # neutral login (protocol not yet set)


def tenant_path(manifest: Path) -> Path:
    return manifest.parent / "tenant.toml"


def declared_logins(manifest: str | Path = DEFAULT_MANIFEST) -> tuple[str, list[DeclaredLogin]]:
    """(source description, logins): tenant users x clients, or the demo personas."""
    tenant = tenant_path(Path(manifest))
    if tenant.is_file():
        from ._tenant import declared_logins as tenant_logins
        from ._tenant import load_tenant

        model = load_tenant(tenant)
        out: list[DeclaredLogin] = []
        clients: list[str | None] = [c.name for c in model.clients] or [None]
        for client in clients:
            for label, login in tenant_logins(model, client):
                out.append(DeclaredLogin(label, str(login["client"]["name"]), login))
        return f"tenant model {model.display_path()}", out
    from ._demo import PERSONAS

    default = make_login()
    return "demo personas (no tenant model found)", [
        DeclaredLogin(label, default["client"]["name"], make_login(**fields))
        for label, fields in PERSONAS]


def _error_text(outcome: Outcome) -> str:
    """``TypeError: ... (in Action 'x' at template:line)``: what failed, in which code, where."""
    error = outcome.error or {}
    noun = "Action" if outcome.kind == "action" else "rule"
    where = [f"in {noun} '{error['rule']}'"] if error.get("rule") else []
    where += [f"at {error['at']}"] if error.get("at") else []
    return f"{error.get('name')}: {error.get('message')}" + (f" ({' '.join(where)})" if where else "")


def cell(outcome: Outcome, tenant: MfaSpec | None = None,
         protocol: str | None = None, login: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One decision for the matrix (JSON-ready); ``tenant_policy`` says what the tenant's MFA
    policy adds to an Actions decision without MFA (toolkit._mfa.policy_verdict)."""
    mfa = outcome.mfa
    return {
        "verdict": outcome.verdict,
        "mfa": None if mfa is None else {"provider": mfa.get("provider"),
                                         "allowRememberBrowser": mfa.get("allowRememberBrowser"),
                                         "mfa_api": bool(outcome.extra.get("mfa_api"))},
        "denied": None if outcome.denied is None else outcome.denied.get("message"),
        "error": None if outcome.error is None else _error_text(outcome),
        "decided_by": outcome.decided_by,
        "id_token_claims": outcome.id_token_claims,
        "access_token_claims": outcome.access_token_claims,
        "redirect": None if outcome.redirect is None else outcome.redirect.get("url"),
        "access_token_scope": changed_scope(outcome, login),  # None: as requested
        # what the login changes in the user's profile (keys written with a new value)
        "metadata_written": {part: keys for part, keys in metadata_changes(outcome, login).items()
                             if keys},
        "tenant_policy": policy_verdict(outcome, tenant.policy, protocol)
        if tenant is not None else None,
    }


def describe(value: dict[str, Any] | None) -> str:
    """A cell in words: ``MFA any (browser not remembered)``, ``allowed``, ``DENIED: ...``, ``ERROR: ...``."""
    if value is None:
        return "-"
    # A login that redirected and was then stopped: say so, and that the simulated site
    # returned only the claims the redirect carried (a newcomer's DENIED read as unexplained).
    after = (f" (after a redirect to {shown_url(value['redirect'])}; rulekit's simulated site "
             "returns only the claims the redirect carried)") if value.get("redirect") else ""
    if value["error"] is not None:
        return f"ERROR: {value['error']}{after}"
    if value["denied"] is not None:
        return f"DENIED: {value['denied']}{after}"
    if value["mfa"] is not None:
        remember = ("browser may be remembered" if value["mfa"]["allowRememberBrowser"]
                    else "browser not remembered")
        if value["mfa"]["provider"] in CHALLENGE_COMMANDS:  # a challenge remembers no browser
            remember = "a challenge"
        # A token exchange (refresh token, password) gets mfa_required, for the MFA API.
        remember = "mfa_required to the MFA API" if value["mfa"].get("mfa_api") else remember
        decided = f"MFA {value['mfa']['provider']} ({remember})"
    else:
        decided = with_policy("allowed, no MFA", value.get("tenant_policy"))
    return decided + (f", redirect to {shown_url(value['redirect'])}" if value.get("redirect")
                      else "")


def claim_names(value: dict[str, Any] | None) -> list[str]:
    if value is None:
        return []
    return sorted(set(value["id_token_claims"]) | set(value["access_token_claims"]))


def claims_text(value: dict[str, Any] | None) -> str:
    """``name=value`` for each claim added (to either token), compact JSON values."""
    if value is None:
        return "-"
    parts = []
    for name in claim_names(value):
        claim = value["id_token_claims"].get(name, value["access_token_claims"].get(name))
        parts.append(f"{name}={json.dumps(claim, separators=(',', ':'))}")
    return ", ".join(parts) or "-"


@dataclass
class MatrixRow:
    user: str
    client: str
    protocol: str
    action: dict[str, Any] | None
    rule: dict[str, Any] | None
    agree: bool | None  # Actions and Rules decide the same (None: nothing to compare)

    def to_dict(self) -> dict[str, Any]:
        return {"user": self.user, "client": self.client, "protocol": self.protocol,
                "action": self.action, "rule": self.rule, "agree": self.agree,
                "claims": claim_names(self.action or self.rule)}


@dataclass
class Matrix:
    source: str
    protocols: tuple[str, ...]
    artifacts: list[Artifact]
    rows: list[MatrixRow] = field(default_factory=list)
    rules_complete: bool = False  # every Action entry also renders a Rule: columns comparable
    mfa: MfaSpec | None = None  # the tenant's [mfa], which the Actions column takes into account

    def heading(self) -> str:
        """What was run, in words: how many logins, and that they are pairs x protocols."""
        pairs = len(self.rows) // len(self.protocols) if self.protocols else 0
        return (f"Decision matrix: {len(self.rows)} login(s) = {pairs} user/client pair(s) from "
                f"{self.source} x {len(self.protocols)} protocol(s) ({', '.join(self.protocols)})")

    def mfa_text(self) -> str:
        """The tenant MFA settings the Actions column reflects, in words."""
        if self.mfa is None:
            return ("Tenant MFA: not declared (no [mfa] in the tenant model): every factor counts "
                    "as enabled and the tenant's policy is not shown")
        return (f"Tenant MFA: policy {self.mfa.policy} ({POLICY_NAMES[self.mfa.policy]}), "
                f"factors {', '.join(self.mfa.factors) or 'none'}")

    @property
    def problems(self) -> list[str]:
        """Rows to report: errors, and Actions and Rules deciding differently."""
        out = []
        for row in self.rows:
            where = f"{row.user} / {row.client} / {row.protocol}"
            for label, value in (("Actions", row.action), ("Rules", row.rule)):
                if value is not None and value["error"] is not None:
                    out.append(f"{where}: the {label} {describe(value)}")
            if row.agree is False:
                out.append(f"{where}: Actions ({describe(row.action)}) and Rules "
                           f"({describe(row.rule)}) decide differently")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": 1, "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "source": self.source, "protocols": list(self.protocols),
            "artifacts": [{"file": a.file_name, "sha256": a.sha256, "template": a.template}
                          for a in self.artifacts],
            "rules_complete": self.rules_complete,
            "tenant_mfa": None if self.mfa is None else {
                "policy": self.mfa.policy, "factors": list(self.mfa.factors),
                "customize_with_actions": self.mfa.customize_with_actions},
            "rows": [r.to_dict() for r in self.rows], "problems": self.problems,
        }

    def table(self) -> list[str]:
        """The terminal table."""
        has_rules = any(r.rule is not None for r in self.rows)
        headers = ["USER", "CLIENT", "PROTOCOL", "ACTIONS"] + (["RULES"] if has_rules else []) + \
            ["CLAIMS"]
        body = []
        for row in self.rows:
            line = [row.user, row.client, row.protocol, describe(row.action)]
            if has_rules:
                line.append(describe(row.rule) + ("" if row.agree is not False else "  (DIFFERS)"))
            line.append(claims_text(row.action or row.rule))
            body.append(line)
        widths = [max([len(h)] + [len(b[i]) for b in body]) for i, h in enumerate(headers)]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths[:-1]) + "  {}"
        out = [fmt.format(*headers)]
        previous_user = None
        for line in body:
            shown = list(line)
            if line[0] == previous_user:
                shown[0] = ""  # one user's rows read as a group
            previous_user = line[0]
            out.append(fmt.format(*shown).rstrip())
        return out


SECRET_PLACEHOLDER = "matrix-placeholder-not-a-real-secret"


def placeholders(artifacts: Sequence[Artifact], value: str = SECRET_PLACEHOLDER
                 ) -> dict[str, str]:
    """A placeholder ``value`` for each secret (configuration key) the entries declare: the
    code runs as deployed, with its secrets set (their values are the stack's, unknown here)."""
    return {name: value for artifact in artifacts for name in artifact.secrets}


def build_matrix(manifest: str | Path = DEFAULT_MANIFEST, *,
                 protocols: Sequence[str] = DEFAULT_PROTOCOLS,
                 logins: Sequence[DeclaredLogin] | None = None,
                 source: str | None = None) -> Matrix:
    """Run every declared login x protocol through the Actions flow and the Rules pipeline."""
    loaded = load_manifest(manifest)
    artifacts = [a for a in render_manifest(loaded) if a.enabled]
    if logins is None:
        source, logins = declared_logins(manifest)
    actions = [a for a in artifacts if a.kind == "action"]
    rules = [a for a in artifacts if a.kind == "rule"]
    action_names = {a.name for a in actions}
    complete = bool(rules) and action_names <= {r.name for r in rules}
    cases = []
    for item in logins:
        for protocol in protocols:
            login = copy.deepcopy(item.login)
            login["protocol"] = protocol
            cases.append((item, protocol, login))
    by_action: list[Outcome | None] = [None] * len(cases)
    by_rule: list[Outcome | None] = [None] * len(cases)
    mfa = declared_mfa(loaded.path)
    if actions:
        with ActionsRuntime(actions, now=NOW, secrets=placeholders(actions),
                            factors=mfa.factors if mfa is not None else None) as flow:
            by_action = list(run_logins(flow, [c[2] for c in cases], through=True))
    if rules:
        with RulesRuntime(rules, now=NOW, configuration=placeholders(rules)) as pipeline:
            by_rule = list(run_logins(pipeline, [c[2] for c in cases], through=True))
    matrix = Matrix(source=source or "given logins", protocols=tuple(protocols),
                    artifacts=artifacts, rules_complete=complete, mfa=mfa)
    for (item, protocol, login), out_a, out_r in zip(cases, by_action, by_rule, strict=True):
        agree = None
        if complete and out_a is not None and out_r is not None:
            mine, theirs = decisions(out_a, out_r, login, cross_kind=True)
            agree = mine == theirs
        matrix.rows.append(MatrixRow(item.user, item.client, protocol,
                                     None if out_a is None else cell(out_a, mfa, protocol, login),
                                     None if out_r is None else cell(out_r, mfa, protocol, login),
                                     agree))
    return matrix
