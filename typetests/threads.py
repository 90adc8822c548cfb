"""Types of asyncio_extras.threads as mypy and pyright must infer them.

Never executed. An expected error carries the ignore comment of each checker
that must report it; an ignore that becomes unnecessary fails the check.
"""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import assert_type

from asyncio_extras import call_async, call_in_executor, threadpool

pool = ThreadPoolExecutor()


def scale(value: int, factor: float = 1.0, *, label: str = "") -> float:
    return value * factor


async def fetch(path: str, *, retries: int = 0) -> bytes:
    return path.encode()


# threadpool, overload 1: a function, run in the loop's default executor.
@threadpool
def parse(text: str, *, strict: bool = False) -> list[str]:
    return text.split()


# threadpool, overloads 2 and 3: an executor (or none), as a decorator...
@threadpool()
def checksum(data: bytes) -> int:
    return sum(data)


@threadpool(pool)
def compress(data: bytes, level: int = 6) -> bytes:
    return data


@threadpool(executor=pool)
def decompress(data: bytes) -> bytes:
    return data


class Store:
    @threadpool
    def load(self, key: str) -> dict[str, int]:
        return {key: 1}


async def decorated_functions(store: Store) -> None:
    future = assert_type(parse("a b"), asyncio.Future[list[str]])
    await future
    assert_type(await parse("a b", strict=True), list[str])
    assert_type(await checksum(b""), int)
    assert_type(await compress(b"", 9), bytes)
    assert_type(await decompress(b""), bytes)
    assert_type(await store.load("k"), dict[str, int])

    assert_type(parse.__name__, str)

    # In a worker thread, the direct call.
    assert_type(parse.__wrapped__("a b"), list[str])
    assert_type(store.load.__wrapped__("k"), dict[str, int])

    # Parameters keep their names, kinds and defaults.
    await parse()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    await parse(b"a b")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    await parse("a b", True)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    await parse("a b", strict=1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    await parse(txt="a b")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    await compress(b"", "9")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    await store.load(1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    parse.__wrapped__(1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]

    # The awaitable is not the result.
    (await parse("a b")).upper()  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
    parse("a b").append("c")  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]


# ...and an `async with` block.
async def blocks() -> None:
    async with threadpool():
        pass
    async with threadpool(pool):
        pass
    async with threadpool(executor=pool):
        pass
    async with threadpool(None):
        pass

    threadpool(4)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    threadpool(pool, executor=pool)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]
    with threadpool():  # type: ignore[attr-defined]  # pyright: ignore[reportGeneralTypeIssues]
        pass


# call_in_executor, overload 1: positional arguments, with or without an executor.
async def executor_calls() -> None:
    future = assert_type(call_in_executor(scale, 2), asyncio.Future[float])
    await future
    assert_type(await call_in_executor(scale, 2, 0.5), float)
    assert_type(await call_in_executor(scale, 2, 0.5, executor=pool), float)
    assert_type(await call_in_executor(scale, 2, executor=None), float)

    # Overload 2: keyword arguments too, in the default executor.
    assert_type(await call_in_executor(scale, 2, label="x"), float)
    assert_type(await call_in_executor(scale, value=2, factor=3.0), float)

    await call_in_executor(scale)  # type: ignore[call-arg, arg-type]  # pyright: ignore[reportCallIssue]
    await call_in_executor(scale, "2")  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]
    await call_in_executor(scale, 2, label=3)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    await call_in_executor(scale, 2, executor="pool")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    # Keyword arguments with an executor: bind them with functools.partial instead.
    await call_in_executor(scale, 2, label="x", executor=pool)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]


# call_async, overload 1: an awaitable result is awaited; overload 2: a plain result.
def worker(loop: asyncio.AbstractEventLoop) -> None:
    assert_type(call_async(loop, fetch, "/"), bytes)
    assert_type(call_async(loop, fetch, "/", retries=2), bytes)
    assert_type(call_async(loop, scale, 2, label="x"), float)

    call_async(loop, fetch)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
    call_async(loop, fetch, 1)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
    call_async(loop, scale, 2, labels="x")  # type: ignore[arg-type, call-arg]  # pyright: ignore[reportCallIssue]
    call_async(scale, 2)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
