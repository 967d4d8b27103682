"""What the Rules and Actions runtimes share on the Python side: one engine loaded with a JS
harness, the per-login call loop, module loading for ``require``, limits turned into outcomes."""

from __future__ import annotations

import gc
import itertools
import json
import math
import re
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Literal, Self

from . import _observers
from ._engine import (
    DEFAULT_MEMORY_LIMIT,
    Engine,
    MemoryLimitExceeded,
    ScriptError,
    TimeLimitExceeded,
    load_runtime_js,
)
from ._outcome import Outcome
from ._render import Artifact, located_syntax_error, wrap_for_v8
from .errors import EngineError, InputError, ModuleNotFound, RuleSyntaxError

__all__ = ["DEFAULT_TIMEOUT", "HarnessRuntime", "parse_now"]

DEFAULT_TIMEOUT = 20.0  # seconds: Auth0's limit for a whole login (rules pipeline / trigger)
_MAX_MODULE_LOADS = 200
BATCH_SIZE = 500  # logins per call into V8 in batch mode
# A batch's JSON above this runs login by login: V8 aborts the process on a string longer than
# 512 MB, and a text near the heap cap would only fail the batch (measured: 500 logins of 1 MB
# each aborted). 32 MB is 64 kB a login, ten times the largest realistic login.
_BATCH_TEXT_LIMIT = 32 * 1024 * 1024
_MAX_MODULE_FILE = 4 * 1024 * 1024
_MODULE_SUFFIXES = {".js", ".cjs", ".json"}
# Node's own modules that the harness leaves out (common.js NODE_BUILTINS has the others, and
# names them in its request): a rule requiring one is told so, not sent looking for a package.
_NODE_IO_BUILTINS = frozenset({
    "assert", "async_hooks", "child_process", "cluster", "console", "constants", "dgram",
    "diagnostics_channel", "dns", "domain", "events", "fs", "fs/promises", "http", "http2",
    "https", "inspector", "module", "net", "os", "path", "perf_hooks", "process", "punycode",
    "readline", "repl", "stream", "string_decoder", "timers", "tls", "trace_events", "tty",
    "v8", "vm", "wasi", "worker_threads", "zlib"})
_FRAME = re.compile(r"(?:\(|\bat )(?P<file>[^()\s]+):(?P<line>\d+):(?P<col>\d+)\)?")


try:  # a dependency; the standard library gives the same results, three to ten times slower
    import orjson
except ImportError:  # pragma: no cover
    orjson = None  # type: ignore[assignment]

# Types orjson would encode but json refuses: leave them to json, so both fail the same way.
_ORJSON_STRICT = (orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
                  | orjson.OPT_PASSTHROUGH_SUBCLASS) if orjson is not None else 0


def _dumps(value: Any) -> bytes:
    """JSON text for V8, as UTF-8 bytes (logins are a few kB each: encoding them is most of a
    batch's Python time, and bytes go to V8 without a round trip through str).

    Falls back to ``json`` for what orjson refuses (lone surrogates, integers past 64 bits,
    non-string keys), so the same values go through as before.
    """
    if orjson is not None:
        try:
            return orjson.dumps(value, option=_ORJSON_STRICT)
        except TypeError:
            pass
    try:
        return json.dumps(value).encode()  # ASCII: json escapes the rest, lone surrogates too
    except (TypeError, ValueError) as exc:  # a set, an object, a cycle: not what Auth0 sends
        raise InputError(f"a login must be JSON data (dicts, lists, strings, numbers, booleans, "
                         f"None): {exc}") from None


def _loads(text: str) -> Any:
    """Parse what the harness returned (JSON.stringify output); ``json`` for lone surrogates."""
    if orjson is not None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic GC while a batch's outcomes are built: thousands of new, acyclic dicts would
    trigger collections that walk the whole heap (measured: two thirds of the decoding time)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


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


class _Chunk:
    """One batch of logins and its JSON, encoded once, when ``encode()`` is first called.

    A failure is kept, not raised, with the logins before it: reading stopped by an error
    (``read``), or a login that cannot be encoded (the chunk is cut before it). The caller
    runs what is left, then raises it (see ``HarnessRuntime._iter_batch``): nothing before a
    bad login is lost.
    """

    def __init__(self, logins: list[dict[str, Any]], shared: dict[str, Any],
                 failure: Exception | None = None) -> None:
        self.logins = logins
        self.shared = shared
        self._text: bytes | None = None
        self.failure = failure

    @classmethod
    def read(cls, source: Iterator[dict[str, Any]], shared: dict[str, Any]) -> _Chunk:
        logins: list[dict[str, Any]] = []
        try:
            for login in itertools.islice(source, BATCH_SIZE):
                logins.append(login)
        except Exception as exc:
            return cls(logins, shared, exc)
        return cls(logins, shared)

    def encode(self) -> None:
        if self._text is not None or not self.logins:
            return
        try:
            self._text = _batch_text(self.shared, self.logins)
        except Exception as exc:
            self.failure = exc  # comes before any reading failure, which is further on
            self.logins = list(itertools.takewhile(_encodable, self.logins))
            if self.logins:
                self._text = _batch_text(self.shared, self.logins)

    def raise_failure(self) -> None:
        if self.failure is not None:
            raise self.failure

    def text(self) -> bytes:
        self.encode()
        assert self._text is not None, "text() of a chunk with no logins"
        return self._text


_REQUIRE = re.compile(r"""\brequire\(\s*(['"])([^'"\s]+)\1\s*\)""")


def _required_packages(code: str) -> list[str]:
    """Package names in ``require('...')`` literals (versions stripped, relative paths left out)."""
    names = []
    for match in _REQUIRE.finditer(code):
        request = match[2].removeprefix("node:")
        if request.startswith((".", "/")):
            continue
        at = request.find("@", 1 if request.startswith("@") else 0)
        request = request[:at] if at > 0 else request
        parts = request.split("/")
        names.append("/".join(parts[:2]) if request.startswith("@") else parts[0])
    return names


def _find_package(root: Path, name: str, within: Path | None) -> Path | None:
    """Where Node finds package ``name`` required from the package folder ``within`` (None: from
    the code itself) under the node_modules folder ``root``: ``within/node_modules/name``, then
    the same from each enclosing folder that is not itself a node_modules, then ``root/name``."""
    folders = []
    if within is not None:
        for folder in (within, *within.parents):
            if folder == root or root not in folder.parents:
                break
            if folder.name != "node_modules":
                folders.append(folder / "node_modules" / name)
    folders.append(root / name)
    return next((folder for folder in folders if folder.is_dir()), None)


def _batch_text(shared: dict[str, Any], logins: list[dict[str, Any]]) -> bytes:
    """What the harness's batch() takes: the shared fields once, then each login's own."""
    return _dumps({"shared": shared, "inputs": logins})


def _encodable(login: dict[str, Any]) -> bool:
    try:
        _dumps(login)
    except Exception:
        return False
    return True


class _Overlap:
    """Python work for the time V8 runs a batch: encode the next batch, decode the last answer.
    Calling it again does nothing; ``take()`` does what is left and hands over the outcomes."""

    def __init__(self, upcoming: _Chunk, reply: str | None,
                 decode: Callable[[str], tuple[int, Any, list[Outcome]]]) -> None:
        self._upcoming = upcoming
        self._reply = reply
        self._decode = decode
        self._outcomes: list[Outcome] = []

    def __call__(self) -> None:
        self._upcoming.encode()
        if self._reply is not None:
            reply, self._reply = self._reply, None
            self._outcomes = self._decode(reply)[2]

    def take(self) -> list[Outcome]:
        self()
        outcomes, self._outcomes = self._outcomes, []
        return outcomes


class HarnessRuntime:
    """An engine loaded with one harness and a list of artifacts of one kind."""

    kind: ClassVar[Literal["rule", "action"]]
    harness: ClassVar[str]  # file in toolkit/runtime
    api: ClassVar[str]  # the harness's global object
    noun: ClassVar[str]  # "rule" / "Action", for messages

    def __init__(
        self,
        artifacts: Sequence[Artifact],
        *,
        modules: str | Path | None = None,
        stubs: Mapping[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        memory_limit: int = DEFAULT_MEMORY_LIMIT,
        now: str | datetime | float | None = None,
        warm: bool = False,
    ) -> None:
        self._limit(timeout)
        for artifact in artifacts:
            if artifact.kind != self.kind:
                raise InputError(f"{artifact.file_name} is a {artifact.kind}, not a {self.kind}",
                                 path=artifact.origin)
        self.artifacts = [a for a in artifacts if a.enabled]
        self.timeout = timeout
        self.warm = warm
        self.now = parse_now(now)
        if modules is None and Path("node_modules").is_dir():
            modules = Path("node_modules")
        elif modules is not None and not Path(modules).is_dir():
            raise InputError("modules: not a folder (give a node_modules folder)", path=str(modules))
        self.modules = Path(modules) if modules is not None else None
        self._loaded_dirs: set[str] = set()
        self._engine = Engine(memory_limit=memory_limit)
        try:
            for name in ("node_builtins.js", "common.js", self.harness):
                self._engine.eval(load_runtime_js(name), path=name)
            common = "globalThis.__rulekitCommon"
            self._run = self._engine.eval(f"{self.api}.run.bind({self.api})")
            self._step = self._engine.eval(f"{self.api}.step.bind({self.api})")
            self._batch = self._engine.eval(f"{self.api}.batch.bind({self.api})")
            self._reset_warm = self._engine.eval(f"{self.api}.resetWarm.bind({self.api})")
            self._can_drain = bool(self._engine.eval(f"{common}.canDrain"))
            self._add_files = self._engine.eval(f"{common}.addFiles")
            set_stubs = self._engine.eval(f"{common}.setStubs")
            self._engine.call(set_stubs, json.dumps({name: {"source": src} for name, src in
                                                     (stubs or {}).items()}))
            for artifact in self.artifacts:
                self._add(artifact)
            if warm:
                self._preload_packages()
        except BaseException:
            self.close()
            raise

    def _limit(self, timeout: float | None) -> float:
        """The time limit of a run: ``timeout`` seconds, or the runtime's."""
        if timeout is None:
            return self.timeout
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0 \
                or timeout == math.inf:  # an endless loop would then hang the caller for good
            raise InputError(f"timeout must be a positive, finite number of seconds, got "
                             f"{timeout!r}")
        return timeout

    def _add(self, artifact: Artifact) -> None:
        loaded = _observers.loading(artifact)  # coverage / mutants: same lines, other code
        script = (f"{self.api}.add({json.dumps(artifact.name)}, " + wrap_for_v8(loaded)
                  + f")\n//# sourceURL={artifact.file_name}")
        try:
            self._engine.eval(script, path=artifact.file_name, timeout=self.timeout)
        except (RuleSyntaxError, ScriptError) as exc:
            raise located_syntax_error(artifact, exc) from None

    # ------------------------------------------------------------------------------ running
    def _execute(self, payload: dict[str, Any], limit: float) -> Outcome:
        """Run one login: one call, then one per virtual timer until the harness is done."""
        text = _dumps({**payload, "timeLimitMs": limit * 1000.0})
        deadline = time.monotonic() + limit
        for _ in range(_MAX_MODULE_LOADS):
            try:
                data = _loads(self._engine.call(self._run, text, timeout=limit))
                while data["status"] == "pending":
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise TimeLimitExceeded("time limit exceeded")
                    data = _loads(self._engine.call(self._step, timeout=remaining))
            except TimeLimitExceeded:
                current = self._current()
                return self._failure("TimeLimitExceeded", current,
                                     f"{self.noun} '{current}' did not finish within the "
                                     f"{limit:g} s time limit (an endless loop?); Auth0 fails "
                                     "the login")
            except MemoryLimitExceeded:
                current = self._current()
                return self._failure("MemoryLimitExceeded", current,
                                     f"{self.noun} '{current}' exceeded the memory limit of "
                                     f"{self._engine.memory_limit // (1024 * 1024)} MB")
            except ScriptError as exc:
                return self._failure("Error", self._current(), exc.detail)
            if data["status"] == "need-module":
                self._load_module(data["need"])
                if self.warm:
                    raise self._late_package(data["need"])
                continue
            return self._outcome(data)
        raise EngineError(f"gave up loading modules after {_MAX_MODULE_LOADS} packages")

    def _iter_batch(self, logins: Iterable[dict[str, Any]], shared: dict[str, Any],
                    limit: float) -> Iterator[Outcome]:
        """Outcomes of ``logins`` in order, BATCH_SIZE logins per call into V8, consuming
        ``logins`` lazily (memory stays flat however many logins stream through). A login is
        the part of a payload that differs per login; ``shared`` is the rest, sent once a batch.
        Same outcomes as one by one (a test checks it).

        A batch gets the time limit of one login plus a little per login; if it runs out (a
        login that loops) or hits the memory cap, its logins are run one by one, so each
        gets its own limit and its own outcome.
        """
        if not self._can_drain or self.warm:  # warm: a batch's fallback would replay logins
            for login in logins:
                yield self._execute({**login, **shared}, limit)
            return
        shared = {**shared, "timeLimitMs": limit * 1000.0}
        source = iter(logins)
        pending = _Chunk.read(source, shared)
        pending.encode()
        upcoming = _Chunk([], shared)
        reply: str | None = None  # the last batch's answer, decoded while V8 runs the next
        while pending.logins:
            # The next logins are read now, while V8 is idle (reading runs the caller's code,
            # which may call into V8 too); they are encoded, and the last answer decoded,
            # while V8 runs this batch: on two CPUs the two overlap (measured: +55% logins/s).
            # After a bad login (reading or encoding failed), nothing more is read: the logins
            # before it run, then its error is raised.
            upcoming = (_Chunk.read(source, shared) if pending.failure is None
                        else _Chunk([], shared))
            overlap = _Overlap(upcoming, reply, self._decode)
            reply = yield from self._run_chunk(pending, limit, overlap)
            yield from overlap.take()
            upcoming.encode()
            if not upcoming.logins:
                break
            pending = upcoming
        if reply is not None:
            yield from self._decode(reply)[2]
        pending.raise_failure()
        upcoming.raise_failure()

    def _run_chunk(self, chunk: _Chunk, limit: float,
                   overlap: _Overlap) -> Generator[Outcome, None, str | None]:
        """Calls into V8 until every login of ``chunk`` has an outcome. The outcomes of the
        last batch (``overlap``) come first; returns the answer instead of its outcomes when
        one call settled every login (it is decoded while V8 runs the next batch)."""
        pending, shared = chunk.logins, chunk.shared
        text = chunk.text()
        if len(text) > _BATCH_TEXT_LIMIT and len(pending) > 1:  # huge logins: one per call
            yield from overlap.take()
            for login in pending:
                yield self._execute({**login, **shared}, limit)
            return None
        while True:
            try:
                reply = self._engine.call(self._batch, text, timeout=limit + 0.005 * len(pending),
                                          short=False, meanwhile=overlap)
            except (TimeLimitExceeded, MemoryLimitExceeded, ScriptError):
                yield from overlap.take()
                for login in pending:
                    yield self._execute({**login, **shared}, limit)
                return None
            except Exception:  # closed from another thread, say: the last batch's outcomes first
                yield from overlap.take()
                raise
            if isinstance(reply, str) and reply.startswith(f'{{"index":{len(pending)},"need":null,'):
                return reply  # every login settled (the harness writes this prefix)
            yield from overlap.take()
            index, need, outcomes = self._decode(reply)
            yield from outcomes
            if need is not None:
                self._load_module(need)
            elif index < len(pending):  # not settled within the call: step it alone
                yield self._execute({**pending[index], **shared}, limit)
                index += 1
            pending = pending[index:]
            if not pending:
                return None
            text = _batch_text(shared, pending)

    @staticmethod
    def _collect(outcomes: Iterator[Outcome]) -> list[Outcome]:
        """Every outcome, without full collections while they pile up: one in the middle walks
        the caller's whole heap (measured: rounds of 10,000 Actions logins dipped from 90,000
        to 57,000 logins/s). The automatic collector is paused, and the young generations are
        collected once per batch instead, so reference cycles the caller's code makes while
        the logins are read are still freed as it goes. ``iter_batch`` leaves GC alone."""
        collected: list[Outcome] = []
        paused = gc.isenabled()
        with _gc_paused():
            for outcome in outcomes:
                collected.append(outcome)
                if paused and len(collected) % BATCH_SIZE == 0:
                    gc.collect(1)
        return collected

    def _decode(self, reply: str) -> tuple[int, Any, list[Outcome]]:
        """A batch's answer: how many logins settled, the module needed next, their outcomes."""
        with _gc_paused():
            data = _loads(reply)
            return data["index"], data["need"], [self._outcome(result) for result in data["results"]]

    def reset_container(self) -> None:
        """With ``warm=True``: forget what earlier logins left in the container (a Rule's
        ``global``; an Action's module-level state and ``api.cache``), as a new one would."""
        self._engine.call(self._reset_warm)

    def _current(self) -> str | None:
        try:
            current = self._engine.eval(f"{self.api}.current()", timeout=5)
        except EngineError:
            return None
        return current if isinstance(current, str) else None

    def _failure(self, name: str, current: str | None, message: str) -> Outcome:
        return Outcome(kind=self.kind, error={"name": name, "message": message, "rule": current})

    def _outcome(self, data: dict[str, Any]) -> Outcome:
        error = data["error"]
        if error is not None:
            stack = error.pop("stack", None)
            at = self._locate_stack(stack) if isinstance(stack, str) else None
            if at is not None:
                error["at"] = at
        return Outcome._from_fields({
            "kind": self.kind, "mfa": data["mfa"], "denied": data["denied"], "error": error,
            "id_token_claims": data["id_token_claims"],
            "access_token_claims": data["access_token_claims"],
            "app_metadata_updates": data["app_metadata_updates"],
            "user_metadata_updates": data["user_metadata_updates"],
            "redirect": data["redirect"], "logs": data["logs"], "rules_run": data["rules_run"],
            "extra": data.get("extra") or {}})

    def _locate_stack(self, stack: str) -> str | None:
        by_file = {artifact.file_name: artifact for artifact in self.artifacts}
        for match in _FRAME.finditer(stack):
            artifact = by_file.get(match["file"])
            if artifact is not None:
                path, line = artifact.locate(artifact.from_v8_line(int(match["line"])))
                return f"{path}:{line}"
        return None

    # ------------------------------------------------------------------------------ modules
    def _preload_packages(self) -> None:
        """A warm container gets its packages before the first login: a package loaded midway
        would make the login start over, repeating what it did to the container. Loaded: what
        the code names in ``require('...')``, and, from each package.json, its dependencies,
        each found as Node finds it (the package's own node_modules first, then upwards)."""
        if self.modules is None:
            return
        root = self.modules
        wanted: list[tuple[str, Path | None]] = [
            (name, None) for artifact in self.artifacts for name in _required_packages(artifact.code)]
        seen: set[Path] = set()
        while wanted:
            name, within = wanted.pop()
            folder = _find_package(root, name, within)
            if folder is None or folder in seen:
                continue
            seen.add(folder)
            virtual = "/node_modules/" + folder.relative_to(root).as_posix()
            if virtual not in self._loaded_dirs:
                self._engine.call(self._add_files, json.dumps(self._package_files(folder, virtual)))
                self._loaded_dirs.add(virtual)
            try:
                manifest = json.loads((folder / "package.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            for field in ("dependencies", "optionalDependencies", "peerDependencies"):
                listed = manifest.get(field) if isinstance(manifest, dict) else None
                if isinstance(listed, dict):
                    wanted.extend((str(dependency), folder) for dependency in listed)

    def _late_package(self, need: dict[str, Any]) -> EngineError:
        return EngineError(
            f"warm container: {self.noun} '{self._current()}' first required {need['request']!r} "
            f"midway through a login; running the login again would repeat what it already did "
            f"to the container. rulekit loads, before the first login, the packages the code "
            f"names in require('...') and their package.json dependencies: name it so, or list "
            f"it as a dependency.")

    def _load_module(self, need: dict[str, Any]) -> None:
        current = self._current()
        request = need["request"]
        for candidate in need["candidates"]:
            if self.modules is None or candidate in self._loaded_dirs:
                continue
            folder = self.modules / candidate.removeprefix("/node_modules/")
            if folder.is_dir():
                files = self._package_files(folder, candidate)
                self._engine.call(self._add_files, json.dumps(files))
                self._loaded_dirs.add(candidate)
                return
        where = (f"not found in {self.modules} (a package that does I/O: --stub NAME=FILE)"
                 if self.modules is not None
                 else "and no node_modules folder was given (--modules DIR; for a package "
                      "that does I/O, --stub NAME=FILE)")
        origin = next((a.origin for a in self.artifacts if a.name == current), None)
        if str(request).removeprefix("node:") in _NODE_IO_BUILTINS:
            raise ModuleNotFound(
                f"{self.noun} '{current}' requires {request!r}: a Node built-in that rulekit "
                f"does not emulate (it has: {', '.join(sorted(need.get('builtins', [])))}); "
                "give the test a stand-in with --stub NAME=FILE", path=origin)
        raise ModuleNotFound(
            f"{self.noun} '{current}' requires {request!r}: not a Node built-in, not a stub, {where}",
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
        engine = getattr(self, "_engine", None)
        if engine is not None:
            if not engine.closed:
                _observers.closing(engine.eval)  # coverage reads its counters before V8 goes
            engine.close()

    @property
    def closed(self) -> bool:
        return self._engine.closed

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
