from asyncio_extras.contextmanager import async_contextmanager as async_contextmanager, yield_ as yield_
from asyncio_extras.file import AsyncFileWrapper as AsyncFileWrapper, open_async as open_async, wrap_file as wrap_file
from asyncio_extras.threads import call_async as call_async, call_in_executor as call_in_executor, threadpool as threadpool

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

__version__: str
