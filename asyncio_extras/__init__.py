"""Precisely typed asyncio helpers: async context managers, thread hops and file I/O."""

__all__ = ("async_contextmanager", "yield_")

# The stubs mark yield_ deprecated for users; the package still exports it.
from asyncio_extras.contextmanager import async_contextmanager, yield_  # pyright: ignore[reportDeprecated]
