"""``rulekit port``: a draft post-login Action for a legacy rule, via an adapter."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from ._engine import load_runtime_js
from .errors import InputError

__all__ = ["PortResult", "port_rule"]

# Constructs with no Action equivalent (Auth0's migration guide), and what to tell the user.
_UNSUPPORTED: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bauth0\.(?!users\.update(App|User)Metadata)"),
     "the auth0 management client does not exist in Actions; use the Management API SDK with "
     "a secret, or api.user.* for metadata"),
    (re.compile(r"\bauth0\.users\.update(App|User)Metadata"),
     "auth0.users.update*Metadata is mapped to api.user.set*Metadata (applied at the end of "
     "the flow, per key)"),
    (re.compile(r"\bcontext\.sso\b"), "context.sso has no Action equivalent beyond "
     "event.session.clients"),
    (re.compile(r"\bcontext\.connectionOptions\b"), "context.connectionOptions has no Action "
     "equivalent (it is empty in the port)"),
    (re.compile(r"\bglobal\.\w"), "`global` is not shared between executions in Actions; use "
     "api.cache"),
    (re.compile(r"\bcontext\.primaryUser\b"), "context.primaryUser: use "
     "api.authentication.setPrimaryUser"),
    (re.compile(r"""['"]redirect-callback['"]"""), "the return from a redirect runs this rule "
     "again in the port's onContinuePostLogin (context.protocol 'redirect-callback'); unlike "
     "Rules, the other Actions do not run again"),
)
# configuration.NAME / configuration['NAME']: each becomes event.secrets.NAME, to declare.
_CONFIGURATION = re.compile(r"""\bconfiguration(?:\.([A-Za-z_$][\w$]*)|\[\s*['"]([^'"]+)['"]\s*\])""")
_PINNED = re.compile(r"""require\(\s*['"]((?:@[^/'"]+/)?[^@'"/]+)@([^'"]+)['"]\s*\)""")
_TRAILING = re.compile(r"[\s;]+\Z")


# require('pkg'), require('@scope/pkg'), require('pkg/sub/path'): the package is pkg.
_UNPINNED = re.compile(r"""require\(\s*['"]((?:@[^/'"]+/)?[^@'"/.][^@'"/]*)(?:/[^'"@]*)?['"]\s*\)""")
_NODE_BUILTINS = frozenset({
    "assert", "async_hooks", "buffer", "child_process", "cluster", "console", "constants",
    "crypto", "dgram", "diagnostics_channel", "dns", "domain", "events", "fs", "http", "http2",
    "https", "inspector", "module", "net", "os", "path", "perf_hooks", "process", "punycode",
    "querystring", "readline", "repl", "stream", "string_decoder", "sys", "timers", "tls",
    "trace_events", "tty", "url", "util", "v8", "vm", "wasi", "worker_threads", "zlib"})


@dataclass
class PortResult:
    code: str
    warnings: list[str] = field(default_factory=list)
    dependencies: dict[str, str] = field(default_factory=dict)
    unpinned: list[str] = field(default_factory=list)  # required without a version
    secrets: list[str] = field(default_factory=list)  # configuration names the rule reads


def port_rule(path: str | Path) -> PortResult:
    """Draft an Action from a rule file; warnings name the rule file and line."""
    from ._jslex import tokens_of
    from ._render import load_rule_file, syntax_check

    path = Path(path)
    artifact = load_rule_file(path, kind="rule")  # missing, unreadable, not UTF-8: InputError
    source = artifact.code
    if "onExecutePostLogin" in source and "exports" in source:
        raise InputError("this is already a post-login Action", path=str(path))
    if not source.strip():
        raise InputError("the rule is empty", path=str(path))
    # A rule that does not parse drafts an Action that does not either: say where, as
    # rulekit run and equiv do (the draft also accepts a trailing semicolon, warned below).
    syntax_check([replace(artifact, code=_TRAILING.sub("", source))])
    first = next(iter(tokens_of(source)), None)
    if first is None or first.value not in ("function", "async", "("):
        # `module.exports = {}`, `42`: they parse, but Auth0 runs a rule as one function
        # expression; a draft of them would deny every login.
        raise InputError("not a rule: Auth0 stores a rule as one function expression "
                         "(function (user, context, callback) { ... })", path=str(path),
                         line=first.line if first is not None else None)
    result = PortResult(code="")
    if source.rstrip().endswith(";"):
        last = source.rstrip().count("\n") + 1
        result.warnings.append(f"{path}:{last}: a semicolon follows the rule's function: Auth0 "
                               "rejects such a rule (and rulekit run, equiv and lint refuse it); "
                               "the draft drops it, remove it from the rule too before proving "
                               "the port with rulekit equiv")
    lines = _TRAILING.sub("", source).splitlines()
    out = []
    for number, line in enumerate(lines, start=1):
        notes = [message for pattern, message in _UNSUPPORTED if pattern.search(line)]
        for dotted, quoted in _CONFIGURATION.findall(line):
            if (dotted or quoted) not in result.secrets:
                result.secrets.append(dotted or quoted)
        for name, version in _PINNED.findall(line):
            result.dependencies[name] = version
            notes.append(f"declare the dependency {name}@{version} on the Action")
        for name in _UNPINNED.findall(line):
            if name.startswith("node:") or name in _NODE_BUILTINS:
                continue
            if name not in result.dependencies:
                # Rules loaded a set of modules by name; an Action loads only what it declares
                if name not in result.unpinned:
                    result.unpinned.append(name)
                notes.append(f"declare the dependency {name} on the Action, with the version "
                             "the rule ran with (Rules loaded it unpinned)")
        for note in notes:
            result.warnings.append(f"{path}:{number}: {note}")
        suffix = "".join(f"  // rulekit port: {note}" for note in notes)
        out.append("    " + line + suffix if line.strip() else "")
    template = load_runtime_js("port_adapter.js")
    result.unpinned = [name for name in result.unpinned if name not in result.dependencies]
    result.code = (template.replace("__SOURCE__", str(path))
                   .replace("__RULE__", "\n".join(out)))
    return result
