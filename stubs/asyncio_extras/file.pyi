import asyncio
from collections.abc import AsyncIterator, Callable, Generator, Iterable
from concurrent.futures import Executor
from io import BufferedRandom, BufferedReader, BufferedWriter, FileIO, TextIOWrapper
from types import TracebackType
from typing import IO, Any, AnyStr, BinaryIO, Generic, Literal, Protocol, TextIO, TypeVar, overload, type_check_only

from _typeshed import (
    FileDescriptorOrPath,
    OpenBinaryMode,
    OpenBinaryModeReading,
    OpenBinaryModeUpdating,
    OpenBinaryModeWriting,
    OpenTextMode,
    ReadableBuffer,
    WriteableBuffer,
)
from typing_extensions import Self, TypeVar as _TypeVarWithDefault

__all__ = ("AsyncFileWrapper", "open_async", "wrap_file")

_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)
# The wrapped file's type; AsyncFileWrapper[str] and AsyncFileWrapper[bytes] wrap an IO of that type.
_FileT_co = _TypeVarWithDefault("_FileT_co", covariant=True, default=IO[AnyStr])
_TextFileT = TypeVar("_TextFileT", bound=TextIO)
_BinaryFileT = TypeVar("_BinaryFileT", bound=BinaryIO)

# What the wrapped file must have for the wrapper to have the method or attribute of that name.
@type_check_only
class _HasRaw(Protocol[_T_co]):
    @property
    def raw(self) -> _T_co: ...

@type_check_only
class _HasBuffer(Protocol[_T_co]):
    @property
    def buffer(self) -> _T_co: ...

@type_check_only
class _HasLineBuffering(Protocol):
    @property
    def line_buffering(self) -> bool: ...

@type_check_only
class _HasWriteThrough(Protocol):
    @property
    def write_through(self) -> bool: ...

@type_check_only
class _HasClosefd(Protocol):
    @property
    def closefd(self) -> bool: ...

@type_check_only
class _HasRead1(Protocol):
    def read1(self, size: int = -1, /) -> bytes: ...

@type_check_only
class _HasReadinto(Protocol[_T_co]):
    def readinto(self, buffer: WriteableBuffer, /) -> _T_co: ...

@type_check_only
class _HasReadinto1(Protocol):
    def readinto1(self, buffer: WriteableBuffer, /) -> int: ...

@type_check_only
class _HasReadall(Protocol):
    def readall(self) -> bytes: ...

@type_check_only
class _HasPeek(Protocol):
    def peek(self, size: int = 0, /) -> bytes: ...

@type_check_only
class _HasDetach(Protocol[_T_co]):
    def detach(self) -> _T_co: ...

@type_check_only
class _HasReconfigure(Protocol):
    def reconfigure(
        self,
        *,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
        line_buffering: bool | None = None,
        write_through: bool | None = None,
    ) -> None: ...

# The wrapped methods return futures in the event-loop thread; in a thread
# without a running loop they run directly (and return their result).
# The second type parameter is the wrapped file's type, as open() would give it
# for the mode and buffering; the methods and attributes some files lack exist
# where it has them, with its types.
class AsyncFileWrapper(Generic[AnyStr, _FileT_co]):
    # Overloads in the order of open()'s, which give the same file types.
    # Text modes: TextIOWrapper.
    @overload
    def __init__(
        self: AsyncFileWrapper[str, TextIOWrapper],
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
    ) -> None: ...
    # Unbuffered binary modes: FileIO.
    @overload
    def __init__(
        self: AsyncFileWrapper[bytes, FileIO],
        file: FileDescriptorOrPath,
        mode: OpenBinaryMode,
        buffering: Literal[0],
        encoding: None = None,
        errors: None = None,
        newline: None = None,
        closefd: bool = True,
        opener: Callable[[str, int], int] | None = None,
        *,
        executor: Executor | None = None,
    ) -> None: ...
    # Buffered binary modes: BufferedRandom, BufferedWriter or BufferedReader.
    @overload
    def __init__(
        self: AsyncFileWrapper[bytes, BufferedRandom],
        file: FileDescriptorOrPath,
        mode: OpenBinaryModeUpdating,
        buffering: Literal[-1, 1] = -1,
        encoding: None = None,
        errors: None = None,
        newline: None = None,
        closefd: bool = True,
        opener: Callable[[str, int], int] | None = None,
        *,
        executor: Executor | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self: AsyncFileWrapper[bytes, BufferedWriter],
        file: FileDescriptorOrPath,
        mode: OpenBinaryModeWriting,
        buffering: Literal[-1, 1] = -1,
        encoding: None = None,
        errors: None = None,
        newline: None = None,
        closefd: bool = True,
        opener: Callable[[str, int], int] | None = None,
        *,
        executor: Executor | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self: AsyncFileWrapper[bytes, BufferedReader],
        file: FileDescriptorOrPath,
        mode: OpenBinaryModeReading,
        buffering: Literal[-1, 1] = -1,
        encoding: None = None,
        errors: None = None,
        newline: None = None,
        closefd: bool = True,
        opener: Callable[[str, int], int] | None = None,
        *,
        executor: Executor | None = None,
    ) -> None: ...
    # Binary modes with a buffering known only at run time: BinaryIO.
    @overload
    def __init__(
        self: AsyncFileWrapper[bytes, BinaryIO],
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
    ) -> None: ...
    # A mode known only at run time: str or bytes, which no checker can tell.
    @overload
    def __init__(
        self: AsyncFileWrapper[Any, IO[Any]],
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
    # What some files lack: attributes, then blocking methods, typed as the wrapped file's.
    @property
    def wrapped(self) -> _FileT_co: ...
    @property
    def raw(self: AsyncFileWrapper[Any, _HasRaw[_T]]) -> _T: ...
    @property
    def buffer(self: AsyncFileWrapper[Any, _HasBuffer[_T]]) -> _T: ...
    @property
    def line_buffering(self: AsyncFileWrapper[Any, _HasLineBuffering]) -> bool: ...
    @property
    def write_through(self: AsyncFileWrapper[Any, _HasWriteThrough]) -> bool: ...
    @property
    def closefd(self: AsyncFileWrapper[Any, _HasClosefd]) -> bool: ...
    def read1(self: AsyncFileWrapper[Any, _HasRead1], size: int = -1, /) -> asyncio.Future[bytes]: ...
    def readinto(self: AsyncFileWrapper[Any, _HasReadinto[_T]], buffer: WriteableBuffer, /) -> asyncio.Future[_T]: ...
    def readinto1(self: AsyncFileWrapper[Any, _HasReadinto1], buffer: WriteableBuffer, /) -> asyncio.Future[int]: ...
    def readall(self: AsyncFileWrapper[Any, _HasReadall]) -> asyncio.Future[bytes]: ...
    def peek(self: AsyncFileWrapper[Any, _HasPeek], size: int = 0, /) -> asyncio.Future[bytes]: ...
    def detach(self: AsyncFileWrapper[Any, _HasDetach[_T]]) -> asyncio.Future[_T]: ...
    # Two overloads where typeshed has one: newline=None (universal newlines) is not newline left as it is.
    @overload
    def reconfigure(
        self: AsyncFileWrapper[Any, _HasReconfigure],
        *,
        encoding: str | None = None,
        errors: str | None = None,
        line_buffering: bool | None = None,
        write_through: bool | None = None,
    ) -> asyncio.Future[None]: ...
    @overload
    def reconfigure(
        self: AsyncFileWrapper[Any, _HasReconfigure],
        *,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None,
        line_buffering: bool | None = None,
        write_through: bool | None = None,
    ) -> asyncio.Future[None]: ...
    def async_readchunks(self, size: int) -> AsyncIterator[AnyStr]: ...
    def __await__(self) -> Generator[Any, Any, Self]: ...
    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self, typ: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None: ...
    def __aiter__(self) -> AsyncIterator[AnyStr]: ...

# Overloads in the order of open()'s, which give the same file types.
# Text modes: TextIOWrapper.
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
) -> AsyncFileWrapper[str, TextIOWrapper]: ...

# Unbuffered binary modes: FileIO.
@overload
def open_async(
    file: FileDescriptorOrPath,
    mode: OpenBinaryMode,
    buffering: Literal[0],
    encoding: None = None,
    errors: None = None,
    newline: None = None,
    closefd: bool = True,
    opener: Callable[[str, int], int] | None = None,
    *,
    executor: Executor | None = None,
) -> AsyncFileWrapper[bytes, FileIO]: ...

# Buffered binary modes: BufferedRandom, BufferedWriter or BufferedReader.
@overload
def open_async(
    file: FileDescriptorOrPath,
    mode: OpenBinaryModeUpdating,
    buffering: Literal[-1, 1] = -1,
    encoding: None = None,
    errors: None = None,
    newline: None = None,
    closefd: bool = True,
    opener: Callable[[str, int], int] | None = None,
    *,
    executor: Executor | None = None,
) -> AsyncFileWrapper[bytes, BufferedRandom]: ...
@overload
def open_async(
    file: FileDescriptorOrPath,
    mode: OpenBinaryModeWriting,
    buffering: Literal[-1, 1] = -1,
    encoding: None = None,
    errors: None = None,
    newline: None = None,
    closefd: bool = True,
    opener: Callable[[str, int], int] | None = None,
    *,
    executor: Executor | None = None,
) -> AsyncFileWrapper[bytes, BufferedWriter]: ...
@overload
def open_async(
    file: FileDescriptorOrPath,
    mode: OpenBinaryModeReading,
    buffering: Literal[-1, 1] = -1,
    encoding: None = None,
    errors: None = None,
    newline: None = None,
    closefd: bool = True,
    opener: Callable[[str, int], int] | None = None,
    *,
    executor: Executor | None = None,
) -> AsyncFileWrapper[bytes, BufferedReader]: ...

# Binary modes with a buffering known only at run time: BinaryIO.
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
) -> AsyncFileWrapper[bytes, BinaryIO]: ...

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
) -> AsyncFileWrapper[Any, IO[Any]]: ...

# Text files: TextIO (open() in a text mode, tempfile.TemporaryFile("w+"), sys.stdin).
@overload
def wrap_file(file: _TextFileT, *, executor: Executor | None = None) -> AsyncFileWrapper[str, _TextFileT]: ...

# Binary files: BinaryIO (open() in a binary mode, tempfile.TemporaryFile(), io.BytesIO).
@overload
def wrap_file(file: _BinaryFileT, *, executor: Executor | None = None) -> AsyncFileWrapper[bytes, _BinaryFileT]: ...

# Any other IO (tempfile.NamedTemporaryFile(), open() in a mode known only at run time).
@overload
def wrap_file(file: IO[AnyStr], *, executor: Executor | None = None) -> AsyncFileWrapper[AnyStr, IO[AnyStr]]: ...
