"""The one thread hop every helper makes, and the one check for the event-loop thread."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from concurrent.futures import Future as ConcurrentFuture
from contextvars import Context, copy_context
from functools import partial
from types import CoroutineType
from typing import Any


def call_in_worker(
    executor: Executor | None,
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    wrapper: Callable[..., Any] | None = None,
) -> Any:
    """In the event-loop thread, return a future of ``func(*args, **kwargs)`` run in ``executor``.

    In a thread without a running loop, which is a worker already, make the call here and return its result.
    """
    loop = asyncio._get_running_loop()
    if loop is None:
        return func(*args, **kwargs)
    return submit(loop, executor, func, args, kwargs, wrapper)


def submit(
    loop: asyncio.AbstractEventLoop,
    executor: Executor | None,
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    wrapper: Callable[..., Any] | None = None,
) -> asyncio.Future[Any]:
    """Run ``func(*args, **kwargs)`` in ``executor``: the one thread hop every helper makes.

    ``wrapper`` is a decorator's wrapper of ``func`` that calls it directly
    where no event loop runs. StopIteration raised by the call, which an
    asyncio future cannot hold, becomes RuntimeError.
    """
    if executor is None or isinstance(executor, ThreadPoolExecutor):
        # A thread of this process: carry the caller's context variables over.
        if kwargs:
            return loop.run_in_executor(executor, partial(_call_in, copy_context(), func, *args, **kwargs))
        return loop.run_in_executor(executor, _call_in, copy_context(), func, *args)
    # Likely another process, which pickles the call: send it plain, with nothing of ours around it. Pickle
    # sends a function by name; where that name now holds the decorator's wrapper, send the wrapper, which
    # the other process imports by that name and which calls the function directly there.
    if wrapper is not None:
        func, args = _by_name(func, wrapper, args)
    if kwargs:
        func, args = partial(func, *args, **kwargs), ()
    return _relay(loop, executor.submit(func, *args))


def future_safe(error: BaseException) -> BaseException:
    """``error``, or a RuntimeError from it if it is StopIteration, which asyncio futures refuse."""
    if not isinstance(error, StopIteration):
        return error
    converted = RuntimeError("the call raised StopIteration, which an asyncio future cannot hold")
    converted.__cause__ = error
    return converted


def _call_in(context: Context, func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    try:
        result = context.run(func, *args, **kwargs)
    except StopIteration as exc:
        raise future_safe(exc) from exc
    # An asynchronous callable that the helpers' checks cannot see (a lambda, an async __call__ behind a partial).
    if type(result) is CoroutineType:
        result.close()  # never awaited, and not to be reported so
        raise TypeError(
            f"the call returned a coroutine ({result.__qualname__}), which a worker thread cannot await: "
            f"await it in the event loop instead"
        )
    return result


def _by_name(
    func: Callable[..., Any], wrapper: Callable[..., Any], args: tuple[Any, ...]
) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    """The call of ``func`` as pickle can send it by name: through ``wrapper`` where a module's name holds it."""
    holder: object = sys.modules.get(wrapper.__module__)
    for name in wrapper.__qualname__.split("."):
        holder = getattr(holder, name, None)
    if holder is wrapper:  # a function, a method, a staticmethod
        return wrapper, args
    # A classmethod: the name holds the wrapper bound to the class, which pickle sends as getattr(cls, name).
    if args and getattr(holder, "__func__", None) is wrapper:
        bound: Any = getattr(args[0], wrapper.__name__, None)
        if getattr(bound, "__func__", None) is wrapper and getattr(bound, "__self__", None) is args[0]:
            return bound, args[1:]
    return func, args


def _relay(loop: asyncio.AbstractEventLoop, job: ConcurrentFuture[Any]) -> asyncio.Future[Any]:
    """An asyncio future of ``job``'s outcome, as ``run_in_executor`` gives, whatever that outcome is."""
    # asyncio's own chaining cannot pass StopIteration on and leaves its future pending for ever.
    outcome: ConcurrentFuture[Any] = ConcurrentFuture()
    job.add_done_callback(partial(_copy_outcome, outcome))
    outcome.add_done_callback(partial(_cancel_if_cancelled, job))
    return asyncio.wrap_future(outcome, loop=loop)


def _copy_outcome(outcome: ConcurrentFuture[Any], job: ConcurrentFuture[Any]) -> None:
    if job.cancelled():
        outcome.cancel()
    elif outcome.set_running_or_notify_cancel():  # False if the caller cancelled it first
        error = job.exception()
        if error is None:
            outcome.set_result(job.result())
        else:
            outcome.set_exception(future_safe(error))


def _cancel_if_cancelled(job: ConcurrentFuture[Any], outcome: ConcurrentFuture[Any]) -> None:
    if outcome.cancelled():
        job.cancel()
