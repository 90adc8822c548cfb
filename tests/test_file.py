"""Behaviour of asyncio_extras.file."""

import asyncio
import concurrent.futures
import errno
import gc
import importlib
import io
import os
import shutil
import subprocess
import sys
import threading
import tracemalloc
from collections.abc import AsyncIterator, Callable, Iterator
from unittest import mock
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from _project import IMPORTED_FROM
from asyncio_extras import AsyncFileWrapper, open_async, wrap_file

# The read-ahead's settings, patched by tests: a private module, which the stubs do not declare.
readahead_module = importlib.import_module("asyncio_extras._readahead")

_T = TypeVar("_T")


@pytest.fixture
def small_read_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    # Blocks of a few characters put every boundary case within reach of short files.
    monkeypatch.setattr(readahead_module, "_READ_AHEAD", 5)


class CountingExecutor(ThreadPoolExecutor):
    """A thread pool that counts what is submitted to it."""

    def __init__(self) -> None:
        super().__init__(1, thread_name_prefix="counting")
        self.submitted = 0

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> "Future[_T]":
        self.submitted += 1
        return super().submit(fn, *args, **kwargs)


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "lines.txt"
    path.write_text("first\nsecond line\nthird\n\nfifth, no end")
    return path


# --- opening and closing ---


async def test_await_opens_the_file_and_gives_the_wrapper(text_file: Path) -> None:
    wrapper = open_async(text_file)
    assert isinstance(wrapper, AsyncFileWrapper)
    opened = await wrapper
    assert opened is wrapper
    assert await opened.read() == text_file.read_text()
    await opened.close()
    assert opened.closed


async def test_async_with_opens_and_closes(text_file: Path) -> None:
    async with open_async(text_file) as f:
        assert not f.closed
        assert await f.readline() == "first\n"
    assert f.closed


async def test_async_for_on_an_unopened_wrapper_opens_and_closes_it(text_file: Path) -> None:
    wrapper = open_async(text_file)
    lines = [line async for line in wrapper]
    assert lines == text_file.read_text().splitlines(keepends=True)
    assert wrapper.closed


async def test_async_for_on_an_open_file_leaves_it_open(text_file: Path) -> None:
    async with open_async(text_file) as f:
        assert [line async for line in f][:2] == ["first\n", "second line\n"]
        assert not f.closed
        assert await f.read() == ""


async def test_using_a_file_before_opening_it_is_an_error(text_file: Path) -> None:
    wrapper = open_async(text_file)
    with pytest.raises(ValueError, match="the file is not open yet: await the wrapper, or enter it with async with"):
        await wrapper.read()
    with pytest.raises(ValueError, match="not open yet"):
        wrapper.closed


async def test_closing_twice_or_unopened_is_harmless(text_file: Path) -> None:
    await open_async(text_file).close()
    f = await open_async(text_file)
    await f.close()
    await f.close()
    assert f.closed


@pytest.mark.parametrize(
    ("name", "mode", "encoding"),
    [("missing.txt", "r", None), ("x.txt", "rw", None), ("x.txt", "wb", "utf-8"), ("x.txt", "w", "no-such-codec")],
)
async def test_open_errors_are_those_of_open(tmp_path: Path, name: str, mode: str, encoding: str | None) -> None:
    path = tmp_path / name
    with pytest.raises(Exception) as expected:  # whatever open() raises
        open(path, mode, encoding=encoding)
    with pytest.raises(type(expected.value)) as raised:
        async with open_async(path, mode, encoding=encoding):
            pass
    assert str(raised.value) == str(expected.value)


async def test_method_errors_are_those_of_the_file(tmp_path: Path) -> None:
    async with open_async(tmp_path / "data.bin", "wb") as f:
        with pytest.raises(TypeError):
            await f.write("text into a binary file")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    with pytest.raises(ValueError, match="^write to closed file$"):  # as the plain file says
        await f.write(b"late")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
async def test_a_full_disk_fails_as_with_the_plain_file_and_the_file_still_closes() -> None:
    plain = open("/dev/full", "w")
    plain.write("data")
    with pytest.raises(OSError) as expected:
        plain.flush()
    with pytest.raises(OSError):
        plain.close()
    assert plain.closed

    f = await open_async("/dev/full", "w")
    assert await f.write("data") == 4  # buffered: nothing reached the disk yet
    with pytest.raises(OSError) as raised:
        await f.flush()
    assert raised.value.errno == expected.value.errno == errno.ENOSPC
    with pytest.raises(OSError):
        await f.close()
    assert f.closed


READ_ONLY_TARGET_SCRIPT = """
import asyncio, errno, sys
from asyncio_extras import open_async

target = sys.argv[1] + "/new.txt"
try:
    open(target, "w")
except OSError as error:
    expected = error

async def main() -> OSError:
    try:
        await open_async(target, "w")
    except OSError as error:
        return error
    raise AssertionError("opened a file for writing on a read-only file system")

raised = asyncio.run(main())
assert raised.errno == expected.errno == errno.EROFS, (raised, expected)
assert str(raised) == str(expected)
"""


def test_a_read_only_target_fails_as_with_the_plain_file(tmp_path: Path) -> None:
    # A read-only file system, mounted in a mount namespace of the test's own,
    # so nothing changes outside it (root can write anywhere else).
    unshare = ["unshare", "--mount", "--map-root-user"]
    if shutil.which("unshare") is None or subprocess.run([*unshare, "true"], capture_output=True).returncode:
        pytest.skip("needs unshare and a mount namespace")
    script = tmp_path / "read_only.py"
    script.write_text(READ_ONLY_TARGET_SCRIPT)
    target = tmp_path / "read-only"
    target.mkdir()
    command = f'mount -t tmpfs -o ro tmpfs "$1" && exec "$2" -X dev -W error "$3" "$1"'
    done = subprocess.run(
        [*unshare, "sh", "-c", command, "sh", target, sys.executable, script],
        env={**os.environ, "PYTHONPATH": IMPORTED_FROM},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def lines_of(f: AsyncFileWrapper[Any]) -> AsyncIterator[Any]:
    return aiter(f)


def chunks_of(f: AsyncFileWrapper[Any]) -> AsyncIterator[Any]:
    return f.async_readchunks(3)


@pytest.mark.parametrize("mode", ["r", "rb"])
@pytest.mark.parametrize("iterate", [lines_of, chunks_of])
async def test_iterating_on_after_closing_fails_as_with_the_plain_file(
    text_file: Path, mode: str, iterate: Callable[[AsyncFileWrapper[Any]], AsyncIterator[Any]]
) -> None:
    with mock.patch.object(readahead_module, "_NOWAIT", None):  # so that the worker reads ahead, all of it
        f = await open_async(text_file, mode)
        pieces = iterate(f)
        await anext(pieces)
        await f.close()
        with pytest.raises(ValueError, match="closed file"):
            await anext(pieces)
        with pytest.raises(ValueError) as raised:
            await f.read()
    plain = text_file.open(mode)
    plain.close()
    with pytest.raises(ValueError) as expected:
        plain.read()
    assert str(raised.value) == str(expected.value)


async def test_what_was_written_before_an_error_in_the_block_is_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    with pytest.raises(LookupError):
        async with open_async(path, "w") as f:
            await f.write("kept\n")
            raise LookupError("while writing")
    assert path.read_text() == "kept\n"


async def test_readchunks_needs_a_positive_size(text_file: Path) -> None:
    async with open_async(text_file) as f:
        for size in (0, -1):
            with pytest.raises(ValueError, match=f"^async_readchunks\\(\\) needs a positive size, got {size}$"):
                f.async_readchunks(size)


async def test_every_operation_runs_in_the_given_executor_close_included(text_file: Path) -> None:
    executor = CountingExecutor()
    try:
        async with open_async(text_file, executor=executor) as f:
            await f.readline()
            await f.tell()
            async for _ in f:
                pass
        # open, readline, tell, one read-ahead, its last line alone (it has no line end: the file
        # may grow before it is asked for), the end of the file, close
        assert executor.submitted == 7
        assert f.closed
    finally:
        executor.shutdown()



# InterpreterPoolExecutor is new in Python 3.14.
POOLS_ELSEWHERE = [name for name in ("ProcessPoolExecutor", "InterpreterPoolExecutor") if hasattr(concurrent.futures, name)]


@pytest.mark.parametrize("pool_type", POOLS_ELSEWHERE)
def test_a_pool_of_other_processes_or_interpreters_is_refused_before_any_file_is_opened_or_wrapped(
    text_file: Path, pool_type: str
) -> None:
    # Its worker would open the file, then fail to send it back; a wrapped file's calls would fail to go.
    # The pool is refused by its type, before any use: one never initialised starts no machinery (a first
    # process pool opens a pipe of multiprocessing's that stays open, on 3.14).
    pool_class: type[Executor] = getattr(concurrent.futures, pool_type)
    pool = pool_class.__new__(pool_class)
    refused = f"^a file's calls run in threads of this interpreter, and {pool_type} runs them elsewhere: "
    with pytest.raises(TypeError, match=refused):
        _ = open_async(text_file, executor=pool)
    with text_file.open() as file:
        with pytest.raises(TypeError, match=refused):
            _ = wrap_file(file, executor=pool)
        assert file.readline()  # still the caller's, open


def test_refusing_a_process_pool_imports_no_multiprocessing() -> None:
    # Which no program that never made a process pool has use for: 13 modules, a tenth of the import time.
    script = "import sys, asyncio_extras; print(sorted(m for m in sys.modules if m.startswith('multiprocessing')))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=IMPORTED_FROM)
    assert (done.returncode, done.stdout, done.stderr) == (0, "[]\n", "")


async def test_cancelling_while_the_file_opens_leaks_nothing(text_file: Path) -> None:
    gate = threading.Event()
    executor = ThreadPoolExecutor(1)
    executor.submit(gate.wait, 10)  # the open waits behind this
    wrapper = open_async(text_file, executor=executor)
    task = asyncio.create_task(wrapper.__aenter__())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        _ = await task
    gate.set()
    executor.shutdown(wait=True)  # the open ran, and closed what it opened
    await asyncio.sleep(0.01)
    assert wrapper.closed
    gc.collect()  # a leaked file would warn now, and warnings are errors


async def test_tasks_entering_an_unopened_wrapper_at_once_share_one_open(text_file: Path) -> None:
    executor = CountingExecutor()
    try:
        wrapper = open_async(text_file, executor=executor)
        first, second = await asyncio.gather(wrapper.__aenter__(), wrapper.__aenter__())
        assert first is second is wrapper
        assert executor.submitted == 1
        assert await wrapper.readline() == "first\n"
        await wrapper.close()
    finally:
        executor.shutdown()
    gc.collect()  # a second file, opened and dropped, would warn now


@pytest.mark.parametrize("mode", ["r", "rb"])
@pytest.mark.parametrize("cancelled", [1, 2])
async def test_the_open_shared_by_waiting_tasks_is_closed_only_when_all_gave_up(
    text_file: Path, cancelled: int, mode: str
) -> None:
    gate = threading.Event()
    executor = ThreadPoolExecutor(1)
    executor.submit(gate.wait, 10)  # the open waits behind this
    wrapper = open_async(text_file, mode, executor=executor)
    tasks = [asyncio.create_task(wrapper.__aenter__()) for _ in range(2)]
    await asyncio.sleep(0.01)
    for task in tasks[:cancelled]:
        task.cancel()
    gate.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(result, asyncio.CancelledError) for result in results[:cancelled])
    try:
        if cancelled < len(tasks):
            assert results[-1] is wrapper and not wrapper.closed
            assert await wrapper.readline() == ("first\n" if mode == "r" else b"first\n")
            await wrapper.close()
    finally:
        executor.shutdown(wait=True)  # the open ran
    await asyncio.sleep(0.01)
    assert wrapper.closed
    gc.collect()  # a leaked file would warn now, and warnings are errors


async def test_cancelling_while_the_file_closes_still_closes_it(text_file: Path) -> None:
    gate = threading.Event()
    executor = ThreadPoolExecutor(1)
    f = await open_async(text_file, executor=executor)
    executor.submit(gate.wait, 10)  # the close waits behind this
    async def close() -> None:
        await f.close()

    task = asyncio.create_task(close())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    gate.set()
    executor.shutdown(wait=True)
    assert f.closed


def test_methods_run_directly_in_a_thread_without_an_event_loop(text_file: Path) -> None:
    async def opened() -> AsyncFileWrapper[str]:
        return await open_async(text_file)

    f = asyncio.run(opened())
    # typed code would call the file itself here; the wrapper's methods return results directly
    line: object = f.readline()
    position: object = f.tell()
    assert line == "first\n"
    assert position == len("first\n")
    result: object = f.close()
    assert result is None
    assert f.closed


# --- attributes ---


async def test_text_file_attributes(text_file: Path) -> None:
    async with open_async(text_file, encoding="utf-8", errors="strict") as f:
        assert f.name == str(text_file)
        assert f.mode == "r"
        assert f.encoding == "utf-8"
        assert f.errors == "strict"
        assert f.readable() and not f.writable() and f.seekable() and not f.isatty()
        assert isinstance(f.fileno(), int)
        assert f.newlines is None
        await f.read()
        assert f.newlines == "\n"


async def test_binary_file_has_no_encoding(text_file: Path) -> None:
    async with open_async(text_file, "rb") as f:
        assert f.mode == "rb"
        with pytest.raises(AttributeError, match="binary mode"):
            f.encoding  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]


# --- reading and writing ---


async def test_write_writelines_truncate_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    async with open_async(path, "w+") as f:
        assert await f.write("hello\n") == 6
        await f.writelines(["a\n", "b\n"])
        await f.flush()
        assert await f.seek(0) == 0
        assert await f.readlines() == ["hello\n", "a\n", "b\n"]
        assert await f.truncate(6) == 6
    assert path.read_text() == "hello\n"


async def test_chunks_are_what_a_read_loop_gives(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(bytes(range(256)) * 1000)
    async with open_async(path, "rb") as f:
        chunks = [chunk async for chunk in f.async_readchunks(1000)]
    with path.open("rb") as plain:
        expected = list(iter(lambda: plain.read(1000), b""))
    assert chunks == expected


@pytest.mark.usefixtures("small_read_ahead")
@pytest.mark.parametrize("newline", [None, ""])
async def test_crlf_split_over_a_block_boundary(tmp_path: Path, newline: str | None) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"abcd\r\nefgh\r\n\r\nij\rkl\n")  # block of 5 ends between \r and \n
    async with open_async(path, newline=newline) as f:
        lines = [line async for line in f]
    with path.open(newline=newline) as plain:
        assert lines == list(plain)


@pytest.mark.usefixtures("small_read_ahead")
async def test_multibyte_characters_split_over_a_block_boundary(tmp_path: Path) -> None:
    path = tmp_path / "utf8.txt"
    path.write_text("aaa€€\nbéb😀\n€\n", encoding="utf-8")
    async with open_async(path, encoding="utf-8") as f:
        assert [line async for line in f] == ["aaa€€\n", "béb😀\n", "€\n"]


async def test_unusual_line_breaks_stay_inside_lines(tmp_path: Path) -> None:
    path = tmp_path / "breaks.txt"
    path.write_text("form\x0cfeed\nnext\u2028line\nsep\x1cend\n", encoding="utf-8")
    async with open_async(path, encoding="utf-8") as f:
        assert [line async for line in f] == ["form\x0cfeed\n", "next\u2028line\n", "sep\x1cend\n"]


@pytest.mark.usefixtures("small_read_ahead")
async def test_iteration_mixed_with_tell_read_and_seek(text_file: Path) -> None:
    async with open_async(text_file) as f:
        lines = aiter(f)
        assert await anext(lines) == "first\n"
        assert await f.tell() == len("first\n")
        assert await f.read(3) == "sec"
        assert await anext(lines) == "ond line\n"
        position = await f.tell()
        assert await anext(lines) == "third\n"
        await f.seek(position)
        assert await f.readline() == "third\n"
        assert await anext(lines) == "\n"



async def test_a_kept_line_iterator_that_ended_goes_on_after_a_seek_from_3_12(text_file: Path) -> None:
    async with open_async(text_file) as f:
        lines = aiter(f)
        every = [line async for line in lines]
        await f.seek(0)
        if sys.version_info >= (3, 12):
            assert await anext(lines) == every[0]  # as the plain file's own iterator does
        else:  # an async generator, the cheaper step on 3.11, ends for good (documented)
            with pytest.raises(StopAsyncIteration):
                await anext(lines)

async def test_no_read_ahead_from_a_position_tell_cannot_return_to(tmp_path: Path) -> None:
    # After "\r" the position's cookie holds decoder state; giving back to it
    # would make CPython's tell() read past a buffer (an error under -X dev).
    path = tmp_path / "cr.txt"
    path.write_bytes("\ra\u2028".encode())
    with mock.patch.object(readahead_module, "_READ_AHEAD", 1):
        await check_lines_and_chunks_after_cr(path)


async def check_lines_and_chunks_after_cr(path: Path) -> None:
    async with open_async(path) as f:
        lines, chunks = aiter(f), f.async_readchunks(1)
        assert await anext(lines) == "\n"
        assert await anext(chunks) == "a"
        assert await anext(lines) == "\u2028"
        assert await f.read() == ""


async def test_read_ahead_resumes_after_a_position_tell_cannot_return_to(tmp_path: Path) -> None:
    # After "x\r" the cookie holds decoder state: that refill reads one piece,
    # and the following ones read ahead again (two chunks per hop here).
    path = tmp_path / "cr.txt"
    path.write_bytes(b"x\r" + b"y" * 60)
    executor = CountingExecutor()
    try:
        with mock.patch.object(readahead_module, "_READ_AHEAD", 2):
            async with open_async(path, executor=executor) as f:
                chunks = [chunk async for chunk in f.async_readchunks(1)]
    finally:
        executor.shutdown()
    assert "".join(chunks) == "x\n" + "y" * 60
    assert executor.submitted <= len(chunks) // 2 + 4  # open, close, the end of the file, the one-piece refill


async def test_reading_from_a_pipe_loses_nothing() -> None:
    read_end, write_end = __import__("os").pipe()
    with open(write_end, "wb") as writer:
        writer.write(b"one\ntwo\nthree\n")
    async with open_async(read_end, "rb") as f:
        lines = aiter(f)
        assert await anext(lines) == b"one\n"
        assert await f.read(3) == b"two"
        assert [line async for line in lines] == [b"\n", b"three\n"]


def reads_from_the_page_cache(path: Path) -> bool:
    """Whether the page cache serves ``path`` to reads that must not wait (Linux; not tmpfs, for one)."""
    with path.open("rb") as f:
        f.read()
        try:
            os.preadv(f.fileno(), [bytearray(1)], 0, os.RWF_NOWAIT)
        except (AttributeError, OSError):
            return False
    return True


def page_cache(states: list[str]) -> Callable[[int, list[bytearray], int, int], int]:
    """``os.preadv`` as if the page cache held, of each block asked for, what ``states`` say."""
    outcomes = iter(states)
    real_preadv = os.preadv

    def preadv(fd: int, buffers: list[bytearray], offset: int, flags: int = 0, /) -> int:
        state = next(outcomes, "all")
        if state == "none":
            raise BlockingIOError(errno.EAGAIN, os.strerror(errno.EAGAIN))
        if state == "part":  # at least a byte: a read that must not wait and finds nothing cached fails
            return real_preadv(fd, [memoryview(buffers[0])[: max(1, len(buffers[0]) // 2)]], offset, flags)
        return real_preadv(fd, buffers, offset, flags)

    return preadv


# What the page cache holds of the blocks read from it, in turn (then all of every block).
CACHE_PATTERNS = [["none", "none"], ["all", "none", "all"], ["part", "all"], ["all", "part", "none", "all"]]


@pytest.fixture
def cached_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A binary file of 100 read-ahead blocks of 1 KiB, held by the page cache."""
    monkeypatch.setattr(readahead_module, "_READ_AHEAD", 1024)
    path = tmp_path / "blocks.bin"
    path.write_bytes(os.urandom(100 * 1024))
    if not reads_from_the_page_cache(path):
        pytest.skip("no reads from the page cache that fail rather than wait, on this system")
    return path


async def pieces_and_hops(path: Path, chunk_size: int | None = None) -> tuple[list[bytes], int]:
    """The lines of binary ``path``, or its chunks of ``chunk_size``, and how many calls went to its executor."""
    executor = CountingExecutor()
    try:
        async with open_async(path, "rb", executor=executor) as f:
            pieces = [piece async for piece in (f.async_readchunks(chunk_size) if chunk_size else f)]
    finally:
        executor.shutdown()
    assert all(type(piece) is bytes for piece in pieces)
    return pieces, executor.submitted


async def test_cached_blocks_are_chunked_without_a_thread_hop_each(cached_blocks: Path) -> None:
    chunks, hops = await pieces_and_hops(cached_blocks, 256)
    with cached_blocks.open("rb") as plain:
        assert chunks == list(iter(lambda: plain.read(256), b""))
    assert hops == 2  # open and close: every block, and the end of the file, come from the cache


async def test_chunks_of_a_byte_from_the_page_cache_hold_views_of_a_turn_of_them_not_of_a_block(
    tmp_path: Path,
) -> None:
    # A view of each chunk of a block is some 180 bytes: of each byte of 256 KiB, 48 MB.
    path = tmp_path / "bytes.bin"
    path.write_bytes(os.urandom(256 << 10))
    if not reads_from_the_page_cache(path):
        pytest.skip("no reads from the page cache that fail rather than wait, on this system")
    async with open_async(path, "rb") as f:
        first, peak = await first_byte_and_peak_memory(f)
    assert first == path.read_bytes()[:1]
    assert peak < 4 << 20


@pytest.mark.parametrize("wrapped", ["r+b", "io.BytesIO"])
async def test_chunks_of_a_byte_read_by_the_worker_hold_a_turn_of_them_not_a_block(
    tmp_path: Path, wrapped: str
) -> None:
    # The worker's blocks are about 1 MiB: of chunks of a byte, a million views or bytes objects.
    data = os.urandom(2 << 20)
    path = tmp_path / "bytes.bin"
    path.write_bytes(data)
    with path.open("r+b") if wrapped == "r+b" else io.BytesIO(data) as file:
        first, peak = await first_byte_and_peak_memory(wrap_file(file))
    assert first == data[:1]
    assert peak < 4 << 20


async def first_byte_and_peak_memory(f: AsyncFileWrapper[bytes]) -> tuple[bytes, int]:
    """The first chunk of a byte of ``f``, and the most memory taken while it was read ahead and served."""
    chunks = f.async_readchunks(1)
    tracemalloc.start()
    try:
        first = await anext(chunks)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    close = getattr(chunks, "aclose", None)  # an async generator's, on 3.11
    if close is not None:
        await close()
    return first, peak


async def test_cached_lines_are_served_without_a_thread_hop_each(cached_blocks: Path) -> None:
    cached_blocks.write_bytes(b"".join(b"x" * (n % 300) + b"\n" for n in range(1000)) + b"no end")
    lines, hops = await pieces_and_hops(cached_blocks)
    with cached_blocks.open("rb") as plain:
        assert lines == list(plain)
    assert hops == 2  # open and close


async def test_a_line_longer_than_a_block_is_read_by_the_worker(cached_blocks: Path) -> None:
    cached_blocks.write_bytes(b"short\n" * 500 + b"long" * 1000 + b"\n" + b"short\n" * 500)
    lines, hops = await pieces_and_hops(cached_blocks)
    with cached_blocks.open("rb") as plain:
        assert lines == list(plain)
    assert hops == 3  # open, the long line's block, close


@pytest.mark.parametrize("cache", CACHE_PATTERNS, ids=str)
async def test_lines_carry_on_from_blocks_read_by_either_thread(cached_blocks: Path, cache: list[str]) -> None:
    cached_blocks.write_bytes(b"".join(b"y" * (n % 50) + b"\n" for n in range(500)))
    with cached_blocks.open("rb") as plain, mock.patch.object(os, "preadv", page_cache(cache)):
        async with open_async(cached_blocks, "rb") as f:
            lines = aiter(f)
            assert [await anext(lines) for _ in range(60)] == [plain.readline() for _ in range(60)]
            assert await f.tell() == plain.tell()
            assert await f.read(7) == plain.read(7)
            assert [line async for line in lines] == plain.readlines()


@pytest.mark.parametrize("cache", CACHE_PATTERNS, ids=str)
async def test_chunks_carry_on_from_blocks_read_by_either_thread(cached_blocks: Path, cache: list[str]) -> None:
    with cached_blocks.open("rb") as plain, mock.patch.object(os, "preadv", page_cache(cache)):
        async with open_async(cached_blocks, "rb") as f:
            chunks = f.async_readchunks(300)  # blocks of 900 bytes
            assert [await anext(chunks) for _ in range(14)] == [plain.read(300) for _ in range(14)]
            assert await f.tell() == plain.tell()
            assert await f.read(7) == plain.read(7)
            assert [chunk async for chunk in chunks] == list(iter(lambda: plain.read(300), b""))


async def test_chunks_of_a_file_open_for_writing_too_follow_unflushed_writes(cached_blocks: Path) -> None:
    twin = shutil.copy(cached_blocks, cached_blocks.with_name("twin.bin"))
    with open(twin, "r+b") as plain:
        async with open_async(cached_blocks, "r+b") as f:
            assert await f.write(b"written") == plain.write(b"written")
            assert [chunk async for chunk in f.async_readchunks(1000)] == list(iter(lambda: plain.read(1000), b""))
            assert await f.write(b"at the end") == plain.write(b"at the end")
            assert await f.seek(0) == plain.seek(0)
            assert [chunk async for chunk in f.async_readchunks(1000)] == list(iter(lambda: plain.read(1000), b""))


async def test_chunks_of_a_read_ahead_or_more_are_read_by_the_worker_one_a_hop(cached_blocks: Path) -> None:
    # So that no buffer of such a size is filled with zeros first, whatever the size.
    chunks, hops = await pieces_and_hops(cached_blocks, 2048)
    assert b"".join(chunks) == cached_blocks.read_bytes()
    assert hops == 53  # open, 50 chunks, the end of the file, close


async def test_the_worker_reads_a_small_file_ahead_into_a_buffer_no_larger_than_it(tmp_path: Path) -> None:
    path = tmp_path / "small.bin"
    path.write_bytes(os.urandom(10_000))
    # The plain file's own buffer is the interpreter's choice, not the wrapper's: 8 KiB up to
    # Python 3.13, 128 KiB from 3.14 on (io.DEFAULT_BUFFER_SIZE). Only what comes on top counts.
    tracemalloc.start()
    try:
        with open(path, "rb") as plain:
            while plain.read(1000):
                pass
        plain_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    tracemalloc.start()
    try:
        with mock.patch.object(readahead_module, "_NOWAIT", None):
            async with open_async(path, "rb") as f:
                chunks = [chunk async for chunk in f.async_readchunks(1000)]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert b"".join(chunks) == path.read_bytes()
    assert peak - plain_peak < 100_000  # a block of 1 MiB otherwise


async def test_without_reads_from_the_page_cache_the_worker_reads_every_block(cached_blocks: Path) -> None:
    with mock.patch.object(readahead_module, "_NOWAIT", None):
        chunks, hops = await pieces_and_hops(cached_blocks, 256)
    assert b"".join(chunks) == cached_blocks.read_bytes()
    assert hops == 103  # open, 100 blocks, the end of the file, close


async def longest_run_without_a_turn(consume: AsyncIterator[Any]) -> int:
    """Consume ``consume`` without awaiting anything else; return the most pieces served while no other task ran."""
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    longest = run = 0
    ticks_seen = ticks
    async for _ in consume:
        run = run + 1 if ticks == ticks_seen else 1
        ticks_seen = ticks
        longest = max(longest, run)
    task.cancel()
    return longest


async def test_a_consumer_of_lines_that_never_awaits_still_lets_the_loop_run(tmp_path: Path) -> None:
    path = tmp_path / "many.txt"
    path.write_text("\n" * 100_000)
    with mock.patch.object(readahead_module, "_PIECES_PER_TURN", 1000):
        async with open_async(path) as f:
            assert await longest_run_without_a_turn(aiter(f)) == 1000


async def test_a_consumer_of_cached_chunks_that_never_awaits_still_lets_the_loop_run(cached_blocks: Path) -> None:
    async with open_async(cached_blocks, "rb") as f:
        assert await longest_run_without_a_turn(f.async_readchunks(256)) == 4  # a turn after each block's worth
        await f.seek(0)
        with mock.patch.object(readahead_module, "_PIECES_PER_TURN", 100):
            assert await longest_run_without_a_turn(f.async_readchunks(1)) == 100  # and after so many chunks


class InlineExecutor(Executor):
    """Runs what is submitted at once, in the submitting thread."""

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> "Future[_T]":
        future: Future[_T] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


async def test_a_read_by_another_task_during_a_turn_of_the_loop_is_taken_over(cached_blocks: Path) -> None:
    # The iteration gives the loop a turn after every two chunks from the
    # page cache; the other task reads there, and the chunks go on after it.
    served: list[bytes] = []
    async with open_async(cached_blocks, "rb", executor=InlineExecutor()) as f:

        async def read_in_between() -> tuple[int, bytes]:
            return len(served), await f.read(5)

        with mock.patch.object(readahead_module, "_PIECES_PER_TURN", 2):
            chunks = f.async_readchunks(256)
            served.append(await anext(chunks))
            other = asyncio.create_task(read_in_between())
            async for chunk in chunks:
                served.append(chunk)
        before, read = await other
    assert 1 <= before <= 2  # the loop's turn comes after two chunks at most
    assert b"".join(served[:before]) + read + b"".join(served[before:]) == cached_blocks.read_bytes()
    assert all(len(chunk) == 256 for chunk in served[:-1])


async def test_a_consumer_of_cached_lines_that_never_awaits_still_lets_the_loop_run(cached_blocks: Path) -> None:
    cached_blocks.write_bytes(b"\n" * 10_000)
    with mock.patch.object(readahead_module, "_PIECES_PER_TURN", 100):
        async with open_async(cached_blocks, "rb") as f:
            assert await longest_run_without_a_turn(aiter(f)) == 100


# --- differential: the wrapper against the plain file ---

# One step of a scenario: an operation name and its argument.
Step = tuple[str, int]
steps = st.lists(
    st.tuples(st.sampled_from(["line", "chunk", "read", "readline", "tell", "seek_told", "seek_start"]), st.integers(1, 7)),
    max_size=25,
)
# What the page cache holds of each block read from it, call by call (then all of it).
cache_states = st.lists(st.sampled_from(["all", "none", "part"]), max_size=10)
text_content = st.text(alphabet=st.sampled_from(list("ab\r\n€é\x85\u2028 ")), max_size=60)


def same_position(plain: Any, told_async: int, told_plain: int) -> bool:
    """Whether two tell() values of the file denote the same place.

    Binary positions are offsets and must be equal. Text ones are opaque
    cookies that may also encode decoder state (a pending \r at the end of the
    file, say), so they are compared by what they point to.
    """
    if "b" in plain.mode:
        return told_async == told_plain
    with open(plain.name, newline=plain.newlines_argument) as first, open(plain.name, newline=plain.newlines_argument) as second:
        first.seek(told_async)
        second.seek(told_plain)
        return bool(first.read() == second.read())


async def served_like(pieces: AsyncIterator[Any], expected: Any) -> AsyncIterator[Any] | None:
    """Check the next piece against the plain file's; return the iterator, or None once it ended."""
    try:
        assert await anext(pieces) == expected
    except StopAsyncIteration:
        assert not expected
        return None
    return pieces


async def replay(wrapper: AsyncFileWrapper[Any], plain: Any, scenario: list[Step], chunk_size: int) -> None:
    lines: AsyncIterator[Any] | None = None
    chunks: AsyncIterator[Any] | None = None
    told_async = told_plain = 0
    for operation, argument in scenario:
        if operation == "line":  # plain.readline() is next(plain), without disabling tell()
            lines = await served_like(lines or aiter(wrapper), plain.readline())
        elif operation == "chunk":
            chunks = await served_like(chunks or wrapper.async_readchunks(chunk_size), plain.read(chunk_size))
        elif operation == "read":
            assert await wrapper.read(argument) == plain.read(argument)
        elif operation == "readline":
            assert await wrapper.readline() == plain.readline()
        elif operation == "tell":
            told_async, told_plain = await wrapper.tell(), plain.tell()
            assert same_position(plain, told_async, told_plain)
        elif operation == "seek_told":
            if told_plain >> 64 or told_async >> 64:
                # A text cookie holding decoder state: after seeking there and reading,
                # CPython's own tell() reads past a buffer (3.11 to 3.13), plain file or not.
                continue
            assert same_position(plain, await wrapper.seek(told_async), plain.seek(told_plain))
        else:
            assert await wrapper.seek(0) == plain.seek(0)


def differential(
    path: Path, mode: str, newline: str | None, read_ahead: int, scenario: list[Step], chunk: int, cache: list[str]
) -> None:
    async def run() -> None:
        with path.open(mode, newline=newline) as plain:
            plain.newlines_argument = newline  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue]
            async with open_async(path, mode, newline=newline) as wrapper:
                await replay(wrapper, plain, scenario, chunk)

    with mock.patch.object(readahead_module, "_READ_AHEAD", read_ahead), mock.patch.object(os, "preadv", page_cache(cache)):
        asyncio.run(run())


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("differential") / "file"


@given(
    content=text_content,
    newline=st.sampled_from([None, "", "\n", "\r", "\r\n"]),
    read_ahead=st.integers(1, 12),
    scenario=steps,
    chunk=st.integers(1, 9),
)
def test_text_wrapper_behaves_like_the_plain_file(
    scratch: Path, content: str, newline: str | None, read_ahead: int, scenario: list[Step], chunk: int
) -> None:
    scratch.write_bytes(content.encode("utf-8"))
    differential(scratch, "r", newline, read_ahead, scenario, chunk, [])


@given(
    content=st.binary(max_size=60),
    read_ahead=st.integers(1, 12),
    scenario=steps,
    chunk=st.integers(1, 9),
    cache=cache_states,
)
def test_binary_wrapper_behaves_like_the_plain_file(
    scratch: Path, content: bytes, read_ahead: int, scenario: list[Step], chunk: int, cache: list[str]
) -> None:
    scratch.write_bytes(content)
    differential(scratch, "rb", None, read_ahead, scenario, chunk, cache)
