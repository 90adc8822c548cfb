"""Types of asyncio_extras.contextmanager as mypy and pyright must infer them, and as the code returns them.

Both checkers check this file. Each test_* function also runs
(tests/test_typetests_run.py), and every assert_type in it is checked against
the value at run time. An expected error sits under `if TYPE_CHECKING:`, which
never runs, and carries the ignore comment of each checker that must report it;
an ignore that becomes unnecessary fails the check.
"""

from collections.abc import AsyncGenerator, AsyncIterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar, assert_type

from asyncio_extras import async_contextmanager, yield_  # type: ignore[deprecated]  # pyright: ignore[reportDeprecated]


# Overload 1: an async generator function; `async with` gives the yielded type.
@async_contextmanager
async def connection(host: str, port: int = 80, *, secure: bool = False) -> AsyncGenerator[bytes, None]:
    yield b""


@async_contextmanager
async def session() -> AsyncGenerator[dict[str, int], None]:
    yield {"n": 1}


async def fetch(path: str) -> int:
    return len(path)


async def test_native_generators() -> None:
    async with connection("example.org", secure=True) as data:
        assert_type(data, bytes)
    async with connection(host="example.org", port=443) as data:
        assert_type(data, bytes)
    async with session() as mapping:
        assert_type(mapping, dict[str, int])

    # As a decorator, it keeps the decorated function's own type.
    guarded = connection("example.org")(fetch)
    assert_type(await guarded("/"), int)

    if TYPE_CHECKING:
        await guarded(1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
        # The parameters are exactly those of the generator function.
        connection()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
        connection(b"example.org")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
        connection("example.org", "80")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
        connection("example.org", 80, True)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
        connection("example.org", secured=True)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]

        # It is an async context manager only, and decorates only coroutine functions.
        with connection("example.org"):  # type: ignore[attr-defined]  # pyright: ignore[reportGeneralTypeIssues]
            pass
        connection("example.org")(len)  # type: ignore[type-var]  # pyright: ignore[reportArgumentType]

        async with connection("example.org") as data:
            data.upper_case()  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]


_T = TypeVar("_T")


class Pool(Generic[_T]):
    def __init__(self, item: _T) -> None:
        self.item = item

    @async_contextmanager
    async def borrow(self, *, timeout: float = 1.0) -> AsyncGenerator[_T, None]:
        yield self.item

    @classmethod
    @async_contextmanager
    async def opened(cls, size: int) -> AsyncGenerator["Pool[int]", None]:
        yield Pool(size)

    @staticmethod
    @async_contextmanager
    async def probe(host: str) -> AsyncGenerator[bool, None]:
        yield bool(host)


# On methods, classmethods and staticmethods, it binds as the plain methods do.
async def test_methods() -> None:
    pool = Pool("conn")
    async with pool.borrow(timeout=2.0) as item:
        assert_type(item, str)
    async with Pool[str].borrow(pool) as item:
        assert_type(item, str)
    async with Pool.opened(3) as opened:
        assert_type(opened, Pool[int])
    async with pool.opened(3) as opened:
        assert_type(opened, Pool[int])
    async with Pool.probe("example.org") as up:
        assert_type(up, bool)
    async with pool.probe("example.org") as up:
        assert_type(up, bool)

    if TYPE_CHECKING:
        pool.borrow(2.0)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
        Pool.opened()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
        pool.probe(1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


async def test_assigned_in_the_block_is_bound_after_it() -> None:
    async with connection("example.org") as data:
        received = data
    assert_type(received, bytes)  # not "possibly unbound", as with contextlib's


if TYPE_CHECKING:

    async def after_a_bare_raise_nothing_runs() -> None:
        # The price of not being "possibly suppressing", as with contextlib's.
        async with connection("example.org"):
            raise KeyError
        print()  # type: ignore[unreachable]


# Overload 2: the same annotated AsyncIterator, which does not promise the athrow() and aclose() that exiting uses.
@async_contextmanager  # type: ignore[deprecated]  # pyright: ignore[reportDeprecated]
async def annotated_as_iterator(path: str) -> AsyncIterator[str]:
    yield path


# A generator that expects sent values is not the precise case: `async with` sends None.
@async_contextmanager  # type: ignore[deprecated]  # pyright: ignore[reportDeprecated]
async def expects_sent_text() -> AsyncGenerator[int, str]:
    yield 1


async def test_iterator_annotation() -> None:
    async with annotated_as_iterator("/") as path:
        assert_type(path, str)

    if TYPE_CHECKING:
        annotated_as_iterator(1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


# Overload 3: a coroutine function using `await yield_(value)`; the value's type is unknowable.
@async_contextmanager
async def legacy(count: int) -> None:
    await yield_(count)  # pyright: ignore[reportDeprecated]


async def test_yield_style() -> None:
    async with legacy(3) as value:
        assert_type(value, Any)

    if TYPE_CHECKING:
        legacy("3")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


# Anything else is refused.
def plain_function(n: int) -> int:
    return n


async def returns_a_value(n: int) -> int:
    return n


if TYPE_CHECKING:
    async_contextmanager(plain_function)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]
    async_contextmanager(returns_a_value)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]
