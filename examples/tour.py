"""A short tour of asyncio_extras: each helper in use, printing what happens.

Run from the project's root: ``python3 -m examples.tour``
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

from asyncio_extras import async_contextmanager


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


async def main() -> None:
    print("async_contextmanager: an async generator function becomes an async context manager")
    async with connection("example.org") as conn:
        print(f"  using {conn}")

    print("\nthe generator sees the body's exception and may suppress it")
    async with logged_errors():
        raise KeyError("missing-key")
    print("  execution continues after the block")

    print("\nthe same context manager decorates a coroutine function; each call enters it afresh")
    print(f"  {await back_up(3)}")
    print(f"  {await back_up(5)}")


if __name__ == "__main__":
    asyncio.run(main())
