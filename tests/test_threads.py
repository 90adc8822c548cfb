"""Behaviour of asyncio_extras.threads."""

import asyncio
import contextvars
import dataclasses
import functools
import math
import os
import re
import subprocess
import sys
import threading
import types
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.thread import BrokenThreadPool
from typing import Any, TypeVar, cast

import _in_processes
import pytest

import asyncio_extras.threads
from asyncio_extras import call_async, call_in_executor, threadpool

_T = TypeVar("_T")
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="unset")
# What a block dropped by its executor, and a call raising StopIteration, raise.
DROPPED = (RuntimeError, "^the executor dropped the async with threadpool\\(\\) block before it could start$")
STOP_ITERATION = (RuntimeError, "^the call raised StopIteration, which an asyncio future cannot hold$")


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    executor = ThreadPoolExecutor(4, thread_name_prefix="test-pool")
    yield executor
    executor.shutdown(wait=True)


@pytest.fixture(scope="module")
def process_pool() -> Iterator[ProcessPoolExecutor]:
    # The pool that the functions decorated in _in_processes also use.
    executor = _in_processes.processes
    executor.submit(int).result()  # its process and threads start now, not in the first test using it
    yield executor
    executor.shutdown(wait=True)


def in_pool_thread() -> bool:
    return threading.current_thread().name.startswith("test-pool")


class InlineExecutor(Executor):
    """An executor that runs each call at once, in the submitting thread, and records what it was given."""

    def __init__(self) -> None:
        self.submitted: list[Callable[..., Any]] = []

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> "Future[_T]":
        self.submitted.append(fn)
        future: Future[_T] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


# --- @threadpool ---


async def test_decorated_function_runs_in_a_worker_thread_with_its_arguments() -> None:
    loop_thread = threading.get_ident()

    @threadpool
    def describe(name: str, *, times: int = 1) -> tuple[str, bool]:
        return name * times, threading.get_ident() != loop_thread

    assert await describe("ab", times=2) == ("abab", True)
    assert isinstance(describe("x"), asyncio.Future)


async def test_decorator_with_an_executor_runs_in_that_executor(pool: ThreadPoolExecutor) -> None:
    @threadpool(pool)
    def positional() -> bool:
        return in_pool_thread()

    @threadpool(executor=pool)
    def by_keyword() -> bool:
        return in_pool_thread()

    @threadpool()
    def default_executor() -> bool:
        return in_pool_thread()

    assert await positional() is True
    assert await by_keyword() is True
    assert await default_executor() is False


async def test_decorator_with_a_process_pool_runs_there(process_pool: ProcessPoolExecutor) -> None:
    assert await threadpool(process_pool)(math.factorial)(5) == 120


async def test_functions_decorated_at_module_level_run_in_a_process_pool(process_pool: ProcessPoolExecutor) -> None:
    # The module's name for each now holds the decorator's wrapper, which is what the pool pickles.
    async with asyncio.timeout(30):
        assert await _in_processes.square(7) == 49
        assert await _in_processes.square(7, plus=1) == 50
        assert await _in_processes.Scaler(3).scale(5) == 15
        assert await _in_processes.Scaler.negate(5) == -5


async def test_classmethods_decorated_at_module_level_run_in_a_process_pool(process_pool: ProcessPoolExecutor) -> None:
    # The class's name for each gives the wrapper bound to the class, or to the subclass it is called on.
    async with asyncio.timeout(30):
        assert await _in_processes.Scaler.describe(5) == "Scaler 5"
        assert await _in_processes.Scaler(7).describe(5) == "Scaler 5"
        assert await _in_processes.Tripler.describe(5) == "Tripler 5"


def raise_stop_iteration(*, why: str = "exhausted") -> None:
    raise StopIteration(why)


async def test_stop_iteration_raised_by_the_call_reaches_the_caller_as_runtime_error(
    pool: ThreadPoolExecutor, process_pool: ProcessPoolExecutor
) -> None:
    # An asyncio future cannot hold StopIteration: run_in_executor's future stays pending for ever.
    attempts: list[Callable[[], Awaitable[object]]] = [
        threadpool(raise_stop_iteration),
        threadpool(pool)(raise_stop_iteration),
        lambda: call_in_executor(raise_stop_iteration),
        lambda: call_in_executor(functools.partial(raise_stop_iteration), executor=pool),
        lambda: call_in_executor(raise_stop_iteration, why="by keyword"),
        lambda: call_in_executor(_in_processes.stop, executor=process_pool),
    ]
    for attempt in attempts:
        with pytest.raises(RuntimeError, match=STOP_ITERATION[1]) as info:
            async with asyncio.timeout(10):
                await attempt()
        assert isinstance(info.value.__cause__, StopIteration)


def test_decorated_function_called_without_a_running_loop_runs_directly() -> None:
    @threadpool
    def where() -> int:
        return threading.get_ident()

    result = cast(object, where())  # typed as a future; typed code calls the undecorated function here
    assert result == threading.get_ident()


async def test_decorated_function_keeps_name_doc_and_wrapped() -> None:
    def parse(text: str) -> list[str]:
        """Split text."""
        return text.split()

    decorated = threadpool(parse)
    assert decorated.__name__ == "parse"
    assert decorated.__doc__ == "Split text."
    # The stubs type it a Callable, which declares no __wrapped__ (docs/typing.md).
    assert decorated.__wrapped__ is parse  # type: ignore[attr-defined]  # pyright: ignore[reportFunctionMemberAccess]


async def test_decorated_method_binds_self() -> None:
    class Counter:
        def __init__(self) -> None:
            self.count = 0

        @threadpool
        def add(self, n: int) -> int:
            self.count += n
            return self.count

    counter = Counter()
    assert await counter.add(2) == 2
    assert await counter.add(3) == 5


async def test_decorated_function_sees_the_callers_context_variables() -> None:
    @threadpool
    def read() -> str:
        return request_id.get()

    request_id.set("r-1")
    assert await read() == "r-1"


async def test_decorating_an_async_function_is_a_type_error() -> None:
    async def fetch() -> None:
        pass

    async def stream() -> Any:
        yield

    for func in (fetch, stream):
        with pytest.raises(TypeError, match=f"but .*{func.__name__} is asynchronous: await it directly$"):
            threadpool(func)


def test_threadpool_refuses_what_is_neither_function_nor_executor() -> None:
    with pytest.raises(TypeError, match="^threadpool\\(\\) needs a function or an executor, got int$"):
        threadpool(4)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]


def test_threadpool_refuses_the_executor_given_twice(pool: ThreadPoolExecutor) -> None:
    with pytest.raises(TypeError, match="takes the executor once"):
        threadpool(pool, executor=pool)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]


async def test_threadpool_takes_the_function_and_the_executor_by_keyword_in_one_call(pool: ThreadPoolExecutor) -> None:
    def thread_name() -> str:
        return threading.current_thread().name

    assert (await threadpool(thread_name, executor=pool)()).startswith("test-pool")
    assert (await threadpool(None, executor=pool)(thread_name)()).startswith("test-pool")


# --- async with threadpool() ---


async def test_block_runs_in_a_worker_thread_and_returns_to_the_loop_thread() -> None:
    loop_thread = threading.get_ident()
    async with threadpool():
        block_thread = threading.get_ident()
    assert block_thread != loop_thread
    assert threading.get_ident() == loop_thread


async def test_block_runs_in_the_given_executor(pool: ThreadPoolExecutor) -> None:
    async with threadpool(pool):
        positional = in_pool_thread()
    async with threadpool(executor=pool):
        by_keyword = in_pool_thread()
    assert positional and by_keyword


async def test_block_works_deep_in_awaited_coroutines() -> None:
    loop_thread = threading.get_ident()

    async def descend(depth: int) -> bool:
        if depth:
            return await descend(depth - 1)
        async with threadpool():
            return threading.get_ident() != loop_thread

    assert await descend(200) is True
    assert threading.get_ident() == loop_thread


async def test_blocks_of_one_coroutine_function_run_concurrently(pool: ThreadPoolExecutor) -> None:
    # Each block waits at the barrier until all four are in their worker threads at once.
    barrier = threading.Barrier(4, timeout=10)

    async def job(n: int) -> int:
        async with threadpool(pool):
            barrier.wait()
            result = n * n
        await asyncio.sleep(0)
        return result

    assert await asyncio.gather(*(job(n) for n in range(4))) == [0, 1, 4, 9]


async def test_blocks_run_under_task_group_wait_for_and_timeout() -> None:
    loop_thread = threading.get_ident()

    async def job() -> bool:
        async with threadpool():
            in_worker = threading.get_ident() != loop_thread
        return in_worker and threading.get_ident() == loop_thread

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(job()) for _ in range(10)]
    assert all(task.result() for task in tasks)
    assert await asyncio.wait_for(job(), timeout=10)
    async with asyncio.timeout(10):
        assert await job()


async def test_block_sees_context_variables_and_keeps_what_it_sets() -> None:
    request_id.set("before")
    async with threadpool():
        seen = request_id.get()
        request_id.set("set in the block")
    assert seen == "before"
    assert request_id.get() == "set in the block"


async def test_block_context_changes_stay_in_their_own_task() -> None:
    async def job(name: str) -> str:
        request_id.set(name)
        async with threadpool():
            request_id.set(request_id.get() + " in block")
        await asyncio.sleep(0)
        return request_id.get()

    assert list(await asyncio.gather(job("a"), job("b"))) == ["a in block", "b in block"]
    assert request_id.get() == "unset"


async def test_cancelling_during_the_block_lets_it_finish_then_cancels_in_the_loop_thread() -> None:
    loop_thread = threading.get_ident()
    events: list[str] = []
    block_started = threading.Event()

    async def job() -> None:
        try:
            async with threadpool():
                block_started.set()
                time.sleep(0.2)
                events.append("block finished")
            events.append("after the block")
        except asyncio.CancelledError:
            events.append(f"cancelled in loop thread: {threading.get_ident() == loop_thread}")
            raise

    task = asyncio.create_task(job())
    await asyncio.to_thread(block_started.wait, 10)
    assert task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert events == ["block finished", "cancelled in loop thread: True"]


async def test_timeout_expiring_during_the_block_is_raised_after_it() -> None:
    events: list[str] = []
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            async with threadpool():
                time.sleep(0.2)
                events.append("block finished")
            events.append("after the block")
    assert events == ["block finished"]


AWAIT_IN_BLOCK = (
    "cannot await inside an async with threadpool() block: its body runs in a worker thread; "
    "await after the block instead"
)


async def test_await_inside_the_block_raises_runtime_error_and_the_task_goes_on() -> None:
    loop_thread = threading.get_ident()
    with pytest.raises(RuntimeError, match=f"^{re.escape(AWAIT_IN_BLOCK)}$"):
        async with threadpool():
            await asyncio.sleep(0)
    assert threading.get_ident() == loop_thread

    # Caught inside the block, it leaves the block running in its worker thread.
    caught_in_worker = False
    async with threadpool():
        try:
            await asyncio.sleep(0)
        except RuntimeError:
            caught_in_worker = threading.get_ident() != loop_thread
    assert caught_in_worker
    await asyncio.sleep(0.001)
    async with threadpool():
        pass


@pytest.mark.parametrize(
    "awaited",
    [
        lambda: asyncio.sleep(1),
        lambda: asyncio.Event().wait(),
        lambda: asyncio.Queue[None]().get(),
        lambda: asyncio.Semaphore(0).acquire(),
    ],
    ids=["sleep", "event", "queue", "semaphore"],
)
async def test_await_failing_in_asyncio_for_want_of_a_loop_inside_the_block_raises_runtime_error(
    awaited: Callable[[], Awaitable[object]],
) -> None:
    # asyncio's own code fails before anything is yielded to the block: it raises, as the block exits, from that error.
    with pytest.raises(RuntimeError, match=f"^{re.escape(AWAIT_IN_BLOCK)}$") as info:
        async with threadpool():
            await awaited()
    assert isinstance(info.value.__cause__, (RuntimeError, AttributeError))


async def test_await_failing_in_asyncio_deep_in_awaits_and_async_iteration_raises_runtime_error() -> None:
    async def ticks() -> AsyncIterator[int]:
        await asyncio.sleep(1)
        yield 1

    async def deep() -> None:
        async for _ in ticks():
            pass

    with pytest.raises(RuntimeError, match=f"^{re.escape(AWAIT_IN_BLOCK)}$"):
        async with threadpool():
            await deep()


async def test_errors_of_asyncio_called_without_await_in_the_block_are_left_alone() -> None:
    # asyncio.run() in a block runs its own loop there: what its coroutine raises passes through unchanged.
    async def fail() -> None:
        await asyncio.sleep(0)
        raise LookupError("missing")

    with pytest.raises(LookupError, match="^missing$"):
        async with threadpool():
            asyncio.run(fail())


async def test_exception_in_the_block_propagates_as_same_object_in_the_loop_thread() -> None:
    loop_thread = threading.get_ident()
    error = ValueError("from the block")
    with pytest.raises(ValueError) as info:
        try:
            async with threadpool():
                raise error
        finally:
            assert threading.get_ident() == loop_thread
    assert info.value is error


class Abort(BaseException):
    """A BaseException like KeyboardInterrupt, without asyncio's special handling of that one."""


@pytest.mark.parametrize(
    "error",
    [Abort("abort"), ExceptionGroup("group", [ValueError("a"), KeyError("b")])],
    ids=["BaseException", "ExceptionGroup"],
)
async def test_exceptions_of_every_kind_reach_the_caller_unchanged(error: BaseException) -> None:
    loop = asyncio.get_running_loop()

    def fail() -> None:
        raise error

    async def fail_later() -> None:
        await asyncio.sleep(0)
        raise error

    async def in_block() -> None:
        async with threadpool():
            raise error

    attempts: list[Callable[[], Awaitable[object]]] = [
        in_block,
        threadpool(fail),
        lambda: call_in_executor(fail),
        lambda: call_in_executor(call_async, loop, fail),
        lambda: call_in_executor(call_async, loop, fail_later),
    ]
    for attempt in attempts:
        with pytest.raises(type(error)) as info:
            await attempt()
        assert info.value is error


async def test_block_refuses_an_executor_that_is_no_thread_pool(process_pool: ProcessPoolExecutor) -> None:
    ran = False
    with pytest.raises(TypeError, match="needs a ThreadPoolExecutor, got ProcessPoolExecutor$"):
        async with threadpool(process_pool):  # type: ignore[attr-defined]  # pyright: ignore[reportGeneralTypeIssues]
            ran = True
    assert not ran


async def test_block_with_a_shut_down_executor_fails_before_the_body(pool: ThreadPoolExecutor) -> None:
    pool.shutdown()
    ran = False
    with pytest.raises(RuntimeError, match="after shutdown"):
        async with threadpool(pool):
            ran = True
    assert not ran


async def test_block_dropped_by_an_executor_shutting_down_fails_instead_of_hanging() -> None:
    gate = threading.Event()
    pool = ThreadPoolExecutor(1)
    pool.submit(gate.wait, 10)  # the block's job waits in the queue behind this
    ran = False

    async def job() -> None:
        nonlocal ran
        async with threadpool(pool):
            ran = True

    task = asyncio.create_task(job())
    await asyncio.sleep(0.05)
    pool.shutdown(wait=False, cancel_futures=True)
    gate.set()
    async with asyncio.timeout(10):
        with pytest.raises(RuntimeError, match="dropped the async with threadpool\\(\\) block before it could start"):
            await task
    assert not ran
    pool.shutdown(wait=True)


def fail_to_start() -> None:
    raise OSError("no thread for you")


@pytest.mark.timeout(30)  # without the fix, asyncio.timeout() cannot end the wait
async def test_block_on_a_pool_that_breaks_raises_the_pools_error() -> None:
    pool = ThreadPoolExecutor(1, initializer=fail_to_start)
    ran = False
    try:
        with pytest.raises(BrokenThreadPool, match="^A thread initializer failed"):
            async with asyncio.timeout(10):
                async with threadpool(pool):
                    ran = True
    finally:
        pool.shutdown(wait=True)
    assert not ran


@pytest.mark.timeout(60)  # without the fix, asyncio.timeout() cannot end the wait
async def test_block_refuses_a_default_executor_that_is_no_thread_pool(process_pool: ProcessPoolExecutor) -> None:
    loop = asyncio.get_running_loop()
    if isinstance(loop, asyncio.BaseEventLoop):
        # asyncio's set_default_executor() refuses it; a loop that took one would show it here.
        loop._default_executor = process_pool  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue]  # private
        received = "ProcessPoolExecutor"
    else:
        # uvloop takes it and keeps it out of sight: the block learns it when the executor pickles it.
        loop.set_default_executor(process_pool)
        received = "an executor that pickles its calls"
    ran = False
    try:
        with pytest.raises(TypeError) as info:
            async with asyncio.timeout(30):
                async with threadpool():
                    ran = True
        # From 3.14, pickle adds notes saying what it was pickling.
        assert str(info.value) == (
            "async with threadpool(executor) runs the block in a thread of this process, which needs "
            f"a ThreadPoolExecutor, got {received}"
        )
    finally:
        if isinstance(loop, asyncio.BaseEventLoop):
            loop._default_executor = None  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue]  # private
        else:
            loop.set_default_executor(None)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # uvloop's way to forget it
    assert not ran


@pytest.mark.timeout(60)  # without the fix, the other task never runs again and the loop cannot close
async def test_tasks_sharing_a_context_both_run_while_one_is_in_a_block() -> None:
    shared = contextvars.copy_context()
    seen_by_other: contextvars.ContextVar[str] = contextvars.ContextVar("seen_by_other", default="unset")
    in_block, release = threading.Event(), threading.Event()

    async def with_block() -> str:
        async with threadpool():
            in_block.set()
            release.wait(10)
            request_id.set("set in the block")
        return request_id.get()

    async def alongside() -> str:
        await asyncio.to_thread(in_block.wait, 10)
        seen_by_other.set("set beside the block")
        for _ in range(3):
            await asyncio.sleep(0)
        release.set()
        return seen_by_other.get()

    tasks = [asyncio.create_task(with_block(), context=shared), asyncio.create_task(alongside(), context=shared)]
    _, pending = await asyncio.wait(tasks, timeout=20)
    assert not pending
    assert [task.result() for task in tasks] == ["set in the block", "set beside the block"]
    # What the block set is set in the context it shares; what the other task set meanwhile stays.
    assert shared[request_id] == "set in the block"
    assert shared[seen_by_other] == "set beside the block"


async def test_block_runs_in_a_copy_of_the_context_and_carries_back_only_what_it_set() -> None:
    untouched: contextvars.ContextVar[list[int]] = contextvars.ContextVar("untouched")
    first_set: contextvars.ContextVar[str] = contextvars.ContextVar("first_set")
    value = [1]
    untouched.set(value)
    token = request_id.set("before")
    async with threadpool():
        outer = contextvars.copy_context()
        with pytest.raises(ValueError, match="was created in a different Context$"):
            request_id.reset(token)
        request_id.set("in the block")
        first_set.set("new")
    assert outer[request_id] == "before"
    assert (request_id.get(), first_set.get()) == ("in the block", "new")
    assert untouched.get() is value


async def test_what_a_cancelled_block_set_is_set_where_the_task_handles_the_cancellation() -> None:
    block_started = threading.Event()

    async def job() -> str:
        try:
            async with threadpool():
                block_started.set()
                time.sleep(0.1)
                request_id.set("set in the block")
        except asyncio.CancelledError:
            return request_id.get()
        return "not cancelled"

    task = asyncio.create_task(job())
    await asyncio.to_thread(block_started.wait, 10)
    task.cancel()
    assert await task == "set in the block"


async def test_cancelling_a_block_still_waiting_for_a_worker_cancels_it_before_it_runs() -> None:
    gate = threading.Event()
    pool = ThreadPoolExecutor(1)
    busy = pool.submit(gate.wait, 10)  # the block's job waits in the queue behind this
    ran = False
    try:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.1):
                async with threadpool(pool):
                    ran = True
    finally:
        gate.set()
        busy.result()
        pool.shutdown(wait=True)
    assert not ran


async def test_nested_blocks_are_refused() -> None:
    with pytest.raises(RuntimeError, match="^async with threadpool\\(\\) blocks cannot nest"):
        async with threadpool():
            async with threadpool():
                pass


async def test_exiting_a_block_that_was_not_entered_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="did not enter"):
        await threadpool().__aexit__(None, None, None)


async def test_inside_the_block_decorated_functions_run_directly_and_call_async_reaches_the_loop() -> None:
    loop = asyncio.get_running_loop()
    loop_thread = threading.get_ident()

    @threadpool
    def where() -> int:
        return threading.get_ident()

    async with threadpool():
        result = cast(object, where())  # typed as a future: typed code calls the undecorated function here
        direct = result == threading.get_ident()
        via_loop = call_async(loop, threading.get_ident)
    assert direct
    assert via_loop == loop_thread


# --- executors that fail, in every way an executor can ---


class Work:
    """The call every helper makes: it waits at the gate, when there is one closed, and returns "done"."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.gate = threading.Event()
        self.gate.set()

    def __call__(self) -> str:
        self.started.set()
        self.gate.wait(10)
        return "done"


class CannedPool(ThreadPoolExecutor):
    """A thread pool that runs nothing: its submit() raises, or returns a future it settles itself."""

    def __init__(self, settle: Callable[["Future[Any]"], object]) -> None:
        super().__init__(1)
        self._settle = settle

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> "Future[_T]":
        future: Future[_T] = Future()
        self._settle(future)
        return future


class Elsewhere(Executor):
    """Hands each call to another executor, as an executor of other processes would: no thread pool of this one."""

    def __init__(self, inner: Executor) -> None:
        self._inner = inner

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> "Future[_T]":
        return self._inner.submit(fn, *args, **kwargs)


def raise_(error: BaseException) -> Callable[..., object]:
    def settle(_: object) -> object:
        raise error

    return settle


async def shut_down_with_the_job_queued(pool: Executor, work: Work) -> None:
    pool.shutdown(wait=False, cancel_futures=True)
    work.gate.set()


async def shut_down_with_the_job_running(pool: Executor, work: Work) -> None:
    await asyncio.to_thread(work.started.wait, 10)
    pool.shutdown(wait=False)
    work.gate.set()


def queued_behind(work: Work) -> ThreadPoolExecutor:
    work.gate.clear()
    pool = ThreadPoolExecutor(1)
    pool.submit(work.gate.wait, 10)  # the job waits in the queue behind this
    return pool


def running(work: Work) -> ThreadPoolExecutor:
    work.gate.clear()
    return ThreadPoolExecutor(1)


def shut_down(work: Work) -> ThreadPoolExecutor:
    pool = ThreadPoolExecutor(1)
    pool.shutdown()
    return pool


# An outcome: the exception and the pattern its message matches, or None for the call's own result.
Outcome = tuple[type[BaseException], str | None] | None


@dataclasses.dataclass(frozen=True)
class Fault:
    executor: Callable[[Work], ThreadPoolExecutor]
    calls: Outcome  # what the calls raise
    block: Outcome  # what the block raises
    meanwhile: Callable[[Executor, Work], Awaitable[None]] | None = None  # once the job is submitted
    bound: float = 10  # seconds; a wait beyond is a hang
    only: tuple[str, ...] | None = None  # the helpers it applies to, if not all


FAULTS = {
    "broken": Fault(
        lambda work: ThreadPoolExecutor(1, initializer=fail_to_start),
        (BrokenThreadPool, "^A thread initializer failed"),
        (BrokenThreadPool, "^A thread initializer failed"),
    ),
    "shut down before submit": Fault(shut_down, (RuntimeError, "after shutdown$"), (RuntimeError, "after shutdown$")),
    "shut down with the job queued": Fault(
        queued_behind, (asyncio.CancelledError, None), DROPPED, shut_down_with_the_job_queued
    ),
    "shut down with the job running": Fault(running, None, None, shut_down_with_the_job_running),
    "submit raises": Fault(
        lambda work: CannedPool(raise_(OSError("no room"))), (OSError, "^no room$"), (OSError, "^no room$")
    ),
    "job ends in BaseException": Fault(
        lambda work: CannedPool(lambda job: job.set_exception(Abort("abort"))), (Abort, "^abort$"), (Abort, "^abort$")
    ),
    # A thread pool's future holds what the call raised, which the hop turns into RuntimeError first;
    # an executor of other processes gives back what the call raised over there.
    "job ends in StopIteration": Fault(
        lambda work: CannedPool(lambda job: job.set_exception(StopIteration())),
        STOP_ITERATION,
        STOP_ITERATION,
        only=("block", "call_in_executor elsewhere"),
    ),
    "job cancelled": Fault(lambda work: CannedPool(lambda job: job.cancel()), (asyncio.CancelledError, None), DROPPED),
    "job ends without running": Fault(
        lambda work: CannedPool(lambda job: job.set_result("done")), None, DROPPED
    ),
    "job never runs": Fault(
        lambda work: CannedPool(lambda job: None), (TimeoutError, None), (TimeoutError, None), bound=0.2
    ),
}


async def in_block(executor: Executor, work: Work) -> str:
    # The types allow a block only in a thread pool; some faults give another executor on purpose.
    async with threadpool(executor):  # type: ignore[attr-defined]  # pyright: ignore[reportGeneralTypeIssues]
        return work()


async def called_in_executor(executor: Executor, work: Work) -> str:
    return await call_in_executor(work, executor=executor)


async def decorated(executor: Executor, work: Work) -> str:
    return await threadpool(executor)(work)()


async def called_in_executor_elsewhere(executor: Executor, work: Work) -> str:
    return await call_in_executor(work, executor=Elsewhere(executor))


HELPERS = {
    "block": in_block,
    "call_in_executor": called_in_executor,
    "decorated": decorated,
    "call_in_executor elsewhere": called_in_executor_elsewhere,
}


@pytest.mark.timeout(60)  # without the fixes, asyncio.timeout() cannot end every wait
@pytest.mark.parametrize(
    ("fault", "helper"),
    [(fault, helper) for fault, case in FAULTS.items() for helper in HELPERS if case.only is None or helper in case.only],
)
async def test_an_executor_failing_ends_every_helper_in_an_exception_never_a_hang(fault: str, helper: str) -> None:
    case = FAULTS[fault]
    work = Work()
    executor = case.executor(work)
    expected = case.block if helper == "block" else case.calls
    attempt = asyncio.create_task(HELPERS[helper](executor, work))

    async def outcome() -> str:
        for _ in range(3):  # the block submits its job one loop iteration after it starts
            await asyncio.sleep(0)
        if case.meanwhile is not None:
            await case.meanwhile(executor, work)
        async with asyncio.timeout(case.bound):
            return await attempt

    try:
        if expected is None:
            assert await outcome() == "done"
        else:
            with pytest.raises(expected[0], match=expected[1]):
                await outcome()
    finally:
        work.gate.set()
        executor.shutdown(wait=True)


# --- call_in_executor ---


async def test_call_in_executor_returns_a_future_of_the_result() -> None:
    future = call_in_executor(divmod, 17, 5)
    assert isinstance(future, asyncio.Future)
    assert await future == (3, 2)


async def test_call_in_executor_forwards_keyword_arguments_even_named_func_or_executor() -> None:
    assert await call_in_executor(int, "ff", base=16) == 255
    assert await call_in_executor(dict, func=1) == {"func": 1}


async def test_call_in_executor_uses_the_given_executor(pool: ThreadPoolExecutor) -> None:
    assert await call_in_executor(in_pool_thread, executor=pool) is True
    assert await call_in_executor(in_pool_thread) is False


async def test_call_in_executor_carries_context_variables_into_thread_pools(pool: ThreadPoolExecutor) -> None:
    request_id.set("r-2")
    assert await call_in_executor(request_id.get) == "r-2"
    assert await call_in_executor(request_id.get, executor=pool) == "r-2"


async def test_call_in_executor_gives_other_executors_the_plain_call() -> None:
    # Nothing wrapped around the function, so that executors which pickle can.
    inline = InlineExecutor()
    assert await call_in_executor(divmod, 7, 2, executor=inline) == (3, 1)
    assert inline.submitted == [divmod]
    # Keyword arguments with an executor: the runtime takes them, the types ask for functools.partial.
    assert await call_in_executor(int, "11", base=2, executor=inline) == 3  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue]
    assert isinstance(inline.submitted[1], functools.partial)


async def test_call_in_executor_works_with_a_process_pool(process_pool: ProcessPoolExecutor) -> None:
    assert await call_in_executor(pow, 2, 10, executor=process_pool) == 1024
    assert await call_in_executor(int, "z", base=36, executor=process_pool) == 35  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue]


# The cluster runs in a process of its own. In this one, its scheduler would accept the
# connections its worker opens whenever it needs another, which the leak check would take
# for the test's; and its worker would print the ZeroDivisionError a test raises on purpose.
_DASK_CLUSTER = """
import sys
import distributed

with distributed.LocalCluster(
    n_workers=1, threads_per_worker=2, processes=True, host="127.0.0.1", dashboard_address=None,
    scheduler_kwargs={"dashboard": False},
) as cluster:
    print(cluster.scheduler_address, flush=True)
    sys.stdin.read()  # until the tests are done with it
"""


@pytest.fixture(scope="module")
def dask_scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of a dask.distributed cluster of one worker process, on loopback only.

    An optional integration: dask comes from the `integration` dependency group.
    """
    pytest.importorskip("distributed", reason="dask comes from the integration dependency group")
    log = tmp_path_factory.mktemp("dask") / "cluster.log"
    with (
        log.open("w") as cluster_log,
        subprocess.Popen(
            [sys.executable, "-c", _DASK_CLUSTER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=cluster_log, text=True,
        ) as cluster,
    ):
        assert cluster.stdout is not None
        address = cluster.stdout.readline().strip()
        assert address.startswith("tcp://127.0.0.1:"), log.read_text()
        yield address


@pytest.fixture
def dask_executor(dask_scheduler: str) -> Iterator[Executor]:
    """The executor of a client of that cluster, one per test.

    A client opens another connection to the scheduler when it finds none free (seen during a
    test's gather) and keeps it until it closes: here, in teardown, before the leak check.
    """
    distributed = pytest.importorskip("distributed")
    with distributed.Client(dask_scheduler) as client, client.get_executor() as executor:
        executor.submit(int).result()  # the client's threads start now, not in the test
        yield executor


async def test_call_in_executor_and_decorated_functions_run_on_a_dask_cluster(dask_executor: Executor) -> None:
    assert await call_in_executor(pow, 2, 10, executor=dask_executor) == 1024
    assert await call_in_executor(functools.partial(int, "z", base=36), executor=dask_executor) == 35
    worker_pid = await threadpool(dask_executor)(os.getpid)()
    assert worker_pid != os.getpid()
    with pytest.raises(ZeroDivisionError):
        await call_in_executor(divmod, 1, 0, executor=dask_executor)


async def test_block_refuses_a_dask_executor(dask_executor: Executor) -> None:
    with pytest.raises(TypeError, match="needs a ThreadPoolExecutor, got ClientExecutor$"):
        async with threadpool(dask_executor):  # type: ignore[attr-defined]  # pyright: ignore[reportGeneralTypeIssues]
            pass


async def test_call_in_executor_refuses_what_is_not_callable() -> None:
    with pytest.raises(TypeError, match="^call_in_executor\\(\\) needs a callable, got str$"):
        call_in_executor("len")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]


async def test_call_in_executor_refuses_asynchronous_functions() -> None:
    # Run in a worker, it would only make a coroutine there, which nothing awaits.
    async def fetch() -> None:
        pass

    async def stream() -> AsyncIterator[None]:
        yield

    class Handler:
        async def __call__(self) -> None:
            pass

    class Streamer:
        async def __call__(self) -> AsyncIterator[None]:
            yield

    funcs: list[tuple[Callable[[], object], str]] = [
        (fetch, "fetch"), (stream, "stream"), (functools.partial(fetch), "fetch"), (Handler(), "Handler object"),
        (Streamer(), "Streamer object"),
    ]
    for func, name in funcs:
        for refused in (call_in_executor, threadpool):
            with pytest.raises(
                TypeError,
                match=f"^{refused.__name__}\\(\\) runs synchronous functions in a worker thread, but .*{name}.* "
                "is asynchronous: await it directly$",
            ):
                refused(func)  # it raises


async def test_a_call_returning_a_coroutine_in_a_worker_is_a_type_error_and_the_coroutine_is_closed(
    pool: ThreadPoolExecutor,
) -> None:
    # What the checks before the call cannot see: the coroutine, never awaited, must not warn so (-W error).
    class Handler:
        async def __call__(self) -> int:
            return 1

    message = (
        "^the call returned a coroutine \\((.*\\.)?{}\\), which a worker thread cannot await: await it in the event loop instead$"
    )
    calls: list[tuple[Callable[[], object], str]] = [
        (lambda: asyncio.sleep(0), "sleep"), (functools.partial(Handler()), "Handler.__call__")
    ]
    for func, name in calls:
        with pytest.raises(TypeError, match=message.format(re.escape(name))):
            await call_in_executor(func)
        with pytest.raises(TypeError, match=message.format(re.escape(name))):
            await threadpool(pool)(func)()


def test_call_in_executor_needs_a_running_loop() -> None:
    with pytest.raises(RuntimeError, match="no running event loop"):
        call_in_executor(len, "abc")  # type: ignore[unused-awaitable]


async def test_call_in_executor_with_a_shut_down_executor_raises(pool: ThreadPoolExecutor) -> None:
    pool.shutdown()
    with pytest.raises(RuntimeError, match="after shutdown"):
        await call_in_executor(len, "abc", executor=pool)


# --- call_async ---


async def test_call_async_runs_a_plain_function_in_the_loop_thread_without_a_task() -> None:
    loop = asyncio.get_running_loop()
    loop_thread = threading.get_ident()

    def inspect_loop_thread(tag: str) -> tuple[str, bool, bool]:
        return tag, threading.get_ident() == loop_thread, asyncio.current_task() is None

    assert await asyncio.to_thread(call_async, loop, inspect_loop_thread, tag="t") == ("t", True, True)


async def test_call_async_awaits_coroutines_and_awaitables_in_the_loop() -> None:
    loop = asyncio.get_running_loop()

    async def double(n: int) -> int:
        await asyncio.sleep(0.001)
        return n * 2

    def ready_future() -> asyncio.Future[str]:
        future = loop.create_future()
        loop.call_later(0.001, future.set_result, "ready")
        return future

    assert await asyncio.to_thread(call_async, loop, double, 21) == 42
    assert await asyncio.to_thread(call_async, loop, ready_future) == "ready"


async def test_call_async_awaits_generator_based_coroutines_as_its_type_says() -> None:
    loop = asyncio.get_running_loop()
    loop_thread = threading.get_ident()

    @types.coroutine
    def triple(n: int) -> Generator[Any, None, int]:
        yield from asyncio.sleep(0.001).__await__()
        assert threading.get_ident() == loop_thread
        return n * 3

    def numbers() -> Iterator[int]:  # a plain generator is a plain result
        yield 1

    assert await asyncio.to_thread(call_async, loop, triple, 14) == 42
    assert await asyncio.to_thread(lambda: list(call_async(loop, numbers))) == [1]


async def test_call_async_raises_the_calls_exception_in_the_calling_thread() -> None:
    loop = asyncio.get_running_loop()
    error = LookupError("missing")

    def fail() -> None:
        raise error

    async def fail_later() -> None:
        await asyncio.sleep(0)
        raise error

    for func in (fail, fail_later):
        with pytest.raises(LookupError) as info:
            await asyncio.to_thread(call_async, loop, func)
        assert info.value is error


async def test_call_async_sees_the_calling_threads_context_variables() -> None:
    loop = asyncio.get_running_loop()
    request_id.set("r-3")
    assert await call_in_executor(call_async, loop, request_id.get) == "r-3"


async def test_call_async_in_the_loop_thread_is_refused() -> None:
    loop = asyncio.get_running_loop()
    with pytest.raises(RuntimeError, match="cannot run in an event loop's thread"):
        call_async(loop, len, "abc")


def test_call_async_with_a_loop_that_is_not_running_or_closed_is_refused() -> None:
    loop = asyncio.new_event_loop()
    with pytest.raises(RuntimeError, match="needs a running event loop.*running=False closed=False"):
        call_async(loop, len, "abc")
    loop.close()
    with pytest.raises(RuntimeError, match="needs a running event loop.*closed=True"):
        call_async(loop, len, "abc")


def test_call_async_raises_when_the_loop_stops_before_the_call_completes() -> None:
    loop = asyncio.new_event_loop()
    started = threading.Event()
    runner = threading.Thread(target=loop.run_forever)
    runner.start()

    async def never_done() -> None:
        started.set()
        await asyncio.sleep(3600)

    threading.Timer(0.1, lambda: started.wait(10) and loop.call_soon_threadsafe(loop.stop)).start()
    began = time.monotonic()
    try:
        with pytest.raises(RuntimeError, match="stopped before the call_async\\(\\) call completed"):
            call_async(loop, never_done)
        assert time.monotonic() - began < 5
    finally:
        runner.join(10)
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()


def test_call_async_that_gave_up_cancels_the_call_should_the_loop_run_again() -> None:
    # A caller told that the call failed may retry it: the first call must not complete too.
    loop = asyncio.new_event_loop()
    started = threading.Event()
    effects: list[str] = []
    gate = asyncio.Event()

    async def write_once() -> None:
        started.set()
        await gate.wait()
        effects.append("written")

    runner = threading.Thread(target=loop.run_forever)
    runner.start()
    threading.Timer(0.1, lambda: started.wait(10) and loop.call_soon_threadsafe(loop.stop)).start()
    try:
        with pytest.raises(RuntimeError, match="^the event loop stopped before the call_async\\(\\) call completed$"):
            call_async(loop, write_once)
    finally:
        runner.join(10)

    async def open_the_gate() -> None:
        gate.set()
        await asyncio.sleep(0.01)

    loop.run_until_complete(open_the_gate())
    assert effects == []
    assert not asyncio.all_tasks(loop)
    loop.close()


def test_call_async_that_gave_up_on_a_loop_closed_meanwhile_raises_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    # The waiting thread first looks after a second, when the loop has long been stopped and closed.
    monkeypatch.setattr(asyncio_extras.threads, "_LOOP_CHECK_INTERVAL", 1.0)
    loop = asyncio.new_event_loop()
    pending: asyncio.Future[None] = loop.create_future()  # no task: nothing to destroy pending

    def run_then_close() -> None:
        loop.run_forever()
        loop.close()

    runner = threading.Thread(target=run_then_close)
    runner.start()
    threading.Timer(0.1, loop.call_soon_threadsafe, (loop.stop,)).start()
    try:
        with pytest.raises(RuntimeError, match="^the event loop stopped before the call_async\\(\\) call completed$"):
            call_async(loop, lambda: pending)
    finally:
        runner.join(10)
    assert loop.is_closed()
