"""Non-blocking file I/O: the file's methods run in a worker thread."""

from __future__ import annotations

__all__ = ("AsyncFileWrapper", "open_async", "wrap_file")

import asyncio
import sys
from collections.abc import AsyncIterator, Callable, Generator
from concurrent.futures import Executor
from functools import partial
from types import MethodType, TracebackType
from typing import IO, Any, AnyStr, Generic, Self, TextIO, TypeVarTuple, cast

from asyncio_extras import _in_pieces
from asyncio_extras._readahead import Chunks, Kind, Lines, ReadAhead, is_text, serve
from asyncio_extras._workers import call_in_worker, submit

# The stubs' second type parameter, the wrapped file's type, has a default
# (PEP 696), which typing has from 3.13 only: a TypeVarTuple lets both
# AsyncFileWrapper[str] and AsyncFileWrapper[bytes, BufferedReader] subscript.
_FileType = TypeVarTuple("_FileType")
# Executors whose workers are other processes or interpreters, which would fail only once they had a file
# to send back (an interpreter pool is a thread pool's subclass). By module and name: a module looked up,
# not imported (the process pool's imports multiprocessing), as where it is not imported there is no such pool.
_ELSEWHERE = (
    ("concurrent.futures.process", "ProcessPoolExecutor"),
    ("concurrent.futures.interpreter", "InterpreterPoolExecutor"),
)


def open_async(
    file: Any,
    mode: str = "r",
    buffering: int = -1,
    encoding: str | None = None,
    errors: str | None = None,
    newline: str | None = None,
    closefd: bool = True,
    opener: Callable[[str, int], int] | None = None,
    *,
    executor: Executor | None = None,
) -> AsyncFileWrapper[Any, *tuple[Any, ...]]:
    """Return an ``AsyncFileWrapper`` that opens ``file`` on first use.

    The parameters are those of ``open()``, plus ``executor``, where every
    operation on the file runs (the loop's default executor when None): its
    threads, as a file cannot move to another process or interpreter.
    ``await open_async(...)``, ``async with open_async(...) as f`` and
    ``async for line in open_async(...)`` all open it; only the first two
    leave it open, ``async for`` closes what it opened when it ends.
    Errors of ``open()`` (a bad mode, a missing file) are raised there.

    Example:

        async with open_async(path, "rb") as f:
            data = await f.read()
    """
    return AsyncFileWrapper(
        file, mode, buffering, encoding, errors, newline, closefd, opener, executor=executor
    )


def wrap_file(file: IO[Any], *, executor: Executor | None = None) -> AsyncFileWrapper[Any, *tuple[Any, ...]]:
    """Return an ``AsyncFileWrapper`` of ``file``, a file object open already.

    ``file`` is what ``open()``, ``os.fdopen()`` and ``tempfile`` give, or an
    in-memory file (``io.BytesIO``, ``io.StringIO``). Its blocking methods
    then run in ``executor`` (the loop's default executor when None), and
    closing the wrapper closes it.

    Example:

        async with wrap_file(tempfile.TemporaryFile()) as f:
            await f.write(b"data")

    :raises TypeError: if ``file`` is not a file object (a path, say)
    """
    if not (hasattr(file, "read") or hasattr(file, "write")):
        raise TypeError(
            f"wrap_file() needs an open file object, got {type(file).__name__}: open a path with open_async()"
        )
    return AsyncFileWrapper._wrapping(file, executor)  # pyright: ignore[reportPrivateUsage]  # its own constructor


class _IfTheFileHasIt:
    """A method of the wrapper that exists where the wrapped file has one of its name, as hasattr() then tells.

    Until the file is open, the method exists, and fails as every method does.
    """

    def __init__(self, method: Callable[..., Any]) -> None:
        self._method = method

    def __get__(
        self, wrapper: AsyncFileWrapper[Any, *tuple[Any, ...]] | None, owner: type[Any] | None = None
    ) -> Callable[..., Any]:
        if wrapper is None:
            return self._method  # on the class: the function itself, which inspect.signature() reads
        ahead = wrapper._ahead  # pyright: ignore[reportPrivateUsage]  # a part of the class, kept apart to be reused
        if ahead is not None:
            getattr(ahead.file, self._method.__name__)  # raises the file's own AttributeError if it has none
        return MethodType(self._method, wrapper)


class AsyncFileWrapper(Generic[AnyStr, *_FileType]):
    """A file whose blocking methods run in a worker thread.

    Called in the event-loop thread, ``read``, ``readline``, ``readlines``,
    ``write``, ``writelines``, ``seek``, ``tell``, ``truncate``, ``flush`` and
    ``close`` return futures; in a thread without a running loop they run
    directly. So do the blocking methods that only some files have (``read1``,
    ``readinto``, ``readinto1``, ``readall``, ``peek``, ``detach``,
    ``reconfigure``), which the wrapper has where its file has them; ``wrapped``
    is the file object itself. ``async for line in f`` and ``async_readchunks``
    read ahead in large blocks and serve from memory, yet observe the file
    exactly as its own iteration and ``read(size)`` do, also mixed with the
    other methods.
    In binary files open only for reading, what the page cache holds is read
    in the event-loop thread, by reads that fail rather than wait for the
    disk (Linux), without a hop. An error is raised where the plain file
    raises it, after what it would have served before.
    """

    def __init__(
        self,
        file: Any,
        mode: str = "r",
        buffering: int = -1,
        encoding: str | None = None,
        errors: str | None = None,
        newline: str | None = None,
        closefd: bool = True,
        opener: Callable[[str, int], int] | None = None,
        *,
        executor: Executor | None = None,
    ) -> None:
        for module, name in _ELSEWHERE:
            pool = getattr(sys.modules.get(module), name, None)
            if pool is not None and isinstance(executor, pool):
                raise TypeError(
                    f"a file's calls run in threads of this interpreter, and {name} runs them elsewhere: "
                    "give a ThreadPoolExecutor, or None for the loop's default executor"
                )
        self._open_args = (file, mode, buffering, encoding, errors, newline, closefd, opener)
        self._executor = executor
        self._ahead: ReadAhead | None = None  # holds the file, once open
        # The open under way, and how many tasks wait for it; None when none is.
        self._opening: asyncio.Future[IO[Any]] | None = None
        self._waiting = 0

    # --- attributes and methods that do not block ---

    @property
    def name(self) -> str | bytes | int:
        name: str | bytes | int = self._opened().name
        return name

    @property
    def mode(self) -> str:
        return self._opened().mode

    @property
    def closed(self) -> bool:
        return self._opened().closed

    @property
    def encoding(self) -> str:
        return self._text().encoding

    @property
    def errors(self) -> str | None:
        return self._text().errors

    @property
    def newlines(self) -> str | tuple[str, ...] | None:
        newlines: str | tuple[str, ...] | None = getattr(self._opened(), "newlines", None)
        return newlines

    def fileno(self) -> int:
        return self._opened().fileno()

    def isatty(self) -> bool:
        return self._opened().isatty()

    def readable(self) -> bool:
        return self._opened().readable()

    def writable(self) -> bool:
        return self._opened().writable()

    def seekable(self) -> bool:
        return self._opened().seekable()

    # --- methods that run in the worker thread ---

    def read(self, size: int | None = -1, /) -> Any:
        return self._in_worker("read", size)

    def readline(self, size: int | None = -1, /) -> Any:
        return self._in_worker("readline", size)

    def readlines(self, hint: int = -1, /) -> Any:
        return self._in_worker("readlines", hint)

    def write(self, data: Any, /) -> Any:
        return self._in_worker("write", data)

    def writelines(self, lines: Any, /) -> Any:
        return self._in_worker("writelines", lines)

    def seek(self, offset: int, whence: int = 0, /) -> Any:
        return self._in_worker("seek", offset, whence)

    def tell(self) -> Any:
        return self._in_worker("tell")

    def truncate(self, size: int | None = None, /) -> Any:
        return self._in_worker("truncate", size)

    def flush(self) -> Any:
        return self._in_worker("flush")

    def close(self) -> Any:
        """Close the file (if it was opened), in the worker thread; a no-op when closed already."""
        closing: object = self._operation(self._close, ())
        if isinstance(closing, asyncio.Future):
            # Shielded: cancelling the caller must not keep a queued close from running.
            return asyncio.shield(cast("asyncio.Future[None]", closing))
        return closing

    # --- what only some files have: attributes, then blocking methods (which run in the worker thread) ---

    @property
    def wrapped(self) -> IO[Any]:
        """The file object itself, in the state its own calls would have left it.

        What ``async for`` and ``async_readchunks`` read ahead is given back
        first: a seek, and in a text file a read of what was served since the
        position it seeks to. Take it in a worker thread (``async with
        threadpool():``), or where no iteration has read ahead.

        :raises RuntimeError: in the event-loop thread, while an operation on
            the file still runs in a worker thread (one whose task was
            cancelled, say): the loop must not wait for it
        """
        lock = self._ahead.lock if self._ahead is not None else None
        if lock is None:
            return self._given_back()  # which raises: not open yet
        if asyncio._get_running_loop() is None:
            with lock:
                return self._given_back()
        if not lock.acquire(blocking=False):
            raise RuntimeError(
                "an operation on the file still runs in a worker thread: await the wrapper's calls, "
                "or take wrapped in a worker thread (async with threadpool():), where it waits for them"
            )
        try:
            return self._given_back()
        finally:
            lock.release()

    @property
    def raw(self) -> Any:
        return getattr(self._opened(), "raw")

    @property
    def buffer(self) -> Any:
        return getattr(self._opened(), "buffer")

    @property
    def line_buffering(self) -> bool:
        line_buffering: bool = getattr(self._opened(), "line_buffering")
        return line_buffering

    @property
    def write_through(self) -> bool:
        write_through: bool = getattr(self._opened(), "write_through")
        return write_through

    @property
    def closefd(self) -> bool:
        closefd: bool = getattr(self._opened(), "closefd")
        return closefd

    @_IfTheFileHasIt
    def read1(self, size: int = -1, /) -> Any:
        return self._in_worker("read1", size)

    @_IfTheFileHasIt
    def readinto(self, buffer: Any, /) -> Any:
        return self._in_worker("readinto", buffer)

    @_IfTheFileHasIt
    def readinto1(self, buffer: Any, /) -> Any:
        return self._in_worker("readinto1", buffer)

    @_IfTheFileHasIt
    def readall(self) -> Any:
        return self._in_worker("readall")

    @_IfTheFileHasIt
    def peek(self, size: int = 0, /) -> Any:
        return self._in_worker("peek", size)

    @_IfTheFileHasIt
    def detach(self) -> Any:
        """Flush the file, detach it from its buffer (text) or raw file (binary), and give that.

        Then the wrapper, as the file itself, can do nothing more: even
        closing it raises ``ValueError``.
        """
        return self._in_worker("detach")

    @_IfTheFileHasIt
    def reconfigure(self, **changes: Any) -> Any:
        # Only what is given is passed on: newline=None means universal newlines, not "unchanged".
        return self._in_worker("reconfigure", **changes)

    # --- opening, async with, async for ---

    def __await__(self) -> Generator[Any, Any, Self]:
        return self.__aenter__().__await__()

    async def __aenter__(self) -> Self:
        await self._ensure_open()
        return self

    async def __aexit__(
        self, typ: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._pieces(Lines)

    def async_readchunks(self, size: int) -> AsyncIterator[Any]:
        """Iterate over the file in chunks of ``size`` bytes (binary) or characters (text).

        Gives what a loop of ``read(size)`` would, reading ahead in large blocks;
        in a binary file open only for reading, chunks the page cache holds are
        read without a thread hop, one at a time, by reads that never wait for
        the disk.

        :raises ValueError: if ``size`` is not positive
        """
        if size <= 0:
            raise ValueError(f"async_readchunks() needs a positive size, got {size}")
        return self._pieces(partial(Chunks, size=size))

    def _pieces(self, kind: Callable[[bool], Kind]) -> AsyncIterator[Any]:
        """Serve the pieces of ``kind``, made for a binary file or a text file once the file tells which."""
        if self._ahead is None:
            return self._open_for_pieces(kind)
        return serve(self._ahead, kind(not self._ahead.text), self._executor)

    async def _open_for_pieces(self, kind: Callable[[bool], Kind]) -> AsyncIterator[Any]:
        """Serve the pieces of a wrapper not open when iterated, and close it at the end if it opened it here."""
        opened_here = self._ahead is None
        if opened_here:
            await self._ensure_open()
        try:
            ahead = cast(ReadAhead, self._ahead)
            async for piece in serve(ahead, kind(not ahead.text), self._executor):
                yield piece
        finally:
            if opened_here:
                await self.close()

    async def _ensure_open(self) -> None:
        """Open the file, once for all the tasks that ask while it opens.

        The open goes on in its thread when a waiting task is cancelled; once
        every waiting task gave up, what it opens is closed.
        """
        while self._ahead is None:
            opening = self._opening
            if opening is None:
                opening = self._opening = submit(asyncio.get_running_loop(), self._executor, open, self._open_args, {})
            self._waiting += 1
            try:
                file = await asyncio.shield(opening)
            except asyncio.CancelledError:
                self._waiting -= 1
                if not self._waiting and self._opening is opening:
                    self._opening = None
                    opening.add_done_callback(self._close_abandoned)
                raise
            except BaseException:
                self._waiting -= 1
                if self._opening is opening:
                    self._opening = None  # a later use tries again
                raise
            self._waiting -= 1
            if self._opening is opening:
                self._ahead, self._opening = ReadAhead(file), None

    def _close_abandoned(self, opening: asyncio.Future[IO[Any]]) -> None:
        """Close what an open that every waiting task gave up on opened; a file just opened has nothing to flush."""
        if opening.cancelled() or opening.exception() is not None:
            return
        file = opening.result()
        if self._ahead is None:
            self._ahead = ReadAhead(file)  # the wrapper is closed, as its waiters left it
        file.close()

    @staticmethod
    def _wrapping(file: IO[Any], executor: Executor | None) -> AsyncFileWrapper[Any, *tuple[Any, ...]]:
        """A wrapper of ``file``, open already (``wrap_file``)."""
        # No argument of open() is read once the file is open: the read-ahead tells text from
        # binary, and whether it may read the page cache by the descriptor, by the file itself.
        wrapper: AsyncFileWrapper[Any, *tuple[Any, ...]] = AsyncFileWrapper(file, executor=executor)
        wrapper._ahead = ReadAhead(file)
        return wrapper

    # --- in the worker thread ---

    def _close(self) -> None:
        if self._ahead is not None:
            try:
                self._ahead.file.close()
            finally:
                # What was read ahead goes with the file, so that reading on fails as the file's own reads do.
                self._ahead.drop()

    def _opened(self) -> IO[Any]:
        if self._ahead is None:
            raise ValueError("the file is not open yet: await the wrapper, or enter it with async with, first")
        return self._ahead.file

    def _text(self) -> TextIO:
        file = self._opened()
        if not is_text(file):
            raise AttributeError(f"a file opened in binary mode ({file.mode!r}) has no text encoding")
        return cast(TextIO, file)

    def _in_worker(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return self._operation(self._apply, (method, args, kwargs))

    def _operation(self, func: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        """Make ``func(*args)`` in the worker thread once no other operation runs on the file (see _readahead).

        Before the file is open, a plain call: one that fails, or closes nothing.
        """
        if self._ahead is None:
            return call_in_worker(self._executor, func, args, {})
        return self._ahead.call(self._executor, func, args)

    def _apply(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return _in_pieces.apply(self._given_back(), method, args, kwargs)

    def _given_back(self) -> IO[Any]:
        """The open file, where its own calls would have left it: what was read ahead and not served given back."""
        file = self._opened()
        cast(ReadAhead, self._ahead).give_back()
        return file
