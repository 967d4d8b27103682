"""The V8 engine: one mini-racer context, its limits, and the one place that maps its errors."""

from __future__ import annotations

import asyncio
import json
import math
import re
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from importlib.resources import files
from types import TracebackType
from typing import Any

from py_mini_racer import DEFAULT_V8_FLAGS, LibAlreadyInitializedError, MiniRacer, init_mini_racer
from py_mini_racer import _exc as mr_exc

from .errors import EngineError, RuleSyntaxError

__all__ = [
    "DEFAULT_MEMORY_LIMIT",
    "Engine",
    "MemoryLimitExceeded",
    "ScriptError",
    "TimeLimitExceeded",
    "load_runtime_js",
    "map_engine_errors",
]

DEFAULT_MEMORY_LIMIT = 256 * 1024 * 1024  # bytes of V8 heap per engine

_LOCATION = re.compile(r"^(?P<file>[^\n]*?):(?P<line>\d+): (?P<message>[^\n]*)")


class TimeLimitExceeded(EngineError):
    """Raised when JavaScript ran longer than the time it was given (the engine recovers)."""


class MemoryLimitExceeded(EngineError):
    """Raised when the V8 heap reached the engine's hard memory limit (the engine recovers)."""


class ScriptError(EngineError):
    """Raised when JavaScript threw an exception that reached Python."""


def load_runtime_js(name: str) -> str:
    """Return the text of one of the JavaScript files shipped in ``toolkit/runtime``."""
    return files("toolkit.runtime").joinpath(name).read_text(encoding="utf-8")


def _locate(message: str) -> tuple[int | None, str]:
    match = _LOCATION.match(message)
    if match is None:
        return None, message.strip().splitlines()[0] if message.strip() else message
    return int(match["line"]), match["message"]


@contextmanager
def map_engine_errors(*, path: str | None = None) -> Iterator[None]:
    """Turn every mini-racer exception into a rulekit one (``raise ... from``).

    ``path`` names the script being evaluated so that a syntax error points at it; the
    caller maps the line further (to a template) when it has a source map.
    """
    try:
        yield
    except mr_exc.JSParseException as exc:
        line, message = _locate(str(exc))
        raise RuleSyntaxError(message, path=path, line=line) from exc
    except mr_exc.JSTimeoutException as exc:
        raise TimeLimitExceeded("time limit exceeded", path=path) from exc
    except mr_exc.JSOOMException as exc:
        raise MemoryLimitExceeded("memory limit exceeded", path=path) from exc
    except mr_exc.JSTerminatedException as exc:
        raise EngineError("JavaScript execution was terminated", path=path) from exc
    except mr_exc.JSEvalException as exc:  # also JSKeyError, JSValueError
        line, message = _locate(str(exc))
        raise ScriptError(message, path=path, line=line) from exc
    except (mr_exc.JSPromiseError, mr_exc.JSArrayIndexError, mr_exc.JSConversionException,
            mr_exc.WrongReturnTypeException) as exc:
        raise EngineError(f"V8 bridge error: {exc}", path=path) from exc
    except mr_exc.MiniRacerBaseException as exc:
        raise EngineError(f"V8 error: {exc}", path=path) from exc


_v8_prepared = False


def _prepare_v8() -> None:
    """Start V8 with natives syntax, so the harness can drain microtasks itself
    (%PerformMicrotaskCheckpoint) and finish an asynchronous login within one call.

    If something else in the process started V8 first, the harness falls back to one call per
    pending step; results are the same, only slower.
    """
    global _v8_prepared
    if not _v8_prepared:
        _v8_prepared = True
        try:
            init_mini_racer(flags=[*DEFAULT_V8_FLAGS, "--allow-natives-syntax"])
        except LibAlreadyInitializedError:
            pass


def _event_loop(racer: MiniRacer) -> asyncio.AbstractEventLoop | None:
    """mini-racer's own event loop (where its calls run), unless we are on it already."""
    loop: asyncio.AbstractEventLoop | None = getattr(getattr(racer, "_ctx", None), "event_loop", None)
    return None if loop is None or _running_loop() is loop else loop


def _limited(loop: asyncio.AbstractEventLoop, call: Callable[[], Coroutine[Any, Any, Any]],
             timeout: float) -> Any:
    """Run ``call()`` on mini-racer's loop, waiting at most ``timeout`` seconds; past it the
    JavaScript is terminated (the context stays usable), as mini-racer's ``timeout_sec`` does.
    mini-racer's ``asyncio.wait_for`` costs an extra Task per call; a timed wait costs nothing."""
    future = asyncio.run_coroutine_threadsafe(call(), loop)
    try:
        return future.result(timeout)
    except TimeoutError:
        if not future.cancel():  # it finished in the meantime
            return future.result()
        # Cancelling reaches mini-racer's task (which terminates the script) before this no-op.
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0), loop).result()
        raise mr_exc.JSTimeoutException from None


# Past this, a string argument goes through mini-racer's call: one round trip saved no longer
# pays for escaping the text and scanning it as a literal (measured on 1 MB batches).
_SCRIPT_STRING_MAX = 64 * 1024


def _literal(value: Any) -> str | None:
    """``value`` as a JavaScript literal, for the plain values a call can carry in its script."""
    if isinstance(value, str):
        # ASCII-only: lone surrogates survive, and so do U+2028/9.
        return json.dumps(value) if len(value) <= _SCRIPT_STRING_MAX else None
    if value is None or isinstance(value, bool) or (isinstance(value, float) and math.isfinite(value)):
        return json.dumps(value)
    if isinstance(value, int) and abs(value) < 2**53:
        return str(value)
    return None


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Engine:
    """One V8 context with a heap cap. Use as a context manager; ``close()`` is idempotent."""

    def __init__(self, *, memory_limit: int = DEFAULT_MEMORY_LIMIT) -> None:
        _prepare_v8()
        self.memory_limit = memory_limit
        self._racer: MiniRacer | None = MiniRacer()
        self._racer.set_hard_memory_limit(memory_limit)
        # Functions Engine.call has seen, by slot in a script-level array (see call()).
        self._slots: dict[int, tuple[Any, int]] = {}
        self._register: Any = None

    @property
    def closed(self) -> bool:
        return self._racer is None

    def _live(self) -> MiniRacer:
        if self._racer is None:
            raise EngineError("the engine is closed")
        return self._racer

    def eval(self, code: str, *, timeout: float | None = None, path: str | None = None) -> Any:
        """Evaluate a script; the value of its last expression comes back converted."""
        racer = self._live()
        try:
            with map_engine_errors(path=path):
                return racer.eval(code, timeout_sec=timeout)
        except ScriptError:
            self._raise_if_out_of_memory(path)
            raise

    def call(self, function: Any, *args: Any, timeout: float | None = None) -> Any:
        """Call a JavaScript function handle obtained from :meth:`eval` (one call into V8).

        With plain arguments (numbers, booleans, None, strings up to 64 kB) the call is a script,
        ``(0, slots[N])("...")``: mini-racer runs a function call as three round trips to its V8
        thread (build the arguments array, fill it, call), a script as one, which halves the
        cost of a call. Other arguments (JavaScript objects) go through mini-racer's call.
        """
        racer = self._live()
        try:
            with map_engine_errors():
                literals = [text for text in map(_literal, args) if text is not None]
                loop = _event_loop(racer)
                if loop is None or len(literals) != len(args):
                    if timeout is None:
                        return function(*args)
                    if loop is None:
                        return function(*args, timeout_sec=timeout)
                    cancelable = function.cancelable()
                    return _limited(loop, lambda: cancelable(*args), timeout)
                # (0, f)(...): `this` is undefined, as in mini-racer's call, not the array.
                script = f"(0, __rulekitEngineSlots[{self._slot(function)}])({','.join(literals)})"
                if timeout is None:
                    return racer.eval(script)
                return _limited(loop, lambda: racer.eval_cancelable(script), timeout)
        except ScriptError:
            self._raise_if_out_of_memory(None)
            raise
        except MemoryLimitExceeded:
            # A script reports the heap cap itself (a function call only says "null"): clear the
            # isolate's flag the same way, so the next call runs.
            if racer.was_hard_memory_limit_reached():
                racer.set_hard_memory_limit(self.memory_limit)
            raise

    def _slot(self, function: Any) -> int:
        known = self._slots.get(id(function))
        if known is not None and known[0] is function:
            return known[1]
        if self._register is None:
            # A script-level const: code run in this context cannot delete or reassign it.
            self._register = self._live().eval(
                "const __rulekitEngineSlots = []; (f) => __rulekitEngineSlots.push(f) - 1")
        slot = int(self._register(function))
        self._slots[id(function)] = (function, slot)  # keeps the handle alive, so ids stay unique
        return slot

    def _raise_if_out_of_memory(self, path: str | None) -> None:
        # A function call that hits the heap cap surfaces as a bare JSEvalException ("null");
        # the isolate's flag tells the truth. Setting the limit again clears the flag.
        racer = self._live()
        if racer.was_hard_memory_limit_reached():
            racer.set_hard_memory_limit(self.memory_limit)
            raise MemoryLimitExceeded("memory limit exceeded", path=path) from None

    def close(self) -> None:
        racer, self._racer = self._racer, None
        if racer is not None:
            racer.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


# Keep the names of every exception class mini-racer defines, so a test can prove each is mapped.
MINI_RACER_EXCEPTIONS: tuple[type[BaseException], ...] = tuple(
    obj for obj in vars(mr_exc).values()
    if isinstance(obj, type) and issubclass(obj, mr_exc.MiniRacerBaseException)
)

