import asyncio
from collections.abc import AsyncIterator, Callable, Generator, Iterable
from concurrent.futures import Executor
from types import TracebackType
from typing import Any, AnyStr, Generic, overload

from _typeshed import FileDescriptorOrPath, OpenBinaryMode, OpenTextMode, ReadableBuffer
from typing_extensions import Self

__all__ = ("AsyncFileWrapper", "open_async")

# The wrapped methods return futures in the event-loop thread; in a thread
# without a running loop they run directly (and return their result).
class AsyncFileWrapper(Generic[AnyStr]):
    def __init__(
        self,
        file: FileDescriptorOrPath,
        mode: str = "r",
        buffering: int = -1,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
        closefd: bool = True,
        opener: Callable[[str, int], int] | None = None,
        *,
        executor: Executor | None = None,
    ) -> None: ...
    @property
    def name(self) -> str | bytes | int: ...
    @property
    def mode(self) -> str: ...
    @property
    def closed(self) -> bool: ...
    @property
    def encoding(self: AsyncFileWrapper[str]) -> str: ...
    @property
    def errors(self: AsyncFileWrapper[str]) -> str | None: ...
    @property
    def newlines(self) -> str | tuple[str, ...] | None: ...
    def fileno(self) -> int: ...
    def isatty(self) -> bool: ...
    def readable(self) -> bool: ...
    def writable(self) -> bool: ...
    def seekable(self) -> bool: ...
    def read(self, size: int | None = -1, /) -> asyncio.Future[AnyStr]: ...
    def readline(self, size: int | None = -1, /) -> asyncio.Future[AnyStr]: ...
    def readlines(self, hint: int = -1, /) -> asyncio.Future[list[AnyStr]]: ...
    @overload
    def write(self: AsyncFileWrapper[str], data: str, /) -> asyncio.Future[int]: ...
    @overload
    def write(self: AsyncFileWrapper[bytes], data: ReadableBuffer, /) -> asyncio.Future[int]: ...
    @overload
    def writelines(self: AsyncFileWrapper[str], lines: Iterable[str], /) -> asyncio.Future[None]: ...
    @overload
    def writelines(self: AsyncFileWrapper[bytes], lines: Iterable[ReadableBuffer], /) -> asyncio.Future[None]: ...
    def seek(self, offset: int, whence: int = 0, /) -> asyncio.Future[int]: ...
    def tell(self) -> asyncio.Future[int]: ...
    def truncate(self, size: int | None = None, /) -> asyncio.Future[int]: ...
    def flush(self) -> asyncio.Future[None]: ...
    def close(self) -> asyncio.Future[None]: ...
    def async_readchunks(self, size: int) -> AsyncIterator[AnyStr]: ...
    def __await__(self) -> Generator[Any, Any, Self]: ...
    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self, typ: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None: ...
    def __aiter__(self) -> AsyncIterator[AnyStr]: ...

# Text modes.
@overload
def open_async(
    file: FileDescriptorOrPath,
    mode: OpenTextMode = "r",
    buffering: int = -1,
    encoding: str | None = None,
    errors: str | None = None,
    newline: str | None = None,
    closefd: bool = True,
    opener: Callable[[str, int], int] | None = None,
    *,
    executor: Executor | None = None,
) -> AsyncFileWrapper[str]: ...

# Binary modes.
@overload
def open_async(
    file: FileDescriptorOrPath,
    mode: OpenBinaryMode,
    buffering: int = -1,
    encoding: None = None,
    errors: None = None,
    newline: None = None,
    closefd: bool = True,
    opener: Callable[[str, int], int] | None = None,
    *,
    executor: Executor | None = None,
) -> AsyncFileWrapper[bytes]: ...

# A mode known only at run time: str or bytes, which no checker can tell.
@overload
def open_async(
    file: FileDescriptorOrPath,
    mode: str,
    buffering: int = -1,
    encoding: str | None = None,
    errors: str | None = None,
    newline: str | None = None,
    closefd: bool = True,
    opener: Callable[[str, int], int] | None = None,
    *,
    executor: Executor | None = None,
) -> AsyncFileWrapper[Any]: ...
