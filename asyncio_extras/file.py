"""Non-blocking file I/O: the file's methods run in a worker thread."""

from __future__ import annotations

__all__ = ("AsyncFileWrapper", "open_async", "wrap_file")

import asyncio
import io
import os
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from concurrent.futures import Executor
from itertools import islice
from operator import length_hint
from types import MethodType, TracebackType
from typing import IO, Any, AnyStr, Generic, Self, TextIO, TypeVarTuple, cast

from asyncio_extras._workers import call_in_worker, submit

# How much is read ahead at once: bytes in binary files, characters in text files.
_READ_AHEAD = 1 << 20
# Most lines or chunks served before the event loop gets a turn, so that
# a consumer that never awaits cannot stall the loop for long.
_PIECES_PER_TURN = 8192
# Reads that fail rather than wait for the disk (Linux); None where there are none.
_NOWAIT: int | None = getattr(os, "RWF_NOWAIT", None)
# The stubs' second type parameter, the wrapped file's type, has a default
# (PEP 696), which typing has from 3.13 only: a TypeVarTuple lets both
# AsyncFileWrapper[str] and AsyncFileWrapper[bytes, BufferedReader] subscript.
_FileType = TypeVarTuple("_FileType")


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
        file = wrapper._file  # pyright: ignore[reportPrivateUsage]  # a part of the class, kept apart to be reused
        if file is not None:
            getattr(file, self._method.__name__)  # raises the file's own AttributeError if it has none
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
    In binary files, what the page cache holds is read in the event-loop
    thread, by reads that fail rather than wait for the disk (Linux), without
    a hop.
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
        self._file: IO[Any] | None = None
        self._open_abandoned = False  # the task that opened the file was cancelled meanwhile
        # Read ahead: the pieces (lines or chunks) last read, served through
        # _unserved, which _read_by produced. They begin _skipped characters
        # (text) or bytes after _start, a tell() value; _start is None when
        # nothing read ahead needs giving back. Giving back empties _pieces,
        # which also ends any iteration over them.
        self._pieces: list[AnyStr | memoryview] = []
        self._unserved: Iterator[AnyStr | memoryview] = iter(self._pieces)
        self._read_by: Callable[[IO[Any], bool], list[Any]] | None = None
        self._start: int | None = None
        self._skipped = 0
        self._tell_disabled = False  # text readlines() disables tell() until a seek or the end of the file
        # Where the pieces end when they were read from the page cache, which did not move the file.
        self._cached_end: int | None = None

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
        closing: object = call_in_worker(self._executor, self._close, (), {})
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
        """
        file = self._opened()
        self._give_back_read_ahead(file)
        return file

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
        if "b" in self._open_args[1]:
            return self._binary_lines()
        return self._serve(self._read_lines)

    def async_readchunks(self, size: int) -> AsyncIterator[Any]:
        """Iterate over the file in chunks of ``size`` bytes (binary) or characters (text).

        Gives what a loop of ``read(size)`` would, reading ahead in large blocks;
        in a binary file, chunks the page cache holds are read without a thread
        hop, one at a time, by reads that never wait for the disk.

        :raises ValueError: if ``size`` is not positive
        """
        if size <= 0:
            raise ValueError(f"async_readchunks() needs a positive size, got {size}")
        if "b" in self._open_args[1]:
            return self._binary_chunks(size)
        return self._serve(lambda file, ahead: self._read_chunks(file, size, ahead))

    def _binary_chunks(self, size: int) -> AsyncIterator[bytes]:
        # The worker reads a block into one buffer, reused from block to block,
        # and the chunks, views into it, are copied out as they are served.
        # Chunks allocated by the worker cost up to twice as much (bench/file.py:
        # 3.9x a plain read loop against 1.7x), once the default executor has
        # several threads: each allocates from a malloc arena of its own, which
        # hands freed memory back to the system and faults it in again. Copying
        # all of a block's chunks at once measured worse too (2.2x): one chunk
        # alive at a time lets memory be reused. Where the page cache holds the
        # file, each chunk is read in this thread as it is served instead, into
        # a buffer of one chunk that stays in the CPU cache: 1.3x against 1.4x
        # for blocks read from the page cache, which cost a fresh 1 MiB buffer.
        block: bytearray | None = None
        chunk: bytearray | None = None

        def read_ahead(file: IO[Any], ahead: bool) -> list[Any]:
            nonlocal block
            if not ahead or size >= _READ_AHEAD:  # a chunk per hop anyway, and read(size) zero-fills no buffer
                return self._read_chunks(file, size, ahead)
            if block is None:  # no larger than the rest of the file: fresh memory is slow to fault in
                chunks_left = -(-(os.fstat(file.fileno()).st_size - file.tell()) // size)
                block = bytearray(size * max(1, min(chunks_left, _READ_AHEAD // size)))
            view = memoryview(block)[: cast("io.BufferedIOBase", file).readinto(block)]
            return [view[start : start + size] for start in range(0, len(view), size)]

        def read_cached(file: IO[Any], position: int) -> tuple[list[memoryview], int] | None:
            nonlocal chunk
            if size >= _READ_AHEAD:
                return None
            if chunk is None:
                chunk = bytearray(size)
            cached = _read_cached(file, chunk, position)
            if cached is None:
                return None
            read, at_end = cached
            if read < size and not at_end:  # only part of the chunk cached
                return None
            return [memoryview(chunk)[:read]] if read else [], position + read

        return self._serve(read_ahead, read_cached)

    def _binary_lines(self) -> AsyncIterator[bytes]:
        # From a block the page cache holds, BytesIO.readlines() gives the lines
        # the file's own iteration would: both end a line at each b"\n" only.
        block: bytearray | None = None

        def read_cached(file: IO[Any], position: int) -> tuple[list[bytes], int] | None:
            nonlocal block
            if block is None:
                block = bytearray(_READ_AHEAD)
            cached = _read_cached(file, block, position)
            if cached is None:
                return None
            read, at_end = cached
            lines = io.BytesIO(memoryview(block)[:read]).readlines()
            end = position + read
            if lines and not at_end and not lines[-1].endswith(b"\n"):
                end -= len(lines.pop())  # it may go on past what was read
            if not lines and not at_end:  # a line longer than the block
                return None
            return lines, end

        return self._serve(self._read_lines, read_cached)

    async def _ensure_open(self) -> None:
        if self._file is None:
            opening = submit(asyncio.get_running_loop(), self._executor, self._open, (), {})
            try:
                await asyncio.shield(opening)
            except asyncio.CancelledError:
                # The open goes on in its thread. Whichever of this and _open()
                # comes second closes the file; a file just opened has nothing to flush.
                self._open_abandoned = True
                if self._file is not None:
                    self._file.close()
                raise

    async def _serve(
        self,
        read_ahead: Callable[[IO[Any], bool], list[Any]],
        read_cached: Callable[[IO[Any], int], tuple[list[Any], int] | None] | None = None,
    ) -> AsyncIterator[Any]:
        """Yield the pieces that ``read_ahead`` reads, refilling in the worker thread when all are served.

        ``read_cached`` (binary files only) reads the pieces at a position in
        this thread, sparing the hop, if the page cache holds them, and returns
        them with the position where they end. Pieces that are views into a
        reused buffer are served as copies.
        """
        opened_here = self._file is None
        if opened_here:
            await self._ensure_open()
        # Pieces, and their bytes, read in this thread since the loop last had a turn.
        pieces_since_turn = bytes_since_turn = 0
        try:
            while True:
                # Lines for a line iterator, chunks of its size for a chunk one, unless given back meanwhile.
                if self._read_by is read_ahead and self._pieces:
                    pieces = islice(self._unserved, _PIECES_PER_TURN)
                    views = isinstance(self._pieces[0], memoryview)
                    for piece in map(bytes, cast("Iterator[memoryview]", pieces)) if views else pieces:
                        yield piece
                    if length_hint(self._unserved):
                        await asyncio.sleep(0)  # let the loop run between long runs of pieces
                        continue
                refilled = None if read_cached is None else self._refill_from_cache(read_ahead, read_cached)
                if refilled is None:
                    refilled = await submit(asyncio.get_running_loop(), self._executor, self._refill, (read_ahead,), {})
                elif refilled:
                    pieces_since_turn += len(self._pieces)
                    bytes_since_turn += cast(int, self._cached_end) - cast(int, self._start)
                    if pieces_since_turn >= _PIECES_PER_TURN or bytes_since_turn >= _READ_AHEAD:
                        pieces_since_turn = bytes_since_turn = 0
                        await asyncio.sleep(0)  # a turn as often as hops would give one
                if not refilled:
                    return
        finally:
            if opened_here:
                await self.close()

    def _refill_from_cache(
        self,
        read_ahead: Callable[[IO[Any], bool], list[Any]],
        read_cached: Callable[[IO[Any], int], tuple[list[Any], int] | None],
    ) -> bool | None:
        """Read the next pieces of a binary file in this thread, if ``read_cached`` finds them in the page cache.

        They follow the pieces just served in full or, with nothing to give
        back, start at the file's position. Return False at the end of the
        file, and None where the worker thread must read them.
        """
        file = self._opened()
        if self._read_by is read_ahead and self._pieces and self._start is not None:
            position = file.tell() if self._cached_end is None else self._cached_end
        elif self._start is None and file.seekable():
            position = file.tell()  # past any unflushed write, which lies before it
        else:
            return None
        cached = read_cached(file, position)
        if cached is None:
            return None
        pieces, self._cached_end = cached
        self._pieces, self._unserved, self._read_by, self._start = pieces, iter(pieces), read_ahead, position
        return bool(pieces)

    @staticmethod
    def _wrapping(file: IO[Any], executor: Executor | None) -> AsyncFileWrapper[Any, *tuple[Any, ...]]:
        """A wrapper of ``file``, open already (``wrap_file``)."""
        # Of the arguments of open(), the mode alone is read once the file is open: a binary
        # one picks the read-ahead that reads from the page cache, by the file's descriptor,
        # which needs a file whose positions are the descriptor's, as open() gives. Any other
        # file reads ahead by its own methods, as text files do.
        wrapper: AsyncFileWrapper[Any, *tuple[Any, ...]] = AsyncFileWrapper(
            file, "rb" if _positions_are_its_descriptors(file) else "r", executor=executor
        )
        wrapper._file = file
        return wrapper

    # --- in the worker thread ---

    def _open(self) -> None:
        self._file = open(*self._open_args)
        if self._open_abandoned:
            self._file.close()

    def _close(self) -> None:
        if self._file is not None:
            self._file.close()
        # What was read ahead goes with the file, so that reading on fails as the file's own reads do.
        self._pieces.clear()
        self._start = None

    def _opened(self) -> IO[Any]:
        if self._file is None:
            raise ValueError("the file is not open yet: await the wrapper, or enter it with async with, first")
        return self._file

    def _text(self) -> TextIO:
        file = self._opened()
        if not _is_text(file):
            raise AttributeError(f"a file opened in binary mode ({file.mode!r}) has no text encoding")
        return cast(TextIO, file)

    def _in_worker(self, method: str, *args: Any, **kwargs: Any) -> Any:
        return call_in_worker(self._executor, self._apply, (method, args, kwargs), {})

    def _apply(self, method: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        file = self._opened()
        self._give_back_read_ahead(file)
        return getattr(file, method)(*args, **kwargs)

    def _refill(self, read_ahead: Callable[[IO[Any], bool], list[Any]]) -> bool:
        """Read the next pieces; return False at the end of the file."""
        file = self._opened()
        pieces = self._pieces
        if self._read_by is read_ahead and pieces and not length_hint(self._unserved):
            # All served: carry on from where they end.
            if self._tell_disabled:
                self._skipped += sum(map(len, pieces))
            elif self._cached_end is not None:  # where a read from the page cache did not move the file
                self._start = self._cached_end
                file.seek(self._start)
            elif file.seekable():  # (a text position that could not be returned to gets a new chance)
                self._start, self._skipped = self._position_to_return_to(file), 0
        else:
            self._give_back_read_ahead(file)
            if file.seekable():
                self._start, self._skipped = self._position_to_return_to(file), 0
        # Only what can be given back may be read ahead; otherwise, one piece at a time.
        pieces = read_ahead(file, self._start is not None)
        self._cached_end = None
        self._pieces, self._unserved, self._read_by = pieces, iter(pieces), read_ahead
        return bool(pieces)

    @staticmethod
    def _position_to_return_to(file: IO[Any]) -> int | None:
        """Return file.tell(), or None where giving back to that position would be unsafe.

        CPython's TextIOWrapper.tell() reads past a buffer once the file was
        seeked to a position whose cookie holds decoder state (a pending \r,
        say: all of 3.11 to 3.13 here) and read from, which giving back does.
        Such cookies carry that state above their low 64 bits.
        """
        position = file.tell()
        if _is_text(file) and position >> 64:
            return None
        return position

    def _give_back_read_ahead(self, file: IO[Any]) -> None:
        """Put the file where it would be had only the served pieces been read."""
        if self._start is None:
            return
        pieces = self._pieces
        served = len(pieces) - length_hint(self._unserved)
        consumed = self._skipped + sum(map(len, pieces[:served]))
        pieces.clear()  # which also ends any iteration over them
        if _is_text(file):
            # Text positions are opaque cookies: read the served characters again from _start.
            file.seek(self._start)
            while consumed > 0:
                skipped = len(file.read(min(consumed, _READ_AHEAD)))
                if not skipped:
                    break
                consumed -= skipped
        else:
            file.seek(self._start + consumed)
        self._start, self._skipped, self._tell_disabled = None, 0, False

    def _read_lines(self, file: IO[Any], ahead: bool) -> list[AnyStr]:
        if not ahead:
            line: AnyStr = file.readline()
            return [line] if line else []
        lines: list[AnyStr] = file.readlines(_READ_AHEAD)
        # In text files, readlines() disables tell() (unless it reached the end).
        self._tell_disabled = _is_text(file) and bool(lines)
        return lines

    def _read_chunks(self, file: IO[Any], size: int, ahead: bool) -> list[AnyStr]:
        # The very calls a loop of read(size) makes, a block's worth per hop.
        chunks: list[AnyStr] = []
        for _ in range(max(1, _READ_AHEAD // size) if ahead else 1):
            chunk: AnyStr = file.read(size)
            if not chunk:
                break
            chunks.append(chunk)
        return chunks


def _is_text(file: IO[Any]) -> bool:
    """Whether ``file`` is a text file: an io.TextIOBase, or a file that passes its calls on to one.

    tempfile.NamedTemporaryFile() and SpooledTemporaryFile() in text modes
    are of the second kind, which wrap_file() can be given.
    """
    return hasattr(file, "encoding")


def _positions_are_its_descriptors(file: IO[Any]) -> bool:
    """Whether ``file`` is a binary file of the kind open() gives, whose positions are those of its descriptor."""
    if type(file) in (io.BufferedReader, io.BufferedWriter, io.BufferedRandom):
        file = getattr(file, "raw")
    return type(file) is io.FileIO


def _read_cached(file: IO[Any], into: bytearray, position: int) -> tuple[int, bool] | None:
    """Read into ``into``, from ``position``, what the page cache holds, never waiting for the disk.

    Return how much was read and whether the file ends there; None where none
    of it is cached, or where there are no such reads (not Linux, tmpfs).
    """
    if _NOWAIT is None:
        return None
    try:
        read = os.preadv(file.fileno(), [into], position, _NOWAIT)
        # A short read is the end of the file, or all that is cached: a read of 0 tells which.
        at_end = read < len(into) and not os.preadv(file.fileno(), [bytearray(1)], position + read, _NOWAIT)
    except OSError:  # EAGAIN: not cached; EOPNOTSUPP: no such reads here
        return None
    return read, at_end
