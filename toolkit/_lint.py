"""Security and Auth0 checks of the rules (``rulekit lint``): the templates' text, the rendered
code's syntax tree, the manifest and the tenant model. Every finding names its template (or
manifest) file and line, has a code and a severity; errors make the command exit 1.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from ._jsast import JsParseError, Node, ParsedJs, children, parse_artifact, walk
from ._manifest import DEFAULT_MANIFEST, Manifest, load_manifest, shown_path
from ._render import Artifact, render_manifest, shape_problem, wrap_for_v8
from ._version import __version__
from .errors import InputError, RulekitError

if TYPE_CHECKING:
    from ._tenant import TenantModel

__all__ = ["CHECKS", "Finding", "LintResult", "lint", "lint_files", "to_sarif"]

SIZE_LIMIT = 100 * 1024  # bytes: Auth0's limit per Action, and for all enabled Rules together

# code -> (name, default severity, what it checks)
CHECKS: dict[str, tuple[str, str, str]] = {
    "RK100": ("syntax-error", "error", "the rendered code does not parse in V8"),
    "RK101": ("user-metadata-authz", "error",
              "an authorization decision depends on user_metadata, which users can edit"),
    "RK102": ("role-case-sensitive", "warning",
              "role names compared case-sensitively with free-form metadata"),
    "RK103": ("undeclared-role", "error", "a rule names a role the tenant model does not declare"),
    "RK104": ("callback-not-called", "error", "a code path of a Rule never calls callback"),
    "RK105": ("rule-trailing-semicolon", "error",
              "a semicolon after the Rule's function (Auth0 rejects it)"),
    "RK106": ("literal-secret", "error", "a secret or password written literally"),
    "RK107": ("wrong-programming-model", "error",
              "Rules-only constructs in an Action, or Action-only constructs in a Rule"),
    "RK108": ("legacy-rule-target", "info",
              "an entry renders only a legacy Rule, or a stack deploys legacy Rules"),
    "RK109": ("size-limit", "warning", "an artifact over Auth0's 100 kB guideline"),
    "RK110": ("not-analysed", "warning", "the code uses syntax the analyser cannot read, so its "
              "lint checks, coverage and mutants are skipped and the deploy gate's coverage "
              "cannot reach 100%"),
    "RK111": ("login-kept-in-container", "warning",
              "a value from the login stored where the next login in the container sees it"),
    "RK112": ("user-metadata-branch", "warning",
              "user_metadata decides which code runs, and rulekit sees no decision in it "
              "(if it can change MFA, a denial or a redirect, that is RK101)"),
    "RK114": ("undeclared-secret", "error",
              "an Action reads a secret (event.secrets) its manifest entry does not declare in "
              "secrets = [...]: it is deployed without it"),
    "RK113": ("tenant-mfa", "error",
              "the tenant model's [mfa] cannot give an Action the MFA its code asks for"),
    "RK116": ("clock-decides", "warning",
              "the time of day decides MFA, a denial or a redirect: fuzzing runs at one frozen "
              "instant and never tries another"),
    "RK117": ("redirect-without-continue", "error",
              "an Action redirects the user (or renders a form) but exports no "
              "onContinuePostLogin, so the login cannot resume when the user comes back"),
    "RK118": ("unknown-api-member", "error",
              "an Action calls a member Auth0's post-login api does not have (api.acess.deny): "
              "a TypeError that fails the login"),
    "RK115": ("dropped-claim", "warning",
              "a custom claim Auth0 drops from the token (a restricted claim such as 'roles', "
              "or in Auth0's own namespace)"),
}
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@functools.cache
def _claim_lists() -> tuple[frozenset[str], tuple[str, ...]]:
    """Auth0's restricted claims and its own domains, as the runtime's common.js lists them
    (one list for the runtime and the lint)."""
    from ._engine import load_runtime_js

    source = load_runtime_js("common.js")
    found = [re.search(pattern, source, re.S) for pattern in (
        r"RESTRICTED_CLAIMS = new Set\(\[(.*?)\]\)", r"AUTH0_DOMAINS = \[(.*?)\]")]
    restricted, domains = (tuple(re.findall(r"'([^']*)'", m.group(1))) if m else () for m in found)
    return frozenset(restricted), domains


def claim_restriction(claim: str) -> str | None:
    """Why Auth0 leaves a custom ``claim`` out of a token, or None (the runtime's
    claimRestriction): a restricted claim, or a name in Auth0's namespace."""
    restricted, domains = _claim_lists()
    if claim in restricted:
        return "restricted claim"
    lower = claim.lower()
    if lower.startswith("urn:auth0"):
        return "Auth0 namespace"
    url = re.match(r"https?://(?:[^@/?#]*@)?([^:/?#]+)", lower)
    if url and any(url[1] == d or url[1].endswith("." + d) for d in domains):
        return "Auth0 namespace"
    return None


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    path: str
    line: int | None = None

    @property
    def name(self) -> str:
        return CHECKS[self.code][0]

    def text(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity} {self.code} {self.name}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "severity": self.severity,
                "message": self.message, "path": self.path, "line": self.line}


@dataclass
class LintResult:
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[tuple[Finding, str]] = field(default_factory=list)  # (finding, reason)

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    @property
    def errors(self) -> int:
        return self.count("error")

    def lines(self) -> list[str]:
        out = [f.text() for f in self.findings]
        summary = (f"{self.errors} error(s), {self.count('warning')} warning(s), "
                   f"{self.count('info')} note(s)")
        if self.suppressed:
            summary += f", {len(self.suppressed)} allowed in the templates (--json lists them)"
        out.append(summary)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"version": 1, "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "errors": self.errors, "warnings": self.count("warning"),
                "infos": self.count("info"), "findings": [f.to_dict() for f in self.findings],
                "suppressed": [{**f.to_dict(), "reason": reason} for f, reason in self.suppressed]}


# ------------------------------------------------------------------------------ helpers
@functools.cache
def api_members() -> dict[str, tuple[str, ...]]:
    """The post-login api's members as the Actions harness builds them (``access: (deny,)``)."""
    from ._engine import Engine, load_runtime_js

    with Engine() as engine:
        for name in ("node_builtins.js", "common.js", "actions_harness.js"):
            engine.eval(load_runtime_js(name), path=name)
        members = json.loads(engine.eval("__rulekitActions.apiMembers()"))
    return {key: tuple(value) for key, value in members.items()}


def _member_name(node: Node) -> str | None:
    if node["type"] != "MemberExpression":
        return None
    prop = node["property"]
    if not node.get("computed") and prop["type"] == "Identifier":
        return str(prop["name"])
    if prop["type"] == "Literal" and isinstance(prop.get("value"), str):
        return str(prop["value"])
    return None


def _reads_clock(node: Node) -> bool:
    """``Date.now()`` or ``new Date()`` (no argument): the time the login runs at."""
    if node["type"] == "NewExpression":
        callee = node["callee"]
        return callee["type"] == "Identifier" and callee["name"] == "Date" \
            and not node["arguments"]
    return (_member_name(node) == "now" and node["object"]["type"] == "Identifier"
            and node["object"]["name"] == "Date")


def _identifiers(node: Node) -> Iterator[Node]:
    """Identifiers used as references (not property names or object keys)."""
    for child, parent in walk(node):
        if child["type"] != "Identifier":
            continue
        if parent is None:
            yield child
            continue
        if parent["type"] == "MemberExpression" and parent["property"] is child \
                and not parent.get("computed"):
            continue
        if parent["type"] in ("Property", "MethodDefinition", "FieldDefinition",
                              "PropertyDefinition") and parent.get("key") is child \
                and not parent.get("computed") and not parent.get("shorthand"):
            continue
        yield child


_DECISIONS = frozenset({"enable", "deny", "challengeWith", "challengeWithAny", "enrollWith",
                        "enrollWithAny"})


_FUNCTIONS = frozenset({"FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"})
_DECIDING_NAMESPACES = frozenset({"multifactor", "access", "authentication"})
# Methods that keep their arguments in the object they are called on (Map, Set, Array).
_STORING = frozenset({"set", "add", "push", "unshift", "splice"})


def _test_of(node: Node) -> Node:
    key = {"SwitchStatement": "discriminant", "LogicalExpression": "left"}.get(node["type"], "test")
    test: Node = node[key]
    return test


def _controlled(node: Node) -> list[Node]:
    """The code a test decides whether to run: branches, a loop's body, switch cases, the right
    side of `&&`/`||`/`??`; empty for any other node."""
    kind = node["type"]
    if kind in ("IfStatement", "ConditionalExpression"):
        return [part for part in (node["consequent"], node.get("alternate")) if part is not None]
    if kind in ("WhileStatement", "DoWhileStatement"):
        return [node["body"]]
    if kind == "SwitchStatement":
        return list(node["cases"])
    if kind == "LogicalExpression":
        return [node["right"]]
    return []


_LOOPS = frozenset({"ForStatement", "ForInStatement", "ForOfStatement", "ForAwaitStatement",
                    "WhileStatement", "DoWhileStatement"})


def _decision_here(node: Node, deciding: set[str], *, skips: bool = False) -> bool:
    """``node`` itself decides a login: an api call that requires MFA, denies or redirects,
    `context.multifactor = ...` / `context.redirect = ...` (also through Object.assign), an
    UnauthorizedError, a throw or a Rule's callback(error) (the login fails), or a call of a
    function (or of an object's method, ``.name`` in ``deciding``) that does. With ``skips``,
    also what skips the code after it: a return, a Rule's callback, a continue, a labelled
    break (which decides only when a decision follows: see ``_decided_after``)."""
    kind = node["type"]
    if kind == "ThrowStatement":
        return True
    if skips and (kind in ("ReturnStatement", "ContinueStatement")
                  or (kind == "BreakStatement" and node.get("label"))):
        return True
    if kind == "CallExpression":
        callee = node["callee"]
        arguments = node["arguments"]
        if callee["type"] == "Identifier":
            if callee["name"] in deciding:
                return True
            if callee["name"] == "callback":
                return skips or bool(arguments and not _is_nullish(arguments[0]))
            return False
        name = _member_name(callee)
        if name == "sendUserTo" or f".{name}" in deciding:
            return True  # h.ask() of an object method that decides
        if callee["type"] == "MemberExpression" and callee.get("computed") and (
                _member_name(callee["object"]) in _DECIDING_NAMESPACES
                or (callee["object"]["type"] == "Identifier"
                    and callee["object"]["name"] in deciding)):
            return True  # api.multifactor[k](...): whichever member it is
        if name == "assign" and any(
                a["type"] == "ObjectExpression" and any(
                    p["type"] == "Property" and _key_name(p) in ("multifactor", "redirect")
                    for p in a["properties"]) for a in arguments[1:]):
            return True  # Object.assign(context, { multifactor: ... })
        if name in _DECISIONS:
            target = callee["object"]
            # api.multifactor.enable(), and through an alias: const mfa = api.multifactor
            return (_member_name(target) in _DECIDING_NAMESPACES if target["type"] ==
                    "MemberExpression" else target["type"] == "Identifier"
                    and target["name"] in deciding)
        return False
    if kind == "NewExpression":
        return bool(node["callee"]["type"] == "Identifier"
                    and node["callee"]["name"] == "UnauthorizedError")
    if kind == "AssignmentExpression":
        return _member_name(node["left"]) in ("multifactor", "redirect")
    return False


def _controls(deciding: set[str], *parts: Node | None, skips: bool = False) -> bool:
    """Whether running ``parts`` (a branch, a loop body, switch cases) can decide the login
    (with ``skips``, or skip what follows); a function defined in them is not run by them, but
    one passed to a call runs as part of it (forEach, then), where a return only returns."""
    def visit(node: Node) -> bool:
        if _decision_here(node, deciding, skips=skips):
            return True
        if node["type"] == "CallExpression":
            for argument in node["arguments"]:
                if argument["type"] in _FUNCTIONS and _controls(deciding, argument["body"]):
                    return True
        return any(visit(child) for _, child in children(node) if child["type"] not in _FUNCTIONS)

    return any(part is not None and visit(part) for part in parts)


def _decided_after(node: Node, parents: dict[int, Node], deciding: set[str]) -> bool:
    """Whether code after ``node`` in its function decides the login (what a return or an
    early callback there would skip): later statements of each enclosing block, and the
    whole body of an enclosing loop (its next round)."""
    current = node
    while True:
        parent = parents.get(id(current))
        if parent is None or parent["type"] in _FUNCTIONS:
            return False
        for key in ("body", "consequent"):
            sequence = parent.get(key)
            if isinstance(sequence, list):
                for index, item in enumerate(sequence):
                    if item is current:
                        if _controls(deciding, *sequence[index + 1:]):
                            return True
        if parent["type"] in _LOOPS and _controls(deciding, parent["body"]):
            return True
        current = parent


def _deciding_functions(program: Node) -> set[str]:
    """Names of the file's functions whose bodies decide a login (directly or through each
    other), as ``name`` (``.name`` for an object's method), so that `if (um.x) requireMfa();`
    counts like the call it wraps, and aliases of api.multifactor/access/authentication. A
    helper's return only returns its value: what the caller does with it is checked there."""
    bodies: dict[str, Node] = {}
    deciding: set[str] = set()
    for node, _ in walk(program):
        if node["type"] == "FunctionDeclaration" and node.get("id"):
            bodies[str(node["id"]["name"])] = node["body"]
        elif node["type"] == "VariableDeclarator" and node["id"]["type"] == "Identifier" \
                and node.get("init") and node["init"]["type"] in _FUNCTIONS:
            bodies[str(node["id"]["name"])] = node["init"]["body"]
        elif node["type"] in ("Property", "MethodDefinition", "PropertyDefinition") \
                and node.get("value") and node["value"]["type"] in _FUNCTIONS and _key_name(node):
            bodies[f".{_key_name(node)}"] = node["value"]["body"]  # { ask() {...} }
        elif node["type"] == "VariableDeclarator" and node.get("init"):
            # Aliases of the deciding namespaces: const mfa = api.multifactor;
            # const { multifactor } = api
            init = node["init"]
            if init["type"] == "MemberExpression" and _member_name(init) in _DECIDING_NAMESPACES:
                deciding.update(_pattern_names(node["id"]))
            elif node["id"]["type"] == "ObjectPattern" and init["type"] == "Identifier":
                for prop in node["id"]["properties"]:
                    key = _key_name(prop) if prop["type"] == "Property" else None
                    if key in _DECIDING_NAMESPACES or (key in _DECISIONS
                                                       and init["name"] in deciding):
                        # const { multifactor } = api; const { enable } = mfa (an alias)
                        deciding.update(_pattern_names(prop.get("value")))
            elif init["type"] == "CallExpression" and _member_name(init["callee"]) == "bind" \
                    and init["callee"]["type"] == "MemberExpression" \
                    and _decision_here({**init, "callee": init["callee"]["object"]}, deciding):
                deciding.update(_pattern_names(node["id"]))  # api.multifactor.enable.bind(...)
    while True:
        more = {name for name, body in bodies.items()
                if name not in deciding and _controls(deciding, body)}
        if not more:
            return deciding
        deciding |= more


def _key_name(node: Node) -> str | None:
    key = node.get("key") or {}
    if node.get("computed"):
        return None
    name = key.get("name") if key.get("type") == "Identifier" else key.get("value")
    return name if isinstance(name, str) else None


def _is_nullish(node: Node) -> bool:
    return (node["type"] == "Literal" and node.get("value") is None) or (
        node["type"] == "Identifier" and node["name"] == "undefined")


def _pattern_names(pattern: Node | None) -> Iterator[str]:
    if pattern is None:
        return
    kind = pattern["type"]
    if kind == "Identifier":
        yield str(pattern["name"])
    elif kind == "ObjectPattern":
        for prop in pattern["properties"]:
            yield from _pattern_names(prop.get("value") if prop["type"] == "Property"
                                      else prop.get("argument"))
    elif kind == "ArrayPattern":
        for element in pattern["elements"]:
            yield from _pattern_names(element)
    elif kind == "AssignmentPattern":
        yield from _pattern_names(pattern["left"])
    elif kind == "RestElement":
        yield from _pattern_names(pattern["argument"])


def _declares(node: Node) -> Iterator[str]:
    """Names one node declares (a variable, a function's name and parameters, a class)."""
    kind = node["type"]
    if kind == "VariableDeclarator":
        yield from _pattern_names(node["id"])
    elif kind in ("FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"):
        if node.get("id"):
            yield str(node["id"]["name"])
        for param in node["params"]:
            yield from _pattern_names(param)
    elif kind == "CatchClause":
        yield from _pattern_names(node.get("param"))
    elif kind in ("ClassDeclaration", "ClassExpression") and node.get("id"):
        yield str(node["id"]["name"])


def _declared(program: Node) -> set[str]:
    return {name for node, _ in walk(program) for name in _declares(node)}


class _Taint:
    """Names whose values derive from a source (``user_metadata`` / any metadata), to a fixpoint.
    Scopes are ignored (templates are small); callbacks of ``.some/.filter/...`` on a tainted
    array taint their first parameter."""

    _ITERATORS: ClassVar[frozenset[str]] = frozenset(
        {"some", "every", "filter", "find", "findIndex", "map", "forEach", "reduce"})

    def __init__(self, parsed: ParsedJs, sources: set[str],
                 names: frozenset[str] = frozenset(), *, implicit: bool = False,
                 clock: bool = False) -> None:
        self.sources = sources
        self.clock = clock  # the time of day is the source: Date.now(), new Date()
        self.implicit = implicit  # a name assigned under a tainted test is tainted too
        self.names: set[str] = set(names)
        self._loops: dict[int, tuple[set[int], set[str]]] = {}  # loop -> (its body, names)
        program = parsed.program
        for _ in range(10):
            before = len(self.names) + len(self._loops)
            for node, _parent in walk(program):
                self._spread(node)
            if len(self.names) + len(self._loops) == before:
                break

    def touches(self, node: Node) -> bool:
        for child, _ in walk(node):
            if _member_name(child) in self.sources or (self.clock and _reads_clock(child)):
                return True
        return any(str(i["name"]) in self.names
                   or any(id(i) in body and i["name"] in names
                          for body, names in self._loops.values())
                   for i in _identifiers(node))

    def _spread(self, node: Node) -> None:
        kind = node["type"]
        if self.implicit:
            # `let need = true; if (um.trusted) need = false; if (need) api.multifactor...`:
            # the flag carries the metadata's decision (an implicit flow).
            controlled = _controlled(node)
            if controlled and self.touches(_test_of(node)):
                inner = {name for part in controlled for child, _ in walk(part)
                         if child["type"] == "VariableDeclarator"
                         for name in _pattern_names(child["id"])}  # its own locals
                for part in controlled:
                    for child, _ in walk(part):
                        if child["type"] == "AssignmentExpression":
                            left = child["left"]
                            while left["type"] == "MemberExpression":  # state.need = false
                                left = left["object"]
                            if left["type"] in ("Identifier", "ObjectPattern", "ArrayPattern"):
                                self.names.update(set(_pattern_names(left)) - inner)
        if self.implicit and kind in ("FunctionDeclaration", "VariableDeclarator"):
            # A helper that returns metadata (`function trusted(u) { return
            # u.user_metadata.trusted }`): its calls carry it.
            fn = node if kind == "FunctionDeclaration" else node.get("init")
            name = node.get("id")
            if fn is not None and fn["type"] in _FUNCTIONS and name and name["type"] == "Identifier":
                body = fn["body"]
                returned = [body] if body["type"] != "BlockStatement" else [
                    child["argument"] for child, _ in walk(body)
                    if child["type"] == "ReturnStatement" and child.get("argument")]
                if any(self.touches(value) for value in returned):
                    self.names.add(str(name["name"]))
        if kind == "VariableDeclarator" and node.get("init") is not None:
            if node["init"]["type"] in (*_FUNCTIONS, "ClassExpression"):
                return  # a function that reads metadata is not metadata (a port's `rule`)
            if self.touches(node["init"]):
                self.names.update(_pattern_names(node["id"]))
            else:  # const { user_metadata: um } = event.user; const { user: { user_metadata } } = event
                self.names.update(self._picked(node["id"]))
        elif kind == "AssignmentExpression" and node["left"]["type"] == "Identifier" \
                and self.touches(node["right"]):
            self.names.add(str(node["left"]["name"]))
        elif kind == "AssignmentExpression" and node["left"]["type"] in ("ObjectPattern",
                                                                         "ArrayPattern"):
            # ({ user_metadata: um } = event.user)
            self.names.update(_pattern_names(node["left"]) if self.touches(node["right"])
                              else self._picked(node["left"]))
        elif kind in ("ForOfStatement", "ForInStatement", "ForAwaitStatement") \
                and id(node) not in self._loops and self.touches(node["right"]):
            # for (const r of user_metadata.roles): r is tainted in this loop's body only
            # (loop variables' names are reused everywhere).
            left = node["left"]
            targets = [d["id"] for d in left["declarations"]] \
                if left["type"] == "VariableDeclaration" else [left]
            names = {n for target in targets for n in _pattern_names(target)}
            self._loops[id(node)] = ({id(child) for child, _ in walk(node["body"])}, names)
        elif kind == "CallExpression" and node["callee"]["type"] == "MemberExpression" \
                and _member_name(node["callee"]) in self._ITERATORS \
                and self.touches(node["callee"]["object"]) and node["arguments"]:
            fn = node["arguments"][0]
            if fn["type"] in ("FunctionExpression", "ArrowFunctionExpression") and fn["params"]:
                index = 1 if _member_name(node["callee"]) == "reduce" else 0
                if len(fn["params"]) > index:
                    self.names.update(_pattern_names(fn["params"][index]))


    def _picked(self, pattern: Node | None) -> Iterator[str]:
        """Names a destructuring pattern takes from a source key, at any depth."""
        if pattern is None:
            return
        if pattern["type"] == "ObjectPattern":
            for prop in pattern["properties"]:
                if prop["type"] != "Property":
                    continue
                if _key_name(prop) in self.sources:
                    yield from _pattern_names(prop.get("value"))
                else:
                    yield from self._picked(prop.get("value"))
        elif pattern["type"] == "ArrayPattern":
            for element in pattern["elements"]:
                yield from self._picked(element)
        elif pattern["type"] == "AssignmentPattern":
            yield from self._picked(pattern["left"])


_NORMALISED = re.compile(r"\.(?:toLowerCase|toUpperCase|toLocaleLowerCase|toLocaleUpperCase|"
                         r"localeCompare)\s*\(")


# -------------------------------------------------------------------------- the checker
class _Linter:
    def __init__(self, manifest: Manifest | None, roles: tuple[str, ...] | None) -> None:
        self.manifest = manifest
        self.roles = roles
        self.findings: list[Finding] = []
        self._sources: dict[str, list[str]] = {}

    def add(self, code: str, message: str, path: str, line: int | None,
            severity: str | None = None) -> None:
        self.findings.append(Finding(code, severity or CHECKS[code][1], message, path, line))

    def _action_member(self, parsed: ParsedJs, node: Node) -> None:
        """RK118: ``api.X`` or ``api.X.Y`` that the post-login api does not have (the second
        parameter is called ``api``, as Auth0's templates name it); RK107: a geoip key spelt
        the Rules way (``event.request.geoip.country_code``: an Action reads ``countryCode``)."""
        from ._login import GEO_CAMEL

        name = _member_name(node)
        if name is None:
            return
        inner = node["object"]
        if inner["type"] == "Identifier" and inner["name"] == "api":
            if name not in api_members():
                self.at(parsed, node, "RK118", f"api.{name} is not part of Auth0's post-login "
                        f"api (it has: {', '.join(sorted(api_members()))}): a TypeError that "
                        "fails the login")
        elif inner["type"] == "MemberExpression" and inner["object"]["type"] == "Identifier" \
                and inner["object"]["name"] == "api":
            group = _member_name(inner)
            known = api_members().get(group or "")
            if known is not None and name not in known:
                self.at(parsed, node, "RK118", f"api.{group}.{name} is not part of Auth0's "
                        f"post-login api (api.{group} has: {', '.join(known)}): a TypeError "
                        "that fails the login")
        elif name in GEO_CAMEL and GEO_CAMEL[name] != name and _member_name(inner) == "geoip":
            self.at(parsed, node, "RK107", f"geoip.{name} is the Rules spelling: an Action's "
                    f"event.request.geoip has {GEO_CAMEL[name]} ({name} is undefined)")

    def at(self, parsed: ParsedJs, node: Node, code: str, message: str,
           severity: str | None = None) -> None:
        path, line = parsed.locate(node)
        self.add(code, message, path, line, severity)

    def template_lines(self, path: str) -> list[str]:
        if path not in self._sources:
            try:
                self._sources[path] = Path(path).read_text(encoding="utf-8").splitlines()
            except OSError:
                self._sources[path] = []
        return self._sources[path]

    # -- per artifact -------------------------------------------------------------------------
    def artifact(self, artifact: Artifact, engine: Any) -> None:
        code = artifact.code
        if artifact.kind == "rule":
            stripped = re.sub(r"(?:\s|//[^\n]*|/\*.*?\*/)*\Z", "", code, flags=re.DOTALL)
            if stripped.endswith(";") and stripped[:-1].rstrip().endswith("}"):
                line = stripped.count("\n") + 1
                path, mapped = artifact.locate(line)
                self.add("RK105", "a semicolon follows the rule's function: Auth0 stores a rule "
                         "as one function expression and rejects it; remove the ';'", path, mapped)
                code = stripped[:-1] + " " + code[len(stripped):]
                artifact = replace(artifact, code=code)
        try:
            engine.eval(wrap_for_v8(artifact), path=artifact.file_name)
        except RulekitError as exc:
            error_line = getattr(exc, "line", None)
            where = artifact.locate(error_line) if isinstance(error_line, int) \
                else (artifact.origin, None)
            self.add("RK100", f"{getattr(exc, 'detail', exc)} (in {artifact.file_name})", *where)
            return
        problem = shape_problem(artifact)
        if problem is not None:
            self.add("RK107", problem[0], *artifact.locate(problem[1]))
            return
        try:
            parsed = parse_artifact(artifact)
        except JsParseError as exc:
            at = artifact.locate(exc.line) if exc.line else (artifact.origin, None)
            self.add("RK110", f"{artifact.file_name} was not analysed ({exc}): its lint checks "
                     "are skipped, and its coverage cannot be measured, which counts as not "
                     "covered at the deploy gate; the analyser reads ES2025 (Node 22's syntax), "
                     "so write this construct in it", *at)
            return
        self.undeclared_secrets(artifact)
        self.dropped_claims(artifact)
        self.redirect_without_continue(artifact)
        self.user_metadata(parsed)
        self.clock(parsed)
        self.container_state(parsed, artifact.kind)
        self.role_comparisons(parsed)
        self.programming_model(parsed)
        if artifact.kind == "rule":
            self.callback_paths(parsed)
        for message in size_problems([artifact], rules_total=False):
            self.add("RK109", message, artifact.origin, None)

    def user_metadata(self, parsed: ParsedJs) -> None:
        """RK101: a test that reads user_metadata and controls code that decides the login
        (MFA, a denial, a redirect, or a return/throw that skips what follows). A test that
        only picks a claim's value decides nothing (a newcomer's `typeof um.department`)."""
        found = _tainted_tests(parsed, _Taint(parsed, {"user_metadata"}, implicit=True),
                               ("RK101", "RK112"))
        for code, test in found.values():  # one finding a line, an error before a warning
            self.at(parsed, test, code, (
                "authorization decided from user_metadata, which users can edit themselves; "
                "read roles from app_metadata or the RBAC roles (event.authorization.roles / "
                "context.authorization.roles)") if code == "RK101" else (
                "user_metadata, which users can edit themselves, decides which code runs here; "
                "rulekit sees no MFA, denial or redirect in it: if it can change one (through a "
                "helper, say), read app_metadata instead; if it only shapes a value, allow it "
                "with the reason"))

    def clock(self, parsed: ParsedJs) -> None:
        """RK116: the time of day (``Date.now()``, ``new Date()``) decides MFA, a denial or a
        redirect. rulekit runs at one frozen instant, so fuzzing never explores it."""
        found = _tainted_tests(parsed, _Taint(parsed, set(), implicit=True, clock=True),
                               ("RK116", None))
        for _code, test in found.values():
            self.at(parsed, test, "RK116", (
                "the clock decides here (MFA, a denial or a redirect): rulekit runs every login "
                "at one frozen instant, so fuzzing never tries another time; cover each side "
                "with example tests that set now= (or --now), or decide from the login instead"))


    def container_state(self, parsed: ParsedJs, kind: str) -> None:
        """Auth0 keeps a container's global object (a Rule's `global`, Node's `global`), and an
        Action's module-level variables, from one login to the next: a value from this login
        put there reaches later logins (rulekit's assert_no_carryover finds what it changes)."""
        program = parsed.program
        declared = _declared(program)
        module_level: set[str] = set()
        inside: set[int] = set()  # code that runs for each login (an Action's module runs once)
        if kind == "action":
            for statement in parsed.body:
                if statement["type"] == "VariableDeclaration":
                    for declarator in statement["declarations"]:
                        module_level.update(_pattern_names(declarator["id"]))
                elif statement["type"] == "ClassDeclaration" and statement.get("id"):
                    module_level.add(str(statement["id"]["name"]))  # Memo.last = ...
                for node, _ in walk(statement):
                    if node["type"] in ("FunctionExpression", "FunctionDeclaration",
                                        "ArrowFunctionExpression"):
                        inside.update(id(child) for child, _ in walk(node["body"]))
        elif parsed.function is not None:
            inside.update(id(child) for child, _ in walk(parsed.function["body"]))
        # A module-level name declared again inside a function (a local, a parameter) is not
        # the module's there: scopes are not tracked, so such a name is not reported at all.
        shadowed = {name for node, _ in walk(program)
                    if id(node) in inside or node["type"] in _FUNCTIONS
                    for name in _declares(node)}
        sources = {"user", "context", "event"}
        if kind == "rule" and parsed.function is not None:  # (user, context) by any name
            for param in parsed.function["params"][:2]:
                sources.update(_pattern_names(param))
        taint = _Taint(parsed, set(), frozenset(sources))
        for node, _ in walk(program):
            if id(node) not in inside:
                continue
            if node["type"] == "CallExpression" and node["callee"]["type"] == "MemberExpression" \
                    and _member_name(node["callee"]) in _STORING \
                    and any(taint.touches(arg) for arg in node["arguments"]):
                target = node["callee"]["object"]  # seen.set(event.user.user_id, ...)
            elif node["type"] == "AssignmentExpression" and taint.touches(node["right"]):
                target = node["left"]
            else:
                continue
            root = target
            while root["type"] == "MemberExpression":
                root = root["object"]
            name = str(root["name"]) if root["type"] == "Identifier" else None
            where = None
            if name in ("global", "globalThis") and target is not root:
                where = f"on {name}, which Auth0 keeps for the container"
            elif name is not None and target is root and name not in declared:
                where = f"in '{name}', never declared, so a global that Auth0 keeps for the container"
            elif name in module_level and name not in shadowed:
                where = f"in the module-level '{name}', which Auth0 keeps with the module for the container"
            if where is not None:
                self.at(parsed, node, "RK111",
                        f"a value from this login is stored {where}, so a later login can "
                        "see it; keep it in a local variable, or key it by user and never "
                        "decide MFA from it (assert_no_carryover checks)")

    def _role_literals(self, parsed: ParsedJs, node: Node) -> list[str]:
        """String literals in an expression, or in the array literal a name was declared as."""
        values = [str(c["value"]) for c, _ in walk(node)
                  if c["type"] == "Literal" and isinstance(c.get("value"), str)]
        if node["type"] == "Identifier":
            for decl, _ in walk(parsed.program):
                if decl["type"] == "VariableDeclarator" and decl["id"]["type"] == "Identifier" \
                        and decl["id"]["name"] == node["name"] and decl.get("init") is not None \
                        and decl["init"]["type"] == "ArrayExpression":
                    values += [str(e["value"]) for e in decl["init"]["elements"]
                               if e is not None and e["type"] == "Literal"
                               and isinstance(e.get("value"), str)]
        return values

    def role_comparisons(self, parsed: ParsedJs) -> None:
        metadata = _Taint(parsed, {"app_metadata", "user_metadata"})
        roles = _Taint(parsed, {"roles", "role", "app_metadata", "user_metadata"})
        for node, _ in walk(parsed.program):
            pairs: list[tuple[Node, Node]] = []
            if node["type"] == "CallExpression" and _member_name(node["callee"]) in (
                    "includes", "indexOf") and node["arguments"]:
                pairs.append((node["callee"]["object"], node["arguments"][0]))
            elif node["type"] == "BinaryExpression" and node["operator"] in ("===", "==", "!==",
                                                                             "!=") \
                    and not any(side["type"] == "UnaryExpression" and side["operator"] == "typeof"
                                for side in (node["left"], node["right"])):
                pairs.append((node["left"], node["right"]))
            for a, b in pairs:
                if not (roles.touches(a) or roles.touches(b)):
                    continue
                literals = [v for v in self._role_literals(parsed, a) + self._role_literals(parsed, b)
                            if v.swapcase() != v]  # '42' has no case to get wrong
                if not literals:
                    continue
                text = parsed.text(node)
                if (metadata.touches(a) or metadata.touches(b)) and not _NORMALISED.search(text):
                    shown = ", ".join(repr(v) for v in literals[:3])
                    other = literals[0].swapcase()
                    self.at(parsed, node, "RK102",
                            f"role names ({shown}) compared case-sensitively with metadata that "
                            f"people and scripts write by hand ({other!r} would not match); "
                            "normalise both sides with toLowerCase() or use RBAC roles")
                self.undeclared_literals(parsed, node, literals)

    def undeclared_literals(self, parsed: ParsedJs, node: Node, literals: list[str]) -> None:
        if self.roles is None:
            return
        path, line = parsed.locate(node)
        source = "\n".join(self.template_lines(path))
        for value in literals:
            if value in self.roles or value in ("string", "object", "undefined"):
                continue
            if value not in source:
                continue  # came from a parameter: checked against the manifest below
            similar = [r for r in self.roles if r.lower() == value.lower()]
            hint = f" (declared as {similar[0]!r}: case differs)" if similar else ""
            self.add("RK103", f"role {value!r} is not declared in the tenant model{hint}; "
                     "the check can never match a real user", path, line)

    _RULE_ONLY: ClassVar[dict[str, str]] = {
        "context": "event (e.g. context.clientID is event.client.client_id)",
        "callback": "return, or api.access.deny(reason)",
        "configuration": "event.secrets", "UnauthorizedError": "api.access.deny(reason)",
        "auth0": "api.user.setAppMetadata / setUserMetadata", "user": "event.user"}
    _ACTION_ONLY: ClassVar[dict[str, str]] = {
        "event": "the rule's user and context",
        "api": "context.multifactor, context.idToken, callback(new UnauthorizedError(...))",
        "exports": "one function (user, context, callback)",
        "module": "one function (user, context, callback)"}

    def programming_model(self, parsed: ParsedJs) -> None:
        declared = _declared(parsed.program)
        if parsed.artifact.kind == "action":
            wrong, other = self._RULE_ONLY, "Rules-only"
            declared |= {"exports", "require", "module", "__filename", "__dirname", "console"}
        else:
            wrong, other = self._ACTION_ONLY, "Action-only"
        seen: set[tuple[str, int]] = set()
        for ident in _identifiers(parsed.program):
            name = str(ident["name"])
            if name in wrong and name not in declared:
                line = parsed.line(ident["range"][0])
                if (name, line) in seen:
                    continue
                seen.add((name, line))
                target = "an Action" if parsed.artifact.kind == "action" else "a Rule"
                self.at(parsed, ident, "RK107", f"{other} construct '{name}' in {target} "
                        f"({parsed.artifact.file_name}); use {wrong[name]}")
        if parsed.artifact.kind == "action":
            from ._login import RULES_ONLY_USER_FIELDS

            for node, _ in walk(parsed.program):
                field = _member_name(node) if node["type"] == "MemberExpression" else None
                if field in RULES_ONLY_USER_FIELDS \
                        and node["object"]["type"] == "MemberExpression" \
                        and _member_name(node["object"]) == "user":
                    name = str(field)
                    hint = "event.stats.logins_count" if name == "logins_count" else "nothing"
                    self.at(parsed, node, "RK107", f"event.user.{name} is a Rules-only field: "
                            f"Auth0's post-login event.user has no {name} (undefined); "
                            f"the Action equivalent is {hint}")
                self._action_member(parsed, node)
                if node["type"] == "CallExpression" and node["callee"]["type"] == "Identifier" \
                        and node["callee"]["name"] == "require" and node["arguments"] and \
                        node["arguments"][0]["type"] == "Literal" and \
                        re.search(r"[^/]@\d", str(node["arguments"][0].get("value"))):
                    self.at(parsed, node, "RK107", "a version-pinned require('name@version') is "
                            "a Rules-only construct; require('name') and declare the version "
                            "in the manifest's dependencies")

    # -- Rules: every path calls callback -------------------------------------------------------
    def callback_paths(self, parsed: ParsedJs) -> None:
        function = parsed.function
        if function is None:
            return
        params = [p.get("name") for p in function["params"]]
        if len(params) < 3 or not isinstance(params[2], str):
            self.at(parsed, function, "RK104", "the rule takes no callback parameter: Auth0 "
                    "calls rules as function (user, context, callback)")
            return
        name = params[2]

        def mentions(node: Node) -> bool:
            return any(i["name"] == name for i in _identifiers(node))

        def flow(statements: Sequence[Node], called: bool) -> bool | None:
            """Called on every path that falls through; None when no path falls through."""
            for statement in statements:
                result = one(statement, called)
                if result is None:
                    return None
                called = result
            return called

        def one(node: Node, called: bool) -> bool | None:
            kind = node["type"]
            if kind == "ReturnStatement":
                if not called and not (node.get("argument") and mentions(node["argument"])):
                    self.at(parsed, node, "RK104", f"this return leaves the rule without calling "
                            f"{name}(): Auth0 waits until the time limit, then fails the login")
                return None
            if kind == "ThrowStatement":
                return None
            if kind == "BlockStatement":
                return flow(node["body"], called)
            if kind == "IfStatement":
                called = called or mentions(node["test"])
                then = one(node["consequent"], called)
                other = one(node["alternate"], called) if node.get("alternate") else called
                if then is None and other is None:
                    return None
                return all(r for r in (then, other) if r is not None)
            if kind == "TryStatement":
                body = flow(node["block"]["body"], called)
                handler = flow(node["handler"]["body"]["body"], called) if node.get("handler") \
                    else body
                final = flow(node["finalizer"]["body"], False) if node.get("finalizer") else False
                if body is None and handler is None:
                    return None
                return bool(final) or all(r for r in (body, handler) if r is not None)
            if kind in ("ForStatement", "ForInStatement", "ForOfStatement", "ForAwaitStatement",
                        "WhileStatement", "DoWhileStatement", "SwitchStatement",
                        "LabeledStatement"):
                for _, child in children(node):
                    if child["type"].endswith("Statement") or child["type"] == "SwitchCase":
                        nested = child["consequent"] if child["type"] == "SwitchCase" else [child]
                        flow(nested, called)
                return called or (node["type"] == "DoWhileStatement" and mentions(node["body"]))
            if kind == "FunctionDeclaration":
                return called
            return called or mentions(node)

        body = function["body"]
        if body["type"] != "BlockStatement":
            return
        if flow(body["body"], False) is False:
            end = {"range": [body["range"][1] - 1, body["range"][1]]}
            self.at(parsed, end, "RK104", f"a path reaches the end of the rule without calling "
                    f"{name}(): Auth0 waits until the time limit, then fails the login")

    # -- templates, manifest, tenant ------------------------------------------------------------
    _SECRET_KEY = re.compile(
        r"""(?P<key>[A-Za-z_$]*(?:password|passwd|secret|api[_-]?key|private[_-]?key|access[_-]?key|"""
        r"""auth[_-]?token|bearer)[A-Za-z_$]*)["']?\s*[:=]\s*(?P<q>["'`])(?P<value>[^"'`\n]{4,})(?P=q)""",
        re.IGNORECASE)
    _SECRET_VALUE = re.compile(
        r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.|-----BEGIN [A-Z ]*PRIVATE KEY-----|"
        r"\bAKIA[0-9A-Z]{16}\b|\bxox[abprs]-[A-Za-z0-9-]{10,}|\bgh[pousr]_[A-Za-z0-9]{30,}|"
        r"\bsk_live_[A-Za-z0-9]{16,}|Bearer\s+[A-Za-z0-9._~+/-]{20,}")

    def templates(self, paths: Sequence[str]) -> None:
        for path in paths:
            for number, text in enumerate(self.template_lines(path), 1):
                key = self._SECRET_KEY.search(text)
                if key is not None and "{{" not in key["value"] and "{%" not in key["value"]:
                    self.add("RK106", f"'{key['key']}' is given a literal value in the template: "
                             "a secret belongs in event.secrets (Actions) or configuration "
                             "(Rules), set at deploy time, never in source", path, number)
                elif self._SECRET_VALUE.search(text):
                    self.add("RK106", "a token or key is written literally in the template: "
                             "keep it in event.secrets / configuration, set at deploy time",
                             path, number)

    def manifest_checks(self) -> None:
        assert self.manifest is not None
        shown = self.manifest.display_path()
        for entry in self.manifest.ordered():
            for key, value in sorted(entry.params.items()):
                if isinstance(value, str) and value and re.search(
                        r"pass(word|wd)|secret|api[_-]?key|private[_-]?key|token", key, re.I):
                    self.add("RK106", f"params.{key} of {entry.name!r} holds a literal value; "
                             "give the secret's name in `secrets = [...]` and read it from "
                             "event.secrets", shown, self.manifest.key_line(entry.index, key))
            if entry.enabled and "action" not in entry.targets:
                self.add("RK108", f"{entry.name!r} renders only a legacy Rule, which Auth0 no "
                         "longer runs (since 2026-11-18): nothing of it is deployed unless a "
                         "stack sets rulekit:deployLegacyRules; port it (rulekit port) and add "
                         "the \"action\" target", shown,
                         self.manifest.key_line(entry.index, "targets"))
        root = self.manifest.root.resolve().parent
        for stack in sorted(root.glob("Pulumi.*.yaml")):
            for number, text in enumerate(stack.read_text(encoding="utf-8").splitlines(), 1):
                if re.match(r"\s*rulekit:deployLegacyRules\s*:\s*[\"']?true", text, re.I):
                    self.add("RK108", "this stack deploys legacy Rules, which Auth0 no longer "
                             "runs: deploy the Actions instead", shown_path(stack), number,
                             "warning")

    def tenant_roles(self) -> TenantModel | None:
        """RK103 for the roles rules name; the tenant model read (None: there is none)."""
        assert self.manifest is not None
        tenant = self.manifest.root / "tenant.toml"
        if not tenant.is_file():
            return None
        from ._tenant import load_tenant, role_problems

        model = load_tenant(tenant)
        self.roles = model.role_names
        for problem in role_problems(model, self.manifest):
            entry = self.manifest.get(problem.rule)
            line = self.manifest.key_line(entry.index, problem.key.rsplit(".", 1)[-1]) \
                if entry is not None else None
            similar = [r for r in model.role_names if r.lower() == problem.role.lower()]
            hint = f" (declared as {similar[0]!r}: case differs)" if similar else ""
            self.add("RK103", f"{problem}{hint}; declared roles: "
                     f"{', '.join(map(repr, model.role_names)) or 'none'}",
                     self.manifest.display_path(), line)
        return model

    def undeclared_secrets(self, artifact: Artifact) -> None:
        """RK114: ``event.secrets.NAME`` (also ``?.``, ``['NAME']`` or destructured) that an
        Action's manifest entry does not declare in ``secrets = [...]``: the program deploys
        only the declared ones, and the runtime gives the entry only those. Not for Rules:
        their configuration is the tenant's, every rule sees all of it."""
        for name, line in undeclared_secrets(artifact):
            self.add("RK114", undeclared_secret_message(artifact, name), *artifact.locate(line))

    def redirect_without_continue(self, artifact: Artifact) -> None:
        """RK117: ``api.redirect.sendUserTo`` or ``api.prompt.render`` in an Action that does
        not export ``onContinuePostLogin``: Auth0 resumes the flow in the Action that
        redirected ("Redirect with Actions"), which has nothing to run then."""
        if artifact.kind != "action":
            return
        from ._jslex import tokens_of

        tokens = tokens_of(artifact.code)
        values = [t.value for t in tokens]
        for i, token in enumerate(tokens):  # exports.onContinuePostLogin / ['onContinuePostLogin']
            if token.value == "onContinuePostLogin" and (
                    (token.kind == "identifier" and values[i - 1:i] == ["."])
                    or (token.kind == "string" and values[i - 1:i] == ["["])):
                return
        for i, token in enumerate(tokens):
            pair = [t.value for t in tokens[max(i - 2, 0):i]]
            if (token.value == "sendUserTo" and pair == ["redirect", "."]) or (
                    token.value == "render" and pair == ["prompt", "."]):
                self.add("RK117", f"api.{pair[0]}.{token.value} shows the user something, but "
                         f"{artifact.file_name} exports no onContinuePostLogin: Auth0 resumes "
                         "the login in this Action when the user comes back, so export "
                         "exports.onContinuePostLogin = async (event, api) => {...}",
                         *artifact.locate(token.line))
                return

    def dropped_claims(self, artifact: Artifact) -> None:
        """RK115: a claim named by a literal that Auth0 leaves out of the token: an Action's
        ``api.idToken.setCustomClaim('roles', ...)`` / ``api.accessToken...``, a Rule's
        ``context.idToken['roles'] = ...`` or ``context.idToken.roles = ...``. The runtime drops
        it as Auth0 does (``dropped_claims``); the lint says so before anything runs."""
        from ._jslex import tokens_of

        tokens = tokens_of(artifact.code)
        for i, token in enumerate(tokens):
            if token.value not in ("idToken", "accessToken") or i < 2 \
                    or tokens[i - 1].value not in (".", "?."):
                continue
            after = [t.value for t in tokens[i + 1:i + 6]]
            kinds = [t.kind for t in tokens[i + 1:i + 6]]
            claim = None
            if artifact.kind == "action" and tokens[i - 2].value == "api" and \
                    after[:3] == [".", "setCustomClaim", "("] and kinds[3:4] == ["string"]:
                claim = after[3]
            elif artifact.kind == "rule" and tokens[i - 2].value == "context":
                if after[:1] == ["["] and kinds[1:2] == ["string"] and after[2:4] == ["]", "="]:
                    claim = after[1]
                elif after[:1] == ["."] and kinds[1:2] == ["identifier"] and after[2:3] == ["="]:
                    claim = after[1]
            why = claim_restriction(claim) if claim is not None else None
            if claim is not None and why is not None:
                token_name = "ID" if token.value == "idToken" else "access"
                self.add("RK115", f"claim {claim!r} is left out of the {token_name} token by Auth0 "
                         f"({why}): use a namespaced name such as "
                         f"'https://example.com/{claim.rsplit('/', 1)[-1]}'",
                         *artifact.locate(token.line))

    def tenant_mfa(self, model: TenantModel | None, artifacts: Sequence[Artifact]) -> None:
        """RK113: what the tenant model's [mfa] cannot give the enabled Actions (as the Pulumi
        program checks before it deploys them: toolkit._mfa.mfa_problems), at the code's line."""
        if model is None:
            return
        from ._mfa import mfa_problems

        deployed = [a for a in artifacts if a.kind == "action" and a.enabled]
        for problem in mfa_problems(model.mfa, deployed, model.display_path()):
            self.add("RK113", problem.message, *problem.where(),
                     severity=None if problem.severity == "error" else "warning")

    def rule_sizes(self, artifacts: Sequence[Artifact]) -> None:
        for message in size_problems([a for a in artifacts if a.kind == "rule"]):
            where = self.manifest.display_path() if self.manifest else artifacts[0].origin
            self.add("RK109", message, where, None)


def _destructured(tokens: Sequence[Any], close: int) -> list[str]:
    """The property names of the object pattern that ends at ``tokens[close]`` (``}``):
    ``{ A, B: b, C = 1 }`` gives A, B, C (nested patterns and rest elements are skipped)."""
    depth, names = 0, []
    for j in range(close, -1, -1):
        value = tokens[j].value
        if value == "}":
            depth += 1
        elif value == "{":
            depth -= 1
            if depth == 0:
                break
        elif depth == 1 and tokens[j].kind in ("identifier", "string") \
                and tokens[j - 1].value in ("{", ",") and tokens[j + 1].value in (",", "}", ":", "="):
            names.append(value)
    return names[::-1]


def size_problems(artifacts: Sequence[Artifact], *, rules_total: bool = True) -> list[str]:
    """Over Auth0's size guidelines: an Action over 100 kB ("Each Action should not exceed
    100 kB. The larger the size, the more latency is introduced", Actions Limitations); the
    enabled Rules over 100 kB together."""
    problems = []
    for artifact in artifacts:
        size = len(artifact.code.encode("utf-8"))
        if artifact.kind == "action" and size > SIZE_LIMIT:
            problems.append(f"{artifact.file_name} is {size / 1024:.1f} kB; Auth0 says an Action "
                            "should not exceed 100 kB (the larger, the more login latency)")
    total = sum(len(a.code.encode("utf-8")) for a in artifacts if a.kind == "rule" and a.enabled)
    if rules_total and total > SIZE_LIMIT:
        problems.append(f"the enabled Rules total {total / 1024:.1f} kB; Auth0 allows 100 kB "
                        "for all rules together")
    return problems


def lint(manifest: str | Path | Manifest = DEFAULT_MANIFEST) -> LintResult:
    """Run every check; raises RulekitError only when the rules cannot be rendered at all."""

    loaded = manifest if isinstance(manifest, Manifest) else load_manifest(manifest)
    artifacts = render_manifest(loaded, check=False)
    linter = _Linter(loaded, None)
    linter.tenant_mfa(linter.tenant_roles(), artifacts)
    linter.manifest_checks()
    templates: list[str] = []
    for artifact in artifacts:
        for path, _ in artifact.line_map:
            if path and path not in templates and Path(path).is_file():
                templates.append(path)
    linter.templates(templates)
    return _checked(linter, artifacts)


def lint_files(paths: Sequence[str | Path]) -> LintResult:
    """The checks of the code itself on Rule and Action files outside the manifest (a legacy
    rule, a port draft); the manifest's and the tenant's checks need a manifest."""
    from ._render import load_rule_file

    for path in paths:
        if Path(path).suffix not in (".js", ".cjs", ".mjs"):
            raise InputError(f"lint: not a JavaScript file (.js): {path}", path=str(path))
    artifacts = [load_rule_file(path) for path in paths]
    return _checked(_Linter(None, None), artifacts)


def _checked(linter: _Linter, artifacts: Sequence[Artifact]) -> LintResult:
    from ._engine import Engine

    with Engine() as engine:
        for artifact in artifacts:
            linter.artifact(artifact, engine)
    linter.rule_sizes(artifacts)
    unique: dict[tuple[str, str, int | None, str], Finding] = {}
    for finding in linter.findings:
        unique.setdefault((finding.code, finding.path, finding.line, finding.message), finding)
    ordered = sorted(unique.values(), key=lambda f: (_SEVERITY_ORDER[f.severity], f.path,
                                                     f.line or 0, f.code))
    result = LintResult()
    for finding in ordered:
        reason = _allowed(finding, linter.template_lines(finding.path))
        if reason is None:
            result.findings.append(finding)
        else:
            result.suppressed.append((finding, reason))
    return result


# `rulekit-lint: allow RK102 -- why`, in a Jinja or JavaScript comment on the finding's line or
# the line above it. A reason is required: an allowance without one allows nothing.
_ALLOW = re.compile(r"rulekit-lint:\s*allow\s+(?P<codes>RK\d{3}(?:\s*,\s*RK\d{3})*)\s+--\s*"
                    r"(?P<why>(?!#\}|\*/)\S.*?)\s*(?:#\}|\*/|$)")


def _allowed(finding: Finding, lines: list[str]) -> str | None:
    """The reason a template gives for allowing ``finding`` at its line, or None."""
    if finding.line is None or finding.severity == "error":
        return None  # errors cannot be allowed: fix them
    for number in (finding.line, finding.line - 1):
        if 1 <= number <= len(lines):
            match = _ALLOW.search(lines[number - 1])
            if match and finding.code in re.split(r"\s*,\s*", match["codes"]):
                return match["why"]
    return None


def to_sarif(result: LintResult) -> dict[str, Any]:
    """SARIF 2.1.0, as code scanning tools read it."""
    level = {"error": "error", "warning": "warning", "info": "note"}
    rules = [{"id": code, "name": name, "shortDescription": {"text": text},
              "defaultConfiguration": {"level": level[severity]}}
             for code, (name, severity, text) in CHECKS.items()]
    results = []
    allowed: list[tuple[Finding, str | None]] = [*((f, None) for f in result.findings),
                                                 *result.suppressed]
    for finding, reason in allowed:
        location: dict[str, Any] = {"artifactLocation": {"uri": finding.path}}
        if finding.line:
            location["region"] = {"startLine": finding.line}
        entry: dict[str, Any] = {"ruleId": finding.code, "level": level[finding.severity],
                                 "message": {"text": finding.message},
                                 "locations": [{"physicalLocation": location}]}
        if reason is not None:  # SARIF's way to say "allowed in the source, and why"
            entry["suppressions"] = [{"kind": "inSource", "justification": reason}]
        results.append(entry)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "rulekit", "version": __version__,
                                      "informationUri": "https://github.com/rulekit/rulekit",
                                      "rules": rules}},
                  "results": results}],
    }


def _tainted_tests(parsed: ParsedJs, taint: _Taint, codes: tuple[str, str | None]
                   ) -> dict[int, tuple[str, Node]]:
    """The tests ``taint`` touches, one per line: ``codes[0]`` where what the test controls
    decides the login (MFA, a denial, a redirect, or a return/throw that skips what follows),
    else ``codes[1]`` (None: not reported)."""
    deciding_code, other_code = codes
    deciding = _deciding_functions(parsed.program)
    parents = {id(node): parent for node, parent in walk(parsed.program) if parent is not None}
    found: dict[int, tuple[str, Node]] = {}  # line -> (code, test)
    for node, _ in walk(parsed.program):
        tests: list[tuple[Node, bool]] = []  # (test, whether the code it runs decides)
        controlled = _controlled(node)
        if controlled and (node["type"] != "LogicalExpression" or node["operator"] in (
                "&&", "||", "??")):
            decides = _controls(deciding, *controlled) or (
                _controls(deciding, *controlled, skips=True)
                and _decided_after(node, parents, deciding))
            tests.append((_test_of(node), decides))
            if node["type"] == "SwitchStatement":  # switch (true) { case um.x === 1: ...
                cases = node["cases"]
                for index, case in enumerate(cases):
                    if case.get("test") is not None:
                        tests.append((case["test"], _controls(deciding, *cases[index:])))
        elif node["type"] == "CallExpression" and _member_name(node["callee"]) in (
                "enable", "deny", "challengeWith", "challengeWithAny"):
            tests.extend((argument, True) for argument in node["arguments"])
        for test, decides in tests:
            line = parsed.line(test["range"][0])
            if found.get(line, ("", None))[0] == deciding_code or not taint.touches(test):
                continue
            if decides:
                found[line] = (deciding_code, test)
            elif other_code is not None and node["type"] != "LogicalExpression":
                found.setdefault(line, (other_code, test))  # `um.x || {}`: a default value
    return found


def secret_reads(artifact: Artifact) -> list[tuple[str, int]]:
    """``(name, line)`` of each ``event.secrets.NAME`` an Action reads (also ``?.``,
    ``['NAME']`` or destructured; not a method such as ``hasOwnProperty(...)``): what RK114 and
    the Pulumi program compare with the entry's declared ``secrets``."""
    from ._jslex import tokens_of

    tokens = tokens_of(artifact.code)
    reads: list[tuple[str, int]] = []
    for i, token in enumerate(tokens):
        if not (token.kind == "identifier" and token.value == "secrets" and i > 1
                and tokens[i - 1].value in (".", "?.") and tokens[i - 2].value == "event"):
            continue
        after = tokens[i + 1:i + 5]
        if len(after) >= 2 and after[0].value in (".", "?.") and after[1].kind == "identifier":
            if len(after) < 3 or after[2].value != "(":  # not a method: hasOwnProperty(...)
                reads.append((after[1].value, token.line))
        elif len(after) >= 3 and after[0].value == "[" and after[1].kind == "string" \
                and after[2].value == "]":
            reads.append((after[1].value, token.line))
        elif i > 3 and tokens[i - 3].value == "=" and tokens[i - 4].value == "}":
            reads += [(name, token.line) for name in _destructured(tokens, i - 4)]
    return reads


def undeclared_secrets(artifact: Artifact) -> list[tuple[str, int]]:
    """The secrets a manifest Action reads that its entry does not declare, first read each."""
    if artifact.template is None or artifact.kind != "action":
        return []
    found: dict[str, int] = {}
    for name, line in secret_reads(artifact):
        if name not in artifact.secrets:
            found.setdefault(name, line)
    return list(found.items())


def undeclared_secret_message(artifact: Artifact, name: str) -> str:
    declared = ", ".join(artifact.secrets) or "none"
    return (f"event.secrets.{name} is read, but the manifest entry '{artifact.name}' does not "
            f"declare it (secrets = [...]: {declared}): it is deployed without it, and rulekit "
            "runs it without it")
