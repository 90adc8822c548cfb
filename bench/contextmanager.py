"""Enter and exit of async_contextmanager against contextlib.asynccontextmanager."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import asyncio_extras
from bench._harness import Comparison, Result, Run, Variant, run_comparisons


@contextlib.asynccontextmanager
async def stdlib_manager() -> AsyncGenerator[int, None]:
    yield 1


@asyncio_extras.async_contextmanager
async def native_manager() -> AsyncGenerator[int, None]:
    yield 1


@asyncio_extras.async_contextmanager
async def yield_style_manager() -> None:
    # The legacy form is measured on purpose.
    await asyncio_extras.yield_(1)  # type: ignore[deprecated]  # pyright: ignore[reportDeprecated]


def enter_and_exit(factory: Callable[[], AbstractAsyncContextManager[Any, Any]]) -> Run:
    async def run(n: int) -> None:
        for _ in range(n):
            async with factory():
                pass

    return run


def comparisons() -> list[Comparison]:
    return [
        Comparison(
            "async_contextmanager: enter + exit",
            anchors=[Variant("contextlib.asynccontextmanager", enter_and_exit(stdlib_manager))],
            contenders=[
                Variant("async_contextmanager (async generator)", enter_and_exit(native_manager), bar=1.0),
                Variant("async_contextmanager (await yield_())", enter_and_exit(yield_style_manager)),
            ],
            per_round=20_000,
        )
    ]


async def run() -> list[Result]:
    return await run_comparisons(comparisons())
