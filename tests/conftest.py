"""Shared test settings: property-test profiles, both event loops, and a leak check around every test."""

import asyncio
import os
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Generator, Mapping

import pytest
import uvloop
from hypothesis import settings

# The suite replays the same examples every run (CI must not turn red at random);
# HYPOTHESIS_PROFILE=soak draws many fresh ones, to hunt for new failures.
settings.register_profile("default", max_examples=150, derandomize=True, deadline=None)
settings.register_profile("soak", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    """Run every async test on asyncio's own event loop and on uvloop's."""
    return {"asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}


# --- every test leaves no thread, file descriptor or task behind ---

_FD_FOLDER = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else None
_BASELINE = pytest.StashKey[tuple[set[int], Counter[str]]]()


def _threads_and_open_files() -> tuple[set[int], Counter[str]]:
    """The live threads, and what the open descriptors point to (pipes and the like carry unique inode numbers)."""
    threads = {thread.ident for thread in threading.enumerate() if thread.ident is not None}
    files: Counter[str] = Counter()
    for name in os.listdir(_FD_FOLDER) if _FD_FOLDER else ():
        try:
            files[os.readlink(f"{_FD_FOLDER}/{name}")] += 1
        except OSError:  # the descriptor listing the folder, closed already
            pass
    return threads, files


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    # Taken once the fixtures are set up: what longer-lived ones hold does not count, and
    # what the test's own fixtures hold is released by teardown.
    item.stash[_BASELINE] = _threads_and_open_files()
    result = yield
    return result


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, object, object]:
    result = yield
    baseline = item.stash.get(_BASELINE, None)
    if baseline is None:  # the test did not get to run
        return result
    deadline = time.monotonic() + 2  # threads told to stop may need a moment to end
    while True:
        threads, files = _threads_and_open_files()
        new_threads, new_files = threads - baseline[0], files - baseline[1]
        if not (new_threads or new_files) or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert not new_threads, f"the test left {len(new_threads)} thread(s) running"
    assert not new_files, f"the test left files open: {sorted(new_files.elements())}"
    return result


@pytest.fixture(autouse=True)
async def no_pending_tasks() -> AsyncIterator[None]:
    yield
    pending = asyncio.all_tasks() - {asyncio.current_task()}
    assert not pending, f"the test left tasks pending: {pending}"
