"""Types of AsyncFileWrapper's constructor, of what only some files have, and of wrap_file, as mypy and pyright must infer them, and as the code returns them.

Both checkers check this file. Each test_* function also runs, in a fresh
folder (tests/test_typetests_run.py), on a file holding a few lines, and every
assert_type in it is checked against the value at run time. An expected error
sits under `if TYPE_CHECKING:`, which never runs, and carries the ignore comment
of each checker that must report it; an ignore that becomes unnecessary fails
the check. A wrapper is awaitable (awaiting opens it), hence the `_ =` where
one is not used.
"""

import io
import tempfile
from io import BufferedRandom, BufferedReader, BufferedWriter, FileIO, RawIOBase, TextIOWrapper
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, assert_type

from asyncio_extras import AsyncFileWrapper, open_async, threadpool, wrap_file

path = Path("data.txt")


def _lines() -> Path:
    path.write_text("one\ntwo\nthree\n")
    return path


async def test_constructor_by_mode() -> None:
    mode, buffering = str("r"), int(-1)  # known only at run time
    # One per overload, in the order of open()'s, which gives the same file types.
    _ = assert_type(AsyncFileWrapper(path), AsyncFileWrapper[str, TextIOWrapper])
    _ = assert_type(AsyncFileWrapper(path, "rb", 0), AsyncFileWrapper[bytes, FileIO])
    _ = assert_type(AsyncFileWrapper(path, "rb+"), AsyncFileWrapper[bytes, BufferedRandom])
    _ = assert_type(AsyncFileWrapper(path, "ab"), AsyncFileWrapper[bytes, BufferedWriter])
    _ = assert_type(AsyncFileWrapper(path, "rb"), AsyncFileWrapper[bytes, BufferedReader])
    _ = assert_type(AsyncFileWrapper(path, "rb", buffering), AsyncFileWrapper[bytes, BinaryIO])
    _ = assert_type(AsyncFileWrapper(path, mode), AsyncFileWrapper[Any, IO[Any]])

    if TYPE_CHECKING:
        await AsyncFileWrapper(path, "rb", buffering="0")  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]


async def test_open_async_by_mode() -> None:
    mode, buffering = str("r"), int(-1)  # known only at run time
    # One per overload, as for the constructor.
    _ = assert_type(open_async(path, "r+"), AsyncFileWrapper[str, TextIOWrapper])
    _ = assert_type(open_async(path, "ab", buffering=0), AsyncFileWrapper[bytes, FileIO])
    _ = assert_type(open_async(path, "ab+", buffering=-1), AsyncFileWrapper[bytes, BufferedRandom])
    _ = assert_type(open_async(path, "ab", 1), AsyncFileWrapper[bytes, BufferedWriter])
    _ = assert_type(open_async(path, "rb"), AsyncFileWrapper[bytes, BufferedReader])
    _ = assert_type(open_async(path, "ab", buffering), AsyncFileWrapper[bytes, BinaryIO])
    _ = assert_type(open_async(path, mode, buffering), AsyncFileWrapper[Any, IO[Any]])


async def test_common_annotations() -> None:
    # What open_async gives goes where AsyncFileWrapper[str] or [bytes] is expected.
    # An IO[str] or IO[bytes] may be any file: only what every file has.
    async def text(f: AsyncFileWrapper[str]) -> str:
        assert_type(f.wrapped, IO[str])
        if TYPE_CHECKING:
            f.buffer  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
            await f.reconfigure(line_buffering=True)  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
        return await f.read()

    async def binary(f: AsyncFileWrapper[bytes]) -> bytes:
        assert_type(f.wrapped, IO[bytes])
        if TYPE_CHECKING:
            await f.peek()  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
            await f.read1()  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
            f.raw  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
        return await f.read()

    async with open_async(_lines()) as f:
        assert_type(await text(f), str)
    async with open_async(path, "rb", buffering=0) as unbuffered, open_async(path, "rb+") as buffered:
        assert_type(await binary(unbuffered) + await binary(buffered), bytes)


async def test_text_file() -> None:
    async with open_async(_lines(), "r+") as f:
        assert_type(f.wrapped, TextIOWrapper)
        assert_type(f.line_buffering, bool)
        assert_type(f.write_through, bool)
        # Overload 1: newline left as it is; overload 2: newline given, None (universal newlines) included.
        assert_type(await f.reconfigure(line_buffering=True), None)
        assert_type(await f.reconfigure(encoding="utf-8", newline=None), None)

        if TYPE_CHECKING:
            await f.read1()  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
            await f.readinto(bytearray(4))  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
            await f.peek()  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
            await f.readall()  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
            f.raw  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
            f.closefd  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
            await f.reconfigure(line_buffering=1.5)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]
    # A TextIOWrapper of a known buffer: buffer and detach() give it; the wrapper is done with then.
    wrapper = wrap_file(TextIOWrapper(open(path, "rb")))
    assert_type(wrapper.buffer, BufferedReader)
    buffer = await wrapper.detach()
    assert_type(buffer, BufferedReader)
    buffer.close()


async def test_buffered_reader() -> None:
    async with open_async(_lines(), "rb") as f:
        assert_type(f.wrapped, BufferedReader)
        assert_type(await f.peek(), bytes)
        assert_type(await f.read1(4), bytes)
        assert_type(await f.readinto(bytearray(4)), int)
        assert_type(await f.readinto1(memoryview(bytearray(4))), int)
        async with threadpool():
            assert_type(f.wrapped.readline(), bytes)

        if TYPE_CHECKING:
            await f.readall()  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
            f.buffer  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
            f.line_buffering  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
            await f.reconfigure()  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
            await f.peek("1")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


async def test_buffered_writer() -> None:
    f = await open_async(_lines(), "ab")
    assert_type(f.wrapped, BufferedWriter)
    assert_type(await f.write(b"more\n"), int)

    if TYPE_CHECKING:
        await f.peek()  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
        await f.readall()  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
        f.write_through  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
    raw = await f.detach()  # the wrapper is done with then
    assert_type(raw, RawIOBase)
    raw.close()


async def test_buffered_random() -> None:
    async with open_async(_lines(), "rb+") as f:
        assert_type(f.wrapped, BufferedRandom)
        assert_type(f.raw, RawIOBase)
        assert_type(await f.peek(1), bytes)
        assert_type(await f.read1(), bytes)


async def test_unbuffered() -> None:
    async with open_async(_lines(), "rb", buffering=0) as f:
        assert_type(f.wrapped, FileIO)
        assert_type(f.closefd, bool)
        assert_type(await f.readall(), bytes)
        # FileIO.readinto() gives None where a non-blocking file has nothing yet: typeshed's MaybeNone (Any).
        assert_type(await f.readinto(bytearray(4)), int | Any)

        if TYPE_CHECKING:
            await f.peek()  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
            await f.read1()  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
            await f.readinto1(bytearray(4))  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
            await f.detach()  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
            f.raw  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]


async def test_wrapping_open_files() -> None:
    mode = str("r+")  # known only at run time
    # Overload 1: text files (TextIO).
    async with wrap_file(tempfile.TemporaryFile("w+")) as f:
        _ = assert_type(f, AsyncFileWrapper[str, TextIOWrapper])
    async with wrap_file(io.StringIO("text")) as f:
        _ = assert_type(f, AsyncFileWrapper[str, io.StringIO])
        assert_type(f.line_buffering, bool)
    # Overload 2: binary files (BinaryIO).
    async with wrap_file(tempfile.TemporaryFile()) as f:
        _ = assert_type(f, AsyncFileWrapper[bytes, BufferedRandom])
        assert_type(await f.peek(), bytes)
    async with wrap_file(io.BytesIO(b"data")) as f:
        _ = assert_type(f, AsyncFileWrapper[bytes, io.BytesIO])
        assert_type(await f.read1(), bytes)
    # Overload 3: any other IO, typed as such; what open() gives in a mode known only at run time.
    async with wrap_file(tempfile.NamedTemporaryFile("w+")) as f:
        _ = assert_type(f, AsyncFileWrapper[str, IO[str]])
        assert_type(f.encoding, str)
    async with wrap_file(tempfile.SpooledTemporaryFile()) as f:
        _ = assert_type(f, AsyncFileWrapper[bytes, IO[bytes]])
    async with wrap_file(open(_lines(), mode)) as f:
        _ = assert_type(f, AsyncFileWrapper[Any, IO[Any]])

    if TYPE_CHECKING:
        await wrap_file(path)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
        await wrap_file(open(path), executor=1)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
        await wrap_file(open_async(path))  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
