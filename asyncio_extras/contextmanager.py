"""Async context managers made from async generator functions."""

from __future__ import annotations

__all__ = ("async_contextmanager", "yield_")

from collections.abc import Awaitable, Callable, Coroutine, Generator
from functools import wraps
from inspect import iscoroutine, isgeneratorfunction
from types import AsyncGeneratorType, TracebackType
from types import coroutine as _generator_based_coroutine
from typing import Any


def async_contextmanager(func: Callable[..., Any]) -> Callable[..., _AsyncGeneratorContextManager]:
    """Turn an async generator function into a factory of async context managers.

    Typical use:

        @async_contextmanager
        async def opened(arg):
            resource = await acquire(arg)
            try:
                yield resource
            finally:
                await resource.release()

    makes ``async with opened(arg) as resource: <body>`` equivalent to:

        resource = await acquire(arg)
        try:
            <body>
        finally:
            await resource.release()

    The generator must yield exactly once. A coroutine function that calls
    ``await yield_(value)`` once is accepted in place of ``yield value``.
    Each context manager is also a decorator of coroutine functions: every
    call of the decorated function runs inside a fresh context.

    :param func: an async generator function, or a coroutine function using ``yield_()``
    :return: a function with the parameters of ``func`` that returns the context manager
    :raises TypeError: if ``func`` is not callable or is a plain generator function
    """
    if not callable(func):
        raise TypeError(f"async_contextmanager() needs an async generator function, got {type(func).__name__}")
    if isgeneratorfunction(func):
        raise TypeError(
            f"async_contextmanager() needs an async generator function, got the generator function "
            f"{func.__qualname__}: use contextlib.contextmanager for it"
        )

    @wraps(func)
    def helper(*args: Any, **kwds: Any) -> _AsyncGeneratorContextManager:
        return _AsyncGeneratorContextManager(func, args, kwds)

    return helper


def yield_(value: object = None) -> _YieldedValue:
    """Yield ``value`` from a coroutine function decorated with ``async_contextmanager``.

    ``await yield_(value)`` is the Python 3.5 spelling of ``yield value``. It
    stays supported, but type checkers cannot see the type of ``value``
    through it: prefer a native async generator function.
    """
    return _YieldedValue(value)


class _AsyncGeneratorContextManager:
    """One-shot async context manager around one run of an async generator."""

    __slots__ = ("_args", "_func", "_gen", "_kwds")

    def __init__(self, func: Callable[..., Any], args: tuple[Any, ...], kwds: dict[str, Any]) -> None:
        gen = func(*args, **kwds)
        if type(gen) is not AsyncGeneratorType:
            gen = _as_async_generator(gen, func)
        self._gen: Any = gen
        # Kept so that each call of a decorated function can enter a fresh context.
        self._func = func
        self._args = args
        self._kwds = kwds

    async def __aenter__(self) -> Any:
        try:
            return await anext(self._gen)
        except StopAsyncIteration:
            raise RuntimeError("generator didn't yield") from None

    async def __aexit__(
        self, typ: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> bool:
        gen = self._gen
        if typ is None:
            try:
                await anext(gen)
            except StopAsyncIteration:
                return False
            try:
                raise RuntimeError("generator didn't stop")
            finally:
                await gen.aclose()

        if value is None:
            # Called with a type alone: an instance is needed to recognise it when it comes back.
            value = typ()
        try:
            await gen.athrow(value)
        except StopAsyncIteration as exc:
            # The generator returned, so it swallowed the exception; but a
            # StopAsyncIteration raised by the body itself must not vanish.
            return exc is not value
        except BaseException as exc:
            # The body's own exception coming back (also wrapped in RuntimeError
            # by PEP 479) is re-raised by `async with`, with its original traceback.
            # Anything else was raised by the generator and replaces it.
            if exc is value or (
                isinstance(exc, RuntimeError)
                and exc.__cause__ is value
                and isinstance(value, (StopIteration, StopAsyncIteration))
            ):
                value.__traceback__ = traceback
                return False
            raise
        try:
            raise RuntimeError("generator didn't stop after athrow()")
        finally:
            await gen.aclose()

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(func)
        async def decorated(*args: Any, **kwds: Any) -> Any:
            async with _AsyncGeneratorContextManager(self._func, self._args, self._kwds):
                return await func(*args, **kwds)

        return decorated


def _as_async_generator(obj: object, func: Callable[..., Any]) -> object:
    if iscoroutine(obj):
        return _YieldingCoroutine(obj)
    if hasattr(type(obj), "__anext__"):
        return obj
    raise TypeError(
        f"async_contextmanager() needs an async generator function, but {func.__qualname__}() "
        f"returned {type(obj).__name__}"
    )


class _YieldedValue:
    """What ``await yield_(value)`` hands up the await chain to ``_YieldingCoroutine``."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __await__(self) -> Generator[_YieldedValue, None, None]:
        return (yield self)

    def __repr__(self) -> str:
        # Shown by asyncio as "Task got bad yield: ..." when yield_() is misused.
        return "<yield_() awaited outside an @async_contextmanager function>"


class _YieldingCoroutine:
    """Drive a coroutine that calls ``await yield_(value)`` as if it were an async generator.

    Provides the part of the async generator protocol that the context manager
    uses: ``anext()``, ``athrow()`` and ``aclose()``.
    """

    __slots__ = ("_coro",)

    def __init__(self, coro: Coroutine[Any, Any, Any]) -> None:
        self._coro = coro

    def __del__(self) -> None:
        # An async generator that never started vanishes silently; so must the
        # coroutine (a context manager used as a decorator never enters itself).
        self._coro.close()

    def __anext__(self) -> Awaitable[Any]:
        return _resume(self._coro, self._coro.send, None)

    def athrow(self, exc: BaseException) -> Awaitable[Any]:
        return _resume(self._coro, self._coro.throw, exc)

    def aclose(self) -> Awaitable[None]:
        return _resume(self._coro, self._coro.throw, GeneratorExit(), closing=True)


@_generator_based_coroutine
def _resume(
    coro: Coroutine[Any, Any, Any], resume: Callable[[Any], Any], arg: Any, closing: bool = False
) -> Generator[Any, Any, Any]:
    """Run ``coro`` from ``resume(arg)`` up to its next ``yield_()``.

    What else the coroutine awaits is passed through to the event loop, with
    the same semantics as ``yield from``. Returns the yielded value, or raises
    StopAsyncIteration when the coroutine returns, as an async generator would.
    With ``closing``, a ``yield_()`` is an error and returning is success.
    """
    while True:
        try:
            awaited = resume(arg)
        except StopIteration:
            if closing:
                return None
            raise StopAsyncIteration from None
        except GeneratorExit:
            if closing:
                return None
            raise
        except StopAsyncIteration as exc:
            raise RuntimeError("async generator raised StopAsyncIteration") from exc
        if type(awaited) is _YieldedValue:
            if closing:
                raise RuntimeError("async generator ignored GeneratorExit")
            return awaited.value
        try:
            arg = yield awaited
        except GeneratorExit:
            coro.close()
            raise
        except BaseException as exc:
            resume, arg = coro.throw, exc
        else:
            resume = coro.send
