from asyncio_extras.contextmanager import async_contextmanager as async_contextmanager, yield_ as yield_
from asyncio_extras.threads import call_async as call_async, call_in_executor as call_in_executor, threadpool as threadpool

__all__ = ("async_contextmanager", "call_async", "call_in_executor", "threadpool", "yield_")
