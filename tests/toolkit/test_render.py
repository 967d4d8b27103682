"""Rendering: strict parameters, JS-safe encoding, line maps, deterministic and atomic output."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jinja2
import pytest

from tests.toolkit.conftest import MakeSource
from toolkit import Artifact, render, render_manifest
from toolkit._render import js_encode
from toolkit.errors import InputError, ManifestError, RuleSyntaxError, TemplateError

MANIFEST = """
version = 1
[[rules]]
name = "r"
template = "templates/t.js.j2"
order = 1
targets = ["rule"]
[rules.params]
role = {role}
"""

GOOD = """\
/** Requires MFA for {{ role|js }} */
function (user, context, callback) {
  if ((user.app_metadata.roles || []).indexOf({{ role|js }}) !== -1) {
    context.multifactor = { provider: 'any' };
  }
  callback(null, user, context);
}
"""


def manifest(role: object = "admin") -> str:
    return MANIFEST.format(role=json.dumps(role))


@pytest.mark.example
def test_the_example_manifest_renders() -> None:
    root = Path(__file__).resolve().parents[2]
    artifacts = render_manifest(root / "rules_src" / "manifest.toml")
    assert [(a.name, a.kind) for a in artifacts] == [
        ("require-mfa-for-ai-admins", "action"), ("require-mfa-for-ai-admins", "rule"),
        ("add-roles-claim", "action"), ("add-roles-claim", "rule")]
    assert "api.multifactor.enable(\"any\", { allowRememberBrowser: false });" in artifacts[0].code
    code = artifacts[1].code
    assert 'var mfaRoles = ["ai_system_admin"];' in code
    assert "user_metadata" not in code


def test_misspelt_parameter_names_template_file_and_line(make_source: MakeSource) -> None:
    template = GOOD.replace("indexOf({{ role|js }})", "indexOf({{ rol|js }})")
    path = make_source(manifest(), t_j2=template)
    with pytest.raises(TemplateError) as info:
        render_manifest(path)
    assert info.value.path == "rules_src/templates/t.js.j2"
    assert info.value.line == 3
    assert str(info.value).startswith("rules_src/templates/t.js.j2:3: 'rol' is undefined")


def test_jinja_syntax_error_names_template_file_and_line(make_source: MakeSource) -> None:
    path = make_source(manifest(), t_j2=GOOD + "{% if %}\n")
    with pytest.raises(TemplateError) as info:
        render_manifest(path)
    assert (info.value.path, info.value.line) == ("rules_src/templates/t.js.j2", 8)


def test_output_without_js_filter_is_refused(make_source: MakeSource) -> None:
    path = make_source(manifest(), t_j2=GOOD.replace("indexOf({{ role|js }})",
                                                     "indexOf('{{ role }}')"))
    with pytest.raises(TemplateError, match=r"without \|js") as info:
        render_manifest(path)
    assert info.value.line == 3


INJECTION = "admin'); callback(null, user, context); //"


def test_injection_attempt_stays_a_string(make_source: MakeSource) -> None:
    from toolkit import RulesRuntime, make_context, make_user

    path = make_source(manifest(INJECTION), t_j2=GOOD)
    (artifact,) = render_manifest(path)
    assert json.dumps(INJECTION).replace("/", "\\/") in artifact.code
    with RulesRuntime([artifact]) as runtime:
        # The exact odd role name matches (it is data) ...
        odd = runtime.run(make_user(app_metadata={"roles": [INJECTION]}), make_context())
        assert odd.requires_mfa
        # ... and it did not turn into code that skips the check or calls back twice.
        plain = runtime.run(make_user(app_metadata={"roles": ["admin"]}), make_context())
        assert plain.error is None and not plain.requires_mfa


@pytest.mark.parametrize("value", ["*/ alert(1) /*", "</script>", "\u2028", "a\"b\\c", "é🌍"])
def test_js_encode_round_trips_through_v8(value: str) -> None:
    from toolkit import Engine

    with Engine() as engine:
        assert engine.eval(f"/* {js_encode(value)} */ {js_encode(value)}") == value


def test_js_encode_refuses_what_json_cannot_say() -> None:
    import jinja2

    with pytest.raises(jinja2.TemplateRuntimeError):
        js_encode(float("nan"))


def test_javascript_syntax_error_is_reported_at_the_template_line(
        make_source: MakeSource) -> None:
    broken = GOOD.replace("context.multifactor = { provider: 'any' };",
                          "context.multifactor = { provider: 'any' ;")
    path = make_source(manifest(), t_j2=broken)
    with pytest.raises(RuleSyntaxError) as info:
        render_manifest(path)
    assert info.value.path == "rules_src/templates/t.js.j2"
    assert info.value.line == 4
    assert "SyntaxError" in str(info.value)


def test_syntax_error_after_a_params_block_maps_past_it(make_source: MakeSource) -> None:
    template = '{#- params\n[role]\ntype = "str"\n-#}\n' + GOOD.replace("callback(null",
                                                                           "callback((null")
    path = make_source(manifest(), t_j2=template)
    with pytest.raises(RuleSyntaxError) as info:
        render_manifest(path)
    assert info.value.line == 10  # line 6 of GOOD + the 4 lines of the params block
    # the rendered file itself starts at the comment; the message says where in it
    assert "(in rules/r.js line" in str(info.value)


def test_syntax_error_in_an_included_snippet_points_into_the_snippet(
        make_source: MakeSource) -> None:
    main = GOOD.replace("  callback(null, user, context);\n",
                        '{% include "templates/snippets/tail.js.j2" %}')
    path = make_source(manifest(), t_j2=main,
                       snippets__tail_j2="  // shared tail\n  callback(null, user, context;\n")
    with pytest.raises(RuleSyntaxError) as info:
        render_manifest(path)
    assert (info.value.path, info.value.line) == ("rules_src/templates/snippets/tail.js.j2", 2)


def test_trailing_semicolon_is_a_syntax_error_like_in_auth0(make_source: MakeSource) -> None:
    path = make_source(manifest(), t_j2=GOOD.rstrip() + ";\n")
    with pytest.raises(RuleSyntaxError, match="semicolon") as info:
        render_manifest(path)
    assert info.value.line == 7


UNCLOSED_ACTION = """\
{# a comment line #}
exports.onExecutePostLogin = async (event, api) => {
  if (event.user.email) {
    api.access.deny('no');
};
"""


def test_an_action_left_open_is_reported_at_its_last_template_line(
        make_source: MakeSource) -> None:
    # A newcomer's Action with a brace left open named the wrapper's line after the code
    # (actions/x.js:6 of a 5-line file), not the template, and got the Rules-only hint
    # about a trailing semicolon (every Action ends with `};`).
    path = make_source('version = 1\n[[rules]]\nname = "a"\ntemplate = "templates/a.js.j2"\n'
                       "order = 1\n", a_j2=UNCLOSED_ACTION)
    with pytest.raises(RuleSyntaxError) as info:
        render_manifest(path)
    assert (info.value.path, info.value.line) == ("rules_src/templates/a.js.j2", 5)
    assert "left open" in str(info.value) and "semicolon" not in str(info.value)


def test_line_map_follows_template_lines(make_source: MakeSource) -> None:
    path = make_source(manifest(), t_j2="{% set x = 1 %}\n" + GOOD)
    (artifact,) = render_manifest(path)
    assert artifact.code.splitlines()[0].startswith("/** Requires MFA")
    assert artifact.locate(1) == ("rules_src/templates/t.js.j2", 2)
    assert artifact.locate(6) == ("rules_src/templates/t.js.j2", 7)


def test_render_is_deterministic(make_source: MakeSource, tmp_path: Path) -> None:
    path = make_source(manifest(), t_j2=GOOD)
    render(path, tmp_path / "build")
    first = {p.name: p.read_bytes() for p in (tmp_path / "build" / "artifacts" / "rules").iterdir()}
    render(path, tmp_path / "build")
    second = {p.name: p.read_bytes() for p in (tmp_path / "build" / "artifacts" / "rules").iterdir()}
    assert first == second
    assert set(first) == {"r.js", "r.map.json"}
    assert (tmp_path / "build" / "artifacts" / "index.json").is_file()


def test_failed_render_leaves_previous_build_intact(make_source: MakeSource,
                                                   tmp_path: Path) -> None:
    path = make_source(manifest(), t_j2=GOOD)
    render(path, tmp_path / "build")
    before = {p.name: p.read_bytes() for p in (tmp_path / "build" / "artifacts" / "rules").iterdir()}
    (tmp_path / "rules_src" / "templates" / "t.js.j2").write_text(GOOD + "}\n")
    with pytest.raises(RuleSyntaxError):
        render(path, tmp_path / "build")
    after = {p.name: p.read_bytes() for p in (tmp_path / "build" / "artifacts" / "rules").iterdir()}
    assert after == before
    assert sorted(p.name for p in (tmp_path / "build").iterdir()) == ["artifacts"]


def test_index_lists_hashes(make_source: MakeSource, tmp_path: Path) -> None:
    path = make_source(manifest(), t_j2=GOOD)
    (artifact,) = render(path, tmp_path / "build")
    index = json.loads((tmp_path / "build" / "artifacts" / "index.json").read_text())
    assert index["artifacts"][0]["sha256"] == artifact.sha256


def test_line_map_survives_a_jinja_comment_inside_plain_text(make_source: MakeSource) -> None:
    note = "  {# a note for template authors #}\n  var x = 1;\n  callback(null, user, context);\n"
    template = GOOD.replace("  callback(null, user, context);\n", note)
    path = make_source(manifest(), t_j2=template)
    (artifact,) = render_manifest(path)
    lines = artifact.code.splitlines()
    index = next(i for i, text in enumerate(lines, start=1) if "var x = 1" in text)
    assert artifact.locate(index) == ("rules_src/templates/t.js.j2", 7)
    callback = next(i for i, text in enumerate(lines, start=1) if "callback(null" in text)
    assert artifact.locate(callback) == ("rules_src/templates/t.js.j2", 8)


def test_a_rule_rendered_for_the_action_target_is_refused_at_its_template_line(
        make_source: MakeSource, tmp_path: Path) -> None:
    # It parses as a module body, but Auth0 would find no exports.onExecutePostLogin to run.
    path = make_source(manifest().replace('targets = ["rule"]', 'targets = ["action", "rule"]'),
                       t_j2=GOOD.replace("function (user", "function requireMfa(user"))
    with pytest.raises(RuleSyntaxError, match=r"never sets exports\.onExecutePostLogin") as caught:
        render(path, tmp_path / "build")
    assert (caught.value.path, caught.value.line) == ("rules_src/templates/t.js.j2", 2)
    assert not (tmp_path / "build").exists()  # nothing half-written


@pytest.mark.parametrize(("code", "refused"), [
    # comment markers inside strings are not comments
    ('const P = ["/admin/*"];\nexports.onExecutePostLogin = async (e, api) => {\n  /* all */\n'
     '  api.multifactor.enable("any");\n};\n', False),
    ('const H = "https://x"; exports.onExecutePostLogin = async () => {};\n', False),
    ("module.exports = { onExecutePostLogin: async () => {} };\n", False),
    ("exports['onExecutePostLogin'] = async () => {};\n", False),
    # named, but never exported; or only mentioned in a comment
    ("async function onExecutePostLogin(event, api) {}\n", True),
    ("// exports.onExecutePostLogin = ...\nfunction rule(user, context, callback) {}\n", True),
])
def test_an_action_must_export_on_execute_post_login(code: str, refused: bool) -> None:
    from toolkit import Artifact
    from toolkit._render import shape_problem

    assert (shape_problem(Artifact(name="a", code=code, kind="action")) is not None) is refused


@pytest.mark.parametrize(("block", "line", "message"), [
    ('{#- params\n[role]\ntype = "str"\ndefault = "a" "b"\n-#}\n', 4, "invalid params block"),
    ('{#- params\n[other]\ntype = "str"\n[role]\ntype = "text"\n-#}\n', 4,
     "param 'role' needs type"),
])
def test_a_bad_params_block_names_its_own_line(make_source: MakeSource, block: str, line: int,
                                               message: str) -> None:
    path = make_source(manifest(), t_j2=block + GOOD)
    with pytest.raises(TemplateError) as info:
        render_manifest(path)
    assert info.value.line == line
    assert str(info.value).startswith(f"rules_src/templates/t.js.j2:{line}: {message}")


def test_a_misspelt_name_in_a_template_with_a_params_block_lists_what_it_declares(
        make_source: MakeSource) -> None:
    # A newcomer was told to "add it to the manifest's params", which the params block refuses.
    template = ('{#- params\n[deny_message]\ntype = "str"\n-#}\n'
                "exports.onExecutePostLogin = async (event, api) => {\n"
                "  api.access.deny({{ deny_mesage|js }});\n};\n")
    path = make_source('version = 1\n[[rules]]\nname = "a"\ntemplate = "templates/a.js.j2"\n'
                       'order = 1\n[rules.params]\ndeny_message = "no"\n', a_j2=template)
    with pytest.raises(TemplateError) as info:
        render_manifest(path)
    assert (info.value.path, info.value.line) == ("rules_src/templates/a.js.j2", 6)
    assert "'deny_mesage' is undefined (not a parameter the template declares: check its " \
           "spelling; it declares: deny_message)" in str(info.value)


# ------------------------------------------------------------------ bad input, located, nothing lost
@pytest.mark.parametrize(("line", "expected"), [
    ("// {{ (1 / 0)|js }}\n", "ZeroDivisionError: division by zero"),
    ('{% include "templates/t.js.j2" %}\n', "a template that includes itself"),
])
def test_a_template_whose_own_code_fails_is_named_at_its_line(
        make_source: MakeSource, line: str, expected: str) -> None:
    path = make_source(manifest(), t_j2=GOOD + line)
    with pytest.raises(TemplateError) as info:
        render_manifest(path)
    assert (info.value.path, info.value.line) == ("rules_src/templates/t.js.j2", 8)
    assert expected in str(info.value)


def test_a_macro_file_that_is_not_utf8_is_named_itself(make_source: MakeSource) -> None:
    template = '{% from "templates/macros/m.js.j2" import tag %}\n' + GOOD + "// {{ tag() }}\n"
    path = make_source(manifest(), t_j2=template,
                       macros__m_j2="{% macro tag() %}tag{% endmacro %}\n")
    macro = path.parent / "templates" / "macros" / "m.js.j2"
    macro.write_bytes(macro.read_bytes() + b"// caf\xe9\n")
    with pytest.raises(TemplateError) as info:
        render_manifest(path)
    assert (info.value.path, info.value.line) == ("rules_src/templates/macros/m.js.j2", 2)
    assert "not UTF-8 text (byte 0xe9)" in str(info.value)


def test_a_byte_order_mark_is_not_code(make_source: MakeSource) -> None:
    path = make_source(manifest(), t_j2=GOOD)
    template = path.parent / "templates" / "t.js.j2"
    template.write_bytes(b"\xef\xbb\xbf" + template.read_bytes())
    (artifact,) = render_manifest(path)
    assert artifact.code == GOOD.replace("{{ role|js }}", '"admin"')


def test_a_template_that_renders_nothing_is_named(make_source: MakeSource) -> None:
    path = make_source(manifest(), t_j2="{#- params\nrole = { type = \"str\" }\n#}\n\n")
    with pytest.raises(TemplateError) as info:
        render_manifest(path)
    assert info.value.path == "rules_src/templates/t.js.j2"
    assert "renders no code for the 'rule' target" in str(info.value)


def test_an_empty_manifest_does_not_replace_the_build(make_source: MakeSource,
                                                     tmp_path: Path) -> None:
    path = make_source(manifest(), t_j2=GOOD)
    render(path, tmp_path / "build")
    path.write_text("version = 1\n")
    with pytest.raises(ManifestError, match="lists no rules"):
        render(path, tmp_path / "build")
    assert (tmp_path / "build" / "artifacts" / "rules" / "r.js").is_file()


def test_a_render_killed_half_way_does_not_block_the_next(make_source: MakeSource,
                                                         tmp_path: Path) -> None:
    # What a render killed while it removed the old build left, under this process's pid
    # (the old name, fixed per pid, made every later render fail in a container: pid 1).
    path = make_source(manifest(), t_j2=GOOD)
    render(path, tmp_path / "build")
    leftover = tmp_path / "build" / f".artifacts-old-{os.getpid()}" / "rules"
    leftover.mkdir(parents=True)
    (leftover / "r.js").write_text("stale")
    render(path, tmp_path / "build")
    assert (tmp_path / "build" / "artifacts" / "rules" / "r.js").read_text().startswith("/**")


def test_a_build_folder_that_cannot_be_written_is_an_input_error(
        make_source: MakeSource, tmp_path: Path) -> None:
    path = make_source(manifest(), t_j2=GOOD)
    (tmp_path / "build").write_text("a file where the build folder goes")
    with pytest.raises(InputError, match="cannot write the build"):
        render(path, tmp_path / "build")
    (tmp_path / "build").unlink()
    (tmp_path / "build" / "artifacts").mkdir(parents=True)
    (tmp_path / "build" / "artifacts").rmdir()
    (tmp_path / "build" / "artifacts").write_text("not a folder")
    with pytest.raises(InputError, match="is not a folder"):
        render(path, tmp_path / "build")


def test_js_refuses_an_integer_javascript_would_change() -> None:
    assert str(js_encode(2**53 - 1)) == "9007199254740991"
    with pytest.raises(jinja2.TemplateRuntimeError, match="beyond 2\\*\\*53 - 1"):
        js_encode({"limits": [1, 2**53 + 1]})


def test_a_swap_that_fails_half_way_puts_the_previous_build_back(
        make_source: MakeSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = make_source(manifest(), t_j2=GOOD)
    render(path, tmp_path / "build")
    before = (tmp_path / "build" / "artifacts" / "rules" / "r.js").read_bytes()
    (tmp_path / "rules_src" / "templates" / "t.js.j2").write_text(GOOD.replace("admin", "x"))
    real = os.replace

    def second_fails(source: Any, destination: Any) -> None:
        staging = Path(source).name.startswith(".artifacts-") and \
            not Path(source).name.startswith(".artifacts-old-")
        if staging and Path(destination).name == "artifacts":  # the new build's swap
            raise OSError(28, "No space left on device", str(destination))
        real(source, destination)

    monkeypatch.setattr(os, "replace", second_fails)
    with pytest.raises(InputError, match="cannot write the build: No space left on device"):
        render(path, tmp_path / "build")
    monkeypatch.undo()
    assert (tmp_path / "build" / "artifacts" / "rules" / "r.js").read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "build").iterdir()) == ["artifacts"]


def test_a_line_separator_in_a_template_does_not_shift_error_lines(
        make_source: MakeSource) -> None:
    # V8 ends a line at U+2028 (and U+2029, a lone CR); the templates only at "\n": an error
    # after one was reported a line too low.
    template = GOOD.replace("/** Requires MFA", "/** Requires\u2028MFA") + "}\n"
    path = make_source(manifest(), t_j2=template)
    with pytest.raises(RuleSyntaxError) as info:
        render_manifest(path)
    assert (info.value.path, info.value.line) == ("rules_src/templates/t.js.j2", 8)  # was 9
    artifact = Artifact(name="a", code="a\u2028b\r\nc\rd\ne", kind="rule")
    assert [artifact.from_v8_line(n) for n in range(1, 8)] == [1, 1, 2, 2, 3, 4, 5]
