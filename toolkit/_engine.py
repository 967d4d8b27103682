"""The V8 engine: one mini-racer context, its limits, and the one place that maps its errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
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


class Engine:
    """One V8 context with a heap cap. Use as a context manager; ``close()`` is idempotent."""

    def __init__(self, *, memory_limit: int = DEFAULT_MEMORY_LIMIT) -> None:
        _prepare_v8()
        self.memory_limit = memory_limit
        self._racer: MiniRacer | None = MiniRacer()
        self._racer.set_hard_memory_limit(memory_limit)

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
        """Call a JavaScript function handle obtained from :meth:`eval` (one call into V8)."""
        self._live()
        try:
            with map_engine_errors():
                return function(*args, timeout_sec=timeout)
        except ScriptError:
            self._raise_if_out_of_memory(None)
            raise

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

