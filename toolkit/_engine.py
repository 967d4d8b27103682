"""The V8 engine: one mini-racer context, its limits, and the one place that maps its errors."""

from __future__ import annotations

import ctypes
import itertools
import json
import math
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.resources import files
from types import TracebackType
from typing import Any

from py_mini_racer import (
    DEFAULT_V8_FLAGS,
    JSUndefined,
    LibAlreadyInitializedError,
    MiniRacer,
    init_mini_racer,
)
from py_mini_racer import _exc as mr_exc

try:  # the type tag of a UTF-8 string in mini-racer's value handles (internal; see _DirectTasks)
    from py_mini_racer._objects import _MiniRacerTypes
    _STR_UTF8: int | None = int(_MiniRacerTypes.str_utf8)
except (ImportError, AttributeError):  # pragma: no cover - another mini-racer layout
    _STR_UTF8 = None

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
    except UnicodeEncodeError as exc:  # a lone surrogate in a script or a long string argument
        raise EngineError("a string with a lone surrogate cannot be handed to V8 as UTF-8: "
                          "pass it JSON-encoded instead", path=path) from exc
    except UnicodeDecodeError as exc:  # mini-racer cannot hand back a lone surrogate
        raise EngineError("V8 returned a string Python cannot read (a lone surrogate); return "
                          "JSON.stringify(value) instead, which escapes it", path=path) from exc


# V8's String::kMaxLength on 64-bit machines, counted by mini-racer in UTF-8 bytes (measured:
# 536,870,888 bytes of text go through; one more and V8 aborts the whole process).
V8_MAX_STRING_BYTES = (1 << 29) - 24


def _check_fits(value: Any) -> None:
    """EngineError for a str or bytes too long for a V8 string, before it reaches mini-racer
    (which would take the whole process down with 'Fatal error in v8::ToLocalChecked')."""
    if isinstance(value, bytes):
        size = len(value)
    elif isinstance(value, str) and len(value) > V8_MAX_STRING_BYTES // 4:  # 4 bytes/char at most
        size = len(value.encode("utf-8", "surrogatepass"))
    else:
        return
    if size > V8_MAX_STRING_BYTES:
        raise EngineError(f"a text of {size:,} bytes cannot go to V8: its strings hold at most "
                          f"{V8_MAX_STRING_BYTES:,} bytes (UTF-8)")


def _utf8(data: bytes) -> str:
    """``data`` decoded, for a bytes argument of Engine.call (which must be UTF-8 text)."""
    try:
        return data.decode()
    except UnicodeDecodeError as exc:
        raise EngineError(f"an argument is not UTF-8 text (bad byte at offset {exc.start})") from None


class _LoneSurrogate(Exception):
    """The one string argument cannot go to V8 as UTF-8: Engine.call writes it into a script."""


class _MeanwhileFailed(BaseException):
    """Carries what ``meanwhile`` raised past the error mapping, untouched (Engine.call
    unwraps it): its errors are the caller's, not the engine's."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(error)
        self.error = error


def _run_meanwhile(meanwhile: Callable[[], None]) -> None:
    try:
        meanwhile()
    except BaseException as exc:
        raise _MeanwhileFailed(exc) from None


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


# Past this, a string argument is handed to V8 as a value rather than as a literal in the
# call's script: escaping and scanning a long literal costs more than the extra hand-over.
_SCRIPT_STRING_MAX = 64 * 1024

# After cancelling a script that ran past its time limit, how long to wait for V8 to confirm.
_CANCEL_GRACE_S = 5.0


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


# How long a caller yields its CPU to V8 before it sleeps: a one-login call ends well within
# it; a batch of logins takes milliseconds and sleeps after this short while.
_SPIN_S = 300e-6


def _wait(done: Any, box: list[Any], timeout: float | None, *, spin: bool) -> bool:
    """Wait until V8 has answered (``box`` is filled, then ``done`` released): True, or False
    once ``timeout`` seconds (None: no limit) have passed without an answer."""
    if spin and _yield is not None:
        start = time.perf_counter()
        until = start + (_SPIN_S if timeout is None else min(_SPIN_S, timeout))
        while not box:
            if time.perf_counter() >= until:
                break
            _yield()  # lets V8's thread run here, and releases the GIL its callback needs
        else:
            done.acquire()  # released right after the box was filled
            return True
        if timeout is not None:
            timeout = max(timeout - (time.perf_counter() - start), 0.0)
    return bool(done.acquire(timeout=-1 if timeout is None else timeout))


_yield: Callable[[], None] | None = getattr(os, "sched_yield", None)


class _Follower:
    """Keeps one thread (V8's) on the CPU of whichever thread calls ``follow()`` (Linux only)."""

    def __init__(self, getcpu: Callable[[], int]) -> None:
        self._getcpu = getcpu
        self.thread: int | None = None  # V8's native thread id, learnt from its first callback
        self.refused = False  # the system refused to pin it: never try again
        self._cpu = -1  # where it is pinned; -1: not pinned
        self._free: set[int] = set()  # the CPUs it may use when not pinned

    @classmethod
    def create(cls) -> _Follower | None:
        if not hasattr(os, "sched_setaffinity") or _yield is None:
            return None
        try:
            getcpu = ctypes.CDLL(None).sched_getcpu
        except (OSError, AttributeError):
            return None
        getcpu.restype = ctypes.c_int
        getcpu.argtypes = []
        return cls(getcpu)

    def learn(self, thread: int) -> None:
        """V8's native thread id (its completion callbacks run on it)."""
        if self.thread is None and not self.refused:
            self.thread = thread

    def follow(self) -> None:
        """Move V8's thread to the calling thread's CPU (a system call only when it differs)."""
        if self.thread is None:
            return
        cpu = self._getcpu()
        if cpu != self._cpu and cpu >= 0:
            self._pin({cpu}, cpu)

    def release(self) -> None:
        """Let V8's thread run on any CPU again (a long call: the scheduler places it best)."""
        if self.thread is not None and self._cpu != -1:
            self._pin(self._free, -1)

    def _pin(self, cpus: set[int], cpu: int) -> None:
        assert self.thread is not None
        try:
            if not self._free:
                self._free = os.sched_getaffinity(self.thread)
            os.sched_setaffinity(self.thread, cpus)
        except OSError:  # not allowed here (a cpuset, a sandbox): stop trying
            self.thread, self.refused = None, True
            return
        self._cpu = cpu


class _DirectTasks:
    """Scripts run on V8's thread, awaited on the calling thread.

    mini-racer runs every evaluation through its asyncio loop: the caller hands the work to the
    loop's thread, which hands it to V8's thread, and the answer travels back the same way, four
    thread switches for each call (measured: about 100 of the 130 µs of a bare call, on 2 CPUs).
    Here the caller starts the task itself and waits for V8's completion callback: two switches.
    The values, errors and cancellation are mini-racer's own (its value conversion, its task
    cancellation, which always reports back: "execution terminated").

    Where the switches happen matters as much as how many there are: waking a thread that sleeps
    on another CPU costs 15-25 µs in a virtual machine. So V8's thread is kept on the CPU the
    caller runs on (``_Follower``), and the caller waits by yielding that CPU for a short while
    before it sleeps: V8 runs at once, and the caller finds the answer without being woken
    (measured on 2 CPUs: a bare call 25 µs instead of 80, and one CPU busy instead of two).

    This reaches into mini-racer's context (pinned to 0.14.x in pyproject.toml; a test checks
    the direct path is in use, so an upgrade that moves these names fails loudly, not slowly).
    """

    _FIRST_ID = 1 << 62  # far above the ids mini-racer hands out (it counts up from 1)

    def __init__(self, racer: MiniRacer) -> None:
        ctx = racer._ctx
        if ctx is None:
            raise EngineError("the engine is closed")
        self._ctx: Any = ctx
        self._dll: Any = ctx._dll
        self._raw_ctx: Any = ctx._ctx
        self._to_handle = ctx._python_to_value_handle
        self._to_python = ctx._value_handle_to_python
        self._wrap = ctx._wrap_raw_handle
        self._ids = itertools.count(self._FIRST_ID)
        self._waiting: dict[int, tuple[Any, list[Any]]] = {}
        self._task: int | None = None  # the task running now
        self._closing = False  # close() has begun: every task is stopped as it starts
        self._cancelled = False  # a cancel was sent: flush its stop request after the call
        self._no_arguments: Any = None  # an empty JS array: the arguments of call()
        self._follower = _Follower.create()
        delegate = ctx.handle_callback_from_v8

        def route(callback_id: int, raw: Any) -> None:
            # Runs on V8's thread with the GIL: wrap the handle (so it is freed) and wake the caller.
            waiter = self._waiting.pop(callback_id, None)
            if waiter is None:
                delegate(callback_id, raw)
                return
            if self._follower is not None:
                self._follower.learn(threading.get_native_id())
            waiter[1].append(self._wrap(raw))
            waiter[0].release()

        # The context's C callback looks this attribute up on every completion.
        object.__setattr__(ctx, "handle_callback_from_v8", route)

    @classmethod
    def attach(cls, racer: MiniRacer) -> _DirectTasks | None:
        """The direct path for ``racer``, or None if this mini-racer is not laid out as expected."""
        ctx = getattr(racer, "_ctx", None)
        needed = ("_dll", "_ctx", "_python_to_value_handle", "_value_handle_to_python",
                  "_wrap_raw_handle", "handle_callback_from_v8")
        if ctx is None or _STR_UTF8 is None or not all(hasattr(ctx, name) for name in needed):
            return None
        return cls(racer)

    def eval(self, script: str, timeout: float | None, *, short: bool = True) -> Any:
        """Run ``script``; the caller makes sure calls do not overlap (Engine's lock).

        ``short=False`` says the script will run for milliseconds (a batch of logins): then V8
        is left where it is and the caller sleeps at once (measured: following and yielding
        cost a batch 5-15%, while they halve a one-login call)."""
        code = self._to_handle(script)
        return self._run(self._dll.mr_eval, (code.raw,), timeout, short)

    def call(self, function: Any, this: Any, timeout: float | None, *, short: bool = True,
             meanwhile: Callable[[], None] | None = None) -> Any:
        """Call ``function`` (a JSFunction) with ``this`` (a Python value mini-racer converts)
        and no arguments. Unlike a script, nothing is compiled: a string handed over this way
        costs no escaping, no scanning, and no entry in V8's compilation cache (measured with
        a new 2 kB string each call: 24 µs instead of 38). Raises UnicodeEncodeError for a
        string UTF-8 cannot hold (a lone surrogate), before anything runs (as _LoneSurrogate).

        ``this`` may be ``bytes`` of UTF-8 text: V8 gets them as a string as they are, without
        the round trip through a Python str (decode, then encode again) that a str costs."""
        if isinstance(this, bytes):
            this_handle = self._wrap(self._dll.mr_alloc_string_val(
                self._raw_ctx, this, len(this), _STR_UTF8))
        else:
            try:
                this_handle = self._to_handle(this)
            except UnicodeEncodeError as exc:
                raise _LoneSurrogate from exc
        function_handle = self._to_handle(function)
        if self._no_arguments is None:
            self._no_arguments = self._to_handle(self.eval("[]", None))
        try:
            return self._run(self._dll.mr_call_function,
                             (function_handle.raw, this_handle.raw, self._no_arguments.raw),
                             timeout, short, meanwhile)
        except mr_exc.JSEvalException as exc:
            # mini-racer's function call reports a stopped script as a bare "null" (a script
            # reports JSTerminatedException; a real `throw null` carries a location); so does
            # the heap cap, which Engine.call tells apart by the isolate's flag.
            if str(exc) == "null\n" and not self._dll.mr_hard_memory_limit_reached(self._raw_ctx):
                raise mr_exc.JSTerminatedException(str(exc)) from exc
            raise

    def _run(self, start: Any, handles: tuple[Any, ...], timeout: float | None,
             short: bool, meanwhile: Callable[[], None] | None = None) -> Any:
        """Run one task and wait for its answer. ``meanwhile`` runs in this thread while V8
        works (it holds the GIL, which V8 does not need until it answers); its time counts
        against ``timeout``, and if it raises, the task is stopped before the error goes on."""
        if timeout is not None and not timeout < threading.TIMEOUT_MAX:
            timeout = None  # "forever" in any spelling (inf, 1e10): a lock cannot wait longer
        elif timeout is not None:
            timeout = max(timeout, 0.0)
        if self._task is not None:  # the same thread, from inside meanwhile: the RLock lets it in
            raise EngineError("the engine is running a call already (meanwhile may not call it)")
        done, box, callback_id = self._waiter()
        if self._follower is not None:
            if short:
                self._follower.follow()
            else:
                self._follower.release()
        self._task = start(self._raw_ctx, *handles, callback_id)
        if self._closing:  # close() came in before the task existed: it cannot have stopped it
            self._dll.mr_cancel_task(self._raw_ctx, self._task)
        try:
            try:
                if meanwhile is not None:
                    began = time.monotonic()
                    _run_meanwhile(meanwhile)
                    if timeout is not None:
                        timeout = max(timeout - (time.monotonic() - began), 0.0)
                finished = _wait(done, box, timeout, spin=short)
            except BaseException:  # KeyboardInterrupt while waiting, meanwhile failed: stop it
                if not box:
                    self._cancel(self._task, done, box)
                raise
            if not finished:
                if not self._cancel(self._task, done, box):
                    raise mr_exc.JSTimeoutException
                try:
                    return self._to_python(box[0])
                except mr_exc.JSTerminatedException:  # stopped by the cancel: the time limit
                    raise mr_exc.JSTimeoutException from None
            return self._to_python(box[0])
        finally:
            self._task = None
            self._waiting.pop(callback_id, None)  # a late answer is then freed by mini-racer
            if self._cancelled and not self._closing:
                self._flush()

    def _flush(self) -> None:
        """Absorb a stop request a cancel left pending (it came after the script had ended,
        e.g. while V8 converted a large result): otherwise it would kill the next call."""
        self._cancelled = False
        done, _, callback_id = self._waiter()
        code = self._to_handle("undefined")
        self._dll.mr_eval(self._raw_ctx, code.raw, callback_id)
        if not done.acquire(timeout=_CANCEL_GRACE_S):
            self._waiting.pop(callback_id, None)

    def _waiter(self) -> tuple[Any, list[Any], int]:
        """A held lock and an empty box for one task's answer, under a fresh callback id."""
        done = threading.Lock()
        done.acquire()
        box: list[Any] = []
        callback_id = next(self._ids)
        self._waiting[callback_id] = (done, box)
        return done, box, callback_id

    def cancel_running(self) -> None:
        """Stop the script that is running now, and any started from now on (for close(), from
        any thread; a stopped script reports back)."""
        self._closing = True
        task = self._task
        if task is not None:
            self._dll.mr_cancel_task(self._raw_ctx, task)

    def _cancel(self, task: int, done: Any, box: list[Any]) -> bool:
        """Stop ``task``; True once V8 has reported back (it does, with the script's end)."""
        if box:
            return True  # it had ended already
        self._cancelled = True
        self._dll.mr_cancel_task(self._raw_ctx, task)
        return bool(done.acquire(timeout=_CANCEL_GRACE_S))

    def set_item(self, target: Any, key: int, value: Any) -> None:
        """``target[key] = value`` in V8 (a synchronous call into mini-racer)."""
        self._ctx.set_object_item(target, key, value)


class Engine:
    """One V8 context with a heap cap. Use as a context manager; ``close()`` is idempotent."""

    def __init__(self, *, memory_limit: int = DEFAULT_MEMORY_LIMIT) -> None:
        _prepare_v8()
        self.memory_limit = memory_limit
        self._racer: MiniRacer | None = MiniRacer()
        self._racer.set_hard_memory_limit(memory_limit)
        self._direct = _DirectTasks.attach(self._racer)
        # Functions Engine.call has seen, by slot in a script-level array (see call()).
        self._slots: dict[int, tuple[Any, Any]] = {}
        self._register: Any = None
        self._arguments: Any = None  # a script-level array for arguments that are not literals
        self._unaries: dict[int, tuple[Any, Any]] = {}  # function -> its one-string trampoline
        self._make_unary: Any = None
        self._lock = threading.RLock()  # one call at a time per engine, whichever thread calls

    @property
    def closed(self) -> bool:
        return self._racer is None

    @property
    def direct(self) -> bool:
        """True when calls skip mini-racer's event loop (see ``_DirectTasks``)."""
        return self._direct is not None

    def _live(self) -> MiniRacer:
        if self._racer is None:
            raise EngineError("the engine is closed")
        return self._racer

    def _run(self, script: str, timeout: float | None, *, short: bool = True) -> Any:
        _check_fits(script)
        with self._lock:  # close() waits for it, so the context outlives the call
            racer = self._live()
            if self._direct is not None:
                return self._direct.eval(script, timeout, short=short)
        return racer.eval(script, timeout_sec=timeout)

    def eval(self, code: str, *, timeout: float | None = None, path: str | None = None) -> Any:
        """Evaluate a script; the value of its last expression comes back converted."""
        try:
            with map_engine_errors(path=path):
                return self._run(code, timeout)
        except ScriptError:
            self._raise_if_out_of_memory(path)
            raise
        except MemoryLimitExceeded:
            self._clear_memory_flag()
            raise

    def call(self, function: Any, *args: Any, timeout: float | None = None,
             short: bool = True, meanwhile: Callable[[], None] | None = None) -> Any:
        """Call a JavaScript function handle obtained from :meth:`eval` (one call into V8).

        With no argument or one string, the call is a function call with the string as ``this``
        of a trampoline (``_DirectTasks.call``): nothing is compiled. Otherwise it is a script,
        ``(0, slots[N])("...")``, with plain arguments (numbers, booleans, None, strings up to
        64 kB) written into it as literals: mini-racer runs a function call
        as three round trips to V8's thread (build the arguments array, fill it, call), a script
        as one. Other arguments (JavaScript objects, long strings) are first stored in a
        script-level array, one synchronous hand-over each. ``short=False`` tells the engine the
        call will take milliseconds (a batch of logins; see ``_DirectTasks.eval``).

        A ``bytes`` argument is UTF-8 text and arrives as a string; as the one argument it goes
        over as it is (JSON from orjson, say: no decoding into a str and encoding back).
        Bytes that are not UTF-8 raise EngineError.

        ``meanwhile`` is Python work to do while V8 runs the call (a batch encodes the next
        batch): with the direct path it overlaps the call, otherwise it runs just before it.
        It runs once the call has started (not if it could not start); if it raises, the call
        is stopped and its error goes to the caller.
        """
        try:
            with map_engine_errors(), self._lock:
                self._live()
                for arg in args:
                    _check_fits(arg)
                if self._direct is not None and len(args) <= 1 and all(
                        isinstance(arg, str | bytes) for arg in args):
                    if args and isinstance(args[0], bytes) and not args[0].isascii():
                        _utf8(args[0])  # V8 would turn bad bytes into U+FFFD: refuse them
                    try:  # the common case (no argument, or one string): no script at all
                        return self._direct.call(self._unary(function) if args else function,
                                                 args[0] if args else JSUndefined, timeout,
                                                 short=short, meanwhile=meanwhile)
                    except _LoneSurrogate:
                        pass  # a lone surrogate: the script below writes it as an escape
                args = tuple(_utf8(arg) if isinstance(arg, bytes) else arg for arg in args)
                if meanwhile is not None:  # the call can start: do the caller's work first
                    _run_meanwhile(meanwhile)
                slot = self._slot(function)
                literals = list(map(_literal, args))
                stored = [index for index, text in enumerate(literals) if text is None]
                if stored and self._direct is None:
                    return function(*args) if timeout is None else function(*args, timeout_sec=timeout)
                try:
                    for index in stored:
                        assert self._direct is not None
                        self._direct.set_item(self._argument_array(), index, args[index])
                        literals[index] = f"__rulekitEngineArgs[{index}]"
                except BaseException:
                    if stored:  # keep nothing alive from a call that did not happen
                        self._run("__rulekitEngineArgs.length = 0", None)
                    raise
                listed = ",".join(text or "" for text in literals)
                # (0, f)(...): `this` is undefined, as in mini-racer's call, not the array. The
                # arguments array is emptied before the call, so it keeps nothing alive.
                script = (f"__rulekitEngineApply({slot}, [{listed}])" if stored
                          else f"(0, __rulekitEngineSlots[{slot}])({listed})")
                return self._run(script, timeout, short=short)
        except ScriptError:
            self._raise_if_out_of_memory(None)
            raise
        except MemoryLimitExceeded:
            self._clear_memory_flag()
            raise
        except _MeanwhileFailed as failed:
            raise failed.error from None

    @staticmethod
    def _per_function(cache: dict[int, tuple[Any, Any]], function: Any,
                      make: Callable[[Any], Any]) -> Any:
        """``make(function)``, once per function handle (the cache keeps the handle alive, so
        ids stay unique)."""
        known = cache.get(id(function))
        if known is not None and known[0] is function:
            return known[1]
        value = make(function)
        cache[id(function)] = (function, value)
        return value

    def _slot(self, function: Any) -> int:
        return int(self._per_function(self._slots, function, lambda f: self._registrar()(f)))

    def _registrar(self) -> Any:
        if self._register is None:
            # Script-level consts: code run in this context cannot delete or reassign them.
            self._register = self._live().eval(
                "const __rulekitEngineSlots = [];\n"
                "const __rulekitEngineArgs = [];\n"
                "const __rulekitEngineApply = ((apply) => (slot, args) => {\n"
                "  __rulekitEngineArgs.length = 0;\n"
                "  return apply(__rulekitEngineSlots[slot], undefined, args);\n"
                "})(Reflect.apply);\n"
                "(f) => __rulekitEngineSlots.push(f) - 1")
        return self._register

    def _unary(self, function: Any) -> Any:
        """``function(this)``, for handing a string over as ``this`` (see ``_DirectTasks.call``)."""
        if self._make_unary is None:
            self._make_unary = self._live().eval(
                "((apply) => (f) => function () { 'use strict'; return apply(f, undefined, [this]); })"
                "(Reflect.apply)")
        return self._per_function(self._unaries, function, self._make_unary)

    def _argument_array(self) -> Any:
        if self._arguments is None:
            self._arguments = self._live().eval("__rulekitEngineArgs")
        return self._arguments

    def _clear_memory_flag(self) -> None:
        # A script reports the heap cap itself (a function call only says "null"): clear the
        # isolate's flag, so that the next error is not taken for the cap again.
        racer = self._racer
        if racer is not None and racer.was_hard_memory_limit_reached():
            racer.set_hard_memory_limit(self.memory_limit)

    def _raise_if_out_of_memory(self, path: str | None) -> None:
        # A function call that hits the heap cap surfaces as a bare JSEvalException ("null");
        # the isolate's flag tells the truth. Setting the limit again clears the flag.
        racer = self._live()
        if racer.was_hard_memory_limit_reached():
            racer.set_hard_memory_limit(self.memory_limit)
            raise MemoryLimitExceeded("memory limit exceeded", path=path) from None

    def close(self) -> None:
        """Free the context; a call running in another thread is stopped first (it raises)."""
        direct = self._direct
        if direct is not None:
            direct.cancel_running()
        with self._lock:
            racer, self._racer, self._direct = self._racer, None, None
            self._slots.clear()
            self._unaries.clear()
            self._register = self._arguments = self._make_unary = None
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

