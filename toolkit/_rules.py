"""The Auth0 Rules runtime: runs a pipeline of rules on one login, one call into V8 per login."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from ._engine import (
    DEFAULT_MEMORY_LIMIT,
    Engine,
    MemoryLimitExceeded,
    ScriptError,
    TimeLimitExceeded,
    load_runtime_js,
)
from ._login import make_context, make_user
from ._outcome import Outcome
from ._render import Artifact, located_syntax_error
from .errors import EngineError, InputError, ModuleNotFound, RuleSyntaxError

__all__ = ["DEFAULT_TIMEOUT", "RulesRuntime", "compile_expression", "parse_now", "run_rules"]

DEFAULT_TIMEOUT = 20.0  # seconds: Auth0's limit for the whole rules pipeline
_GLOBALS = "configuration, UnauthorizedError, auth0, require, console, global"
_MAX_MODULE_LOADS = 200
_MAX_MODULE_FILE = 4 * 1024 * 1024
_MODULE_SUFFIXES = {".js", ".cjs", ".json"}
_FRAME = re.compile(r"(?:\(|\bat )(?P<file>[^()\s]+):(?P<line>\d+):(?P<col>\d+)\)?")


def compile_expression(artifact: Artifact) -> str:
    """Wrap a rule's source so it evaluates to a factory; rule line N stays on script line N.

    Auth0 evaluates the stored text as one function expression, which is why a trailing
    semicolon after the function breaks it; the parentheses reproduce that.
    """
    return f"(function ({_GLOBALS}) {{ return (" + artifact.code + "\n); })"


def parse_now(value: str | datetime | float | int | None) -> float | None:
    """Milliseconds since the epoch for ``--now`` (ISO 8601, datetime or epoch ms)."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InputError(f"--now: not an ISO 8601 instant: {value!r}") from None
    if value.tzinfo is None:
        raise InputError(f"--now: give a time zone (e.g. Z or +01:00): {value.isoformat()}")
    return value.timestamp() * 1000.0


class RulesRuntime:
    """An engine loaded with a rule pipeline. Use as a context manager, or call ``close()``.

    ``rules`` run in the given order (disabled artifacts are skipped). ``modules`` is a
    ``node_modules`` folder for ``require``; ``stubs`` maps module names to JavaScript module
    source (``module.exports = ...``) and win over node_modules.
    """

    def __init__(
        self,
        rules: Sequence[Artifact],
        *,
        configuration: Mapping[str, str] | None = None,
        modules: str | Path | None = None,
        stubs: Mapping[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        memory_limit: int = DEFAULT_MEMORY_LIMIT,
        now: str | datetime | float | None = None,
        domain: str = "example-ai.eu.auth0.com",
    ) -> None:
        if timeout <= 0:
            raise InputError(f"timeout must be positive, got {timeout!r}")
        self.rules = [rule for rule in rules if rule.enabled]
        self.configuration = dict(configuration or {})
        self.timeout = timeout
        self.now = parse_now(now)
        self.domain = domain
        if modules is None and Path("node_modules").is_dir():
            modules = Path("node_modules")
        self.modules = Path(modules) if modules is not None else None
        self._loaded_dirs: set[str] = set()
        self._engine = Engine(memory_limit=memory_limit)
        try:
            self._engine.eval(load_runtime_js("node_builtins.js"), path="node_builtins.js")
            self._engine.eval(load_runtime_js("rules_harness.js"), path="rules_harness.js")
            api = "globalThis.__rulekitRules"
            self._run = self._engine.eval(f"{api}.run.bind({api})")
            self._step = self._engine.eval(f"{api}.step.bind({api})")
            self._add_files = self._engine.eval(f"{api}.addFiles.bind({api})")
            self._engine.call(self._engine.eval(f"{api}.setStubs.bind({api})"),
                              json.dumps({name: {"source": src} for name, src in
                                          (stubs or {}).items()}))
            for rule in self.rules:
                self._add_rule(rule)
        except BaseException:
            self.close()
            raise

    def _add_rule(self, rule: Artifact) -> None:
        script = (f"globalThis.__rulekitRules.addRule({json.dumps(rule.name)}, "
                  + compile_expression(rule) + f")\n//# sourceURL={rule.file_name}")
        try:
            self._engine.eval(script, path=rule.file_name, timeout=self.timeout)
        except (RuleSyntaxError, ScriptError) as exc:
            raise located_syntax_error(rule, exc) from None

    # ------------------------------------------------------------------------------ running
    def run(
        self,
        user: Mapping[str, Any] | None = None,
        context: Mapping[str, Any] | None = None,
        *,
        configuration: Mapping[str, str] | None = None,
        now: str | datetime | float | None = None,
        timeout: float | None = None,
    ) -> Outcome:
        """Run the pipeline on one login and return what Auth0 would decide."""
        limit = self.timeout if timeout is None else timeout
        payload = json.dumps({
            "user": make_user() if user is None else user,
            "context": make_context() if context is None else context,
            "configuration": self.configuration if configuration is None else configuration,
            "now": self.now if now is None else parse_now(now),
            "timeLimitMs": limit * 1000.0,
            "rules": list(range(len(self.rules))),
            "domain": self.domain,
        })
        deadline = time.monotonic() + limit
        for _ in range(_MAX_MODULE_LOADS):
            try:
                data = json.loads(self._engine.call(self._run, payload, timeout=limit))
                while data["status"] == "pending":
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TimeLimitExceeded("time limit exceeded")
                    data = json.loads(self._engine.call(self._step, timeout=remaining))
            except TimeLimitExceeded:
                rule = self._current_rule()
                return self._failure("TimeLimitExceeded", rule,
                                     f"rule '{rule}' did not finish within the {limit:g} s time "
                                     "limit (an endless loop?); Auth0 fails the login")
            except MemoryLimitExceeded:
                rule = self._current_rule()
                return self._failure("MemoryLimitExceeded", rule,
                                     f"rule '{rule}' exceeded the memory limit of "
                                     f"{self._engine.memory_limit // (1024 * 1024)} MB")
            except ScriptError as exc:
                return self._failure("Error", self._current_rule(), exc.detail)
            if data["status"] == "need-module":
                self._load_module(data["need"])
                continue
            return self._outcome(data)
        raise EngineError(f"gave up loading modules after {_MAX_MODULE_LOADS} packages")

    def _current_rule(self) -> str | None:
        try:
            current = self._engine.eval("globalThis.__rulekitRules.current()", timeout=5)
        except EngineError:
            return None
        return current if isinstance(current, str) else None

    def _failure(self, name: str, rule: str | None, message: str) -> Outcome:
        return Outcome(kind="rule", error={"name": name, "message": message, "rule": rule})

    def _outcome(self, data: dict[str, Any]) -> Outcome:
        error = data["error"]
        if error is not None:
            stack = error.pop("stack", None)
            at = self._locate_stack(stack) if isinstance(stack, str) else None
            if at is not None:
                error["at"] = at
        return Outcome(
            kind="rule", mfa=data["mfa"], denied=data["denied"], error=error,
            id_token_claims=data["id_token_claims"],
            access_token_claims=data["access_token_claims"],
            app_metadata_updates=data["app_metadata_updates"],
            user_metadata_updates=data["user_metadata_updates"],
            redirect=data["redirect"], logs=data["logs"], rules_run=data["rules_run"])

    def _locate_stack(self, stack: str) -> str | None:
        by_file = {rule.file_name: rule for rule in self.rules}
        for match in _FRAME.finditer(stack):
            rule = by_file.get(match["file"])
            if rule is not None:
                path, line = rule.locate(int(match["line"]))
                return f"{path}:{line}"
        return None

    # ------------------------------------------------------------------------------ modules
    def _load_module(self, need: dict[str, Any]) -> None:
        rule = self._current_rule()
        request = need["request"]
        for candidate in need["candidates"]:
            if self.modules is None or candidate in self._loaded_dirs:
                continue
            relative = candidate.removeprefix("/node_modules/")
            folder = self.modules / relative
            if folder.is_dir():
                self._engine.call(self._add_files, json.dumps(self._package_files(folder,
                                                                                  candidate)))
                self._loaded_dirs.add(candidate)
                return
        where = (f"not found in {self.modules}" if self.modules is not None
                 else "and no node_modules folder was given (--modules DIR)")
        origin = next((r.origin for r in self.rules if r.name == rule), None)
        raise ModuleNotFound(
            f"rule '{rule}' requires {request!r}: not a Node built-in, not a stub, {where}",
            path=origin)

    @staticmethod
    def _package_files(folder: Path, virtual: str) -> dict[str, str]:
        found: dict[str, str] = {}
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if "node_modules" in relative.parts[:-1] or path.suffix not in _MODULE_SUFFIXES:
                continue
            if not path.is_file() or path.stat().st_size > _MAX_MODULE_FILE:
                continue
            try:
                found[f"{virtual}/{relative.as_posix()}"] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
        return found

    # ---------------------------------------------------------------------------- lifecycle
    def close(self) -> None:
        """Release V8. Safe to call more than once."""
        self._engine.close()

    @property
    def closed(self) -> bool:
        return self._engine.closed

    def __enter__(self) -> RulesRuntime:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def run_rules(rules: Sequence[Artifact], user: Mapping[str, Any] | None = None,
              context: Mapping[str, Any] | None = None, **options: Any) -> Outcome:
    """Run one login through ``rules`` in a fresh engine (convenient; a RulesRuntime is faster)."""
    with RulesRuntime(rules, **options) as runtime:
        return runtime.run(user, context)
