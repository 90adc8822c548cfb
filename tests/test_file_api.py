"""Behaviour of asyncio_extras.file beyond the common file methods: what only some files have, wrapped, wrap_file."""

import asyncio
import gzip
import importlib
import inspect
import io
import os
import tempfile
import re
import threading
import typing
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any, cast
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asyncio_extras import AsyncFileWrapper, open_async, threadpool, wrap_file

# The read-ahead's settings, patched by tests: a private module, which the stubs do not declare.
readahead_module = importlib.import_module("asyncio_extras._readahead")

# What only some files have, by the class open() gives.
ONLY_SOME_FILES_HAVE = [
    "raw", "buffer", "line_buffering", "write_through", "closefd",
    "read1", "readinto", "readinto1", "readall", "peek", "detach", "reconfigure",
]  # fmt: skip
# (mode, buffering) for each class open() gives: TextIOWrapper, BufferedReader/Writer/Random, FileIO.
OPEN_MODES = [("r", -1), ("w+", -1), ("rb", -1), ("wb", -1), ("ab", -1), ("rb+", -1), ("rb", 0), ("wb", 0), ("ab+", 0)]
CONTENT = b"first line\nsecond\n\nfourth, with no end"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.write_bytes(CONTENT)
    return path


# --- which methods and attributes the wrapper has ---


@pytest.mark.parametrize(("mode", "buffering"), OPEN_MODES)
async def test_the_wrapper_has_what_the_plain_file_has_for_its_mode_and_buffering(
    path: Path, mode: str, buffering: int
) -> None:
    with open(path, mode, buffering) as plain:
        async with open_async(path, mode, buffering) as wrapper:
            for name in ONLY_SOME_FILES_HAVE:
                assert hasattr(wrapper, name) == hasattr(plain, name), name


async def test_a_missing_method_raises_the_plain_files_own_attribute_error(path: Path) -> None:
    with open(path, "ab") as plain, pytest.raises(AttributeError) as of_the_plain_file:
        plain.peek  # type: ignore[attr-defined]  # noqa: B018  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
    async with open_async(path, "ab") as wrapper:
        with pytest.raises(AttributeError) as of_the_wrapper:
            wrapper.peek  # type: ignore[misc]  # noqa: B018  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
    assert str(of_the_wrapper.value) == str(of_the_plain_file.value)


async def test_before_opening_every_method_exists_and_fails_as_read_does(path: Path) -> None:
    wrapper = open_async(path, "ab")  # its file will have no peek()
    with pytest.raises(ValueError, match="not open yet"):
        await wrapper.read()
    with pytest.raises(ValueError, match="not open yet"):
        await wrapper.peek()  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]


def test_on_the_class_the_methods_are_plain_functions_with_their_signatures() -> None:
    peek = getattr(AsyncFileWrapper, "peek")
    assert inspect.isfunction(peek)
    assert str(inspect.signature(peek)) == "(self, size: 'int' = 0, /) -> 'Any'"


def test_the_class_subscripts_with_the_file_type_or_without() -> None:
    # Annotations are evaluated at run time by code without `from __future__ import annotations`.
    assert typing.get_args(AsyncFileWrapper[str]) == (str,)
    assert typing.get_args(AsyncFileWrapper[bytes, io.BufferedReader]) == (bytes, io.BufferedReader)


# --- attributes ---


async def test_attributes_are_the_plain_files(path: Path) -> None:
    async with open_async(path, "r+", encoding="utf-8", newline="") as wrapper:
        plain = wrapper.wrapped
        assert wrapper.buffer is plain.buffer
        assert wrapper.line_buffering is plain.line_buffering is False
        assert wrapper.write_through is plain.write_through is False
    async with open_async(path, "rb") as binary:
        assert binary.raw is binary.wrapped.raw
    async with open_async(path, "rb", buffering=0) as unbuffered:
        assert unbuffered.closefd is True
    with open(path, "rb") as plain_file:
        async with open_async(plain_file.fileno(), "rb", buffering=0, closefd=False) as by_descriptor:
            assert by_descriptor.closefd is False


async def test_wrapped_is_the_file_object_open_returns(path: Path) -> None:
    for mode, buffering in OPEN_MODES:
        async with open_async(path, mode, buffering) as wrapper:
            with open(path, mode, buffering) as plain:
                assert type(wrapper.wrapped) is type(plain)


@pytest.mark.parametrize("mode", ["r", "rb"])
async def test_wrapped_gives_back_what_iteration_read_ahead(path: Path, mode: str) -> None:
    with open(path, mode) as plain:
        plain_lines = [plain.readline(), plain.readline()]
        rest = plain.read()
    async with open_async(path, mode) as wrapper:
        lines: list[Any] = []
        async for line in wrapper:
            lines.append(line)
            if len(lines) == 2:
                break
        assert lines == plain_lines
        async with threadpool():
            assert wrapper.wrapped.read() == rest


async def test_wrapped_waits_for_an_operation_in_a_worker_only_in_a_worker_thread(path: Path) -> None:
    async with open_async(path, "rb") as wrapper:
        # The lock every operation on the file holds (a private name: the stubs do not declare it).
        lock: threading.RLock = getattr(wrapper, "_ahead").lock
        holding, release = threading.Event(), threading.Event()

        def operation_in_a_worker() -> None:  # as a call whose task was cancelled goes on in its thread
            with lock:
                holding.set()
                release.wait(10)

        worker = threading.Thread(target=operation_in_a_worker)
        worker.start()
        holding.wait(10)
        try:
            # The loop thread must never wait for it: a clear error instead.
            with pytest.raises(RuntimeError, match="^an operation on the file still runs in a worker thread: "):
                _ = wrapper.wrapped
            waiting = asyncio.ensure_future(asyncio.to_thread(lambda: wrapper.wrapped.read()))
            await asyncio.sleep(0.05)
            assert not waiting.done()  # a worker thread waits for the operation to end
        finally:
            release.set()
            worker.join()
        assert await waiting == CONTENT


async def test_reconfigure_runs_in_the_worker_and_changes_only_what_it_is_given(path: Path) -> None:
    async with open_async(path, "r", encoding="utf-8", newline="\n") as wrapper:
        await wrapper.reconfigure(line_buffering=True)
        assert wrapper.line_buffering
        # newline is left alone when not given: "\n" keeps "\r\n" apart from "\n", which None would not.
        assert wrapper.wrapped.newlines is None
        await wrapper.reconfigure(encoding="latin-1")
        assert wrapper.encoding == "latin-1"


# --- blocking methods against the plain file ---


async def test_readall_reads_the_rest_as_the_plain_file_does(path: Path) -> None:
    async with open_async(path, "rb", buffering=0) as wrapper:
        await wrapper.seek(6)
        assert await wrapper.readall() == CONTENT[6:]
        assert await wrapper.readall() == b""


async def test_detach_gives_what_the_plain_file_detaches_and_leaves_a_wrapper_that_fails_as_the_file(
    path: Path,
) -> None:
    wrapper = await open_async(path, "r")
    assert await wrapper.readline() == "first line\n"
    buffer = await wrapper.detach()
    try:
        assert isinstance(buffer, io.BufferedReader)
        with pytest.raises(ValueError, match="detached"):
            await wrapper.read()
        with pytest.raises(ValueError, match="detached"):
            await wrapper.close()
    finally:
        buffer.close()


async def test_detaching_a_binary_file_flushes_it_and_gives_its_raw_file(path: Path) -> None:
    wrapper = await open_async(path, "wb")
    await wrapper.write(b"written")
    raw = await wrapper.detach()
    try:
        assert isinstance(raw, io.FileIO)
        assert path.read_bytes() == b"written"
    finally:
        raw.close()


def test_in_a_thread_without_a_loop_the_methods_run_directly(path: Path) -> None:
    async def main() -> None:
        async with open_async(path, "rb") as wrapper:
            async with threadpool():
                # typed code would call the file itself here (wrapper.wrapped); the wrapper's methods return results
                peeked: object = wrapper.peek(1)
                read: object = wrapper.read1(5)
                into = bytearray(5)
                count: object = wrapper.readinto(into)
        assert isinstance(peeked, bytes) and peeked.startswith(b"f")
        assert (read, count, bytes(into)) == (b"first", 5, b" line")

    asyncio.run(main())


# Each step: an operation and its size. read1, readinto1 and peek may give less (peek: more)
# than asked, by what the buffer holds; what they give must be what comes next in the file.
Step = tuple[str, int]
steps = st.lists(
    st.tuples(st.sampled_from(["read1", "readinto", "readinto1", "peek", "read", "line", "chunk", "seek"]), st.integers(0, 9)),
    max_size=20,
)


async def replay(wrapper: AsyncFileWrapper[bytes, Any], plain: IO[bytes], content: bytes, scenario: list[Step]) -> None:
    lines: AsyncIterator[bytes] | None = None
    chunks: AsyncIterator[bytes] | None = None
    for operation, size in scenario:
        position = plain.tell()
        if operation == "read1":
            got = await wrapper.read1(size)
            assert got == plain.read(len(got))
            assert len(got) <= size and (got or not size or position >= len(content))
        elif operation in ("readinto", "readinto1"):
            into = bytearray(size)
            count = await getattr(wrapper, operation)(into)
            assert into[:count] == plain.read(count)
            if operation == "readinto":
                assert count == len(content[position : position + size])
        elif operation == "peek":
            peeked = await wrapper.peek(size)
            assert content[position:].startswith(peeked)
            assert bool(peeked) == (position < len(content))
        elif operation == "read":
            assert await wrapper.read(size) == plain.read(size)
        # An iterator that ended is not reused: on 3.11 it is an async generator, which stays ended.
        elif operation == "line":
            lines = lines or aiter(wrapper)
            line = await anext(lines, b"")
            assert line == plain.readline()
            lines = lines if line else None
        elif operation == "chunk":
            chunks = chunks or wrapper.async_readchunks(size + 1)
            chunk = await anext(chunks, b"")
            assert chunk == plain.read(size + 1)
            chunks = chunks if chunk else None
        else:
            assert await wrapper.seek(size) == plain.seek(size)
    assert await wrapper.tell() == plain.tell()


@settings(max_examples=60)
@given(content=st.binary(max_size=40), read_ahead=st.integers(1, 12), scenario=steps, mode=st.sampled_from(["rb", "rb+"]))
def test_the_methods_only_buffered_readers_have_give_what_the_plain_file_gives(
    tmp_path_factory: pytest.TempPathFactory, content: bytes, read_ahead: int, scenario: list[Step], mode: str
) -> None:
    path = tmp_path_factory.mktemp("buffered") / "file"
    path.write_bytes(content)

    async def run() -> None:
        with open(path, "rb") as plain:
            async with open_async(path, mode) as wrapper:
                await replay(wrapper, plain, content, scenario)

    with mock.patch.object(readahead_module, "_READ_AHEAD", read_ahead):
        asyncio.run(run())


# --- wrap_file ---


# What wrap_file() may be given, text and binary: tempfile's, in-memory files.
FILES: dict[str, Callable[[], IO[Any]]] = {
    "TemporaryFile text": lambda: tempfile.TemporaryFile("w+", encoding="utf-8", newline=""),
    "TemporaryFile": tempfile.TemporaryFile,
    "NamedTemporaryFile text": lambda: tempfile.NamedTemporaryFile("w+", encoding="utf-8", newline=""),
    "NamedTemporaryFile": tempfile.NamedTemporaryFile,
    "SpooledTemporaryFile text": lambda: tempfile.SpooledTemporaryFile(mode="w+", encoding="utf-8", newline=""),
    "SpooledTemporaryFile": tempfile.SpooledTemporaryFile,
    "StringIO": lambda: io.StringIO(newline=""),
    "BytesIO": io.BytesIO,
}
# Multibyte characters: a text file given back as if binary would land in the middle of one.
TEXT = "é first\n\n€ third, longer than the others\r\nlast, with no end"


def filled(name: str) -> IO[Any]:
    file = FILES[name]()
    file.write(TEXT if "text" in name or name == "StringIO" else TEXT.encode())
    file.seek(0)
    return file


@pytest.mark.parametrize("name", FILES)
async def test_a_wrapped_file_reads_mixed_with_iteration_as_the_plain_file(name: str, small_read_ahead: None) -> None:
    with filled(name) as plain:
        expected = [plain.readline(), plain.read(3), plain.readline(), plain.read()]
        plain.seek(0)
        chunks = list(iter(lambda: plain.read(4), plain.read(0)))
    with filled(name) as file:
        wrapper = wrap_file(file)
        lines = aiter(wrapper)
        assert [await anext(lines), await wrapper.read(3), await anext(lines), await wrapper.read()] == expected
        await wrapper.seek(0)
        assert [chunk async for chunk in wrapper.async_readchunks(4)] == chunks


@pytest.fixture
def small_read_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    # Blocks of a few characters put every boundary case within reach of short files.
    monkeypatch.setattr(readahead_module, "_READ_AHEAD", 5)


@pytest.mark.parametrize("name", FILES)
async def test_closing_the_wrapper_closes_the_file(name: str) -> None:
    file = filled(name)
    async with wrap_file(file) as wrapper:
        assert not wrapper.closed
    assert file.closed


async def test_awaiting_a_wrapped_file_gives_the_wrapper_and_iteration_leaves_it_open() -> None:
    with filled("TemporaryFile") as file:
        wrapper = wrap_file(file)
        assert await wrapper is wrapper
        assert [line async for line in wrapper] == TEXT.encode().splitlines(keepends=True)
        assert not file.closed


async def test_a_gzip_file_reads_through_its_own_methods_not_its_descriptor(tmp_path: Path) -> None:
    # Its descriptor holds the compressed bytes: reading it from the page cache would serve those.
    path = tmp_path / "data.gz"
    with gzip.open(path, "wb") as compressing:
        compressing.write(CONTENT * 100)
    with gzip.open(path, "rb") as plain:
        lines = plain.readlines()
    # typeshed's GzipFile is an io.BufferedIOBase, which is no IO[bytes]
    async with wrap_file(cast("IO[bytes]", gzip.open(path, "rb"))) as wrapper:
        assert [line async for line in wrapper] == lines
        await wrapper.seek(0)
        assert b"".join([chunk async for chunk in wrapper.async_readchunks(100)]) == b"".join(lines)


async def test_a_pipe_is_read_one_line_a_hop_and_loses_nothing() -> None:
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "wb") as writing:
        writing.write(CONTENT)
    async with wrap_file(os.fdopen(read_end, "rb")) as wrapper:
        assert [line async for line in wrapper] == CONTENT.splitlines(keepends=True)


@pytest.mark.parametrize("not_a_file", ["data.txt", Path("data.txt"), 3, b"data"])
def test_wrapping_what_is_not_a_file_is_a_type_error(not_a_file: object) -> None:
    message = f"wrap_file() needs an open file object, got {type(not_a_file).__name__}: open a path with open_async()"
    with pytest.raises(TypeError, match=re.escape(message)):
        _ = wrap_file(cast("IO[bytes]", not_a_file))  # which the checkers refuse already


async def test_wrap_file_runs_the_methods_in_the_given_executor() -> None:
    threads: list[str] = []

    class Recording(io.BytesIO):
        def read1(self, size: int | None = -1, /) -> bytes:
            threads.append(threading.current_thread().name)
            return super().read1(size)

    with ThreadPoolExecutor(1, thread_name_prefix="given") as pool:
        async with wrap_file(Recording(CONTENT), executor=pool) as wrapper:
            assert await wrapper.read1(5) == b"first"
    assert len(threads) == 1 and threads[0].startswith("given")
