"""Types of asyncio_extras.file as mypy and pyright must infer them, and as the code returns them.

Both checkers check this file. Each test_* function also runs, in a fresh
folder (tests/test_typetests_run.py), and every assert_type in it is checked
against the value at run time. An expected error sits under
`if TYPE_CHECKING:`, which never runs, and carries the ignore comment of each
checker that must report it; an ignore that becomes unnecessary fails the check.
A wrapper is awaitable (awaiting opens it), hence the `_ =` where one is not used.
"""

import asyncio
from io import BufferedRandom, BufferedReader, FileIO, TextIOWrapper
from pathlib import Path
from typing import TYPE_CHECKING, Any, assert_type

from asyncio_extras import AsyncFileWrapper, open_async

path = Path("data.txt")


async def test_by_mode() -> None:
    mode = str("r")  # known only at run time
    # Text modes, also by default.
    _ = assert_type(open_async(path), AsyncFileWrapper[str, TextIOWrapper])
    _ = assert_type(open_async("data.txt", "w", encoding="utf-8", newline=""), AsyncFileWrapper[str, TextIOWrapper])
    _ = assert_type(open_async(3, "a+"), AsyncFileWrapper[str, TextIOWrapper])
    # Binary modes (typetests/file_api.py has one per file type).
    _ = assert_type(open_async(path, "rb"), AsyncFileWrapper[bytes, BufferedReader])
    _ = assert_type(open_async(path, "wb", buffering=0), AsyncFileWrapper[bytes, FileIO])
    _ = assert_type(open_async(path, mode="ab+"), AsyncFileWrapper[bytes, BufferedRandom])
    # A mode known only at run time.
    _ = assert_type(open_async(path, mode), AsyncFileWrapper[Any])

    if TYPE_CHECKING:
        _ = open_async(path, buffering="1")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]
        _ = open_async(path, executor=4)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]


async def test_text_file() -> None:
    path.write_text("one\ntwo\n")
    opened = assert_type(await open_async(path), AsyncFileWrapper[str, TextIOWrapper])
    await opened.close()
    async with open_async(path, "r+") as f:
        _ = assert_type(f, AsyncFileWrapper[str, TextIOWrapper])
        assert_type(await f.read(), str)
        assert_type(await f.read(10), str)
        assert_type(await f.readline(), str)
        assert_type(await f.readlines(), list[str])
        assert_type(await f.write("text"), int)
        assert_type(await f.writelines(["a\n", "b\n"]), None)
        assert_type(await f.seek(0), int)
        assert_type(await f.tell(), int)
        async for line in f:
            assert_type(line, str)
        await f.seek(0)
        async for chunk in f.async_readchunks(4096):
            assert_type(chunk, str)
        await f.seek(0)
        future = assert_type(f.read(), asyncio.Future[str])
        await future
        assert_type(await f.truncate(), int)
        assert_type(await f.flush(), None)
        assert_type(f.encoding, str)
        assert_type(f.errors, str | None)
        assert_type(f.name, str | bytes | int)
        assert_type(f.mode, str)
        assert_type(f.closed, bool)

    if TYPE_CHECKING:
        await f.write(b"bytes")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
        await f.writelines([b"bytes"])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]
        await f.read("10")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
        f.async_readchunks("4096")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
        (await f.read()).decode()  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
    assert_type(await f.close(), None)


async def test_binary_file() -> None:
    path.write_bytes(b"one\ntwo\n")
    async with open_async(path, "rb+") as f:
        _ = assert_type(f, AsyncFileWrapper[bytes, BufferedRandom])
        assert_type(await f.read(), bytes)
        assert_type(await f.readline(), bytes)
        assert_type(await f.readlines(), list[bytes])
        assert_type(await f.write(b"data"), int)
        assert_type(await f.write(bytearray(b"data")), int)
        assert_type(await f.write(memoryview(b"data")), int)
        assert_type(await f.writelines([b"a", bytearray(b"b")]), None)
        await f.seek(0)
        async for line in f:
            assert_type(line, bytes)
        await f.seek(0)
        async for chunk in f.async_readchunks(65536):
            assert_type(chunk, bytes)

    if TYPE_CHECKING:
        await f.write("text")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
        f.encoding  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
        (await f.read()).encode()  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
