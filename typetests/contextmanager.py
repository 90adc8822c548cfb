"""Types of asyncio_extras.contextmanager as mypy and pyright must infer them.

Never executed. An expected error carries the ignore comment of each checker
that must report it; an ignore that becomes unnecessary fails the check.
"""

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, assert_type

from asyncio_extras import async_contextmanager, yield_  # type: ignore[deprecated]  # pyright: ignore[reportDeprecated]


# Overload 1: an async generator function; `async with` gives the yielded type.
@async_contextmanager
async def connection(host: str, port: int = 80, *, secure: bool = False) -> AsyncGenerator[bytes, None]:
    yield b""


@async_contextmanager
async def session() -> AsyncGenerator[dict[str, int], None]:
    yield {}


async def fetch(path: str) -> int:
    return len(path)


async def native_generators() -> None:
    async with connection("example.org", secure=True) as data:
        assert_type(data, bytes)
    async with connection(host="example.org", port=443) as data:
        assert_type(data, bytes)
    async with session() as mapping:
        assert_type(mapping, dict[str, int])

    # As a decorator, it keeps the decorated function's own type.
    guarded = connection("example.org")(fetch)
    assert_type(await guarded("/"), int)
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


async def assigned_in_the_block_is_bound_after_it() -> bytes:
    async with connection("example.org") as data:
        received = data
    return received  # not "possibly unbound", as with contextlib's


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


async def iterator_annotation() -> None:
    async with annotated_as_iterator("/") as path:
        assert_type(path, str)
    annotated_as_iterator(1)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


# Overload 3: a coroutine function using `await yield_(value)`; the value's type is unknowable.
@async_contextmanager
async def legacy(count: int) -> None:
    await yield_(count)  # pyright: ignore[reportDeprecated]


async def yield_style() -> None:
    async with legacy(3) as value:
        assert_type(value, Any)
    legacy("3")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


# Anything else is refused.
def plain_function(n: int) -> int:
    return n


async def returns_a_value(n: int) -> int:
    return n


async_contextmanager(plain_function)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]
async_contextmanager(returns_a_value)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]
