"""The wrapper gives what the plain file object gives, in every mode, on a disk filesystem (issue 15).

The plain file object is the oracle throughout: the same operations go to a
twin file opened the same way, and every result or error is compared. The
files live where reads from the page cache that fail rather than wait
(``preadv(..., RWF_NOWAIT)``) work, so that the wrapper's fast path is taken:
tmpfs refuses them, and pytest's ``tmp_path`` may be on tmpfs.

Private names patched here, wherever the read-ahead lives, all in
``read_ahead_of``: ``_READ_AHEAD`` (required), and where they exist
``_PIECES_PER_TURN``, ``_LINES_PER_CALL`` and ``_BY_GENERATOR``.
"""

import asyncio
import contextlib
import gc
import importlib
import os
import shutil
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any
from unittest import mock

import pytest
import uvloop
from hypothesis import event, given, settings
from hypothesis import strategies as st

from asyncio_extras import AsyncFileWrapper, open_async

_NOWAIT: int | None = getattr(os, "RWF_NOWAIT", None)


# --- where the files live, and proof that the page-cache path is taken ---


def _reads_from_the_page_cache_work(folder: str) -> bool:
    if _NOWAIT is None:
        return False
    probe = Path(folder) / "probe"
    probe.write_bytes(b"cached")
    try:
        with probe.open("rb") as f:
            return os.preadv(f.fileno(), [bytearray(6)], 0, _NOWAIT) == 6
    except OSError:  # EOPNOTSUPP on tmpfs, EAGAIN where nothing is cached
        return False
    finally:
        probe.unlink()


@pytest.fixture(scope="module")
def disk() -> Iterator[Path]:
    """A fresh folder where reads from the page cache that never wait work, if any filesystem here has them.

    ``/var/tmp`` first. Without one (not Linux, tmpfs only), the tests run
    in the temporary folder, and those proving the page-cache path skip.
    """
    candidates = [parent for parent in ("/var/tmp", tempfile.gettempdir(), os.getcwd()) if os.path.isdir(parent)]
    for parent in candidates:
        folder = tempfile.mkdtemp(prefix="asyncio-extras-", dir=parent)
        if _reads_from_the_page_cache_work(folder) or parent is candidates[-1]:
            yield Path(folder)
            shutil.rmtree(folder)
            return
        shutil.rmtree(folder)


def needs_page_cache_reads(folder: Path) -> None:
    if not _reads_from_the_page_cache_work(str(folder)):
        pytest.skip("no filesystem here serves reads from the page cache that fail rather than wait")


class PageCacheReads:
    """Counts the reads from the page cache (``os.preadv`` with ``RWF_NOWAIT``) that gave data, by mode."""

    def __init__(self) -> None:
        self.by_mode: Counter[str] = Counter()
        self._real = os.preadv

    @contextlib.contextmanager
    def counted_as(self, mode: str) -> Generator[None, None, None]:
        real = self._real

        def preadv(fd: int, buffers: Any, offset: int, flags: int = 0, /) -> int:
            read = real(fd, buffers, offset, flags)
            if flags & (_NOWAIT or 0) and read > 0:
                self.by_mode[mode] += 1
            return read

        with mock.patch.object(os, "preadv", preadv):
            yield


@contextlib.contextmanager
def read_ahead_of(block: int, by_generator: bool) -> Generator[None, None, None]:
    """Make the wrapper read ahead in blocks of ``block``, and serve by an async generator or not.

    The only place private names are patched. Small blocks put every
    block boundary (a line longer than a block, a \\r\\n split over two,
    a character split over two) within reach of short files; a turn of the
    loop every few pieces, and few lines per call, put those boundaries in
    reach too. Where the read-ahead serves by either of two iterator
    protocols, whichever is cheaper on the running Python, both are tried.
    """
    modules = [
        module
        for name in ("asyncio_extras.file", "asyncio_extras._readahead")
        if (module := _imported(name)) is not None and hasattr(module, "_READ_AHEAD")
    ]
    assert modules, "the read-ahead block size (_READ_AHEAD) moved: update read_ahead_of()"
    values = {"_READ_AHEAD": block, "_PIECES_PER_TURN": 3, "_LINES_PER_CALL": 2, "_BY_GENERATOR": by_generator}
    with contextlib.ExitStack() as patches:
        for module in modules:
            for name, value in values.items():
                if hasattr(module, name):
                    patches.enter_context(mock.patch.object(module, name, value))
        yield


def _imported(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "asyncio": asyncio.new_event_loop,
    "uvloop": uvloop.new_event_loop,
}


@pytest.fixture(scope="module")
def uvloop_ready() -> None:
    """Run uvloop once before the tests that start loops of their own.

    Its first loop opens a pipe for the whole process (libuv's signal lock),
    which the leak check would otherwise blame on the first such test.
    """
    loop = uvloop.new_event_loop()
    loop.close()


# --- the regressions of issue 15, each against the plain file ---


async def outcome_of_iterating(pieces: AsyncIterator[Any]) -> tuple[list[Any], type[BaseException] | None]:
    served: list[Any] = []
    try:
        async for piece in pieces:
            served.append(piece)
    except Exception as error:  # whatever the plain file raises: compared by the caller
        return served, type(error)
    return served, None


def outcome_of_plain(pieces: Iterator[Any]) -> tuple[list[Any], type[BaseException] | None]:
    served: list[Any] = []
    try:
        for piece in pieces:
            served.append(piece)
    except Exception as error:
        return served, type(error)
    return served, None


def twins(disk: Path, content: bytes) -> tuple[Path, Path]:
    """Two files holding ``content``: one for the wrapper, one for the plain file."""
    for_wrapper, for_plain = disk / "wrapper.bin", disk / "plain.bin"
    for_wrapper.write_bytes(content)
    for_plain.write_bytes(content)
    return for_wrapper, for_plain


@pytest.mark.parametrize("pieces", ["lines", "chunks"])
async def test_r_plus_b_iteration_after_a_write_serves_the_written_bytes(disk: Path, pieces: str) -> None:
    for_wrapper, for_plain = twins(disk, b"aaaa\nbbbb\ncccc\n")
    with for_plain.open("r+b") as plain:
        async with open_async(for_wrapper, "r+b") as f:
            assert await f.readline() == plain.readline()
            assert await f.write(b"XXXX\n") == plain.write(b"XXXX\n")
            assert await f.seek(5) == plain.seek(5)
            if pieces == "lines":
                assert [line async for line in f] == list(plain) == [b"XXXX\n", b"cccc\n"]
            else:
                chunks = [chunk async for chunk in f.async_readchunks(4)]
                assert chunks == list(iter(lambda: plain.read(4), b"")) == [b"XXXX", b"\nccc", b"c\n"]
    assert for_wrapper.read_bytes() == for_plain.read_bytes()


@pytest.mark.parametrize("pieces", ["lines", "chunks"])
async def test_a_plus_b_iteration_after_an_appending_write_serves_what_the_plain_file_does(
    disk: Path, pieces: str
) -> None:
    for_wrapper, for_plain = twins(disk, b"aaaa\nbbbb\ncccc\n")
    with for_plain.open("a+b") as plain:
        async with open_async(for_wrapper, "a+b") as f:
            assert await f.seek(0) == plain.seek(0)
            assert await f.write(b"new\n") == plain.write(b"new\n")
            if pieces == "lines":
                assert [line async for line in f] == list(plain)
            else:
                assert [chunk async for chunk in f.async_readchunks(3)] == list(iter(lambda: plain.read(3), b""))
            assert await f.tell() == plain.tell()
    assert for_wrapper.read_bytes() == for_plain.read_bytes()


async def test_the_page_cache_path_is_taken_where_these_files_live(disk: Path) -> None:
    # So that the tests above exercise it: on tmpfs they would pass without it.
    needs_page_cache_reads(disk)
    for_wrapper, _ = twins(disk, b"aaaa\nbbbb\ncccc\n")
    reads = PageCacheReads()
    with reads.counted_as("rb"):
        async with open_async(for_wrapper, "rb") as f:
            assert [line async for line in f] == [b"aaaa\n", b"bbbb\n", b"cccc\n"]
    assert reads.by_mode["rb"] > 0


UNDECODABLE_AFTER_MANY_LINES = b"good line\n" * 10_000 + b"\xff oops\n"


@pytest.mark.parametrize("chunk_size", [None, 100], ids=["lines", "chunks-of-100"])
async def test_a_decode_error_comes_after_every_piece_the_plain_file_serves_before_it(
    disk: Path, chunk_size: int | None
) -> None:
    for_wrapper, for_plain = twins(disk, UNDECODABLE_AFTER_MANY_LINES)
    with for_plain.open(encoding="utf-8") as plain:
        expected = outcome_of_plain(iter(plain) if chunk_size is None else iter(lambda: plain.read(chunk_size), ""))
    async with open_async(for_wrapper, encoding="utf-8") as f:
        served = await outcome_of_iterating(aiter(f) if chunk_size is None else f.async_readchunks(chunk_size))
    assert expected[1] is UnicodeDecodeError  # the plain file serves some, then fails
    assert len(served[0]) == len(expected[0]) > 0
    assert served == expected


async def test_iteration_after_readlines_with_a_hint_goes_on_from_there(disk: Path) -> None:
    # Text readlines(hint) stops before the end, leaving the file's own tell() disabled.
    for_wrapper, for_plain = twins(disk, b"a\nb\nc\nd\n")
    with for_plain.open() as plain:
        async with open_async(for_wrapper) as f:
            assert await f.readlines(1) == plain.readlines(1)
            assert [line async for line in f] == list(plain) == ["b\n", "c\n", "d\n"]


@pytest.mark.parametrize("chunk_size", [1, 3])
async def test_chunks_after_readlines_with_a_hint_go_on_from_there(disk: Path, chunk_size: int) -> None:
    for_wrapper, for_plain = twins(disk, b"a\nb\nc\nd\n")
    with for_plain.open() as plain:
        async with open_async(for_wrapper) as f:
            assert await f.readlines(1) == plain.readlines(1)
            chunks = [chunk async for chunk in f.async_readchunks(chunk_size)]
            assert chunks == list(iter(lambda: plain.read(chunk_size), ""))


class HeldOpener:
    """An ``opener`` that counts the files it opens and holds each open until released.

    While the first open is held, every task that enters the wrapper gets as
    far as it can: whether the file opens once does not depend on timing.
    """

    def __init__(self) -> None:
        self.opened: list[str] = []
        self.released = threading.Event()

    def __call__(self, path: str, flags: int) -> int:
        self.opened.append(path)
        self.released.wait()
        return os.open(path, flags, 0o666)

    async def release_soon(self) -> None:
        for _ in range(5):  # turns of the loop in which every task that entered runs on
            await asyncio.sleep(0)
        self.released.set()


async def test_two_tasks_entering_one_unopened_wrapper_share_one_file(disk: Path) -> None:
    path, _ = twins(disk, b"first\nsecond\n")
    opener = HeldOpener()
    wrapper = open_async(path, opener=opener)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            first, second, _ = await asyncio.gather(wrapper.__aenter__(), wrapper.__aenter__(), opener.release_soon())
        finally:
            opener.released.set()
        gc.collect()  # a file object opened twice and dropped warns here
    assert first is second is wrapper
    assert opener.opened == [str(path)]
    assert not [warning for warning in caught if issubclass(warning.category, ResourceWarning)]
    assert not first.closed
    assert [await first.readline(), await second.readline()] == ["first\n", "second\n"]
    await wrapper.close()


async def test_two_tasks_awaiting_one_unopened_wrapper_both_get_it_open(disk: Path) -> None:
    path, _ = twins(disk, b"first\nsecond\n")
    opener = HeldOpener()
    wrapper = open_async(path, opener=opener)

    async def open_it() -> AsyncFileWrapper[Any]:
        return await wrapper

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            first, second, _ = await asyncio.gather(open_it(), open_it(), opener.release_soon())
        finally:
            opener.released.set()
        gc.collect()
    assert first is second is wrapper
    assert opener.opened == [str(path)]
    assert not [warning for warning in caught if issubclass(warning.category, ResourceWarning)]
    # One call at a time, as on the plain file (a text file's calls from two threads at once may interleave).
    assert [await first.readline(), await second.readline()] == ["first\n", "second\n"]
    await wrapper.close()


async def test_a_line_longer_than_the_real_read_ahead_block_is_served_whole(disk: Path) -> None:
    # 1 MiB is the read-ahead block; no patching here, so the real boundaries are crossed.
    content = b"short\n" * 3 + b"L" * (3 << 19) + b"\r\n" + b"tail\n" * 3
    for mode in ("rb", "r"):
        for_wrapper, for_plain = twins(disk, content)
        with for_plain.open(mode) as plain:
            async with open_async(for_wrapper, mode) as f:
                lines = aiter(f)
                assert [await anext(lines) for _ in range(4)] == [plain.readline() for _ in range(4)]
                assert await f.read(3) == plain.read(3)
                assert [line async for line in lines] == plain.readlines()


@pytest.mark.parametrize("chunk_size", [None, 1000, 4096], ids=["lines", "chunks-of-1000", "chunks-of-4096"])
async def test_a_file_the_page_cache_holds_only_the_start_of_gives_the_plain_files_pieces(
    disk: Path, chunk_size: int | None
) -> None:
    # No patching: real page-cache blocks, the last cut short where the cached part
    # ends, then the worker's blocks over the rest. The kernel may keep a little more
    # than is read (a large folio), so only the end of this longer file is checked.
    needs_page_cache_reads(disk)
    content = b"".join(b"%06d %s\n" % (n, b"x" * (n % 50)) for n in range(60_000))
    for_wrapper, for_plain = twins(disk, content)
    with for_wrapper.open("rb") as file:
        for _ in range(3):  # a drop can come too early for pages still being written back
            os.fsync(file.fileno())  # only clean pages can be dropped
            os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
            os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_RANDOM)  # no read-ahead by the kernel
            os.pread(file.fileno(), 300_000, 0)
            try:
                os.preadv(file.fileno(), [bytearray(1)], len(content) - 1, _NOWAIT or 0)
            except BlockingIOError:
                break
            time.sleep(0.1)
        else:
            pytest.skip("the page cache kept what was asked to drop")
    reads = PageCacheReads()
    with for_plain.open("rb") as plain, reads.counted_as("rb"):
        async with open_async(for_wrapper, "rb") as f:
            if chunk_size is None:
                assert [line async for line in f] == list(plain)
            else:
                chunks = [chunk async for chunk in f.async_readchunks(chunk_size)]
                assert chunks == list(iter(lambda: plain.read(chunk_size), b""))
    assert reads.by_mode["rb"] > 0


@pytest.mark.parametrize("pieces", ["lines", "chunks"])
@pytest.mark.parametrize(
    "mode", ["rb", "r+b", "r", "rb, not in the page cache"], ids=["rb", "r+b", "r", "rb-uncached"]
)
async def test_a_piece_cut_short_by_the_end_of_a_file_that_grows_is_served_only_where_the_plain_file_serves_it(
    disk: Path, pieces: str, mode: str
) -> None:
    # A log being written: the plain file gives a line without its line end, or a chunk
    # short of its size, only where the file ends when that call is made. Here the end
    # was read ahead with the pieces before it (from the page cache in "rb", by the
    # worker thread otherwise), then the file grew.
    cached = mode == "rb"
    if cached:
        needs_page_cache_reads(disk)
    mode = mode.split(",")[0]
    for_wrapper, for_plain = twins(disk, b"a\nb\npar")
    reads = PageCacheReads()
    with for_plain.open(mode) as plain, reads.counted_as(mode):
        nothing_cached = mock.patch.object(os, "preadv", side_effect=BlockingIOError)
        with nothing_cached if mode == "rb" and not cached else contextlib.nullcontext():
            async with open_async(for_wrapper, mode) as f:
                if pieces == "lines":
                    served, plain_call = aiter(f), plain.readline
                else:
                    served, plain_call = f.async_readchunks(3), partial(plain.read, 3)
                assert await anext(served) == plain_call()
                for path in (for_wrapper, for_plain):
                    with path.open("ab") as writer:
                        writer.write(b"tial\n")
                assert [piece async for piece in served] == list(iter(plain_call, b"" if "b" in mode else ""))
    assert (reads.by_mode[mode] > 0) == cached


@pytest.mark.parametrize("mode", ["rb", "r+b", "r"])
async def test_one_iterator_taken_turns_at_by_two_tasks_serves_each_piece_once(disk: Path, mode: str) -> None:
    # As two threads' next() calls on one plain file do. The coroutine protocol only: an
    # async generator (3.11's) refuses an anext() while another waits, as all of them do.
    for_wrapper, for_plain = twins(disk, b"".join(b"%d\n" % n for n in range(50)))
    served: list[Any] = []
    with read_ahead_of(1 << 20, by_generator=False), for_plain.open(mode) as plain:
        async with open_async(for_wrapper, mode) as f:
            lines = aiter(f)

            async def take_turns() -> None:
                async for line in lines:
                    served.append(line)
                    await asyncio.sleep(0)  # the other task's turn

            await asyncio.gather(take_turns(), take_turns())
        assert sorted(served) == sorted(plain)

# --- differential: random programs on the wrapper and on the plain file ---
#
# A program is a list of operations, applied to the wrapper and to the plain
# file in turn; after each, what they returned or raised must agree. At the
# end both files are closed and their bytes compared.
#
# Where the plain file itself is no oracle (CPython quirks, documented at each):
#
# * Text files, a write, writelines or truncate after a read that did not end
#   at the end of the file, with no seek in between: TextIOWrapper writes
#   where its *buffer* is, past the characters it decoded ahead (gh-56424),
#   and truncate leaves those decoded characters to be read on. The wrapper's
#   read-ahead and giving back read different amounts ahead, so the plain
#   file's result is an artifact of its buffer size. There, both first
#   flush() and seek() to where they are (tell(), or the end of the file when
#   tell() is disabled), then write: the comparison carries on from there.
# * Text files, after a decoding error (UnicodeError): the plain file has consumed the
#   whole chunk it failed to decode, so where it is, and goes on from, depends
#   on its chunking. The program ends there (the error itself, and everything
#   served before it, are compared; then both files are closed and compared).
# * Text files in an encoding that begins with a BOM (utf-16), the first
#   write after reading from the start, with no seek since the file was
#   opened: the plain file writes a second BOM mid-file, as its encoder was
#   set up for the position the file was opened at; any seek sets it right,
#   and the wrapper's read-ahead seeks. There, both realign first too.
# * Text files, seeking to a tell() cookie holding decoder state (above its
#   low 64 bits, a pending \r say) and reading: CPython's own tell() then reads
#   past a buffer (3.11 to 3.13), plain file or not; such seeks are skipped.
# * Text files on 3.11 and 3.12, read(size), readline(), readlines() or
#   next() after a write with nothing that flushes in between (flush, tell,
#   seek, read() of all, truncate): TextIOWrapper reads without flushing the
#   write first (gh-115059, fixed in 3.13), so it reads the bytes the write
#   covers, and the write lands after them. There, both realign first too.
# * Files opened for appending (binary or text), anything but another write
#   or a flush after a write: the buffered file believes the write landed at
#   its position, the system appended it at the end, and its position, reads
#   and tell() follow the former until it flushes, the latter after: in
#   "a+b" holding b"a\nb\nc\nd\n...", seek(0), write(b"wxyz"), then
#   readline() gives b"d\n", or b"" with a flush() before it. There, both
#   realign first too (the flushed answer).
# * Text files, an iteration step is compared with plain ``readline()``: it
#   returns the same line as ``next()``, but ``next()`` disables ``tell()``
#   until the end of the file, which the wrapper's iteration does not.


@dataclass
class Scene:
    """How both files are opened, and what they hold first."""

    mode: str
    buffering: int
    encoding: str | None = None
    errors: str | None = None
    newline: str | None = None
    content: bytes = b""

    @property
    def binary(self) -> bool:
        return "b" in self.mode

    def open(self, path: Path, mode: str | None = None) -> IO[Any]:
        """Open ``path`` as the plain file (in ``mode`` instead, if given)."""
        return open(path, mode or self.mode, -1 if mode else self.buffering, self.encoding, self.errors, self.newline)

    def open_async(self, path: Path) -> AsyncFileWrapper[Any]:
        return open_async(path, self.mode, self.buffering, self.encoding, self.errors, self.newline)


# An operation: its name and argument.
Operation = tuple[str, Any]


@dataclass
class Outcome:
    """What one call gave: a value, the end of an iteration, or an error (its type and what it says)."""

    value: Any = None
    ended: bool = False
    error: type[BaseException] | None = None
    says: Any = None

    @classmethod
    def of_error(cls, error: BaseException) -> "Outcome":
        if isinstance(error, (UnicodeDecodeError, UnicodeEncodeError)):
            # Its message counts from where the codec's input began, an artifact of chunking.
            says: Any = (error.reason, error.object[error.start : error.end])
        else:
            says = str(error)
        return cls(error=type(error), says=says)


@dataclass
class Pair:
    """The wrapper and the plain file, and what the program keeps between operations on them."""

    scene: Scene
    wrapper: AsyncFileWrapper[Any]
    plain: Any
    paths: tuple[Path, Path]
    lines: AsyncIterator[Any] | None = None
    chunks: AsyncIterator[Any] | None = None
    chunk_size: int = 0
    told: list[tuple[int, int]] = field(default_factory=list[tuple[int, int]])  # (wrapper's, plain's) tell() values
    # Text: the plain file may hold characters decoded ahead of its position (see above).
    decoded_ahead: bool = False
    # Text with a BOM: the plain file's encoder still thinks it is at the position it was opened at.
    encoder_at_open: bool = False
    read_since_open: bool = False
    # A write not flushed yet: text reads on 3.11 and 3.12, and appending files, read past it (see above).
    written_unflushed: bool = False
    decode_failed: bool = False


def assert_same(pair: Pair, step: str, wrapper: Outcome, plain: Outcome) -> None:
    if step in ("tell", "seek", "seek_told") and not pair.scene.binary:
        if wrapper.value is not None and plain.value is not None:
            assert_same_text_position(pair, wrapper.value, plain.value)
            return
    assert wrapper == plain, f"{step}: the wrapper gave {wrapper}, the plain file {plain}"


def assert_same_text_position(pair: Pair, wrapper_cookie: int, plain_cookie: int) -> None:
    """Text positions are opaque cookies: compare what each points to, in its own file (both flushed by tell())."""
    if wrapper_cookie == plain_cookie:
        return
    rest: list[Outcome] = []
    for path, cookie in zip(pair.paths, (wrapper_cookie, plain_cookie)):
        with pair.scene.open(path, "r") as fresh:
            try:
                fresh.seek(cookie)
                rest.append(Outcome(value=fresh.read()))
            except Exception as error:
                rest.append(Outcome.of_error(error))
    assert rest[0] == rest[1], f"tell() cookies {wrapper_cookie} and {plain_cookie} point to different places"


async def on_wrapper(pair: Pair, name: str, argument: Any) -> Outcome:
    f = pair.wrapper
    if name == "restart":  # a new async for, or chunk loop, from here
        await closed(pair.lines)
        await closed(pair.chunks)
        pair.lines = pair.chunks = None
        return Outcome()
    try:
        if name == "line":
            if pair.lines is None:
                pair.lines = aiter(f)
            try:
                return Outcome(value=await anext(pair.lines))
            except StopAsyncIteration:
                pair.lines = None  # a new one carries on, as next() does once more is written
                return Outcome(ended=True)
            except BaseException:
                pair.lines = None  # an async generator that raised is over
                raise
        if name == "chunk":
            if pair.chunks is None or pair.chunk_size != argument:
                await closed(pair.chunks)
                pair.chunks, pair.chunk_size = f.async_readchunks(argument), argument
            try:
                return Outcome(value=await anext(pair.chunks))
            except StopAsyncIteration:
                pair.chunks = None
                return Outcome(ended=True)
            except BaseException:
                pair.chunks = None
                raise
        if name == "seek_told":
            wrapper_cookie, _ = pair.told[int(argument)]
            return Outcome(value=await f.seek(wrapper_cookie))
        if name == "seek":
            return Outcome(value=await f.seek(*argument))
        return Outcome(value=await getattr(f, name)(*argument))
    except Exception as error:
        return Outcome.of_error(error)


def on_plain(pair: Pair, name: str, argument: Any) -> Outcome:
    f = pair.plain
    if name == "restart":  # the plain file's iteration is its position: nothing to restart
        return Outcome()
    try:
        if name == "line":
            line = next(f) if pair.scene.binary else f.readline()
            return Outcome(value=line) if line else Outcome(ended=True)
        if name == "chunk":
            chunk = f.read(argument)
            return Outcome(value=chunk) if chunk else Outcome(ended=True)
        if name == "seek_told":
            _, plain_cookie = pair.told[int(argument)]
            return Outcome(value=f.seek(plain_cookie))
        if name == "seek":
            return Outcome(value=f.seek(*argument))
        return Outcome(value=getattr(f, name)(*argument))
    except StopIteration:
        return Outcome(ended=True)
    except Exception as error:
        return Outcome.of_error(error)


async def closed(pieces: AsyncIterator[Any] | None) -> None:
    """Close an iteration left unfinished, if it can be closed (async generators can)."""
    close = getattr(pieces, "aclose", None)
    if close is not None:
        await close()


READS = {"read", "readline", "readlines", "line", "chunk"}


def at_the_end(name: str, argument: Any, outcome: Outcome) -> bool:
    """Whether a read's outcome shows it reached the end of the file (so nothing is decoded ahead)."""
    if outcome.ended or outcome.error is not None:
        return outcome.ended
    value = outcome.value
    if name in ("read", "chunk"):
        size = argument if name == "chunk" else argument[0]
        return size is None or size < 0 or len(value) < size
    return name == "readlines" and argument[0] <= 0


async def realign(pair: Pair) -> None:
    """flush() and seek() both to where they are: the documented way around gh-56424."""
    assert_same(pair, "flush", await on_wrapper(pair, "flush", ()), on_plain(pair, "flush", ()))
    wrapper, plain = await on_wrapper(pair, "tell", ()), on_plain(pair, "tell", ())
    assert_same(pair, "tell", wrapper, plain)
    if plain.error is None:
        back = await on_wrapper(pair, "seek", (wrapper.value,)), on_plain(pair, "seek", (plain.value,))
        assert_same(pair, "seek", *back)
    else:
        assert_same(pair, "seek", await on_wrapper(pair, "seek", (0, 2)), on_plain(pair, "seek", (0, 2)))
    pair.decoded_ahead = pair.encoder_at_open = pair.written_unflushed = False


READ_UNFLUSHED = sys.version_info < (3, 13)  # gh-115059


def flushes(name: str, argument: Any) -> bool:
    """Whether the plain file flushes a pending write first, on every Python (text: not reads of a size)."""
    all_of_it = name == "read" and (argument[0] is None or argument[0] < 0)
    return all_of_it or name in ("flush", "tell", "seek", "seek_told", "truncate")


def needs_realigning(pair: Pair, name: str, argument: Any) -> bool:
    """Whether the plain file's next result would be one of CPython's quirks documented above."""
    if "a" in pair.scene.mode and pair.written_unflushed and name not in ("write", "writelines", "flush"):
        return True
    if pair.scene.binary:
        return False
    if name in ("write", "writelines", "truncate") and pair.decoded_ahead:
        return True
    if name in ("write", "writelines") and pair.encoder_at_open and pair.read_since_open:
        return True
    return name in READS and not flushes(name, argument) and pair.written_unflushed and READ_UNFLUSHED


async def step(pair: Pair, name: str, argument: Any) -> None:
    binary = pair.scene.binary
    if name == "seek_told":
        if not pair.told:
            return
        index = argument = int(argument) % len(pair.told)
        if not binary and any(cookie >> 64 for cookie in pair.told[index]):
            return  # decoder state in the cookie: see above
    if needs_realigning(pair, name, argument):
        event("realigned before a quirk of CPython's")
        await realign(pair)
    wrapper = await on_wrapper(pair, name, argument)
    plain = on_plain(pair, name, argument)
    assert_same(pair, name, wrapper, plain)
    if name == "tell" and plain.error is None and wrapper.error is None:
        pair.told.append((wrapper.value, plain.value))
    if name in ("write", "writelines"):
        pair.encoder_at_open, pair.written_unflushed = False, True
    elif flushes(name, argument):
        pair.written_unflushed = False
    if binary:
        return
    if name in READS:
        pair.decode_failed = plain.error is not None and issubclass(plain.error, UnicodeError)
        pair.decoded_ahead = not at_the_end(name, argument, plain)
        pair.read_since_open = True
    elif name in ("seek", "seek_told"):
        pair.decoded_ahead = pair.encoder_at_open = False


async def run_program(scene: Scene, program: list[Operation], paths: tuple[Path, Path]) -> None:
    for path in paths:
        path.write_bytes(scene.content)
    with scene.open(paths[1]) as plain:
        async with scene.open_async(paths[0]) as wrapper:
            pair = Pair(scene, wrapper, plain, paths, encoder_at_open=scene.encoding in WITH_A_BOM)
            try:
                for name, argument in program:
                    await step(pair, name, argument)
                    if pair.decode_failed:
                        event("text: ended at a decoding error")
                        break  # see above
            finally:
                await closed(pair.lines)
                await closed(pair.chunks)
    assert paths[0].read_bytes() == paths[1].read_bytes(), "the files differ once closed"


# Read-ahead blocks: a few bytes or characters, so that boundaries come often, or the real size.
blocks = st.one_of(st.integers(1, 40), st.just(1 << 20))


@dataclass
class Setting:
    """How the program runs: the event loop, the read-ahead block, the iterator protocol."""

    loop: str
    block: int
    by_generator: bool


settings_drawn = st.builds(Setting, loop=st.sampled_from(sorted(LOOPS)), block=blocks, by_generator=st.booleans())


def run(scene: Scene, program: list[Operation], disk: Path, setting: Setting, reads: PageCacheReads) -> None:
    paths = (disk / "wrapper", disk / "plain")
    with read_ahead_of(setting.block, setting.by_generator), reads.counted_as(scene.mode):
        with asyncio.Runner(loop_factory=LOOPS[setting.loop]) as runner:
            runner.run(run_program(scene, program, paths))


# --- what the programs are made of ---

small = st.integers(0, 24)
sizes = st.one_of(st.just(-1), small)


def seeks(binary: bool) -> st.SearchStrategy[Operation]:
    if binary:
        return st.one_of(
            st.tuples(st.just("seek"), st.tuples(st.integers(-2, 60))),
            st.tuples(st.just("seek"), st.tuples(st.integers(0, 12))),
            st.tuples(st.just("seek"), st.tuples(st.integers(-8, 8), st.just(1))),
            st.tuples(st.just("seek"), st.tuples(st.integers(-12, 2), st.just(2))),
        )
    # Text files seek only to tell() cookies, 0, or (0, 1) and (0, 2).
    return st.one_of(
        st.tuples(st.just("seek_told"), st.integers(0, 20)),
        st.tuples(st.just("seek"), st.sampled_from([(0,), (0, 1), (0, 2)])),
    )


def operations(binary: bool, written: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Operation]]:
    reads = st.one_of(
        st.tuples(st.just("read"), st.tuples(st.one_of(sizes, st.none()))),
        st.tuples(st.just("readline"), st.tuples(sizes)),
        st.tuples(st.just("readlines"), st.tuples(st.one_of(st.just(-1), st.integers(0, 40)))),
    )
    writes = st.one_of(
        st.tuples(st.just("write"), st.tuples(written)),
        st.tuples(st.just("writelines"), st.tuples(st.lists(written, max_size=3))),
        st.tuples(st.just("truncate"), st.tuples(st.one_of(st.none(), st.integers(0, 50)))),
    )
    overwrites = st.tuples(st.just("write"), st.tuples(written.filter(len)))
    others = st.sampled_from([("tell", ()), ("flush", ())])
    # Iteration steps and chunks come in runs, as a consumer's would.
    line_runs = st.integers(1, 6).map(lambda n: [("line", None)] * n)
    chunk_runs = st.tuples(st.integers(1, 9), st.integers(1, 4)).map(lambda sn: [("chunk", sn[0])] * sn[1])
    serving = st.one_of(line_runs, chunk_runs)
    # Reading back what was just written, which read-ahead and the page cache must not serve stale.
    to_the_write = st.just(("seek_told", -1))  # to where the tell() before the write was
    back = (
        st.one_of(
            to_the_write,
            to_the_write,
            st.tuples(st.just("seek"), st.tuples(st.integers(0, 20))),
            st.tuples(st.just("seek"), st.tuples(st.integers(-12, 0), st.just(1))),
        )
        if binary
        else to_the_write
    )
    # A read by the file first, so that its buffer holds what the write then covers.
    partly = st.one_of(st.tuples(st.just("read"), st.tuples(small)), st.tuples(st.just("readline"), st.tuples(sizes)))
    restart = st.sampled_from([[], [("restart", None)]])
    rewrite = st.tuples(partly, overwrites, back, restart, serving).map(
        lambda rwbrs: [rwbrs[0], ("tell", ()), rwbrs[1], rwbrs[2], *rwbrs[3], *rwbrs[4]]
    )
    append = st.tuples(overwrites, serving).map(lambda ws: [("seek", (0,)), ws[0], *ws[1]])
    pieces = st.one_of(
        serving,
        reads.map(lambda op: [op]),
        writes.map(lambda op: [op]),
        seeks(binary).map(lambda op: [op]),
        others.map(lambda op: [op]),
        rewrite,  # twice as likely: what the page cache and read-ahead get wrong most easily
        rewrite,
        append,
        # readlines(hint) stops short of the end: in text files, tell() is disabled from there.
        st.tuples(st.integers(0, 40), serving).map(lambda hs: [("readlines", (hs[0],)), *hs[1]]),
    )
    return st.lists(pieces, min_size=2, max_size=12).map(lambda runs: [op for run in runs for op in run])


# Line endings of every style, and lines sometimes longer than a block.
ENDINGS = ["\n", "\r\n", "\r", ""]


@st.composite
def text_lines(draw: st.DrawFn, alphabet: str) -> str:
    lines = draw(
        st.lists(
            st.tuples(
                st.one_of(
                    st.text(alphabet, max_size=6), st.text(alphabet, min_size=1, max_size=3).map(lambda t: t * 25)
                ),
                st.sampled_from(ENDINGS),
            ),
            max_size=12,
        )
    )
    return "".join(text + ending for text, ending in lines)


ENCODINGS = {  # what each can encode, so that contents and most writes are valid
    "utf-8": "ab é€\x85\u2028",
    "utf-16": "ab é€\x85\u2028",
    "latin-1": "ab é\x85",
}
WITH_A_BOM = {"utf-16"}
UNDECODABLE = [b"\xff", b"\xe2\x82", b"\xc3", b"\xed\xb2\x80"]


@st.composite
def text_scenes(draw: st.DrawFn) -> Scene:
    encoding = draw(st.sampled_from(sorted(ENCODINGS)))
    errors = None
    content = draw(text_lines(ENCODINGS[encoding])).encode(encoding)
    if encoding == "utf-8" and draw(st.booleans()):
        errors = draw(st.sampled_from(["strict", "replace", "surrogateescape"]))
        at = draw(st.integers(0, len(content)))
        content = content[:at] + draw(st.sampled_from(UNDECODABLE)) + content[at:]
    return Scene(
        mode=draw(st.sampled_from(["r", "r+", "w+", "a+"])),
        buffering=draw(st.one_of(st.just(-1), st.integers(1, 16))),
        encoding=encoding,
        errors=errors,
        newline=draw(st.sampled_from([None, "", "\n", "\r", "\r\n"])),
        content=content,
    )


@st.composite
def binary_scenes(draw: st.DrawFn) -> Scene:
    line = st.one_of(st.binary(max_size=6), st.binary(min_size=1, max_size=2).map(lambda b: b * 30))
    lines = draw(st.lists(st.tuples(line, st.sampled_from([e.encode() for e in ENDINGS])), max_size=12))
    return Scene(
        mode=draw(st.sampled_from(["rb", "r+b", "r+b", "w+b", "a+b"])),  # r+b keeps both what it read and writes
        buffering=draw(st.one_of(st.just(-1), st.sampled_from([-1, 0]), st.integers(2, 16))),
        content=b"".join(text + ending for text, ending in lines),
    )


text_written = st.text("ab é€\n\r\udcff", max_size=12)
binary_written = st.binary(max_size=12) | st.sampled_from([b"\n", b"X\r\n", b"line\n"])


def explore(disk: Path, scenes: st.SearchStrategy[Scene], written: st.SearchStrategy[Any]) -> PageCacheReads:
    """Run the programs hypothesis draws; return the reads from the page cache they made."""
    reads = PageCacheReads()
    examples = 0

    @given(scene=scenes, data=st.data(), setting=settings_drawn)
    def check(scene: Scene, data: st.DataObject, setting: Setting) -> None:
        nonlocal examples
        examples += 1
        program = data.draw(operations(scene.binary, written), label="program")
        run(scene, program, disk, setting, reads)

    check()
    print(f"{examples} programs; reads from the page cache that gave data: {dict(reads.by_mode)}", file=sys.stderr)
    return reads


# The guard against hangs grows with the examples drawn: 120 s for every 150 (a soak draws 5,000).
guard_against_hangs = pytest.mark.timeout(120 * max(1, settings().max_examples // 150))


@guard_against_hangs
def test_text_files_behave_like_the_plain_file(disk: Path, uvloop_ready: None) -> None:
    explore(disk, text_scenes(), text_written)


@guard_against_hangs
def test_binary_files_behave_like_the_plain_file_and_take_the_page_cache_path(disk: Path, uvloop_ready: None) -> None:
    reads = explore(disk, binary_scenes(), binary_written)
    needs_page_cache_reads(disk)
    # Read-only binary files serve lines and chunks from the page cache, without a hop.
    assert reads.by_mode["rb"] > 0, f"the page-cache path was never taken: {dict(reads.by_mode)}"
