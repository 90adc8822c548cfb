"""The read-ahead behind ``async for line in f`` and ``f.async_readchunks(size)``.

Pieces (lines, or chunks of one size) are read in blocks of about
``_READ_AHEAD`` bytes or characters by the worker thread or, in read-only
binary files that ``open()`` gives, of ``_CACHED_BLOCK`` bytes from the page
cache in the event-loop thread, and served from memory; every other call on
the file first gives back what was read ahead and not served. Terms:

- A *kind* of piece is the plain call that gives one: ``readline()`` for
  lines, ``read(size)`` for chunks. Two iterators of one kind share what
  is read ahead, as two loops over the plain file share its position.
- The *position* is where the plain file would be, given the same calls:
  after the pieces served, before those read ahead and not served yet.
- *Giving back* puts the file at the position, in the worker thread.

State. ``held`` names what the pieces are; ``pieces[served:]`` are the next
ones the plain calls of ``kind`` give from the position, where ``served`` is
derived from ``unserved``, the one iterator that serves them.

- ``NOTHING``: no pieces; the file is at the position.
- ``READ``: the worker read the pieces by the plain calls (chunks of a
  binary file ``open()`` gives by one ``readinto()`` of the block), from ``start``, a ``tell()`` value, on:
  the file is past them, just where those calls left it, ``error`` included. ``error`` is the
  exception the next plain call raises once every piece is served, or None.
  Giving back returns to ``start`` and makes the calls of the served pieces
  again (a seek in binary files), unless all are served and ``error`` is None.
- ``CACHED``: read from the page cache at ``start``, a byte offset (binary,
  read-only files), up to ``end`` (kept, since deriving it touches every
  piece); the file was not moved for them: giving back seeks to ``start``
  plus the bytes served.
- ``PAST``: one piece, read where no position could be told (an unseekable
  file, a text file whose ``tell()`` is disabled or carries decoder state):
  the file is past it, and an operation before it is served takes it as served.

Invariants, held by every method:

- Pieces are read ahead only from a position that can be returned to
  (``READ``, ``CACHED``); elsewhere one piece at a time (``PAST``).
- A block is read by the plain calls in order, stopping at the first that
  raises: never past an error the plain file would raise later, and nothing
  that was read before it is lost. Serving raises that error after the
  pieces, and the file is then where the plain file is after raising it.
- A piece that the plain call gives short only because the file ends there
  (a last line with no line end, a short last chunk) is held only alone:
  read ahead after others, it is left to be read when asked for, as the
  file may have grown by then (a log being written), and the plain call,
  made then, gives more.
- The page cache is read only in files the process cannot write through
  this file object: a write pending in a buffered writer, or one made by
  ``"a"`` mode at the end of the file, is never beneath what is served.
  And only in files of the kinds ``open()`` gives (``by_descriptor``), whose
  data and positions are their descriptor's: others (gzip, ``io.BytesIO``,
  tempfile's wrappers) are read through their own methods.
- Text and binary are told by the file (``is_text``), not by a mode: a
  wrapper of a file open already has none.
- One operation on the file at a time, whoever started it. Every operation
  (a wrapped call, a refill, closing) runs in a worker thread by ``call``,
  holding ``lock`` from before it gives back to its end: one that comes
  while another runs waits for it in its thread, also where the task that
  awaited the other was cancelled and went on (a thread cannot be
  interrupted). One whose task gave up on it before it took the lock never
  runs, as a call still queued in the executor does not: a later call may
  have run meanwhile. Calls that overlap, from several tasks, thus run
  whole, one after another.
- The event-loop thread never waits for the lock. It tries it for what it
  does with the state (making a batch to serve, a page-cache refill,
  raising a held error) and, where an operation holds it, leaves the work to
  a refill in the worker, which comes after that operation. The pieces of a
  batch are served without the lock, a ``next()`` of the pieces' iterator
  each: giving back takes the rest of that iterator in one step (``list()``,
  a C call no ``next()`` can come between under the GIL), which stops the
  serving and tells what it served.
- A fresh list per block: an iterator over an older block's pieces, given
  back (cleared) or served, gives nothing more.

Design choices these rest on (figures: bench/file.py and side-by-side runs on
a loaded 2-core machine, CPU time, 500,000 lines):

- The plain calls themselves, not a faster equivalent, read text and lines:
  ``readlines(hint)`` loses every line it read before an error and disables
  a text file's ``tell()``. A ``readline()`` per line costs about a third
  more (115 against 85 ms on 3.11) but leaves each block's start a position
  that can be returned to, so no state outlives a block.
- Giving back in text files seeks to the block's ``tell()`` cookie and makes
  the served pieces' calls again (at most a block of them), rather than
  ``read(n)``: the same decoding path, so it cannot meet an error those
  calls did not.
- Reading the page cache only in read-only files rather than flushing first:
  a flush is a hop too, and rests on seeing every write; the worker costs
  writable files about 15 % on lines and 1.7 times on 64 KiB chunks.
- One lock per file, taken by each operation in its worker thread and tried
  by the event-loop thread once per batch or page-cache read, never per
  piece served. Side by side, when the page cache was read a chunk at a
  time, chunks of 4 KiB cost what they did without it (3.6 to 3.8 times a
  plain read loop either way), and 64 KiB ones about 3 % more (1.90 against
  1.85 times, within the noise); ``acquire(False)`` there, as
  ``blocking=False`` measured twice the cost.
- Chunks from the page cache a block of them per read: 4 KiB ones went from
  3.3 to 1.0 times a plain read loop on 3.11, 3.7 to 1.6 times on 3.15.
- Serving by the cheapest async-for step of each Python: an async
  generator's on 3.11, a coroutine method's from 3.12 on (about a third
  cheaper there, and the generator's twice as dear as on 3.11). That step
  is most of what a line costs: over lines already in a list, with no file,
  it alone took 1.3 to 2.2 times the plain file's text iteration and 1.2
  to 3.3 times its binary one (bench/file.py, 3.11 to 3.15, two runs).
"""

from __future__ import annotations

import asyncio
import enum
import io
import os
import sys
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Executor
from functools import partial
from itertools import islice
from operator import length_hint
from typing import IO, Any, TextIO, cast

from asyncio_extras._workers import submit

# About how much is read ahead at once: bytes read from the file for lines;
# bytes (binary) or characters (text) of chunks.
_READ_AHEAD = 1 << 20
# Most lines or chunks served before the event loop gets a turn, so that
# a consumer that never awaits cannot stall the loop for long.
_PIECES_PER_TURN = 8192
# Reads that fail rather than wait for the disk (Linux); None where there are none.
_NOWAIT: int | None = getattr(os, "RWF_NOWAIT", None)
# Most lines read by one call when reading a block of lines ahead, which bounds
# how far past _READ_AHEAD a block of long lines after short ones can go.
_LINES_PER_CALL = 256
# Most bytes read from the page cache at once (and no more than _READ_AHEAD), into
# a buffer that stays in the CPU cache, as do the lines or chunks made of it.
_CACHED_BLOCK = 256 << 10
# Whether an async generator's step costs less than a coroutine method's
# (bench/file.py, side by side: on 3.11 only; from 3.12 on, twice as much).
_BY_GENERATOR = sys.version_info < (3, 12)


class Held(enum.Enum):
    """What the held pieces are, which says how to give them back."""

    NOTHING = "nothing"
    READ = "read by the worker"
    CACHED = "read from the page cache"
    PAST = "read where no position could be told"


class Lines:
    """The kind of piece ``readline()`` gives; every ``Lines`` of a file is the same kind."""

    def __init__(self, binary: bool) -> None:
        self.binary = binary
        self.empty: Any = b"" if binary else ""
        # How lines end: in binary files at b"\n" only; in text files also at "\r", by the newline setting.
        self.ends: Any = (b"\n",) if binary else ("\n", "\r")
        self.cache_block: bytearray | None = None  # reused by page-cache reads, one per iterator

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Lines)

    def one(self, file: IO[Any]) -> list[Any]:
        line = file.readline()
        return [line] if line else []

    def cut_short(self, line: Any) -> bool:
        """Whether ``line`` ends only because the file does: it goes on once the file grows."""
        return not line.endswith(self.ends)

    def block(self, file: IO[Any], start: int) -> tuple[list[Any], Exception | None]:
        # Lines, a readline() call each, until about _READ_AHEAD bytes are read
        # from the file: readlines() would lose what it read before an error
        # and, in text files, disable tell(). The bytes read, which a binary
        # file's tell() gives cheaply (a text file's buffer's), bound the block
        # without touching each line; a text file with no buffer (io.StringIO,
        # a text SpooledTemporaryFile) counts the characters of its lines.
        lines: list[Any] = []
        told: Callable[[], int] | None = file.tell
        if not self.binary:
            told = cast(TextIO, file).buffer.tell if hasattr(file, "buffer") else None
        begin = told() if told else 0
        more = iter(file.readline, self.empty)
        count = 1
        read = 0
        try:
            while True:
                before = len(lines)
                lines.extend(islice(more, count))  # keeps what it got before an error
                read = told() - begin if told else read + sum(map(len, lines[before:]))
                if len(lines) - before < count or read >= _READ_AHEAD:
                    break
                # What is left, at the bytes per line so far.
                count = max(1, min(_LINES_PER_CALL, (_READ_AHEAD - read) * len(lines) // max(1, read)))
        except Exception as error:
            return lines, error
        return lines, None

    def replay(self, file: IO[Any], count: int) -> None:
        deque(islice(iter(file.readline, self.empty), count), maxlen=0)

    def cached(self, file: IO[Any], position: int) -> tuple[list[bytes], int, bool] | None:
        # From a block the page cache holds, BytesIO.readlines() gives the lines
        # the file's own readline() would: both end a line at each b"\n" only.
        # Blocks of _CACHED_BLOCK rather than _READ_AHEAD: side by side, pinned,
        # up to 15 % less time (3.11 to 3.15), no hop being saved by more.
        if self.cache_block is None:
            self.cache_block = bytearray(min(_CACHED_BLOCK, _READ_AHEAD))
        cached = _read_cached(file, self.cache_block, position)
        if cached is None:
            return None
        read, at_end = cached
        return io.BytesIO(memoryview(self.cache_block)[:read]).readlines(), read, at_end


class Chunks:
    """The kind of piece ``read(size)`` gives; chunks of one size are one kind."""

    def __init__(self, binary: bool, size: int) -> None:
        self.binary = binary
        self.size = size
        self.empty: Any = b"" if binary else ""
        # Buffers reused from block to block, one per iterator (binary files).
        self.block_buffer: bytearray | None = None
        self.chunk_buffer: bytearray | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Chunks) and other.size == self.size

    def one(self, file: IO[Any]) -> list[Any]:
        chunk = file.read(self.size)
        return [chunk] if chunk else []

    def cut_short(self, chunk: Any) -> bool:
        """Whether ``chunk`` is short because the file ends: it is longer once the file grows."""
        return len(chunk) < self.size

    def block(self, file: IO[Any], start: int) -> tuple[list[Any], Exception | None]:
        size = self.size
        if size < _READ_AHEAD and by_descriptor(file):  # others, by their own read(size), as a loop over them reads
            try:
                return self._views(file), None
            except Exception:  # what readinto() read before the error is lost: read it again, a chunk a call
                file.seek(start)
        chunks: list[Any] = []
        try:
            chunks.extend(islice(iter(partial(file.read, size), self.empty), self._per_block(_READ_AHEAD)))
        except Exception as error:
            return chunks, error
        return chunks, None

    def _views(self, file: IO[Any]) -> list[memoryview]:
        # The worker reads a block into one buffer, reused from block to block,
        # and the chunks, views into it, are copied out as they are served.
        # Chunks allocated by the worker cost up to twice as much (bench/file.py:
        # 3.9x a plain read loop against 1.7x), once the default executor has
        # several threads: each allocates from a malloc arena of its own, which
        # hands freed memory back to the system and faults it in again. Copying
        # all of a block's chunks at once measured worse too (2.2x): one chunk
        # alive at a time lets memory be reused. readinto() makes the calls
        # read(size) would, a block of them at once, since a binary file's data
        # does not depend on how it is cut.
        size = self.size
        if self.block_buffer is None:  # no larger than the rest of the file: fresh memory is slow to fault in
            chunks_left = -(-(os.fstat(file.fileno()).st_size - file.tell()) // size)
            self.block_buffer = bytearray(size * max(1, min(chunks_left, self._per_block(_READ_AHEAD))))
        return self._cut(self.block_buffer, cast("io.BufferedIOBase", file).readinto(self.block_buffer))

    def replay(self, file: IO[Any], count: int) -> None:
        read = file.read
        for _ in range(count):
            read(self.size)

    def cached(self, file: IO[Any], position: int) -> tuple[list[memoryview], int, bool] | None:
        # A block of chunks at a time, in this thread, into a buffer reused from
        # block to block, copied out as served: against one chunk per read, the
        # work per read is shared by several (bench/file.py, 64 KiB chunks: 1.2
        # to 1.5x a plain read loop on 3.11 to 3.15, against 1.4 to 1.9x).
        size = self.size
        if size >= _READ_AHEAD:  # and read(size) zero-fills no buffer of such a size
            return None
        if self.chunk_buffer is None:
            self.chunk_buffer = bytearray(size * self._per_block(min(_CACHED_BLOCK, _READ_AHEAD)))
        cached = _read_cached(file, self.chunk_buffer, position)
        if cached is None:
            return None
        read, at_end = cached
        return self._cut(self.chunk_buffer, read), read, at_end

    def _per_block(self, block: int) -> int:
        """How many chunks a block of about ``block`` bytes holds: no more than a turn serves.

        A chunk held costs some 180 bytes beside its data (a view, or a small
        bytes object): chunks of a byte, a block's worth, would take 180 MB.
        """
        return max(1, min(block // self.size, _PIECES_PER_TURN))

    def _cut(self, buffer: bytearray, length: int) -> list[memoryview]:
        """The chunks of the first ``length`` bytes of ``buffer``, as views."""
        view = memoryview(buffer)[:length]
        return [view[start : start + self.size] for start in range(0, length, self.size)]


Kind = Lines | Chunks


class ReadAhead:
    """The pieces read ahead of one open file, and how to give them back (see the module's docstring)."""

    def __init__(self, file: IO[Any]) -> None:
        self.file = file
        self.held = Held.NOTHING
        self.kind: Kind | None = None
        self.pieces: list[Any] = []
        self.unserved: Iterator[Any] = iter(self.pieces)
        self.start = 0
        self.end = 0
        self.error: Exception | None = None
        self.text = is_text(file)
        # Held by every operation on the file, whoever started it (see the invariants). Reentrant:
        # a file whose own call comes back to the wrapper in its thread (a generator given to
        # writelines() that tells, say) goes on as the plain file would, instead of waiting for itself.
        self.lock = threading.RLock()
        # The page cache may be read for this file (see the invariants).
        self.cacheable = _NOWAIT is not None and by_descriptor(file) and file.seekable() and not file.writable()

    # --- in the event-loop thread, under the lock taken without waiting ---

    def holds(self, kind: Kind) -> bool:
        """Whether pieces of ``kind`` are left to serve."""
        return length_hint(self.unserved) > 0 and self.kind == kind

    def raises(self, kind: Kind) -> bool:
        """Whether every piece of ``kind`` is served and the next plain call raises ``error``."""
        return self.error is not None and not length_hint(self.unserved) and self.kind == kind

    def take_error(self) -> Exception:
        """Return the error the plain call after the pieces raised, which the file has raised already."""
        error = cast(Exception, self.error)
        self._hold(Held.NOTHING, None, [])
        return error

    def refill_from_cache(self, kind: Kind) -> int | None:
        """Read the next pieces from the page cache, where it holds them and the file allows it.

        Return how many bytes they take (0 at the end of the file, and only
        there: no pieces), or None where the worker thread must read them.
        """
        if not self.cacheable:
            return None
        if self.held is Held.CACHED:
            unserved = self._unserved_count()
            position = self.start + self._consumed(len(self.pieces) - unserved) if unserved else self.end
        elif self.held is Held.NOTHING or (self.held is Held.READ and self.error is None and not self._unserved_count()):
            position = self.file.tell()  # past any pieces read by the worker, all of them served
        else:
            return None
        cached = kind.cached(self.file, position)
        if cached is None:
            return None
        pieces, read, at_end = cached
        # A last piece cut short goes on past what was read or, where the file ends
        # now, once it grows: it is held only alone (see the invariants).
        if pieces and kind.cut_short(pieces[-1]) and (len(pieces) > 1 or not at_end):
            read -= len(pieces.pop())
        if not pieces and not at_end:  # a piece longer than what was read, or than what is cached
            return None
        self._hold(Held.CACHED, kind, pieces, position, end=position + read)
        return read

    # --- operations on the file, one at a time ---

    def call(self, executor: Executor | None, func: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        """Make ``func(*args)`` an operation on the file (see the invariants), where ``call_in_worker`` would."""
        loop = asyncio._get_running_loop()
        if loop is None:  # a worker thread already
            return self._alone(func, args, None)
        given_up: list[bool] = []  # a flag the worker thread reads
        future = submit(loop, executor, self._alone, (func, args, given_up), {})
        future.add_done_callback(partial(_note_if_cancelled, given_up))
        return future

    def _alone(self, func: Callable[..., Any], args: tuple[Any, ...], given_up: list[bool] | None) -> Any:
        with self.lock:
            # Its task gave up on it and went on: a later call may have run already, which it must not follow.
            if given_up:
                return None
            return func(*args)

    # --- in a worker thread, within an operation ---

    def refill(self, kind: Kind) -> bool:
        """Read the next pieces of ``kind`` ahead; return False at the end of the file.

        Pieces of ``kind`` held already are the next ones (a refill whose task
        was cancelled read them, or another iterator's). Other pieces are given back first. Raise what the
        plain call raises where that call is the first to make.
        """
        if self.holds(kind):
            return True
        self.give_back()
        file = self.file
        start = self._position()
        if start is None:
            pieces = kind.one(file)
            self._hold(Held.PAST, kind, pieces)
            return bool(pieces)
        pieces, error = kind.block(file, start)
        if error is not None and not pieces:
            raise error  # where the plain file raises it; nothing to give back
        if error is None and len(pieces) > 1 and kind.cut_short(pieces[-1]):
            # Where the file ends now; grown by the time the plain call is made, it gives more.
            # Left to be read again, alone, when it is asked for.
            pieces.pop()
            self._go_past(kind, start, pieces)
        self._hold(Held.READ, kind, pieces, start, error)
        return bool(pieces)

    def give_back(self) -> None:
        """Put the file at the position, holding nothing."""
        held, kind, start = self.held, self.kind, self.start
        if held is Held.NOTHING:
            return
        # The event-loop thread serves pieces without the lock (see the invariants).
        unserved = len(list(self.unserved))
        served = self.pieces[: len(self.pieces) - unserved]
        all_read_served = held is Held.READ and not unserved and self.error is None
        self._hold(Held.NOTHING, None, [])
        if held is Held.PAST or all_read_served:
            return  # the file is just past what was served
        self._go_past(cast(Kind, kind), start, served)

    def _go_past(self, kind: Kind, start: int, pieces: list[Any]) -> None:
        """Put the file just past ``pieces``, the first that the plain calls of ``kind`` give from ``start``."""
        if not self.text:
            self.file.seek(start + sum(map(len, pieces)))
        else:  # text positions are opaque cookies: the pieces' calls again, from the start
            self.file.seek(start)
            kind.replay(self.file, len(pieces))

    def drop(self) -> None:
        """Forget what was read ahead, as closing the file does."""
        self._hold(Held.NOTHING, None, [])

    # --- the state ---

    def _hold(
        self,
        held: Held,
        kind: Kind | None,
        pieces: list[Any],
        start: int = 0,
        error: Exception | None = None,
        end: int = 0,
    ) -> None:
        self.pieces.clear()  # which also ends any iteration over the pieces held so far
        self.held, self.kind, self.pieces, self.unserved = held, kind, pieces, iter(pieces)
        self.start, self.error, self.end = start, error, end

    def _unserved_count(self) -> int:
        return length_hint(self.unserved)

    def _consumed(self, served: int) -> int:
        """The bytes or characters of the first ``served`` pieces."""
        return sum(map(len, self.pieces[:served]))

    def _position(self) -> int | None:
        """Return the file's tell(), or None where reading ahead from it could not be given back.

        A text file's tell() is disabled after next() until a seek or the end
        of the file (``readlines()`` calls next()). And CPython's
        TextIOWrapper.tell() reads past a buffer once the file was seeked to a
        position whose cookie holds decoder state (a pending \\r, say: all of
        3.11 to 3.13 here) and read from, which giving back does; such cookies
        carry that state above their low 64 bits.
        """
        file = self.file
        if not file.seekable():
            return None
        try:
            position = file.tell()
        except OSError:
            return None
        if self.text and position >> 64:
            return None
        return position


class Pieces:
    """An async iterator over the pieces of one kind, served from the read-ahead of an open file."""

    def __init__(self, ahead: ReadAhead, kind: Kind, executor: Executor | None) -> None:
        self._ahead = ahead
        self._kind = kind
        self._executor = executor
        self._batch: Iterator[Any] = iter(())
        # Pieces served, and bytes read from the page cache, since the loop last had a turn.
        self._pieces_since_turn = 0
        self._bytes_since_turn = 0

    def __aiter__(self) -> Pieces:
        return self

    async def __anext__(self) -> Any:
        for piece in self._batch:  # (the cheapest way to the next piece measured: no call)
            return piece
        return await self._next_batch()

    async def generated(self) -> AsyncIterator[Any]:
        """Serve from an async generator instead: the cheapest async-for step measured on 3.11."""
        while True:
            for piece in self._batch:
                yield piece
            try:
                piece = await self._next_batch()
            except StopAsyncIteration:
                return
            yield piece

    async def _next_batch(self) -> Any:
        ahead, kind, lock = self._ahead, self._kind, self._ahead.lock
        while True:
            if self._pieces_since_turn >= _PIECES_PER_TURN or self._bytes_since_turn >= _READ_AHEAD:
                self._pieces_since_turn = self._bytes_since_turn = 0
                await asyncio.sleep(0)  # a turn as often as hops would give one
            read: int | None = None
            if lock.acquire(False):  # never waits (see the invariants); positional: half the cost of blocking=False
                try:
                    if ahead.holds(kind):
                        return self._serve()
                    if ahead.raises(kind):
                        raise ahead.take_error()
                    read = ahead.refill_from_cache(kind)
                    if read:
                        self._bytes_since_turn += read
                        if self._bytes_since_turn < _READ_AHEAD:  # no turn due before them: under this lock still
                            return self._serve()
                finally:
                    lock.release()
                if read == 0:
                    raise StopAsyncIteration
                if read is not None:
                    continue  # to the loop's turn, then the pieces
            # The worker reads the next pieces: what the page cache does not hold, or all of them while another
            # operation runs on the file, after which they come.
            more = await ahead.call(self._executor, ahead.refill, (kind,))
            self._pieces_since_turn = self._bytes_since_turn = 0  # the hop gave the loop its turn
            if not more:
                raise StopAsyncIteration

    def _serve(self) -> Any:
        """Serve the first piece of a batch of at most those left before the loop's next turn; the lock is held."""
        # At least the piece asked for: where tasks take turns at one iterator, another
        # may have begun a batch while this one's task had the loop's turn.
        unserved, room = self._ahead.unserved, max(1, _PIECES_PER_TURN - self._pieces_since_turn)
        self._pieces_since_turn += min(room, length_hint(unserved))  # counted when the batch begins
        batch = islice(unserved, room)
        self._batch = map(bytes, batch) if self._kind.binary and isinstance(self._kind, Chunks) else batch
        return next(self._batch)


def serve(ahead: ReadAhead, kind: Kind, executor: Executor | None) -> AsyncIterator[Any]:
    """Return an async iterator over the pieces of ``kind``, by the cheapest async-for protocol on this Python."""
    pieces = Pieces(ahead, kind, executor)
    return pieces.generated() if _BY_GENERATOR else pieces


def is_text(file: IO[Any]) -> bool:
    """Whether ``file`` is a text file: an io.TextIOBase, or a file that passes its calls on to one.

    tempfile.NamedTemporaryFile() and SpooledTemporaryFile() in text modes
    are of the second kind, which wrap_file() can be given.
    """
    return hasattr(file, "encoding")


def by_descriptor(file: IO[Any]) -> bool:
    """Whether ``file`` is a binary file of the kind open() gives, whose data and positions are its descriptor's.

    Others (gzip, io.BytesIO, tempfile's wrappers) read through their own methods only.
    """
    if type(file) in (io.BufferedReader, io.BufferedWriter, io.BufferedRandom):
        file = getattr(file, "raw")
    return type(file) is io.FileIO


def _note_if_cancelled(given_up: list[bool], future: asyncio.Future[Any]) -> None:
    if future.cancelled():
        given_up.append(True)


def _read_cached(file: IO[Any], into: bytearray, position: int) -> tuple[int, bool] | None:
    """Read into ``into``, from ``position``, what the page cache holds, never waiting for the disk.

    Return how much was read and whether the file ends there; None where none
    of it is cached, or where there are no such reads (not Linux, tmpfs).
    """
    if _NOWAIT is None:
        return None
    try:
        read = os.preadv(file.fileno(), [into], position, _NOWAIT)
    except OSError:  # EAGAIN: not cached; EOPNOTSUPP: no such reads here
        return None
    if read == len(into):
        return read, False
    # A short read is the end of the file, or all that is cached: a read past it tells which.
    try:
        return read, not os.preadv(file.fileno(), [bytearray(1)], position + read, _NOWAIT)
    except BlockingIOError:  # more, not cached
        return read, False
