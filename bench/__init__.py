"""Benchmarks of asyncio_extras against its anchors, side by side in one process (``python3 -m bench``)."""
