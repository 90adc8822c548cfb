"""Precisely typed asyncio helpers: async context managers, thread hops and file I/O."""

__all__ = ("async_contextmanager", "call_async", "call_in_executor", "threadpool", "yield_")

# The stubs mark yield_ deprecated for users; the package still exports it.
from asyncio_extras.contextmanager import async_contextmanager, yield_  # pyright: ignore[reportDeprecated]
from asyncio_extras.threads import call_async, call_in_executor, threadpool
