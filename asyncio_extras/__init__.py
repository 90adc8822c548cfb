"""Precisely typed asyncio helpers: async context managers, thread hops and file I/O."""

__all__ = (
    "AsyncFileWrapper",
    "async_contextmanager",
    "call_async",
    "call_in_executor",
    "open_async",
    "threadpool",
    "wrap_file",
    "yield_",
)

__version__ = "2.0.0.dev0"

from asyncio_extras.contextmanager import async_contextmanager, yield_
from asyncio_extras.file import AsyncFileWrapper, open_async, wrap_file
from asyncio_extras.threads import call_async, call_in_executor, threadpool
