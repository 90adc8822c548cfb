"""Types of asyncio_extras.threads as mypy and pyright must infer them, and as the code returns them.

Both checkers check this file. Each test_* function also runs
(tests/test_typetests_run.py), and every assert_type in it is checked against
the value at run time. An expected error sits under `if TYPE_CHECKING:`, which
never runs, and carries the ignore comment of each checker that must report it;
an ignore that becomes unnecessary fails the check.
"""

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Generic, TypeVar, assert_type, overload

from asyncio_extras import call_async, call_in_executor, threadpool

_T = TypeVar("_T")


def scale(value: int, factor: float = 1.0, *, label: str = "") -> float:
    return value * factor


async def fetch(path: str, *, retries: int = 0) -> bytes:
    return path.encode()


def configure(value: int, *, executor: str = "") -> str:
    return f"{value} {executor}"


def in_worker_thread() -> bool:
    return threading.current_thread() is not threading.main_thread()


# threadpool, overload 1: a function, run in the loop's default executor.
@threadpool
def parse(text: str, *, strict: bool = False) -> list[str]:
    return text.split()


# The undecorated function stays at hand for the direct call in a worker thread.
def checksum_now(data: bytes) -> int:
    return sum(data)


checksum = threadpool(checksum_now)


@overload
def double(value: int) -> int: ...
@overload
def double(value: str) -> str: ...
def double(value: int | str) -> int | str:
    return value * 2


class Box(Generic[_T]):
    def __init__(self, value: _T) -> None:
        self.value = value

    @threadpool
    def get(self) -> _T:
        return self.value

    def load_now(self, key: str) -> dict[str, _T]:
        return {key: self.value}

    load = threadpool(load_now)

    @classmethod
    @threadpool
    def make(cls, value: int) -> "Box[int]":
        return Box(value)

    @staticmethod
    @threadpool
    def util(value: int) -> str:
        return str(value)


def digest(data: bytes, /) -> int:
    return len(data)


# What an IDE shows is the function's own signature, returning a future.
def test_a_decorated_function_is_a_plain_function_type() -> None:
    assert_type(threadpool(digest), Callable[[bytes], asyncio.Future[int]])


async def test_decorated_functions_keep_their_parameters() -> None:
    future = assert_type(parse("a b"), asyncio.Future[list[str]])
    await future
    assert_type(await parse("a b", strict=True), list[str])
    assert_type(await checksum(b"ab"), int)
    assert_type(parse.__name__, str)

    if TYPE_CHECKING:
        await parse()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
        await parse(b"a b")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
        await parse("a b", True)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
        await parse("a b", strict=1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
        await parse(txt="a b")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
        # The awaitable is not the result.
        (await parse("a b")).upper()  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
        parse("a b").append("c")  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]


# threadpool, overloads 2 and 3: an executor (or none), as a decorator...
async def test_decorators_with_an_executor() -> None:
    with ThreadPoolExecutor(1) as pool:

        @threadpool()
        def total(data: bytes) -> int:
            return sum(data)

        @threadpool(pool)
        def compress(data: bytes, level: int = 6) -> bytes:
            return data

        @threadpool(executor=pool)
        def decompress(data: bytes) -> bytes:
            return data

        assert_type(await total(b"ab"), int)
        assert_type(await compress(b"ab", 9), bytes)
        assert_type(await decompress(b"ab"), bytes)
        # ...or the function and the executor in one call.
        assert_type(await threadpool(scale, executor=pool)(2, label="x"), float)
        assert_type(await threadpool(None, executor=pool)(scale)(2), float)

        if TYPE_CHECKING:
            await compress(b"", "9")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
            threadpool(pool, executor=pool)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
            threadpool(4)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]


async def test_methods_bind_as_plain_methods_do() -> None:
    box = Box(1)
    assert_type(await box.get(), int)
    assert_type(await box.load("k"), dict[str, int])
    assert_type(await Box[int].get(box), int)
    # pyright reads the bare class as Box[Unknown], as for any method: the type parameter is not solved from `box`.
    assert_type(await Box.get(box), int)  # pyright: ignore[reportUnknownMemberType, reportAssertTypeFailure]
    assert_type(await Box.make(1), Box[int])
    assert_type(await box.make(1), Box[int])
    assert_type(await Box.util(1), str)
    assert_type(await box.util(1), str)

    if TYPE_CHECKING:
        await box.load(1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
        await box.get(box)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
        await Box.make()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
        await box.util("1")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


async def test_the_direct_call_goes_through_the_undecorated_function() -> None:
    box = Box(1)
    async with threadpool():
        assert_type(in_worker_thread(), bool)
        assert_type(checksum_now(b"ab"), int)
        assert_type(box.load_now("k"), dict[str, int])

    if TYPE_CHECKING:
        # A Callable declares no __wrapped__ (see docs/typing.md): neither for a function...
        checksum.__wrapped__(b"ab")  # type: ignore[attr-defined]  # pyright: ignore[reportFunctionMemberAccess]
        # ...nor for a bound method, whose __wrapped__ is the plain function, which takes self.
        box.get.__wrapped__(box)  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
        checksum_now("ab")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


async def test_overloaded_functions_keep_their_overloads() -> None:
    assert_type(await threadpool(double)(2), int)
    assert_type(await threadpool(double)("a"), str)
    with ThreadPoolExecutor(1) as pool:
        assert_type(await threadpool(pool)(double)("a"), str)
        # With executor= beside it, mypy keeps the first overload only (docs/typing.md).
        assert_type(await threadpool(double, executor=pool)("a"), str)  # type: ignore[arg-type, assert-type]

    if TYPE_CHECKING:
        await threadpool(double)(b"a")  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]


# ...and an `async with` block.
async def test_blocks() -> None:
    with ThreadPoolExecutor(1) as pool:
        async with threadpool():
            assert_type(in_worker_thread(), bool)
        async with threadpool(pool):
            pass
        async with threadpool(executor=pool):
            pass
        async with threadpool(None):
            pass
        async with threadpool(None, executor=pool):
            pass

    if TYPE_CHECKING:
        with threadpool():  # type: ignore[attr-defined]  # pyright: ignore[reportGeneralTypeIssues]
            pass
        # Any other executor gives the decorator alone: a block needs a thread of this process.
        processes = ProcessPoolExecutor()
        assert_type(await threadpool(processes)(digest)(b"ab"), int)
        assert_type(await threadpool(executor=processes)(digest)(b"ab"), int)
        async with threadpool(processes):  # type: ignore[attr-defined]  # pyright: ignore[reportGeneralTypeIssues]
            pass
        async with threadpool(executor=processes):  # type: ignore[attr-defined]  # pyright: ignore[reportGeneralTypeIssues]
            pass


# call_in_executor, overload 1: positional arguments, with or without an executor.
async def test_executor_calls() -> None:
    future = assert_type(call_in_executor(scale, 2), asyncio.Future[float])
    await future
    assert_type(await call_in_executor(scale, 2, 0.5), float)
    with ThreadPoolExecutor(1) as pool:
        assert_type(await call_in_executor(scale, 2, 0.5, executor=pool), float)
        assert_type(await call_in_executor(partial(scale, 2, label="x"), executor=pool), float)
    assert_type(await call_in_executor(scale, 2, executor=None), float)

    # Overload 2: keyword arguments too, in the default executor.
    assert_type(await call_in_executor(scale, 2, label="x"), float)
    assert_type(await call_in_executor(scale, value=2, factor=3.0), float)
    # `executor=` is always the helper's own: a function's `executor` keyword goes through partial.
    assert_type(await call_in_executor(partial(configure, executor="x"), 1), str)

    if TYPE_CHECKING:
        await call_in_executor(scale)  # type: ignore[call-arg, arg-type]  # pyright: ignore[reportCallIssue]
        await call_in_executor(scale, "2")  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]
        await call_in_executor(scale, 2, label=3)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
        await call_in_executor(scale, 2, executor="pool")  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
        # Keyword arguments with an executor: bind them with functools.partial instead.
        await call_in_executor(scale, 2, label="x", executor=pool)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]


def ready_or_pending(ready: bool) -> int | Awaitable[str]:
    return 1 if ready else asyncio.sleep(0, "later")


# call_async, overload 1: an awaitable result is awaited; overload 2: a plain result, or either.
async def test_calls_from_a_worker_thread() -> None:
    loop = asyncio.get_running_loop()
    async with threadpool():
        assert_type(call_async(loop, fetch, "/"), bytes)
        assert_type(call_async(loop, fetch, "/", retries=2), bytes)
        assert_type(call_async(loop, scale, 2, label="x"), float)
        # mypy cannot split the union (python/mypy#19143), and gives object: narrow it.
        assert_type(call_async(loop, ready_or_pending, False), str | int)  # type: ignore[assert-type]

    if TYPE_CHECKING:
        call_async(loop, fetch)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
        call_async(loop, fetch, 1)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
        call_async(loop, scale, 2, labels="x")  # type: ignore[call-arg, arg-type]  # pyright: ignore[reportCallIssue]
        call_async(scale, 2)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue, reportArgumentType]
