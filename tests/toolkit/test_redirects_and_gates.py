"""Whole logins through redirects (matrix, diff, equiv), and the gates' measurements: each test
is a problem a review found in the first versions of these features."""
from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import pytest
from click.testing import CliRunner

from toolkit import make_login
from toolkit._actions import ActionsRuntime, default_event
from toolkit._equiv import _run, check_equivalent, decisions
from toolkit._login import to_action_shape, to_rule_shape
from toolkit._render import Artifact, load_rule_file, render_manifest
from toolkit._rules import RulesRuntime
from toolkit.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def _art(tmp: Path, name: str, src: str, kind: Literal["rule", "action"]) -> Artifact:
    (tmp / f"{name}.js").write_text(src)
    return replace(load_rule_file(tmp / f"{name}.js"), kind=kind)


def action(tmp: Path, name: str, body: str, cont: str | None = None) -> Artifact:
    src = f"exports.onExecutePostLogin = async (event, api) => {{\n{body}\n}};\n"
    if cont is not None:
        src += f"exports.onContinuePostLogin = async (event, api) => {{\n{cont}\n}};\n"
    return _art(tmp, name, src, "action")


def rule(tmp: Path, name: str, body: str) -> Artifact:
    return _art(tmp, name, f"function (user, context, callback) {{\n{body}\n}}\n", "rule")


def port(tmp: Path, name: str) -> Artifact:
    res = CliRunner().invoke(cli, ["port", str(tmp / f"{name}.js"), "-o", str(tmp / f"{name}-port.js")])
    assert res.exit_code == 0, res.output
    return replace(load_rule_file(tmp / f"{name}-port.js"), kind="action")


REDIRECT_MANIFEST = """version = 1
[[rules]]
name = "consent"
template = "templates/consent.js.j2"
order = 10
enabled = true
targets = ["action", "rule"]
[[rules]]
name = "mfa"
template = "templates/mfa.js.j2"
order = 20
enabled = true
targets = ["action", "rule"]
"""
CONSENT = """{% if target == "action" %}
exports.onExecutePostLogin = async (event, api) => {
  api.redirect.sendUserTo('https://ai.example.com/consent');
};
exports.onContinuePostLogin = async (event, api) => {};
{% else %}
function consent(user, context, callback) {
  if (context.protocol !== 'redirect-callback') context.redirect = { url: 'https://ai.example.com/consent' };
  callback(null, user, context);
}
{% endif %}
"""
MFA = """{% if target == "action" %}
exports.onExecutePostLogin = async (event, api) => {
  api.multifactor.enable('any', { allowRememberBrowser: false });
};
{% else %}
function mfa(user, context, callback) {
  context.multifactor = { provider: 'any', allowRememberBrowser: false };
  callback(null, user, context);
}
{% endif %}
"""


@pytest.fixture
def redirect_manifest(tmp_path: Path) -> Path:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "consent.js.j2").write_text(CONSENT)
    (tmp_path / "templates" / "mfa.js.j2").write_text(MFA)
    (tmp_path / "manifest.toml").write_text(REDIRECT_MANIFEST)
    return tmp_path / "manifest.toml"


# 1 ------------------------------------------------------------------------------------------
def test_matrix_sees_the_whole_login_of_a_redirect_flow(redirect_manifest: Path) -> None:
    from toolkit._matrix import build_matrix
    m = build_matrix(redirect_manifest, protocols=["oidc-basic-profile"])
    # Once: every row agree=False, Actions "allowed, no MFA" (the MFA Action never ran).
    assert all(row.agree for row in m.rows), [(r.action, r.rule) for r in m.rows]


def test_diff_sees_a_change_after_the_redirecting_action(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from toolkit._diff import diff_decisions
    monkeypatch.chdir(ROOT)  # declared logins of rules_src/manifest.toml
    consent = action(tmp_path, "consent", "api.redirect.sendUserTo('https://ai.example.com/tos');", cont="")
    mfa = action(tmp_path, "mfa", "api.multifactor.enable('any');")
    nomfa = action(tmp_path, "mfa2", "")
    nomfa = replace(nomfa, name="mfa")
    res = diff_decisions([consent, mfa], [consent, nomfa], base_label="base", examples=50)
    # Once: no change at all (both versions stop at the redirect, MFA is never compared).
    assert [c.kind for c in res.changes] == ["MFA no longer required"]


# 2 ------------------------------------------------------------------------------------------
def test_a_redirect_rule_and_its_hand_written_action_agree_on_generated_logins(
        redirect_manifest: Path) -> None:
    arts = [a for a in render_manifest(redirect_manifest) if a.enabled]
    rules = [a for a in arts if a.kind == "rule"]
    actions = [a for a in arts if a.kind == "action"]
    login = make_login(protocol="redirect-callback")  # what the adversarial generator draws
    with RulesRuntime(rules) as rr, ActionsRuntime(actions) as ar:
        a, b = _run(rr, login), _run(ar, login)
    # Once: Rules no redirect (it is already the callback), Actions redirect: DIFFERENT.
    mine, theirs = decisions(a, b, login, cross_kind=True)  # the return leg sends no redirect
    assert mine == theirs
    assert check_equivalent(rules, actions, examples=30).equivalent


# 3 ------------------------------------------------------------------------------------------
CONSENT_WRITES = (
    "if (context.protocol !== 'redirect-callback') {\n"
    "  user.app_metadata = user.app_metadata || {};\n"
    "  user.app_metadata.consent_requested = true;\n"
    "  context.redirect = { url: 'https://ai.example.com/consent' };\n"
    "  return auth0.users.updateAppMetadata(user.user_id, user.app_metadata)\n"
    "    .then(function () { callback(null, user, context); }).catch(callback);\n"
    "}\ncallback(null, user, context);")


def test_rules_run_through_keeps_metadata_written_before_the_redirect(tmp_path: Path) -> None:
    r = rule(tmp_path, "consent", CONSENT_WRITES)
    u, c = to_rule_shape(make_login())
    with RulesRuntime([r]) as rr:
        # The Management API call of leg 1 happened; the login changed the user's metadata.
        assert rr.run_through(u, c).app_metadata_updates != []  # once: []
    p = port(tmp_path, "consent")
    res = check_equivalent([r], [p], examples=5, declared=[make_login()])
    assert res.equivalent, (res.difference.render("rule", "port") if res.difference else "")


def test_an_ask_once_rule_is_equivalent_to_itself(tmp_path: Path) -> None:
    body = ("user.app_metadata = user.app_metadata || {};\n"
            "if (!user.app_metadata.asked) {\n  user.app_metadata.asked = true;\n"
            "  context.redirect = { url: 'https://ai.example.com/ask' };\n"
            "  return auth0.users.updateAppMetadata(user.user_id, user.app_metadata)\n"
            "    .then(function () { callback(null, user, context); }).catch(callback);\n}\n"
            "callback(null, user, context);")
    a, b = rule(tmp_path, "askonce", body), rule(tmp_path, "askonce2", body)
    # Once: InputError "run_through: the rules redirected ten times in a row" (leg 2 gets the
    # user without the metadata leg 1 saved, so it redirects again).
    assert check_equivalent([a], [b], examples=5, declared=[make_login()]).equivalent


def test_an_ask_once_rule_agrees_with_its_port(tmp_path: Path) -> None:
    # Once a known limit: the port's resumed leg read event.user without the metadata its first
    # leg set, so it redirected again and again (RedirectLoop) while the Rule asked once.
    # Auth0 updates event.user between Actions ("optimistic update", Auth0 support).
    r = rule(tmp_path, "askport", ASK_ONCE)
    p = port(tmp_path, "askport")
    res = check_equivalent([r], [p], examples=5, declared=[make_login()])
    assert res.equivalent, (res.difference.render("rule", "port") if res.difference else "")
    with ActionsRuntime([p]) as rt:
        assert rt.run_through().redirect is not None and rt.run_through().error is None


# 4 ------------------------------------------------------------------------------------------
def test_a_rule_that_leaves_the_requested_scopes_agrees_with_its_port(tmp_path: Path) -> None:
    r = rule(tmp_path, "strip",
             "var asked = (context.request && context.request.query.scope || '')\n"
             "  .split(' ').filter(Boolean);\n"
             "context.accessToken.scope = asked.filter(function (s) { return s !== 'admin:all'; });\n"
             "callback(null, user, context);")
    res = check_equivalent([r], [port(tmp_path, "strip")], examples=5, declared=[make_login()])
    # Once: DIFFERENT in access_token_scope: ['email','openid','profile'] against None.
    assert res.equivalent, (res.difference.render("rule", "port") if res.difference else "")


# 5 ------------------------------------------------------------------------------------------
def test_shrinking_does_not_multiply_time_limited_runs(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import toolkit._diff as D
    monkeypatch.chdir(ROOT)

    @contextmanager
    def opened(artifacts: list[Artifact], factors: Any = None) -> Iterator[ActionsRuntime | None]:
        if not artifacts:
            yield None
            return
        with ActionsRuntime(artifacts, now="2026-11-28T10:00:00Z", timeout=0.25,
                            factors=factors) as rt:
            yield rt
    monkeypatch.setattr(D, "_opened", opened)
    timeouts: list[int] = []
    real_cell = D.cell  # type: ignore[attr-defined]

    def cell(o: Any, **options: Any) -> Any:
        if o.error and o.error.get("name") == "TimeLimitExceeded":
            timeouts.append(1)
        return real_cell(o, **options)
    monkeypatch.setattr(D, "cell", cell)
    cond = "const r = (event.user.app_metadata || {}).roles; if (Array.isArray(r) && r.includes('admin'))"
    old = action(tmp_path, "gate", f"{cond} api.multifactor.enable('any');")
    new = replace(action(tmp_path, "gate2", f"{cond} {{ while (true) {{}} }}"), name="gate")
    res = D.diff_decisions([old], [new], base_label="b", examples=300)
    looping = sum(len(c.declared) + len(c.fuzzed) for c in res.changes)
    # Once: ~161 timed-out runs for 7 looping logins (each one 20 s at the default limit).
    assert len(timeouts) <= 2 * looping, (len(timeouts), looping)


# 6 ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("separator", ["\n", " "], ids=["a branch a line", "all on one line"])
def test_an_unmeasurable_action_cannot_pass_a_90_percent_gate(tmp_path: Path,
                                                             separator: str) -> None:
    # Once: 40 untested MFA branches that cannot be instrumented weighed as 1 part (96.88%),
    # then, written on one line, as 3 lines (91.18%): either way the 90% gate passed.
    from toolkit._attest import attest, check_gate, write_attestation
    from toolkit._coverage import CoverageCollector
    chained = action(tmp_path, "chained", "  await using nothing = null;" + separator.join(
        f"  if (event.user.app_metadata?.tier{i}?.includes('admin')) api.multifactor.enable('any');"
        for i in range(40)))
    plain = action(tmp_path, "plain", "\n".join(
        f"  api.idToken.setCustomClaim('https://x/c{i}', {i});" for i in range(30)))
    with CoverageCollector() as cov, ActionsRuntime([chained, plain]) as flow:
        flow.run()
    report = cov.report([chained, plain])
    assert report.artifacts[0].error is not None
    write_attestation(attest([chained, plain], 1, coverage=report.percent, coverage_required=90.0),
                      tmp_path / "att.json")
    assert not check_gate([chained, plain], tmp_path / "att.json", min_coverage=90.0).ok


# 7 ------------------------------------------------------------------------------------------
def test_a_challenge_before_the_redirect_still_requires_mfa_after_it(tmp_path: Path) -> None:
    otp = action(tmp_path, "otp", "api.authentication.challengeWith({ type: 'email' });")
    off = action(tmp_path, "off", "api.multifactor.enable('none');")
    plain = action(tmp_path, "plain", "", cont="")
    consent = action(tmp_path, "consent", "api.redirect.sendUserTo('https://ai.example.com/c');", cont="")
    with ActionsRuntime([otp, plain, off]) as rt:
        assert rt.run().verdict == "mfa"  # without a redirect: the challenge stands
    with ActionsRuntime([otp, consent, off]) as rt:
        # Once: "allowed" (the carried challenge became S.mfa, which enable('none') clears).
        assert rt.run_through().verdict == "mfa"


# 8 ------------------------------------------------------------------------------------------
def test_created_mode_does_not_open_a_umask_window_for_other_threads(tmp_path: Path) -> None:
    from toolkit._render import created_mode
    old = os.umask(0o022)
    stop = False

    def churn() -> None:
        while not stop:
            created_mode()
    t = threading.Thread(target=churn)
    t.start()
    bad = 0
    try:
        for i in range(5000):
            p = tmp_path / f"f{i}"
            p.touch()
            bad += bool(stat.S_IMODE(p.stat().st_mode) & 0o022)
    finally:
        stop = True
        t.join()
        os.umask(old)
    assert bad == 0  # once: ~1/3 of the files are group/world-writable


# 1 (HIGH, regression) ------------------------------------------------------------------------
def test_equiv_sees_a_change_in_a_rules_redirect_callback_branch(tmp_path: Path) -> None:
    # The rule checks the consent form's answer when the user comes back from a redirect that
    # another rule of the pipeline sends; the new version drops the check.
    old = rule(tmp_path, "verify_old",
               "if (context.protocol === 'redirect-callback'\n"
               "    && !(context.request && context.request.body || {}).accepted)\n"
               "  return callback(new UnauthorizedError('consent not given'));\n"
               "callback(null, user, context);")
    new = rule(tmp_path, "verify_new", "callback(null, user, context);")
    # A hand-written login of the return leg: its protocol must be kept, the callback branch run.
    assert not check_equivalent([old], [new], examples=0,
                                declared=[make_login(protocol="redirect-callback")]).equivalent
    # Generated logins too (a version that mapped the protocol away found nothing in 300).
    assert not check_equivalent([old], [new], examples=300).equivalent
    res = CliRunner().invoke(cli, ["equiv", str(tmp_path / "verify_old.js"),
                                   str(tmp_path / "verify_new.js")])
    assert res.exit_code == 1, res.output  # once: exit 0, "EQUIVALENT ... 305 logins"


# 2 (MEDIUM) ----------------------------------------------------------------------------------
def test_a_challenge_next_to_multifactor_enable_survives_the_redirect(tmp_path: Path) -> None:
    enable = action(tmp_path, "enable", "api.multifactor.enable('any');")
    otp = action(tmp_path, "otp", "api.authentication.challengeWith({ type: 'email' });")
    consent = action(tmp_path, "consent", "api.redirect.sendUserTo('https://ai.example.com/c');", cont="")
    off = action(tmp_path, "off", "api.multifactor.enable('none');")
    with ActionsRuntime([enable, otp, off]) as rt:
        assert rt.run().verdict == "mfa"  # no redirect: the challenge stands (challengeWith)
    with ActionsRuntime([enable, otp, consent, off]) as rt:
        # once: "allowed" (leg 1's outcome.mfa is enable's 'any', so carry.challenge is False and
        # the challenge is dropped; enable('none') in leg 2 then clears S.mfa).
        assert rt.run_through().verdict == "mfa"


# 3 (MEDIUM) ----------------------------------------------------------------------------------
ASK_ONCE = ("user.app_metadata = user.app_metadata || {};\n"
            "if (!user.app_metadata.asked) {\n  user.app_metadata.asked = true;\n"
            "  context.redirect = { url: 'https://ai.example.com/ask' };\n"
            "  return auth0.users.updateAppMetadata(user.user_id, user.app_metadata)\n"
            "    .then(function () { callback(null, user, context); }).catch(callback);\n}\n"
            "callback(null, user, context);")






def test_matrix_at_redirect_callback_agrees_like_equiv(tmp_path: Path) -> None:
    from toolkit._matrix import build_matrix
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "consent.js.j2").write_text(
        '{% if target == "action" %}\nexports.onExecutePostLogin = async (event, api) => '
        "{ api.redirect.sendUserTo('https://ai.example.com/consent'); };\n"
        "exports.onContinuePostLogin = async (event, api) => {};\n{% else %}\n"
        "function consent(user, context, callback) {\n  if (context.protocol !== 'redirect-callback') "
        "context.redirect = { url: 'https://ai.example.com/consent' };\n  callback(null, user, context);\n}\n"
        "{% endif %}\n")
    (tmp_path / "manifest.toml").write_text(
        'version = 1\n[[rules]]\nname = "consent"\ntemplate = "templates/consent.js.j2"\norder = 10\n'
        'enabled = true\ntargets = ["action", "rule"]\n')
    m = build_matrix(tmp_path / "manifest.toml", protocols=["redirect-callback"])
    # once: every row agree=False ("(DIFFERS)", exit 1): Actions redirect, the Rule does not.
    assert all(row.agree for row in m.rows)


# 6 (LOW) -------------------------------------------------------------------------------------
def test_rules_leg_two_does_not_get_another_users_metadata(tmp_path: Path) -> None:
    r = rule(tmp_path, "link",
             "user.app_metadata = user.app_metadata || {};\n"
             "if (context.protocol !== 'redirect-callback') {\n"
             "  context.redirect = { url: 'https://ai.example.com/link' };\n"
             "  return auth0.users.updateAppMetadata('auth0|primary-account', { role: 'admin' })\n"
             "    .then(function () { callback(null, user, context); });\n}\n"
             "if (user.app_metadata.role === 'admin') context.multifactor = { provider: 'any' };\n"
             "callback(null, user, context);")
    u, c = to_rule_shape(make_login())
    with RulesRuntime([r]) as rt:
        # once: "mfa": _with_updates applies the update for auth0|primary-account to this user.
        assert rt.run_through(u, c).verdict == "allowed"


# 7 (LOW, cosmetic) ---------------------------------------------------------------------------
def test_a_redirect_loop_outcome_is_not_marked_suspended(tmp_path: Path) -> None:
    loop = action(tmp_path, "loop", "api.redirect.sendUserTo('https://x.example/a');",
                  cont="api.redirect.sendUserTo('https://x.example/b');")
    with ActionsRuntime([loop]) as rt:
        out = rt.run_through()
    assert out.error is not None and out.error["name"] == "RedirectLoop"
    # once: extra keeps leg 1's "suspended": true (the harness never reports it with an error).
    assert not out.extra.get("suspended")


# Found on 2026-11-29 against Auth0's pages -------------------------------------------------
def test_transaction_metadata_survives_the_redirect(tmp_path: Path) -> None:
    # "Preserve transaction metadata during redirects. Values are available when users
    # continue the authentication flow." (Actions Transaction Metadata)
    tx = action(tmp_path, "tx", "api.transaction.setMetadata('custom_tx_id', 'xyz123');"
                " api.transaction.setMetadata('gone', 1); api.transaction.setMetadata('gone', null);"
                " api.redirect.sendUserTo('https://ai.example.com/c');",
                cont="api.idToken.setCustomClaim('https://x/tx', event.transaction.metadata);")
    after = action(tmp_path, "after", "api.idToken.setCustomClaim('https://x/after',"
                   " event.transaction.metadata.custom_tx_id);")
    with ActionsRuntime([tx, after]) as rt:
        done = rt.run_through()
    assert done.error is None
    assert done.id_token_claims == {"https://x/tx": {"custom_tx_id": "xyz123"},
                                    "https://x/after": "xyz123"}


def test_a_port_that_challenges_a_factor_differs_from_the_rule_for_unenrolled_users(
        tmp_path: Path) -> None:
    # A Rule's context.multifactor enrols a user who has no factor; challengeWith({type: 'otp'})
    # "will fail" the login of a user who has not enrolled otp (post-login API object).
    r = rule(tmp_path, "mfa", "context.multifactor = { provider: 'any' };\ncallback(null, user, context);")
    a = action(tmp_path, "mfa", "api.authentication.challengeWith({ type: 'otp' });")
    enrolled = make_login(user={"multifactor": ["google-authenticator"]})
    with RulesRuntime([r]) as rules, ActionsRuntime([a]) as actions:
        assert [rules.run(*to_rule_shape(login)).verdict for login in (enrolled, make_login())] \
            == ["mfa", "mfa"]
        assert [actions.run(to_action_shape(login)).verdict
                for login in (enrolled, make_login())] == ["mfa", "error"]
    res = check_equivalent([r], [a], examples=0, declared=[make_login()])
    assert not res.equivalent and res.difference is not None
    assert "MfaFactorUnavailable" in res.difference.render("rule", "action")


def test_a_rules_second_pass_ignores_context_redirect(tmp_path: Path) -> None:
    # "all rules will be run again, however, the context.redirect will be ignored to allow
    # authentication to continue" (Redirect Users from Within Rules): a rule that redirects
    # on every pass sends the user away once, and the login completes on the return.
    always = rule(tmp_path, "always",
                  "context.redirect = { url: 'https://ai.example.com/tos' };\n"
                  "if (context.protocol === 'redirect-callback') {\n"
                  "  context.idToken['https://x/back'] = true;\n}\n"
                  "callback(null, user, context);")
    with RulesRuntime([always]) as rt:
        u, c = to_rule_shape(make_login())
        done = rt.run_through(u, c)
    assert done.error is None and done.verdict == "allowed"
    assert done.redirect is not None and done.redirect["url"] == "https://ai.example.com/tos"
    assert done.id_token_claims == {"https://x/back": True}


# Review of 2026-11-29's changes --------------------------------------------------------------
def test_a_factor_enrolled_in_the_login_can_be_challenged_after(tmp_path: Path) -> None:
    # Once MfaFactorUnavailable: the enrolment was not counted, so the challenge found no
    # enrolled factor (Auth0 runs the next Actions only after the enrolment is done).
    enrol = action(tmp_path, "enrol", "if (!event.user.enrolledFactors.length)"
                   " api.authentication.enrollWith({ type: 'otp' });")
    admins = action(tmp_path, "admins", "api.authentication.challengeWith({ type: 'otp' });")
    with ActionsRuntime([enrol, admins]) as rt:
        assert rt.run().verdict == "mfa"


def test_transaction_state_survives_every_redirect_not_only_the_last(tmp_path: Path) -> None:
    # Once: leg 3 saw only leg 2's transaction metadata; setPrimaryUser could be called again
    # after a redirect and later metadata went to the original user.
    a = action(tmp_path, "a", "api.transaction.setMetadata('k1', 'one');"
               " api.authentication.setPrimaryUser('auth0|primary');"
               " api.user.setAppMetadata('x', 1);"
               " api.redirect.sendUserTo('https://x.example/a');",
               cont="api.user.setAppMetadata('after', 1);")
    b = action(tmp_path, "b", "api.transaction.setMetadata('k2', 'two');"
               " api.redirect.sendUserTo('https://x.example/b');",
               cont="api.idToken.setCustomClaim('https://x/b', [event.transaction.metadata,"
                    " event.user.app_metadata]);")
    again = action(tmp_path, "again", "api.authentication.setPrimaryUser('auth0|other');")
    with ActionsRuntime([a, b]) as rt:
        done = rt.run_through()
    assert done.error is None
    assert done.id_token_claims == {"https://x/b": [{"k1": "one", "k2": "two"},
                                                    {"x": 1, "after": 1}]}
    assert {u["user_id"] for u in done.app_metadata_updates} == {"auth0|primary"}
    with ActionsRuntime([a, again]) as rt:
        twice = rt.run_through()
    assert twice.error is not None and "once per transaction" in twice.error["message"]


@pytest.mark.parametrize("body", ["if (event.user.email_verified) x = a ?? b\n",
                                  "let n = 0\nwhile (n < 1) n ||= 1\n",
                                  "if (x) x = x ? 1 : 2\n",
                                  "outer: for (const r of [1, 2]) { if (r) continue outer; }\n"])
def test_instrumenting_code_without_semicolons_and_labels(tmp_path: Path, body: str) -> None:
    # Once JsParseError (`}` before `)` at one offset: the artifact counted as not covered),
    # and nothing inside a labelled loop was counted.
    from toolkit._coverage import CoverageCollector, instrument
    art = action(tmp_path, "nosemi", "let x, a, b\n" + body)
    assert instrument(art).counters > 2
    with ActionsRuntime([art]) as rt:
        expected = rt.run()
    with CoverageCollector() as cov, ActionsRuntime([art]) as rt:
        assert rt.run().to_dict() == expected.to_dict()
    item = cov.report([art]).artifacts[0]
    assert item.error is None
    if "outer" in body:  # the if and the continue inside the labelled loop count
        assert item.statements == (5, 5)


def test_mutants_of_optional_chained_mfa_and_deny_calls(tmp_path: Path) -> None:
    from toolkit._mutate import generate_mutants
    art = action(tmp_path, "opt", "api.multifactor?.enable('any');\n"
                 "api.access?.deny('no');\nconst ok = event.user.app_metadata.roles?.includes?.('x');")
    ops = [m.operator for m in generate_mutants([art])[0]]
    assert ops.count("drop-mfa") == 1 and ops.count("drop-deny") == 1
    assert ops.count("replace-membership") == 1  # an optional call is still a membership check


def test_class_fields_are_not_rules_only_names(tmp_path: Path) -> None:
    from toolkit._lint import lint_files
    action(tmp_path, "fields", "class Opts { context = 'x'; static user = 1; callback = null; }")
    assert [f.code for f in lint_files([tmp_path / "fields.js"]).findings] == []


def test_a_nan_cache_lifetime_still_expires_within_24_hours(tmp_path: Path) -> None:
    art = action(tmp_path, "nan", "const r = api.cache.set('k', 'v', { ttl: NaN });"
                 " api.idToken.setCustomClaim('https://x/t', r.record.expires_at - Date.now());")
    with ActionsRuntime([art], now="2026-11-29T10:00:00Z") as rt:
        assert rt.run().id_token_claims == {"https://x/t": 86400000}


# ------------------------------------------------ redirect tokens (Redirect with Actions page)
_CUSTOM_MFA = """
exports.onExecutePostLogin = async (event, api) => {
  const token = api.redirect.encodeToken({
    secret: event.secrets.SESSION_SECRET, expiresInSeconds: 60,
    payload: { email: event.user.email, level: 'basic' },
  });
  api.redirect.sendUserTo('https://mfa.example.com/verify', { query: { session_token: token } });
};
exports.onContinuePostLogin = async (event, api) => {
  let payload;
  try {
    payload = api.redirect.validateToken({ secret: event.secrets.SESSION_SECRET,
                                           tokenParameterName: 'session_token' });
  } catch (err) {
    return api.access.deny('bad token: ' + err.message);
  }
  api.idToken.setCustomClaim('https://x/level', payload.level);
  api.idToken.setCustomClaim('https://x/sub', payload.sub);
};
"""


def _action(tmp: Path, source: str) -> Artifact:
    return _art(tmp, "custom-mfa", source, "action")


def _jwt_claims(token: str) -> dict[str, Any]:
    import base64

    body = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))


def test_encode_token_is_an_hs256_jwt_with_the_documented_claims(tmp_path: Path) -> None:
    # "sub: Auth0 user_id of the user. iss: Hostname of your Auth0 tenant domain. exp: ...
    # Defaults to 900 seconds. ip: IP Address of the originating authentication request ...
    # signed with HS256 algorithm" (Redirect with Actions).
    import hashlib
    import hmac
    from urllib.parse import parse_qs, urlsplit

    with ActionsRuntime([_action(tmp_path, _CUSTOM_MFA)], secrets={"SESSION_SECRET": "s3"},
                        now="2026-11-28T10:00:00Z") as flow:
        first = flow.run()
    assert first.redirect is not None and first.redirect["state"].startswith("rk_")
    token = parse_qs(urlsplit(first.redirect["url"]).query)["session_token"][0]
    head, body, signature = token.split(".")
    expected = hmac.new(b"s3", f"{head}.{body}".encode(), hashlib.sha256).digest()
    import base64
    assert base64.urlsafe_b64encode(expected).rstrip(b"=").decode() == signature
    claims = _jwt_claims(token)
    assert claims["level"] == "basic" and claims["sub"] == default_event()["user"]["user_id"]
    assert claims["exp"] == 1795860060  # 2026-11-28T10:00:00Z + 60 s
    assert claims["iss"] == default_event()["request"]["hostname"]
    assert claims["ip"] == default_event()["request"]["ip"]
    # the secret is never in the outcome (api_calls records the options without it)
    assert "s3" not in json.dumps(first.to_dict()).replace(token, "")


@pytest.mark.parametrize(("mutate", "verdict", "said"), [
    (lambda t: t, "allowed", None),
    (lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), "denied", "not an HS256 JWT"),
    (None, "denied", "has no session_token"),
])
def test_validate_token_checks_signature_and_presence(tmp_path: Path, mutate: Any, verdict: str,
                                                      said: str | None) -> None:
    from toolkit import redirect_token

    with ActionsRuntime([_action(tmp_path, _CUSTOM_MFA)], secrets={"SESSION_SECRET": "s3"},
                        now="2026-11-28T10:00:00Z") as flow:
        first = flow.run()
        back = default_event()
        if mutate is not None:
            token = redirect_token(first, "s3", {"level": "strong"}, now="2026-11-28T10:00:30Z")
            back["request"]["body"] = {"session_token": mutate(token)}
        outcome = flow.run(back, resume=first)
    assert outcome.verdict == verdict, outcome
    if said is None:
        assert outcome.id_token_claims["https://x/level"] == "strong"
    else:
        assert outcome.denied is not None and said in outcome.denied["message"]


def test_validate_token_checks_expiry_and_state(tmp_path: Path) -> None:
    from toolkit import redirect_token

    with ActionsRuntime([_action(tmp_path, _CUSTOM_MFA)], secrets={"SESSION_SECRET": "s3"},
                        now="2026-11-28T10:00:00Z") as flow:
        first = flow.run()
        back = default_event()
        back["request"]["query"] = {"session_token": redirect_token(
            first, "s3", now="2026-11-28T09:00:00Z")}  # expired an hour ago
        assert "has expired" in str(flow.run(back, resume=first).denied)
        other = default_event()
        other["session"] = {"id": "another-login"}
        second = flow.run(other)  # another login's redirect: another state
        assert second.redirect is not None and first.redirect is not None
        assert second.redirect["state"] != first.redirect["state"]
        back["request"]["query"] = {"session_token": redirect_token(second, "s3")}
        assert "state claim does not match" in str(flow.run(back, resume=first).denied)


def test_run_through_returns_with_the_token_the_site_was_given(tmp_path: Path) -> None:
    # rulekit's own return (the matrix, fuzzing): the site accepted the user and sent back the
    # claims it was given, with the state, signed with the same secret.
    with ActionsRuntime([_action(tmp_path, _CUSTOM_MFA)], secrets={"SESSION_SECRET": "s3"}) as flow:
        outcome = flow.run_through()
    assert outcome.verdict == "allowed", outcome
    assert outcome.id_token_claims["https://x/level"] == "basic"


def test_a_token_needs_a_secret(tmp_path: Path) -> None:
    with ActionsRuntime([_action(tmp_path, _CUSTOM_MFA)]) as flow:  # no SESSION_SECRET given
        outcome = flow.run()
    assert outcome.error is not None and "options.secret must be a non-empty string" in \
        outcome.error["message"]


# ------------------------------------------------------------ forms (api.prompt.render)
_CONSENT = """
exports.onExecutePostLogin = async (event, api) => {
  api.transaction.setMetadata('custom_tx_id', 'xyz123');
  api.prompt.render('ap_consent', { vars: { custom_tx_id: 'xyz123' }, fields: { consent: false } });
};
exports.onContinuePostLogin = async (event, api) => {
  if (!event.prompt?.fields?.consent) return api.access.deny('consent required');
  api.idToken.setCustomClaim('https://x/vars', event.prompt.vars);
};
"""


def test_a_form_suspends_the_flow_until_the_user_submits_it(tmp_path: Path) -> None:
    # Actions Transaction Metadata, "Preserve values on Forms rendering": api.prompt.render,
    # then onContinuePostLogin "when continuing the Actions execution", with event.prompt
    # ("Collected data from rendered custom prompts", post-login event object).
    later = action(tmp_path, "later", "api.idToken.setCustomClaim('https://x/later', 1);")
    with ActionsRuntime([_art(tmp_path, "consent", _CONSENT, "action"), later]) as flow:
        first = flow.run()
        assert first.extra.get("suspended") and first.redirect is None
        assert first.extra["prompt"] == {"id": "ap_consent", "fields": {"consent": False},
                                         "vars": {"custom_tx_id": "xyz123"}, "rule": "consent"}
        assert "https://x/later" not in first.id_token_claims  # not run yet
        assert "form 'ap_consent' rendered by Action 'consent'" in first.summary()
        # the user submits the form: the continue event carries the fields
        submitted = default_event()
        submitted["prompt"] = {"fields": {"consent": True}}
        done = flow.run(submitted, resume=first)
        assert done.allowed and done.id_token_claims == {
            "https://x/vars": {"custom_tx_id": "xyz123"}, "https://x/later": 1}
        # submitted as shown (consent false): denied
        assert flow.run(default_event(), resume=first).denied == {
            "message": "consent required", "rule": "consent"}
        assert flow.run_through().denied is not None  # rulekit's return submits it as shown


def test_a_form_and_a_redirect_in_one_execution_fail(tmp_path: Path) -> None:
    both = action(tmp_path, "both", "api.prompt.render('f1'); api.redirect.sendUserTo('https://x');")
    with ActionsRuntime([both]) as flow:
        outcome = flow.run()
    assert outcome.error is not None and "cannot redirect the user and render a form" in \
        outcome.error["message"]


def test_transaction_metadata_has_no_delete_member(tmp_path: Path) -> None:
    # The API page documents api.transaction.setMetadata only; removal is setMetadata(key, null).
    gone = action(tmp_path, "gone", "api.transaction.deleteMetadata('x');")
    with ActionsRuntime([gone]) as flow:
        outcome = flow.run()
    assert outcome.error is not None and "api.transaction.deleteMetadata is not part of " \
        "Auth0's post-login api" in outcome.error["message"]


# A review's findings on the tokens and forms ---------------------------------------------
def test_equiv_of_an_action_with_a_redirect_token_is_repeatable(tmp_path: Path) -> None:
    # The token's exp is the time now: both sides run at one frozen instant, or Hypothesis
    # saw a flaky difference between two identical Actions.
    body = ("for (let i = 0; i < 2e5; i++) {}\n"
            "const t = api.redirect.encodeToken({ secret: 's', payload: { a: 1 } });\n"
            "api.redirect.sendUserTo('https://x.example/v', { query: { session_token: t } });")
    a = action(tmp_path, "a", body, cont="")
    b = action(tmp_path, "b", body, cont="")
    assert check_equivalent([a], [b], examples=15).equivalent


def test_run_through_ignores_a_token_in_the_first_legs_request(tmp_path: Path) -> None:
    # rulekit's return reuses the first leg's /authorize request: a session_token there (a
    # fuzzed query word) is not what the site sends back.
    with ActionsRuntime([_action(tmp_path, _CUSTOM_MFA)], secrets={"SESSION_SECRET": "s3"}) as flow:
        event = default_event()
        event["request"]["query"]["session_token"] = "basic"
        outcome = flow.run_through(event)
    assert outcome.verdict == "allowed", outcome


@pytest.mark.parametrize(("call", "said"), [
    ("api.redirect.encodeToken({ secret: 's', payload: [1, 2] })", "payload must be an object"),
    ("api.redirect.encodeToken({ secret: 's', expiresInSeconds: Infinity })",
     "expiresInSeconds must be a positive number"),
    ("const p = {}; p.p = p; api.redirect.encodeToken({ secret: 's', payload: p })",
     "the payload is not JSON"),
])
def test_encode_token_refuses_what_cannot_be_a_token(tmp_path: Path, call: str, said: str) -> None:
    with ActionsRuntime([action(tmp_path, "bad", f"{call};")]) as flow:
        outcome = flow.run()
    assert outcome.error is not None and said in outcome.error["message"]


def test_a_token_call_never_records_its_secret(tmp_path: Path) -> None:
    body = ("try { api.redirect.validateToken(event.secrets.S); } catch (e) {}\n"
            "try { api.redirect.encodeToken(event.secrets.S); } catch (e) {}")
    with ActionsRuntime([action(tmp_path, "leak", body)], secrets={"S": "supersecret"}) as flow:
        outcome = flow.run()
    assert "supersecret" not in json.dumps(outcome.to_dict())


def test_a_redirect_keeps_its_fragment_last_and_a_token_needs_exp(tmp_path: Path) -> None:
    import base64
    import hashlib
    import hmac

    from toolkit import redirect_token

    source = _CUSTOM_MFA.replace("'https://mfa.example.com/verify'", "'https://x.example/#/v'")
    with ActionsRuntime([_action(tmp_path, source)], secrets={"SESSION_SECRET": "s3"}) as flow:
        first = flow.run()
        assert first.redirect is not None
        assert first.redirect["url"].startswith("https://x.example/?session_token=")
        assert first.redirect["url"].endswith("#/v")
        assert flow.run_through().id_token_claims["https://x/level"] == "basic"
        # a token without exp: refused (Auth0 checks "the token is not expired")
        good = redirect_token(first, "s3", {"level": "x"})
        head, body, _ = good.split(".")
        claims = _jwt_claims(good)
        del claims["exp"]
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        signature = base64.urlsafe_b64encode(hmac.new(b"s3", f"{head}.{body}".encode(),
                                                      hashlib.sha256).digest()).rstrip(b"=")
        back = default_event()
        back["request"]["body"] = {"session_token": f"{head}.{body}.{signature.decode()}"}
        assert "no numeric exp claim" in str(flow.run(back, resume=first).denied)


def test_an_action_shows_one_form_and_not_a_redirect_too(tmp_path: Path) -> None:
    # Render Forms using Actions: "You cannot redirect a user and render a form in the same
    # Action", and "only render one form per Action" (its onContinuePostLogin included).
    redirect_after = _art(tmp_path, "f1", "exports.onExecutePostLogin = async (e, api) => "
                          "{ api.prompt.render('ap_1'); };\nexports.onContinuePostLogin = async "
                          "(e, api) => { api.redirect.sendUserTo('https://x.example'); };\n",
                          "action")
    form_again = _art(tmp_path, "f2", "exports.onExecutePostLogin = async (e, api) => "
                      "{ api.prompt.render('ap_1'); };\nexports.onContinuePostLogin = async "
                      "(e, api) => { api.prompt.render('ap_2'); };\n", "action")
    for artifact, said in ((redirect_after, "cannot redirect the user and render a form"),
                           (form_again, "renders one form at most")):
        with ActionsRuntime([artifact]) as flow:
            outcome = flow.run_through()
        assert outcome.error is not None and said in outcome.error["message"], outcome
    with ActionsRuntime([_art(tmp_path, "v", "exports.onExecutePostLogin = async (e, api) => "
                              "{ api.prompt.render('ap_1', {vars: {a: 1}}); };\n"
                              "exports.onContinuePostLogin = async (e, api) => "
                              "{ api.idToken.setCustomClaim('https://x/v', e.prompt.vars); };\n",
                              "action")]) as flow:
        first = flow.run()
        submitted = default_event()
        submitted["prompt"] = {"vars": {"a": 2}}
        assert flow.run(submitted, resume=first).id_token_claims == {"https://x/v": {"a": 2}}
        bad = action(tmp_path, "bad", "api.prompt.render('ap_1', {fields: 'abc'});")
    with ActionsRuntime([bad]) as flow:
        assert "promptOptions.fields must be an object" in str(flow.run().error)


@pytest.mark.parametrize(("claims", "expires_in"), [([1], 60), ({"s": {1}}, 60),
                                                     (None, float("inf")), (None, float("nan"))])
def test_redirect_token_refuses_bad_arguments(tmp_path: Path, claims: Any,
                                              expires_in: float) -> None:
    from toolkit import redirect_token
    from toolkit.errors import InputError

    with ActionsRuntime([_action(tmp_path, _CUSTOM_MFA)], secrets={"SESSION_SECRET": "s3"}) as flow:
        first = flow.run()
    with pytest.raises(InputError, match="redirect_token"):
        redirect_token(first, "s3", claims, expires_in=expires_in)


def test_record_method_takes_an_http_url(tmp_path: Path) -> None:
    # post-login API object: "provider_url: An http: or https: URL that uniquely represents
    # the completed authentication method".
    for url, verdict in (("'https://mfa.example.com/otp'", "allowed"), ("'custom-mfa'", "error")):
        a = action(tmp_path, "rm", "api.redirect.sendUserTo('https://x.example');",
                   cont=f"api.authentication.recordMethod({url});")
        with ActionsRuntime([a]) as flow:
            assert flow.run_through().verdict == verdict


def test_redirect_token_takes_the_time_of_a_frozen_leg(tmp_path: Path) -> None:
    # A runtime frozen at 2026-11-28T10:00Z: the token expires relative to that clock unless
    # now= says otherwise (a newcomer's "expired" token, made on the real clock, was accepted).
    from toolkit import redirect_token

    with ActionsRuntime([_action(tmp_path, _CUSTOM_MFA)], secrets={"SESSION_SECRET": "s3"},
                        now="2026-11-28T10:00:00Z") as flow:
        first = flow.run()
        assert first.redirect is not None and first.redirect["at"] == 1795860000000
        back = default_event()
        back["request"]["body"] = {"session_token": redirect_token(first, "s3", expires_in=-1)}
        assert "has expired" in str(flow.run(back, resume=first).denied)
    with ActionsRuntime([_action(tmp_path, _CUSTOM_MFA)], secrets={"SESSION_SECRET": "s3"}) as flow:
        assert "at" not in (flow.run().redirect or {})  # the real clock: no time to keep


def test_the_redirect_state_is_per_login(tmp_path: Path) -> None:
    # Auth0's state belongs to one login: another client or authorization request of the same
    # user and session is another state (a token for it is refused).
    with ActionsRuntime([_action(tmp_path, _CUSTOM_MFA)], secrets={"SESSION_SECRET": "s3"},
                        now="2026-11-28T10:00:00Z") as flow:
        one = flow.run()
        other = default_event()
        other["client"]["client_id"] = "another-client"
        two = flow.run(other)
        again = flow.run()
    assert one.redirect is not None and two.redirect is not None and again.redirect is not None
    assert one.redirect["state"] != two.redirect["state"]
    assert one.redirect["state"] == again.redirect["state"]  # deterministic: shrinking replays


@pytest.mark.parametrize(("claims", "said"), [
    ({"sub": "auth0|someoneelse"}, "sub is \"auth0|someoneelse\", not the user's user_id"),
    ({"sub": None}, "sub is null, not the user's user_id"),
    ({"iat": None}, "no numeric iat claim"),
    ({"iss": ""}, "no iss claim"),
])
def test_a_returned_token_needs_auths_standard_claims(tmp_path: Path, claims: dict[str, Any],
                                                      said: str) -> None:
    # Auth0 answers "Missing or invalid standard claims" unless the token a site sends back
    # has iat, exp, sub (the user's user_id), iss and state (Auth0 knowledge base: a newcomer's
    # token for another user was accepted).
    from toolkit import redirect_token

    with ActionsRuntime([_action(tmp_path, _CUSTOM_MFA)], secrets={"SESSION_SECRET": "s3"},
                        now="2026-11-28T10:00:00Z") as flow:
        first = flow.run()
        good = redirect_token(first, "s3", {"level": "strong"})
        assert {"sub", "iss", "iat", "exp", "state"} <= set(_jwt_claims(good))
        assert _jwt_claims(good)["sub"] == default_event()["user"]["user_id"]
        assert _jwt_claims(good)["iss"] == "mfa.example.com"  # the site's host
        back = default_event()
        back["request"]["body"] = {"session_token": good}
        assert flow.run(back, resume=first).allowed
        back["request"]["body"] = {"session_token": redirect_token(first, "s3", claims)}
        denied = flow.run(back, resume=first).denied
        assert denied is not None and "Missing or invalid standard claims: " + said in \
            denied["message"]
