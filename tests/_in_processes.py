"""Functions decorated at module level for a process pool, as a user's module holds them.

A process pool pickles a function by name, and the name holds the decorator's
wrapper: the tests use this module's pool, which is started by the first call.
"""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from asyncio_extras import threadpool

# spawn: forking a process that has threads is unsafe (and warns under -X dev).
processes = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))


@threadpool(processes)
def square(n: int, *, plus: int = 0) -> int:
    return n * n + plus


class Scaler:
    def __init__(self, factor: int) -> None:
        self.factor = factor

    @threadpool(processes)
    def scale(self, n: int) -> int:
        return self.factor * n

    @classmethod
    @threadpool(processes)
    def describe(cls, n: int) -> str:
        return f"{cls.__name__} {n}"

    @staticmethod
    @threadpool(processes)
    def negate(n: int) -> int:
        return -n


class Tripler(Scaler):
    pass


def stop() -> None:
    """Raise StopIteration, as a call of next() on an exhausted iterator does."""
    raise StopIteration
