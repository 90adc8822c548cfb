"""Behaviour of asyncio_extras.threads."""

import asyncio
import contextvars
import functools
import math
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any, TypeVar, cast

import pytest

from asyncio_extras import call_async, call_in_executor, threadpool

_T = TypeVar("_T")
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="unset")


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    executor = ThreadPoolExecutor(4, thread_name_prefix="test-pool")
    yield executor
    executor.shutdown(wait=True)


@pytest.fixture(scope="module")
def process_pool() -> Iterator[ProcessPoolExecutor]:
    # spawn: forking a process that has threads is unsafe (and warns under -X dev).
    executor = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
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


def test_decorated_function_called_without_a_running_loop_runs_directly() -> None:
    @threadpool
    def where() -> int:
        return threading.get_ident()

    result = cast(object, where())  # typed code makes this call as where.__wrapped__()
    assert result == threading.get_ident()


async def test_decorated_function_keeps_name_doc_and_wrapped() -> None:
    def parse(text: str) -> list[str]:
        """Split text."""
        return text.split()

    decorated = threadpool(parse)
    assert decorated.__name__ == "parse"
    assert decorated.__doc__ == "Split text."
    assert decorated.__wrapped__ is parse
    assert decorated.__wrapped__("a b") == ["a", "b"]


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
        threadpool(pool, executor=pool)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]


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


async def test_await_inside_the_block_raises_runtime_error_and_the_task_goes_on() -> None:
    loop_thread = threading.get_ident()
    with pytest.raises(RuntimeError, match="^cannot await inside an async with threadpool\\(\\) block"):
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


async def test_await_needing_the_loop_inside_the_block_gets_a_note_saying_why() -> None:
    with pytest.raises(RuntimeError) as info:
        async with threadpool():
            await asyncio.sleep(1)
    assert str(info.value) == "no running event loop"
    assert info.value.__notes__ == [
        "cannot await inside an async with threadpool() block: its body runs in a worker thread; "
        "await after the block instead"
    ]


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
        async with threadpool(process_pool):
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
        result = cast(object, where())  # typed code makes this call as where.__wrapped__()
        direct = result == threading.get_ident()
        via_loop = call_async(loop, threading.get_ident)
    assert direct
    assert via_loop == loop_thread


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
        async with threadpool(dask_executor):
            pass


async def test_call_in_executor_refuses_what_is_not_callable() -> None:
    with pytest.raises(TypeError, match="^call_in_executor\\(\\) needs a callable, got str$"):
        call_in_executor("len")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]


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
