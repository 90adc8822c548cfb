"""Calls between the event loop and worker threads."""

from __future__ import annotations

__all__ = ("call_async", "call_in_executor", "threadpool")

import asyncio
import threading
from collections.abc import Awaitable, Callable, Generator
from concurrent.futures import Executor, ThreadPoolExecutor
from concurrent.futures import Future as ConcurrentFuture
from contextvars import Context
from functools import wraps
from inspect import CO_ASYNC_GENERATOR, CO_COROUTINE, CO_ITERABLE_COROUTINE, isasyncgenfunction, iscoroutinefunction
from types import GeneratorType, TracebackType
from types import coroutine as _generator_based_coroutine
from typing import Any, cast

from asyncio_extras._workers import call_in_worker, future_safe, submit

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
    A process pool can run a function decorated at module level, or a
    method, staticmethod or classmethod of a class defined there: it is sent
    by name.

    ``async with threadpool(executor):`` runs the body of the block in a
    thread of ``executor`` (a ThreadPoolExecutor) and returns to the event-loop thread after it. The
    block sees the task's context variables, in a copy of the task's context,
    and what it sets is set in the task after it. Cancelling the task while
    the block waits for a worker cancels it there; once it runs, the block
    finishes, then the task raises CancelledError. An ``await`` inside the
    block raises RuntimeError: at that point where it would suspend; where
    asyncio's code fails first for want of a running loop (its sleeps, locks,
    queues), as the block exits, from asyncio's error.

    Where the executor cannot take the call or the block (shut down, broken),
    its own error is raised in the task.

    :param arg: the function to decorate, or the executor
    :param executor: the executor, given by keyword (beside a function, or
        instead of the positional executor)
    :raises TypeError: if ``arg`` is neither a function nor an executor, if
        the function is a coroutine or async generator function (or has such
        a ``__call__``), if an executor is given both positionally and as ``executor=``; entering the
        block, if the executor is not a ThreadPoolExecutor (the loop's default
        executor, once it tries to pickle the block)
    :raises RuntimeError: if blocks nest, if the body awaits, or if the
        executor drops the block before it starts; from a call, if the
        function raises StopIteration (its cause), which an asyncio future
        cannot hold
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
    ``executor`` with ``functools.partial``. The future holds what the call
    raises, except StopIteration, which an asyncio future cannot hold: it
    becomes the cause of a RuntimeError. In a thread pool, a call that
    returns a coroutine (``lambda: asyncio.sleep(0)``) has it closed, and the
    future holds a TypeError.

    :raises TypeError: if ``func`` is not callable, or is a coroutine or async
        generator function, or has such a ``__call__`` (call it and await the
        result instead)
    :raises RuntimeError: if no event loop runs in this thread, or the executor is shut down
    """
    if not callable(func):
        raise TypeError(f"call_in_executor() needs a callable, got {type(func).__name__}")
    _refuse_asynchronous("call_in_executor()", func)
    return submit(asyncio.get_running_loop(), executor, func, args, kwargs)


def call_async(loop: asyncio.AbstractEventLoop, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Call ``func(*args, **kwargs)`` in the thread of ``loop`` and return its result here.

    For use in worker threads. If the call returns an awaitable (a
    generator-based coroutine too), it is awaited in the loop first; a plain function runs without a task. An exception is
    raised here, in the calling thread.

    If ``loop`` stops before the call completes, the awaited call is
    cancelled when the loop runs again; what it did until it stopped, and
    any step already scheduled before the cancellation, still happened.

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
        _refuse_asynchronous("threadpool()", func)
        executor = self._executor

        @wraps(func)
        def run_in_worker(*args: Any, **kwargs: Any) -> Any:
            return call_in_worker(executor, func, args, kwargs, run_in_worker)

        return run_in_worker

    async def __aenter__(self) -> None:
        if _worker.block is not None:
            raise RuntimeError("async with threadpool() blocks cannot nest: the outer block already runs in a worker thread")
        loop = asyncio.get_running_loop()
        # asyncio's default executor, once made, is in _default_executor (uvloop's cannot be seen).
        executor = self._executor if self._executor is not None else getattr(loop, "_default_executor", None)
        if executor is not None and not isinstance(executor, ThreadPoolExecutor):
            raise _needs_a_thread_pool(type(executor).__name__)
        task = asyncio.current_task(loop)
        if task is None:
            raise RuntimeError("async with threadpool() must run in an asyncio task")
        block = _Block(loop, task.get_coro())
        # Start the worker only once the task has finished its step: until then its coroutine is running here.
        loop.call_soon(block.start, executor)
        await _suspend(block)
        # From here on, until __aexit__, this coroutine runs in the worker thread.

    async def __aexit__(
        self, typ: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if _worker.block is None:
            raise RuntimeError("exiting an async with threadpool() block that this thread did not enter")
        await _return_to_loop()
        # Back in the event-loop thread; the body's exception, if any, propagates from here.
        if traceback is not None and _awaited_asyncio(traceback):
            raise RuntimeError(_AWAIT_IN_BLOCK) from value


class _Block(asyncio.Future[None]):
    """One ``async with threadpool()`` block: what its task awaits while a worker thread runs the task's coroutine.

    Exactly one party claims the block, once, and only it completes this
    future: the worker thread that runs the block, the task cancelled before
    a worker has it, or the executor ending the job without running it. Once
    a worker has it, cancellation is refused, so that ``Task.cancel()``
    cannot throw into a coroutine another thread runs: the task then raises
    CancelledError at its next step, right after the block.

    The block runs in a copy of the task's context, which other tasks may
    share and enter meanwhile; what it sets is set in the task after it.
    """

    __slots__ = ("_claim", "_context", "_coro", "_job", "_start_context", "task_context")

    def __init__(self, loop: asyncio.AbstractEventLoop, coro: Any) -> None:
        super().__init__(loop=loop)
        self._coro = coro
        self._claim = threading.Lock()  # held by the party that claimed the block
        self._job: asyncio.Future[None] | ConcurrentFuture[None] | None = None  # the executor's, once submitted
        self.task_context: Context | None = None  # set when the task registers its wake-up
        # Once started: the copy of the task's context that the block runs in, and that copy's state at the start.
        self._context: Context | None = None
        self._start_context: Context | None = None

    def add_done_callback(self, fn: Callable[[_Block], object], /, *, context: Context | None = None) -> None:
        # The task passes its own context (the very object, not a copy): the block runs in a copy of it.
        self.task_context = context
        super().add_done_callback(fn, context=context)

    def cancel(self, msg: Any | None = None) -> bool:
        if not self._claim.acquire(blocking=False):
            return False
        # No worker has the block: it never runs, and the task is cancelled where it waits for it.
        if self._job is not None:
            self._job.cancel()
        return super().cancel(msg)

    def start(self, executor: Executor | None) -> None:
        """In the event-loop thread: hand the block to ``executor``, or fail it with what went wrong."""
        if self.done():  # the task was cancelled before the block could start
            return
        try:
            if self.task_context is None:
                raise RuntimeError("async with threadpool() needs a task that registers its wake-up with its context")
            self._context, self._start_context = self.task_context.copy(), self.task_context.copy()
            # The block reports through this future, so the future that run_in_executor would
            # add (and its extra wake-up of the loop) is not needed where the executor is known.
            if executor is None:
                self._job = self.get_loop().run_in_executor(None, self.run)
            else:
                self._job = executor.submit(self.run)
            self._job.add_done_callback(self._job_done)
        except BaseException as exc:  # an executor shut down, say
            if self._claim.acquire(blocking=False):
                self.set_exception(future_safe(exc))

    def run(self) -> None:
        """In the worker thread: run the task's coroutine from the block's start to its end."""
        if not self._claim.acquire(blocking=False):  # withdrawn: the task was cancelled
            return
        assert self._context is not None
        coro, context = self._coro, self._context
        error: BaseException | None = None
        _worker.block = self
        try:
            yielded = context.run(coro.send, None)
            while yielded is not _BLOCK_END:  # the body awaited something
                yielded = context.run(coro.throw, RuntimeError(_AWAIT_IN_BLOCK))
        except StopIteration:  # a future cannot hold StopIteration
            error = RuntimeError("the task's coroutine returned inside an async with threadpool() block")
        except BaseException as exc:  # the coroutine could not be resumed, or ended inside the block
            error = exc
        finally:
            _worker.block = None
        if error is None:
            self.get_loop().call_soon_threadsafe(self._finish, context=self.task_context)
        else:
            self.get_loop().call_soon_threadsafe(self.set_exception, error)

    def _finish(self) -> None:
        # In the event-loop thread and the task's context, before the task resumes (cancelled or not):
        # set there what the block set in its copy.
        assert self._context is not None and self._start_context is not None
        start = self._start_context
        for var, value in self._context.items():
            if start.get(var, _UNSET) is not value:
                var.set(value)
        self.set_result(None)

    def __reduce__(self) -> Any:
        # Reached when the loop's default executor sends its calls to another process (uvloop accepts a process pool).
        raise _needs_a_thread_pool("an executor that pickles its calls")

    def _job_done(self, job: asyncio.Future[None] | ConcurrentFuture[None]) -> None:
        # In any thread. Claimed here, the job ended without running the block: fail it rather than wait for ever.
        if self._claim.acquire(blocking=False):
            error = None if job.cancelled() else job.exception()
            if error is None:
                error = RuntimeError("the executor dropped the async with threadpool() block before it could start")
            self.get_loop().call_soon_threadsafe(self.set_exception, future_safe(error))


class _WorkerState(threading.local):
    block: _Block | None = None  # the block this thread runs the body of, if any


_worker = _WorkerState()
# What __aexit__ yields up the task's coroutine to hand it back to the worker thread.
_BLOCK_END = object()
_UNSET = object()
# The code of what a body awaits: coroutines (generator-based too) and async generators.
_AWAITED = CO_COROUTINE | CO_ITERABLE_COROUTINE | CO_ASYNC_GENERATOR
_AWAIT_IN_BLOCK = (
    "cannot await inside an async with threadpool() block: its body runs in a worker thread; "
    "await after the block instead"
)


def _needs_a_thread_pool(received: str) -> TypeError:
    return TypeError(
        f"async with threadpool(executor) runs the block in a thread of this process, which needs "
        f"a ThreadPoolExecutor, got {received}"
    )


def _awaited_asyncio(traceback: TracebackType) -> bool:
    """Whether an exception in a block's body came from a chain of awaits that reached asyncio's own code.

    asyncio's coroutines all need the running loop, which a worker thread
    lacks: many fail before they could yield to the block's check, with
    whatever asyncio raises then (an AttributeError from its locks and queues).
    """
    entry = traceback.tb_next  # the body's frame is the first
    while entry is not None and entry.tb_frame.f_code.co_flags & _AWAITED:
        if entry.tb_frame.f_globals.get("__name__", "").startswith("asyncio."):
            return True
        entry = entry.tb_next
    return False


def _refuse_asynchronous(helper: str, func: Callable[..., Any]) -> None:
    call = getattr(type(func), "__call__", None)  # an instance's own: async def __call__
    if iscoroutinefunction(func) or isasyncgenfunction(func) or iscoroutinefunction(call) or isasyncgenfunction(call):
        raise TypeError(
            f"{helper} runs synchronous functions in a worker thread, but {getattr(func, '__qualname__', func)} "
            f"is asynchronous: await it directly"
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


class _CallInLoop:
    """One call_async() call: made in the loop's thread, waited for in the calling thread.

    A bare lock, released when the outcome is in, is the cheapest hand-over
    between the two threads (a concurrent.futures.Future costs noticeably more).
    """

    __slots__ = ("_abandoned", "_args", "_awaited", "_done", "_error", "_func", "_kwargs", "_loop", "_result")

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
        self._awaited: asyncio.Future[Any] | None = None  # what the loop awaits, if the call returned an awaitable
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
        # inspect.isawaitable, asking the type rather than the ABC to keep plain calls cheap: an
        # object with __await__, or a generator-based coroutine (a @types.coroutine function's).
        if hasattr(type(result), "__await__") or (
            type(result) is GeneratorType and result.gi_code.co_flags & CO_ITERABLE_COROUTINE
        ):
            awaitable = cast("Awaitable[Any]", result)
            self._awaited = asyncio.ensure_future(awaitable, loop=self._loop)
            self._awaited.add_done_callback(self._finish_from)
        else:
            self._finish(result, None)

    def wait(self) -> Any:
        """In the calling thread: return the result or raise the exception, once it is in."""
        while not self._done.acquire(timeout=_LOOP_CHECK_INTERVAL):
            if not self._loop.is_running():
                self._abandoned = True
                if self._done.acquire(blocking=False):  # it completed just before the loop stopped
                    break
                try:  # should the loop run again, what it awaits must not complete unseen
                    self._loop.call_soon_threadsafe(self._cancel)
                except RuntimeError:  # the loop is closed: nothing of the call runs again
                    pass
                raise RuntimeError("the event loop stopped before the call_async() call completed")
        if self._error is not None:
            try:
                raise self._error
            finally:
                self._error = None  # no reference cycle through the traceback
        return self._result

    def _cancel(self) -> None:
        if self._awaited is not None:
            self._awaited.cancel()

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
