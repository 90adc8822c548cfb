import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from types import TracebackType
from typing import ParamSpec, TypeVar, TypeVarTuple, overload, type_check_only

__all__ = ("call_async", "call_in_executor", "threadpool")

_P = ParamSpec("_P")
_R = TypeVar("_R")
_T = TypeVar("_T")
_Ts = TypeVarTuple("_Ts")

# @threadpool gives a plain Callable, as asyncer's asyncify does: only a
# Callable keeps overloads and binds like a function under @classmethod and
# @staticmethod in both checkers. It cannot declare __wrapped__, so the
# direct call in a worker thread goes through the undecorated function.
@type_check_only
class _Decorator:
    def __init__(self, executor: Executor | None) -> None: ...
    def __call__(self, func: Callable[_P, _R], /) -> Callable[_P, asyncio.Future[_R]]: ...

# Only a thread pool (or the loop's default executor) runs a block: with any other executor,
# threadpool() gives the decorator alone.
class _Threadpool(_Decorator):
    async def __aenter__(self) -> None: ...
    async def __aexit__(
        self, typ: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None: ...

# A function: run it in the loop's default executor, or in `executor`. (mypy
# keeps every overload of an overloaded function only through the first form.)
@overload
def threadpool(arg: Callable[_P, _R], /) -> Callable[_P, asyncio.Future[_R]]: ...
@overload
def threadpool(arg: Callable[_P, _R], /, *, executor: Executor | None) -> Callable[_P, asyncio.Future[_R]]: ...

# A thread pool, or none for the loop's default: a decorator, and an `async with` block...
@overload
def threadpool(arg: ThreadPoolExecutor | None = None, /) -> _Threadpool: ...
@overload
def threadpool(arg: None = None, /, *, executor: ThreadPoolExecutor | None) -> _Threadpool: ...

# ...any other executor: a decorator only.
@overload
def threadpool(arg: Executor, /) -> _Decorator: ...
@overload
def threadpool(arg: None = None, /, *, executor: Executor) -> _Decorator: ...

# PEP 612 allows no keyword-only `executor` between *args and **kwargs, so:
# positional arguments, with or without an executor...
@overload
def call_in_executor(
    func: Callable[[*_Ts], _R], /, *args: *_Ts, executor: Executor | None = None
) -> asyncio.Future[_R]: ...

# ...or keyword arguments too, in the default executor. For both, bind the
# keyword arguments with functools.partial. The helper takes `executor=` for
# itself, so a function's own `executor` keyword goes through partial too.
@overload
def call_in_executor(func: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs) -> asyncio.Future[_R]: ...

# A coroutine function, or any function returning an awaitable: its awaited result.
@overload
def call_async(
    loop: asyncio.AbstractEventLoop, func: Callable[_P, Awaitable[_R]], /, *args: _P.args, **kwargs: _P.kwargs
) -> _R: ...

# A plain function: its result; one that may return an awaitable: the awaited type or the plain one.
@overload
def call_async(
    loop: asyncio.AbstractEventLoop, func: Callable[_P, Awaitable[_T] | _R], /, *args: _P.args, **kwargs: _P.kwargs
) -> _T | _R: ...

# mypy cannot split a union such as `int | Awaitable[str]` over the overload above
# (python/mypy#19143): the result's type is then left for the caller to narrow.
@overload
def call_async(
    loop: asyncio.AbstractEventLoop, func: Callable[_P, object], /, *args: _P.args, **kwargs: _P.kwargs
) -> object: ...
