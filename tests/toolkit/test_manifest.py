"""Manifest validation: each mistake is one clear error naming the manifest and the key."""

from __future__ import annotations

import pytest

from tests.toolkit.conftest import MakeSource
from toolkit import load_manifest, render_manifest
from toolkit.errors import ManifestError

TEMPLATE = """\
{#- params
[role]
type = "str"
[strict]
type = "bool"
default = true
-#}
function (user, context, callback) {
  var role = {{ role|js }}, strict = {{ strict|js }};
  callback(null, user, context);
}
"""


def rule(name: str = "one", order: int = 1, extra: str = "", params: str = 'role = "admin"') -> str:
    return f"""
[[rules]]
name = "{name}"
template = "templates/t.js.j2"
order = {order}
{extra}
[rules.params]
{params}
"""


def error_for(make_source: MakeSource, manifest: str) -> ManifestError:
    path = make_source("version = 1\n" + manifest, t_j2=TEMPLATE)
    with pytest.raises(ManifestError) as info:
        render_manifest(path, check=False)
    assert str(info.value).startswith("rules_src/manifest.toml")
    assert info.value.path == "rules_src/manifest.toml"
    return info.value


def test_a_valid_manifest_loads(make_source: MakeSource) -> None:
    path = make_source("version = 1\n" + rule() + rule("two", 2), t_j2=TEMPLATE)
    manifest = load_manifest(path)
    assert [r.name for r in manifest.ordered()] == ["one", "two"]
    assert manifest.rules[0].enabled is True


def test_unknown_rule_key(make_source: MakeSource) -> None:
    error = error_for(make_source, rule(extra="enabeld = false"))
    assert error.key == "rules[0] (one).enabeld"
    assert "unknown key" in str(error)
    assert error.line == 7


def test_unknown_top_level_key(make_source: MakeSource) -> None:
    error = error_for(make_source, "colour = 1\n" + rule())
    assert error.key == "colour"


def test_duplicate_names(make_source: MakeSource) -> None:
    error = error_for(make_source, rule("one", 1) + rule("one", 2))
    assert error.key == "rules[1] (one).name"
    assert "duplicate name" in str(error)
    assert error.line == 12


def test_duplicate_orders(make_source: MakeSource) -> None:
    error = error_for(make_source, rule("one", 5) + rule("two", 5))
    assert error.key == "rules[1] (two).order"
    assert "duplicate order 5" in str(error)


def test_template_that_does_not_exist(make_source: MakeSource) -> None:
    error = error_for(make_source, rule().replace("templates/t.js.j2", "templates/nope.js.j2"))
    assert error.key == "rules[0] (one).template"
    assert "rules_src/templates/nope.js.j2" in str(error)


@pytest.mark.parametrize(("template", "fragment"), [
    ("../README.md", "must be a path inside rules_src"),
    ("/etc/hostname", "must be a path inside rules_src"),
    ("templates", "is a folder, not a template file"),
])
def test_a_template_outside_the_templates_folder_is_named_at_its_key(
        make_source: MakeSource, template: str, fragment: str) -> None:
    error = error_for(make_source, rule().replace("templates/t.js.j2", template))
    assert (error.key, error.line) == ("rules[0] (one).template", 5)
    assert fragment in str(error)


@pytest.mark.parametrize(("dependency", "fragment"), [
    ('"../x" = "1.0.0"', "'../x' is not an npm package name"),
    ('"lo dash" = "4.17.21"', "'lo dash' is not an npm package name"),
    ('_private = "1.0.0"', "'_private' is not an npm package name"),
    ('lodash = "4.17.21; rm -rf /"', "is not an npm version"),
])
def test_dependencies_are_npm_names_and_versions(make_source: MakeSource, dependency: str,
                                                 fragment: str) -> None:
    error = error_for(make_source, rule(extra=f"dependencies = {{ {dependency} }}"))
    assert error.key is not None and error.key.startswith("rules[0] (one).dependencies.")
    assert fragment in str(error)


def test_npm_names_and_versions_auth0_installs_are_accepted(make_source: MakeSource) -> None:
    path = make_source("version = 1\n" + rule(extra='dependencies = { lodash = "4.17.21", '
                                                    '"@auth0/x" = "^1.2.0", y = "latest", '
                                                    'JSONStream = "1.3.5" }'),
                       t_j2=TEMPLATE)
    assert load_manifest(path).rules[0].dependencies == {
        "lodash": "4.17.21", "@auth0/x": "^1.2.0", "y": "latest", "JSONStream": "1.3.5"}


def test_a_template_reached_through_a_symbolic_link_is_loaded(make_source: MakeSource) -> None:
    path = make_source("version = 1\n" + rule().replace("templates/t.js.j2", "shared/t.js.j2"),
                       t_j2=TEMPLATE)
    outside = path.parent.parent / "elsewhere"
    outside.mkdir()
    (path.parent / "templates" / "t.js.j2").rename(outside / "t.js.j2")
    (path.parent / "shared").symlink_to(outside)
    assert [a.name for a in render_manifest(path, check=False)] == ["one"]


@pytest.mark.parametrize(("params", "key", "fragment"), [
    ('role = 3', "params.role", "must be of type str, got 3"),
    ('role = "a"\nstrict = "yes"', "params.strict", "must be of type bool"),
    ('role = "a"\nrol = "b"', "params.rol", "unknown parameter"),
    ('strict = false', "params.role", "missing required parameter"),
])
def test_parameters_are_checked_against_the_template(make_source: MakeSource, params: str,
                                                     key: str, fragment: str) -> None:
    error = error_for(make_source, rule(params=params))
    assert error.key == f"rules[0] (one).{key}"
    assert fragment in str(error)


@pytest.mark.parametrize(("field", "value"), [("order", '"1"'), ("enabled", '"yes"'),
                                              ("name", '"Has Spaces"')])
def test_wrong_types_of_rule_keys(make_source: MakeSource, field: str, value: str) -> None:
    text = rule(extra=f"{field} = {value}") if field == "enabled" else rule()
    if field == "order":
        text = text.replace("order = 1", f"order = {value}")
    if field == "name":
        text = text.replace('name = "one"', f"name = {value}")
    error = error_for(make_source, text)
    assert error.key is not None and error.key.endswith(field)


def test_missing_required_key(make_source: MakeSource) -> None:
    error = error_for(make_source, rule().replace("order = 1\n", ""))
    assert error.key == "rules[0] (one).order"
    assert "is required" in str(error)


def test_invalid_toml_names_the_line(make_source: MakeSource) -> None:
    error = error_for(make_source, rule() + "\nthis is not toml\n")
    assert error.line == 11
    assert "invalid TOML" in str(error)



def test_a_table_header_with_a_comment_still_locates_the_key(make_source: MakeSource) -> None:
    # Review of 2026-11-29: `[[rules]] # ...` was not counted, so the second entry's error
    # pointed at the first one's line (or none).
    text = (rule("one").replace("[[rules]]", "[[rules]]  # the first one")
            + rule("two").replace("[[rules]]", "[[ rules ]] # second")
            .replace("order = 1", 'order = "late"'))
    error = error_for(make_source, text)
    assert error.key is not None and error.key.startswith("rules[1]")
    lines = ("version = 1\n" + text).splitlines()
    assert error.line is not None and lines[error.line - 1] == 'order = "late"'


def test_toml_headers_are_read_whatever_their_spacing_or_comment() -> None:
    from toolkit._manifest import toml_header

    assert toml_header(" [[ users ]]  # admin") == "[[users]]"
    assert toml_header("[users . app_metadata]#x") == "[users.app_metadata]"
    assert toml_header("[tenant]") == "[tenant]"
    assert toml_header('roles = ["a"]') is None
    assert toml_header("[[users]") is None
    assert toml_header('  ["a", "b"],') is None


def test_missing_manifest(tmp_path: object, make_source: MakeSource) -> None:
    with pytest.raises(ManifestError, match="manifest not found"):
        load_manifest("rules_src/absent.toml")


def test_a_manifest_that_is_not_utf8_is_named_not_a_traceback(make_source: MakeSource) -> None:
    path = make_source(rule())
    path.write_bytes(path.read_bytes() + b"\n# caf\xe9\n")
    with pytest.raises(ManifestError, match=r"not UTF-8 text \(byte 0xe9\)") as caught:
        load_manifest(path)
    assert caught.value.path is not None and caught.value.path.endswith("manifest.toml")


def test_a_manifest_with_a_byte_order_mark_reads_as_without(make_source: MakeSource) -> None:
    # Windows editors write one; it was "Invalid statement (line 1, column 1)".
    path = make_source("version = 1\n" + rule(), t_j2=TEMPLATE)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert [r.name for r in load_manifest(path).rules] == ["one"]
