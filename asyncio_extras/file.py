"""Non-blocking file I/O: the file's methods run in a worker thread."""

from __future__ import annotations

__all__ = ("AsyncFileWrapper", "open_async")

import asyncio
import io
from collections.abc import AsyncIterator, Callable, Generator
from concurrent.futures import Executor
from types import TracebackType
from typing import IO, Any, AnyStr, Generic, cast

from asyncio_extras import _in_pieces
from asyncio_extras._readahead import Chunks, Kind, Lines, ReadAhead, serve
from asyncio_extras._workers import call_in_worker, submit


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
) -> AsyncFileWrapper[Any]:
    """Return an ``AsyncFileWrapper`` that opens ``file`` on first use.

    The parameters are those of ``open()``, plus ``executor``, where every
    operation on the file runs (the loop's default executor when None).
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


class AsyncFileWrapper(Generic[AnyStr]):
    """A file whose blocking methods run in a worker thread.

    Called in the event-loop thread, ``read``, ``readline``, ``readlines``,
    ``write``, ``writelines``, ``seek``, ``tell``, ``truncate``, ``flush`` and
    ``close`` return futures; in a thread without a running loop they run
    directly. ``async for line in f`` and ``async_readchunks`` read ahead
    in large blocks and serve from memory, yet observe the file exactly as its
    own iteration and ``read(size)`` do, also mixed with the other methods.
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

    # --- opening, async with, async for ---

    def __await__(self) -> Generator[Any, Any, AsyncFileWrapper[AnyStr]]:
        return self.__aenter__().__await__()

    async def __aenter__(self) -> AsyncFileWrapper[AnyStr]:
        await self._ensure_open()
        return self

    async def __aexit__(
        self, typ: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._pieces(Lines(self._binary()))

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
        return self._pieces(Chunks(self._binary(), size))

    def _binary(self) -> bool:
        return "b" in self._open_args[1]

    def _pieces(self, kind: Kind) -> AsyncIterator[Any]:
        if self._ahead is None:
            return self._open_for_pieces(kind)
        return serve(self._ahead, kind, self._executor)

    async def _open_for_pieces(self, kind: Kind) -> AsyncIterator[Any]:
        """Serve the pieces of a wrapper not open when iterated, and close it at the end if it opened it here."""
        opened_here = self._ahead is None
        if opened_here:
            await self._ensure_open()
        try:
            async for piece in serve(cast(ReadAhead, self._ahead), kind, self._executor):
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

    def _text(self) -> io.TextIOBase:
        file = self._opened()
        if not isinstance(file, io.TextIOBase):
            raise AttributeError(f"a file opened in binary mode ({file.mode!r}) has no text encoding")
        return file

    def _in_worker(self, method: str, *args: Any) -> Any:
        return self._operation(self._apply, (method, args))

    def _operation(self, func: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        """Make ``func(*args)`` in the worker thread once no other operation runs on the file (see _readahead).

        Before the file is open, a plain call: one that fails, or closes nothing.
        """
        if self._ahead is None:
            return call_in_worker(self._executor, func, args, {})
        return self._ahead.call(self._executor, func, args)

    def _apply(self, method: str, args: tuple[Any, ...]) -> Any:
        file = self._opened()
        cast(ReadAhead, self._ahead).give_back()
        return _in_pieces.apply(file, method, args)
