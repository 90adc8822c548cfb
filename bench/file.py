"""Reading files line by line and in chunks against a plain file, aiofiles and anyio; event-loop stalls.

``python -m bench stalls`` measures the stalls alone.
"""

from __future__ import annotations

import asyncio
import importlib
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import aiofiles
import anyio

from asyncio_extras import open_async
from bench._harness import Comparison, Result, Row, Run, Variant, report, run_comparisons

LINES = 500_000  # about 29 MB
FEW_LINES = 10_000  # for the libraries that take a minute over the large file
CHUNK = 65536
WRITTEN = 20 << 20  # bytes or characters written by one write()
STALL_BAR = 0.010  # seconds; the aim is the interpreter's switch interval, 5 ms
STALL_RUNS = 5  # the machine's own lag varies from run to run: the median of these
NO_FILE = "no file call: "  # a stall row measured for comparison, with no bar


def write_lines(path: Path, count: int) -> None:
    with path.open("w") as f:
        f.writelines(f"{n:07d} {'x' * (n % 100)}\n" for n in range(count))


def passes(one_pass: Callable[[Path], Awaitable[None]], path: Path) -> Run:
    async def run(n: int) -> None:
        for _ in range(n):
            await one_pass(path)

    return run


async def plain_lines(path: Path, mode: str = "r") -> None:
    with path.open(mode) as f:
        for _ in f:
            pass


async def own_lines(path: Path, mode: str = "r") -> None:
    async with open_async(path, mode) as f:
        async for _ in f:
            pass


def served_by(generator: bool, one_pass: Callable[[Path], Awaitable[None]], path: Path) -> Run:
    """``one_pass`` passes over ``path``, open_async serving by an async generator or by a coroutine method."""
    # The switch is private: the stubs (what this tree is checked against) do not declare the module.
    readahead: Any = importlib.import_module("asyncio_extras._readahead")
    run = passes(one_pass, path)

    async def switched(n: int) -> None:
        chosen, readahead._BY_GENERATOR = readahead._BY_GENERATOR, generator
        try:
            await run(n)
        finally:
            readahead._BY_GENERATOR = chosen

    return switched


class _Listed:
    """An async iterator over a list by a coroutine ``__anext__``."""

    def __init__(self, items: list[Any]) -> None:
        self._items = iter(items)

    def __aiter__(self) -> _Listed:
        return self

    async def __anext__(self) -> Any:
        for item in self._items:
            return item
        raise StopAsyncIteration


async def _generated(items: list[Any]) -> AsyncIterator[Any]:
    for item in items:
        yield item


def protocol_alone(path: Path, mode: str) -> Run:
    """``async for`` over the lines of ``path`` already in a list, by the step open_async takes on this Python.

    No file and no read-ahead: what a step of the protocol costs, below
    which no ``async for line in f`` can go.
    """
    readahead: Any = importlib.import_module("asyncio_extras._readahead")
    with path.open(mode) as f:
        lines = f.readlines()

    async def run(n: int) -> None:
        for _ in range(n):
            async for _ in _generated(lines) if readahead._BY_GENERATOR else _Listed(lines):
                pass

    return run


async def aiofiles_lines(path: Path) -> None:
    async with aiofiles.open(path) as f:
        async for _ in f:
            pass


async def anyio_lines(path: Path) -> None:
    async with await anyio.open_file(path) as f:
        async for _ in f:
            pass


async def plain_chunks(path: Path) -> None:
    with path.open("rb") as f:
        while f.read(CHUNK):
            pass


async def own_chunks(path: Path) -> None:
    async with open_async(path, "rb") as f:
        async for _ in f.async_readchunks(CHUNK):
            pass


async def aiofiles_chunks(path: Path) -> None:
    async with aiofiles.open(path, "rb") as f:
        while await f.read(CHUNK):
            pass


async def anyio_chunks(path: Path) -> None:
    async with await anyio.open_file(path, "rb") as f:
        while await f.read(CHUNK):
            pass


async def own_write(path: Path) -> None:
    block = b"x" * (1 << 20)
    async with open_async(path, "wb") as f:
        for _ in range(29):
            await f.write(block)


async def own_read(path: Path, mode: str, method: str = "read") -> object:
    async with open_async(path, mode) as f:
        return await getattr(f, method)()


async def own_write_once(path: Path, data: str | bytes, mode: str, buffering: int = -1) -> None:
    async with open_async(path, mode, buffering) as f:
        await f.write(data)


async def own_writelines(path: Path, lines: list[str]) -> None:
    async with open_async(path, "w") as f:
        await f.writelines(lines)


async def idle() -> None:
    await asyncio.sleep(0.2)


async def decode_in_worker(data: bytes) -> str:
    return await asyncio.get_running_loop().run_in_executor(None, data.decode)


async def largest_stall(work: Awaitable[object]) -> float:
    """Run ``work`` while a ticker asks the loop for a turn every millisecond; return the longest wait past that.

    What ``work`` returns is dropped once the ticker has stopped: freeing a
    29 MB result is the caller's work, not the call's.
    """
    worst = 0.0
    done = False

    async def ticker() -> None:
        nonlocal worst
        while not done:
            asked = time.perf_counter()
            await asyncio.sleep(0.001)
            worst = max(worst, time.perf_counter() - asked - 0.001)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    try:
        result = await work
    finally:
        done = True
        await task
    del result
    return worst


async def stalls(large: Path, written: Path) -> Result:
    """The median, over a few runs, of the largest stall of each file call, with the machine's own lag."""
    text = large.read_text()[:WRITTEN]
    non_ascii = text.replace("x", "é")
    data = text.encode()
    cases: list[tuple[str, Callable[[], Awaitable[object]]]] = [
        (NO_FILE + "the machine's own lag", idle),
        ("async for line over the large file", partial(own_lines, large)),
        ("the same in binary mode", partial(own_lines, large, "rb")),
        ("async_readchunks(65536) over it", partial(own_chunks, large)),
        ("read() of it, text", partial(own_read, large, "r")),
        (NO_FILE + "decoding its bytes in a worker thread", partial(decode_in_worker, large.read_bytes())),
        ("read() of it, binary", partial(own_read, large, "rb")),
        ("readlines() of it, text", partial(own_read, large, "r", "readlines")),
        ("readlines() of it, binary", partial(own_read, large, "rb", "readlines")),
        (f"write() of {WRITTEN >> 20} MiB, text", partial(own_write_once, written, text, "w")),
        ("the same, text with non-ASCII", partial(own_write_once, written, non_ascii, "w")),
        ("writelines() of a list holding that text", partial(own_writelines, written, [non_ascii])),
        (f"write() of {WRITTEN >> 20} MiB, binary", partial(own_write_once, written, data, "wb")),
        (f"write() of {WRITTEN >> 20} MiB, unbuffered", partial(own_write_once, written, data, "wb", 0)),
        ("writing 29 MB in 1 MiB writes, then closing", partial(own_write, written)),
    ]
    rows: list[Row] = []
    for label, work in cases:
        stall = statistics.median([await largest_stall(work()) for _ in range(STALL_RUNS)])
        bar = None if label.startswith(NO_FILE) else STALL_BAR  # rows for comparison, not file calls
        rows.append(Row(label, stall, "limit", bar=bar, met=None if bar is None else stall < bar))
    result = Result(
        f"largest event-loop stall, with a ticker asking for a turn every millisecond (median of {STALL_RUNS} runs)",
        rows,
    )
    report(result)
    return result


async def run_stalls() -> list[Result]:
    with tempfile.TemporaryDirectory() as folder:
        large, written = Path(folder, "large.txt"), Path(folder, "written.bin")
        write_lines(large, LINES)
        return [await stalls(large, written)]


async def run() -> list[Result]:
    with tempfile.TemporaryDirectory() as folder:
        large, small, written = Path(folder, "large.txt"), Path(folder, "small.txt"), Path(folder, "written.bin")
        write_lines(large, LINES)
        write_lines(small, FEW_LINES)
        results = await run_comparisons(
            [
                *(
                    Comparison(
                        f"async for line: {LINES:,} lines ({large.stat().st_size / 1e6:.0f} MB), mode {mode!r}",
                        anchors=[Variant("plain file", passes(partial(plain_lines, mode=mode), large))],
                        contenders=[Variant("open_async", passes(partial(own_lines, mode=mode), large), bar=3.0)],
                        others=[Variant("the lines from a list: async for alone", protocol_alone(large, mode))],
                        per_round=1,
                        rounds=9,
                    )
                    for mode in ("r", "rb")
                ),
                Comparison(
                    "async for line, mode 'r': each way of serving (the cheaper one is chosen by Python version)",
                    anchors=[Variant("plain file", passes(plain_lines, large))],
                    contenders=[],
                    others=[
                        Variant("async generator", served_by(True, own_lines, large)),
                        Variant("coroutine __anext__", served_by(False, own_lines, large)),
                    ],
                    per_round=1,
                    rounds=5,
                ),
                Comparison(
                    f"async for line: a text file of {FEW_LINES:,} lines",
                    anchors=[Variant("plain file", passes(plain_lines, small))],
                    contenders=[Variant("open_async", passes(own_lines, small))],  # the bar is on the large file
                    others=[
                        Variant("aiofiles", passes(aiofiles_lines, small)),
                        Variant("anyio.open_file", passes(anyio_lines, small)),
                    ],
                    per_round=1,
                    rounds=5,
                ),
                Comparison(
                    f"chunks of {CHUNK // 1024} KiB: the {large.stat().st_size / 1e6:.0f} MB file in binary mode",
                    anchors=[Variant("plain read(65536) loop", passes(plain_chunks, large))],
                    contenders=[Variant("async_readchunks(65536)", passes(own_chunks, large), bar=1.5)],
                    others=[
                        Variant("aiofiles read(65536) loop", passes(aiofiles_chunks, large)),
                        Variant("anyio read(65536) loop", passes(anyio_chunks, large)),
                    ],
                    per_round=1,
                    rounds=9,
                ),
            ]
        )
        results.append(await stalls(large, written))
        return results
