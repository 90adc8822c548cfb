"""Thread hops, threadpool() blocks and call_async() against asyncio, anyio and asyncer."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable

import anyio.from_thread
import anyio.to_thread
import asyncer

from asyncio_extras import call_async, call_in_executor, threadpool
from bench._harness import Comparison, Result, Run, Variant, run_comparisons


def noop() -> None:
    pass


async def async_noop() -> None:
    pass


decorated_noop = threadpool(noop)


def hops(hop: Callable[[], Awaitable[None]]) -> Run:
    async def run(n: int) -> None:
        for _ in range(n):
            await hop()

    return run


async def bare_hop() -> None:
    await asyncio.get_running_loop().run_in_executor(None, noop)


async def block() -> None:
    async with threadpool():
        pass


def calls_from_a_worker(into_worker: Callable[[Callable[[], None]], Awaitable[None]], call: Callable[[], None]) -> Run:
    """Enter a worker thread once, then time ``n`` calls back into the loop from it."""

    async def run(n: int) -> None:
        def calls() -> None:
            for _ in range(n):
                call()

        await into_worker(calls)

    return run


async def into_asyncio_worker(calls: Callable[[], None]) -> None:
    await asyncio.to_thread(calls)


async def into_anyio_worker(calls: Callable[[], None]) -> None:
    await anyio.to_thread.run_sync(calls)


def with_running_loop(call: Callable[[asyncio.AbstractEventLoop], None]) -> Callable[[], None]:
    # Bound when the comparison starts, in the loop thread.
    loop = asyncio.get_running_loop()
    return functools.partial(call, loop)


def call_async_plain(loop: asyncio.AbstractEventLoop) -> None:
    call_async(loop, noop)


def call_async_coroutine(loop: asyncio.AbstractEventLoop) -> None:
    call_async(loop, async_noop)


def run_coroutine_threadsafe(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.run_coroutine_threadsafe(async_noop(), loop).result()


def anyio_run_sync() -> None:
    anyio.from_thread.run_sync(noop)


def anyio_run() -> None:
    anyio.from_thread.run(async_noop)


def comparisons() -> list[Comparison]:
    bare = Variant("loop.run_in_executor (bare hop)", hops(bare_hop))
    coroutine_threadsafe = Variant(
        "asyncio.run_coroutine_threadsafe",
        calls_from_a_worker(into_asyncio_worker, with_running_loop(run_coroutine_threadsafe)),
    )
    return [
        Comparison(
            "thread hop: a no-op function in the default executor",
            anchors=[bare],
            contenders=[
                Variant("call_in_executor", hops(lambda: call_in_executor(noop)), bar=1.05),
                Variant("@threadpool function", hops(decorated_noop), bar=1.05),
            ],
            others=[
                Variant("asyncio.to_thread", hops(lambda: asyncio.to_thread(noop))),
                Variant("anyio.to_thread.run_sync", hops(lambda: anyio.to_thread.run_sync(noop))),
                Variant("asyncer.asyncify", hops(asyncer.asyncify(noop))),
            ],
            per_round=200,
            rounds=41,
        ),
        # Its cost must not grow with the heap: measured with a small one and with a million objects.
        *(
            Comparison(
                "async with threadpool(): an empty block",
                anchors=[bare],
                contenders=[Variant("async with threadpool()", hops(block), bar=1.3)],
                per_round=200,
                rounds=31,
                heap_objects=heap_objects,
            )
            for heap_objects in (0, 1_000_000)
        ),
        Comparison(
            "call_async from a worker thread: a plain function",
            anchors=[
                Variant("anyio.from_thread.run_sync", calls_from_a_worker(into_anyio_worker, anyio_run_sync)),
                coroutine_threadsafe,
            ],
            contenders=[
                Variant("call_async", calls_from_a_worker(into_asyncio_worker, with_running_loop(call_async_plain)), bar=1.0)
            ],
            per_round=400,
            rounds=15,
        ),
        Comparison(
            "call_async from a worker thread: a coroutine function",
            anchors=[coroutine_threadsafe, Variant("anyio.from_thread.run", calls_from_a_worker(into_anyio_worker, anyio_run))],
            contenders=[
                Variant(
                    "call_async", calls_from_a_worker(into_asyncio_worker, with_running_loop(call_async_coroutine)), bar=1.0
                )
            ],
            per_round=400,
            rounds=15,
        ),
    ]


async def run() -> list[Result]:
    return await run_comparisons(comparisons())
