"""The one thread hop every helper makes, and the one check for the event-loop thread."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from contextvars import copy_context
from functools import partial
from typing import Any


def call_in_worker(
    executor: Executor | None, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """In the event-loop thread, return a future of ``func(*args, **kwargs)`` run in ``executor``.

    In a thread without a running loop, which is a worker already, make the call here and return its result.
    """
    loop = asyncio._get_running_loop()
    if loop is None:
        return func(*args, **kwargs)
    return submit(loop, executor, func, args, kwargs)


def submit(
    loop: asyncio.AbstractEventLoop,
    executor: Executor | None,
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> asyncio.Future[Any]:
    """Run ``func(*args, **kwargs)`` in ``executor``: the one thread hop every helper makes."""
    if executor is None or isinstance(executor, ThreadPoolExecutor):
        # A thread of this process: carry the caller's context variables over.
        func, args = copy_context().run, (func, *args)
    if kwargs:
        return loop.run_in_executor(executor, partial(func, *args, **kwargs))
    return loop.run_in_executor(executor, func, *args)
