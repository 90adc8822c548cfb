"""Many concurrent hops and blocks on a small pool, with cancellations: all finish, correctly.

The load is bounded in count and time; ASYNCIO_EXTRAS_STRESS=N multiplies it for a soak.
"""

import asyncio
import os
import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from asyncio_extras import call_async, call_in_executor, threadpool

SCALE = int(os.environ.get("ASYNCIO_EXTRAS_STRESS", "1"))
TASKS = 2000 * SCALE


@pytest.fixture
def small_pool() -> Iterator[ThreadPoolExecutor]:
    executor = ThreadPoolExecutor(4, thread_name_prefix="stress")
    yield executor
    executor.shutdown(wait=True)


async def test_thousands_of_hops_blocks_and_round_trips_with_cancellations(small_pool: ThreadPoolExecutor) -> None:
    loop = asyncio.get_running_loop()
    loop_thread = threading.get_ident()
    rng = random.Random(1234)

    @threadpool(small_pool)
    def square(n: int) -> int:
        return n * n

    async def halve(n: int) -> int:
        await asyncio.sleep(0)
        return n // 2

    async def job(n: int) -> tuple[int, int, int, int]:
        hopped = await square(n)
        called = await call_in_executor(abs, -n, executor=small_pool)
        async with threadpool(small_pool):
            in_worker = threading.get_ident() != loop_thread
            halved = call_async(loop, halve, n)
            plain = call_async(loop, abs, -n)
        assert in_worker and threading.get_ident() == loop_thread
        return hopped, called, halved, plain

    tasks = [asyncio.create_task(job(n)) for n in range(TASKS)]
    cancelled = set(rng.sample(range(TASKS), TASKS // 5))
    await asyncio.sleep(0)
    for n in cancelled:
        tasks[n].cancel()
    async with asyncio.timeout(120 * SCALE):
        results = await asyncio.gather(*tasks, return_exceptions=True)

    completed = 0
    for n, result in enumerate(results):
        if isinstance(result, asyncio.CancelledError):
            assert n in cancelled
            continue
        assert result == (n * n, n, n // 2, n), n
        completed += 1
    # Some cancelled tasks may have finished first; every task not cancelled completed.
    assert completed >= TASKS - len(cancelled)
    print(f"{TASKS} tasks, {len(cancelled)} cancelled, {completed} completed")
