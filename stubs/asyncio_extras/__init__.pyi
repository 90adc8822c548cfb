from asyncio_extras.contextmanager import async_contextmanager as async_contextmanager, yield_ as yield_

__all__ = ("async_contextmanager", "yield_")
