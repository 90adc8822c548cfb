"""A short tour of asyncio_extras: each helper in use, printing what happens.

Run from the project's root: ``python3 -m examples.tour``
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import threading
import time
import zlib
from collections.abc import AsyncGenerator
from pathlib import Path

import asyncio_extras
from asyncio_extras import async_contextmanager, call_async, call_in_executor, open_async, threadpool


@async_contextmanager
async def connection(host: str, *, port: int = 443) -> AsyncGenerator[str, None]:
    print(f"  connecting to {host}:{port}")
    await asyncio.sleep(0.01)
    try:
        yield f"<connection to {host}:{port}>"
    finally:
        await asyncio.sleep(0.01)
        print(f"  closed {host}:{port}")


@async_contextmanager
async def logged_errors() -> AsyncGenerator[None, None]:
    try:
        yield
    except LookupError as exc:
        print(f"  handled and suppressed {exc!r}")


@connection("backup.example.org")
async def back_up(records: int) -> str:
    await asyncio.sleep(0.01)
    return f"{records} records backed up"


def thread_name() -> str:
    return threading.current_thread().name


@threadpool
def checksum(data: bytes) -> tuple[int, str]:
    return zlib.crc32(data), thread_name()


async def lookup(key: str) -> str:
    await asyncio.sleep(0.01)
    return f"value of {key} (looked up in {thread_name()})"


async def count_errors(path: Path) -> int:
    return sum([line.endswith("ERROR\n") async for line in open_async(path)])


def count_errors_blocking(path: Path) -> int:
    with path.open() as plain:
        return sum(line.endswith("ERROR\n") for line in plain)


async def compare_with_the_plain_file(path: Path, rounds: int = 5) -> None:
    """Time ``async for line`` against the plain file's ``for`` loop in interleaved rounds; print the medians.

    One run of each is no measure on a busy machine: its ratio swung from 1.2x to 6.8x between
    tours. Medians of interleaved rounds hold far stiller; ``python3 scripts/benchmarks.py file``
    measures with more care, and chunks too.
    """
    seconds: list[float] = []
    plain_seconds: list[float] = []
    for _ in range(rounds):
        started = time.perf_counter()
        errors = await count_errors(path)
        seconds.append(time.perf_counter() - started)
        started = time.perf_counter()
        assert count_errors_blocking(path) == errors
        plain_seconds.append(time.perf_counter() - started)
    took, plain_took = statistics.median(seconds), statistics.median(plain_seconds)
    print(
        f"  async for line takes {took / plain_took:.1f}x the time of a for loop over the plain, blocking file "
        f"({took * 1000:.0f} ms against {plain_took * 1000:.0f} ms, medians of {rounds} interleaved rounds)"
    )


async def main() -> None:
    print(f"asyncio_extras {asyncio_extras.__version__}, from {Path(asyncio_extras.__file__).parent}\n")
    print("async_contextmanager: an async generator function becomes an async context manager")
    async with connection("example.org") as conn:
        print(f"  using {conn}")

    print("\nthe generator sees the body's exception and may suppress it")
    settings: dict[str, str] = {}
    async with logged_errors():
        print(f"  {settings['missing-key']}")
    print("  execution continues after the block")

    print("\nthe same context manager decorates a coroutine function; each call enters it afresh")
    print(f"  {await back_up(3)}")
    print(f"  {await back_up(5)}")

    loop = asyncio.get_running_loop()
    print(f"\nthe event loop runs in {thread_name()}")
    crc, where = await checksum(b"asyncio_extras")
    print(f"@threadpool: checksum {crc:#010x} computed in {where}")
    print(f"call_in_executor: divmod(17, 5) = {await call_in_executor(divmod, 17, 5)} in a worker thread")

    print("async with threadpool(): the body of the block runs in a worker thread")
    started = time.perf_counter()
    async with threadpool():
        print(f"  in the block: {thread_name()}, blocking for 50 ms without stalling the loop")
        time.sleep(0.05)
        print(f"  call_async back into the loop: {call_async(loop, lookup, 'user:42')}")
    print(f"  after the block: back in {thread_name()}, {(time.perf_counter() - started) * 1000:.0f} ms later")

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "tour.log")
        async with open_async(path, "w") as out:
            await out.writelines(f"{n:06d} {'ERROR' if n % 1000 == 0 else 'ok'}\n" for n in range(200_000))
        print(f"\nopen_async: wrote {path.stat().st_size / 1e6:.1f} MB of 200,000 lines without blocking the loop")

        print(f"  async for line: {await count_errors(path)} errors found")
        await compare_with_the_plain_file(path)
        async with open_async(path, "rb") as f:
            size = sum([len(chunk) async for chunk in f.async_readchunks(65536)])
        print(f"  async_readchunks(65536): {size:,} bytes read in chunks")


if __name__ == "__main__":
    asyncio.run(main())
