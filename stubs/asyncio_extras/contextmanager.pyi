from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any, ParamSpec, TypeVar, overload

from typing_extensions import deprecated

__all__ = ("async_contextmanager", "yield_")

_T_co = TypeVar("_T_co", covariant=True)
_P = ParamSpec("_P")
_AwaitableFunctionT = TypeVar("_AwaitableFunctionT", bound=Callable[..., Awaitable[Any]])

# `bool | None`, as typeshed declares contextlib's: the generator may suppress an
# exception, but checkers should not treat every block as possibly skipped.
class _AsyncGeneratorContextManager(AbstractAsyncContextManager[_T_co, bool | None]):
    def __init__(
        self,
        func: Callable[..., AsyncIterator[_T_co] | Coroutine[Any, Any, None]],
        args: tuple[Any, ...],
        kwds: dict[str, Any],
    ) -> None: ...
    async def __aenter__(self) -> _T_co: ...
    async def __aexit__(
        self, typ: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> bool | None: ...
    def __call__(self, func: _AwaitableFunctionT) -> _AwaitableFunctionT: ...

# An async generator function: `async with` gives the yielded type.
@overload
def async_contextmanager(
    func: Callable[_P, AsyncGenerator[_T_co, None]],
) -> Callable[_P, _AsyncGeneratorContextManager[_T_co]]: ...

# The same, annotated with a type that does not promise athrow() and aclose(), which exiting uses.
@overload
@deprecated("annotate the return type of the generator function as AsyncGenerator[T, None], not AsyncIterator[T]")
def async_contextmanager(
    func: Callable[_P, AsyncIterator[_T_co]],
) -> Callable[_P, _AsyncGeneratorContextManager[_T_co]]: ...

# A coroutine function using `await yield_(value)`: no checker can see the type of `value`.
@overload
def async_contextmanager(
    func: Callable[_P, Coroutine[Any, Any, None]],
) -> Callable[_P, _AsyncGeneratorContextManager[Any]]: ...
@deprecated("await yield_(value) hides the value's type: write `yield value` in an async generator function instead")
def yield_(value: object = None) -> Awaitable[None]: ...
