"""One operation on a file at a time, whoever started it: cancelled calls and overlapping tasks.

A call whose task is cancelled while the worker runs it goes on in its
thread. The traps below hold that thread inside a call of the file, after the
call did its work, until another call on the file has ended in another thread
(or HOLD seconds passed): so whatever could overlap it does, every time, and
a test fails at once where one did.
"""

import asyncio
import importlib
import os
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from unittest import mock

import pytest
import uvloop
from hypothesis import given
from hypothesis import strategies as st

from asyncio_extras import AsyncFileWrapper, open_async
from test_file import page_cache, reads_from_the_page_cache

# The read-ahead's settings, patched by tests: a private module, which the stubs do not declare.
readahead_module = importlib.import_module("asyncio_extras._readahead")

_T = TypeVar("_T")

# How long a trapped call waits for another to end beside it; only the tests that pass wait it out.
HOLD = 0.3
# The calls the wrapper makes on a file.
CALLS = ("read", "readline", "readinto", "readlines", "write", "seek", "tell", "truncate", "flush", "close")


class Trap:
    """Holds the next call of one name made on ``file``, once armed, until a call from another thread has ended.

    ``overlapped`` tells whether one did end while the trapped call was
    still in its operation: what the one-at-a-time rule forbids.
    """

    def __init__(self, file: Any) -> None:
        self.armed: str | None = None
        self.holding = threading.Event()
        self.holder: int | None = None
        self.other_ended = threading.Event()
        self.overlapped: bool | None = None  # None: nothing was trapped
        for name in CALLS:
            if hasattr(file, name):
                setattr(file, name, self._trapped(name, getattr(file, name)))

    def arm(self, name: str) -> None:
        self.armed = name

    def _trapped(self, name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def trapped(*args: Any) -> Any:
            result = call(*args)
            if self.armed == name:
                self.armed, self.holder = None, threading.get_ident()
                self.holding.set()
                self.overlapped = self.other_ended.wait(HOLD)
            elif self.holding.is_set() and threading.get_ident() != self.holder:
                self.other_ended.set()
            return result

        return trapped

    async def until_holding(self, task: "asyncio.Task[Any]") -> None:
        """Wait until the trapped call holds, ``task`` having made it."""
        while not self.holding.is_set():
            assert not task.done(), "the task ended before the trapped call"
            await asyncio.sleep(0.001)


def trap(wrapper: AsyncFileWrapper[Any]) -> Trap:
    file: Any = getattr(wrapper, "_ahead").file  # the file object itself, whose calls are trapped
    return Trap(file)


# How each mode reads: text and read-write files by the worker, "rb" from the page cache where it holds the block.
MODES: dict[str, tuple[str, list[str]]] = {
    "text": ("r", []),
    "r+b": ("r+b", []),
    "rb, not in the page cache": ("rb", ["none"] * 1000),
    "rb, one block not in the page cache": ("rb", ["all"] * 3 + ["none"]),  # the block after the first three pieces
}
KINDS = {"lines": 0, "chunks": 7}


@pytest.fixture
def numbered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Lines "0\\n" to "2999\\n", read ahead in blocks of 1,000 bytes or characters."""
    monkeypatch.setattr(readahead_module, "_READ_AHEAD", 1000)
    path = tmp_path / "numbered.txt"
    path.write_text("".join(f"{n}\n" for n in range(3000)))
    return path


@pytest.fixture(params=list(MODES))
def mode(request: pytest.FixtureRequest, numbered: Path) -> Iterator[str]:
    mode, cache = MODES[request.param]
    if cache and cache[0] == "all" and not reads_from_the_page_cache(numbered):
        pytest.skip("no reads from the page cache that fail rather than wait, on this system")
    with mock.patch.object(os, "preadv", page_cache(cache)):
        yield mode


async def awaiting(call: Callable[[], Any]) -> Any:
    """Make ``call`` and await what it gives, as a task whose cancellation is tested does."""
    return await call()


def pieces(wrapper: AsyncFileWrapper[Any], chunk: int) -> AsyncIterator[Any]:
    return wrapper.async_readchunks(chunk) if chunk else aiter(wrapper)


def plain_pieces(path: Path, mode: str, chunk: int) -> list[Any]:
    with open(path, mode) as plain:
        return list(iter(lambda: plain.read(chunk), plain.read(0))) if chunk else list(plain)


async def cancel_in_a_refill(wrapper: AsyncFileWrapper[Any], chunk: int, binary: bool) -> tuple[list[Any], Trap]:
    """Serve three pieces, then cancel the task waiting for the next block while the worker reads it."""
    served: list[Any] = []
    iterator = pieces(wrapper, chunk)
    served += [await anext(iterator) for _ in range(3)]
    file_trap = trap(wrapper)
    file_trap.arm("read" if chunk and not binary else "readinto" if chunk else "readline")

    async def consume() -> None:
        async for piece in iterator:
            served.append(piece)

    task = asyncio.create_task(consume())
    await file_trap.until_holding(task)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return served, file_trap


@pytest.mark.parametrize("chunk", list(KINDS.values()), ids=list(KINDS))
async def test_iterating_on_after_a_refill_was_cancelled_gives_what_comes_next(
    numbered: Path, mode: str, chunk: int
) -> None:
    async with open_async(numbered, mode) as f:
        served, file_trap = await cancel_in_a_refill(f, chunk, "b" in mode)
        served += [piece async for piece in pieces(f, chunk)]
    assert file_trap.overlapped is False
    assert served == plain_pieces(numbered, mode, chunk)


@pytest.mark.parametrize("chunk", list(KINDS.values()), ids=list(KINDS))
async def test_a_seek_after_a_cancelled_refill_runs_after_it(numbered: Path, mode: str, chunk: int) -> None:
    async with open_async(numbered, mode) as f:
        _, file_trap = await cancel_in_a_refill(f, chunk, "b" in mode)
        assert await f.seek(0) == 0
        again = [piece async for piece in pieces(f, chunk)]
    assert file_trap.overlapped is False
    assert again == plain_pieces(numbered, mode, chunk)


@pytest.mark.parametrize("mode", ["r", "rb"])
async def test_a_call_after_a_cancelled_read_runs_after_it(numbered: Path, mode: str) -> None:
    async with open_async(numbered, mode) as f:
        file_trap = trap(f)
        file_trap.arm("read")
        task = asyncio.create_task(awaiting(lambda: f.read(5)))
        await file_trap.until_holding(task)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await f.read(3) == ("\n3\n" if mode == "r" else b"\n3\n")  # after the 5 the cancelled read took
    assert file_trap.overlapped is False


class NotingExecutor(ThreadPoolExecutor):
    """Threads that count the calls they began."""

    def __init__(self) -> None:
        super().__init__(2, thread_name_prefix="noting")
        self.begun = 0

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> "Future[_T]":
        def noted() -> _T:
            self.begun += 1
            return fn(*args, **kwargs)

        return super().submit(noted)


async def test_a_call_cancelled_while_it_waits_for_another_never_runs(numbered: Path) -> None:
    # Begun in its thread, it cannot be taken back from the executor; it waits for the file, and gives up there.
    executor = NotingExecutor()
    try:
        async with open_async(numbered, "rb", executor=executor) as f:
            file_trap = trap(f)
            file_trap.arm("read")
            first = asyncio.create_task(awaiting(lambda: f.read(1)))
            await file_trap.until_holding(first)
            begun = executor.begun
            cancelled = asyncio.create_task(awaiting(lambda: f.read(5)))
            while executor.begun == begun:
                await asyncio.sleep(0.001)
            cancelled.cancel()
            with pytest.raises(asyncio.CancelledError):
                await cancelled
            assert await first == b"0"
            assert await f.read(3) == b"\n1\n"
    finally:
        executor.shutdown()
    assert file_trap.overlapped is False


async def test_closing_waits_for_a_refill_whose_task_was_cancelled(numbered: Path) -> None:
    f = await open_async(numbered, "r")
    try:
        _, file_trap = await cancel_in_a_refill(f, 0, binary=False)
    finally:
        await f.close()
    assert file_trap.overlapped is False  # not closed under the refill
    assert f.closed


async def test_a_call_of_another_task_during_a_refill_runs_whole_between_two_lines(numbered: Path, mode: str) -> None:
    # Task A's refill runs in the worker while task B reads: B's read is whole, between two of A's lines.
    # Which two is up to the threads: once the refill ends, A may serve some of its lines before B's
    # read takes the file, and those lines then come before the read, as with the plain file.
    async with open_async(numbered, mode) as f:
        lines = aiter(f)
        served = [await anext(lines) for _ in range(3)]
        file_trap = trap(f)
        file_trap.arm("readline")

        async def consume() -> None:
            async for line in lines:
                served.append(line)

        task = asyncio.create_task(consume())
        await file_trap.until_holding(task)
        before = len(served)  # A waits for its refill
        read = await f.read(5)
        await task
    assert file_trap.overlapped is False
    data = numbered.read_bytes() if "b" in mode else numbered.read_text()
    empty = data[:0]
    splits = [empty.join(served[:at]) + read + empty.join(served[at:]) for at in range(before, len(served) + 1)]
    assert data in splits


# --- a random program, cancelled at random points, against the plain file ---


class SlowExecutor(ThreadPoolExecutor):
    """Threads that wait a moment before each call: cancellations land while calls are queued or running."""

    def __init__(self) -> None:
        super().__init__(4, thread_name_prefix="slow")

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> "Future[_T]":
        def slowly() -> _T:
            threading.Event().wait(0.001)
            return fn(*args, **kwargs)

        return super().submit(slowly)


# An operation, its argument, and how many turns of the loop it gets before it is cancelled (None: never).
Operation = tuple[str, int, int | None]
programs = st.lists(
    st.tuples(
        st.sampled_from(["line", "chunk", "read", "readline", "seek", "tell"]),
        st.integers(0, 60),
        st.none() | st.integers(0, 4),
    ),
    max_size=12,
)


def rest_from(path: Path, mode: str, position: int) -> Any:
    """What the plain file reads from ``position`` (a text file's cookie) to its end."""
    with open(path, mode) as plain:
        plain.seek(position)
        return plain.read()


def on_both(
    f: AsyncFileWrapper[Any], plain: Any, iterators: dict[str, AsyncIterator[Any]], operation: str, argument: int
) -> tuple[Callable[[], Any], Any]:
    """Make ``operation`` on the plain file; return how to make it on the wrapper, and what the plain file gave."""
    if operation == "line":  # plain.readline() is next(plain), without disabling tell()
        if operation not in iterators:
            iterators[operation] = aiter(f)
        return partial(anext, iterators[operation], None), plain.readline() or None
    if operation == "chunk":
        if operation not in iterators:
            iterators[operation] = f.async_readchunks(7)
        return partial(anext, iterators[operation], None), plain.read(7) or None
    if operation == "read":
        return partial(f.read, argument), plain.read(argument)
    if operation == "readline":
        return f.readline, plain.readline()
    if operation == "seek":
        return partial(f.seek, argument), plain.seek(argument)
    return f.tell, plain.tell()


async def run_cancelled(program: list[Operation], path: Path, mode: str) -> None:
    """Make each call, cancelling it after its number of turns; what the calls give must be the plain file's."""
    executor = SlowExecutor()
    try:
        with open(path, mode) as plain:
            async with open_async(path, mode, executor=executor) as f:
                iterators: dict[str, AsyncIterator[Any]] = {}
                for operation, argument, turns in program:
                    before = plain.tell()
                    call, expected = on_both(f, plain, iterators, operation, argument)
                    task = asyncio.create_task(awaiting(call))
                    for _ in range(turns or 0):
                        await asyncio.sleep(0)
                    if turns is None or not task.cancel():
                        result = await task
                        if operation == "tell":  # text cookies may differ where they point to the same place
                            assert rest_from(path, mode, result) == rest_from(path, mode, expected)
                        else:
                            assert result == expected
                        continue
                    with pytest.raises(asyncio.CancelledError):
                        await task
                    iterators.clear()  # one cancelled in a step may be over (an async generator is)
                    # A cancelled call ran whole or not at all; a step of an iteration serves nothing then.
                    told = await f.tell()
                    allowed = {rest_from(path, mode, before)}
                    if operation not in ("line", "chunk"):
                        allowed.add(rest_from(path, mode, plain.tell()))
                    assert rest_from(path, mode, told) in allowed
                    plain.seek(told)
                assert await f.read() == plain.read()
    finally:
        executor.shutdown(wait=True)


@pytest.fixture(scope="module")
def program_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cancelled") / "numbered.txt"
    path.write_text("".join(f"{n}\n" for n in range(100)))
    return path


@pytest.mark.parametrize("loop_factory", [asyncio.new_event_loop, uvloop.new_event_loop], ids=["asyncio", "uvloop"])
@pytest.mark.parametrize("mode", ["r", "rb", "r+b"])
@given(program=programs)
def test_calls_cancelled_at_random_points_leave_the_file_as_the_plain_calls_do(
    program_file: Path, loop_factory: Callable[[], asyncio.AbstractEventLoop], mode: str, program: list[Operation]
) -> None:
    with mock.patch.object(readahead_module, "_READ_AHEAD", 16), asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(run_cancelled(program, program_file, mode))
