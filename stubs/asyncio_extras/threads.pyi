import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar, TypeVarTuple, overload, type_check_only

from typing_extensions import Self

__all__ = ("call_async", "call_in_executor", "threadpool")

_P = ParamSpec("_P")
_BoundP = ParamSpec("_BoundP")
_R = TypeVar("_R")
_Self = TypeVar("_Self")
_Ts = TypeVarTuple("_Ts")

# What @threadpool makes of a function: awaited in the event-loop thread; in a
# worker thread (no running loop), call __wrapped__ for the direct call.
@type_check_only
class _ThreadpoolFunction(Protocol[_P, _R]):
    __name__: str
    __qualname__: str
    @property
    def __wrapped__(self) -> Callable[_P, _R]: ...
    def __call__(self, *args: _P.args, **kwargs: _P.kwargs) -> asyncio.Future[_R]: ...
    @overload
    def __get__(self, instance: None, owner: type[Any], /) -> Self: ...
    @overload
    def __get__(
        self: _ThreadpoolFunction[Concatenate[_Self, _BoundP], _R], instance: _Self, owner: type[Any] | None = None, /
    ) -> _ThreadpoolFunction[_BoundP, _R]: ...

class _Threadpool:
    def __init__(self, executor: Executor | None) -> None: ...
    def __call__(self, func: Callable[_P, _R], /) -> _ThreadpoolFunction[_P, _R]: ...
    async def __aenter__(self) -> None: ...
    async def __aexit__(
        self, typ: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None: ...

# A function: run it in the event loop's default executor.
@overload
def threadpool(arg: Callable[_P, _R], /) -> _ThreadpoolFunction[_P, _R]: ...

# An executor, or none for the loop's default: a decorator, and an `async with` block.
@overload
def threadpool(arg: Executor | None = None, /, *, executor: None = None) -> _Threadpool: ...
@overload
def threadpool(*, executor: Executor | None) -> _Threadpool: ...

# PEP 612 allows no keyword-only `executor` between *args and **kwargs, so:
# positional arguments, with or without an executor...
@overload
def call_in_executor(
    func: Callable[[*_Ts], _R], /, *args: *_Ts, executor: Executor | None = None
) -> asyncio.Future[_R]: ...

# ...or keyword arguments too, in the default executor. For both, bind the
# keyword arguments with functools.partial.
@overload
def call_in_executor(func: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs) -> asyncio.Future[_R]: ...

# A coroutine function, or any function returning an awaitable: its awaited result.
@overload
def call_async(
    loop: asyncio.AbstractEventLoop, func: Callable[_P, Awaitable[_R]], /, *args: _P.args, **kwargs: _P.kwargs
) -> _R: ...

# A plain function: its result.
@overload
def call_async(loop: asyncio.AbstractEventLoop, func: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs) -> _R: ...
