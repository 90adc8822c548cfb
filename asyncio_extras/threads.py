"""Calls between the event loop and worker threads."""

from __future__ import annotations

__all__ = ("call_async", "call_in_executor", "threadpool")

import asyncio
import threading
from collections.abc import Awaitable, Callable, Generator
from concurrent.futures import Executor, ThreadPoolExecutor
from concurrent.futures import Future as ConcurrentFuture
from contextvars import Context
from functools import partial, wraps
from inspect import isasyncgenfunction, iscoroutinefunction
from types import TracebackType
from types import coroutine as _generator_based_coroutine
from typing import Any, cast

from asyncio_extras._workers import call_in_worker, submit

# How often a thread waiting in call_async() checks that the loop still runs.
_LOOP_CHECK_INTERVAL = 0.05


def threadpool(arg: Callable[..., Any] | Executor | None = None, /, *, executor: Executor | None = None) -> Any:
    """Run a function, or the body of an ``async with`` block, in a worker thread.

    ``@threadpool``, ``@threadpool(executor)`` or ``threadpool(func,
    executor=executor)`` makes a synchronous function return an awaitable of
    its result when called in the event-loop thread, running it in
    ``executor`` (the loop's default when None). Called in a thread without a
    running loop, it runs directly and returns its result; typed code, which
    sees it return a future, makes that call to the undecorated function.

    ``async with threadpool(executor):`` runs the body of the block in a
    thread of ``executor`` and returns to the event-loop thread after it. The
    block sees the task's context variables and what it sets stays set.
    Cancelling the task while the block runs lets the block finish, then
    raises CancelledError in the task. An ``await`` inside the block raises
    RuntimeError at that point.

    :param arg: the function to decorate, or the executor
    :param executor: the executor, given by keyword (beside a function, or
        instead of the positional executor)
    :raises TypeError: if ``arg`` is neither a function nor an executor, if
        the function is a coroutine function, or if an executor is given
        both as ``arg`` and as ``executor``
    """
    if arg is None or isinstance(arg, Executor):
        if arg is not None and executor is not None:
            raise TypeError("threadpool() takes the executor once, positionally or as executor=, not both")
        return _Threadpool(arg if executor is None else executor)
    if not callable(arg):
        raise TypeError(f"threadpool() needs a function or an executor, got {type(arg).__name__}")
    return _Threadpool(executor)(arg)


def call_in_executor(func: Callable[..., Any], /, *args: Any, executor: Executor | None = None, **kwargs: Any) -> Any:
    """Call ``func(*args, **kwargs)`` in ``executor`` and return an asyncio future of the result.

    This is ``loop.run_in_executor(executor, func, *args)`` with keyword
    arguments too. In a thread pool (the loop's default when ``executor`` is
    None) the call sees the caller's context variables, as with
    ``asyncio.to_thread``; other executors, process pools among them, get a
    plain call, which they must be able to pickle. ``executor=`` is always
    taken here, never passed on: bind a keyword argument of ``func`` named
    ``executor`` with ``functools.partial``.

    :raises TypeError: if ``func`` is not callable
    :raises RuntimeError: if no event loop runs in this thread, or the executor is shut down
    """
    if not callable(func):
        raise TypeError(f"call_in_executor() needs a callable, got {type(func).__name__}")
    return submit(asyncio.get_running_loop(), executor, func, args, kwargs)


def call_async(loop: asyncio.AbstractEventLoop, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Call ``func(*args, **kwargs)`` in the thread of ``loop`` and return its result here.

    For use in worker threads. If the call returns an awaitable, it is awaited
    in the loop first; a plain function runs without a task. An exception is
    raised here, in the calling thread.

    :raises RuntimeError: if an event loop runs in this thread (waiting would
        block it), or ``loop`` is closed, not running, or stops before the
        call completes
    """
    if asyncio._get_running_loop() is not None:
        raise RuntimeError(
            "call_async() blocks until the call completes, so it cannot run in an event loop's thread: "
            "there, call or await the function directly"
        )
    if not loop.is_running():
        raise RuntimeError(f"call_async() needs a running event loop, and {loop!r} is not running")
    call = _CallInLoop(loop, func, args, kwargs)
    loop.call_soon_threadsafe(call.run)
    return call.wait()


class _Threadpool:
    """The decorator and ``async with`` block made by ``threadpool()`` or ``threadpool(executor)``."""

    __slots__ = ("_executor",)

    def __init__(self, executor: Executor | None) -> None:
        self._executor = executor

    def __call__(self, func: Callable[..., Any], /) -> Callable[..., Any]:
        if iscoroutinefunction(func) or isasyncgenfunction(func):
            raise TypeError(
                f"threadpool() runs synchronous functions in a worker thread, but {func.__qualname__} "
                f"is asynchronous: await it directly"
            )
        executor = self._executor

        @wraps(func)
        def run_in_worker(*args: Any, **kwargs: Any) -> Any:
            return call_in_worker(executor, func, args, kwargs)

        return run_in_worker

    async def __aenter__(self) -> None:
        if _worker.in_block:
            raise RuntimeError("async with threadpool() blocks cannot nest: the outer block already runs in a worker thread")
        executor = self._executor
        if executor is not None and not isinstance(executor, ThreadPoolExecutor):
            raise TypeError(
                f"async with threadpool(executor) runs the block in a thread of this process, which needs "
                f"a ThreadPoolExecutor, got {type(executor).__name__}"
            )
        loop = asyncio.get_running_loop()
        task = asyncio.current_task(loop)
        if task is None:
            raise RuntimeError("async with threadpool() must run in an asyncio task")
        resumed = _BlockFuture(loop=loop)
        # Start the worker only once the task has finished its step: until then its coroutine is running here.
        loop.call_soon(_start_block, loop, executor, task, resumed)
        await _suspend(resumed)
        # From here on, until __aexit__, this coroutine runs in the worker thread.

    async def __aexit__(
        self, typ: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if not _worker.in_block:
            raise RuntimeError("exiting an async with threadpool() block that this thread did not enter")
        if isinstance(value, RuntimeError) and str(value) == "no running event loop":
            # asyncio's own words, from an await that needed the loop before it could reach us.
            value.add_note(_AWAIT_IN_BLOCK)
        await _return_to_loop()
        # Back in the event-loop thread; the body's exception, if any, propagates from here.


class _BlockFuture(asyncio.Future[None]):
    """What a task awaits while its own coroutine runs a threadpool() block in a worker thread.

    It refuses cancellation, so that ``Task.cancel()`` cannot throw into a
    coroutine another thread is running: the task then raises CancelledError
    at its next step, right after the block.
    """

    __slots__ = ("task_context",)

    def __init__(self, *, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop=loop)
        self.task_context: Context | None = None  # set when the task registers its wake-up

    def cancel(self, msg: Any | None = None) -> bool:
        return False

    def add_done_callback(self, fn: Callable[[_BlockFuture], object], /, *, context: Context | None = None) -> None:
        # The task passes its own context (the very object, not a copy): the block must run in it.
        self.task_context = context
        super().add_done_callback(fn, context=context)


class _WorkerState(threading.local):
    in_block = False  # True while this thread runs the body of a threadpool() block


_worker = _WorkerState()
# What __aexit__ yields up the task's coroutine to hand it back to the worker thread.
_BLOCK_END = object()
_AWAIT_IN_BLOCK = (
    "cannot await inside an async with threadpool() block: its body runs in a worker thread; "
    "await after the block instead"
)


@_generator_based_coroutine
def _suspend(future: asyncio.Future[None]) -> Generator[Any, None, None]:
    # As Future.__await__ does, without its check that the future is done when
    # resumed: the worker thread resumes the coroutine while it is pending.
    future._asyncio_future_blocking = True
    yield future


@_generator_based_coroutine
def _return_to_loop() -> Generator[Any, None, None]:
    yield _BLOCK_END


def _start_block(
    loop: asyncio.AbstractEventLoop, executor: Executor | None, task: asyncio.Task[Any], resumed: _BlockFuture
) -> None:
    # Whatever goes wrong here, the task raises it from __aenter__ (an executor shut down, say).
    try:
        if resumed.task_context is None:
            raise RuntimeError("async with threadpool() needs a task that registers its wake-up with its context")
        coro, context = task.get_coro(), resumed.task_context
        # The block reports through `resumed`, so the future that run_in_executor would
        # add (and its extra wake-up of the loop) is not needed: submit directly where
        # the executor is known. asyncio keeps its default one in _default_executor.
        if executor is None:
            executor = getattr(loop, "_default_executor", None)
        job: asyncio.Future[None] | ConcurrentFuture[None]
        if executor is None:
            job = loop.run_in_executor(None, _run_block, coro, context, resumed, loop)
        else:
            job = executor.submit(_run_block, coro, context, resumed, loop)
        # A job cancelled before it ran (shutdown(cancel_futures=True)) would leave the task waiting for ever.
        job.add_done_callback(partial(_fail_unless_started, loop, resumed))
    except BaseException as exc:
        resumed.set_exception(exc)


def _fail_unless_started(
    loop: asyncio.AbstractEventLoop, resumed: _BlockFuture, job: asyncio.Future[None] | ConcurrentFuture[None]
) -> None:
    if job.cancelled():
        loop.call_soon_threadsafe(_fail_if_pending, resumed)


def _fail_if_pending(resumed: _BlockFuture) -> None:
    if not resumed.done():
        resumed.set_exception(
            RuntimeError("the executor dropped the async with threadpool() block before it could start")
        )


def _run_block(coro: Any, context: Context, resumed: _BlockFuture, loop: asyncio.AbstractEventLoop) -> None:
    """In the worker thread: run the task's coroutine from the block's start to its end."""
    error: BaseException | None = None
    _worker.in_block = True
    try:
        yielded = context.run(coro.send, None)
        while yielded is not _BLOCK_END:  # the body awaited something
            yielded = context.run(coro.throw, RuntimeError(_AWAIT_IN_BLOCK))
    except StopIteration:  # a future cannot hold StopIteration
        error = RuntimeError("the task's coroutine returned inside an async with threadpool() block")
    except BaseException as exc:  # the coroutine could not be resumed, or ended inside the block
        error = exc
    finally:
        _worker.in_block = False
    if error is None:
        loop.call_soon_threadsafe(resumed.set_result, None)
    else:
        loop.call_soon_threadsafe(resumed.set_exception, error)


class _CallInLoop:
    """One call_async() call: made in the loop's thread, waited for in the calling thread.

    A bare lock, released when the outcome is in, is the cheapest hand-over
    between the two threads (a concurrent.futures.Future costs noticeably more).
    """

    __slots__ = ("_abandoned", "_args", "_done", "_error", "_func", "_kwargs", "_loop", "_result")

    def __init__(
        self, loop: asyncio.AbstractEventLoop, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        self._loop = loop
        self._func = func
        self._args = args
        self._kwargs = kwargs
        self._result: Any = None
        self._error: BaseException | None = None
        self._abandoned = False  # set by the waiting thread when it gives up; the call must not run then
        self._done = threading.Lock()
        self._done.acquire()

    def run(self) -> None:
        """In the loop's thread: make the call, and await its result if it is awaitable."""
        if self._abandoned:
            return
        try:
            result: object = self._func(*self._args, **self._kwargs)
        except BaseException as exc:
            self._finish(None, exc)
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            return
        # Asking the type (not inspect.isawaitable's ABC check) keeps plain calls cheap.
        if hasattr(type(result), "__await__"):
            awaitable = cast("Awaitable[Any]", result)
            asyncio.ensure_future(awaitable, loop=self._loop).add_done_callback(self._finish_from)
        else:
            self._finish(result, None)

    def wait(self) -> Any:
        """In the calling thread: return the result or raise the exception, once it is in."""
        while not self._done.acquire(timeout=_LOOP_CHECK_INTERVAL):
            if not self._loop.is_running():
                self._abandoned = True
                if self._done.acquire(blocking=False):  # it completed just before the loop stopped
                    break
                raise RuntimeError("the event loop stopped before the call_async() call completed")
        if self._error is not None:
            try:
                raise self._error
            finally:
                self._error = None  # no reference cycle through the traceback
        return self._result

    def _finish_from(self, future: asyncio.Future[Any]) -> None:
        try:
            result = future.result()
        except BaseException as exc:  # CancelledError too
            self._finish(None, exc)
        else:
            self._finish(result, None)

    def _finish(self, result: Any, error: BaseException | None) -> None:
        self._result = result
        self._error = error
        self._done.release()
