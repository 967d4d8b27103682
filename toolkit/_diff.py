"""Decision diff (``rulekit diff``): what changes for whom between two versions of the rules.

The base version is the manifest folder at a git revision (``git show REV:path`` into a temp
folder, then rendered there) or another manifest on disk. Both versions run on the declared
users (the matrix's logins) and on a seeded corpus of generated logins whose strings include
the literals of both versions; the logins whose decision changed are grouped by kind of change.
MFA no longer required, or remember-browser newly allowed, *weakens MFA*: the review gate.
"""

from __future__ import annotations

import copy
import json
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._actions import ActionsRuntime
from ._equiv import NOW
from ._login import except_default, shrink_to_default
from ._login_runner import run_logins
from ._manifest import DEFAULT_MANIFEST
from ._matrix import (
    DEFAULT_PROTOCOLS,
    cell,
    claims_text,
    declared_logins,
    describe,
    placeholders,
)
from ._outcome import Outcome, silent_login_error
from ._render import Artifact, render_manifest
from ._rules import RulesRuntime
from ._tenant import tenant_factors
from .errors import InputError

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

__all__ = ["Change", "DiffResult", "classify", "diff_decisions", "generate_corpus",
           "render_at_revision"]

WEAKENING = ("MFA no longer required", "MFA now lets the browser be remembered")
_ORDER = (*WEAKENING, "access no longer denied", "login no longer fails with an error",
                      "MFA provider changed", "MFA now required",
                      "MFA no longer lets the browser be remembered", "now denied",
                      "now fails with an error", "redirect no longer sent", "redirect now sent",
                      "redirect target changed", "access token scopes changed",
                      "token claims changed", "metadata written changed")


def _git(args: Sequence[str], cwd: Path) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              check=False, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise InputError("git is not installed; give --base-manifest instead") from None
    if done.returncode != 0:
        raise InputError(f"git {' '.join(args)}: {done.stderr.strip() or 'failed'}")
    return done.stdout


def render_at_revision(rev: str, manifest: str | Path = DEFAULT_MANIFEST) -> list[Artifact]:
    """Render the manifest as it was at git revision ``rev`` (its whole folder, from git)."""
    manifest = Path(manifest).resolve()
    top = Path(_git(["rev-parse", "--show-toplevel"], manifest.parent).strip())
    folder = manifest.parent.relative_to(top).as_posix()
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], top)
    except InputError:
        raise InputError(f"--rev {rev!r}: no such commit in this repository (try a branch, a tag "
                         "or a hash from git log)") from None
    names = [n for n in _git(["ls-tree", "-r", "--name-only", rev, "--", folder], top).splitlines()
             if n]
    wanted = f"{folder}/{manifest.name}"
    if wanted not in names:
        raise InputError(f"{wanted} does not exist at revision {rev}", path=wanted)
    with tempfile.TemporaryDirectory(prefix="rulekit-diff-") as scratch:
        for name in names:
            blob = subprocess.run(["git", "show", f"{rev}:{name}"], cwd=top, capture_output=True,
                                  check=False, stdin=subprocess.DEVNULL)
            if blob.returncode != 0:
                raise InputError(f"git show {rev}:{name} failed", path=name)
            target = Path(scratch) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(blob.stdout)
        return render_manifest(Path(scratch) / wanted)


def _login_strategy(artifacts: Sequence[Artifact], known_roles: Sequence[str],
                    clients: Sequence[dict[str, Any]],
                    adversarial: bool) -> SearchStrategy[dict[str, Any]]:
    """rulekit's login strategies: tenant roles and clients mixed with the code's literals."""
    from ._dictionary import dictionary_from
    from .strategies import logins

    return logins(known_roles=known_roles, clients=clients, adversarial=adversarial,
                  dictionary=dictionary_from(list(artifacts)))


def generate_corpus(artifacts: Sequence[Artifact], count: int, seed: int, *,
                    known_roles: Sequence[str] = (), clients: Sequence[dict[str, Any]] = (),
                    adversarial: bool = False) -> list[dict[str, Any]]:
    """``count`` generated neutral logins, the same ones for the same seed and inputs."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as seed_with
    from hypothesis import strategies as st

    if count <= 0:
        return []
    collected: list[dict[str, Any]] = []
    strategy = _login_strategy(artifacts, known_roles, clients, adversarial)

    @seed_with(seed)
    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def collect(data: st.DataObject) -> None:
        collected.append(data.draw(strategy))

    collect()
    return collected[:count]


def _mfa_failure(cell: dict[str, Any]) -> bool:
    """The login failed because it needed MFA it could not have: a non-interactive login
    (prompt=none) that requires MFA fails with login_required (the harness's silentMfaError)."""
    name, _, message = str(cell["error"] or "").partition(": ")  # the cell's "name: message"
    return cell.get("mfa") is not None or (
        name == "login_required" and silent_login_error({"name": name, "message": message}))


def classify(old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """The kind of change between two matrix cells, or None when the decision is the same."""
    if old["verdict"] == new["verdict"] == "error":
        return None
    if old["error"] is None and new["error"] is not None:
        if _mfa_failure(new) and old["denied"] is None and old["mfa"] is None:
            return "MFA now required"  # in a silent login, Auth0's way of saying so
        return "now fails with an error"
    if old["error"] is not None and new["error"] is None:
        if _mfa_failure(old):
            # prompt=none: Auth0 failed the login because it needed MFA (a newcomer's bypass
            # that now gets tokens without any was filed as "no longer fails", exit 0)
            if new["denied"] is not None:
                return "now denied"
            if new["mfa"] is None:
                return "MFA no longer required"
            if new["mfa"].get("allowRememberBrowser") and not new["mfa"].get("mfa_api"):
                return "MFA now lets the browser be remembered"  # so the session passes
        return "login no longer fails with an error"
    if old["denied"] is None and new["denied"] is not None:
        return "now denied"
    if old["denied"] is not None and new["denied"] is None:
        return "access no longer denied"
    if old["denied"] is not None:
        return None
    if old["mfa"] is not None and new["mfa"] is None:
        return "MFA no longer required"
    if old["mfa"] is None and new["mfa"] is not None:
        return "MFA now required"
    if old["mfa"] is not None and new["mfa"] is not None:
        if old["mfa"]["provider"] != new["mfa"]["provider"]:
            return "MFA provider changed"
        if old["mfa"].get("mfa_api") or new["mfa"].get("mfa_api"):
            pass  # a token exchange answers mfa_required (the MFA API): there is no browser
        elif not old["mfa"]["allowRememberBrowser"] and new["mfa"]["allowRememberBrowser"]:
            return "MFA now lets the browser be remembered"
        elif old["mfa"]["allowRememberBrowser"] and not new["mfa"]["allowRememberBrowser"]:
            return "MFA no longer lets the browser be remembered"
    # A redirect may be the login's consent or custom MFA step (cells of older reports: none).
    was, now = old.get("redirect"), new.get("redirect")
    if was is not None and now is None:
        return "redirect no longer sent"
    if was is None and now is not None:
        return "redirect now sent"
    if was != now:
        return "redirect target changed"
    if old.get("access_token_scope") != new.get("access_token_scope"):
        return "access token scopes changed"
    if (old["id_token_claims"], old["access_token_claims"]) != \
            (new["id_token_claims"], new["access_token_claims"]):
        return "token claims changed"
    if old.get("metadata_written") != new.get("metadata_written"):
        return "metadata written changed"  # e.g. every login now writes a counter
    return None


@dataclass
class Change:
    kind: str  # one of _ORDER
    flow: str  # "Actions flow" / "Rules pipeline"
    declared: list[dict[str, Any]] = field(default_factory=list)
    fuzzed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def weakens_mfa(self) -> bool:
        return self.kind in WEAKENING

    def to_dict(self, fuzzed_total: int) -> dict[str, Any]:
        return {"kind": self.kind, "flow": self.flow, "weakens_mfa": self.weakens_mfa,
                "declared": len(self.declared), "fuzzed": len(self.fuzzed),
                "fuzzed_total": fuzzed_total,
                "was": self.was(),
                "examples": self.declared[:3] + _varied(_distinct(sorted(
                    self.fuzzed[:_SHOWN_FUZZED * 3],
                    key=lambda e: len(json.dumps(e["login"])))))[:_SHOWN_FUZZED]}

    def was(self) -> dict[str, int]:
        """How many of the fuzzed logins had each verdict before (a newcomer's "now denied"
        mixed logins that were allowed with admins that got MFA, and showed only the first)."""
        counts: dict[str, int] = {}
        for example in self.fuzzed:
            counts[example["was"]] = counts.get(example["was"], 0) + 1
        return counts


def _varied(examples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The examples with one of each earlier verdict first, so those printed show each."""
    firsts: dict[str, dict[str, Any]] = {}
    for example in examples:
        firsts.setdefault(example["was"], example)
    chosen = list(firsts.values())
    return chosen + [example for example in examples if not any(example is c for c in chosen)]


def _distinct(examples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Examples that read differently (two logins can print the same essentials)."""
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for example in examples:
        key = (str(example["who"]), str(example["before"]), str(example["after"]))
        if key not in seen:
            seen.add(key)
            kept.append(example)
    return kept


@dataclass
class DiffResult:
    base: str
    current: str
    declared_total: int
    fuzzed_total: int
    seed: int
    changes: list[Change] = field(default_factory=list)
    flows: list[str] = field(default_factory=list)

    @property
    def mfa_weakened(self) -> bool:
        return any(c.weakens_mfa for c in self.changes)

    def lines(self) -> list[str]:
        out = [f"rulekit diff: {self.base} -> {self.current} ({', '.join(self.flows)}), on "
               f"{self.declared_total} declared and {self.fuzzed_total} generated logins "
               f"(seed {self.seed})"]
        if not self.changes:
            out.append("no decision changed")
            return out
        for change in self.changes:
            mark = "  [weakens MFA]" if change.weakens_mfa else ""
            was = change.was()
            before = (" (before: " + ", ".join(f"{count} {verdict}" for verdict, count
                                               in sorted(was.items(), key=lambda i: -i[1])) + ")"
                      if len(was) > 1 else "")
            out.append(f"{change.flow}: {change.kind}: {len(change.declared)} declared user "
                       f"login(s), {len(change.fuzzed)} of {self.fuzzed_total} fuzzed logins"
                       f"{before}{mark}")
            for example in change.to_dict(self.fuzzed_total)["examples"]:
                out.append(f"    e.g. {example['who']}: {example['before']} -> {example['after']}")
        if self.mfa_weakened:
            out.append("MFA is weakened for some logins (exit 1)")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"version": 1, "base": self.base, "current": self.current,
                "declared": self.declared_total,
                "fuzzed": self.fuzzed_total, "seed": self.seed, "flows": self.flows,
                "mfa_weakened": self.mfa_weakened,
                "changes": [c.to_dict(self.fuzzed_total) for c in self.changes]}


def _tenant_roles(manifest: str | Path) -> list[str]:
    tenant = Path(manifest).parent / "tenant.toml"
    if not tenant.is_file():
        return []
    from ._tenant import load_tenant

    return list(load_tenant(tenant).role_names)


_SHOWN_FUZZED = 2  # fuzzed examples printed per change (to_dict)
_SHRINK_SECONDS = 20.0  # for shrinking every example of one flow


@contextmanager
def _opened(artifacts: Sequence[Artifact], factors: tuple[str, ...] | None = None
            ) -> Iterator[ActionsRuntime | RulesRuntime | None]:
    if not artifacts:
        yield None
        return
    # Each declared secret set to a placeholder, as in the matrix and the plan; the tenant's
    # MFA factors (its [mfa], the working tree's) for both versions.
    runtime = ActionsRuntime(artifacts, now=NOW, secrets=placeholders(artifacts),
                             factors=factors) \
        if artifacts[0].kind == "action" \
        else RulesRuntime(artifacts, now=NOW, configuration=placeholders(artifacts))
    with runtime:
        yield runtime


def diff_decisions(base: Sequence[Artifact], current: Sequence[Artifact], *, base_label: str,
                   current_label: str = "working tree",
                   manifest: str | Path = DEFAULT_MANIFEST, examples: int = 2000,
                   seed: int = 0, protocols: Sequence[str] = DEFAULT_PROTOCOLS) -> DiffResult:
    _, declared = declared_logins(manifest)
    labelled: list[tuple[str, dict[str, Any]]] = []
    for item in declared:
        for protocol in protocols:
            login = copy.deepcopy(item.login)
            login["protocol"] = protocol
            labelled.append((f"{item.user} / {item.client} / {protocol}", login))
    old = [a for a in base if a.enabled]
    new = [a for a in current if a.enabled]
    clients = {json.dumps(item.login["client"], sort_keys=True): item.login["client"]
               for item in declared}
    corpus = generate_corpus([*old, *new], examples, seed, known_roles=_tenant_roles(manifest),
                             clients=list(clients.values()))
    logins = [login for _, login in labelled] + corpus
    result = DiffResult(base=base_label, current=current_label, declared_total=len(labelled),
                        fuzzed_total=len(corpus), seed=seed)
    for kind, flow in (("action", "Actions flow"), ("rule", "Rules pipeline")):
        before = [a for a in old if a.kind == kind]
        after = [a for a in new if a.kind == kind]
        if not before and not after:
            continue
        result.flows.append(flow)
        nothing = cell(Outcome(kind="action" if kind == "action" else "rule"))
        factors = tenant_factors(manifest)
        with _opened(before, factors) as old_flow, _opened(after, factors) as new_flow:

            def cells(flow: ActionsRuntime | RulesRuntime | None, some: list[dict[str, Any]],
                      empty: dict[str, Any] = nothing) -> list[dict[str, Any]]:
                return ([cell(o, login=login) for o, login in
                         zip(run_logins(flow, some, through=True), some, strict=True)]
                        if flow is not None
                        else [empty] * len(some))

            groups: dict[str, Change] = {}
            for index, (was, now) in enumerate(zip(cells(old_flow, logins),
                                                   cells(new_flow, logins), strict=True)):
                kind_of_change = classify(was, now)
                if kind_of_change is None:
                    continue
                change = groups.setdefault(kind_of_change, Change(kind_of_change, flow))
                declared_login = index < len(labelled)
                example = _example(labelled[index][0] if declared_login else "", logins[index],
                                   was, now)
                (change.declared if declared_login else change.fuzzed).append(example)
            # The fuzzed examples to be printed, shrunk to the fields that make the change
            # (within a time budget: a login that loops costs the time limit per try), except
            # those that ran out of time.
            deadline = time.monotonic() + _SHRINK_SECONDS
            for change in groups.values():
                change.fuzzed = _varied(sorted(change.fuzzed, key=lambda e: len(json.dumps(
                    e["login"]))))
                for position, example in enumerate(change.fuzzed[:_SHOWN_FUZZED * 3]):
                    if "TimeLimitExceeded" in example["before"] + example["after"]:
                        continue

                    def same(trial: dict[str, Any], kind_of_change: str = change.kind,
                             was: str = example["was"]) -> bool:
                        # the same change from the same verdict (an admin's MFA -> denied
                        # must not shrink into someone's allowed -> denied)
                        before, after = (cells(f, [trial])[0] for f in (old_flow, new_flow))
                        return classify(before, after) == kind_of_change and \
                            before["verdict"] == was

                    login = shrink_to_default(example["login"], same, deadline)
                    was, now = (cells(f, [login])[0] for f in (old_flow, new_flow))
                    change.fuzzed[position] = _example(except_default(login), login, was, now)
        result.changes.extend(sorted(groups.values(), key=lambda c: _ORDER.index(c.kind)))
    return result


def _example(who: str, login: dict[str, Any], was: dict[str, Any], now: dict[str, Any]
             ) -> dict[str, Any]:
    before_text, after_text = describe(was), describe(now)
    kind = classify(was, now)
    if kind == "token claims changed":
        before_text, after_text = claims_text(was), claims_text(now)
    elif kind == "metadata written changed":
        before_text, after_text = (_metadata_text(cell.get("metadata_written"))
                                   for cell in (was, now))
    elif kind == "access token scopes changed":  # the MFA cell read the same on both sides
        before_text, after_text = (_scopes_text(cell.get("access_token_scope"))
                                   for cell in (was, now))
    return {"who": who, "before": before_text, "after": after_text, "login": login,
            "was": str(was["verdict"])}


def _scopes_text(scopes: Any) -> str:
    if scopes is None:
        return "access token scopes as requested"
    return "access token scopes " + (" ".join(map(str, scopes)) if isinstance(scopes, list)
                                     else str(scopes))


def _metadata_text(written: Any) -> str:
    if not written:
        return "writes no metadata"
    import json

    return "writes " + json.dumps(written, sort_keys=True, separators=(",", ":"))
